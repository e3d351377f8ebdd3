"""One ledger, one writer: a second `tmtui run` refuses to start; a killed one never blocks.

Real processes on one ledger, as a trader would start them in two terminals.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from helpers import SECRET, free_port, read_positions, start, wait_for, wait_listening, write_config

from tmtui.core.models import LedgerUnavailable
from tmtui.ledger.instance_lock import InstanceLock, InstanceRunning, lock_path, running_instance

pytestmark = pytest.mark.timeout(60)


def tmtui(*args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tmtui", *args], capture_output=True, text=True, timeout=timeout
    )


def second_config(tmp_path: Path, port: int) -> Path:
    """Another config file naming the same ledger (another port, so only the lock stops it)."""
    first = write_config(tmp_path, port)
    path = tmp_path / "second.toml"
    path.write_text(first.read_text())
    return path


async def buy(base: str, strategy: str, alert_id: str) -> httpx.Response:
    body = {
        "secret": SECRET,
        "action": "buy",
        "ticker": "ES1!",
        "qty": 1,
        "price": "6800.25",
        "strategy": strategy,
        "id": alert_id,
    }
    async with httpx.AsyncClient(timeout=5) as client:
        return await client.post(base + "/webhook", json=body)


def stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def one_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


def test_lock_in_process_refuses_a_second_holder_and_names_the_first(tmp_path: Path) -> None:
    ledger = tmp_path / "sub" / "ledger.db"
    with InstanceLock.acquire(ledger) as lock:
        lock.record_listener("http://127.0.0.1:9999/webhook")
        with pytest.raises(InstanceRunning) as refused:
            InstanceLock.acquire(ledger)
        message = str(refused.value)
        assert str(ledger) in message and f"pid {os.getpid()}" in message
        assert "http://127.0.0.1:9999/webhook" in message
        holder = running_instance(ledger)
        assert holder is not None and holder.pid == os.getpid()
    assert not lock.held
    assert lock_path(ledger).read_text() == ""  # a clean stop leaves no holder behind
    assert running_instance(ledger) is None
    InstanceLock.acquire(ledger).release()  # free again


def test_lock_on_an_unusable_path_is_a_ledger_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    with pytest.raises(LedgerUnavailable, match="cannot use the ledger"):
        InstanceLock.acquire(blocker / "ledger.db")


async def test_a_second_instance_refuses_and_the_first_keeps_its_books(tmp_path: Path) -> None:
    port = free_port()
    config = write_config(tmp_path, port)
    base = f"http://127.0.0.1:{port}"
    first = start(config)
    try:
        await wait_listening(base, first)
        assert (await buy(base, "One", "a-1")).status_code == 200
        other_port = free_port()
        for mode in (["--headless"], []):  # the screen refuses before it draws anything
            second = tmtui("run", *mode, "--config", str(second_config(tmp_path, other_port)))
            assert second.returncode == 1
            line = one_line(second.stderr)
            assert str(tmp_path / "ledger.db") in line
            assert f"pid {first.pid}" in line and f"{base}/webhook" in line
            assert second.stdout == ""
        rebuild = tmtui("ledger", "rebuild", "--config", str(config))  # a writer: refused
        assert rebuild.returncode == 1 and f"pid {first.pid}" in one_line(rebuild.stderr)
        assert tmtui("ledger", "verify", "--config", str(config)).returncode == 0  # a reader
        # the first instance still writes the books, and read commands work beside it
        assert (await buy(base, "One", "a-2")).status_code == 200
        positions = await read_positions(config)
        assert [(p["strategy"], p["qty"]) for p in positions] == [("One", 2)]
        with socket.socket() as probe:  # the refused one never bound its port
            probe.bind(("127.0.0.1", other_port))
    finally:
        stop(first)
    assert first.returncode == 0


async def test_after_kill_9_the_next_start_succeeds(tmp_path: Path) -> None:
    port = free_port()
    config = write_config(tmp_path, port)
    base = f"http://127.0.0.1:{port}"
    first = start(config)
    try:
        await wait_listening(base, first)
        assert (await buy(base, "K", "k-1")).status_code == 200
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    assert str(first.pid) in lock_path(tmp_path / "ledger.db").read_text()  # left behind
    await wait_for(lambda: running_instance(tmp_path / "ledger.db") is None, what="pid gone")
    nxt = start(config)
    try:
        await wait_listening(base, nxt)
        assert (await buy(base, "K", "k-2")).status_code == 200
        positions = await read_positions(config)
        assert [(p["strategy"], p["qty"]) for p in positions] == [("K", 2)]
    finally:
        stop(nxt)
    assert nxt.returncode == 0


async def test_sigterm_during_a_burst_answers_what_it_accepted(tmp_path: Path) -> None:
    """Every 200 is in the ledger, the process exits 0, and it says it is draining."""
    port = free_port()
    config = write_config(tmp_path, port)
    base = f"http://127.0.0.1:{port}"
    proc = start(config)
    acked: list[str] = []
    try:
        await wait_listening(base, proc)

        async def sender(worker: int) -> None:
            for n in range(10_000):
                try:
                    reply = await buy(base, f"T{worker}", f"t{worker}-{n}")
                except httpx.TransportError:
                    return
                if reply.status_code == 200:
                    acked.append(f"t{worker}-{n}")

        tasks = [asyncio.create_task(sender(w)) for w in range(4)]
        await wait_for(lambda: len(acked) >= 20, timeout=20, what="20 acknowledged alerts")
        proc.send_signal(signal.SIGTERM)
        await asyncio.gather(*tasks)
        stdout, _ = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0
    assert "stopping: answering the alerts already received" in stdout
    import sqlite3

    db = sqlite3.connect(tmp_path / "ledger.db")
    recorded = {r[0].split("|")[0] for r in db.execute("SELECT idem_key FROM signals")}
    db.close()
    assert [a for a in acked if f"id:{a}" not in recorded] == []
