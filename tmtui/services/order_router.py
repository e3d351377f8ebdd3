"""After the commit: hand a signal's orders to the sender, and tell everyone how they fare.

Subscribed to `Recorded` on the engine's bus (see `Engine._wire`). The orders are already in
the ledger (the signal's own transaction wrote them), so `recorded` only queues them for the
sender: it never waits for a bridge, and the webhook's 200 never does either. Each state
change is saved by the sender, counted in what the strategy holds at the bridge, and
published as an `OrderChanged` (the log, `--headless`, the screen's banner and orders view).

At start, every order in the outbox rebuilds the holdings and the next id; then the sender
settles what the last run left (`sent` → unknown, queued → delivered once).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime

import httpx

from tmtui.core.book.book import PositionKey
from tmtui.core.orders.desk import OrderDesk
from tmtui.core.orders.states import Order, OrderChanged, OrderState
from tmtui.core.pipeline import Recorded
from tmtui.core.trading_day import TradingCalendar
from tmtui.core.views import BridgeMark
from tmtui.ledger.outbox import LedgerOrderStore
from tmtui.ledger.store import Ledger
from tmtui.services.bus import Bus
from tmtui.services.order_sender import Backoff, OrderSender
from tmtui.services.tradovate_routes import TradovateRoutes


class OrderRouter:
    """The engine's side of routes: the desk (pure planning state) and the sender."""

    def __init__(
        self,
        ledger: Ledger,
        desk: OrderDesk,
        bus: Bus,
        calendar: TradingCalendar,
        *,
        clock: Callable[[], datetime],
        client: httpx.AsyncClient | None = None,
        backoff: Backoff | None = None,
        tradovate: Callable[[OrderRouter], TradovateRoutes] | None = None,
    ) -> None:
        self.ledger = ledger
        self.desk = desk
        self.bus = bus
        self.calendar = calendar
        self.loud: dict[int, Order] = {}
        """Orders that ended rejected, unknown or failed and are not dismissed: the banner."""
        self.sender = OrderSender(
            LedgerOrderStore(ledger),
            desk.routing.routes,
            self._changed,
            client=client,
            backoff=backoff,
            clock=clock,
        )
        self.tradovate = tradovate(self) if tradovate is not None else None
        """Tradovate routes' links (the sender's direct lanes) and pollers (None: none)."""
        if self.tradovate:
            self.sender.direct.update(self.tradovate.links)

    async def start(self) -> None:
        """Holdings and ids from the outbox, then deliver what the last run left."""
        orders = await self.ledger.all_orders()
        self.desk.replayed(orders)
        self.loud = {o.id: o for o in orders if o.needs_trader}
        await self.sender.start()
        if self.tradovate:
            self.tradovate.start()

    async def stop(self) -> None:
        """Stop polling and delivering (before the ledger closes): an order in flight ends
        unknown."""
        if self.tradovate:
            await self.tradovate.stop_polling()
        await self.sender.stop()
        if self.tradovate:
            await self.tradovate.close()

    async def liquidate_accounts(self) -> list[str]:
        """`F`: every Tradovate account liquidated (nothing without a Tradovate route)."""
        return await self.tradovate.liquidate_all() if self.tradovate else []

    def recorded(self, message: Recorded) -> None:
        """Queue a committed signal's orders for their bridges (returns at once)."""
        for order in message.decision.write.orders:
            intent = replace(order.intent, signal_id=message.signal_id)
            queued = replace(order, intent=intent)
            self.bus.publish(OrderChanged(queued, None))
            self.sender.enqueue(queued)

    def bridge_mark(self, key: PositionKey) -> BridgeMark | None:
        """A routed position's route and what is expected at its bridge (accepted and
        in-flight orders: one the bridge refused is not there); None on paper."""
        route = self.desk.routing.route_for(key[0])
        if route is None:
            return None
        broker = self.tradovate.broker_qty(route.name, key[1]) if self.tradovate else None
        return BridgeMark(route.name, self.desk.holdings.expected(route.name, *key), broker)

    def _changed(self, change: OrderChanged) -> None:
        order = change.order
        self.desk.holdings.update(order)
        if order.needs_trader:
            self.loud[order.id] = order
        else:
            self.loud.pop(order.id, None)
        self.bus.publish(change)

    # --- the trader's side -----------------------------------------------------------------

    async def resend(self, order_id: int) -> Order:
        return await self.sender.resend(order_id)

    async def dismiss(self, order_id: int) -> Order:
        return await self.sender.dismiss(order_id)

    async def orders(self, day: date | None = None, state: OrderState | None = None) -> list[Order]:
        """Orders of one trading day (all days when None), optionally in one state."""
        start = end = None
        if day is not None:
            start, end = self.calendar.bounds(day)
        return await self.ledger.orders_between(start, end, state)
