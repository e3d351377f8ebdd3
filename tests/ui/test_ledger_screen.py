"""Ledger trouble on the trading screen: a red LEDGER badge and an error line in the log, and
a ledger that cannot be opened ends the screen with one line."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from helpers import until
from ui_harness import SIZE, desk_config

from tmtui.runtime.factory import build_engine
from tmtui.settings.config import Config
from tmtui.ui.app import TmtuiApp
from tmtui.ui.widgets.event_log import EventLog
from tmtui.ui.widgets.status_line import StatusLine

pytestmark = pytest.mark.timeout(30)


async def test_a_deleted_ledger_shows_on_the_screen(tmp_path: Path) -> None:
    base = Config()
    config = replace(
        base,
        feed=replace(base.feed, source="replay", poll_interval=0.1),
        listener=replace(base.listener, host="127.0.0.1", port=0, secret="s3cret-screen"),
        ui=replace(base.ui, refresh=0.2),
    )
    engine = await build_engine(config, ledger_path=tmp_path / "t.db", seed=1)
    app = TmtuiApp(config, engine=engine)
    async with app.run_test(size=(160, 45)) as pilot:
        await until(pilot, lambda: app.engine_started, "the engine to start")
        status = app.dashboard.query_one(StatusLine)
        assert "LEDGER:" not in status.shown.plain
        (tmp_path / "t.db").unlink()
        await until(pilot, lambda: "LEDGER:" in status.shown.plain, "the LEDGER badge")
        assert "was deleted while tmtui was running" in status.shown.plain
        log = app.dashboard.query_one(EventLog)
        await until(
            pilot,
            lambda: any("written back" in line.text for line in log.lines),
            "the log line saying where the ledger went",
        )
    assert (tmp_path / "t.db").exists()  # written back


async def test_the_screen_ends_with_one_line_when_the_ledger_is_unusable(tmp_path: Path) -> None:
    ledger = tmp_path / "ledger.db"
    ledger.write_bytes(b"not SQLite at all " * 100)
    config = desk_config()
    app = TmtuiApp(config, engine_factory=lambda: build_engine(config, ledger_path=ledger))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: not app.is_running, "the app to end")
    assert app.return_code == 1
    assert app.start_error is not None
    assert app.start_error.startswith(f"cannot open the ledger {ledger}: it is not a database")
