"""Pilot test of the Reconcile screen (`6`): a day's signals beside the broker, ←/→ by day.

The ledger holds two trading days of alerts imported as history and a NinjaTrader export of
the broker's fills, both recorded before the app starts (as `tmtui import` would, with tmtui
stopped). Every wait is a poll with a deadline.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from rich.table import Table
from textual.pilot import Pilot
from textual.widgets import Static

from tmtui.ledger.store import Ledger
from tmtui.readside.broker_import import read_broker_export, record_broker_export
from tmtui.readside.importer import ImportOptions, import_file
from tmtui.runtime.engine import Engine
from tmtui.runtime.factory import build_engine
from tmtui.settings.config import Config
from tmtui.ui.app import TmtuiApp
from tmtui.ui.screens.help import HelpScreen
from tmtui.ui.screens.reconcile import ReconcileScreen

pytestmark = pytest.mark.timeout(60)

NOW = datetime(2026, 12, 8, 20, 0, tzinfo=UTC)
"""Tuesday 14:00 in Chicago: trading day 2026-12-08."""
ALERTS = [
    {"action": "buy", "ticker": "NQ1!", "contracts": 1, "price": "20990.00", "strategy": "ORB",
     "time": "2026-12-07T15:30:00+00:00"},
    {"action": "close", "ticker": "NQ1!", "price": "20995.00", "strategy": "ORB",
     "time": "2026-12-07T16:30:00+00:00"},
    {"action": "buy", "ticker": "NQ1!", "contracts": 2, "price": "21000.00", "strategy": "ORB",
     "time": "2026-12-08T15:30:00+00:00"},
    {"action": "close", "ticker": "NQ1!", "price": "21010.00", "strategy": "ORB",
     "time": "2026-12-08T16:00:00+00:00"},
]  # fmt: skip
EXECUTIONS = """Instrument,Action,Quantity,Price,Time,ID,Order ID,Account
NQ 12-26,Buy,1,20990.25,2026-12-07T15:30:01+00:00,x0,o0,Sim101
NQ 12-26,Sell,1,20995.00,2026-12-07T16:30:01+00:00,x1,o1,Sim101
NQ 12-26,Buy,2,21000.50,2026-12-08T15:30:01.250+00:00,x2,o2,Sim101
NQ 12-26,Sell,1,21009.75,2026-12-08T16:00:02+00:00,x3,o3,Sim101
MES 12-26,Buy,1,6001.00,2026-12-08T18:00:00+00:00,x4,o4,Sim101
"""


async def until(pilot: Pilot[Any], condition: Callable[[], object], what: str) -> None:
    deadline = time.monotonic() + 10
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.02)


def config(tmp_path: Path) -> Config:
    base = Config()
    return replace(base, feed=replace(base.feed, source="replay"), ui=replace(base.ui, refresh=60))


async def build_ledger(path: Path, cfg: Config, tmp_path: Path) -> None:
    alerts = tmp_path / "alerts.jsonl"
    alerts.write_text("".join(json.dumps(a) + "\n" for a in ALERTS))
    export_file = tmp_path / "executions.csv"
    export_file.write_text(EXECUTIONS)
    export = read_broker_export(export_file, "ninjatrader", "America/Chicago")
    async with await Ledger.open(path) as ledger:
        await import_file(ledger, cfg, alerts, ImportOptions(), now=NOW)
        result = await record_broker_export(ledger, export, now=NOW)
    assert result.added == 5


@pytest.fixture
async def pilot(tmp_path: Path) -> AsyncIterator[Pilot[Any]]:
    cfg = config(tmp_path)
    path = tmp_path / "ledger.db"
    await build_ledger(path, cfg, tmp_path)

    def factory() -> Awaitable[Engine]:
        return build_engine(cfg, ledger_path=path, with_feed=False, with_listener=False,
                            clock=lambda: NOW, sample_interval=3600)  # fmt: skip

    app = TmtuiApp(cfg, engine_factory=factory)
    async with app.run_test(size=(160, 50)) as pilot:
        await until(pilot, lambda: app.engine_started, "the engine to start")
        yield pilot


async def showing(pilot: Pilot[Any], day: date, loads: int) -> ReconcileScreen:
    app = pilot.app

    def ready() -> bool:
        screen = app.screen
        return (
            isinstance(screen, ReconcileScreen)
            and screen.loads >= loads
            and screen.day == day
            and not any(w.group.startswith("history") for w in app.workers)
        )

    await until(pilot, ready, f"the Reconcile screen of {day}")
    assert isinstance(app.screen, ReconcileScreen)
    return app.screen


def text_of(screen: ReconcileScreen, part: str) -> str:
    """What a part of the screen shows, as plain text."""
    shown = screen.query_one(f"#reconcile-{part}", Static).content
    console = Console(width=200, record=True, color_system=None)
    console.print(shown)
    return console.export_text()


async def test_screen_6_shows_the_day_and_arrows_change_it(pilot: Pilot[Any]) -> None:
    await pilot.press("6")
    screen = await showing(pilot, date(2026, 12, 8), loads=1)
    result = screen.result
    assert result is not None
    assert [(o.signal.signal_id, o.state.value) for o in result.signals] == [
        (3, "matched"),
        (4, "partial"),
    ]
    assert isinstance(screen.query_one("#reconcile-signals", Static).content, Table)
    signals = text_of(screen, "signals")
    assert "21000.50" in signals and "+2.00" in signals and "+20.00" in signals  # ticks, $
    assert "1.250s" in signals and "partial" in signals
    assert "MESZ6" in text_of(screen, "extras")  # the hand-made trade
    positions = text_of(screen, "positions")
    assert "Sim101" in positions and "MES" in positions  # books 0, broker +1: drift +1
    assert "+1" in positions
    assert "ORB" in text_of(screen, "totals")
    assert not screen.query_one("#reconcile-note", Static).display  # fills are recorded

    await pilot.press("left")
    screen = await showing(pilot, date(2026, 12, 7), loads=2)
    assert screen.result is not None
    assert [(o.signal.signal_id, o.state.value) for o in screen.result.signals] == [
        (1, "matched"),
        (2, "matched"),
    ]
    assert "none" in text_of(screen, "extras")

    await pilot.press("left")  # Monday back to Friday: weekends roll into Monday
    screen = await showing(pilot, date(2026, 12, 4), loads=3)
    assert screen.result is not None and screen.result.signals == ()
    assert "no routed signal" in text_of(screen, "signals")

    await pilot.press("right", "right")
    await showing(pilot, date(2026, 12, 8), loads=5)
    await pilot.press("left", "t")
    await showing(pilot, date(2026, 12, 8), loads=7)


async def test_reconcile_keys_are_in_the_footer_and_the_help(pilot: Pilot[Any]) -> None:
    await pilot.press("6")
    screen = await showing(pilot, date(2026, 12, 8), loads=1)
    shown_keys = {b.binding.id for b in screen.active_bindings.values() if b.binding.show}
    assert {"show_reconcile", "reconcile_day_back", "reconcile_day_on"} <= shown_keys
    await pilot.press("question_mark")
    help_screen = pilot.app.screen
    assert isinstance(help_screen, HelpScreen)
    ids = {k.binding_id: k.keys for k in help_screen.keys}
    assert ids["show_reconcile"] == "6" and ids["reconcile_today"] == "t"
    assert "reconcile_day_back" in ids and "reconcile_day_on" in ids
    await pilot.press("escape")
    assert isinstance(pilot.app.screen, ReconcileScreen)
