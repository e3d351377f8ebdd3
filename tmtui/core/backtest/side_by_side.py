"""A strategy's live trading beside its backtest, counted as TradingView counts them.

Pure. Both books' fills become TradingView trades (`lot_trades`, one per entry lot) and are
summed by `tv_summary`, so the live figures read as the Strategy Tester's do. Side by side
they cover the days they overlap: the trading days from the later of the two first days with
a closed trade to the earlier of the two last ones (a trade counts on its exit day). Books
that share no such day have no overlap, and each side is then of no trades.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol

from tmtui.core.backtest.lot_trades import Execution, LotTrade, lot_trades
from tmtui.core.backtest.tv_stats import TvSummary, tv_summary
from tmtui.core.history.history_views import percent, ratio
from tmtui.core.views import money


class RootedExecution(Execution, Protocol):
    """A fill that knows its contract root (`models.Fill` is one)."""

    @property
    def root(self) -> str: ...


def strategy_trades(
    fills: Iterable[RootedExecution], point_value: Callable[[str], Decimal]
) -> list[LotTrade]:
    """One strategy's TradingView trades across its roots, in entry order."""
    by_root: dict[str, list[RootedExecution]] = defaultdict(list)
    for fill in fills:
        by_root[fill.root].append(fill)
    trades = [t for root, fs in by_root.items() for t in lot_trades(fs, point_value(root))]
    return sorted(trades, key=lambda t: t.entry_time)


def summary_of(trades: Sequence[LotTrade]) -> TvSummary:
    return tv_summary([t.net for t in trades])


@dataclass(frozen=True, slots=True)
class SideBySide:
    """Live and backtest over the days they overlap (`first`..`last`, None: no overlap)."""

    first: date | None
    last: date | None
    live: TvSummary
    backtest: TvSummary


def side_by_side(
    live: Sequence[LotTrade], backtest: Sequence[LotTrade], day_of: Callable[[datetime], date]
) -> SideBySide:
    live_days = [day_of(t.exit_time) for t in live]
    test_days = [day_of(t.exit_time) for t in backtest]
    if not live_days or not test_days:
        return SideBySide(None, None, summary_of([]), summary_of([]))
    first = max(min(live_days), min(test_days))
    last = min(max(live_days), max(test_days))
    if first > last:
        return SideBySide(None, None, summary_of([]), summary_of([]))

    def within(trades: Sequence[LotTrade]) -> list[LotTrade]:
        return [t for t in trades if first <= day_of(t.exit_time) <= last]

    return SideBySide(first, last, summary_of(within(live)), summary_of(within(backtest)))


def figures_json(s: TvSummary) -> dict[str, Any]:
    """The figures side by side: net, trades, win rate (%), profit factor, average trade,
    max drawdown close-to-close (≤ 0); unknown ratios null."""
    t = s.trades
    return {
        "net": money(t.net),
        "trades": t.trades,
        "win_rate": percent(t.win_rate),
        "profit_factor": ratio(t.profit_factor),
        "avg_trade": None if t.expectancy is None else money(t.expectancy),
        "max_drawdown": money(s.max_drawdown),
    }


def side_by_side_json(s: SideBySide) -> dict[str, Any]:
    return {
        "first_day": None if s.first is None else s.first.isoformat(),
        "last_day": None if s.last is None else s.last.isoformat(),
        "backtest": figures_json(s.backtest),
        "live": figures_json(s.live),
    }
