"""Issue 21 at 80x24 and 120x40: trade columns never clip a number, `q`/`?` stay in the
footer, Today's figures are the day's account view, the positions table drops a column at 60."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from history_data import config, history_app, import_backtest, send_live
from rich.text import Text
from textual.widgets._footer import FooterKey
from ui_harness import shown, started

from tmtui.ui.app import TmtuiApp
from tmtui.ui.screens.pnl_chart import PnlChartScreen
from tmtui.ui.screens.trades import TradesScreen
from tmtui.ui.widgets.desk_footer import DeskFooter
from tmtui.ui.widgets.history_cells import TRADE_COLUMNS, column_widths, fit_columns
from tmtui.ui.widgets.position_columns import COLUMNS, content_widths
from tmtui.ui.widgets.position_columns import fit_columns as fit_positions

pytestmark = pytest.mark.timeout(60)
SIZES = [(80, 24), (120, 40)]


@pytest.fixture
def app(tmp_path: Path) -> TmtuiApp:
    cfg = config()
    path = tmp_path / "history.db"
    asyncio.run(import_backtest(path, cfg))
    return history_app(cfg, path)


def _plain(cell: str | Text) -> str:
    return cell.plain if isinstance(cell, Text) else cell


def _footer_keys_fit(app: TmtuiApp, width: int) -> set[str]:
    """The keys whose footer entry lies wholly inside the window."""
    footer = app.screen.query_one(DeskFooter)
    keys = footer.query(FooterKey)
    return {k.key for k in keys if k.region.width and k.region.right <= width}


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
async def test_trade_columns_fit_whole_and_say_what_is_left_out(
    app: TmtuiApp, size: tuple[int, int]
) -> None:
    async with app.run_test(size=size) as pilot:
        await send_live(await started(pilot))
        await pilot.press("2")
        screen = await shown(pilot, TradesScreen)
        await pilot.pause()
        table = screen.table
        keys = [str(c.key.value) for c in table.columns.values()]
        assert "net" in keys and "exit" in keys and "entry" in keys
        used = sum(c.get_render_width(table) for c in table.columns.values())
        assert used <= table.size.width  # no column runs off the window
        for key, column in table.columns.items():  # every cell whole in its column
            widest = max(len(_plain(r[str(key.value)])) for r in screen.rows.values())
            assert column.width >= widest
        hidden = len(TRADE_COLUMNS) - len(keys)
        title = str(table.border_title or "")
        assert (f"+{hidden} cols" in title) if hidden else title == ""
        assert {"q", "question_mark"} <= _footer_keys_fit(app, size[0])


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
async def test_dashboard_footer_keeps_quit_and_help(app: TmtuiApp, size: tuple[int, int]) -> None:
    async with app.run_test(size=size) as pilot:
        await started(pilot)
        await pilot.pause()
        assert {"q", "question_mark"} <= _footer_keys_fit(app, size[0])


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
async def test_today_figures_are_the_days_account_view(
    app: TmtuiApp, size: tuple[int, int]
) -> None:
    async with app.run_test(size=size) as pilot:
        engine = await started(pilot)
        await send_live(engine)
        await pilot.press("5")
        screen = await shown(pilot, PnlChartScreen)
        await pilot.press("t")
        await pilot.pause()
        await app.workers.wait_for_complete()
        report = await engine.queries().day_report()
        account = screen.today_account
        assert account is not None
        assert (account.max_drawdown, account.min_mtm) == (report.max_drawdown, report.min_mtm)
        figures = dict(screen._range_figures(screen.points))
        assert figures["Max DD"] == report.max_drawdown
        assert figures["Low"] == report.min_mtm


def test_trade_columns_drop_by_priority_never_cut() -> None:
    rows: list[Any] = []
    widths = column_widths(rows)
    narrow = [c.key for c in fit_columns(widths, 76)]
    assert {"day", "symbol", "side", "qty", "net", "entry", "exit"} <= set(narrow)
    assert sum(widths[k] + 2 for k in narrow) <= 76
    assert len(fit_columns(widths, 400)) == len(TRADE_COLUMNS)


def test_positions_at_60_columns_drop_a_column_rather_than_cut_open_pnl() -> None:
    widths = content_widths([{"open_pnl": "+105.00", "avg": "25598.25", "last": "25603.50"}])
    widths["strategy"] = 3
    layout = fit_positions(56, widths)
    assert "open_pnl" in layout.keys and layout.width_of("open_pnl") >= len("+105.00")
    assert "last" not in layout.keys
    shown_width = sum(w + 2 for _, w in layout.widths)
    assert shown_width <= 56
    assert len(layout.keys) < len([c for c in COLUMNS if not c.optional])
