"""Snapshot tests of the trading screen: empty, with several positions at 80x24 and
160x45 (a long strategy name, one never quoted, one quoted delayed), the close modal and
the webhook set-up.

Deterministic by construction: no feed and no listener (no random port, no random walk),
a fixed clock, quotes fed by hand, a relative ledger path, and event times frozen.
"""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from ui_harness import NOW, SIZE, FrozenDatetime, SnapCompare, quote, started

import tmtui.core.events
from tmtui.core.models import AlertFields, IncomingAlert
from tmtui.runtime.engine import Engine
from tmtui.runtime.factory import build_engine
from tmtui.services.feeds.base import Quote
from tmtui.settings.config import Config
from tmtui.ui.app import TmtuiApp

pytestmark = pytest.mark.timeout(30)


@pytest.fixture
def snap_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> TmtuiApp:
    monkeypatch.chdir(tmp_path)  # the status line shows the ledger path: keep it "snap.db"
    monkeypatch.setattr(tmtui.core.events, "datetime", FrozenDatetime)
    base = Config()
    config = replace(
        base, feed=replace(base.feed, source="replay"), ui=replace(base.ui, refresh=60.0)
    )

    def factory() -> Awaitable[Engine]:
        return build_engine(
            config,
            ledger_path=Path("snap.db"),
            with_feed=False,
            with_listener=False,
            clock=lambda: NOW,
            sample_interval=3600,
        )

    return TmtuiApp(config, engine_factory=factory)


async def buy(
    engine: Engine, action: str, ticker: str, qty: int, price: str, strategy: str, minutes_ago: int
) -> None:
    received = NOW - timedelta(minutes=minutes_ago, seconds=5)
    fields = AlertFields(action=action, ticker=ticker, qty=str(qty), price=price, strategy=strategy)
    await engine.submit_alert(IncomingAlert(fields, "{}", "snapshot-test", received))


async def several_positions(pilot: Pilot[Any]) -> None:
    """NQ and MES moving, a long-named CL, a delayed 6E, and YM never quoted."""
    engine = await started(pilot)
    await buy(engine, "buy", "NQ1!", 1, "25600", "ORB", 12)
    await buy(engine, "sell", "MES1!", 2, "6800", "Trend", 3)
    await buy(engine, "buy", "CL1!", 1, "70.40", "Very Long Strategy Name Alpha", 30)
    await buy(engine, "sell", "6E1!", 1, "1.16005", "Very Long Strategy Name Beta", 7)
    await buy(engine, "buy", "YM1!", 1, "47000", "mean revert", 1)
    path = [
        ("25590", "6801.25", "70.38"),
        ("25620.5", "6797", "70.52"),
        ("25575", "6803.5", "70.61"),
        ("25560.25", "6802", "70.55"),
        ("25605.25", "6799.5", "70.70"),
    ]
    for nq, mes, cl in path:
        quote(engine, "NQ", nq)
        quote(engine, "MES", mes)
        quote(engine, "CL", cl)
        await engine.flush()
    symbol = engine.book.contracts["6E"].tv_symbol
    engine.on_quote(
        Quote(symbol, Decimal("1.16065"), received=NOW, update_mode="delayed_streaming_900")
    )
    await engine.flush()
    assert isinstance(pilot.app, TmtuiApp)
    pilot.app.dashboard.refresh_view()
    await pilot.pause()
    await pilot.pause(0.3)  # the log re-wraps after the first layout


def test_empty_dashboard(snap_app: TmtuiApp, snap_compare: SnapCompare) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await started(pilot)
        await pilot.pause()

    assert snap_compare(snap_app, terminal_size=SIZE, run_before=run_before)


def test_dashboard_several_positions_160x45(snap_app: TmtuiApp, snap_compare: SnapCompare) -> None:
    assert snap_compare(snap_app, terminal_size=SIZE, run_before=several_positions)


def test_dashboard_several_positions_80x24(snap_app: TmtuiApp, snap_compare: SnapCompare) -> None:
    assert snap_compare(snap_app, terminal_size=(80, 24), run_before=several_positions)


def test_close_confirmation_modal(snap_app: TmtuiApp, snap_compare: SnapCompare) -> None:
    assert snap_compare(snap_app, terminal_size=SIZE, run_before=several_positions, press=["c"])


def test_webhook_setup_80x24(snap_app: TmtuiApp, snap_compare: SnapCompare) -> None:
    assert snap_compare(snap_app, terminal_size=(80, 24), run_before=several_positions, press=["w"])


async def feed_down_positions(pilot: Pilot[Any]) -> None:
    """NQ marked 95 s ago (STALE), MES never quoted: the flatten dialog must still work."""
    engine = await started(pilot)
    await buy(engine, "buy", "NQ1!", 1, "25600", "ORB", 12)
    await buy(engine, "sell", "MES1!", 2, "6800", "Trend", 3)
    symbol = engine.book.contracts["NQ"].tv_symbol
    engine.on_quote(Quote(symbol, Decimal("25590.25"), received=NOW - timedelta(seconds=95)))
    assert isinstance(pilot.app, TmtuiApp)
    pilot.app.dashboard.refresh_view()
    await pilot.pause()


def test_flatten_dialog_with_stale_and_missing_marks_80x24(
    snap_app: TmtuiApp, snap_compare: SnapCompare
) -> None:
    assert snap_compare(
        snap_app, terminal_size=(80, 24), run_before=feed_down_positions, press=["F"]
    )


def test_order_form_on_the_selected_row(snap_app: TmtuiApp, snap_compare: SnapCompare) -> None:
    assert snap_compare(snap_app, terminal_size=SIZE, run_before=several_positions, press=["b"])
