"""Shared test helpers: deadline waits and quick alert construction."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tmtui.config import Config
from tmtui.models import AlertFields, IncomingAlert


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
