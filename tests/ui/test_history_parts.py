"""The history screens' pure parts: filter text, chart ranges, calendar shades, axes, the
side-by-side block's columns."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest

from tmtui.core.backtest.side_by_side import SideBySide, summary_of
from tmtui.core.backtest.tv_stats import tv_summary
from tmtui.core.history.chart_range import RANGES, TODAY
from tmtui.core.history.filter_text import FilterError, FilterFields, parse_filter
from tmtui.core.history.history_views import StrategySummary
from tmtui.core.history.stats import TradeStats
from tmtui.ui.screens.pnl_calendar import shift_month
from tmtui.ui.widgets.equity_plot import ClockAxis, IndexAxis, MoneyAxis
from tmtui.ui.widgets.month_table import fitted_money, shade_level
from tmtui.ui.widgets.side_by_side_table import compare_rows, fit_columns


def test_filter_fields_read_strictly() -> None:
    assert parse_filter(" ORB ", "", "", "") == FilterFields("ORB")
    assert parse_filter("", "nq", "2026-03-02", "2026-03-02").describe() == "nq · 2026-03-02"
    assert parse_filter("", "", "2026-03-01", "").describe() == "2026-03-01 to today"
    assert parse_filter("", "", "", "").describe() == "all trades"
    with pytest.raises(FilterError, match="from: expected a day like 2026-03-02"):
        parse_filter("", "", "2026-13-01", "")
    with pytest.raises(FilterError, match="from 2026-03-05 is after to 2026-03-01"):
        parse_filter("", "", "2026-03-05", "2026-03-01")


@pytest.mark.parametrize(
    ("key", "first"),
    [
        ("today", date(2026, 3, 18)),
        ("days", date(2026, 2, 17)),
        ("weeks", date(2025, 12, 22)),  # 13 Mondays back to the one of today's week
        ("months", date(2025, 4, 1)),
        ("all", None),
    ],
)
def test_chart_ranges_start(key: str, first: date | None) -> None:
    chosen = next(r for r in RANGES if r.key == key)
    assert chosen.first_day(date(2026, 3, 18)) == first
    assert chosen.intraday == (chosen == TODAY)


def test_months_shift_across_years() -> None:
    assert shift_month(date(2026, 1, 1), -1) == date(2025, 12, 1)
    assert shift_month(date(2025, 12, 1), 1) == date(2026, 1, 1)
    assert shift_month(date(2026, 3, 1), -14) == date(2025, 1, 1)


def test_calendar_shades_by_size() -> None:
    assert shade_level(D(0), D(500)) == 0
    assert shade_level(D("0.004"), D(500)) == 0  # rounds to a flat day
    assert shade_level(D(10), D(500)) == 1
    assert shade_level(D(-200), D(500)) == 2
    assert shade_level(D(500), D(500)) == 3


def test_money_fits_narrow_columns() -> None:
    assert fitted_money(D("1250"), 10) == "+1,250.00"
    assert fitted_money(D("-12345.67"), 8) == "-12.3k"
    assert fitted_money(D("-123456.78"), 6) == "-123k"
    assert fitted_money(D(0), 7) == "0.00"


def test_axes_label_money_days_and_times() -> None:
    assert MoneyAxis().get_labels_for_ticks([-500.0, 0.0, 500.0, 1000.0]) == [
        "-500",
        "0",
        "500",
        "1,000",
    ]
    days = IndexAxis(["03-02", "03-03", "03-04", "03-05", "03-06"])
    days.max_labels = 3
    ticks = days.get_ticks(0, 4)
    assert ticks == [0.0, 2.0, 4.0]
    assert days.get_labels_for_ticks(ticks) == ["03-02", "03-04", "03-06"]
    assert IndexAxis(["03-02"]).get_ticks(0, 0) == [0.0]
    clock = ClockAxis(datetime(2026, 3, 18, 14, 30, tzinfo=UTC), ZoneInfo("America/Chicago"))
    assert clock.get_labels_for_ticks([0.0, 3600.0]) == ["09:30", "10:30"]


def test_side_by_side_drops_whole_columns_by_priority_never_cuts_a_number() -> None:
    big = tv_summary([D("123456.78"), D("-1000.5"), D("250")])
    pair = SideBySide(date(2026, 3, 2), date(2026, 3, 13), summary_of([]), big)
    live = StrategySummary(
        "ORB", True, False, (), None, D(0), D(0), D(0), TradeStats(), D(0), backtest=pair
    )
    rows = compare_rows([live, replace(live, source="backtest", backtest=None)])
    assert [(r["strategy"].plain, r["book"].plain) for r in rows] == [
        ("ORB", "backtest"),
        ("", "live"),
    ]
    assert rows[0]["net"].plain == "+122,706.28" and rows[1]["trades"].plain == "0"
    every = [c.key for c in fit_columns(rows, 200)]
    assert every[-1] == "days" and len(every) == 9
    # "Strategy Source  Net": 8 + 2 + 8 + 2 + 11 = 31; one column short of the Trades
    assert [c.key for c in fit_columns(rows, 31)] == ["strategy", "book", "net"]
    assert [c.key for c in fit_columns(rows, 30)] == ["strategy", "book"]
    # + Trades, Win % 66.67%, PF 123.65 (8 each), Max DD -1,000.50 (11): Avg trade +40,902.09,
    # though drawn left of Max DD, is of lower priority and left out whole
    keys = [c.key for c in fit_columns(rows, 31 + 8 + 8 + 8 + 11)]
    assert keys == [
        "strategy",
        "book",
        "net",
        "trades",
        "win_rate",
        "profit_factor",
        "max_drawdown",
    ]
    assert "max_drawdown" not in [c.key for c in fit_columns(rows, 31 + 8 + 8 + 8 + 10)]


async def test_the_strategies_table_shows_a_year_of_figures_whole() -> None:
    """After a year a strategy's max drawdown reads -111,794.50 and its name is 15 wide:
    each column takes its widest cell, so neither is cut (fixed widths cut them)."""
    from textual.app import App
    from textual.widgets import DataTable

    from tmtui.settings.config import Config
    from tmtui.ui.screens.history_source import HistorySource
    from tmtui.ui.screens.strategy_board import StrategyBoardScreen

    year = StrategySummary(
        "Overnight Swing",
        True,
        False,
        (),
        None,
        D(0),
        D(0),
        D("-79997.50"),
        TradeStats(),
        D("-111794.50"),
    )
    board = StrategyBoardScreen(HistorySource(), Config())
    app: App[None] = App()
    async with app.run_test(size=(160, 45)) as pilot:
        await app.push_screen(board)
        await pilot.pause()
        board._show([year])
        await pilot.pause()
        table = board.query_one("#strategy-table", DataTable)
        widths = {str(k.value): c.get_render_width(table) - 2 for k, c in table.columns.items()}
        assert widths["max_drawdown"] >= len("-111,794.50")
        assert widths["all"] >= len("-79,997.50")
        assert widths["strategy"] >= len("Overnight Swing")
