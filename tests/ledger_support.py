"""Test support for the ledger: reads and writes only tests need, through its public API.

The product reads the ledger through its own queries; these give a test the raw rows
(the last signals as stored) and write what a test arranges (old log lines, samples) by
the same low-priority path the sampler's tick takes.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from tmtui.core.events import Event
from tmtui.core.history.samples import AccountSample, PositionSample
from tmtui.ledger.rows import position_sample
from tmtui.ledger.store import Ledger


async def ledger_signals(ledger: Ledger, limit: int = 1000) -> list[dict[str, Any]]:
    """The newest `limit` signal rows as stored, oldest first."""
    return await ledger.fetch(
        "SELECT * FROM (SELECT * FROM signals ORDER BY id DESC LIMIT ?) ORDER BY id", (limit,)
    )


async def ledger_position_samples(
    ledger: Ledger, strategy: str, root: str, start: int = 0, end: int | None = None
) -> list[PositionSample]:
    """One (strategy, root)'s samples with `start` <= ts < `end`, oldest first."""
    rows = await ledger.fetch(
        "SELECT * FROM position_samples WHERE strategy = ? AND root = ? AND ts >= ?"
        " AND ts < ? ORDER BY ts",
        (strategy, root, start, end if end is not None else 2**62),
    )
    return [position_sample(r) for r in rows]


async def add_events(ledger: Ledger, events: Iterable[Event]) -> None:
    """Log lines written as the sampler writes them: behind every alert."""
    await ledger.write_samples([], None, list(events))


async def add_account_sample(ledger: Ledger, sample: AccountSample) -> None:
    await ledger.write_samples([], sample, [])
