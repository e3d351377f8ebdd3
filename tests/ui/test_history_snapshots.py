"""Snapshots of the four history screens on the multi-month history, at 160x45 and 80x24.

Deterministic: no feed, no listener, the clock fixed at NOW, the history written the same
way each time (tests/history_data.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from history_data import config, history_app, import_backtest, send_live
from textual.pilot import Pilot
from ui_harness import shown, started

from tmtui.ui.app import TmtuiApp
from tmtui.ui.screens.history_screen import HistoryScreen
from tmtui.ui.screens.pnl_calendar import PnlCalendarScreen
from tmtui.ui.screens.pnl_chart import PnlChartScreen
from tmtui.ui.screens.strategy_board import StrategyBoardScreen
from tmtui.ui.screens.trades import TradesScreen

pytestmark = pytest.mark.timeout(60)

BIG, SMALL = (160, 45), (80, 24)
SnapCompare = Callable[..., bool]


@pytest.fixture
def app(tmp_path: Path) -> TmtuiApp:
    cfg = config()
    path = tmp_path / "history.db"
    asyncio.run(import_backtest(path, cfg))
    return history_app(cfg, path)


def open_screen(key: str, kind: type[HistoryScreen]) -> Callable[[Pilot[Any]], Awaitable[None]]:
    """Send the live month, press `key`, wait for the screen's data."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await send_live(await started(pilot))
        await pilot.press(key)
        await shown(pilot, kind)
        await pilot.pause()

    return run_before


@pytest.mark.parametrize("size", [BIG, SMALL], ids=["160x45", "80x24"])
def test_trades_screen(app: TmtuiApp, snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    assert snap_compare(app, terminal_size=size, run_before=open_screen("2", TradesScreen))


def test_strategies_screen(app: TmtuiApp, snap_compare: SnapCompare) -> None:
    assert snap_compare(app, terminal_size=BIG, run_before=open_screen("3", StrategyBoardScreen))


@pytest.mark.parametrize("size", [BIG, SMALL], ids=["160x45", "80x24"])
def test_calendar_screen(app: TmtuiApp, snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    assert snap_compare(app, terminal_size=size, run_before=open_screen("4", PnlCalendarScreen))


@pytest.mark.parametrize("size", [BIG, SMALL], ids=["160x45", "80x24"])
def test_chart_screen(app: TmtuiApp, snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    assert snap_compare(app, terminal_size=size, run_before=open_screen("5", PnlChartScreen))
