"""Pilot tests of the desk's trust features, pressing real keys against a real engine.

Close with a stale mark (the warning), with no mark (a typed price becomes the exit
price), Tab to type another price, flatten with the feed down, `b` / `s` manual orders,
`q` asking first, and the screen side of "unknown is not zero".
"""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from helpers import until
from textual.pilot import Pilot
from textual.widgets import Input, Static
from ui_harness import (
    SIZE,
    cell,
    desk_config,
    desk_engine,
    has_row,
    log_text,
    send_alert,
    started,
    status_text,
    table,
)

from tmtui.runtime.engine import Engine
from tmtui.services.feeds.base import FeedState, FeedStatus, Quote
from tmtui.ui.app import TmtuiApp
from tmtui.ui.screens.confirm import ConfirmScreen
from tmtui.ui.screens.order_form import OrderScreen
from tmtui.ui.screens.quit_confirm import QuitScreen
from tmtui.ui.widgets.secret_banner import SecretBanner
from tmtui.ui.widgets.totals_bar import TotalsBar

pytestmark = pytest.mark.timeout(30)


def manual_signals(engine: Engine) -> list[dict[str, Any]]:
    """The manual rows of the signals table, raw decoded, read beside the running engine."""
    db = sqlite3.connect(engine.ledger.path)
    try:
        rows = db.execute(
            "SELECT action, price, raw FROM signals WHERE source = 'manual' ORDER BY id"
        ).fetchall()
    finally:
        db.close()
    return [{"action": a, "price": p, **json.loads(raw)} for a, p, raw in rows]


