"""Read-only views of history (strategies, periods, trade statistics) and their JSON shapes.

Like `views`, these are what the CLI, the history screens and scripts read: money rounded to
cents, ratios rounded for display, times ISO 8601 with offset, unknown as null (never 0).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, Literal

from tmtui.core.history.stats import CurvePoint, TradeStats
from tmtui.core.views import money


def ratio(value: Decimal | None, places: int = 2) -> Decimal | None:
    """A ratio rounded for people (profit factor 1.87); None stays None."""
    if value is None:
        return None
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)


def percent(value: Decimal | None) -> Decimal | None:
    """A fraction as a percentage with two decimals (0.5556 → 55.56)."""
    return None if value is None else ratio(value * 100)


def _money_or_none(value: Decimal | None) -> Decimal | None:
    return None if value is None else money(value)


def stats_json(s: TradeStats) -> dict[str, Any]:
    """Trade statistics: win_rate in percent, profit_factor null without a losing trade."""
    return {
        "trades": s.trades,
        "wins": s.wins,
        "losses": s.losses,
        "win_rate": percent(s.win_rate),
        "profit_factor": ratio(s.profit_factor),
        "avg_win": _money_or_none(s.avg_win),
        "avg_loss": _money_or_none(s.avg_loss),
        "expectancy": _money_or_none(s.expectancy),
        "largest_win": _money_or_none(s.largest_win),
        "largest_loss": _money_or_none(s.largest_loss),
        "net_pnl": money(s.net),
    }


@dataclass(frozen=True, slots=True)
class OpenLeg:
    """One open position of a strategy, as the Strategies screen lists it."""

    symbol: str
    side: str
    qty: int


@dataclass(frozen=True, slots=True)
class StrategySummary:
    """One strategy's standing: switch, open positions and realized figures (net)."""

    strategy: str
    enabled: bool
    imported: bool
    positions: tuple[OpenLeg, ...]
    open_pnl: Decimal | None
    realized_today: Decimal
    realized_month: Decimal
    realized_all: Decimal
    stats: TradeStats
    max_drawdown: Decimal
    first_day: date | None = None
    last_day: date | None = None
    sources: tuple[str, ...] = field(default_factory=tuple)


def strategy_json(s: StrategySummary) -> dict[str, Any]:
    return {
        "strategy": s.strategy,
        "enabled": s.enabled,
        "imported": s.imported,
        "positions": [{"symbol": p.symbol, "side": p.side, "qty": p.qty} for p in s.positions],
        "open_pnl": _money_or_none(s.open_pnl),
        "realized_today": money(s.realized_today),
        "realized_month": money(s.realized_month),
        "realized_all": money(s.realized_all),
        "trades": s.stats.trades,
        "win_rate": percent(s.stats.win_rate),
        "profit_factor": ratio(s.stats.profit_factor),
        "max_drawdown": money(s.max_drawdown),
        "first_day": None if s.first_day is None else s.first_day.isoformat(),
        "last_day": None if s.last_day is None else s.last_day.isoformat(),
    }


@dataclass(frozen=True, slots=True)
class PeriodReport:
    """Several trading days at once: realized (net), open now, and the curve of day closes."""

    first: date
    last: date
    realized: Decimal
    open: Decimal
    max_mtm: Decimal
    min_mtm: Decimal
    max_drawdown: Decimal
    trades: int
    unmarked: int = 0
    """Open positions with no mark now: while any, the open P&L and the total are unknown."""

    @property
    def total(self) -> Decimal:
        return self.realized + self.open

    @property
    def known_open(self) -> Decimal | None:
        return None if self.unmarked else self.open

    @property
    def known_total(self) -> Decimal | None:
        return None if self.unmarked else self.total


def period_json(p: PeriodReport) -> dict[str, Any]:
    return {
        "from": p.first.isoformat(),
        "to": p.last.isoformat(),
        "realized": money(p.realized),
        "open": _money_or_none(p.known_open),
        "total": _money_or_none(p.known_total),
        "max_mtm": money(p.max_mtm),
        "min_mtm": money(p.min_mtm),
        "max_drawdown": money(p.max_drawdown),
        "trades": p.trades,
        "unmarked": p.unmarked,
    }


def curve_json(points: list[CurvePoint[Any]]) -> list[dict[str, Any]]:
    return [
        {"at": p.at.isoformat(), "equity": money(p.equity), "drawdown": money(p.drawdown)}
        for p in points
    ]


Bucket = Literal["day", "week", "month"]
"""How the equity curve groups days."""


@dataclass(frozen=True, slots=True)
class TradeFilter:
    """Closed round trips whose exit falls on trading days `first`..`last` (inclusive)."""

    first: date | None = None
    last: date | None = None
    strategy: str | None = None
    root: str | None = None
