"""`2`: closed round trips, newest first, filtered by strategy, symbol, trading days and book.

`s` cycles the book the list reads: all, live (the trading account's) and backtest (the
strategies' imported TradingView backtests); every row names its book.

The table holds only what the trader has scrolled to: a page of trades at first, the next
page when the cursor nears the end, so years of history never land in it at once. The
summary line covers every trade the filter matches, from the read side's statistics.

A number is never cut: each column is as wide as its widest loaded cell, and when the window
is too narrow for all of them the lowest-priority columns are left out whole, the table's
border saying how many and which (`+3 cols: Gross Comm MFE →`). Opened on a calendar day
whose net differs from its trades' (commissions of positions still open count on the day
they were paid), a line under the title says so.
"""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import DataTable, Input, Static

from tmtui.core.engine_api import HistoryReads as Queries
from tmtui.core.formatting import money, signed_money
from tmtui.core.history.filter_text import FilterError, FilterFields, parse_filter
from tmtui.core.history.history_views import TradeFilter
from tmtui.core.history.stats import TradeStats
from tmtui.core.models import Trade
from tmtui.settings.config import Config
from tmtui.ui.screens.history_screen import HistoryScreen, TitleLine, history_footer
from tmtui.ui.screens.history_source import HistorySource
from tmtui.ui.widgets.history_cells import (
    Cells,
    TradeColumn,
    column_widths,
    fit_columns,
    hidden_note,
    stats_line,
    trade_cells,
)

PAGE = 200
"""Trades read per page."""
PAGE_MARGIN = 20
"""Read the next page when the cursor comes this close to the last loaded row."""
FILTER_INPUTS = (
    ("filter-strategy", "strategy", 14),
    ("filter-symbol", "symbol", 10),
    ("filter-from", "from YYYY-MM-DD", 17),
    ("filter-to", "to YYYY-MM-DD", 17),
)
SOURCE_CYCLE: tuple[str | None, ...] = (None, "live", "backtest")
"""The books `s` steps through: all (None), then each on its own."""


def next_source(source: str | None) -> str | None:
    """The book after `source` in SOURCE_CYCLE (after the last: all again)."""
    return SOURCE_CYCLE[(SOURCE_CYCLE.index(source) + 1) % len(SOURCE_CYCLE)]


