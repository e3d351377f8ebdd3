"""Pilot tests of the trading screen against a real engine, listener and replay feed.

Alerts go over loopback HTTP to the running listener; keys are real key presses. Every
wait is a poll with a deadline, never a fixed sleep.
"""

from __future__ import annotations

import itertools
import socket
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from helpers import until
from textual.pilot import Pilot
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
from tmtui.ui.app import TmtuiApp
from tmtui.ui.screens.confirm import ConfirmScreen
from tmtui.ui.screens.help import HelpScreen
from tmtui.ui.screens.quit_confirm import QuitScreen
from tmtui.ui.screens.strategies import StrategiesScreen
from tmtui.ui.screens.strategy_switch import SwitchScreen
from tmtui.ui.widgets.pnl_charts import SignedChart

pytestmark = pytest.mark.timeout(30)


async def open_two(app: TmtuiApp, pilot: Pilot[Any], engine: Engine) -> None:
    await send_alert(engine, "buy", "NQ1!", 1, "25600", "ORB")
    await send_alert(engine, "sell", "MES1!", 2, "6800", "Trend")
    await until(pilot, lambda: has_row(app, "ORB|NQ") and has_row(app, "Trend|MES"), "both rows")


async def priced(app: TmtuiApp, pilot: Pilot[Any], *keys: str) -> None:
    await until(pilot, lambda: all(cell(app, k, "last") != "—" for k in keys), "marks")


async def confirm_modal(app: TmtuiApp, pilot: Pilot[Any]) -> ConfirmScreen:
    await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the confirm modal")
    assert isinstance(app.screen, ConfirmScreen)
    return app.screen


