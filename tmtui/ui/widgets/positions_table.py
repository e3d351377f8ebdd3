"""The open positions, one line per (strategy, symbol), redrawn a line at a time.

A Line API widget rather than a DataTable: a DataTable invalidates every cached cell on any
update and renders each cell through Rich's padding machinery, so redrawing P&L several
times a second with 60 rows cost a fifth of a core. Here each row is one cached strip of
segments (drawn by position_painter.py); a quote that moves a position rebuilds that row's
strip and repaints only the cells whose text changed. Rows are keyed `strategy|symbol` and
kept in the shared order (strategy, then symbol, ignoring case); the cursor follows its
position while rows come and go. This module decides which rows there are and where the
cursor is; the strips and the column fitting live beside it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tmtui.core.contracts import ContractBook
from tmtui.core.formatting import row_order
from tmtui.core.views import PositionView, Snapshot
from tmtui.ui.widgets.position_cells import Cell, RowContext, position_cells
from tmtui.ui.widgets.position_columns import ColumnFitter, Layout
from tmtui.ui.widgets.position_painter import CURSOR, EVEN, ODD, RowPainter

PositionKey = tuple[str, str]
Cells = dict[str, Cell]
SCROLLBAR = 1


def row_key(key: PositionKey) -> str:
    """`ORB|NQ`: the row key of a (strategy, symbol) position."""
    return f"{key[0]}|{key[1]}"


def position_key(key: str) -> PositionKey:
    strategy, _, symbol = key.rpartition("|")
    return (strategy, symbol)


class PositionsTable(ScrollView, can_focus=True):
    """Positions with a fixed header, a row cursor, zebra rows and per-line redraws."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "positions--header",
        "positions--odd",
        "positions--cursor",
    }
    DEFAULT_CSS = """
    PositionsTable { background: $surface; overflow-x: hidden; scrollbar-size-vertical: 1; }
    PositionsTable > .positions--header { background: $panel; text-style: bold; }
    PositionsTable > .positions--odd { background: $surface-lighten-1; }
    PositionsTable > .positions--cursor { background: $primary 25%; text-style: bold; }
    PositionsTable:focus > .positions--cursor { background: $primary 50%; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor_up", "Up", show=False),
        Binding("down", "cursor_down", "Down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home", "first_row", "First", show=False),
        Binding("end", "last_row", "Last", show=False),
    ]

    @dataclass
    class Highlighted(Message):
        """The cursor moved to another position (or the table emptied)."""

        key: PositionKey | None

    class Scrolled(Message):
        """Other rows came into view (the screen redraws any it held back)."""

    def __init__(self, contracts: ContractBook | None = None, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.contracts = contracts or ContractBook()
        self.context = RowContext(now=datetime.min, contracts=self.contracts)
        self.cursor_row = 0
        self._views: dict[str, PositionView] = {}
        self._order: list[str] = []
        self._index: dict[str, int] = {}
        self._cells: dict[str, Cells] = {}
        self._painter = RowPainter()
        self._styles: dict[int, Style] = {}
        self._fitter = ColumnFitter()
        self._highlighted: PositionKey | None = None

    # --- reading ------------------------------------------------------------------------

    @property
    def rows(self) -> dict[str, int]:
        """Row keys (`ORB|NQ`) to their index, in display order."""
        return self._index

    @property
    def row_count(self) -> int:
        return len(self._order)

    @property
    def selected_key(self) -> PositionKey | None:
        """The (strategy, symbol) under the cursor, or None when the table is empty."""
        if not self.is_valid_row_index(self.cursor_row):
            return None
        return position_key(self._order[self.cursor_row])

    @property
    def _layout(self) -> Layout | None:
        return self._painter.layout

    @property
    def layout_keys(self) -> tuple[str, ...]:
        """The columns shown now, in order."""
        return self._layout.keys if self._layout else ()

    def visible_keys(self) -> set[PositionKey]:
        """The positions whose rows are on screen now."""
        top = self.scroll_offset.y
        shown = self._order[top : top + max(self.scrollable_content_region.height - 1, 0)]
        return {position_key(key) for key in shown}

    def is_valid_row_index(self, index: int) -> bool:
        return 0 <= index < len(self._order)

    def get_row_index(self, key: str) -> int:
        return self._index[key]

    def get_cell(self, key: str, column: str) -> Text:
        """A cell as shown (its text and style); KeyError for a hidden column."""
        text, style = self._cells[key][column]
        return Text(text, style=style)

    # --- syncing ------------------------------------------------------------------------

    def show(self, snapshot: Snapshot) -> None:
        """Make the rows match the snapshot; the cursor keeps its position."""
        self.context = RowContext(
            now=snapshot.time, contracts=self.contracts, strategies=snapshot.strategies
        )
        self.sync({row_key(p.key): p for p in snapshot.positions})

    def sync(self, views: dict[str, PositionView]) -> None:
        """Rows exactly `views`: re-list when rows or columns changed, else patch cells."""
        selected = self.selected_key
        self._views = views
        layout = self._fit()
        if layout != self._layout or set(views) != set(self._index):
            self._relist(layout, selected)
        else:
            self._set_rows(views.values())
        subtitle = f"{len(views)} open" if views else "no open positions"
        if subtitle != self.border_subtitle:  # setting it repaints the whole table
            self.border_subtitle = subtitle

    def update_positions(self, views: Iterable[PositionView], now: datetime) -> int:
        """Redraw the rows of these positions only (a quote moved them); returns rows redrawn.

        Positions that are not rows yet are left to the next `sync` (a fill re-lists).
        """
        self.context.now = now
        known = [v for v in views if row_key(v.key) in self._index]
        for view in known:
            self._views[row_key(view.key)] = view
        return self._set_rows(known)

    # --- internals: rows ----------------------------------------------------------------

    def _set_rows(self, views: Iterable[PositionView]) -> int:
        """New cells for these rows; repaint the lines that changed."""
        if self._layout is None:
            return 0
        keys, changed = self._layout.keys, 0
        for view in views:
            key = row_key(view.key)
            cells = position_cells(view, self.context, keys)
            if cells == self._cells.get(key):
                continue
            if self._too_wide(cells):
                self.sync(dict(self._views))
                return changed + 1
            span = self._painter.changed_span(self._cells.get(key), cells)
            self._cells[key] = cells
            self._painter.forget(key)
            self._refresh_row(self._index[key], span)
            changed += 1
        return changed

    def _relist(self, layout: Layout, selected: PositionKey | None) -> None:
        """New rows or columns: every row re-made, cursor put back on its position."""
        self._painter.relayout(layout)
        self._order = sorted(self._views, key=lambda k: row_order(*position_key(k)))
        self._index = {key: i for i, key in enumerate(self._order)}
        self._cells = {
            key: position_cells(self._views[key], self.context, layout.keys) for key in self._order
        }
        self.virtual_size = Size(self._painter.width, len(self._order) + 1)
        index = self._index.get(row_key(selected), self.cursor_row) if selected else 0
        self.cursor_row = min(index, max(len(self._order) - 1, 0))
        self._cursor_into_view()
        self._announce()
        self.refresh()

    def _too_wide(self, cells: Cells) -> bool:
        assert self._layout is not None
        width_of = self._layout.width_of
        return any(
            key != "strategy" and len(text) > width_of(key) for key, (text, _) in cells.items()
        )  # figures are one cell per character

    # --- internals: columns -------------------------------------------------------------

    def on_resize(self, _: events.Resize) -> None:
        self.sync(dict(self._views))

    def _fit(self) -> Layout:
        """Columns for the current width and figures; numeric widths only ever grow."""
        available = max(self.size.width - SCROLLBAR, 20)
        layout, self.context.names = self._fitter.fit(self._views.values(), self.context, available)
        return layout

    # --- internals: drawing -------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        if self._layout is None:
            return Strip.blank(width, self._row_style(EVEN))
        if y == 0:
            header = self._painter.header(self._header_style())
            return header.extend_cell_length(width, self._header_style()).crop(0, width)
        index = y - 1 + self.scroll_offset.y
        if index >= len(self._order):
            return Strip.blank(width, self._row_style(EVEN))
        key = self._order[index]
        variant = CURSOR if index == self.cursor_row else index % 2
        strip = self._painter.row(key, variant, self._cells[key], self._row_style(variant))
        return strip.extend_cell_length(width, self._row_style(variant)).crop(0, width)

    def _row_style(self, variant: int) -> Style:
        style = self._styles.get(variant)
        if style is None:
            name = {ODD: "positions--odd", CURSOR: "positions--cursor"}.get(variant)
            style = self.rich_style
            if name is not None:
                style += self.get_component_rich_style(name)
            self._styles[variant] = style
        return style

    def _header_style(self) -> Style:
        return self.rich_style + self.get_component_rich_style("positions--header")

    def _refresh_row(self, index: int, span: tuple[int, int] | None = None) -> None:
        """Repaint a row's line, or only the span of it whose cells changed."""
        y = 1 + index - self.scroll_offset.y
        if 1 <= y < self.size.height:
            start, end = span if span is not None else (0, self.size.width)
            self.refresh(Region(start, y, min(end, self.size.width) - start, 1))

    def notify_style_update(self) -> None:
        """Theme or focus changed: every cached strip has the old colors."""
        super().notify_style_update()
        self._painter.forget_all()
        self._styles.clear()

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if round(old_value) != round(new_value):
            self.post_message(self.Scrolled())

    def on_focus(self) -> None:
        self._restyle()

    def on_blur(self) -> None:
        self._restyle()

    def _restyle(self) -> None:
        """The cursor's color depends on the focus: drop the strips drawn with the old one."""
        self._painter.forget_all()
        self._styles.clear()
        self.refresh()

    # --- the cursor ---------------------------------------------------------------------

    def move_cursor(self, *, row: int) -> None:
        if not self._order:
            return
        row = min(max(row, 0), len(self._order) - 1)
        if row != self.cursor_row:
            old, self.cursor_row = self.cursor_row, row
            self._refresh_row(old)
            self._refresh_row(row)
        self._cursor_into_view()
        self._announce()

    def _cursor_into_view(self) -> None:
        visible = max(self.scrollable_content_region.height - 1, 1)
        top = self.scroll_offset.y
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False, immediate=True)
        elif self.cursor_row >= top + visible:
            self.scroll_to(y=self.cursor_row - visible + 1, animate=False, immediate=True)

    def _announce(self) -> None:
        key = self.selected_key
        if key != self._highlighted:
            self._highlighted = key
            self.post_message(self.Highlighted(key))

    def action_cursor_down(self) -> None:
        self.move_cursor(row=self.cursor_row + 1)

    def action_cursor_up(self) -> None:
        self.move_cursor(row=self.cursor_row - 1)

    def action_page_down(self) -> None:
        self.move_cursor(row=self.cursor_row + max(self.size.height - 2, 1))

    def action_page_up(self) -> None:
        self.move_cursor(row=self.cursor_row - max(self.size.height - 2, 1))

    def action_first_row(self) -> None:
        self.move_cursor(row=0)

    def action_last_row(self) -> None:
        self.move_cursor(row=len(self._order) - 1)

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is not None and offset.y >= 1:
            self.move_cursor(row=offset.y - 1 + self.scroll_offset.y)