class TradesScreen(HistoryScreen):
    """The trade list with its filter bar (`f`) and summary line."""

    AUTO_FOCUS = "#trade-table"
    DEFAULT_CSS = """
    TradesScreen #trade-filter { height: 1; margin: 0 1; }
    TradesScreen #trade-filter Input { margin-right: 1; }
    TradesScreen #trade-filter .label { width: auto; margin-right: 1; color: $text-muted; }
    TradesScreen #trade-table { height: 1fr; border: round $primary; }
    TradesScreen #trade-table:focus { border: round $accent; }
    TradesScreen #trade-stats { height: auto; padding: 0 1; }
    TradesScreen #trade-note { height: auto; padding: 0 1; color: $warning; display: none; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        # `f` is named in the filter bar: the footer keeps 80 columns for `s` and the screens
        Binding("f", "edit_filter", "Filter", show=False, id="trade_filter"),
        Binding("s", "cycle_source", "Source", id="trade_source"),
        Binding("x", "clear_filter", "Clear filter", show=False, id="clear_trade_filter"),
    ]

    def __init__(self, source: HistorySource, config: Config) -> None:
        super().__init__(source, config)
        self.fields = FilterFields()
        self.where = TradeFilter()
        self.book: str | None = None
        """The book shown: `live`, `backtest`, or None for both."""
        self.total = 0
        """Trades the filter matches (the table may hold fewer: it pages)."""
        self.stats: TradeStats | None = None
        self._generation = 0
        self._paging = False
        self.rows: dict[str, Cells] = {}
        """Every loaded trade's cells by key, newest first: re-laid out on a resize."""
        self.columns: list[TradeColumn] = []
        """The columns shown (those that fit whole)."""
        self._widths: dict[str, int] = {}

    def compose(self) -> ComposeResult:
        yield TitleLine("Trades", id="trade-title")
        yield Static("", id="trade-note")
        with Horizontal(id="trade-filter"):
            yield Static(Text.assemble(("f", "bold"), " Filter"), classes="label")
            for input_id, placeholder, width in FILTER_INPUTS:
                field = Input(placeholder=placeholder, id=input_id, compact=True)
                field.styles.width = width
                yield field
            yield Static("Enter applies, x clears", classes="label")
        yield DataTable(id="trade-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="trade-stats")
        yield history_footer()

    @property
    def table(self) -> DataTable[str | Text]:
        return self.query_one("#trade-table", DataTable)

    # --- filter -------------------------------------------------------------------------

    def show_days(self, fields: FilterFields, book: str | None = None) -> None:
        """Show the trades of a filter in a book (the calendar opens a day's live trades)."""
        self.book = book
        self._set_inputs(fields)
        self._apply(fields)

    def action_cycle_source(self) -> None:
        self.book = next_source(self.book)
        self._apply(self.fields)

    def action_edit_filter(self) -> None:
        self.query_one("#filter-strategy", Input).focus()

    def action_clear_filter(self) -> None:
        self.show_days(FilterFields())

    def on_input_submitted(self, _: Input.Submitted) -> None:
        values = [self.query_one(f"#{input_id}", Input).value for input_id, _, _ in FILTER_INPUTS]
        try:
            fields = parse_filter(*values)
        except FilterError as exc:
            self.notify(f"Filter not applied: {exc}", severity="error", markup=False)
            return
        self._apply(fields)
        self.table.focus()

    def _set_inputs(self, fields: FilterFields) -> None:
        shown = (fields.strategy, fields.symbol, fields.first, fields.last)
        for (input_id, _, _), value in zip(FILTER_INPUTS, shown, strict=True):
            self.query_one(f"#{input_id}", Input).value = "" if value is None else str(value)

    def _apply(self, fields: FilterFields) -> None:
        self.fields = fields
        self.table.clear()
        self.rows = {}
        self.reload()

    def _filter(self, queries: Queries) -> TradeFilter:
        f = self.fields
        root = queries.root_of(f.symbol) if f.symbol else None
        return TradeFilter(f.first, f.last, f.strategy, root, self.book)

    # --- loading ------------------------------------------------------------------------

    async def load(self, queries: Queries) -> None:
        """The first page, or as many rows as are loaded already (a refresh keeps them)."""
        self._generation += 1
        where = self._filter(queries)
        trades = await queries.trades(where, limit=max(PAGE, self.table.row_count))
        stats = await queries.trade_stats(where)
        note = await self._calendar_note(queries, where, stats)
        self.where = where
        self._show(queries, trades, stats, note)

    async def _calendar_note(self, queries: Queries, where: TradeFilter, stats: TradeStats) -> str:
        """One line when the calendar's net for these days is not these trades' net: the
        calendar counts an entry's commission on its day, this list when its trade closes.
        Short enough for one line at 80 columns."""
        first, last = where.first, where.last
        if first is None or last is None or where.root is not None or where.source != "live":
            return ""
        days = await queries.calendar_days(first, last, where.strategy)
        calendar_net = sum((d.net_pnl for d in days), Decimal(0))
        if money(calendar_net) == money(stats.net):
            return ""
        return (
            f"Calendar {signed_money(calendar_net)}: includes "
            f"{signed_money(calendar_net - stats.net)} commission of entries closed later or open"
        )

    def _show(
        self, queries: Queries, trades: list[Trade], stats: TradeStats, note: str = ""
    ) -> None:
        table = self.table
        selected = self._selected_key()
        with self.app.batch_update():
            table.clear()
            self.rows = {}
            self._add(queries, trades)
            if selected is not None and selected in table.rows:
                table.move_cursor(row=table.get_row_index(selected), animate=False)
            self.total, self.stats = stats.trades, stats
            self.query_one("#trade-stats", Static).update(stats_line(stats))
            shown = self.query_one("#trade-note", Static)
            shown.update(note)
            shown.display = bool(note)
            self._title()

    def _add(self, queries: Queries, trades: list[Trade]) -> None:
        calendar = queries.calendar
        fresh: dict[str, Cells] = {}
        for t in trades:
            key = str(t.trade_id)
            if key in self.rows or t.exit_time is None:
                continue
            tick = queries.tick_size(t.root)
            fresh[key] = trade_cells(t, calendar.day_of(t.exit_time), calendar.tz, tick)
        self.rows.update(fresh)
        if not self._layout():  # same columns: only the new rows to add
            for key, cells in fresh.items():
                self.table.add_row(*(cells[c.key] for c in self.columns), key=key)

    def _room(self) -> int:
        """Cells the table's rows may take: its width less border and scrollbar."""
        width = self.size.width or self.app.size.width  # the table spans the screen
        return max(width - 4, 0)

    def _layout(self) -> bool:
        """Choose the columns that fit; rebuild the table (keeping the cursor) when they or
        their widths changed. True when it rebuilt."""
        widths = column_widths(list(self.rows.values()))
        columns = fit_columns(widths, self._room())
        if columns == self.columns and widths == self._widths and self.table.columns:
            return False
        self.columns, self._widths = columns, widths
        table, selected = self.table, self._selected_key()
        with self.app.batch_update():
            table.clear(columns=True)
            for c in columns:
                table.add_column(c.header, key=c.key, width=widths[c.key])
            for key, cells in self.rows.items():
                table.add_row(*(cells[c.key] for c in columns), key=key)
            if selected is not None and selected in table.rows:
                table.move_cursor(row=table.get_row_index(selected), animate=False)
            table.border_title = hidden_note(columns) or None
        return True

    def on_resize(self, _: events.Resize) -> None:
        self._layout()

    def _selected_key(self) -> str | None:
        table = self.table
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return key

    def _title(self) -> None:
        text = Text("Trades", style="bold")
        text.append(f"  {self.fields.describe()}", style="")
        text.append(f"  source {self.book or 'all'}", style="bold" if self.book else "")
        shown = self.table.row_count
        more = f"  newest {shown} of {self.total} loaded" if shown < self.total else ""
        text.append(f"  {self.total} trade(s){more}", style="dim")
        self.query_one("#trade-title", TitleLine).update(text)

    # --- paging -------------------------------------------------------------------------

    def on_data_table_row_highlighted(self, _: DataTable.RowHighlighted) -> None:
        self._page_if_near_end()

    def _page_if_near_end(self) -> None:
        """Read the next page when the cursor is near the last loaded row (and more exist)."""
        table, queries = self.table, self.source.queries
        near_end = table.cursor_row >= table.row_count - PAGE_MARGIN
        if not near_end or table.row_count >= self.total or self._paging or queries is None:
            return
        self._paging = True
        self.run_worker(
            self._next_page(queries, self._generation, table.row_count),
            name="load more trades",
            group="history-trades-page",
            exit_on_error=False,
        )

    async def _next_page(self, queries: Queries, generation: int, offset: int) -> None:
        try:
            trades = await queries.trades(self.where, limit=PAGE, offset=offset)
            if generation != self._generation:  # reloaded or filtered meanwhile
                return
            self._add(queries, trades)
            self._title()
        finally:
            self._paging = False
        self._page_if_near_end()  # `End` may have jumped past this page too
