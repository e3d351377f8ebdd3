"""The open positions, one row per (strategy, symbol), updated in place.

Rows are keyed `strategy|symbol`, so the trader's cursor follows its position while prices
move and other rows come and go; `clear()` would throw the cursor to the top, so the table
is rebuilt only when the columns that fit change (a resize, a wider figure). A quote
updates only the cells of the positions it moved (`update_positions`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from rich.text import Text
from textual import events
from textual.widgets import DataTable

from tmtui.core.contracts import ContractBook
from tmtui.core.formatting import row_order, shorten_names
from tmtui.core.views import PositionView, Snapshot
from tmtui.widgets.formatting import WARN, duration_text, money_text, price_text
from tmtui.widgets.position_columns import (
    BY_KEY,
    COLUMNS,
    Layout,
    content_widths,
    fit_columns,
)

PositionKey = tuple[str, str]
Cells = dict[str, Text]
OFF_SUFFIX = " (off)"
SIDE_STYLES = {"long": f"bold {'#5fafff'}", "short": f"bold {'#ff875f'}"}
SCROLLBAR = 1


def row_key(key: PositionKey) -> str:
    """`ORB|NQ`: the table's row key for a (strategy, symbol) position."""
    return f"{key[0]}|{key[1]}"


def position_key(key: str) -> PositionKey:
    strategy, _, symbol = key.rpartition("|")
    return (strategy, symbol)


@dataclass(slots=True)
class RowContext:
    """What a row needs besides its position: the time, switches, delays, tick sizes."""

    now: datetime
    contracts: ContractBook
    strategies: Mapping[str, bool] = field(default_factory=dict)
    delays: Mapping[str, int] = field(default_factory=dict)
    feed_delay: int | None = None
    names: Mapping[str, str] = field(default_factory=dict)
    """Strategy names as the strategy column shows them (cut to its width)."""

    def tick(self, root: str) -> Decimal | None:
        spec = self.contracts.specs.get(root)
        return spec.tick_size if spec else None

    def delay(self, root: str) -> int | None:
        return self.delays.get(root) or self.feed_delay


def feed_cell(p: PositionView, delay: int | None) -> Text:
    """`live`, `delayed`, `STALE` (no fresh quote) or `waiting` (never quoted yet)."""
    if p.last_price is None:
        return Text("waiting", style=f"bold {WARN}")
    if p.stale:
        return Text("STALE", style=f"bold {WARN}")
    if delay:
        return Text("delayed", style=f"bold {WARN}")
    return Text("live", style="dim")


def position_cells(p: PositionView, ctx: RowContext, keys: Iterable[str]) -> Cells:
    """The cells of one row for the given columns (the money comes computed in the view)."""
    cells: Cells = {}
    tick = ctx.tick(p.symbol)
    delay = ctx.delay(p.symbol)
    for key in keys:
        cells[key] = _cell(key, p, ctx, tick, delay)
    return cells


def _cell(key: str, p: PositionView, ctx: RowContext, tick: Decimal | None, delay: int | None) -> Text:
    if key == "strategy":
        name = ctx.names.get(p.strategy, p.strategy)
        if ctx.strategies.get(p.strategy, True):
            return Text(name)
        return Text(f"{name}{OFF_SUFFIX}", style=WARN)
    if key == "symbol":
        return Text(p.symbol, style="bold")
    if key == "side":
        return Text(p.side, style=SIDE_STYLES.get(p.side, ""))
    if key == "qty":
        return Text(str(p.qty), justify="right")
    if key == "avg":
        return Text(price_text(p.avg_price, tick), justify="right")
    if key == "last":
        doubtful = p.last_price is not None and (p.stale or bool(delay))
        return Text(price_text(p.last_price, tick), justify="right", style=WARN if doubtful else "")
    if key == "open_pnl":
        return money_text(p.open_pnl, bold=True)
    if key == "trade_dd":
        return money_text(p.trade_drawdown) if p.trade_drawdown else Text("0.00", justify="right")
    if key == "runup":
        return money_text(p.trade_runup)
    if key == "in_trade":
        return Text(duration_text(ctx.now - p.opened_at), justify="right")
    if key == "stale":
        return feed_cell(p, delay)
    raise KeyError(key)


def _same(a: Text, b: Text) -> bool:
    return a.plain == b.plain and a.style == b.style and a.spans == b.spans


