"""A month of trading days laid out as weeks, with weekly and monthly totals.

Pure: the CLI prints it and the Calendar screen draws it from the same grid. Columns are
Monday to Friday when weekends roll into Monday (CME's `roll_weekends`), else the whole week.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from tmtui.core.views import CalendarDay

ZERO = Decimal(0)
WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True, slots=True)
class GridCell:
    """One date of the month: its net P&L and closed trades; `active` if anything happened."""

    day: date
    net_pnl: Decimal = ZERO
    trades: int = 0
    active: bool = False


@dataclass(frozen=True, slots=True)
class GridWeek:
    """One row: a cell per column (None outside the month) and the week's totals."""

    cells: tuple[GridCell | None, ...]
    net_pnl: Decimal
    trades: int


@dataclass(frozen=True, slots=True)
class MonthGrid:
    month: date
    weekdays: tuple[str, ...]
    weeks: tuple[GridWeek, ...]
    net_pnl: Decimal
    trades: int

    def cell(self, day: date) -> GridCell | None:
        for week in self.weeks:
            for cell in week.cells:
                if cell is not None and cell.day == day:
                    return cell
        return None


def month_bounds(month: date) -> tuple[date, date]:
    """First and last date of the month containing `month`."""
    first = month.replace(day=1)
    last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return first, last


def month_grid(month: date, days: Iterable[CalendarDay], weekends: bool = False) -> MonthGrid:
    """Lay out `days` (trading days with activity) on the weeks of `month`.

    With `weekends` False, Saturday and Sunday get no column (a weekend trading day cannot
    exist when the weekend rolls into Monday).
    """
    first, last = month_bounds(month)
    columns = 7 if weekends else 5
    by_day = {d.day: d for d in days if first <= d.day <= last}
    weeks: list[GridWeek] = []
    monday = first - timedelta(days=first.weekday())
    while monday <= last:
        cells: list[GridCell | None] = []
        for offset in range(columns):
            day = monday + timedelta(days=offset)
            if not first <= day <= last:
                cells.append(None)
                continue
            found = by_day.get(day)
            cells.append(
                GridCell(day, found.net_pnl, found.trades, True) if found else GridCell(day)
            )
        present = [c for c in cells if c is not None]
        if present:
            weeks.append(
                GridWeek(
                    tuple(cells),
                    sum((c.net_pnl for c in present), ZERO),
                    sum(c.trades for c in present),
                )
            )
        monday += timedelta(days=7)
    return MonthGrid(
        first,
        WEEKDAY_NAMES[:columns],
        tuple(weeks),
        sum((w.net_pnl for w in weeks), ZERO),
        sum(w.trades for w in weeks),
    )
