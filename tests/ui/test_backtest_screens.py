"""Pilot tests of a strategy's backtest beside its live trading on screens `2`, `3` and `5`.

ORB's backtest is a real TradingView Strategy Tester export (ml-r1.3-orb-retest-mes.csv: 74
trades on MES, 2025-12-08 to 2026-03-20), imported as `tmtui import --format tradingview
--strategy ORB` does; ORB also trades live on MES in March 2026 (alerts sent to the running
engine). Each test runs at 80x24 and at 120x40; every wait is a poll with a deadline.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from helpers import until
from rich.console import Console
from rich.text import Text
from textual.pilot import Pilot
from ui_harness import shown, started

from tmtui.core.history.history_views import TradeFilter
from tmtui.core.models import AlertFields, IncomingAlert
from tmtui.ledger.store import Ledger
from tmtui.readside.importer import ImportOptions, import_file
from tmtui.readside.queries import Queries
from tmtui.runtime.engine import Engine
from tmtui.runtime.factory import build_engine
from tmtui.settings.config import Config
from tmtui.ui.app import TmtuiApp
from tmtui.ui.screens.pnl_calendar import PnlCalendarScreen
from tmtui.ui.screens.pnl_chart import PnlChartScreen
from tmtui.ui.screens.strategy_board import StrategyBoardScreen
from tmtui.ui.screens.trades import TradesScreen
from tmtui.ui.widgets.equity_plot import EquityPlot
from tmtui.ui.widgets.figure_style import signed_money
from tmtui.ui.widgets.side_by_side_table import SideBySideTable, compare_table

pytestmark = pytest.mark.timeout(60)

EXPORT = Path(__file__).parents[1] / "data" / "tradingview-exports" / "ml-r1.3-orb-retest-mes.csv"
NOW = datetime(2026, 3, 23, 15, 30, tzinfo=UTC)
"""Monday 10:30 in Chicago: after the export's last trade (Friday 20 March)."""
LIVE_DAYS = [date(2026, 3, d) for d in (2, 3, 4, 5, 6, 9, 10, 11, 12, 13)]
"""ORB's live round trips, one a day: the days live and backtest share."""
SIZES = [(80, 24), (120, 40)]


def config() -> Config:
    base = Config()
    return replace(
        base,
        feed=replace(base.feed, source="replay"),
        ui=replace(base.ui, refresh=60.0),
        commissions={"MES": Decimal(0)},  # the export's Strategy Tester commission
    )


async def import_orb_backtest(path: Path, cfg: Config) -> None:
    """The export as ORB's backtest, through the importer as `tmtui import` calls it."""
    options = ImportOptions(
        format="tradingview", strategy="ORB", symbol="MES1!", timezone="America/New_York"
    )
    async with await Ledger.open(path) as ledger:
        result = await import_file(ledger, cfg, EXPORT, options, now=NOW)
    assert result.mismatches == [] and result.checked == result.trades > 0, result


async def send_live_orb(engine: Engine) -> None:
    """One live ORB round trip of 1 MES a day: +3, -1.5, +3, ... points."""
    for i, day in enumerate(LIVE_DAYS):
        entry = datetime(day.year, day.month, day.day, 14, 35, tzinfo=UTC)
        move = Decimal(3) if i % 2 == 0 else Decimal("-1.5")
        for n, (action, qty, price, when) in enumerate(
            (
                ("buy", "1", Decimal(6700), entry),
                ("close", None, Decimal(6700) + move, entry + timedelta(minutes=20)),
            )
        ):
            fields = AlertFields(
                action=action,
                ticker="MES1!",
                qty=qty,
                price=str(price),
                strategy="ORB",
                alert_id=f"orb-{i}-{n}",
            )
            await engine.submit_alert(
                IncomingAlert(fields, "{}", "test", when, idem_key=f"id:orb-{i}-{n}")
            )


def app_on(cfg: Config, path: Path) -> TmtuiApp:
    def factory() -> Awaitable[Engine]:
        return build_engine(
            cfg,
            ledger_path=path,
            with_feed=False,
            with_listener=False,
            clock=lambda: NOW,
            sample_interval=3600,
        )

    return TmtuiApp(cfg, engine_factory=factory)


def plain(cell: str | Text) -> str:
    return cell if isinstance(cell, str) else cell.plain