def text_of(screen: Any, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def close_dialog(app: TmtuiApp, pilot: Pilot[Any]) -> ConfirmScreen:
    await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the close dialog")
    assert isinstance(app.screen, ConfirmScreen)
    return app.screen


async def order_form(app: TmtuiApp, pilot: Pilot[Any]) -> OrderScreen:
    await until(pilot, lambda: isinstance(app.screen, OrderScreen), "the order form")
    assert isinstance(app.screen, OrderScreen)
    return app.screen


async def unfed_app(tmp_path: Path) -> tuple[Engine, TmtuiApp]:
    """No feed at all: marks come only from quotes the test hands the engine."""
    engine = await desk_engine(tmp_path, feed=False)
    return engine, TmtuiApp(engine.config, engine=engine)


async def test_close_with_a_stale_mark_shows_the_warning(tmp_path: Path) -> None:
    engine, app = await unfed_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await send_alert(engine, "buy", "NQ1!", 1, "25600", "ORB")
        old = engine.clock() - timedelta(seconds=95)
        engine.on_quote(Quote("CME_MINI:NQ1!", Decimal("25610.5"), received=old))
        await until(pilot, lambda: cell(app, "ORB|NQ", "stale") == "STALE", "the STALE cell")
        await pilot.press("c")
        dialog = await close_dialog(app, pilot)
        row = dialog.rows[0]
        assert "STALE (1m3" in str(row.query_one(".source", Static).render())
        assert "the mark is STALE" in text_of(dialog, "#warnings")
        assert row.field.value == "25610.50"  # the tick's decimals
        assert app.focused is None  # y acts at once
        await pilot.press("y")
        await until(pilot, lambda: not has_row(app, "ORB|NQ"), "the row to go")
        trades = await engine.ledger.trades()
        assert [t.exit_price for t in trades] == [Decimal("25610.5")]
    [close] = manual_signals(engine)
    shown = (close["action"], close["price"], close["price_source"])
    assert shown == ("close", "25610.50", "stale")
    await engine.stop()


async def test_close_with_no_mark_takes_the_typed_price(tmp_path: Path) -> None:
    engine, app = await unfed_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await send_alert(engine, "buy", "NQ1!", 1, "25600", "ORB")
        await until(pilot, lambda: has_row(app, "ORB|NQ"), "the row")
        assert cell(app, "ORB|NQ", "stale") == "waiting"  # before its first quote: not STALE
        assert cell(app, "ORB|NQ", "open_pnl") == "—"
        await pilot.press("c")
        dialog = await close_dialog(app, pilot)
        row = dialog.rows[0]
        assert str(row.query_one(".source", Static).render()) == "none"
        assert app.focused is row.field and row.field.value == ""
        await pilot.press("enter")  # nothing typed: refused, the dialog stays
        assert "type a price for NQ" in text_of(dialog, "#error")
        assert app.screen is dialog
        await pilot.press(*"25,612.75")
        await until(pilot, lambda: "+255.00" in str(row.query_one(".pnl", Static).render()), "P&L")
        await pilot.press("enter")
        await until(pilot, lambda: not has_row(app, "ORB|NQ"), "the row to go")
        await until(pilot, lambda: "(price typed)" in log_text(app), "the close line")
        [trade] = await engine.ledger.trades()
        assert trade.exit_price == Decimal("25612.75") and trade.gross == Decimal("255.00")
    [close] = manual_signals(engine)
    assert close["price_source"] == "typed" and close["price"] == "25612.75"
    await engine.stop()


async def test_tab_reaches_the_price_field_to_type_another_price(engine: Engine) -> None:
    app = TmtuiApp(engine.config, engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await send_alert(engine, "sell", "MES1!", 2, "6800", "Trend")
        await until(pilot, lambda: cell(app, "Trend|MES", "last") != "—", "a live mark")
        await pilot.press("c")
        dialog = await close_dialog(app, pilot)
        assert "live (" in str(dialog.rows[0].query_one(".source", Static).render())
        await pilot.press("tab")
        assert app.focused is dialog.rows[0].field
        await pilot.press(*"6790.25")  # the prefilled mark is selected: typing replaces it
        await pilot.press("enter")
        await until(pilot, lambda: not has_row(app, "Trend|MES"), "the row to go")
        [trade] = await engine.ledger.trades()
        assert trade.exit_price == Decimal("6790.25")
    assert manual_signals(engine)[0]["price_source"] == "typed"


async def test_a_typed_close_price_far_from_the_mark_is_asked_again(engine: Engine) -> None:
    """A typo such as 6500 for 6800 would book a loss at the next mark: the first Enter
    names both prices and keeps the dialog; the same price confirmed again closes."""
    app = TmtuiApp(engine.config, engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await send_alert(engine, "sell", "MES1!", 2, "6800", "Trend")
        await until(pilot, lambda: cell(app, "Trend|MES", "last") != "—", "a live mark")
        await pilot.press("c")
        dialog = await close_dialog(app, pilot)
        await pilot.press("tab", *"6500", "enter")
        question = text_of(dialog, "#error")
        assert "6500" in question and "from the mark" in question and "again" in question
        assert has_row(app, "Trend|MES")  # nothing closed yet
        await pilot.press("enter")
        await until(pilot, lambda: not has_row(app, "Trend|MES"), "the row to go")
        [trade] = await engine.ledger.trades()
        assert trade.exit_price == Decimal("6500")


async def test_flatten_with_the_feed_down_since_start_has_no_dead_end(tmp_path: Path) -> None:
    engine, app = await unfed_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await send_alert(engine, "buy", "NQ1!", 1, "25600", "ORB")
        await send_alert(engine, "sell", "MES1!", 2, "6800", "Trend")
        await until(pilot, lambda: table(app).row_count == 2, "both rows")
        await pilot.press("F")
        dialog = await close_dialog(app, pilot)
        first, second = dialog.rows
        assert app.focused is first.field
        await pilot.press(*"25590", "enter")
        assert "type a price for MES" in text_of(dialog, "#error")
        assert app.focused is second.field
        await pilot.press(*"6801.5", "enter")
        await until(pilot, lambda: table(app).row_count == 0, "every row to go")
        exits = {t.root: t.exit_price for t in await engine.ledger.trades()}
    assert exits == {"NQ": Decimal("25590"), "MES": Decimal("6801.5")}
    await engine.stop()


async def test_a_price_typed_once_fills_the_same_symbols_unpriced_rows(tmp_path: Path) -> None:
    engine, app = await unfed_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        for strategy in ("A", "B", "C"):
            await send_alert(engine, "sell", "ES1!", 1, "6800", strategy)
        await send_alert(engine, "buy", "CL1!", 1, "70.50", "Oil")
        await until(pilot, lambda: table(app).row_count == 4, "four rows")
        await pilot.press("F")
        dialog = await close_dialog(app, pilot)
        es = [r for r in dialog.rows if r.key[1] == "ES"]
        assert app.focused is es[0].field
        await pilot.press(*"6795")
        await until(pilot, lambda: all(r.field.value == "6795" for r in es), "the ES copies")
        assert "ES" not in text_of(dialog, "#warnings")  # CL still has no price
        assert "CL: no price from the feed" in text_of(dialog, "#warnings")
        await pilot.press("tab", *"6796")  # B's own price; C, still a copy, follows it
        await until(pilot, lambda: es[2].field.value == "6796", "C to follow the last typed")
        assert es[0].field.value == "6795"
        await pilot.press("enter")
        assert "type a price for CL" in text_of(dialog, "#error")
        await pilot.press(*"70.25", "enter")
        await until(pilot, lambda: table(app).row_count == 0, "every row to go")
        exits = {t.strategy: t.exit_price for t in await engine.ledger.trades()}
    assert exits == {
        "A": Decimal("6795"),
        "B": Decimal("6796"),
        "C": Decimal("6796"),
        "Oil": Decimal("70.25"),
    }
    await engine.stop()


async def test_b_opens_and_applies_a_manual_position(tmp_path: Path) -> None:
    engine, app = await unfed_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await pilot.press("b")
        form = await order_form(app, pilot)
        assert form.query_one("#strategy", Input).value == "manual"
        assert app.focused is form.query_one("#strategy", Input)  # no row: starts here
        await pilot.press("tab", *"NQ1!", "tab", "2", "tab")
        assert app.focused is form.query_one("#price", Input)
        assert form.query_one("#price", Input).value == ""  # no quote: nothing to prefill
        await pilot.press(*"25600.25")
        await until(pilot, lambda: "goes from flat to long 2" in text_of(form, "#summary"), "sum")
        await pilot.press("enter")
        await until(pilot, lambda: has_row(app, "manual|NQ"), "the manual row")
        assert cell(app, "manual|NQ", "side") == "long" and cell(app, "manual|NQ", "qty") == "2"
        await until(pilot, lambda: "buy 2 NQ @ 25600.25" in log_text(app), "the log line")
    assert engine.book.positions[("manual", "NQ")].avg_price == Decimal("25600.25")
    [order] = manual_signals(engine)
    assert (order["action"], order["qty"], order["price_source"]) == ("buy", 2, "typed")
    await engine.stop()


async def test_s_sells_the_selected_row_at_its_mark(tmp_path: Path) -> None:
    engine, app = await unfed_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await send_alert(engine, "buy", "ES1!", 3, "6800", "Trend")
        engine.on_quote(Quote("CME_MINI:ES1!", Decimal("6805.25"), received=engine.clock()))
        await until(pilot, lambda: cell(app, "Trend|ES", "last") == "6805.25", "the mark")
        await pilot.press("s")
        form = await order_form(app, pilot)
        assert form.query_one("#strategy", Input).value == "Trend"
        assert form.query_one("#symbol", Input).value == "ES"
        assert form.query_one("#price", Input).value == "6805.25"
        assert "mark 6805.25 live (" in text_of(form, "#mark")
        assert app.focused is form.query_one("#qty", Input)
        await pilot.press("enter")
        await until(pilot, lambda: cell(app, "Trend|ES", "qty") == "2", "the reduced row")
        await pilot.press("s")
        form = await order_form(app, pilot)
        await pilot.press("escape")  # cancel: nothing happens
        await until(pilot, lambda: app.screen is app.dashboard, "the dashboard")
    [order] = manual_signals(engine)
    assert (order["action"], order["price"], order["price_source"]) == ("sell", "6805.25", "live")
    assert engine.book.positions[("Trend", "ES")].qty == 2
    await engine.stop()


async def test_order_form_refuses_an_unknown_symbol(tmp_path: Path) -> None:
    engine, app = await unfed_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await pilot.press("b")
        form = await order_form(app, pilot)
        await pilot.press(*"ZZZ1!", "tab", "tab", *"10", "enter")
        assert "ZZZ" in text_of(form, "#order-error")
        assert app.screen is form
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is app.dashboard, "the dashboard")
    assert not engine.book.positions
    await engine.stop()


async def test_q_with_open_positions_asks_first(tmp_path: Path) -> None:
    engine, app = await unfed_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await send_alert(engine, "buy", "NQ1!", 1, "25600", "ORB")
        await until(pilot, lambda: has_row(app, "ORB|NQ"), "the row")
        await pilot.press("q")
        await until(pilot, lambda: isinstance(app.screen, QuitScreen), "the quit dialog")
        question = text_of(app.screen, "#quit-question")
        assert "1 position is open" in question
        assert "Alerts will not be received while tmtui is stopped" in question
        await pilot.press("n")
        await until(pilot, lambda: app.screen is app.dashboard, "the dashboard")
        assert app.is_running
        await pilot.press("q")
        await until(pilot, lambda: isinstance(app.screen, QuitScreen), "the quit dialog again")
        await pilot.press("y")
        await until(pilot, lambda: not app.is_running, "the app to stop")


async def test_q_with_nothing_open_and_no_recent_alert_quits_at_once(tmp_path: Path) -> None:
    _engine, app = await unfed_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await pilot.press("q")
        await until(pilot, lambda: not app.is_running, "the app to stop")


async def test_unmarked_totals_missing_secret_and_rejected_count(tmp_path: Path) -> None:
    config = desk_config()
    engine = await desk_engine(tmp_path, config, feed=False)
    app = TmtuiApp(config, engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        assert not app.dashboard.query(SecretBanner)  # the test config has a secret
        await send_alert(engine, "buy", "NQ1!", 1, "25600", "ORB")
        totals = app.dashboard.query_one(TotalsBar)
        await until(
            pilot,
            lambda: (
                re.search(r"Open P&L +—", str(totals.render()))
                and "1 unmarked" in str(totals.render())
            ),
            "totals",
        )
        assert re.search(r"Total +—", str(totals.render()))
        assert "Rejected 0 · Errors 0" in status_text(app)
        assert engine.listener is not None
        from tmtui.services.signal_client import post_signal

        status, _ = await post_signal(engine.listener.webhook_url, {"action": "buy"})
        assert status == 401
        await until(pilot, lambda: "Rejected 1 · Errors 0" in status_text(app), "the count")
        engine.on_quote(Quote("CME_MINI:NQ1!", Decimal("25601"), received=engine.clock()))
        await until(
            pilot, lambda: re.search(r"Open P&L +\+20\.00", str(totals.render())), "the known P&L"
        )
    await engine.stop()


async def test_no_secret_warning_stays_on_the_dashboard(tmp_path: Path) -> None:
    config = desk_config()
    from dataclasses import replace

    config = replace(config, listener=replace(config.listener, secret=""))
    engine = await desk_engine(tmp_path, config, feed=False)
    app = TmtuiApp(config, engine=engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        banner = app.dashboard.query_one(SecretBanner)
        assert "No [listener] secret: tunnel alerts are refused" in str(banner.render())
        await until(pilot, lambda: "NO SECRET" in status_text(app), "the status badge")
    await engine.stop()


async def test_feed_flapping_collapses_to_one_log_line(tmp_path: Path) -> None:
    engine, app = await unfed_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await send_alert(engine, "buy", "NQ1!", 1, "25600", "ORB")
        await until(pilot, lambda: "→ long 1" in log_text(app), "the alert line")
        for n in range(6):
            state = FeedState.CONNECTING if n % 2 == 0 else FeedState.DOWN
            engine.on_feed_status(FeedStatus(state, f"try {n}"))
        await until(pilot, lambda: "×6 since" in log_text(app), "the collapsed line")
        lines = log_text(app).splitlines()
        assert sum("feed " in line for line in lines) == 1
        assert "feed down (try 5)" in lines[-1]
        assert "→ long 1" in lines[-2]  # the alert stays in view


async def test_notifications_show_bracketed_text_literally(tmp_path: Path) -> None:
    engine, app = await unfed_app(tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await started(pilot)
        app.dashboard.log_action_error("close", ValueError("set [listener] secret first"))
        await pilot.pause()
        messages = [n.message for n in app._notifications]
        assert any("set [listener] secret first" in m for m in messages)
        assert all(not n.markup for n in app._notifications)
        await until(
            pilot,
            lambda: "close: set [listener] secret first" in log_text(app),
            "the literal log line",
        )
    await engine.stop()
