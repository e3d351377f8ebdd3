"""What each strategy holds at each bridge, by its orders there rather than by the books.

`accepted` counts only orders the bridge accepted; `expected` adds the orders still on their
way (queued, sent, retrying), in order. Planning uses `expected`, so an exit that follows
an entry still in flight is sized from that entry instead of being trimmed to nothing; an
order that ends rejected, unknown or failed drops out of `expected` again. The difference
between `accepted` and the books is the drift the screen shows. An unknown order counts for
nothing: its fate is for the trader to find out at the broker (then resend or dismiss).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from tmtui.core.orders.intents import Effect, OrderIntent
from tmtui.core.orders.states import Order, OrderState

HoldingKey = tuple[str, str, str]
"""(route, strategy, root)."""


def key_of(order: Order) -> HoldingKey:
    return (order.route, order.intent.strategy, order.intent.root)


def applied(held: int, intent: OrderIntent) -> int:
    """What is held after the order fills, starting from `held` (which may have drifted).

    A close or reversal ends at a known position whatever was held; other orders move it.
    """
    if intent.effect in (Effect.CLOSE, Effect.REVERSE):
        return intent.held_after
    return held + intent.held_after - intent.held_before


@dataclass
class BridgeHoldings:
    """Held quantities per (route, strategy, root), kept up to date from order changes."""

    _accepted: dict[HoldingKey, int] = field(default_factory=dict)
    _pending: dict[int, Order] = field(default_factory=dict)
    _counted: set[int] = field(default_factory=set)

    @classmethod
    def replayed(cls, orders: Iterable[Order]) -> BridgeHoldings:
        """Rebuilt from the outbox at start: every order, oldest first, in its last state."""
        holdings = cls()
        for order in sorted(orders, key=lambda o: o.id):
            holdings.update(order)
        return holdings

    def accepted(self, route: str, strategy: str, root: str) -> int:
        return self._accepted.get((route, strategy, root), 0)

    def expected(self, route: str, strategy: str, root: str) -> int:
        """Accepted, then every order still on its way applied in order."""
        key = (route, strategy, root)
        held = self._accepted.get(key, 0)
        for order_id in sorted(self._pending):
            order = self._pending[order_id]
            if key_of(order) == key:
                held = applied(held, order.intent)
        return held

    def update(self, order: Order) -> None:
        """Take an order's new state into account (a new order, an answer, a resend).

        Safe to call twice with the same state: an accepted order counts once.
        """
        if order.pending:
            self._pending[order.id] = order
            return
        self._pending.pop(order.id, None)
        if order.state is OrderState.ACCEPTED and order.id not in self._counted:
            self._counted.add(order.id)
            key = key_of(order)
            self._accepted[key] = applied(self._accepted.get(key, 0), order.intent)

    def forget(self, order_id: int) -> None:
        """An order that never was (its signal was not recorded): no longer on its way."""
        self._pending.pop(order_id, None)
