"""`3`: one row per strategy and book ever seen, with its switch, position and record; j/k
move, `e` toggles.

A strategy with an imported TradingView backtest has a row for it besides its live row, and
when it has both, the block below sets them side by side over the days they overlap.

Realized figures are net (after commissions) from the read side's day rollups; open P&L is
the live book's now, a dash when a leg has no mark. Open P&L moves with every quote, so the
board reloads every few seconds while it is shown, besides after every trade.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Static

from tmtui.core.engine_api import HistoryReads as Queries
from tmtui.core.formatting import percent_text, profit_factor_text
from tmtui.core.history.history_views import StrategySummary
from tmtui.settings.config import Config
from tmtui.ui.screens.history_screen import HistoryScreen, TitleLine, history_footer
from tmtui.ui.screens.history_source import HistorySource
from tmtui.ui.screens.strategy_switch import ask_to_switch, switched_note
from tmtui.ui.widgets.figure_style import NO_VALUE, money_text
from tmtui.ui.widgets.history_cells import source_text
from tmtui.ui.widgets.side_by_side_table import SideBySideTable

BACKTEST_FORMAT = "tradingview"
"""The import format recorded as a strategy's backtest, not as its live history."""
LIVE_REFRESH_S = 5.0
"""How often the shown board reloads for its open P&L."""

STRATEGY_COLUMNS: tuple[tuple[str, str], ...] = (
    ("strategy", "Strategy"),
    ("enabled", "On"),
    ("source", "Source"),
    ("today", "Today"),
    ("month", "Month"),
    ("all", "All time"),
    ("open", "Open P&L"),
    ("trades", "Trades"),
    ("win_rate", "Win %"),
    ("profit_factor", "PF"),
    ("max_drawdown", "Max DD"),
    ("position", "Position"),
)
"""Most telling first: at 80 columns the table scrolls sideways for the rest. Each column is
as wide as its widest cell, so a figure is never cut (`-111,794.50` after a year)."""


def position_text(s: StrategySummary) -> str:
    """`NQ L2, ES S1`, or a dash when flat."""
    legs = [f"{p.symbol} {p.side[:1].upper()}{p.qty}" for p in s.positions]
    return ", ".join(legs) if legs else NO_VALUE


def row_key(s: StrategySummary) -> str:
    """The live row by the strategy's name (as before backtests), its backtest's apart."""
    return s.strategy if s.source == "live" else f"{s.strategy}\t{s.source}"


def strategy_cells(s: StrategySummary) -> tuple[str | Text, ...]:
    """One strategy's book in the order of STRATEGY_COLUMNS; open P&L a dash when flat.

    Source: `backtest` for a strategy's imported TradingView backtest; `import` for live
    history recorded by `tmtui import` (alerts); `live` otherwise."""
    on = Text("ON", style="bold green") if s.enabled else Text("OFF", style="bold red")
    if s.source != "live":
        source = source_text(s.source)
    elif any(f != BACKTEST_FORMAT for f in s.sources):  # alerts imported as live history
        source = Text("import", style="bold yellow")
    else:
        source = Text("live", style="dim")
    no_position = Text(NO_VALUE, justify="right")
    return (
        s.strategy,
        on,
        source,
        money_text(s.realized_today),
        money_text(s.realized_month),
        money_text(s.realized_all, bold=True),
        money_text(s.open_pnl) if s.positions else no_position,
        Text(str(s.stats.trades), justify="right"),
        Text(percent_text(s.stats.win_rate), justify="right"),
        Text(profit_factor_text(s.stats.profit_factor, s.stats.wins), justify="right"),
        money_text(s.max_drawdown),
        position_text(s),
    )


class StrategyBoardScreen(HistoryScreen):
    """The strategies table; the cursor stays on its strategy across reloads."""

    AUTO_FOCUS = "#strategy-table"
    DEFAULT_CSS = """
    StrategyBoardScreen #strategy-table { height: 1fr; border: round $primary; }
    StrategyBoardScreen #strategy-table:focus { border: round $accent; }
    StrategyBoardScreen #strategy-note { height: auto; padding: 0 1; color: $text-muted; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("e", "toggle_strategy", "On/off", id="toggle_strategy"),
        Binding("j,down", "cursor(1)", "Down", show=False, id="cursor_down"),
        Binding("k,up", "cursor(-1)", "Up", show=False, id="cursor_up"),
    ]

    def __init__(self, source: HistorySource, config: Config) -> None:
        super().__init__(source, config)
        self.summaries: dict[str, StrategySummary] = {}

    def compose(self) -> ComposeResult:
        yield TitleLine("Strategies", id="strategy-title")
        table: DataTable[str | Text] = DataTable(id="strategy-table", cursor_type="row")
        for key, header in STRATEGY_COLUMNS:
            table.add_column(header, key=key)  # as wide as its widest cell: never cut
        yield table
        yield SideBySideTable(id="side-by-side")
        yield Static(
            "Net of commissions; trades counted as TradingView does (one per entry lot). "
            "Max DD: deepest fall from a peak, close to close. import: alerts recorded by "
            "tmtui import. j/k move; e switches the strategy on or off.",
            id="strategy-note",
        )
        yield history_footer()

    def on_mount(self) -> None:
        self.set_interval(LIVE_REFRESH_S, self._tick)

    def _tick(self) -> None:
        if self.is_current:
            self.reload()

    @property
    def table(self) -> DataTable[str | Text]:
        return self.query_one("#strategy-table", DataTable)

    async def load(self, queries: Queries) -> None:
        summaries = await queries.strategies()
        self._show(summaries)

    def _show(self, summaries: list[StrategySummary]) -> None:
        table = self.table
        selected = self.selected_row
        with self.app.batch_update():
            table.clear()
            for s in summaries:
                table.add_row(*strategy_cells(s), key=row_key(s))
            if selected is not None and selected in table.rows:
                table.move_cursor(row=table.get_row_index(selected), animate=False)
            self.query_one(SideBySideTable).show(summaries)
        self.summaries = {row_key(s): s for s in summaries}
        title = Text("Strategies", style="bold")
        title.append(f"  {len({s.strategy for s in summaries})} seen", style="dim")
        if not summaries:
            title.append("  (none yet: they appear with their first alert or import)", style="dim")
        self.query_one("#strategy-title", TitleLine).update(title)

    @property
    def selected_row(self) -> str | None:
        """The key of the row under the cursor (`row_key`)."""
        table = self.table
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return key

    def action_cursor(self, step: int) -> None:
        """`j`/`k` as on the dashboard."""
        table = self.table
        (table.action_cursor_down if step > 0 else table.action_cursor_up)()

    @property
    def selected(self) -> str | None:
        """The strategy of the row under the cursor (its live or its backtest row)."""
        key = self.selected_row
        return None if key is None else key.split("\t")[0]

    def action_toggle_strategy(self) -> None:
        strategy = self.selected
        if strategy is None:
            self.notify("No strategy selected.", severity="warning")
            return
        summary = self.summaries.get(strategy)
        legs = [f"{p.symbol} {p.side} {p.qty}" for p in summary.positions] if summary else []

        def switch(enabled: bool) -> None:
            self.run_worker(
                self._toggle(strategy, enabled),
                name=f"switch strategy {strategy}",
                exit_on_error=False,
            )

        ask_to_switch(self, strategy, self.source.strategy_enabled(strategy), legs, switch)

    async def _toggle(self, strategy: str, enabled: bool) -> None:
        await self.source.set_strategy_enabled(strategy, enabled)
        text, severity = switched_note(strategy, enabled)
        self.notify(text, severity=severity, markup=False)  # type: ignore[arg-type]
