"""Pilot tests of the history screens: keys `1`-`5` and Escape, and what each screen shows.

The ledger holds three months imported with `tmtui import` and a month of live alerts sent
to the running engine (tests/history_data.py); every wait is a poll with a deadline.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from helpers import until
from history_data import NOW, TODAY, config, history_app, import_backtest, send_live
from textual.pilot import Pilot
from textual.widgets import Input
from ui_harness import SIZE, shown, started

import tmtui.ui.screens.trades
from tmtui.core.history.calendar_grid import month_bounds
from tmtui.core.history.history_views import TradeFilter
from tmtui.core.models import AlertFields, IncomingAlert
from tmtui.readside.queries import Queries
from tmtui.runtime.engine import Engine
from tmtui.ui.app import TmtuiApp
from tmtui.ui.screens.dashboard import DashboardScreen
from tmtui.ui.screens.help import HelpScreen
from tmtui.ui.screens.pnl_calendar import PnlCalendarScreen
from tmtui.ui.screens.pnl_chart import PnlChartScreen
from tmtui.ui.screens.strategy_board import StrategyBoardScreen
from tmtui.ui.screens.trades import TradesScreen

pytestmark = pytest.mark.timeout(60)


class Running:
    """The app, its pilot, its engine and a read side of its ledger."""

    def __init__(self, app: TmtuiApp, pilot: Pilot[Any], engine: Engine) -> None:
        self.app, self.pilot, self.engine = app, pilot, engine
        self.queries = Queries(engine.ledger, engine.config, live_book=lambda: engine.book)
        self.queries.clock = lambda: NOW

    async def press(self, *keys: str) -> None:
        await self.pilot.press(*keys)
        await self.pilot.pause()


@pytest.fixture
async def running(tmp_path: Path) -> AsyncIterator[Running]:
    cfg = config()
    path = tmp_path / "history.db"
    await import_backtest(path, cfg)
    app = history_app(cfg, path)
    async with app.run_test(size=SIZE) as pilot:
        engine = await started(pilot)
        await send_live(engine)
        yield Running(app, pilot, engine)


async def test_each_key_opens_its_screen_and_escape_returns(running: Running) -> None:
    app = running.app
    assert isinstance(app.screen, DashboardScreen)
    await running.press("2")
    trades = await shown(running.pilot, TradesScreen)
    assert trades.total == 34 and trades.table.row_count == 34
    newest = await running.queries.trades(TradeFilter(), limit=1)
    assert trades.table.get_row_at(0)[0] == "2026-03-17"
    assert str(trades.table.coordinate_to_cell_key((0, 0)).row_key.value) == str(newest[0].trade_id)
    await running.press("3")
    board = await shown(running.pilot, StrategyBoardScreen)
    assert list(board.summaries) == ["Backtest", "ORB", "Trend"]
    assert board.table.get_cell("Backtest", "source").plain == "import"
    assert board.table.get_cell("ORB", "source").plain == "live"
    assert board.table.get_cell("Trend", "position") == "MES L2"
    assert board.table.get_cell("Trend", "open").plain == "+22.50"  # 2 × 2.25 pts × $5
    assert board.table.get_cell("ORB", "open").plain == "—"  # flat: no open P&L, not 0
    await running.press("4")
    calendar = await shown(running.pilot, PnlCalendarScreen)
    assert calendar.grid is not None and calendar.grid.month == date(2026, 3, 1)
    await running.press("5")
    chart = await shown(running.pilot, PnlChartScreen)
    assert chart.range.key == "all" and chart.points
    await running.press("1")
    assert app.screen is app.dashboard
    for key, kind in (("2", TradesScreen), ("4", PnlCalendarScreen), ("3", StrategyBoardScreen)):
        await running.press(key)
        await shown(running.pilot, kind)
        await running.press("escape")
        assert app.screen is app.dashboard


async def test_screen_keys_are_in_the_footer_and_the_help(running: Running) -> None:
    await running.press("2")
    trades = await shown(running.pilot, TradesScreen)
    shown_keys = {b.binding.id for b in trades.active_bindings.values() if b.binding.show}
    assert {"show_dashboard", "show_trades", "show_strategies", "show_calendar", "show_chart"} <= (
        shown_keys
    )
    await running.press("question_mark")
    assert isinstance(running.app.screen, HelpScreen)
    ids = {k.binding_id: k.keys for k in running.app.screen.keys}
    assert ids["show_calendar"] == "4" and ids["trade_filter"] == "f"
    await running.press("escape")
    assert isinstance(running.app.screen, TradesScreen)  # help closed, Trades still there


async def test_trades_filter_by_strategy_symbol_and_days(running: Running) -> None:
    await running.press("2")
    trades = await shown(running.pilot, TradesScreen)
    await running.press("f")
    assert isinstance(running.app.focused, Input)
    await running.pilot.press(*"ORB")
    await running.press("tab", *"nq1!", "tab", *"2026-03-05", "tab", *"2026-03-12", "enter")
    trades = await shown(running.pilot, TradesScreen, loads=2)
    rows = [trades.table.get_row_at(i) for i in range(trades.table.row_count)]
    assert [(r[0], r[1], r[3]) for r in rows] == [
        ("2026-03-12", "ORB", "NQ"),
        ("2026-03-10", "ORB", "NQ"),
        ("2026-03-09", "ORB", "NQ"),
        ("2026-03-05", "ORB", "NQ"),
    ]
    assert trades.stats is not None and trades.stats.trades == 4
    assert trades.stats.net == Decimal("235.80") + Decimal("-258.40") - Decimal("129.20") + (
        Decimal("471.60")
    )
    assert running.app.focused is trades.table


async def test_a_bad_filter_is_refused_and_keeps_the_list(running: Running) -> None:
    await running.press("2")
    trades = await shown(running.pilot, TradesScreen)
    await running.press("f", "tab", "tab", *"2026-13-01", "enter")
    await running.pilot.pause()
    assert trades.loads == 1 and trades.table.row_count == 34  # nothing reloaded
    assert trades.fields.first is None


async def test_trades_page_in_lazily(running: Running, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tmtui.ui.screens.trades, "PAGE", 10)
    monkeypatch.setattr(tmtui.ui.screens.trades, "PAGE_MARGIN", 3)
    await running.press("2")
    trades = await shown(running.pilot, TradesScreen)
    assert trades.table.row_count == 10 and trades.total == 34
    await running.press(*["down"] * 6)
    await until(running.pilot, lambda: trades.table.row_count == 10, "still one page")
    await running.press("down")  # row 7: within 3 of the end
    await until(running.pilot, lambda: trades.table.row_count == 20, "the second page")
    await running.press("ctrl+end")  # the last loaded row: one more page, not all history
    await until(running.pilot, lambda: trades.table.row_count == 30, "the third page")
    await running.press("ctrl+end")
    await until(running.pilot, lambda: trades.table.row_count == 34, "the last page")
    keys = [trades.table.coordinate_to_cell_key((i, 0)).row_key.value for i in range(34)]
    expected = [str(t.trade_id) for t in await running.queries.trades(TradeFilter())]
    assert keys == expected  # newest first, no duplicate, nothing skipped


async def test_a_new_trade_refreshes_the_shown_screen(running: Running) -> None:
    await running.press("2")
    trades = await shown(running.pilot, TradesScreen)
    await running.press("down", "down")
    selected = trades.table.coordinate_to_cell_key(trades.table.cursor_coordinate).row_key
    when = NOW - timedelta(minutes=5)
    fields = AlertFields(action="close", ticker="MES1!", price="6812.25", strategy="Trend")
    await running.engine.submit_alert(IncomingAlert(fields, "{}", "t", when))
    await until(running.pilot, lambda: trades.total == 35, "the new trade")
    assert trades.table.get_row_at(0)[:2] == ["2026-03-18", "Trend"]
    assert trades.table.get_cell_at((0, 3)) == "MES"
    cursor = trades.table.coordinate_to_cell_key(trades.table.cursor_coordinate).row_key
    assert cursor == selected  # the trader's row stays selected
    await running.press("5")
    chart = await shown(running.pilot, PnlChartScreen)
    stats = await running.queries.trade_stats(TradeFilter())
    assert chart.points[-1].equity == stats.net  # flat now: every commission is in a trade


async def test_calendar_enter_opens_the_days_trades(running: Running) -> None:
    await running.press("4")
    calendar = await shown(running.pilot, PnlCalendarScreen)
    assert calendar.table.days_at(*calendar.table.cursor_coordinate) == (TODAY, TODAY)
    await running.press("up", "up", "l")  # from Wed 18 to Thu 5
    assert calendar.table.days_at(*calendar.table.cursor_coordinate) == (
        date(2026, 3, 5),
        date(2026, 3, 5),
    )
    await running.press("enter")
    trades = await shown(running.pilot, TradesScreen)
    await until(
        running.pilot,
        lambda: trades.fields.first == date(2026, 3, 5) and trades.total == 1,
        "the day's trades",
    )
    trades = await shown(running.pilot, TradesScreen)
    assert trades.table.row_count == 1 and trades.book == "live"  # the calendar's book
    assert trades.table.get_row_at(0)[0] == "2026-03-05"
    assert trades.table.get_row_at(0)[12].plain == "+471.60"
    assert trades.query_one("#filter-from", Input).value == "2026-03-05"
    grid = calendar.grid
    assert grid is not None
    cell = grid.cell(date(2026, 3, 5))
    assert cell is not None and cell.net_pnl == Decimal("471.60") and cell.trades == 1


async def test_calendar_months_and_their_totals(running: Running) -> None:
    await running.press("4")
    calendar = await shown(running.pilot, PnlCalendarScreen)
    seen = []
    for n, key in enumerate(("left", "left_square_bracket", "left"), start=2):
        await running.press(key)
        calendar = await shown(running.pilot, PnlCalendarScreen, loads=n)
        grid = calendar.grid
        assert grid is not None
        first, last = month_bounds(grid.month)
        trades = await running.queries.trades(TradeFilter(first, last))
        assert trades and grid.net_pnl == sum((t.net for t in trades), Decimal(0))
        assert grid.trades == len(trades)
        seen.append(grid.month)
    assert seen == [date(2026, 2, 1), date(2026, 1, 1), date(2025, 12, 1)]
    await running.press("right_square_bracket")
    calendar = await shown(running.pilot, PnlCalendarScreen, loads=5)
    assert calendar.grid is not None and calendar.grid.month == date(2026, 1, 1)
    await running.press("t")
    calendar = await shown(running.pilot, PnlCalendarScreen, loads=6)
    assert calendar.grid is not None and calendar.grid.month == date(2026, 3, 1)


async def test_chart_ranges_and_the_all_time_net(running: Running) -> None:
    await running.press("5")
    chart = await shown(running.pilot, PnlChartScreen)
    summaries = await running.queries.strategies()
    all_time = sum((s.realized_all for s in summaries), Decimal(0))
    assert chart.points[-1].equity == all_time == Decimal("1493.52")
    assert chart.points[0].at == date(2025, 12, 1)
    assert min(p.drawdown for p in chart.points) == Decimal("-421.00")
    await running.press("d")
    chart = await shown(running.pilot, PnlChartScreen, loads=2)
    assert chart.range.key == "days" and chart.points[0].at >= TODAY - timedelta(days=29)
    march = await running.queries.trades(TradeFilter(date(2026, 2, 17), TODAY))
    assert chart.points[-1].equity == sum((t.net for t in march), Decimal(0)) - Decimal("1.24")
    await running.engine.flush()  # a live sample for today
    await running.press("t")
    chart = await shown(running.pilot, PnlChartScreen, loads=3)
    assert chart.range.intraday and chart.points
    assert chart.points[-1].equity == Decimal("-1.24") + Decimal("22.50")


async def test_e_toggles_a_strategy_from_the_strategies_screen(running: Running) -> None:
    await running.press("3")
    board = await shown(running.pilot, StrategyBoardScreen)
    await running.press("down")  # ORB
    assert board.selected == "ORB"
    await running.press("e")
    await until(running.pilot, lambda: not running.engine.strategy_enabled("ORB"), "ORB off")
    await until(
        running.pilot, lambda: board.table.get_cell("ORB", "enabled").plain == "OFF", "OFF shown"
    )
    assert board.selected == "ORB"
    await running.press("e")
    await until(running.pilot, lambda: running.engine.strategy_enabled("ORB"), "ORB on again")
    await until(
        running.pilot, lambda: board.table.get_cell("ORB", "enabled").plain == "ON", "ON shown"
    )


async def test_screen_keys_remap_by_binding_id(tmp_path: Path) -> None:
    cfg = replace(config(), keymap={"show_chart": "g", "calendar_month_back": "p"})
    path = tmp_path / "history.db"
    await import_backtest(path, cfg)
    app = history_app(cfg, path)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.engine_started, "the engine to start")
        await pilot.press("5")
        await pilot.pause()
        assert app.screen is app.dashboard
        await pilot.press("g")
        await shown(pilot, PnlChartScreen)
        await pilot.press("4")
        calendar = await shown(pilot, PnlCalendarScreen)
        await pilot.press("p")
        calendar = await shown(pilot, PnlCalendarScreen, loads=2)
        assert calendar.grid is not None and calendar.grid.month == date(2026, 2, 1)
