"""A full ledger, everywhere: SQLite's own `max_page_count` makes the next write fail with
SQLITE_FULL ("database or disk is full"), exactly the error a full disk gives.

The same path as tests/e2e/test_ledger_faults.py's tmpfs test (which needs unshare(1) and user
namespaces, so CI may skip it), in-process against the real engine, listener and writer: the
alert is answered 503 with the real error within TradingView's limit, /health says disk_full,
and once there is room again TradingView's resends are recorded, each exactly once.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from helpers import make_config, wait_for

from tmtui.runtime.factory import build_engine

SECRET = "full-secret"
TRADINGVIEW_LIMIT_S = 3.0
NO_LIMIT = 1_073_741_823  # SQLite's default max_page_count


def accepted_keys(ledger: Path) -> list[str]:
    """The `id:<alert id>` part of every applied signal's key, in order."""
    db = sqlite3.connect(ledger)
    try:
        rows = db.execute("SELECT idem_key FROM signals WHERE outcome = 'accepted' ORDER BY id")
        return [str(r[0]).split("|")[0] for r in rows]
    finally:
        db.close()


def set_max_pages(pages: int | None) -> Any:
    """Writer-thread work: cap the ledger at its size plus `pages` (None lifts the cap)."""

    def work(conn: sqlite3.Connection) -> int:
        size = int(conn.execute("PRAGMA page_count").fetchone()[0])
        cap = NO_LIMIT if pages is None else size + pages
        return int(conn.execute(f"PRAGMA max_page_count = {cap}").fetchone()[0])

    return work


@pytest.mark.timeout(60)
async def test_a_full_ledger_answers_503_with_the_real_error_and_recovers(tmp_path: Path) -> None:
    config = make_config(
        tmp_path,
        feed={"source": "replay"},
        listener={"port": 0, "secret": SECRET, "rate_limit_per_min": 0},
    )
    engine = await build_engine(config, with_feed=False)
    await engine.start()
    try:
        assert engine.listener is not None
        url, health = engine.listener.webhook_url, engine.listener.url + "/health"
        writer = engine.ledger._writer  # the pragma is per connection: set it on the writer's

        async def post(client: httpx.AsyncClient, alert_id: str) -> tuple[int, dict[str, Any]]:
            body = {"secret": SECRET, "action": "buy", "ticker": "ES1!", "qty": 1,
                    "price": "6800.25", "strategy": "F", "id": alert_id}  # fmt: skip
            began = time.monotonic()
            reply = await client.post(url, json=body)
            assert time.monotonic() - began < TRADINGVIEW_LIMIT_S, alert_id
            return reply.status_code, reply.json()

        acked: list[str] = []
        refused: list[tuple[str, dict[str, Any]]] = []
        async with httpx.AsyncClient(timeout=10) as client:
            await writer.call(set_max_pages(4))
            for n in range(400):
                status, body = await post(client, f"d{n}")
                if status == 200:
                    acked.append(f"id:d{n}")
                    continue
                assert status == 503, body
                refused.append((f"d{n}", body))
                if len(refused) == 3:
                    break
            assert refused, "the ledger never filled up"
            assert acked, "the ledger was full before the first alert"
            assert "database or disk is full" in refused[0][1]["error"], refused[0][1]
            full = await client.get(health)
            assert full.status_code == 503 and full.json()["ledger"]["state"] == "disk_full"

            await writer.call(set_max_pages(None))  # room again, as when the disk is cleared

            async def healthy() -> bool:
                return (await client.get(health)).status_code == 200

            await wait_for(healthy, 10, "/health to answer 200 again", 0.05)
            for alert_id, _ in refused:  # TradingView's resends
                status, body = await post(client, alert_id)
                assert (status, body["duplicate"]) == (200, False), body
                acked.append(f"id:{alert_id}")
            status, body = await post(client, refused[0][0])  # and once more: a duplicate
            assert (status, body["duplicate"]) == (200, True), body
    finally:
        await engine.stop()
    assert accepted_keys(tmp_path / "ledger.db") == acked
