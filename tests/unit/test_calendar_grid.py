"""The month grid: weeks of trading days, weekly and month totals."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from tmtui.core.history.calendar_grid import month_bounds, month_grid
from tmtui.core.views import CalendarDay


def test_march_2026_on_five_columns() -> None:
    days = [
        CalendarDay(date(2026, 3, 2), D("100.50"), 2),
        CalendarDay(date(2026, 3, 6), D(-40), 1),
        CalendarDay(date(2026, 3, 31), D(10), 1),
        CalendarDay(date(2026, 4, 1), D(999), 9),  # another month: left out
    ]
    grid = month_grid(date(2026, 3, 15), days)
    assert grid.month == date(2026, 3, 1) and grid.weekdays == ("Mon", "Tue", "Wed", "Thu", "Fri")
    # Sunday 1 March has no column; weeks start on Mondays 2, 9, 16, 23 and 30 March
    firsts = [next(c for c in w.cells if c is not None).day for w in grid.weeks]
    assert firsts == [date(2026, 3, d) for d in (2, 9, 16, 23, 30)]
    assert grid.weeks[0].net_pnl == D("60.50") and grid.weeks[0].trades == 3
    last = grid.weeks[-1]
    assert [c.day.day if c else None for c in last.cells] == [30, 31, None, None, None]
    assert last.net_pnl == D(10)
    assert (grid.net_pnl, grid.trades) == (D("70.50"), 4)
    cell = grid.cell(date(2026, 3, 3))
    assert cell is not None and not cell.active and cell.net_pnl == 0


def test_seven_columns_when_weekends_are_trading_days() -> None:
    days = [CalendarDay(date(2026, 3, 7), D(5), 1)]  # a Saturday session
    grid = month_grid(date(2026, 3, 1), days, weekends=True)
    assert len(grid.weekdays) == 7
    first = grid.weeks[0]
    assert [c.day.day if c else None for c in first.cells] == [None] * 6 + [1]
    assert grid.weeks[1].net_pnl == D(5) and grid.net_pnl == D(5)


def test_month_bounds() -> None:
    assert month_bounds(date(2028, 2, 10)) == (date(2028, 2, 1), date(2028, 2, 29))
    assert month_bounds(date(2026, 12, 31)) == (date(2026, 12, 1), date(2026, 12, 31))