class PositionsTable(DataTable[Text]):
    """A keyed DataTable that syncs itself to the engine's positions without clearing."""

    DEFAULT_CSS = """
    PositionsTable { overflow-x: hidden; scrollbar-size-vertical: 1; }
    PositionsTable:focus > .datatable--cursor { background: $primary 50%; text-style: bold; }
    PositionsTable > .datatable--cursor { background: $primary 25%; text-style: bold; }
    """

    def __init__(self, contracts: ContractBook | None = None, *, id: str | None = None) -> None:
        super().__init__(
            id=id,
            cursor_type="row",
            zebra_stripes=True,
            cursor_foreground_priority="renderable",  # P&L keeps its color under the cursor
        )
        self.contracts = contracts or ContractBook()
        self._views: dict[str, PositionView] = {}
        self._cells: dict[str, Cells] = {}
        self._grown: dict[str, int] = {}
        self._layout: Layout | None = None
        self.context = RowContext(now=datetime.min, contracts=self.contracts)

    # --- reading ------------------------------------------------------------------------

    @property
    def selected_key(self) -> PositionKey | None:
        """The (strategy, symbol) under the cursor, or None when the table is empty."""
        if not self.row_count or not self.is_valid_row_index(self.cursor_row):
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        return position_key(key) if key is not None else None

    @property
    def layout_keys(self) -> tuple[str, ...]:
        """The columns shown now, in order."""
        return self._layout.keys if self._layout else ()

    # --- syncing ------------------------------------------------------------------------

    def show(self, snapshot: Snapshot) -> None:
        """Add, update and remove rows to match the snapshot; the cursor keeps its row."""
        self.context = RowContext(
            now=snapshot.time,
            contracts=self.contracts,
            strategies=snapshot.strategies,
            delays=snapshot.delays,
            feed_delay=snapshot.delay_minutes if snapshot.feed_state == "delayed" else None,
        )
        views = {row_key(p.key): p for p in snapshot.positions}
        self.sync(views)

    def sync(self, views: dict[str, PositionView]) -> None:
        """Make the rows exactly `views`, re-laying out the columns when they changed."""
        selected = self.selected_key
        self._views = views
        layout = self._fit()
        with self.app.batch_update():
            if layout != self._layout:
                self._rebuild(layout, selected)
            else:
                self._patch(selected)
            self.border_subtitle = f"{len(views)} open" if views else "no open positions"

    def update_positions(self, views: Iterable[PositionView], now: datetime) -> int:
        """Redraw the cells of these positions only (a quote moved them); returns cells set.

        Positions that are not rows yet are left to the next `sync` (a fill re-lists).
        """
        layout = self._layout
        if layout is None:
            return 0
        self.context.now = now
        changed = 0
        for view in views:
            key = row_key(view.key)
            old = self._cells.get(key)
            if old is None:
                continue
            self._views[key] = view
            new = position_cells(view, self.context, layout.keys)
            if self._too_wide(new, layout):
                self.sync(dict(self._views))
                return changed + 1
            changed += self._update_row(key, old, new)
        return changed

    # --- internals ----------------------------------------------------------------------

    def on_resize(self, _: events.Resize) -> None:
        if self._views or self._layout is None:
            self.sync(dict(self._views))

    def _available(self) -> int:
        return max(self.size.width - SCROLLBAR, 20)

    def _fit(self) -> Layout:
        """Columns for the current width and figures; numeric widths only ever grow."""
        texts = [
            {k: c.plain for k, c in position_cells(p, self._wide_context(), BY_KEY).items()}
            for p in self._views.values()
        ]
        widths = content_widths(texts)
        for key, width in widths.items():
            if key != "strategy":
                widths[key] = self._grown[key] = max(width, self._grown.get(key, 0))
        widths["strategy"] = max(
            (len(p.strategy) + (0 if self._enabled(p.strategy) else len(OFF_SUFFIX)))
            for p in self._views.values()
        ) if self._views else 0
        layout = fit_columns(self._available(), widths)
        self.context.names = self._names(layout.width_of("strategy"))
        return layout

    def _wide_context(self) -> RowContext:
        ctx = self.context
        return RowContext(ctx.now, ctx.contracts, ctx.strategies, ctx.delays, ctx.feed_delay)

    def _enabled(self, strategy: str) -> bool:
        return self.context.strategies.get(strategy, True)

    def _names(self, width: int) -> dict[str, str]:
        """Strategy names cut to the column (room left for ` (off)` where it shows)."""
        names: dict[str, str] = {}
        strategies = {p.strategy for p in self._views.values()}
        on = [s for s in strategies if self._enabled(s)]
        off = [s for s in strategies if not self._enabled(s)]
        names.update(shorten_names(on, width))
        names.update(shorten_names(off, width - len(OFF_SUFFIX)))
        return names

    def _too_wide(self, cells: Cells, layout: Layout) -> bool:
        return any(
            key != "strategy" and len(text.plain) > layout.width_of(key)
            for key, text in cells.items()
        )

    def _ordered_keys(self) -> list[str]:
        return sorted(self._views, key=lambda k: row_order(*position_key(k)))

    def _rebuild(self, layout: Layout, selected: PositionKey | None) -> None:
        """New columns: clear and re-add every row (cursor and scroll put back)."""
        scroll = self.scroll_y
        self.clear(columns=True)
        self._layout = layout
        self._cells = {}
        for key, width in layout.widths:
            column = BY_KEY[key]
            self.add_column(Text(column.label, justify=column.justify), width=width, key=key)
        for key in self._ordered_keys():
            cells = position_cells(self._views[key], self.context, layout.keys)
            self.add_row(*cells.values(), key=key)
            self._cells[key] = cells
        self._keep_cursor_on(selected)
        self.scroll_y = min(scroll, self.max_scroll_y)

    def _patch(self, selected: PositionKey | None) -> None:
        """Same columns: remove gone rows and update changed cells; a new row re-lists all
        (rows must stay in the shared order, and DataTable sorts by cell text only)."""
        assert self._layout is not None
        if any(key not in self._cells for key in self._views):
            self._rebuild(self._layout, selected)
            return
        keys = self._layout.keys
        for key in [k for k in self._cells if k not in self._views]:
            self.remove_row(key)
            del self._cells[key]
        for key, view in self._views.items():
            self._update_row(key, self._cells[key], position_cells(view, self.context, keys))
        self._keep_cursor_on(selected)

    def _update_row(self, key: str, old: Cells, new: Cells) -> int:
        changed = 0
        for column, after in new.items():
            if not _same(old[column], after):
                self.update_cell(key, column, after)
                old[column] = after
                changed += 1
        return changed

    def _keep_cursor_on(self, selected: PositionKey | None) -> None:
        if selected is None or row_key(selected) not in self._cells:
            return
        index = self.get_row_index(row_key(selected))
        if index != self.cursor_row:
            self.move_cursor(row=index)
