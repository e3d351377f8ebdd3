"""Ledger trouble on the trading screen: a red LEDGER badge and an error line in the log."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from tmtui.runtime.factory import build_engine
from tmtui.settings.config import Config
from tmtui.ui.app import TmtuiApp
from tmtui.ui.widgets.event_log import EventLog
from tmtui.ui.widgets.status_line import StatusLine

pytestmark = pytest.mark.timeout(30)


async def until(pilot: Pilot[Any], condition: Any, what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await pilot.pause(0.02)


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