class Running:
    def __init__(self, pilot: Pilot[Any], engine: Engine) -> None:
        self.pilot, self.engine = pilot, engine
        self.queries = Queries(engine.ledger, engine.config, live_book=lambda: engine.book)
        self.queries.clock = lambda: NOW

    async def press(self, *keys: str) -> None:
        await self.pilot.press(*keys)
        await self.pilot.pause()


@pytest.fixture(params=SIZES, ids=["80x24", "120x40"])
async def running(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Running]:
    cfg = config()
    path = tmp_path / "orb.db"
    await import_orb_backtest(path, cfg)
    app = app_on(cfg, path)
    async with app.run_test(size=request.param) as pilot:
        engine = await started(pilot)
        await send_live_orb(engine)
        yield Running(pilot, engine)


async def test_strategies_screen_sets_backtest_and_live_side_by_side(running: Running) -> None:
    await running.press("3")
    board = await shown(running.pilot, StrategyBoardScreen)
    assert plain(board.table.get_cell("ORB", "source")) == "live"
    assert plain(board.table.get_cell("ORB\tbacktest", "source")) == "backtest"
    (live,) = [s for s in await running.queries.strategies() if s.source == "live"]
    pair = live.backtest
    assert pair is not None and (pair.first, pair.last) == (LIVE_DAYS[0], LIVE_DAYS[-1])
    assert pair.live.trades.trades == len(LIVE_DAYS) and pair.backtest.trades.trades > 0
    side = board.query_one(SideBySideTable)
    assert side.display and [r["book"].plain for r in side.rows] == ["backtest", "live"]
    for row, figures in zip(side.rows, (pair.backtest, pair.live), strict=True):
        assert row["net"].plain == signed_money(figures.trades.net)
        assert row["trades"].plain == str(figures.trades.trades)
        assert row["max_drawdown"].plain == signed_money(figures.max_drawdown)
    keys = [c.key for c in side.columns]
    wide = board.size.width >= 120
    assert keys[:3] == ["strategy", "book", "net"]
    assert {"trades", "win_rate", "profit_factor", "max_drawdown"} <= set(keys)
    assert ("days" in keys) is wide  # 80 columns: the overlap's dates give way first
    # what is shown fits whole: every figure of every shown column appears uncut
    width = side.content_size.width
    console = Console(width=width, record=True, file=None, legacy_windows=False)
    console.print(compare_table(side.rows, side.columns), crop=False, soft_wrap=False)
    drawn = console.export_text().splitlines()
    assert max(len(line) for line in drawn) <= width
    for row, line in zip(side.rows, drawn[1:], strict=True):
        for c in side.columns:
            assert row[c.key].plain in line, (c.key, line)


async def test_trades_screen_filters_by_source(running: Running) -> None:
    await running.press("2")
    trades = await shown(running.pilot, TradesScreen)
    q = running.queries
    tested = (await q.trade_stats(TradeFilter(source="backtest"))).trades
    assert tested > 0
    assert trades.total == tested + len(LIVE_DAYS) == trades.table.row_count

    def sources() -> set[str]:
        """Each loaded row's book (its Source column is left out whole at 80 columns)."""
        return {plain(row["source"]) for row in trades.rows.values()}

    assert sources() == {"live", "backtest"}
    await running.press("s")
    trades = await shown(running.pilot, TradesScreen, loads=2)
    assert trades.book == "live" and trades.total == len(LIVE_DAYS)
    assert trades.table.row_count == len(LIVE_DAYS) and sources() == {"live"}
    await running.press("s")
    trades = await shown(running.pilot, TradesScreen, loads=3)
    assert trades.book == "backtest" and trades.total == tested
    assert trades.table.row_count == tested and sources() == {"backtest"}
    assert trades.stats is not None
    assert trades.stats.net == (await q.trade_stats(TradeFilter(source="backtest"))).net
    await running.press("s")
    trades = await shown(running.pilot, TradesScreen, loads=4)
    assert trades.book is None and trades.total == tested + len(LIVE_DAYS)


async def test_trades_source_key_is_in_the_footer_and_the_help(running: Running) -> None:
    await running.press("2")
    trades = await shown(running.pilot, TradesScreen)
    shown_ids = {b.binding.id for b in trades.active_bindings.values() if b.binding.show}
    assert "trade_source" in shown_ids
    await running.press("question_mark")
    ids = {k.binding_id: k.keys for k in running.pilot.app.screen.keys}  # type: ignore[attr-defined]
    assert ids["trade_source"] == "s"


