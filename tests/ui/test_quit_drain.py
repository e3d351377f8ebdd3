"""A quit that loses nothing: alerts in flight when tmtui stops are all answered and recorded.

The ledger is held at a gate so every alert of the burst is inside the listener when the
stop begins; the gate opens only once the port refuses new connections. Every alert must
then get its 200 and be in the ledger.
"""

from __future__ import annotations

import asyncio
import socket
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from helpers import make_config, until, wait_for
from ui_harness import SIZE, desk_config, desk_engine, started

from tmtui.runtime.engine import Engine
from tmtui.runtime.factory import build_engine
from tmtui.ui.app import TmtuiApp
from tmtui.ui.screens.quit_confirm import QuitScreen

SECRET = "drain-secret"
BURST = 25
SLOW_WRITE_S = 0.04
"""A slow disk: the burst takes ~1 s to record, longer than a hurried stop would wait."""


def hold_the_ledger(engine: Engine) -> threading.Event:
    """Every ledger write (in the writer thread) waits for the returned gate (the alerts
    pile up in flight), then takes SLOW_WRITE_S, as on a busy disk."""
    gate = threading.Event()
    writer = engine.ledger._writer
    write_batch = writer._write_batch

    def held(plan: Any, busy_ms: int) -> Any:
        gate.wait(timeout=20)
        time.sleep(SLOW_WRITE_S)
        return write_batch(plan, busy_ms)

    writer._write_batch = held  # type: ignore[method-assign]
    return gate


def refuses_connections(url: str) -> bool:
    host, port = url.removeprefix("http://").split("/")[0].rsplit(":", 1)
    try:
        with socket.create_connection((host, int(port)), timeout=0.2):
            return False
    except OSError:
        return True


async def send_burst(url: str, secret: str, client: httpx.AsyncClient) -> list[asyncio.Task[Any]]:
    body = {"secret": secret, "action": "buy", "ticker": "MES1!", "qty": 1, "price": "6800"}
    return [
        asyncio.create_task(client.post(url, json={**body, "strategy": f"D{n}", "id": f"d-{n}"}))
        for n in range(BURST)
    ]


def accepted_ids(db_path: Path) -> set[str]:
    db = sqlite3.connect(db_path)
    try:
        rows = db.execute("SELECT idem_key FROM signals WHERE outcome = 'accepted'").fetchall()
    finally:
        db.close()
    return {r[0].split("|")[0] for r in rows}  # the key's id part (the body hash follows)


@pytest.mark.timeout(30)
async def test_engine_stop_answers_and_records_every_alert_in_flight(tmp_path: Path) -> None:
    config = make_config(
        tmp_path,
        feed={"source": "replay"},
        listener={"port": 0, "secret": SECRET, "rate_limit_per_min": 0},
    )
    engine = await build_engine(config, with_feed=False)
    await engine.start()
    assert engine.listener is not None
    url = engine.listener.webhook_url
    gate = hold_the_ledger(engine)
    async with httpx.AsyncClient(timeout=15) as client:
        posts = await send_burst(url, SECRET, client)
        listener = engine.listener
        await wait_for(lambda: listener.in_flight == BURST, what="the whole burst in flight")
        stopping = asyncio.create_task(engine.stop())
        await wait_for(lambda: refuses_connections(url), what="the port to close")
        assert not stopping.done()
        gate.set()
        replies = await asyncio.gather(*posts)
        await stopping
    assert [r.status_code for r in replies] == [200] * BURST
    assert accepted_ids(tmp_path / "ledger.db") == {f"id:d-{n}" for n in range(BURST)}


@pytest.mark.timeout(30)
async def test_quitting_the_screen_during_a_burst_loses_no_alert(tmp_path: Path) -> None:
    engine = await desk_engine(tmp_path, desk_config(), feed=False)
    app = TmtuiApp(engine.config, engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        assert engine.listener is not None
        url = engine.listener.webhook_url
        listener = engine.listener
        gate = hold_the_ledger(engine)
        async with httpx.AsyncClient(timeout=15) as client:
            posts = await send_burst(url, engine.config.listener.secret, client)
            await until(pilot, lambda: listener.in_flight == BURST, "the whole burst in flight")
            # In flight at the listener is not yet seen by the engine: wait until it is.
            await until(pilot, lambda: app.quit_risk().worth_asking, "the engine to see one")
            await pilot.press("q")  # an alert just arrived: it asks
            await until(pilot, lambda: isinstance(app.screen, QuitScreen), "the quit dialog")
            await pilot.press("y")
            await until(pilot, lambda: refuses_connections(url), "the port to close")
            gate.set()
            replies = await asyncio.gather(*posts)
        await until(pilot, lambda: not app.is_running, "the app to stop")
    assert [r.status_code for r in replies] == [200] * BURST
    assert accepted_ids(tmp_path / "t.db") == {f"id:d-{n}" for n in range(BURST)}


def test_quit_asks_when_positions_are_open_or_alerts_are_recent_or_in_flight() -> None:
    from tmtui.ui.screens.quit_confirm import QuitRisk, quit_question

    assert not QuitRisk(0, None).worth_asking
    assert not QuitRisk(0, 45.0).worth_asking
    assert QuitRisk(2, None).worth_asking
    assert QuitRisk(0, 12.0).worth_asking
    in_flight = QuitRisk(0, None, in_flight=3)
    assert in_flight.worth_asking
    assert "3 alerts are being recorded now" in quit_question(in_flight).plain
