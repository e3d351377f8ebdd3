"""The engine's orders as its views see them: where a strategy's orders go, the outbox, and
the trader's resend / dismiss of an order that needs them.

On paper (no route configured) every answer says so: no order exists, and a dialog says
`books only (paper)`, so nobody may think a paper close reached a broker.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from typing import Any

import httpx

from tmtui.core.book.book import PositionKey
from tmtui.core.book.trading_state import TradingState
from tmtui.core.events import Event, EventKind
from tmtui.core.orders.desk import OrderDesk
from tmtui.core.orders.states import Order, OrderChanged, OrderRefusal, OrderState
from tmtui.core.pipeline import Logged, Recorded
from tmtui.ledger.store import Ledger
from tmtui.services.bus import Bus
from tmtui.services.order_router import OrderRouter
from tmtui.services.order_sender import Backoff
from tmtui.services.signal_intake import SignalIntake
from tmtui.services.tradovate_routes import TradovateRoutes
from tmtui.settings.config import Config

PAPER_ONLY = "no route is configured: every strategy is on paper (books only)"


@dataclass(frozen=True, slots=True)
class OrderTransport:
    """How orders reach bridges: the HTTP client (None: one of the sender's own, with the
    environment's proxies) and the retry backoff (tests pass a loopback client, a fast one)."""

    client: httpx.AsyncClient | None = None
    backoff: Backoff | None = None


def make_router(engine: EngineOrders, transport: OrderTransport | None) -> OrderRouter | None:
    """The order router when any route is configured (routed rows then show their bridge);
    None keeps every strategy on paper at no cost (no planning, sender or HTTP client)."""
    routing, state = engine.config.routing, engine.state
    if not routing.routes:
        return None
    tradovate = any(r.tradovate is not None for r in routing.routes.values())
    router = OrderRouter(
        engine.ledger,
        OrderDesk(routing, day_of=state.calendar.day_of),
        engine.bus,
        state.calendar,
        clock=engine.clock,
        client=transport.client if transport else None,
        backoff=transport.backoff if transport else None,
        tradovate=partial(make_tradovate, engine) if tradovate else None,
    )
    state.bridge = router.bridge_mark
    engine.intake.desk = router.desk
    return router


def make_tradovate(engine: EngineOrders, router: OrderRouter) -> TradovateRoutes:
    """The Tradovate routes' links and pollers: drift against the books of the strategies
    routed there; their lines go to the log like the engine's own."""
    state = engine.state
    return TradovateRoutes(
        engine.config.routing,
        engine.ledger,
        day_of=state.calendar.day_of,
        books=lambda: {k: p.signed_qty for k, p in state.book.positions.items()},
        busy=router.sender.busy,
        say=lambda event: engine.bus.publish(Logged(event)),
        clock=engine.clock,
    )


class EngineOrders:
    """Orders through the engine's `router` (None when every strategy is on paper)."""

    config: Config
    ledger: Ledger
    bus: Bus
    intake: SignalIntake
    router: OrderRouter | None
    state: TradingState
    clock: Callable[[], datetime]

    def emit(self, event: Event, persist: bool = True) -> None:
        raise NotImplementedError  # the engine's

    def _wire_orders(self, bus: Bus) -> None:
        """After every other subscriber to `Recorded` (the signal's log lines come first),
        the router queues its orders; every order change becomes a log line."""
        if self.router is not None:
            bus.subscribe(Recorded, self.router.recorded)  # queues only: never waits
        bus.subscribe(OrderChanged, self._order_changed)

    async def _start_orders(self) -> None:
        if self.router is not None:
            await self.router.start()

    async def _stop_orders(self) -> None:
        """Before the ledger closes: an order in flight ends unknown."""
        if self.router is not None:
            await self.router.stop()

    def flatten_accounts(self) -> None:
        """`F`: after the books' closes, every Tradovate account liquidated in the
        background, one log line per contract (nothing without a Tradovate route)."""
        if self.router is not None and self.router.tradovate:
            self.spawn(self._liquidate(self.router), "flatten Tradovate accounts")

    async def _liquidate(self, router: OrderRouter) -> None:
        for line in await router.liquidate_accounts():
            self.emit(Event(EventKind.FLATTEN, line, self.clock(), {"broker": True}))

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> None:
        raise NotImplementedError  # the engine's

    def _order_changed(self, change: OrderChanged) -> None:
        """One log line (and headless line) per order state change; loud when the trader
        must act (rejected, unknown, failed for good)."""
        order = change.order
        loud = order.needs_trader
        if loud:
            self.state.errors += 1
        data = {"order": order.id, "state": order.state.value, "route": order.route, "loud": loud}
        self.emit(Event(EventKind.ORDER, change.line, self.clock(), data))

    def destination(self, strategy: str) -> str:
        """What a close / flatten / order dialog says: `→ TradersPost (tp)` or
        `books only (paper)`."""
        return self.config.routing.destination_for(strategy)

    def routed(self, strategy: str) -> bool:
        return self.config.routing.route_for(strategy) is not None

    def bridge_held(self, key: PositionKey) -> int | None:
        """What the strategy holds at its bridge by accepted orders (None on paper)."""
        route = self.config.routing.route_for(key[0])
        if route is None or self.router is None:
            return None
        return self.router.desk.holdings.accepted(route.name, *key)

    def orders_needing_trader(self) -> list[Order]:
        """Rejected, unknown or given-up orders not dismissed, oldest first (the banner)."""
        if self.router is None:
            return []
        return [self.router.loud[i] for i in sorted(self.router.loud)]

    async def orders(self, day: date | None = None, state: OrderState | None = None) -> list[Order]:
        if self.router is None:
            return []
        return await self.router.orders(day, state)

    async def resend_order(self, order_id: int) -> Order:
        return await self._router().resend(order_id)

    async def dismiss_order(self, order_id: int) -> Order:
        return await self._router().dismiss(order_id)

    def _router(self) -> OrderRouter:
        if self.router is None:
            raise OrderRefusal(PAPER_ONLY)
        return self.router
