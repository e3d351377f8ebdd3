"""The open positions, one row per (strategy, symbol), updated in place every tick.

Rows are keyed `strategy|symbol`, so the trader's cursor follows its position while
prices move and other rows come and go; `clear()` would throw the cursor to the top.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rich.console import JustifyMethod
from rich.text import Text
from textual.widgets import DataTable

from tmtui.core.views import MarkState, PositionView, Snapshot
from tmtui.widgets.formatting import duration_text, money_text, price_text

PositionKey = tuple[str, str]
Cells = tuple[Text, ...]
OFF_SUFFIX = " (off)"


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    label: str
    width: int
    justify: JustifyMethod = "left"


COLUMNS: tuple[Column, ...] = (
    Column("strategy", "Strategy", 24),
    Column("symbol", "Symbol", 7),
    Column("side", "Side", 5),
    Column("qty", "Qty", 4, "right"),
    Column("avg", "Avg price", 13, "right"),
    Column("last", "Last", 13, "right"),
    Column("open_pnl", "Open P&L", 13, "right"),
    Column("trade_dd", "Trade DD", 12, "right"),
    Column("runup", "Run-up", 12, "right"),
    Column("in_trade", "In trade", 9, "right"),
    Column("stale", "Feed", 7),
)


def row_key(key: PositionKey) -> str:
    """`ORB|NQ`: the table's row key for a (strategy, symbol) position."""
    return f"{key[0]}|{key[1]}"


def position_key(key: str) -> PositionKey:
    strategy, _, symbol = key.rpartition("|")
    return (strategy, symbol)


def position_cells(p: PositionView, now: datetime, enabled: bool = True) -> Cells:
    """The row's cells for one position, formatted (the money comes computed in the view)."""
    strategy = Text(
        p.strategy if enabled else f"{p.strategy}{OFF_SUFFIX}", style="" if enabled else "yellow"
    )
    side_style = "bold green" if p.side == "long" else "bold red"
    stale = feed_cell(p)
    symbol = Text(p.symbol, style="bold")
    if p.drift is not None:  # the strategy's last alert meant another size: until one agrees
        symbol.append(f" ≠{p.drift.reported}", style="bold magenta")
    return (
        strategy,
        symbol,
        Text(p.side, style=side_style),
        Text(str(p.qty), justify="right"),
        Text(price_text(p.avg_price), justify="right"),
        Text(price_text(p.last_price), justify="right"),
        money_text(p.open_pnl, bold=True),
        money_text(p.trade_drawdown),
        money_text(p.trade_runup),
        Text(duration_text(now - p.opened_at), justify="right"),
        stale,
    )


def feed_cell(p: PositionView) -> Text:
    """`waiting` before the first quote (not STALE: nothing went old), else the mark's state."""
    if p.mark_state is MarkState.NONE:
        return Text("waiting", style="yellow")
    if p.mark_state is MarkState.STALE:
        return Text("STALE", style="bold yellow")
    if p.mark_state is MarkState.DELAYED:
        return Text("DELAYED", style="bold yellow")
    return Text("ok", style="dim")


def _sort_key(cells: tuple[Text, Text]) -> tuple[str, str]:
    strategy, symbol = cells
    return (strategy.plain.removesuffix(OFF_SUFFIX), symbol.plain)


def _same(a: Text, b: Text) -> bool:
    return a.plain == b.plain and a.style == b.style and a.spans == b.spans


class PositionsTable(DataTable[Text]):
    """A keyed DataTable that syncs itself to a Snapshot without clearing."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self._cells: dict[str, Cells] = {}

    def on_mount(self) -> None:
        for column in COLUMNS:
            self.add_column(
                Text(column.label, justify=column.justify), width=column.width, key=column.key
            )

    @property
    def selected_key(self) -> PositionKey | None:
        """The (strategy, symbol) under the cursor, or None when the table is empty."""
        if not self.row_count or not self.is_valid_row_index(self.cursor_row):
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        return position_key(key) if key is not None else None

    def show(self, snapshot: Snapshot) -> None:
        """Add, update and remove rows to match the snapshot; the cursor keeps its row."""
        selected = self.selected_key
        wanted = {
            row_key(p.key): position_cells(
                p, snapshot.time, snapshot.strategies.get(p.strategy, True)
            )
            for p in snapshot.positions
        }
        with self.app.batch_update():
            for key in [k for k in self._cells if k not in wanted]:
                self.remove_row(key)
                del self._cells[key]
            added = False
            for key, cells in wanted.items():
                old = self._cells.get(key)
                if old is None:
                    self.add_row(*cells, key=key)
                    added = True
                else:
                    self._update_row(key, old, cells)
                self._cells[key] = cells
            if added:
                self.sort("strategy", "symbol", key=_sort_key)
            self._keep_cursor_on(selected)
            self.border_subtitle = f"{len(wanted)} open" if wanted else "no open positions"

    def _update_row(self, key: str, old: Cells, new: Cells) -> None:
        for column, before, after in zip(COLUMNS, old, new, strict=True):
            if not _same(before, after):
                self.update_cell(key, column.key, after)

    def _keep_cursor_on(self, selected: PositionKey | None) -> None:
        if selected is None or row_key(selected) not in self._cells:
            return
        index = self.get_row_index(row_key(selected))
        if index != self.cursor_row:
            self.move_cursor(row=index)
