"""Minute compaction of P&L samples, pure: extremes, running figures and the last mark survive."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from tmtui.core.book.account import DayAccount
from tmtui.core.history.samples import (
    AccountSample,
    PositionSample,
    account_sample,
    compact_account,
    compact_positions,
)

T0 = 1_763_500_000 - 1_763_500_000 % 60  # a minute boundary

steps = st.lists(st.tuples(st.integers(1, 40), st.integers(-400, 400)), min_size=1, max_size=300)


def trade_path(moves: list[tuple[int, int]], trade_id: int = 1) -> list[PositionSample]:
    """A marked round trip: ticks apart by `gap` seconds, P&L in quarter points."""
    rows, ts, mae, mfe = [], T0, D(0), D(0)
    for gap, pnl_ticks in moves:
        ts += gap
        pnl = D(pnl_ticks) * D("1.25")
        mae, mfe = min(mae, pnl), max(mfe, pnl)
        rows.append(PositionSample(ts, "S", "NQ", trade_id, D(25600) + pnl, pnl, mae, mfe))
    return rows


@settings(max_examples=150, deadline=None)
@given(steps)
def test_a_round_trip_keeps_its_extremes_and_last_mark(moves: list[tuple[int, int]]) -> None:
    raw = trade_path(moves)
    thin = compact_positions(raw)
    assert len(thin) == len({s.ts // 60 for s in raw})
    assert len({s.ts // 60 for s in thin}) == len(thin), "one row per minute"
    assert min(s.lowest for s in thin) == min(s.open_pnl for s in raw)
    assert max(s.highest for s in thin) == max(s.open_pnl for s in raw)
    assert thin[-1].ts == raw[-1].ts and thin[-1].mark == raw[-1].mark
    assert (thin[-1].mae, thin[-1].mfe) == (raw[-1].mae, raw[-1].mfe)
    assert all(s.low is not None and s.high is not None for s in thin)
    assert compact_positions(thin) == thin, "compacting again changes nothing"
    for minute in {s.ts // 60 for s in raw}:
        bucket = [s.open_pnl for s in raw if s.ts // 60 == minute]
        (row,) = [s for s in thin if s.ts // 60 == minute]
        assert (row.low, row.high, row.open_pnl) == (min(bucket), max(bucket), bucket[-1])


def test_two_round_trips_in_one_minute_stay_apart() -> None:
    first = trade_path([(1, 4), (2, -8)], trade_id=1)
    second = trade_path([(5, 20), (1, 12)], trade_id=2)
    thin = compact_positions(first + second)
    assert [(s.trade_id, s.low, s.high) for s in thin] == [
        (1, D(-10), D(5)),
        (2, D(15), D(25)),
    ]


@settings(max_examples=100, deadline=None)
@given(steps)
def test_the_days_figures_are_equal_before_and_after(moves: list[tuple[int, int]]) -> None:
    """Max/min MTM and max drawdown of the day, from the samples, before == after."""
    account = DayAccount(date(2026, 11, 18))
    raw: list[AccountSample] = []
    ts = T0
    for gap, ticks in moves:
        ts += gap
        account.set_open(D(ticks) * D("12.5"), datetime.fromtimestamp(ts, UTC))
        raw.append(account_sample(account, ts))
    thin = compact_account(raw)
    assert figures(thin) == figures(raw)
    assert len(thin) <= len(raw)


def figures(samples: list[AccountSample]) -> tuple[object, ...]:
    last = samples[-1]
    return (
        max(s.highest for s in samples),
        min(s.lowest for s in samples),
        last.max_mtm,
        last.min_mtm,
        last.max_drawdown,
        last.peak,
        last.max_time,
        last.min_time,
        last.total,
    )
