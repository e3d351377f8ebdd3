"""Many signals in one transaction: how `tmtui import` records a file, all or nothing.

Each signal goes in with its fills, closed trades and day rollups exactly as `Ledger.
record` writes a live one (the same row writers), and the stored book is written once
at the end as the whole book after the last of them. Kept apart from `ledger.py` so the
live write path can change (group commit) without this one in the way; it borrows the
ledger's row writers and runs as one write of its own in the ledger's writer thread.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from tmtui.core.book.book_state import BookDelta
from tmtui.core.book.records import SignalRecord
from tmtui.core.book.rollups import DayRollup
from tmtui.core.events import Event
from tmtui.core.models import Fill, LedgerUnavailable, Outcome, Trade
from tmtui.ledger.rows import (
    EVENT_SQL,
    FILL_SQL,
    TRADE_SQL,
    event_row,
    fill_row,
    iso,
    signal_row,
    trade_row,
)
from tmtui.ledger.signal_writes import add_rollup, insert_signal, rows_of_book, write_book
from tmtui.ledger.store import Ledger


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

    Raises LedgerMoved (nothing written) if the stored book moved since it was read. Rows are
    built here, before the write; the writer thread only executes them.
    """
    items = [
        (
            signal_row(item.record, _kept_key(item.record)),
            _kept_key(item.record),
            [fill_row(f) for f in item.fills],
            [trade_row(t) for t in item.closed_trades],
            list(item.rollups),
        )
        for item in batch.signals
    ]
    book = rows_of_book(batch.book)
    when = iso(batch.when)
    imports = [(m.strategy, m.format, m.file, when, m.signals) for m in batch.imports]
    events = [event_row(e, dict(e.data), None) for e in batch.events]

    def write(conn: sqlite3.Connection) -> list[int]:
        row = conn.execute("SELECT last_signal_id FROM book_meta WHERE id = 1").fetchone()
        if row is None or int(row[0]) != batch.expect_last_signal_id:
            raise LedgerMoved(
                f"{ledger.path} changed while the file was being read (is tmtui run "
                "recording alerts?): nothing imported, try again"
            )
        ids = []
        for signal, key, fills, trades, rollups in items:
            signal_id = insert_signal(conn, signal, key)
            conn.executemany(FILL_SQL, [(signal_id, *fill) for fill in fills])
            conn.executemany(TRADE_SQL, trades)
            for rollup in rollups:
                add_rollup(conn, rollup)
            ids.append(signal_id)
        if ids:
            conn.execute("DELETE FROM open_positions WHERE source = 'live'")
            write_book(conn, book, ids[-1])
        conn.executemany(
            "INSERT INTO strategy_imports VALUES (?,?,?,?,?) ON CONFLICT"
            " (strategy, format, file) DO UPDATE SET imported_at = excluded.imported_at,"
            " signals = signals + excluded.signals",
            imports,
        )
        conn.executemany(EVENT_SQL, events)
        return ids

    return list(await ledger.write_alone(write))


def _kept_key(record: SignalRecord) -> str | None:
    """The dedupe key the ledger keeps for this outcome (as `Ledger.record` does)."""
    return record.idem_key if record.outcome in (Outcome.ACCEPTED, Outcome.IGNORED) else None
