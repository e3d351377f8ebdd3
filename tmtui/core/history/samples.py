"""P&L samples: what is written once a second, and how a finished day is thinned to minutes.

Today's samples keep their 1 s resolution. Once a trading day is over, each series (a
round trip's open P&L, the account's total) keeps one row per minute: the minute's last
sample, with the minute's lowest and highest value in `low`/`high`. The running figures a
sample carries (a trade's MAE/MFE, the day's peak, max/min MTM and max drawdown) are
cumulative, so the last row of each minute keeps them exact; max/min MTM and drawdown of
the day read the same before and after compaction.

A raw (1 s) sample has `low` and `high` None; a compacted one has both.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import TypeVar

from tmtui.core.book.account import DayAccount
from tmtui.core.book.book import Position

MINUTE = 60
"""Seconds per compacted row."""


@dataclass(frozen=True, slots=True)
class PositionSample:
    """One round trip's mark and open P&L at `ts` (Unix seconds), with its MAE/MFE so far."""

    ts: int
    strategy: str
    root: str
    trade_id: int
    mark: Decimal
    open_pnl: Decimal
    mae: Decimal
    mfe: Decimal
    low: Decimal | None = None
    high: Decimal | None = None

    @property
    def lowest(self) -> Decimal:
        return self.open_pnl if self.low is None else self.low

    @property
    def highest(self) -> Decimal:
        return self.open_pnl if self.high is None else self.high


@dataclass(frozen=True, slots=True)
class AccountSample:
    """The day's account at `ts`, with the day's running curve figures."""

    ts: int
    day: str
    realized: Decimal
    open: Decimal
    total: Decimal
    peak: Decimal
    max_mtm: Decimal
    min_mtm: Decimal
    max_drawdown: Decimal
    max_time: datetime | None
    min_time: datetime | None
    low: Decimal | None = None
    high: Decimal | None = None

    @property
    def lowest(self) -> Decimal:
        return self.total if self.low is None else self.low

    @property
    def highest(self) -> Decimal:
        return self.total if self.high is None else self.high


def position_sample(pos: Position, ts: int) -> PositionSample | None:
    """A marked position's sample; None while it has no price."""
    pnl = pos.open_pnl
    if pnl is None or pos.mark is None:
        return None
    t = pos.trade
    return PositionSample(ts, pos.strategy, pos.root, t.trade_id, pos.mark, pnl, t.mae, t.mfe)


def account_sample(account: DayAccount, ts: int) -> AccountSample:
    a, c = account, account.curve
    return AccountSample(
        ts,
        a.day.isoformat(),
        a.realized,
        a.open_pnl,
        a.total,
        c.peak,
        c.max_mtm,
        c.min_mtm,
        c.max_drawdown,
        c.max_time,
        c.min_time,
    )


def compact_positions(
    samples: Iterable[PositionSample], seconds: int = MINUTE
) -> list[PositionSample]:
    """One row per round trip per minute: its last sample, with the minute's extremes."""
    return _compact(
        samples,
        lambda s: (s.strategy, s.root, s.trade_id, s.ts // seconds),
        lambda last, low, high: replace(last, low=low, high=high),
        lambda s: (s.lowest, s.highest),
    )


def compact_account(samples: Iterable[AccountSample], seconds: int = MINUTE) -> list[AccountSample]:
    """One row per minute: the minute's last sample, with its lowest and highest total."""
    return _compact(
        samples,
        lambda s: (s.day, s.ts // seconds),
        lambda last, low, high: replace(last, low=low, high=high),
        lambda s: (s.lowest, s.highest),
    )


S = TypeVar("S", PositionSample, AccountSample)


def _compact(
    samples: Iterable[S],
    bucket: Callable[[S], Hashable],
    build: Callable[[S, Decimal, Decimal], S],
    extremes: Callable[[S], tuple[Decimal, Decimal]],
) -> list[S]:
    """Fold each bucket into its latest sample, carrying the bucket's low and high."""
    folded: dict[Hashable, tuple[S, Decimal, Decimal]] = {}
    for sample in sorted(samples, key=lambda s: s.ts):
        key = bucket(sample)
        low, high = extremes(sample)
        if key in folded:
            _, seen_low, seen_high = folded[key]
            low, high = min(low, seen_low), max(high, seen_high)
        folded[key] = (sample, low, high)
    rows = [build(last, low, high) for last, low, high in folded.values()]
    return sorted(rows, key=lambda s: s.ts)
