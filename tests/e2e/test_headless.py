"""`tmtui run --headless` as a real process: events on stdout, clean stop, crash safety."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import time
from pathlib import Path

import httpx
import pytest
from helpers import SECRET, free_port, read_positions, start, wait_for, wait_listening, write_config


@pytest.mark.timeout(60)
async def test_sigkill_mid_stream_loses_no_acknowledged_alert(tmp_path: Path) -> None:
    port = free_port()
    config = write_config(tmp_path, port)
    base = f"http://127.0.0.1:{port}"
    proc = start(config)
    acked: list[str] = []
    try:
        await wait_listening(base, proc)

        async def sender(worker: int, client: httpx.AsyncClient) -> None:
            for n in range(10_000):
                alert_id = f"w{worker}-{n}"
                body = {
                    "secret": SECRET,
                    "action": "buy" if n % 2 else "sell",
                    "ticker": "ES1!",
                    "qty": 1,
                    "price": "6800.25",
                    "strategy": f"K{worker}",
                    "id": alert_id,
                }
                try:
                    reply = await client.post(base + "/webhook", json=body)
                except httpx.TransportError:
                    return
                if reply.status_code == 200:
                    acked.append(alert_id)

        async with httpx.AsyncClient(timeout=5) as client:
            tasks = [asyncio.create_task(sender(w, client)) for w in range(4)]
            await wait_for(lambda: len(acked) >= 40, timeout=20, what="40 acknowledged alerts")
            proc.send_signal(signal.SIGKILL)
            await asyncio.gather(*tasks)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert len(acked) >= 40
    db = sqlite3.connect(tmp_path / "ledger.db")
    keys = db.execute("SELECT idem_key FROM signals WHERE outcome = 'accepted'")
    recorded = {r[0].split("|")[0] for r in keys}  # "id:<id>|sha256:<body hash>"
    db.close()
    missing = [a for a in acked if f"id:{a}" not in recorded]
    assert missing == []

    # and the restarted app rebuilds from them: every strategy's position is consistent
    proc = start(config)
    try:
        await wait_listening(base, proc)
        strategies = {p["strategy"] for p in await read_positions(config)}
        assert strategies <= {f"K{w}" for w in range(4)}
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)


@pytest.mark.timeout(60)
async def test_headless_prints_events_and_stops_on_sigint(tmp_path: Path) -> None:
    port = free_port()
    config = write_config(tmp_path, port)
    base = f"http://127.0.0.1:{port}"
    proc = start(config)
    try:
        await wait_listening(base, proc)
        async with httpx.AsyncClient() as client:
            ok = await client.post(
                base + "/webhook", content=f"buy 2 MNQ1! @ 21000.25 strategy=ORB secret={SECRET}"
            )
            bad = await client.post(base + "/webhook", json={"secret": "wrong"})
        assert ok.status_code == 200 and bad.status_code == 401
        started = time.monotonic()
        proc.send_signal(signal.SIGINT)
        stdout, _ = proc.communicate(timeout=10)
        assert time.monotonic() - started < 5
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0
    lines = stdout.splitlines()
    assert any("listening on" in line for line in lines)
    assert any("[alert_accepted] buy 2 MNQ @ 21000.25 (ORB) → long 2" in line for line in lines)
    assert any("[alert_rejected]" in line and "401" in line for line in lines)
    assert SECRET not in stdout
