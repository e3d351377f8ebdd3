"""`tmtui run --headless` with its feed pointed at local fakes: live marks reach other processes."""

from __future__ import annotations

import signal
import subprocess
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import httpx
import pytest
from fakes.tv_scanner_server import FakeScannerServer
from fakes.tv_ws_server import FakeTradingViewServer
from helpers import free_port, read_positions, start, wait_for, wait_listening

SECRET = "live-secret"


def config_for(tmp_path: Path, port: int, feed: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[listener]\nport = {port}\nsecret = "{SECRET}"\n'
        f"[feed]\n{feed}\nstale_after = 30\n"
        f'[ledger]\npath = "{tmp_path / "ledger.db"}"\n'
    )
    return path


async def wait_position(config: Path, check: Any, timeout: float = 20) -> dict[str, Any]:
    """`tmtui positions --json` (its own process, so polled every 0.2 s) until `check` holds."""
    last: list[dict[str, Any]] = []

    async def matched() -> dict[str, Any] | None:
        last[:] = await read_positions(config)
        return last[0] if last and check(last[0]) else None

    found: dict[str, Any] = await wait_for(matched, timeout, f"the position (last {last})", 0.2)
    return found


async def post(port: int, body: dict[str, Any]) -> httpx.Response:
    async with httpx.AsyncClient() as client:
        return await client.post(
            f"http://127.0.0.1:{port}/webhook", json={"secret": SECRET, **body}
        )


def stop(proc: subprocess.Popen[str]) -> str:
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=10)
    return out


@pytest.mark.timeout(90)
async def test_headless_marks_from_quote_websocket_through_a_drop(tmp_path: Path) -> None:
    snapshots = {"CME_MINI:NQ1!": {"lp": 25600, "bid": 25599.75, "ask": 25600.25}}
    async with FakeTradingViewServer(
        snapshots=snapshots, update_mode="delayed_streaming_600"
    ) as server:
        port = free_port()
        config = config_for(tmp_path, port, f'source = "tradingview-ws"\nws_url = "{server.url}"')
        proc = start(config)
        try:
            await wait_listening(f"http://127.0.0.1:{port}", proc)
            reply = await post(
                port,
                {"action": "buy", "ticker": "NQ1!", "qty": 1, "price": 25600, "strategy": "ORB"},
            )
            assert reply.status_code == 200
            await wait_position(config, lambda p: p["last_price"] == 25600)  # snapshot
            await server.push("CME_MINI:NQ1!", {"lp": 25650})
            pos = await wait_position(config, lambda p: p["last_price"] == 25650)
            assert pos["open_pnl"] == 1000 and pos["trade_runup"] == 1000

            first = server.current
            await server.drop(first)

            def resubscribed() -> Any:
                conns = [c for c in server.connections if not c.closed and c is not first]
                return conns[-1] if conns and conns[-1].sent("quote_add_symbols") else None

            again = await wait_for(resubscribed, 20, "the feed to reconnect and re-subscribe", 0.05)
            assert again.session != first.session
            await server.push("CME_MINI:NQ1!", {"lp": 25580})
            pos = await wait_position(config, lambda p: p["last_price"] == 25580)
            assert pos["open_pnl"] == -400 and pos["trade_drawdown"] == -400
        finally:
            out = stop(proc)
    assert "DELAYED 10 min" in out
    assert "feed down" in out or "feed connecting" in out


@pytest.mark.timeout(90)
async def test_headless_marks_from_scanner_and_survives_429(tmp_path: Path) -> None:
    async with FakeScannerServer(prices={"CME_MINI:ES1!": D("6800.25")}) as scanner:
        port = free_port()
        config = config_for(
            tmp_path,
            port,
            (f'source = "tradingview-scanner"\nscanner_url = "{scanner.url}"\npoll_interval = 0.2'),
        )
        proc = start(config)
        try:
            await wait_listening(f"http://127.0.0.1:{port}", proc)
            reply = await post(
                port,
                {
                    "action": "sell",
                    "ticker": "ES1!",
                    "qty": 2,
                    "price": "6800.25",
                    "strategy": "Fade",
                },
            )
            assert reply.status_code == 200
            pos = await wait_position(config, lambda p: p["last_price"] == 6800.25)
            assert pos["open_pnl"] == 0
            scanner.fail_next(429, 429, 429)
            scanner.prices["CME_MINI:ES1!"] = D("6790.25")
            pos = await wait_position(config, lambda p: p["last_price"] == 6790.25)
            assert pos["side"] == "short" and pos["open_pnl"] == 1000
        finally:
            stop(proc)
