"""Many signals in one transaction: how `tmtui import` records a file, all or nothing.

Each signal goes in with its fills, closed trades and day rollups exactly as `Ledger.
record_signal` writes a live one (the same row writers), and the stored book is written once
at the end as the whole book after the last of them. Kept apart from `ledger.py` so the
live write path can change (group commit) without this one in the way; it borrows the
ledger's row writers and its one-writer transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from tmtui.core.book_state import BookDelta
from tmtui.core.events import Event
from tmtui.core.models import Fill, LedgerUnavailable, Trade
from tmtui.core.rollups import DayRollup
from tmtui.ledger import Ledger, SignalRecord, iso


@dataclass(frozen=True, slots=True)
class BatchSignal:
    """One signal of a batch with what it caused."""

    record: SignalRecord
    fills: Sequence[Fill] = ()
    closed_trades: Sequence[Trade] = ()
    rollups: Sequence[DayRollup] = ()


@dataclass(frozen=True, slots=True)
class ImportMark:
    """A strategy recorded from a file: the Strategies screen shows it as imported."""

    strategy: str
    format: str
    file: str
    signals: int


@dataclass(frozen=True, slots=True)
class Batch:
    signals: Sequence[BatchSignal]
    book: BookDelta
    expect_last_signal_id: int
    """The stored book's replay point the batch was planned on: if another writer moved it
    meanwhile, the plan is stale and nothing is written."""
    when: datetime
    imports: Sequence[ImportMark] = ()
    events: Sequence[Event] = field(default_factory=tuple)


class LedgerMoved(LedgerUnavailable):
    """Another process recorded signals while the batch was being planned."""


async def record_batch(ledger: Ledger, batch: Batch) -> list[int]:
    """Write the whole batch in one transaction; returns the new signal ids in order.

    Raises LedgerMoved (nothing written) if the stored book moved since it was read.
    """
    db = ledger._db

    async def write() -> list[int]:
        async with db.execute("SELECT last_signal_id FROM book_meta WHERE id = 1") as cur:
            row = await cur.fetchone()
        if row is None or int(row[0]) != batch.expect_last_signal_id:
            raise LedgerMoved(
                f"{ledger.path} changed while the file was being read (is tmtui run "
                "recording alerts?): nothing imported, try again"
            )
        ids = []
        for item in batch.signals:
            signal_id = await ledger._insert_signal(item.record)
            for fill in item.fills:
                await ledger._insert_fill(fill, signal_id)
            for trade in item.closed_trades:
                await ledger._insert_trade(trade)
            for rollup in item.rollups:
                await ledger._add_rollup(rollup)
            ids.append(signal_id)
        if ids:
            await db.execute("DELETE FROM open_positions")
            await ledger._write_book(batch.book, ids[-1])
        for mark in batch.imports:
            await db.execute(
                "INSERT INTO strategy_imports VALUES (?,?,?,?,?) ON CONFLICT"
                " (strategy, format, file) DO UPDATE SET imported_at = excluded.imported_at,"
                " signals = signals + excluded.signals",
                (mark.strategy, mark.format, mark.file, iso(batch.when), mark.signals),
            )
        for event in batch.events:
            await ledger._insert_event(event)
        return ids

    return await ledger._transaction(write)
