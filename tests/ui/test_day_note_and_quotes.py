"""Issue 21 at 80x24 and 120x40: the calendar's day net explained on the day's Trades screen,
and the status line naming the symbols that have no quote yet.

The history is tests/history_data.py's: on the trading day 2026-03-18 `Trend` bought 2 MES
(0.62 a side), still open, and closed nothing. The calendar counts that entry's commission
on the day (-1.24); the day's Trades screen lists no closed trade (net 0.00), so it says why
the two differ, in one line.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from helpers import until
from history_data import TODAY, config, history_app, import_backtest, send_live
from textual.widgets import Static
from ui_harness import shown, started

from tmtui.core.models import AlertFields, IncomingAlert
from tmtui.runtime.engine import Engine
from tmtui.services.feeds.base import FeedState, FeedStatus
from tmtui.ui.screens.pnl_calendar import PnlCalendarScreen
from tmtui.ui.screens.trades import TradesScreen
from tmtui.ui.widgets.status_line import StatusLine

pytestmark = pytest.mark.timeout(60)
SIZES = [(80, 24), (120, 40)]
IDS = ["80x24", "120x40"]


@pytest.mark.parametrize("size", SIZES, ids=IDS)
async def test_a_calendar_day_with_an_open_entrys_commission_says_so_on_its_trades(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    cfg = config()
    path = tmp_path / "history.db"
    await import_backtest(path, cfg)
    async with history_app(cfg, path).run_test(size=size) as pilot:
        await send_live(await started(pilot))
        await pilot.press("4")
        calendar = await shown(pilot, PnlCalendarScreen)
        assert calendar.grid is not None
        cell = calendar.grid.cell(TODAY)
        assert cell is not None and str(cell.net_pnl) == "-1.24" and cell.trades == 0
        assert calendar.table.days_at(*calendar.table.cursor_coordinate) == (TODAY, TODAY)
        await pilot.press("enter")
        trades = await shown(pilot, TradesScreen)
        await until(
            pilot,
            lambda: trades.fields.first == TODAY and trades.query_one("#trade-note").display,
            "the day's note",
        )
        note = trades.query_one("#trade-note", Static)
        text = str(note.render())
        assert text == "Calendar -1.24: includes -1.24 commission of entries closed later or open"
        assert trades.total == 0 and trades.stats is not None and str(trades.stats.net) == "0"
        assert note.region.height == 1 and note.region.bottom <= trades.table.region.y
        await pilot.press("4")  # a day where both agree has no note
        calendar = await shown(pilot, PnlCalendarScreen)
        await pilot.press("up", "up", "l")  # Thursday 5 March: one closed round trip
        await pilot.press("enter")
        await until(
            pilot,
            lambda: trades.fields.first != TODAY and trades.total == 1,
            "Thursday's trades",
        )
        await shown(pilot, TradesScreen)
        assert not trades.query_one("#trade-note").display


async def _open_without_quotes(engine: Engine) -> None:
    """Long 1 NQ and short 1 ES at alert prices; the feed is live but quotes neither."""
    for i, (action, ticker, price) in enumerate(
        (("buy", "NQ1!", "25600"), ("sell", "ES1!", "6800"))
    ):
        fields = AlertFields(action=action, ticker=ticker, qty="1", price=price, strategy="ORB")
        when = datetime.now(UTC)
        await engine.submit_alert(IncomingAlert(fields, "{}", "test", when, idem_key=f"q{i}"))
    engine.on_feed_status(FeedStatus(FeedState.LIVE, ""))


@pytest.mark.parametrize("size", SIZES, ids=IDS)
async def test_the_status_line_names_the_symbols_without_quotes(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    cfg = config()
    listener = replace(cfg.listener, secret="s3cret-quotes")  # no NO SECRET badge to keep
    cfg = replace(cfg, ui=replace(cfg.ui, refresh=0.2), listener=listener)
    app = history_app(cfg, tmp_path / "quotes.db")
    async with app.run_test(size=size) as pilot:
        await _open_without_quotes(await started(pilot))
        status = app.dashboard.query_one(StatusLine)
        await until(
            pilot,
            lambda: "ES, NQ" in status.shown.plain and "Feed live" in status.shown.plain,
            "the unquoted symbols",
        )
        line = status.shown.plain
        assert "Feed live" in line and "no quotes: ES, NQ" in line
        if size[0] >= 120:
            assert "Feed live · no quotes: ES, NQ" in line
        assert len(line) <= status.size.width  # said whole, on one line
