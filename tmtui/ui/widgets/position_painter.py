"""The positions table's strips: the header and one cached strip per row and look.

Kept apart from the widget (positions_table.py), which decides which rows there are and
where the cursor sits: this module only turns a row's cells into segments and remembers
them, so a frame in which nothing changed costs one dictionary lookup per line. Segments are
as few as the styles allow (a cell's padding, its neighbour's padding and unstyled figures
share one segment), because every segment is work for the compositor on every frame. It also
knows where each column sits, so the widget can repaint just the cells whose text changed
instead of a whole line: less for Textual to compose and less to write to the terminal.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from tmtui.ui.widgets.position_cells import Cell
from tmtui.ui.widgets.position_columns import BY_KEY, CELL_PADDING, Layout

Cells = Mapping[str, Cell]
EVEN, ODD, CURSOR = 0, 1, 2
"""A row's looks: zebra stripes and the cursor."""


class RowPainter:
    """Builds and caches the table's strips for one layout of columns."""

    def __init__(self) -> None:
        self.layout: Layout | None = None
        self._strips: dict[tuple[str, int], Strip] = {}
        self._header: Strip | None = None
        self._spans: dict[str, tuple[int, int]] = {}

    @property
    def width(self) -> int:
        """The table's width in cells, padding included."""
        return sum(end - start for start, end in self._spans.values())

    def relayout(self, layout: Layout) -> None:
        """New columns: every strip drawn for the old ones is wrong."""
        self.layout = layout
        self._spans = {}
        x = 0
        for key, width in layout.widths:
            self._spans[key] = (x, x + width + 2 * CELL_PADDING)
            x += width + 2 * CELL_PADDING
        self.forget_all()

    def forget(self, key: str) -> None:
        """One row's cells changed: drop its strips in every look."""
        for variant in (EVEN, ODD, CURSOR):
            self._strips.pop((key, variant), None)

    def forget_all(self) -> None:
        """Colors changed (theme, focus): every cached strip has the old ones."""
        self._strips.clear()
        self._header = None

    def header(self, style: Style) -> Strip:
        if self._header is None:
            assert self.layout is not None
            cells = {key: (BY_KEY[key].label, "") for key in self.layout.keys}
            self._header = self._strip(cells, style)
        return self._header

    def row(self, key: str, variant: int, cells: Cells, style: Style) -> Strip:
        strip = self._strips.get((key, variant))
        if strip is None:
            strip = self._strips[(key, variant)] = self._strip(cells, style)
        return strip

    def changed_span(self, old: Cells | None, new: Cells) -> tuple[int, int] | None:
        """The x range (start, end) covering every cell whose text or style differs."""
        if old is None:
            return None
        changed = [self._spans[k] for k, cell in new.items() if old.get(k) != cell]
        if not changed:
            return None
        return min(s for s, _ in changed), max(e for _, e in changed)

    def _strip(self, cells: Cells, row_style: Style) -> Strip:
        return Strip(list(Segment.simplify(self._segments(cells, row_style))))

    def _segments(self, cells: Cells, row_style: Style) -> Iterable[Segment]:
        assert self.layout is not None
        pad = " " * CELL_PADDING
        for key, width in self.layout.widths:
            text, style = cells[key]
            if cell_len(text) > width:
                text = text[: max(width - 1, 0)] + "…"
            fill = " " * max(width - cell_len(text), 0)
            right = BY_KEY[key].justify == "right"
            yield Segment(pad + (fill if right else ""), row_style)
            yield Segment(text, row_style + Style.parse(style) if style else row_style)
            yield Segment(("" if right else fill) + pad, row_style)
