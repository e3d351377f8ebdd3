"""The money core: FIFO fills, round trips, commissions, marks — and properties over them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tmtui.core.alerts.signal_rules import signal_from_dict, signal_to_dict
from tmtui.core.book.book import Book, Change, replay
from tmtui.core.contracts import ContractBook
from tmtui.core.models import Action, Signal, UnusableSignal

T0 = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)


def sig(
    action: str,
    qty: int | None,
    price: str | None,
    root: str = "NQ",
    strategy: str = "S",
    minutes: int = 0,
    target: int | None = None,
) -> Signal:
    return Signal(
        strategy,
        root,
        Action(action),
        qty,
        None if price is None else D(price),
        T0 + timedelta(minutes=minutes),
        target=target,
    )


def book(commission: str = "0") -> Book:
    return Book(ContractBook(), lambda _root: D(commission))


def test_seed_example_long_nq() -> None:
    b = book()
    b.apply(sig("buy", 1, "25600"))
    b.mark("NQ", lambda _sign: D("25650"), T0)
    assert b.position("S", "NQ").open_pnl == D("1000")


def test_short_pnl_is_reversed() -> None:
    b = book()
    b.apply(sig("sell", 2, "25600"))
    b.mark("NQ", lambda _sign: D("25650"), T0)
    pos = b.position("S", "NQ")
    assert pos.signed_qty == -2 and pos.side.value == "short"
    assert pos.open_pnl == D("-2000")


def test_fifo_partial_close_and_add() -> None:
    b = book()
    b.apply(sig("buy", 1, "100", root="ES"))
    b.apply(sig("buy", 2, "110", root="ES"))
    pos = b.position("S", "ES")
    assert pos.avg_price == (D(100) + 2 * D(110)) / 3
    plan = b.apply(sig("sell", 2, "120", root="ES"))
    # FIFO: the 100 lot closes first, then one of the 110 lots.
    assert plan.realized == (D(20) + D(10)) * 50
    assert plan.change == Change.REDUCED
    pos = b.position("S", "ES")
    assert pos.qty == 1 and pos.avg_price == D(110)
    plan = b.apply(sig("sell", 1, "105", root="ES"))
    assert plan.change == Change.CLOSED and b.position("S", "ES") is None
    trade = plan.closed_trades[0]
    assert trade.qty == 3
    assert trade.entry_price == (D(100) + 2 * D(110)) / 3
    assert trade.exit_price == (2 * D(120) + D(105)) / 3
    assert trade.gross == D(1500) - D(250)


def test_reversal_splits_round_trips_and_commissions() -> None:
    b = book("2.50")
    b.apply(sig("buy", 1, "25600"))
    plan = b.apply(sig("sell", 3, "25700", minutes=5))
    assert plan.change == Change.REVERSED
    old = plan.closed_trades[0]
    assert old.gross == D(2000)
    assert old.commission == D("5.00")  # 1 in + 1 out
    assert old.net == D("1995.00")
    pos = b.position("S", "NQ")
    assert pos.signed_qty == -2 and pos.avg_price == D(25700)
    assert pos.trade.commission == D("5.00")  # the 2 opening contracts of the new trip
    assert pos.trade.trade_id == old.trade_id + 1
    assert [f.qty for f in plan.fills] == [-1, -2]


def test_close_without_price_uses_mark() -> None:
    b = book()
    b.apply(sig("buy", 1, "25600"))
    b.mark("NQ", lambda _sign: D("25610.25"), T0)
    plan = b.apply(sig("close", None, None))
    assert plan.price == D("25610.25")
    assert plan.closed_trades[0].gross == D("10.25") * 20


def test_close_without_price_or_mark_is_refused_and_changes_nothing() -> None:
    b = book()
    b.apply(sig("buy", 1, "25600"))
    with pytest.raises(UnusableSignal, match="without a price"):
        b.apply(sig("close", None, None))
    assert b.position("S", "NQ").qty == 1


def test_close_with_nothing_open_is_a_no_op() -> None:
    b = book()
    plan = b.apply(sig("close", None, "100"))
    assert plan.fills == [] and plan.after == 0


def test_plan_does_not_touch_the_book() -> None:
    b = book()
    b.apply(sig("buy", 1, "25600"))
    b.plan(sig("sell", 5, "25700"))
    pos = b.position("S", "NQ")
    assert pos.signed_qty == 1 and pos.trade.exit_qty == 0


def test_target_position_sets_result_and_records_drift() -> None:
    b = book()
    b.apply(sig("buy", 1, "100", root="ES"))
    plan = b.apply(sig("buy", 1, "101", root="ES", target=3))
    assert plan.after == 3 and plan.drift == (2, 3)
    plan = b.apply(sig("sell", 3, "102", root="ES", target=0))
    assert plan.after == 0 and plan.drift is None


def test_positions_are_per_strategy() -> None:
    b = book()
    b.apply(sig("buy", 1, "100", root="ES", strategy="A"))
    b.apply(sig("sell", 1, "100", root="ES", strategy="B"))
    assert b.position("A", "ES").signed_qty == 1
    assert b.position("B", "ES").signed_qty == -1


def test_mae_mfe_follow_marks() -> None:
    b = book()
    b.apply(sig("buy", 1, "100", root="ES"))
    for p in ("98", "104", "101"):
        b.mark("ES", lambda _s, p=p: D(p), T0)
    pos = b.position("S", "ES")
    assert pos.trade.mae == D(-100) and pos.trade.mfe == D(200)
    plan = b.apply(sig("close", None, "95", root="ES"))
    trade = plan.closed_trades[0]
    assert trade.mae == D(-250) and trade.mfe == D(200)


def test_exact_prices_for_fine_ticks() -> None:
    b = book()
    b.apply(sig("buy", 1, "1.08765", root="6E"))
    b.apply(sig("buy", 2, "1.08770", root="6E"))
    b.mark("6E", lambda _s: D("1.08775"), T0)
    pos = b.position("S", "6E")
    assert pos.open_pnl == (D("0.00010") + 2 * D("0.00005")) * 125000


# --- properties ---------------------------------------------------------------------------

prices = st.integers(min_value=1, max_value=400).map(lambda n: D(25000) + D(n) / 4)
steps = st.lists(
    st.tuples(
        st.sampled_from(["buy", "sell", "close"]),
        st.integers(1, 5),
        prices,
        st.sampled_from(["A", "B"]),
    ),
    min_size=1,
    max_size=30,
)


def _apply_all(b: Book, seq: list[tuple[str, int, D, str]]) -> list:
    plans = []
    for i, (action, qty, price, strategy) in enumerate(seq):
        s = sig(
            action, None if action == "close" else qty, str(price), strategy=strategy, minutes=i
        )
        plans.append(b.apply(s))
    return plans


@settings(max_examples=200, deadline=None)
@given(steps, prices)
def test_realized_plus_open_equals_cash_flow_at_mark(seq: list, mark: D) -> None:
    b = book("1.25")
    plans = _apply_all(b, seq)
    b.mark("NQ", lambda _s: mark, T0)
    for strategy in ("A", "B"):
        fills = [f for p in plans for f in p.fills if f.strategy == strategy]
        cash = sum((-f.qty * f.price * 20 for f in fills), D(0))
        net_qty = sum(f.qty for f in fills)
        realized = sum((f.realized for f in fills), D(0))
        pos = b.position(strategy, "NQ")
        assert (pos.signed_qty if pos else 0) == net_qty
        open_pnl = pos.open_pnl if pos else D(0)
        assert realized + open_pnl == cash + net_qty * mark * 20
        commission = sum((f.commission for f in fills), D(0))
        assert commission == D("1.25") * sum(abs(f.qty) for f in fills)


@settings(max_examples=200, deadline=None)
@given(steps)
def test_fifo_avg_matches_independent_lot_model(seq: list) -> None:
    b = book()
    _apply_all(b, seq)
    model: dict[str, list[D]] = {"A": [], "B": []}  # signed unit lots, oldest first
    for action, qty, price, strategy in seq:
        lots = model[strategy]
        if action == "close":
            lots.clear()
            continue
        direction = 1 if action == "buy" else -1
        for _ in range(qty):
            if lots and (lots[0] > 0) != (direction > 0):
                lots.pop(0)
            else:
                lots.append(price * direction)
    for strategy, lots in model.items():
        pos = b.position(strategy, "NQ")
        if not lots:
            assert pos is None
            continue
        assert pos.qty == len(lots)
        assert pos.avg_price == sum(abs(x) for x in lots) / len(lots)


@settings(max_examples=100, deadline=None)
@given(steps)
def test_replay_of_stored_signals_gives_identical_state(seq: list) -> None:
    b = book("0.5")
    stored = []
    for i, (action, qty, price, strategy) in enumerate(seq):
        s = sig(
            action, None if action == "close" else qty, str(price), strategy=strategy, minutes=i
        )
        b.apply(s, i)
        stored.append((i, signal_from_dict(signal_to_dict(s))))
    again = book("0.5")
    replay(again, stored)
    assert again.next_trade_id == b.next_trade_id
    assert again.positions == b.positions