async def test_chart_overlays_orbs_backtest_on_its_live_equity(running: Running) -> None:
    await running.press("5")
    chart = await shown(running.pilot, PnlChartScreen)
    plot = chart.query_one(EquityPlot)
    assert chart.strategy is None and chart.backtest_points == []  # the account by default
    assert plot.series == ["drawdown", "cumulative net"]
    shown_ids = {b.binding.id for b in chart.active_bindings.values() if b.binding.show}
    assert "chart_strategy" in shown_ids
    await running.press("s")
    chart = await shown(running.pilot, PnlChartScreen, loads=2)
    await until(running.pilot, lambda: chart.strategy == "ORB", "ORB picked")
    assert plot.series == ["drawdown", "ORB live", "ORB backtest"]
    q = running.queries
    live = await q.trades(TradeFilter(strategy="ORB", source="live"))
    tested = await q.trades(TradeFilter(strategy="ORB", source="backtest"))
    assert chart.points[-1].equity == sum((t.net for t in live), Decimal(0))
    assert chart.backtest_points[-1].equity == sum((t.net for t in tested), Decimal(0))
    assert chart.backtest_points[0].at == date(2025, 12, 8)
    assert chart.points[0].at == LIVE_DAYS[0]
    await running.press("s")  # back to the account: ORB is the only strategy
    chart = await shown(running.pilot, PnlChartScreen, loads=3)
    assert chart.strategy is None and plot.series == ["drawdown", "cumulative net"]


async def test_calendar_switches_to_the_backtest_and_opens_its_days(running: Running) -> None:
    """`s` on `4`: live by default, then the backtest's month; Enter opens that book's day."""
    await running.press("4")
    calendar = await shown(running.pilot, PnlCalendarScreen)
    q, march = running.queries, date(2026, 3, 1)
    live = await q.month(march, source="live")
    tested = await q.month(march, source="backtest")
    assert tested.trades > 0 and tested.net_pnl != live.net_pnl
    assert calendar.book == "live" and calendar.grid is not None
    assert calendar.grid.net_pnl == live.net_pnl and calendar.grid.trades == len(LIVE_DAYS)
    shown_ids = {b.binding.id for b in calendar.active_bindings.values() if b.binding.show}
    assert "calendar_source" in shown_ids
    await running.press("s")
    calendar = await shown(running.pilot, PnlCalendarScreen, loads=2)
    assert calendar.book == "backtest" and calendar.grid is not None
    assert (calendar.grid.net_pnl, calendar.grid.trades) == (tested.net_pnl, tested.trades)
    title = str(calendar.query_one("#calendar-title").render())
    assert "March 2026  backtest  net per trading day, after commissions" in title
    day = next(c for w in tested.weeks for c in w.cells if c and c.active and c.trades)
    row, column = next(
        (r, k)
        for r, w in enumerate(tested.weeks)
        for k, c in enumerate(w.cells)
        if c is not None and c.day == day.day
    )
    calendar.table.move_cursor(row=row, column=column, animate=False)
    await running.press("enter")
    trades = await shown(running.pilot, TradesScreen)
    await until(
        running.pilot,
        lambda: trades.fields.first == day.day and trades.book == "backtest",
        "the backtest's day",
    )
    trades = await shown(running.pilot, TradesScreen)
    wanted = TradeFilter(day.day, day.day, source="backtest")
    assert trades.total == (await q.trade_stats(wanted)).trades == day.trades
    assert {plain(row["source"]) for row in trades.rows.values()} == {"backtest"}
    await running.press("4", "s")  # and back to live
    calendar = await shown(running.pilot, PnlCalendarScreen, loads=3)
    assert calendar.book == "live" and calendar.grid is not None
    assert calendar.grid.net_pnl == live.net_pnl
    await running.press("question_mark")
    ids = {k.binding_id: k.keys for k in running.pilot.app.screen.keys}  # type: ignore[attr-defined]
    assert ids["calendar_source"] == "s"


def test_strategies_screen_snapshot_at_80_columns(
    tmp_path: Path, snap_compare: Callable[..., bool]
) -> None:
    """The side-by-side block at 80x24: every figure whole, the overlap's dates left out."""
    cfg = config()
    path = tmp_path / "orb.db"
    asyncio.run(import_orb_backtest(path, cfg))

    async def run_before(pilot: Pilot[Any]) -> None:
        await send_live_orb(await started(pilot))
        await pilot.press("3")
        await shown(pilot, StrategyBoardScreen)
        await pilot.pause()

    app = app_on(cfg, path)
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
