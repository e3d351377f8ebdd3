"""How the history screens write a trade row, a statistics line and a ratio.

Formatting only: every figure comes computed from `tmtui.readside.queries`; unknown is a dash.
"""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from decimal import Decimal

from rich.text import Text

from tmtui.core.history.history_views import percent, ratio
from tmtui.core.history.stats import TradeStats
from tmtui.core.models import Trade
from tmtui.core.views import money
from tmtui.ui.widgets.figure_style import NO_VALUE, duration_text, money_text, price_text

TRADE_COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("day", "Day", 10),
    ("strategy", "Strategy", 10),
    ("source", "Source", 8),
    ("symbol", "Sym", 4),
    ("entry_time", "Entry time", 11),
    ("exit_time", "Exit time", 11),
    ("side", "Side", 5),
    ("qty", "Qty", 3),
    ("entry", "Entry", 9),
    ("exit", "Exit", 9),
    ("gross", "Gross", 10),
    ("commission", "Comm", 7),
    ("net", "Net", 10),
    ("mae", "MAE", 9),
    ("mfe", "MFE", 9),
    ("duration", "Duration", 8),
)
"""(key, header, width): fixed widths, so a page added below never shifts the columns."""


def percent_text(fraction: Decimal | None) -> str:
    """`58.33%`, or a dash when undefined (no trades)."""
    shown = percent(fraction)
    return NO_VALUE if shown is None else f"{shown}%"


def ratio_text(value: Decimal | None) -> str:
    """A profit factor `1.87`, or a dash when undefined (no losing trade)."""
    shown = ratio(value)
    return NO_VALUE if shown is None else str(shown)


def moment_text(moment: datetime | None, tz: tzinfo) -> str:
    """`03-02 09:31` in the session's time zone (a trade can span days)."""
    return NO_VALUE if moment is None else moment.astimezone(tz).strftime("%m-%d %H:%M")


def source_text(source: str) -> Text:
    """The book a row is of: `backtest` stands out, `live` (the account's) stays quiet."""
    return Text(source, style="yellow" if source == "backtest" else "dim")


def _right(text: str) -> Text:
    return Text(text, justify="right")


def trade_cells(trade: Trade, day: date, tz: tzinfo) -> tuple[str | Text, ...]:
    """One closed round trip in the order of TRADE_COLUMNS; `day` is its trading day."""
    exit_time = trade.exit_time
    duration = NO_VALUE if exit_time is None else duration_text(exit_time - trade.entry_time)
    return (
        day.isoformat(),
        trade.strategy,
        source_text(trade.source),
        trade.root,
        moment_text(trade.entry_time, tz),
        moment_text(exit_time, tz),
        trade.side.value,
        _right(str(trade.qty)),
        _right(price_text(trade.entry_price)),
        _right(price_text(trade.exit_price)),
        money_text(trade.gross),
        _right(f"{money(trade.commission):,.2f}"),
        money_text(trade.net, bold=True),
        money_text(trade.mae),
        money_text(trade.mfe),
        _right(duration),
    )


def stats_line(stats: TradeStats) -> Text:
    """Count, win rate, profit factor, average win / loss, expectancy, extremes, net."""
    text = Text()
    parts: tuple[tuple[str, str | Text], ...] = (
        ("Trades", str(stats.trades)),
        ("Win rate", percent_text(stats.win_rate)),
        ("Profit factor", ratio_text(stats.profit_factor)),
        ("Avg win", money_text(stats.avg_win)),
        ("Avg loss", money_text(stats.avg_loss)),
        ("Expectancy", money_text(stats.expectancy)),
        ("Largest win", money_text(stats.largest_win)),
        ("Largest loss", money_text(stats.largest_loss)),
        ("Net", money_text(stats.net, bold=True)),
    )
    for i, (label, value) in enumerate(parts):
        if i:
            text.append("  ")
        text.append(f"{label} ", style="dim")
        text.append_text(value if isinstance(value, Text) else Text(value, style="bold"))
    return text
