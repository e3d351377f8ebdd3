"""`4`: a month of trading days with each day's net P&L and trades, week and month totals.

Days are trading days (the session roll at `session.day_start` in `session.timezone`;
weekend columns only when weekends do not roll into Monday). `←/→` or `[`/`]` change the
month, `t` comes back to this one; Enter on a day (or on a week total) opens its trades.
`s` switches the book the month reads, as on the Trades screen: live (the trading
account's, the default) or backtest (the strategies' imported TradingView backtests); Enter
opens the day's trades in the same book.
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Static

from tmtui.core.engine_api import HistoryReads as Queries
from tmtui.core.history.calendar_grid import MonthGrid
from tmtui.core.history.filter_text import FilterFields
from tmtui.settings.config import Config
from tmtui.ui.screens.history_keys import TRADES
from tmtui.ui.screens.history_screen import HistoryScreen, TitleLine, history_footer
from tmtui.ui.screens.history_source import HistorySource
from tmtui.ui.screens.trades import TradesScreen
from tmtui.ui.widgets.figure_style import money_text
from tmtui.ui.widgets.month_table import MonthTable

LIVE, BACKTEST = "live", "backtest"
"""The books `s` switches between (`HistoryReads`' `source`)."""


def shift_month(month: date, months: int) -> date:
    """The first of the month `months` away (negative goes back)."""
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


class PnlCalendarScreen(HistoryScreen):
    """One month at a time; the month shown survives a trip to another screen."""

    AUTO_FOCUS = "#month-table"
    KEYMAP_WIDGETS = (MonthTable,)
    DEFAULT_CSS = """
    PnlCalendarScreen #month-table { height: auto; max-height: 1fr; border: round $primary; }
    PnlCalendarScreen #month-table:focus { border: round $accent; }
    PnlCalendarScreen #month-totals { height: auto; padding: 0 1; }
    PnlCalendarScreen #month-help { height: auto; padding: 0 1; color: $text-muted; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [  # shown in the help line, not the footer
        Binding(
            "left,left_square_bracket",
            "move_month(-1)",
            "Month back",
            show=False,
            priority=True,
            id="calendar_month_back",
        ),
        Binding(
            "right,right_square_bracket",
            "move_month(1)",
            "Month on",
            show=False,
            priority=True,
            id="calendar_month_on",
        ),
        Binding("t", "this_month", "This month", show=False, id="calendar_this_month"),
        Binding("s", "switch_source", "Source", id="calendar_source"),
    ]

    def __init__(self, source: HistorySource, config: Config) -> None:
        super().__init__(source, config)
        self.month: date | None = None
        """First of the month shown; None until the first load picks this month."""
        self.grid: MonthGrid | None = None
        self._today: date | None = None
        self.book = LIVE
        """The book shown: `live` (the account's days, the default) or `backtest`."""

    def compose(self) -> ComposeResult:
        yield TitleLine("P&L calendar", id="calendar-title")
        yield MonthTable(id="month-table")
        yield Static("", id="month-totals")
        yield Static(
            Text("←/→ [/] month · t this month · ↑/↓ week · h/l day · Enter its trades · • today"),
            id="month-help",
        )
        yield history_footer()

    @property
    def table(self) -> MonthTable:
        return self.query_one(MonthTable)

    async def load(self, queries: Queries) -> None:
        today = queries.today()
        month = self.month or today.replace(day=1)
        grid = await queries.month(month, source=self.book)
        self.month, self.grid, self._today = month, grid, today
        self._draw()

    def _draw(self) -> None:
        grid, today = self.grid, self._today
        if grid is None or today is None:
            return
        with self.app.batch_update():
            self.table.show(grid, today, self._table_space())
            title = Text("P&L calendar", style="bold")
            title.append(f"  {grid.month:%B %Y}", style="bold")
            title.append(f"  {self.book}", style="bold" if self.book == BACKTEST else "")
            title.append("  net per trading day, after commissions", style="dim")  # fits 80
            self.query_one("#calendar-title", TitleLine).update(title)
            self.query_one("#month-totals", Static).update(self._totals(grid))

    def _table_space(self) -> tuple[int, int]:
        """Columns and lines the month may take: the screen less its other lines."""
        others = sum(
            w.outer_size.height for w in self.query("TitleLine, #month-totals, #month-help, Footer")
        )
        return self.size.width, self.size.height - max(others, 4)

    @staticmethod
    def _totals(grid: MonthGrid) -> Text:
        days = sum(1 for w in grid.weeks for c in w.cells if c is not None and c.active)
        text = Text(f"{grid.month:%B %Y} total ", style="bold")
        text.append_text(money_text(grid.net_pnl, bold=True, justify="left"))
        text.append(f"  {grid.trades} trade(s) on {days} trading day(s)", style="dim")
        return text

    def on_resize(self, _: events.Resize) -> None:
        self._draw()

    def action_move_month(self, months: int) -> None:
        queries = self.source.queries
        start = self.month or (queries.today() if queries else None)
        if start is None:
            return
        self.month = shift_month(start.replace(day=1), months)
        self.reload()

    def action_this_month(self) -> None:
        self.month = None
        self.reload()

    def action_switch_source(self) -> None:
        """Live ↔ backtest: the same month, in the other book."""
        self.book = BACKTEST if self.book == LIVE else LIVE
        self.reload()

    def on_data_table_cell_selected(self, event: DataTable.CellSelected) -> None:
        event.stop()
        days = self.table.days_at(event.coordinate.row, event.coordinate.column)
        if days is None:
            return
        self.run_worker(self._open_trades(*days, self.book), name="open the day's trades")

    async def _open_trades(self, first: date, last: date, book: str) -> None:
        """The Trades screen on these days, in the book this month was read from."""
        await self.app.switch_mode(TRADES)
        screen = self.app.screen
        if isinstance(screen, TradesScreen):
            screen.show_days(FilterFields(first=first, last=last), book)
