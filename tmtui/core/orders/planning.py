"""The orders that make a bridge do what tmtui's books just did.

The books moved one strategy's position from `before` to `after`; the bridge holds `held`
for that strategy (by its accepted and still pending orders, which may differ from the
books: an entry the bridge rejected is not held there). Planning first decides where the
bridge should end (`bridge_target`), then the orders that take it there (`steps`):

* entry or add (the books grew on a side): the bridge moves by the same qty;
* partial exit (the books shrank, same side): the bridge sheds the same qty, never more than
  it holds on that side, and nothing when it holds nothing there;
* close / flat (`after == 0`): the bridge's exit of whatever it holds, nothing when flat;
* reversal (the books crossed zero): whatever the bridge holds is closed and `after` opened,
  as one order where the bridge documents a one-order reversal, else an exit then an entry.
"""

from __future__ import annotations

from decimal import Decimal

from tmtui.core.orders.holdings import BridgeHoldings
from tmtui.core.orders.intents import Effect, OrderAction, OrderIntent, Reason
from tmtui.core.orders.routing import Route, Routing


def _sign(value: int) -> int:
    return (value > 0) - (value < 0)


def bridge_target(held: int, before: int, after: int) -> int:
    """The signed qty the bridge should hold after the books moved `before` → `after`."""
    if after == before:
        return held
    if after == 0:
        return 0
    if before != 0 and _sign(before) != _sign(after):
        return after
    delta = after - before
    if abs(after) > abs(before):
        return held + delta
    if _sign(held) != _sign(before):
        return held
    shed = min(abs(delta), abs(held))
    return held - _sign(held) * shed


def steps(
    held: int, target: int, *, one_order_reversal: bool
) -> list[tuple[OrderAction, int, Effect, int]]:
    """The (action, qty, effect, held_before) steps that take the bridge from held to target."""
    if target == held:
        return []
    side = OrderAction.BUY if target > held else OrderAction.SELL
    if held == 0:
        return [(side, abs(target), Effect.OPEN, 0)]
    if target == 0:
        return [(OrderAction.EXIT, abs(held), Effect.CLOSE, held)]
    if _sign(target) == _sign(held):
        effect = Effect.ADD if abs(target) > abs(held) else Effect.REDUCE
        return [(side, abs(target - held), effect, held)]
    if one_order_reversal:
        return [(side, abs(target), Effect.REVERSE, held)]
    return [(OrderAction.EXIT, abs(held), Effect.CLOSE, held), (side, abs(target), Effect.OPEN, 0)]


def plan_orders(
    *,
    strategy: str,
    root: str,
    ticker: str,
    held: int,
    before: int,
    after: int,
    reason: Reason,
    one_order_reversal: bool,
    signal_id: int | None = None,
    price: Decimal | None = None,
) -> tuple[OrderIntent, ...]:
    """The orders, in sending order, for one change of the books' position.

    Empty when the bridge has nothing to do: the books did not move, or they shed a position
    the bridge does not hold. With two orders (exit then entry) the second must be sent only
    after the first was accepted.
    """
    target = bridge_target(held, before, after)
    planned = steps(held, target, one_order_reversal=one_order_reversal)
    return tuple(
        OrderIntent(
            strategy=strategy,
            root=root,
            ticker=ticker,
            action=action,
            qty=qty,
            effect=effect,
            held_before=held_before,
            reason=reason,
            signal_id=signal_id,
            price=price,
        )
        for action, qty, effect, held_before in planned
    )


def orders_for_change(
    routing: Routing,
    holdings: BridgeHoldings,
    *,
    strategy: str,
    root: str,
    ticker: str,
    before: int,
    after: int,
    reason: Reason,
    signal_id: int | None = None,
    price: Decimal | None = None,
) -> tuple[Route | None, tuple[OrderIntent, ...]]:
    """The strategy's bridge route and its orders for one change of the books.

    (None, ()) on paper, and for a reserved kind (Tradovate), whose own module plans.
    Sized from what the strategy is expected to hold at that bridge (`holdings.expected`).
    """
    route = routing.route_for(strategy)
    if route is None:
        return None, ()
    held = holdings.expected(route.name, strategy, root)
    orders = plan_orders(
        strategy=strategy,
        root=root,
        ticker=ticker,
        held=held,
        before=before,
        after=after,
        reason=reason,
        one_order_reversal=route.one_order_reversal,
        signal_id=signal_id,
        price=price,
    )
    return route, orders