async def test_alerts_appear_as_rows_and_log_lines(engine: Engine) -> None:
    app = TmtuiApp(engine.config, engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        assert app.focused is table(app)
        await open_two(app, pilot, engine)
        assert cell(app, "ORB|NQ", "side") == "long"
        assert cell(app, "Trend|MES", "side") == "short"
        assert cell(app, "Trend|MES", "qty") == "2"
        assert cell(app, "ORB|NQ", "avg") == "25600.00"
        await until(pilot, lambda: "(Trend) → short 2" in log_text(app), "the log line")
        text = log_text(app)
        assert "buy 1 NQ @ 25600.00 (ORB) → long 1" in text
        assert "listening on http://127.0.0.1:" in text
        assert table(app).cursor_row == 0
        assert table(app).selected_key == ("ORB", "NQ")
        assert "last " in status_text(app) and "none yet" not in status_text(app)


async def test_prices_move_pnl_cells_and_sparklines(engine: Engine) -> None:
    app = TmtuiApp(engine.config, engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await send_alert(engine, "buy", "NQ1!", 1, "25600", "ORB")
        await until(pilot, lambda: has_row(app, "ORB|NQ"), "the row")
        await priced(app, pilot, "ORB|NQ")
        first = cell(app, "ORB|NQ", "open_pnl")
        await until(
            pilot, lambda: cell(app, "ORB|NQ", "open_pnl") != first, "the open P&L cell to change"
        )
        pnl = cell(app, "ORB|NQ", "open_pnl")
        assert pnl.startswith(("+", "-")) or pnl == "0.00"
        position = app.dashboard.query_one("#position-spark", SignedChart)
        account = app.dashboard.query_one("#account-spark", SignedChart)
        await until(pilot, lambda: len(position.data or []) >= 3, "position sparkline points")
        before = list(account.data or [])
        await until(pilot, lambda: list(account.data or []) != before, "the account line")
        assert "Feed live" in status_text(app)


async def test_close_with_y_closes_and_records_the_trade(engine: Engine) -> None:
    app = TmtuiApp(engine.config, engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await open_two(app, pilot, engine)
        await priced(app, pilot, "ORB|NQ")
        await pilot.press("c")
        modal = await confirm_modal(app, pilot)
        assert [p.key for p in modal.request.positions] == [("ORB", "NQ")]
        await pilot.press("y")
        await until(pilot, lambda: not has_row(app, "ORB|NQ"), "the row to go")
        assert has_row(app, "Trend|MES")
        trades = await engine.ledger.trades()
        assert [(t.strategy, t.root) for t in trades] == [("ORB", "NQ")]
        assert ("ORB", "NQ") not in engine.book.positions
        await until(pilot, lambda: "close NQ @" in log_text(app), "the close log line")


async def test_close_with_n_cancels(engine: Engine) -> None:
    app = TmtuiApp(engine.config, engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await open_two(app, pilot, engine)
        await priced(app, pilot, "ORB|NQ")
        await pilot.press("c")
        await confirm_modal(app, pilot)
        await pilot.press("n")
        await until(pilot, lambda: not isinstance(app.screen, ConfirmScreen), "the modal to go")
        await pilot.press("c")
        await confirm_modal(app, pilot)
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is app.dashboard, "the dashboard")
        await pilot.pause(0.2)
        assert has_row(app, "ORB|NQ")
        assert await engine.ledger.trades() == []


async def test_flatten_all(engine: Engine) -> None:
    app = TmtuiApp(engine.config, engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await open_two(app, pilot, engine)
        await priced(app, pilot, "ORB|NQ", "Trend|MES")
        await pilot.press("F")
        modal = await confirm_modal(app, pilot)
        assert len(modal.request.closable) == 2
        await pilot.press("y")
        await until(pilot, lambda: table(app).row_count == 0, "every row to go")
        assert not engine.book.positions
        assert len(await engine.ledger.trades()) == 2
        await until(
            pilot,
            lambda: "flatten everything: 2 position(s)" in log_text(app),
            "the flatten log line",
        )


async def test_flatten_selected_strategy_only(engine: Engine) -> None:
    app = TmtuiApp(engine.config, engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await open_two(app, pilot, engine)
        await send_alert(engine, "sell", "CL1!", 1, "70.50", "Trend")
        await until(pilot, lambda: has_row(app, "Trend|CL"), "the CL row")
        await priced(app, pilot, "Trend|MES", "Trend|CL")
        await pilot.press("j")  # rows: ORB|NQ, Trend|CL, Trend|MES
        assert table(app).selected_key == ("Trend", "CL")
        await pilot.press("S")
        modal = await confirm_modal(app, pilot)
        assert {p.key for p in modal.request.positions} == {("Trend", "CL"), ("Trend", "MES")}
        await pilot.press("y")
        await until(pilot, lambda: table(app).row_count == 1, "the Trend rows to go")
        assert has_row(app, "ORB|NQ")
        assert list(engine.book.positions) == [("ORB", "NQ")]


async def test_disabling_a_strategy_ignores_its_next_alert(engine: Engine) -> None:
    app = TmtuiApp(engine.config, engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await open_two(app, pilot, engine)
        await pilot.press("e")  # cursor on ORB|NQ, which holds NQ long 1: asks first
        await until(pilot, lambda: isinstance(app.screen, SwitchScreen), "the question")
        assert engine.strategy_enabled("ORB")
        await pilot.press("y")
        await until(pilot, lambda: not engine.strategy_enabled("ORB"), "ORB to be disabled")
        await until(
            pilot,
            lambda: "strategy ORB disabled: new entries are ignored;" in log_text(app),
            "the log line",
        )
        await until(pilot, lambda: cell(app, "ORB|NQ", "strategy") == "ORB (off)", "the mark")
        reply = await send_alert(engine, "buy", "NQ1!", 1, "25601", "ORB")
        assert reply["outcome"] == "ignored"
        await until(
            pilot,
            lambda: "ignored: strategy 'ORB' is disabled" in log_text(app),
            "the ignored line",
        )
        assert cell(app, "ORB|NQ", "qty") == "1"
        assert engine.book.positions[("ORB", "NQ")].qty == 1
        assert engine.strategy_enabled("Trend")
        reply = await send_alert(engine, "close", "NQ1!", None, "25605", "ORB")
        assert reply["outcome"] == "accepted"  # its exit still applies (reduce-only)
        await until(pilot, lambda: not has_row(app, "ORB|NQ"), "the ORB row to go")
        assert ("ORB", "NQ") not in engine.book.positions


async def test_cursor_keeps_its_row_across_refreshes_and_new_rows(engine: Engine) -> None:
    app = TmtuiApp(engine.config, engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await send_alert(engine, "buy", "NQ1!", 1, "25600", "Mid")
        await send_alert(engine, "buy", "ES1!", 1, "6800", "Mid")
        await until(pilot, lambda: table(app).row_count == 2, "two rows")
        await pilot.press("down")  # rows: Mid|ES, Mid|NQ
        assert table(app).selected_key == ("Mid", "NQ")
        await pilot.pause(0.5)  # several 0.1 s refreshes with prices moving
        assert table(app).selected_key == ("Mid", "NQ")
        await send_alert(engine, "buy", "CL1!", 1, "70.50", "Alpha")  # sorts above
        await until(pilot, lambda: has_row(app, "Alpha|CL"), "the row above")
        assert table(app).selected_key == ("Mid", "NQ")
        assert table(app).cursor_row == 2
        await send_alert(engine, "buy", "GC1!", 1, "4050", "Zeta")  # sorts below
        await until(pilot, lambda: has_row(app, "Zeta|GC"), "the row below")
        assert table(app).selected_key == ("Mid", "NQ")
        # The close names its price: the replay feed may not have quoted CL yet, and a
        # close with neither a price nor a mark is refused.
        await send_alert(
            engine, "close", "CL1!", price="70.60", strategy="Alpha"
        )  # a row above goes
        await until(pilot, lambda: not has_row(app, "Alpha|CL"), "the row above to go")
        assert table(app).selected_key == ("Mid", "NQ")
        assert table(app).cursor_row == 1
        assert "screen refresh failed" not in log_text(app)


async def test_quit_stops_listener_and_feed(engine: Engine) -> None:
    app = TmtuiApp(engine.config, engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        assert engine.listener is not None and engine.feed is not None
        host, port = "127.0.0.1", int(engine.listener.url.rsplit(":", 1)[1])
        await send_alert(engine, "buy", "NQ1!", 1, "25600", "ORB")
        await pilot.press("q")  # a position is open: it asks first
        await until(pilot, lambda: isinstance(app.screen, QuitScreen), "the quit dialog")
        began = time.monotonic()
        await pilot.press("y")
        await until(pilot, lambda: not app.is_running, "the app to stop")
    assert time.monotonic() - began < 1.5
    assert engine.feed.status.state == "down"
    with pytest.raises(OSError), socket.create_connection((host, port), timeout=0.5):
        pass


async def test_background_failures_are_shown_and_the_app_keeps_running(engine: Engine) -> None:
    app = TmtuiApp(engine.config, engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)

        async def broken() -> None:
            raise RuntimeError("boom in the background")

        def broken_subscriber(_: object) -> None:
            raise ValueError("subscriber boom")

        engine.spawn(broken(), "broken")
        await until(pilot, lambda: "boom in the background" in log_text(app), "the error line")
        await until(pilot, lambda: "Errors 1" in status_text(app), "the error count")
        engine.subscribe(broken_subscriber)
        await send_alert(engine, "buy", "ES1!", 1, "6800", "Other")
        await until(
            pilot,
            lambda: "event subscriber failed: ValueError('subscriber boom')" in log_text(app),
            "the subscriber failure line",
        )
        real_snapshot = engine.snapshot
        calls = itertools.count()

        def flaky_snapshot() -> Any:
            if next(calls) == 0:
                raise RuntimeError("snapshot boom")
            return real_snapshot()

        engine.snapshot = flaky_snapshot  # type: ignore[method-assign]
        await until(
            pilot,
            lambda: "screen refresh failed: snapshot boom" in log_text(app),
            "the refresh failure line",
        )
        await send_alert(engine, "buy", "NQ1!", 1, "25600", "ORB")
        await until(pilot, lambda: has_row(app, "ORB|NQ"), "the row after the failures")
        assert app.is_running


async def test_worker_failure_is_reported_not_fatal(engine: Engine) -> None:
    app = TmtuiApp(engine.config, engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)

        async def failing() -> None:
            raise RuntimeError("worker boom")

        app.run_engine_action(failing(), "test action")
        await until(
            pilot,
            lambda: "test action failed: worker boom" in log_text(app),
            "the worker failure line",
        )
        await pilot.press("down")
        assert app.is_running


async def test_keymap_remaps_and_help_shows_the_active_keys(tmp_path: Path) -> None:
    engine = await desk_engine(tmp_path, desk_config(close_position="x"))
    app = TmtuiApp(engine.config, engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await send_alert(engine, "buy", "NQ1!", 1, "25600", "ORB")
        await until(pilot, lambda: has_row(app, "ORB|NQ"), "the row")
        await pilot.press("c")
        await pilot.pause(0.1)
        assert app.screen is app.dashboard
        await pilot.press("x")
        await confirm_modal(app, pilot)
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is app.dashboard, "the dashboard")
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen), "the help")
        assert isinstance(app.screen, HelpScreen)
        keys = {k.binding_id: k.keys for k in app.screen.keys}
        assert keys["close_position"] == "x"
        assert keys["flatten_all"] == "F"
        assert keys["quit"] == "q"
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is app.dashboard, "the dashboard again")


async def test_a_busy_listener_port_ends_the_app_with_the_reason(tmp_path: Path) -> None:
    """A screen that cannot receive alerts must not look alive: exit 1 with one line."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        config = desk_config()
        config = replace(config, listener=replace(config.listener, port=taken.getsockname()[1]))
        engine = await desk_engine(tmp_path, config)
        app = TmtuiApp(config, engine=engine)
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: app.start_error is not None, "the start error")
            await until(pilot, lambda: not app.is_running, "the app to end")
        assert app.return_code == 1
        assert app.start_error is not None
        assert "cannot listen on 127.0.0.1:" in app.start_error
        assert "address already in use" in app.start_error.lower()
        assert "\n" not in app.start_error


async def test_strategy_picker_reenables_a_strategy_with_no_position(engine: Engine) -> None:
    app = TmtuiApp(engine.config, engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await send_alert(engine, "buy", "NQ1!", 1, "25600", "ORB")
        await until(pilot, lambda: has_row(app, "ORB|NQ"), "the row")
        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, SwitchScreen), "the question")
        await pilot.press("y")
        await until(pilot, lambda: not engine.strategy_enabled("ORB"), "ORB to be disabled")
        await priced(app, pilot, "ORB|NQ")
        await pilot.press("c")
        await confirm_modal(app, pilot)
        await pilot.press("y")
        await until(pilot, lambda: not has_row(app, "ORB|NQ"), "the row to go")
        await pilot.press("E")
        await until(pilot, lambda: isinstance(app.screen, StrategiesScreen), "the picker")
        await pilot.press("enter")  # ORB is the only strategy, highlighted first
        await until(pilot, lambda: engine.strategy_enabled("ORB"), "ORB to be enabled again")
        assert not isinstance(app.screen, StrategiesScreen)
        reply = await send_alert(engine, "buy", "NQ1!", 1, "25601", "ORB")
        assert reply["outcome"] == "accepted"
