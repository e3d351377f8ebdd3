"""The manual order form and the switch question at 80x24 and 120x40 (issue 21).

`b` with no row starts in Strategy; the mark's value and age are shown; an entry while
locked out is refused in the form (an exit passes); a price far from the mark asks again.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from helpers import until
from textual.pilot import Pilot
from textual.widgets import Input, Static
from ui_harness import desk_engine, has_row, send_alert, started

from tmtui.core.risk.risk_state import Lock
from tmtui.runtime.engine import Engine
from tmtui.services.feeds.base import Quote
from tmtui.ui.app import TmtuiApp
from tmtui.ui.screens.confirm import ConfirmScreen
from tmtui.ui.screens.order_form import OrderScreen

pytestmark = pytest.mark.timeout(30)
SIZES = [(80, 24), (120, 40)]


def text_of(screen: Any, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def order_form(app: TmtuiApp, pilot: Pilot[Any]) -> OrderScreen:
    await until(pilot, lambda: isinstance(app.screen, OrderScreen), "the order form")
    assert isinstance(app.screen, OrderScreen)
    return app.screen


def lock_out(engine: Engine) -> None:
    """A daily_loss_limit lock on the account for today, as the guard would set it."""
    day = engine.state.account.day
    engine.guard.figures.state.locks.append(
        Lock("daily_loss_limit", None, day, datetime.now(UTC), "day net -1,018.00 <= -1,000.00")
    )


@pytest.mark.parametrize("size", SIZES)
async def test_b_without_a_row_starts_in_strategy_and_shows_the_mark(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    engine = await desk_engine(tmp_path, feed=False)
    app = TmtuiApp(engine.config, engine=engine)
    async with app.run_test(size=size) as pilot:
        await started(pilot)
        engine.on_quote(Quote("CME_MINI:NQ1!", Decimal("25536"), received=engine.clock()))
        await pilot.press("b")
        form = await order_form(app, pilot)
        assert app.focused is form.query_one("#strategy", Input)
        await pilot.press(*"ORB", "tab", *"NQ1!", "tab")
        await until(pilot, lambda: "25536" in text_of(form, "#mark"), "the mark's value")
        assert "live (" in text_of(form, "#mark")
        await pilot.press("tab")
        form.query_one("#price", Input).value = "25480"
        await pilot.press("enter")
        error = text_of(form, "#order-error")
        assert "25480.00 is 56.00 (0.22%) from the mark 25536.00" in error, error
        assert app.screen is form and not engine.book.positions
        await pilot.press("enter")  # asked again: the second Enter uses it
        await until(pilot, lambda: has_row(app, "ORB|NQ"), "the ORB row")
    assert engine.book.positions[("ORB", "NQ")].avg_price == Decimal("25480")
    await engine.stop()


@pytest.mark.parametrize("size", SIZES)
async def test_an_entry_while_locked_out_is_refused_in_the_form(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    engine = await desk_engine(tmp_path, feed=False)
    app = TmtuiApp(engine.config, engine=engine)
    async with app.run_test(size=size) as pilot:
        await started(pilot)
        engine.on_quote(Quote("CME_MINI:NQ1!", Decimal("25601"), received=engine.clock()))
        lock_out(engine)
        await pilot.press("b")
        form = await order_form(app, pilot)
        await pilot.press(*"ORB", "tab", *"NQ1!", "tab")
        await until(
            pilot,
            lambda: "locked out by daily_loss_limit" in text_of(form, "#order-warning"),
            "warn",
        )
        await pilot.press("enter")
        assert "refused: locked out by daily_loss_limit" in text_of(form, "#order-error")
        assert app.screen is form
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is app.dashboard, "the dashboard")
    assert not engine.book.positions
    await engine.stop()


@pytest.mark.parametrize("size", SIZES)
async def test_the_flatten_dialog_says_typed_after_a_price_is_typed(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    engine = await desk_engine(tmp_path, feed=False)
    app = TmtuiApp(engine.config, engine=engine)
    async with app.run_test(size=size) as pilot:
        await started(pilot)
        await send_alert(engine, "sell", "MES1!", 2, "6800", "Trend")
        engine.on_quote(Quote("CME_MINI:MES1!", Decimal("6801"), received=engine.clock()))
        await until(pilot, lambda: has_row(app, "Trend|MES"), "the row")
        await pilot.press("F")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the dialog")
        dialog = app.screen
        assert isinstance(dialog, ConfirmScreen)
        source = dialog.rows[0].query_one(".source", Static)
        await until(pilot, lambda: "live (" in str(source.render()), "the live label")
        await pilot.press("tab", *"6790.25")
        await until(pilot, lambda: str(source.render()) == "typed", "the typed label")
        await pilot.pause(1.2)  # the marks' refresh must not relabel a typed price
        assert str(source.render()) == "typed"
        await pilot.press("escape")
    await engine.stop()
