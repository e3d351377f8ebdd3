"""Statistics a trader judges a strategy by: win rate, profit factor, expectancy, drawdown.

Pure and exact (Decimal). The figures follow TradingView's Strategy Tester: a trade's result
is its net (after every commission of the round trip); a break-even trade counts as a trade
but neither as a win nor as a loss; win rate is wins over all trades; profit factor is what
the winners made over what the losers lost (undefined with no losing trade).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Generic, TypeVar

from tmtui.core.book.rollups import DayRollup

ZERO = Decimal(0)
L = TypeVar("L")


@dataclass(frozen=True, slots=True)
class TradeStats:
    """Counts and sums of some closed round trips; every ratio is None when undefined."""

    trades: int = 0
    wins: int = 0
    losses: int = 0
    won: Decimal = ZERO
    lost: Decimal = ZERO
    largest_win: Decimal | None = None
    largest_loss: Decimal | None = None

    @property
    def net(self) -> Decimal:
        """Sum of every trade's net (break-even trades add nothing)."""
        return self.won + self.lost

    @property
    def win_rate(self) -> Decimal | None:
        """Winning trades over all trades, as a fraction (0..1)."""
        return Decimal(self.wins) / self.trades if self.trades else None

    @property
    def profit_factor(self) -> Decimal | None:
        """Gross won over gross lost; None without a losing trade (TradingView shows n/a)."""
        return self.won / -self.lost if self.lost else None

    @property
    def avg_win(self) -> Decimal | None:
        return self.won / self.wins if self.wins else None

    @property
    def avg_loss(self) -> Decimal | None:
        return self.lost / self.losses if self.losses else None

    @property
    def expectancy(self) -> Decimal | None:
        """Average net per trade: what the next trade is worth on this record."""
        return self.net / self.trades if self.trades else None

    def with_extremes(
        self, largest_win: Decimal | None, largest_loss: Decimal | None
    ) -> TradeStats:
        return TradeStats(
            self.trades, self.wins, self.losses, self.won, self.lost, largest_win, largest_loss
        )


def stats_of(nets: Iterable[Decimal]) -> TradeStats:
    """Statistics of trades given by their nets."""
    trades = wins = losses = 0
    won = lost = ZERO
    best: Decimal | None = None
    worst: Decimal | None = None
    for net in nets:
        trades += 1
        if net > 0:
            wins, won = wins + 1, won + net
            best = net if best is None else max(best, net)
        elif net < 0:
            losses, lost = losses + 1, lost + net
            worst = net if worst is None else min(worst, net)
    return TradeStats(trades, wins, losses, won, lost, best, worst)


def stats_of_rollups(rollups: Iterable[DayRollup]) -> TradeStats:
    """The same counts and sums from day rollups (no largest win / loss: rollups lack them)."""
    trades = wins = losses = 0
    won = lost = ZERO
    for r in rollups:
        trades += r.trades
        wins += r.wins
        losses += r.losses
        won += r.won
        lost += r.lost
    return TradeStats(trades, wins, losses, won, lost)


@dataclass(frozen=True, slots=True)
class CurvePoint(Generic[L]):
    """One point of an equity curve: cumulative net at `at`, and its distance below the peak."""

    at: L
    equity: Decimal
    drawdown: Decimal


def equity_curve(
    changes: Iterable[tuple[L, Decimal]], start: Decimal = ZERO
) -> list[CurvePoint[L]]:
    """Cumulative sums of `changes` with the drawdown from the running peak (≤ 0).

    The running peak starts at `start` (0: the range opens flat), so a first losing day shows
    as drawdown, as on the day curve.
    """
    points: list[CurvePoint[L]] = []
    equity = peak = start
    for at, change in changes:
        equity += change
        peak = max(peak, equity)
        points.append(CurvePoint(at, equity, equity - peak))
    return points


def max_drawdown(points: Iterable[CurvePoint[L]]) -> Decimal:
    """The deepest drawdown of a curve (≤ 0; 0 for an empty or ever-rising curve)."""
    return min((p.drawdown for p in points), default=ZERO)
