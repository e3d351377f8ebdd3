"""How the history screens write a trade row, a statistics line and a ratio.

Formatting only: every figure comes computed from `tmtui.readside.queries`; unknown is a dash.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from decimal import Decimal

from rich.text import Text

from tmtui.core.formatting import commission_text, percent_text, profit_factor_text
from tmtui.core.history.stats import TradeStats
from tmtui.core.models import Trade
from tmtui.ui.widgets.figure_style import LOSS, NO_VALUE, duration_text, money_text, price_text


@dataclass(frozen=True, slots=True)
class TradeColumn:
    key: str
    header: str
    width: int
    """The least width: a wider cell widens the column, a number is never cut."""
    priority: int
    """0 is kept first; the highest is left out first when the width runs out."""


TRADE_COLUMNS: tuple[TradeColumn, ...] = (
    TradeColumn("day", "Day", 10, 0),
    TradeColumn("strategy", "Strategy", 8, 7),
    TradeColumn("source", "Source", 6, 11),
    TradeColumn("symbol", "Sym", 3, 1),
    TradeColumn("entry_time", "Entry time", 11, 12),
    TradeColumn("exit_time", "Exit time", 11, 8),
    TradeColumn("side", "Side", 5, 2),
    TradeColumn("qty", "Qty", 3, 3),
    TradeColumn("entry", "Entry", 8, 5),
    TradeColumn("exit", "Exit", 8, 6),
    TradeColumn("gross", "Gross", 9, 9),
    TradeColumn("commission", "Comm", 6, 10),
    TradeColumn("net", "Net", 9, 4),
    TradeColumn("mae", "MAE", 8, 14),
    TradeColumn("mfe", "MFE", 8, 15),
    TradeColumn("duration", "Duration", 8, 13),
)
"""Display order, each with its least width and its priority."""
CELL_PADDING = 2
"""A DataTable column's padding (one cell each side)."""

Cells = dict[str, str | Text]


def column_widths(rows: Sequence[Cells]) -> dict[str, int]:
    """Each column as wide as its widest cell, header or least width."""
    return {
        c.key: max([c.width, len(c.header), *(_cell_len(r[c.key]) for r in rows)])
        for c in TRADE_COLUMNS
    }


def fit_columns(widths: dict[str, int], room: int) -> list[TradeColumn]:
    """The columns that fit whole in `room` cells, by priority, in display order."""
    kept: set[str] = set()
    used = 0
    for c in sorted(TRADE_COLUMNS, key=lambda c: c.priority):
        need = widths[c.key] + CELL_PADDING
        if used + need > room:
            break
        kept.add(c.key)
        used += need
    return [c for c in TRADE_COLUMNS if c.key in kept]


def hidden_note(shown: Sequence[TradeColumn]) -> str:
    """`+3 cols: Gross Comm MFE →` when columns were left out for want of width, else ''."""
    keys = {c.key for c in shown}
    hidden = [c.header for c in TRADE_COLUMNS if c.key not in keys]
    return f"+{len(hidden)} cols: {' '.join(hidden)} →" if hidden else ""


def _cell_len(cell: str | Text) -> int:
    return cell.cell_len if isinstance(cell, Text) else len(cell)


def moment_text(moment: datetime | None, tz: tzinfo) -> str:
    """`03-02 09:31` in the session's time zone (a trade can span days)."""
    return NO_VALUE if moment is None else moment.astimezone(tz).strftime("%m-%d %H:%M")


def source_text(source: str) -> Text:
    """The book a row is of: `backtest` stands out, `live` (the account's) stays quiet."""
    return Text(source, style="yellow" if source == "backtest" else "dim")


def _right(text: str) -> Text:
    return Text(text, justify="right")


def trade_cells(trade: Trade, day: date, tz: tzinfo, tick: Decimal | None = None) -> Cells:
    """One closed round trip keyed by TRADE_COLUMNS; `day` is its trading day."""
    exit_time = trade.exit_time
    duration = NO_VALUE if exit_time is None else duration_text(exit_time - trade.entry_time)
    commission = Text(commission_text(trade.commission), justify="right")
    if trade.commission:
        commission.stylize(LOSS)
    return {
        "day": day.isoformat(),
        "strategy": trade.strategy,
        "source": source_text(trade.source),
        "symbol": trade.root,
        "entry_time": moment_text(trade.entry_time, tz),
        "exit_time": moment_text(exit_time, tz),
        "side": trade.side.value,
        "qty": _right(str(trade.qty)),
        "entry": _right(price_text(trade.entry_price, tick)),
        "exit": _right(price_text(trade.exit_price, tick)),
        "gross": money_text(trade.gross),
        "commission": commission,
        "net": money_text(trade.net, bold=True),
        "mae": money_text(trade.mae),
        "mfe": money_text(trade.mfe),
        "duration": _right(duration),
    }


def stats_line(stats: TradeStats) -> Text:
    """Count, win rate, profit factor, average win / loss, expectancy, extremes, net."""
    text = Text()
    parts: tuple[tuple[str, str | Text], ...] = (
        ("Trades", str(stats.trades)),
        ("Win rate", percent_text(stats.win_rate)),
        ("Profit factor", profit_factor_text(stats.profit_factor, stats.wins)),
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
