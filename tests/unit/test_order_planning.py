"""Planning: the orders that make a bridge do what the books did, sized from what the bridge
holds (never exiting more than it holds, never exiting what it does not hold)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tmtui.core.orders.holdings import BridgeHoldings, applied
from tmtui.core.orders.intents import Effect, OrderAction, OrderIntent, Reason
from tmtui.core.orders.planning import orders_for_change, plan_orders
from tmtui.core.orders.routing import Route, RouteKind, Routing
from tmtui.core.orders.states import Order, OrderState

T0 = datetime(2025, 6, 2, 14, 30, tzinfo=UTC)


def plan(held: int, before: int, after: int, *, one: bool = False) -> list[tuple[str, int, str]]:
    orders = plan_orders(
        strategy="ORB",
        root="MNQ",
        ticker="CME_MINI:MNQ1!",
        held=held,
        before=before,
        after=after,
        reason=Reason.SIGNAL,
        one_order_reversal=one,
        signal_id=9,
        price=D("21000.25"),
    )
    return [(str(o.action), o.qty, str(o.effect)) for o in orders]


@pytest.mark.parametrize(
    ("held", "before", "after", "expected"),
    [
        (0, 0, 2, [("buy", 2, "open")]),  # entry
        (0, 0, -1, [("sell", 1, "open")]),
        (2, 2, 3, [("buy", 1, "add")]),  # add
        (-2, -2, -5, [("sell", 3, "add")]),
        (3, 3, 1, [("sell", 2, "reduce")]),  # partial exit
        (-3, -3, -2, [("buy", 1, "reduce")]),
        (3, 3, 0, [("exit", 3, "close")]),  # close / flat
        (-1, -1, 0, [("exit", 1, "close")]),
        (2, 2, 2, []),  # nothing moved
    ],
)
def test_in_sync_the_bridge_does_what_the_books_did(
    held: int, before: int, after: int, expected: list[tuple[str, int, str]]
) -> None:
    assert plan(held, before, after) == expected


def test_a_reversal_is_an_exit_then_an_entry_unless_the_bridge_does_it_in_one() -> None:
    assert plan(2, 2, -1) == [("exit", 2, "close"), ("sell", 1, "open")]
    assert plan(2, 2, -1, one=True) == [("sell", 1, "reverse")]
    assert plan(-3, -3, 3, one=True) == [("buy", 3, "reverse")]


def test_exits_are_sized_from_what_the_bridge_holds() -> None:
    # the bridge rejected the entry: nothing to close there, nothing sent
    assert plan(0, 2, 0) == []
    assert plan(0, 2, 1) == []
    # it holds less than the books: the partial exit is cut to what it holds
    assert plan(1, 3, 1) == [("exit", 1, "close")]
    assert plan(2, 5, 4) == [("sell", 1, "reduce")]
    # it holds the other side (drift): a partial exit of the books' side changes nothing there
    assert plan(-1, 3, 1) == []
    # a close closes whatever it holds, more or less than the books
    assert plan(4, 2, 0) == [("exit", 4, "close")]


def test_a_reversal_the_bridge_missed_half_of() -> None:
    # the books reverse long → short; the bridge holds nothing: only the new side is opened
    assert plan(0, 2, -1) == [("sell", 1, "open")]
    assert plan(0, 2, -1, one=True) == [("sell", 1, "open")]


def test_intents_carry_the_signal_and_the_bridge_symbol() -> None:
    (order,) = plan_orders(
        strategy="ORB",
        root="MNQ",
        ticker="CME_MINI:MNQ1!",
        held=0,
        before=0,
        after=1,
        reason=Reason.RISK,
        one_order_reversal=False,
        signal_id=4,
        price=D("21000.25"),
    )
    assert (order.symbol, order.signal_id, order.price, order.reason) == (
        "MNQ1!",
        4,
        D("21000.25"),
        Reason.RISK,
    )
    assert order.held_after == 1


def test_a_manual_order_without_a_ticker_goes_as_the_continuous_contract() -> None:
    intent = OrderIntent("ORB", "MES", "", OrderAction.BUY, 1, Effect.OPEN, 0, Reason.MANUAL)
    assert intent.symbol == "MES1!"


@pytest.mark.parametrize(
    ("action", "qty", "effect", "held"),
    [
        (OrderAction.BUY, 0, Effect.OPEN, 0),
        (OrderAction.BUY, 1, Effect.OPEN, 2),
        (OrderAction.EXIT, 2, Effect.CLOSE, 3),
        (OrderAction.EXIT, 1, Effect.CLOSE, 0),
        (OrderAction.SELL, 3, Effect.REDUCE, 3),
        (OrderAction.BUY, 1, Effect.REDUCE, 3),
        (OrderAction.BUY, 1, Effect.ADD, -2),
        (OrderAction.BUY, 1, Effect.REVERSE, 2),
        (OrderAction.EXIT, 1, Effect.OPEN, 0),
    ],
)
def test_an_inconsistent_intent_cannot_be_made(
    action: OrderAction, qty: int, effect: Effect, held: int
) -> None:
    with pytest.raises(ValueError, match="inconsistent order intent"):
        OrderIntent("ORB", "MNQ", "MNQ1!", action, qty, effect, held, Reason.SIGNAL)


positions = st.integers(min_value=-6, max_value=6)


@given(held=positions, before=positions, after=positions, one=st.booleans())
def test_planned_orders_never_overshoot(held: int, before: int, after: int, one: bool) -> None:
    orders = plan_orders(
        strategy="S",
        root="MNQ",
        ticker="MNQ1!",
        held=held,
        before=before,
        after=after,
        reason=Reason.SIGNAL,
        one_order_reversal=one,
    )
    position = held
    for order in orders:
        assert order.held_before == position
        position = applied(position, order)
    if before == after:
        assert orders == ()
    if held == before:  # in sync before → in sync after
        assert position == after
    if after == 0 and before != 0:  # a close leaves nothing at the bridge
        assert position == 0
    shrinking = after * before > 0 and abs(after) < abs(before)
    if shrinking:  # a partial exit never grows, flips or opens anything at the bridge
        assert abs(position) <= abs(held)
        assert position == 0 or position * held > 0
    if (after == 0 or shrinking) and held == 0:  # nothing held: no exit sent
        assert orders == ()
    assert len(orders) <= (1 if one else 2)


def _order(order_id: int, intent: OrderIntent, state: OrderState) -> Order:
    return Order(order_id, "tp", RouteKind.TRADERSPOST, intent, T0, state=state, attempts=1)


def test_holdings_count_accepted_orders_and_expect_pending_ones() -> None:
    holdings = BridgeHoldings()
    buy = OrderIntent("ORB", "MNQ", "MNQ1!", OrderAction.BUY, 2, Effect.OPEN, 0, Reason.SIGNAL)
    holdings.update(_order(1, buy, OrderState.QUEUED))
    assert holdings.expected("tp", "ORB", "MNQ") == 2
    assert holdings.accepted("tp", "ORB", "MNQ") == 0
    # the exit planned while the entry is in flight is sized from it
    assert plan(holdings.expected("tp", "ORB", "MNQ"), 2, 0) == [("exit", 2, "close")]
    holdings.update(_order(1, buy, OrderState.ACCEPTED))
    holdings.update(_order(1, buy, OrderState.ACCEPTED))  # twice: counted once
    assert holdings.accepted("tp", "ORB", "MNQ") == 2
    sell = OrderIntent("ORB", "MNQ", "MNQ1!", OrderAction.SELL, 1, Effect.REDUCE, 2, Reason.SIGNAL)
    holdings.update(_order(2, sell, OrderState.SENT))
    assert holdings.expected("tp", "ORB", "MNQ") == 1
    holdings.update(_order(2, sell, OrderState.REJECTED))
    assert holdings.expected("tp", "ORB", "MNQ") == 2
    assert holdings.expected("tp", "Other", "MNQ") == 0


def test_an_unknown_order_counts_for_nothing_and_a_retrying_one_is_still_expected() -> None:
    buy = OrderIntent("ORB", "MNQ", "MNQ1!", OrderAction.BUY, 1, Effect.OPEN, 0, Reason.SIGNAL)
    unknown = _order(1, buy, OrderState.UNKNOWN)
    retrying = Order(
        2, "tp", RouteKind.TRADERSPOST, buy, T0, state=OrderState.FAILED, retrying=True
    )
    holdings = BridgeHoldings.replayed([retrying, unknown])
    assert holdings.accepted("tp", "ORB", "MNQ") == 0
    assert holdings.expected("tp", "ORB", "MNQ") == 1


def test_a_routed_strategy_gets_its_bridges_orders_and_a_paper_one_none() -> None:
    tp = Route("tp", RouteKind.TRADERSPOST, "https://x.io/a/b")
    ct = Route("ct", RouteKind.CROSSTRADE, "https://x.io/c/d", key="k", account="Sim101")
    routing = Routing(strategies={"ORB": "tp", "Rev": "ct"}, routes={"tp": tp, "ct": ct})
    holdings = BridgeHoldings()
    buy = OrderIntent("ORB", "MNQ", "MNQ1!", OrderAction.BUY, 2, Effect.OPEN, 0, Reason.SIGNAL)
    holdings.update(_order(1, buy, OrderState.ACCEPTED))

    def change(strategy: str, before: int, after: int) -> tuple[str | None, list[str]]:
        route, orders = orders_for_change(
            routing,
            holdings,
            strategy=strategy,
            root="MNQ",
            ticker="MNQ1!",
            before=before,
            after=after,
            reason=Reason.SIGNAL,
        )
        return (route.name if route else None), [f"{o.action} {o.qty} {o.effect}" for o in orders]

    assert change("ORB", 2, -1) == ("tp", ["exit 2 close", "sell 1 open"])
    assert change("Rev", 0, 1) == ("ct", ["buy 1 open"])
    assert change("Paper", 0, 1) == (None, [])
