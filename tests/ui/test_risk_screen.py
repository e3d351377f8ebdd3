"""The risk guard on the trading screen: the panel, the lockout banner, the drift marker.

The screen only draws what the engine measured (the rules act in the engine, see
test_risk_engine and test_risk_headless). Deterministic like test_snapshots: no feed, no
listener, a fixed clock, quotes by hand.
"""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from helpers import until
from textual.pilot import Pilot
from ui_harness import NOW, SIZE, FrozenDatetime, SnapCompare, quote, started

import tmtui.core.events
from tmtui.core.models import AlertFields, IncomingAlert
from tmtui.core.risk.risk_limits import RiskLimits
from tmtui.runtime.engine import Engine
from tmtui.runtime.factory import build_engine
from tmtui.settings.config import Config
from tmtui.ui.app import TmtuiApp
from tmtui.ui.widgets.positions_table import PositionsTable
from tmtui.ui.widgets.risk_panel import RiskPanel

pytestmark = pytest.mark.timeout(30)

RISK = RiskLimits(daily_loss_limit=Decimal(500), max_position={"NQ": 1})


@pytest.fixture
def risk_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> TmtuiApp:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(tmtui.core.events, "datetime", FrozenDatetime)
    base = Config()
    config = replace(
        base,
        feed=replace(base.feed, source="replay"),
        ui=replace(base.ui, refresh=60.0),
        risk=RISK,
    )

    def factory() -> Awaitable[Engine]:
        return build_engine(
            config,
            ledger_path=Path("risk.db"),
            with_feed=False,
            with_listener=False,
            clock=lambda: NOW,
            sample_interval=3600,
        )

    return TmtuiApp(config, engine_factory=factory)


async def trimmed_position(pilot: Pilot[Any]) -> Engine:
    """Buy 2 NQ with max_position 1: held 1, the strategy means 2 (drift); then a loss."""
    engine = await started(pilot)
    fields = AlertFields("buy", "NQ1!", "2", "25600", "ORB", position_size="2")
    await engine.submit_alert(IncomingAlert(fields, "{}", "screen-test", NOW))
    quote(engine, "NQ", "25590")
    await engine.flush()
    assert isinstance(pilot.app, TmtuiApp)
    pilot.app.dashboard.refresh_view()
    await pilot.pause()
    return engine


def panel_text(app: TmtuiApp) -> str:
    return str(app.dashboard.query_one(RiskPanel).render())


async def test_panel_shows_distance_breach_price_and_drift(risk_app: TmtuiApp) -> None:
    async with risk_app.run_test(size=SIZE) as pilot:
        engine = await trimmed_position(pilot)
        panel = risk_app.dashboard.query_one(RiskPanel)
        assert panel.display
        text = panel_text(risk_app)
        assert "daily_loss_limit account  -200.00 / -500.00  +300.00 left" in text
        assert "breach ORB NQ @ 25575.00" in text
        assert "max_position account NQ  1 / 1  0 contracts left" in text
        table = risk_app.dashboard.query_one(PositionsTable)
        assert table.get_cell("ORB|NQ", "symbol").plain == "NQ ≠2"
        # The breach: the engine closes and locks; the screen shows the banner.
        quote(engine, "NQ", "25575")
        await engine.flush()
        await until(pilot, lambda: not engine.book.positions, "the risk exit to close it all")
        risk_app.dashboard.refresh_view()
        await pilot.pause()
        assert "LOCKED OUT by daily_loss_limit (account)" in panel_text(risk_app)


async def test_panel_hidden_without_risk_rules(tmp_path: Path) -> None:
    base = Config()
    config = replace(
        base, feed=replace(base.feed, source="replay"), ui=replace(base.ui, refresh=60)
    )

    def factory() -> Awaitable[Engine]:
        return build_engine(
            config,
            ledger_path=tmp_path / "none.db",
            with_feed=False,
            with_listener=False,
            sample_interval=3600,
        )

    app = TmtuiApp(config, engine_factory=factory)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        app.dashboard.refresh_view()
        await pilot.pause()
        assert not app.dashboard.query_one(RiskPanel).display


def test_dashboard_with_risk_panel(risk_app: TmtuiApp, snap_compare: SnapCompare) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await trimmed_position(pilot)

    assert snap_compare(risk_app, terminal_size=SIZE, run_before=run_before)
