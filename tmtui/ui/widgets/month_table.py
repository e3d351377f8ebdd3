"""A month of trading days as a table: a cell per day with its net P&L and trade count.

Each day is shaded by sign (green gain, red loss) and by size against the month's largest
day, so a glance finds the big days; the last column is the week's total. Drawing only:
the grid and its totals come computed from `core.calendar_grid` via the read side.
"""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import DataTable

from tmtui.core.formatting import compact_thousands
from tmtui.core.history.calendar_grid import GridCell, GridWeek, MonthGrid
from tmtui.core.views import money
from tmtui.ui.widgets.figure_style import pnl_style

GAIN_SHADES = ("#16351c", "#1f5a2a", "#2b8a3e")
LOSS_SHADES = ("#3d1a1a", "#6b2323", "#a33131")
"""Backgrounds from small to large |net|, as a fraction of the month's largest day."""
MIN_ROW_HEIGHT, MAX_ROW_HEIGHT = 2, 4
WEEK_COLUMN = "week"


def shade_level(net: Decimal, largest: Decimal, levels: int = len(GAIN_SHADES)) -> int:
    """0 for a flat day, else 1..levels by |net| over the month's largest |net|."""
    if not money(net) or not largest:
        return 0
    scaled = abs(net) * levels / largest
    return max(1, min(levels, math.ceil(scaled)))


def fitted_money(value: Decimal, width: int) -> str:
    """`+1,250.00`, or `+1.3k` / `-12k` when the column is too narrow for cents."""
    return compact_thousands(value, width)


def day_cell(
    cell: GridCell | None, largest: Decimal, width: int, today: date, height: int = 2
) -> Text:
    """Day number, net and trade count on the day's shade (count beside the day when
    only two lines fit)."""
    if cell is None:
        return Text("")
    top = f"{cell.day.day:>2}{'•' if cell.day == today else ' '}"
    count = f"{cell.trades} tr" if cell.trades else ""
    if not cell.active:
        return Text(top, style="dim")
    net = fitted_money(cell.net_pnl, width).rjust(width)
    if height >= 3:
        lines = [top.ljust(width), net, count.rjust(width), *[" " * width] * (height - 3)]
    else:
        lines = [top + count.rjust(max(width - len(top), 0)), net]
    text = Text("\n".join(lines), style="bold")
    level = shade_level(cell.net_pnl, largest)
    if level:
        shades = GAIN_SHADES if cell.net_pnl > 0 else LOSS_SHADES
        text.stylize(Style(bgcolor=shades[level - 1]))
    return text


def week_cell(week: GridWeek, width: int, height: int = 2) -> Text:
    """The week's net (colored by sign) and its trade count."""
    count = f"{week.trades} tr" if week.trades else ""
    text = Text("" if height >= 3 else count.rjust(width), style="dim")
    text.append("\n")
    if week.trades or money(week.net_pnl):
        style = f"bold {pnl_style(week.net_pnl)}".strip()
        text.append(fitted_money(week.net_pnl, width).rjust(width), style=style)
    if height >= 3:
        text.append("\n" + count.rjust(width), style="dim")
    return text


class MonthTable(DataTable[Text]):
    """The month grid; Enter (or a click) on a day selects it, on a week total the week."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Trades", id="calendar_open_trades"),
        Binding("h", "cursor_left", "Day back", show=False, id="calendar_day_back"),
        Binding("l", "cursor_right", "Day on", show=False, id="calendar_day_on"),
        Binding("k", "cursor_up", "Week back", show=False, id="calendar_week_back"),
        Binding("j", "cursor_down", "Week on", show=False, id="calendar_week_on"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(
            id=id,
            cursor_type="cell",
            show_cursor=True,
            cursor_background_priority="css",  # the cursor shows over a day's shade
        )
        self.grid: MonthGrid | None = None
        self.cell_width = 11
        self.row_height = MIN_ROW_HEIGHT

    def show(self, grid: MonthGrid, today: date, space: tuple[int, int]) -> None:
        """Draw a month in `space` (columns, lines) for the table; the cursor goes to today,
        else to the month's first trading day."""
        self.grid = grid
        columns = len(grid.weekdays) + 1
        self.cell_width = width = max(7, min(20, (space[0] - 4) // columns - 2))
        lines = (space[1] - 3) // max(len(grid.weeks), 1)
        self.row_height = height = max(MIN_ROW_HEIGHT, min(MAX_ROW_HEIGHT, lines))
        active = [c for w in grid.weeks for c in w.cells if c is not None and c.active]
        largest = max((abs(c.net_pnl) for c in active), default=Decimal(0))
        self.clear(columns=True)
        for name in grid.weekdays:
            self.add_column(name.rjust(width), width=width, key=name)
        self.add_column("Week".rjust(width), width=width, key=WEEK_COLUMN)
        for i, week in enumerate(grid.weeks):
            cells = [day_cell(c, largest, width, today, height) for c in week.cells]
            self.add_row(*cells, week_cell(week, width, height), height=height, key=str(i))
        row, column = self._start(grid, today)
        self.move_cursor(row=row, column=column, animate=False)

    def _start(self, grid: MonthGrid, today: date) -> tuple[int, int]:
        wanted = [today, *(c.day for w in grid.weeks for c in w.cells if c and c.active)]
        for day in wanted:
            for row, week in enumerate(grid.weeks):
                for column, cell in enumerate(week.cells):
                    if cell is not None and cell.day == day:
                        return row, column
        return 0, 0

    def days_at(self, row: int, column: int) -> tuple[date, date] | None:
        """The days a cell stands for: one day, or the week's days in the month."""
        if self.grid is None or not 0 <= row < len(self.grid.weeks):
            return None
        week = self.grid.weeks[row]
        if column < len(week.cells):
            cell = week.cells[column]
            return None if cell is None else (cell.day, cell.day)
        days = [c.day for c in week.cells if c is not None]
        return (days[0], days[-1]) if days else None
