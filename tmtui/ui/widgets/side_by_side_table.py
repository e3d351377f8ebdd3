"""The Strategies screen's backtest-beside-live block: two rows per strategy that has both.

Each strategy with a backtest and live trades shows its backtest's and its live figures over
the days they overlap (as `tmtui strategies --json` does): net, trades, win rate, profit
factor, average trade and max drawdown. A number is never cut to fit: when the terminal is
too narrow for every column, the lowest-priority columns are left out whole instead
(`fit_columns`), re-chosen on every resize.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from tmtui.core.backtest.side_by_side import SideBySide
from tmtui.core.backtest.tv_stats import TvSummary
from tmtui.core.formatting import percent_text, profit_factor_text
from tmtui.core.history.history_views import StrategySummary
from tmtui.ui.widgets.figure_style import money_text
from tmtui.ui.widgets.history_cells import source_text


@dataclass(frozen=True, slots=True)
class CompareColumn:
    key: str
    header: str
    priority: int
    """0 is kept first; the highest goes first when the width runs out."""


COLUMNS: tuple[CompareColumn, ...] = (
    CompareColumn("strategy", "Strategy", 0),
    CompareColumn("book", "Source", 1),
    CompareColumn("net", "Net", 2),
    CompareColumn("trades", "Trades", 3),
    CompareColumn("win_rate", "Win %", 4),
    CompareColumn("profit_factor", "PF", 5),
    CompareColumn("avg_trade", "Avg trade", 7),
    CompareColumn("max_drawdown", "Max DD", 6),
    CompareColumn("days", "Days overlapping", 8),
)
"""Display order, each with its priority."""
GAP = 2
"""Columns between two columns of the table."""

Cell = Text


def overlap_text(s: SideBySide) -> Text:
    if s.first is None or s.last is None:
        return Text("no day in common", style="dim")
    return Text(f"{s.first} to {s.last}", style="dim")


def figure_cells(strategy: str, book: str, f: TvSummary, days: Text) -> dict[str, Cell]:
    """One book's figures, keyed as COLUMNS; unknown ratios are a dash."""
    t = f.trades
    return {
        "strategy": Text(strategy, style="bold"),
        "book": source_text(book),
        "net": money_text(t.net, bold=True),
        "trades": Text(str(t.trades), justify="right"),
        "win_rate": Text(percent_text(t.win_rate), justify="right"),
        "profit_factor": Text(profit_factor_text(t.profit_factor, t.wins), justify="right"),
        "avg_trade": money_text(t.expectancy),
        "max_drawdown": money_text(f.max_drawdown),
        "days": days,
    }


def compare_rows(summaries: Sequence[StrategySummary]) -> list[dict[str, Cell]]:
    """Backtest then live for each live row carrying a backtest, the name on the first."""
    rows: list[dict[str, Cell]] = []
    for s in summaries:
        pair = s.backtest
        if s.source != "live" or pair is None:
            continue
        rows.append(figure_cells(s.strategy, "backtest", pair.backtest, overlap_text(pair)))
        rows.append(figure_cells("", "live", pair.live, Text("")))
    return rows


def fit_columns(rows: Sequence[dict[str, Cell]], width: int) -> list[CompareColumn]:
    """The columns to show in `width` cells, in display order: by priority while they fit
    whole (each as wide as its widest cell or header), the rest left out."""
    need = {c.key: max([len(c.header), *(r[c.key].cell_len for r in rows)]) for c in COLUMNS}
    kept: set[str] = set()
    used = -GAP
    for c in sorted(COLUMNS, key=lambda c: c.priority):
        if used + GAP + need[c.key] > width:
            break
        kept.add(c.key)
        used += GAP + need[c.key]
    return [c for c in COLUMNS if c.key in kept]


def compare_table(rows: Sequence[dict[str, Cell]], columns: Sequence[CompareColumn]) -> Table:
    table = Table(box=None, padding=(0, GAP // 2), pad_edge=False, show_edge=False, expand=False)
    for c in columns:
        right = c.key not in ("strategy", "book", "days")
        table.add_column(c.header, justify="right" if right else "left", no_wrap=True)
    for r in rows:
        table.add_row(*(r[c.key] for c in columns))
    return table


class SideBySideTable(Static):
    """Hidden unless some strategy has both a backtest and live trades."""

    DEFAULT_CSS = """
    SideBySideTable { height: auto; border: round $secondary; padding: 0 1; display: none; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self.border_title = "Backtest beside live, over the days they overlap"
        self.rows: list[dict[str, Cell]] = []
        self.columns: list[CompareColumn] = []

    def show(self, summaries: Sequence[StrategySummary]) -> None:
        self.rows = compare_rows(summaries)
        self.display = bool(self.rows)
        self._render_rows()

    def on_resize(self) -> None:
        self._render_rows()

    def _render_rows(self) -> None:
        width = self.content_size.width or (self.app.size.width - 4)
        self.columns = fit_columns(self.rows, width)
        self.update(compare_table(self.rows, self.columns))
