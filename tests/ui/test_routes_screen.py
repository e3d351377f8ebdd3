"""Pilot tests of routes on the screen: the close / flatten / order dialogs say where the order
goes (`→ TradersPost (tp)` or `books only (paper)`), a routed position is marked on its row,
a rejected order raises the banner and a loud log line, and the orders view (`o`) resends or
dismisses it. A real engine, a local fake TradersPost; every wait has a deadline."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from fakes.fake_bridges import FakeBridge
from helpers import until
from textual.pilot import Pilot
from textual.widgets import DataTable, Static
from ui_harness import SIZE, cell, desk_config, desk_engine, log_text, send_alert, started

from tmtui.core.orders.states import OrderState
from tmtui.runtime.engine import Engine
from tmtui.settings.routes import routing_from_config
from tmtui.ui.app import TmtuiApp
from tmtui.ui.screens.confirm import ConfirmScreen
from tmtui.ui.screens.order_form import OrderScreen
from tmtui.ui.screens.orders_view import OrdersScreen
from tmtui.ui.widgets.orders_banner import OrdersBanner

pytestmark = pytest.mark.timeout(40)


@pytest.fixture
async def bridge() -> AsyncIterator[FakeBridge]:
    async with FakeBridge("traderspost") as fake:
        yield fake


async def routed_app(tmp_path: Path, bridge: FakeBridge) -> tuple[Engine, TmtuiApp]:
    """ORB → TradersPost (tp); every other strategy on paper."""
    routing = routing_from_config(
        {
            "routing": {"strategies": {"ORB": "tp"}},
            "routes": {"tp": {"kind": "traderspost", "url": bridge.url}},
        }
    )
    config = replace(desk_config(), routing=routing)
    engine = await desk_engine(tmp_path, config, feed=False)
    return engine, TmtuiApp(engine.config, engine=engine)


async def closed(pilot: Pilot[Any], app: TmtuiApp) -> None:
    await pilot.press("escape")  # no mark: the price field has the focus
    await until(pilot, lambda: not isinstance(app.screen, ConfirmScreen), "the dialog closed")


def text(screen: Any, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def on_screen(pilot: Pilot[Any], app: TmtuiApp, kind: type) -> Any:
    await until(pilot, lambda: isinstance(app.screen, kind), kind.__name__)
    return app.screen


async def test_close_and_flatten_dialogs_say_where_the_order_goes(
    tmp_path: Path, bridge: FakeBridge
) -> None:
    engine, app = await routed_app(tmp_path, bridge)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await send_alert(engine, "buy", "NQ1!", 1, "25600", "ORB")
        await send_alert(engine, "buy", "ES1!", 1, "6800", "Paper")
        await until(pilot, lambda: cell(app, "ORB|NQ", "symbol") == "NQ →tp", "the routed mark")
        assert cell(app, "Paper|ES", "symbol") == "ES"  # books only: no mark
        await pilot.press("c")  # the cursor starts on the first row: ORB
        dialog = await on_screen(pilot, app, ConfirmScreen)
        assert text(dialog, "#destination") == "close: → TradersPost (tp)"
        await closed(pilot, app)
        await pilot.press("j", "c")
        dialog = await on_screen(pilot, app, ConfirmScreen)
        assert text(dialog, "#destination") == "close: books only (paper)"
        await closed(pilot, app)
        await pilot.press("F")
        dialog = await on_screen(pilot, app, ConfirmScreen)
        lines = text(dialog, "#destination").splitlines()
        assert lines == ["ORB: → TradersPost (tp)", "Paper: books only (paper)"]
        await closed(pilot, app)
    await engine.stop()


async def test_the_order_form_says_where_the_order_goes_as_the_strategy_is_typed(
    tmp_path: Path, bridge: FakeBridge
) -> None:
    engine, app = await routed_app(tmp_path, bridge)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await pilot.press("b")
        form = await on_screen(pilot, app, OrderScreen)
        strategy = form.query_one("#strategy")
        strategy.value = "ORB"
        await until(
            pilot, lambda: text(form, "#destination") == "order: → TradersPost (tp)", "routed"
        )
        strategy.value = "Swing"
        await until(
            pilot, lambda: text(form, "#destination") == "order: books only (paper)", "paper"
        )
        await pilot.press("escape")
    await engine.stop()


async def test_a_rejected_order_raises_the_banner_and_the_orders_view_resends_it(
    tmp_path: Path, bridge: FakeBridge
) -> None:
    bridge.mode = "reject"
    engine, app = await routed_app(tmp_path, bridge)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await send_alert(engine, "buy", "NQ1!", 1, "25600", "ORB")
        banner = app.screen.query_one(OrdersBanner)
        await until(pilot, lambda: banner.display, "the orders banner", timeout=10)
        assert "1 rejected" in str(banner.render()) and "press o" in str(banner.render())
        assert "does not exist" in log_text(app)
        assert cell(app, "ORB|NQ", "symbol") == "NQ →tp≠0"  # the bridge holds nothing
        bridge.mode = "ok"
        await pilot.press("o")
        view = await on_screen(pilot, app, OrdersScreen)
        table = view.query_one(DataTable)
        await until(pilot, lambda: table.row_count == 1, "the order listed")
        await pilot.press("r")
        await until(
            pilot,
            lambda: [o.state for o in view.shown] == [OrderState.ACCEPTED],
            "the resent order accepted",
            timeout=10,
        )
        assert len(bridge.received) == 2
        await pilot.press("escape")
        await until(pilot, lambda: not banner.display, "the banner gone")
        await until(pilot, lambda: cell(app, "ORB|NQ", "symbol") == "NQ →tp", "no more drift")
    await engine.stop()


async def test_dismissing_an_order_lowers_the_banner(tmp_path: Path, bridge: FakeBridge) -> None:
    bridge.mode = "reject"
    engine, app = await routed_app(tmp_path, bridge)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await send_alert(engine, "buy", "NQ1!", 1, "25600", "ORB")
        banner = app.screen.query_one(OrdersBanner)
        await until(pilot, lambda: banner.display, "the orders banner", timeout=10)
        await pilot.press("o")
        view = await on_screen(pilot, app, OrdersScreen)
        await until(pilot, lambda: len(view.shown) == 1, "the order listed")
        await pilot.press("d")
        await until(pilot, lambda: view.shown and view.shown[0].dismissed, "dismissed")
        await pilot.press("o")  # `o` closes the view too
        await until(pilot, lambda: not banner.display, "the banner gone")
        assert len(bridge.received) == 1
    await engine.stop()


async def test_an_empty_orders_view_says_paper_sends_nothing(tmp_path: Path) -> None:
    """With every strategy on paper the view is empty, and says why instead of a bare table."""
    engine = await desk_engine(tmp_path, desk_config(), feed=False)
    app = TmtuiApp(engine.config, engine=engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        await pilot.press("o")
        view = await on_screen(pilot, app, OrdersScreen)
        note = view.query_one("#orders-note", Static)
        await until(pilot, lambda: "No orders yet" in str(note.render()), "the note")
        assert "paper" in str(note.render())
    await engine.stop()
