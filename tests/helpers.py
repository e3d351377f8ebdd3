"""Shared test helpers: deadline waits and quick alert construction."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tmtui.core.models import AlertFields, IncomingAlert
from tmtui.services.feeds.base import FeedState, FeedStatus, Quote
from tmtui.settings.config import Config


async def wait_for(condition: Callable[[], Any], timeout: float = 5.0, what: str = "") -> Any:
    """Poll `condition` until truthy; fail with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what or condition}")
        await asyncio.sleep(0.01)


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
    return json.loads(out)
