"""The test harness: waits with a deadline, free ports, configs, a started `tmtui` process.

Every kind of test (tests/unit, integration, ui, e2e) imports its shared pieces from here (or,
for the screen, from `ui_harness`), never from another test module: a test module is free to
change without breaking its neighbours. tests/conftest.py puts this folder on sys.path.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from tmtui.core.models import AlertFields, IncomingAlert
from tmtui.services.feeds.base import FeedState, FeedStatus, Quote
from tmtui.settings.config import Config

if TYPE_CHECKING:
    from textual.pilot import Pilot

# --- waiting for a condition, with a deadline (never a fixed sleep) ----------------------------


async def wait_for(
    condition: Callable[[], Any], timeout: float = 5.0, what: str = "", interval: float = 0.01
) -> Any:
    """Poll `condition` every `interval` s until truthy and return its value; fail with `what`
    after `timeout` seconds.

    `condition` may be a coroutine function (a query, a subprocess): its result is awaited.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what or condition}")
        await asyncio.sleep(interval)


async def until(
    pilot: Pilot[Any], condition: Callable[[], object], what: str, timeout: float = 10.0
) -> None:
    """`wait_for` for a Textual app under Pilot: the app runs (pilot.pause) between polls."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await pilot.pause(0.01)


# --- a real `tmtui run --headless` process ------------------------------------------------------

SECRET = "kill-test-secret"
"""The webhook secret of `write_config`'s listener."""


def free_port() -> int:
    """A loopback port free at this moment (the process under test binds it next)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def write_config(tmp_path: Path, port: int, extra: str = "") -> Path:
    """config.toml for a headless run: listener on `port` with SECRET, replay feed, ledger in
    tmp_path; `extra` is appended TOML."""
    path = tmp_path / "config.toml"
    path.write_text(
        f'[listener]\nport = {port}\nsecret = "{SECRET}"\nrate_limit_per_min = 0\n'
        f'[feed]\nsource = "replay"\n[ledger]\npath = "{tmp_path / "ledger.db"}"\n{extra}'
    )
    return path


def start(config: Path) -> subprocess.Popen[str]:
    """`tmtui run --headless --config CONFIG` as its own process, stdout and stderr piped."""
    return subprocess.Popen(
        [sys.executable, "-m", "tmtui", "run", "--headless", "--config", str(config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


async def wait_listening(
    url: str,
    proc: subprocess.Popen[str],
    timeout: float = 20,
    stderr: Callable[[], str] | None = None,
) -> None:
    """Wait until `url`/health answers 200; fail at once if the process ended.

    `stderr` reads what the process said on failure (by default its piped stderr)."""

    def said() -> str:
        if stderr is not None:
            return stderr()
        return proc.stderr.read() if proc.stderr and proc.poll() is not None else ""

    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient() as client:
        while time.monotonic() < deadline:
            assert proc.poll() is None, f"tmtui ended before listening: {said()}"
            with contextlib.suppress(httpx.TransportError):
                if (await client.get(url + "/health")).status_code == 200:
                    return
            await asyncio.sleep(0.05)
    raise AssertionError(f"listener did not come up: {said()}")


# --- alerts and configs for in-process tests ---------------------------------------------------


def alert(
    action: str,
    ticker: str,
    qty: object = None,
    price: object = None,
    strategy: str | None = "S",
    alert_id: str | None = None,
    received: datetime | None = None,
    **extra: Any,
) -> IncomingAlert:
    fields = AlertFields(
        action=action,
        ticker=ticker,
        qty=qty,
        price=price,
        strategy=strategy,
        alert_id=alert_id,
        **extra,
    )
    return IncomingAlert(
        fields,
        f"{action} {qty} {ticker}",
        "127.0.0.1",
        received or datetime.now(UTC),
        idem_key=f"id:{alert_id}" if alert_id else None,
    )


def make_config(tmp_path: Path, **sections: Any) -> Config:
    """A Config with the ledger under tmp_path, plus section overrides as dicts."""
    config = Config()
    config = replace(config, ledger=replace(config.ledger, path=str(tmp_path / "ledger.db")))
    for name, values in sections.items():
        config = replace(config, **{name: replace(getattr(config, name), **values)})
    return config


class FeedRecorder:
    """Collects what the feed reports through its callbacks."""

    def __init__(self) -> None:
        self.quotes: list[Quote] = []
        self.statuses: list[FeedStatus] = []
        self.symbol_errors: list[tuple[str, str]] = []

    def on_quote(self, quote: Quote) -> None:
        self.quotes.append(quote)

    def on_status(self, status: FeedStatus) -> None:
        self.statuses.append(status)

    def on_symbol_error(self, symbol: str, error: str) -> None:
        self.symbol_errors.append((symbol, error))

    def last(self, symbol: str) -> Quote | None:
        return next((q for q in reversed(self.quotes) if q.symbol == symbol), None)

    def count(self, symbol: str) -> int:
        return sum(1 for q in self.quotes if q.symbol == symbol)

    def saw(self, state: FeedState, text: str = "") -> bool:
        return any(s.state is state and text in s.reason for s in self.statuses)


async def read_positions(config: Path) -> list[dict[str, Any]]:
    """`tmtui positions --json` in its own process, as a trader's script would run it."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tmtui",
        "positions",
        "--json",
        "--config",
        str(config),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    out, err = await proc.communicate()
    assert proc.returncode == 0, err.decode()
    positions: list[dict[str, Any]] = json.loads(out)
    return positions
