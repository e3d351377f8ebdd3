"""A strategy's statistics as TradingView's Strategy Tester counts them.

Pure. The Strategy Tester's summary (its xlsx report's Performance and Trades analysis
sheets) is of its trades, one per entry lot (`lot_trades`), closed ones only: total trades,
percent profitable, average win and loss, largest win and loss, gross profit and loss,
profit factor, net profit, and the max equity drawdown close-to-close. The counting rules are
`history.stats.stats_of`'s (a break-even trade is a trade but neither a win nor a loss). The
drawdown is measured between trade closes only: from the highest cumulative net at any
close to a lower one after it. The starting capital is no close, so a first losing trade is
no drawdown yet (checked against the real reports in tests/data/tradingview-exports).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from tmtui.core.history.stats import TradeStats, equity_curve, max_drawdown, stats_of


@dataclass(frozen=True, slots=True)
class TvSummary:
    """The Strategy Tester's figures for some closed trades.

    `trades` holds the counts, sums and ratios (`win_rate` is a fraction: the percent
    profitable is 100 times it; `avg_loss`, `largest_loss` and `lost` are ≤ 0, where
    TradingView shows their size). `max_drawdown` is ≤ 0 too, as tmtui's other drawdowns.
    """

    trades: TradeStats
    max_drawdown: Decimal

    @property
    def even(self) -> int:
        """Break-even trades: neither wins nor losses."""
        return self.trades.trades - self.trades.wins - self.trades.losses

    @property
    def percent_profitable(self) -> Decimal | None:
        rate = self.trades.win_rate
        return None if rate is None else rate * 100


def tv_summary(nets: Sequence[Decimal]) -> TvSummary:
    """The statistics of closed trades given by their nets in trade order (TradingView's
    trade numbers; for tmtui's fills, `lot_trades`' order)."""
    return TvSummary(stats_of(nets), close_to_close_drawdown(nets))


def close_to_close_drawdown(nets: Sequence[Decimal]) -> Decimal:
    """The deepest fall of the cumulative net from its peak, both at trade closes (≤ 0)."""
    if not nets:
        return Decimal(0)
    return max_drawdown(equity_curve(enumerate(nets[1:]), start=nets[0]))
