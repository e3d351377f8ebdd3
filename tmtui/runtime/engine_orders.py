"""The engine's orders as its views see them: where a strategy's orders go, the outbox, and
the trader's resend / dismiss of an order that needs them.

On paper (no route configured) every answer says so: no order exists, and a dialog says
`books only (paper)`, so nobody may think a paper close reached a broker.
"""

from __future__ import annotations

from datetime import date

from tmtui.core.book.book import PositionKey
from tmtui.core.orders.states import Order, OrderRefusal, OrderState
from tmtui.core.views import BridgeMark
from tmtui.services.order_router import OrderRouter
from tmtui.settings.config import Config

PAPER_ONLY = "no route is configured: every strategy is on paper (books only)"


class EngineOrders:
    """Orders through the engine's `router` (None when every strategy is on paper)."""

    config: Config
    router: OrderRouter | None

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

    def bridge_mark(self, key: PositionKey) -> BridgeMark | None:
        """The row's mark of a routed position: its route and what is expected at the
        bridge (accepted and in-flight orders; one the bridge refused is not there)."""
        route = self.config.routing.route_for(key[0])
        if route is None or self.router is None:
            return None
        return BridgeMark(route.name, self.router.desk.holdings.expected(route.name, *key))

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
