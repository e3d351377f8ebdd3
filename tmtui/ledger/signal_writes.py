"""What the writer thread runs for signals: one alert and everything it caused, or a group.

A group commit writes every waiting alert in one transaction; a duplicate key or a failed
chained write takes out only what depends on it (see `write_signals`).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from tmtui.core.book.book_state import BookDelta
from tmtui.core.book.rollups import DayRollup
from tmtui.core.events import Event
from tmtui.core.models import (
    TmtuiError,
)
from tmtui.ledger.outbox import insert_orders
from tmtui.ledger.rows import (
    EVENT_SQL,
    FILL_SQL,
    IDEM_SQL,
    LIVE,
    SIGNAL_ID_SQL,
    SIGNAL_SQL,
    TRADE_SQL,
    event_row,
    rollup_from_row,
)


class DuplicateSignal(TmtuiError):
    """The record's idempotency key is taken (by a committed signal or one earlier in the same
    group commit): nothing was written for it."""

    def __init__(self, original: int) -> None:
        super().__init__(f"duplicate alert: its key was already recorded as signal #{original}")
        self.original = original


BookRows = tuple[list[tuple[str, str, str]], list[tuple[str, str]], int]
"""A BookDelta as rows: (strategy, root, state JSON) upserts, (strategy, root) deletes, the
next trade id. Serialised when queued, so later marks cannot change what is written."""


def rows_of_book(delta: BookDelta) -> BookRows:
    upserts = [(s, r, json.dumps(state)) for (s, r), state in delta.upserts.items()]
    return upserts, list(delta.deletes), delta.next_trade_id


UPSERT_POSITION_SQL = (
    "INSERT OR REPLACE INTO open_positions (strategy, root, state, signal_id, source)"
    " VALUES (?,?,?,?,'live')"
)
DELETE_POSITION_SQL = (
    "DELETE FROM open_positions WHERE strategy = ? AND root = ? AND source = 'live'"
)
"""The live book's stored positions (a backtest's are written by `ledger.backtests`)."""


def write_book(conn: sqlite3.Connection, rows: BookRows, signal_id: int) -> None:
    upserts, deletes, next_trade_id = rows
    conn.executemany(UPSERT_POSITION_SQL, [(s, r, state, signal_id) for s, r, state in upserts])
    conn.executemany(DELETE_POSITION_SQL, deletes)
    conn.execute(
        "UPDATE book_meta SET last_signal_id = ?, next_trade_id = ? WHERE id = 1",
        (signal_id, next_trade_id),
    )


def add_rollup(conn: sqlite3.Connection, r: DayRollup, source: str = LIVE) -> None:
    """Add one signal's day figures to the stored day total of its book (inside the write
    transaction)."""
    cur = conn.execute(
        "SELECT * FROM day_rollups WHERE day = ? AND strategy = ? AND root = ? AND source = ?",
        (*r.key, source),
    )
    names = [d[0] for d in cur.description]
    row = cur.fetchone()
    cur.close()
    total = DayRollup(*r.key)
    if row is not None:
        total = rollup_from_row(dict(zip(names, row, strict=True)))
    total.add(r)
    conn.execute(
        "INSERT OR REPLACE INTO day_rollups (day, strategy, root, realized, commission, fills,"
        " trades, wins, losses, won, lost, source) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            total.day,
            total.strategy,
            total.root,
            str(total.realized),
            str(total.commission),
            total.fills,
            total.trades,
            total.wins,
            total.losses,
            str(total.won),
            str(total.lost),
            source,
        ),
    )


@dataclass(eq=False, slots=True)
class SignalWriteJob:
    """One signal and everything it caused, as rows ready for the writer thread.

    Called alone it writes itself (its own savepoint around it); signals queued together
    are written by `write_signals` with one statement per table instead (the writer thread
    takes the GIL back after every statement, and the event loop holds it most of the time).
    """

    signal: tuple[Any, ...]
    key: str | None
    fills: list[tuple[Any, ...]]
    trades: list[tuple[Any, ...]]
    events: list[tuple[Event, dict[str, Any]]]
    book: BookRows | None
    rollups: list[DayRollup]
    orders: list[tuple[Any, ...]] = field(default_factory=list)
    """Outbox rows (`outbox.order_row`) whose signal id is filled in when it is known."""

    def order_rows(self, signal_id: int) -> list[tuple[Any, ...]]:
        return [(row[0], row[1], signal_id, *row[3:]) for row in self.orders]

    def __call__(self, conn: sqlite3.Connection) -> int:
        signal_id = insert_signal(conn, self.signal, self.key)
        if self.fills:
            conn.executemany(FILL_SQL, [(signal_id, *row) for row in self.fills])
        if self.trades:
            conn.executemany(TRADE_SQL, self.trades)
        if self.events:
            conn.executemany(EVENT_SQL, [event_row(e, data, signal_id) for e, data in self.events])
        if self.book is not None:
            write_book(conn, self.book, signal_id)
        for rollup in self.rollups:
            add_rollup(conn, rollup)
        insert_orders(conn, self.order_rows(signal_id))
        return signal_id

    @staticmethod
    def group(conn: sqlite3.Connection, jobs: Sequence[Any]) -> list[Any]:
        return write_signals(conn, jobs)


class NotTogether(Exception):
    """These signals cannot be written together (a key is taken): write them one by one."""


def write_signals(conn: sqlite3.Connection, jobs: Sequence[SignalWriteJob]) -> list[int]:
    """Write consecutive signal jobs with one statement per table; their signal ids.

    Equal to writing them one by one, in order: ids follow the queue, the stored book ends as
    the last job left each position, day rollups add up. A taken key raises NotTogether
    before anything is written, and the writer falls back to one by one (which reports the
    duplicate to that job alone).
    """
    keys = [job.key for job in jobs if job.key is not None]
    if len(set(keys)) != len(keys):
        raise NotTogether
    if keys:
        marks = ",".join("?" * len(keys))
        taken = conn.execute(
            f"SELECT 1 FROM signals WHERE idem_key IN ({marks})"
            " AND outcome IN ('accepted', 'ignored') LIMIT 1",
            keys,
        ).fetchone()
        if taken is not None:
            raise NotTogether
    first = int(conn.execute("SELECT COALESCE(MAX(id), 0) FROM signals").fetchone()[0]) + 1
    ids = list(range(first, first + len(jobs)))
    conn.executemany(SIGNAL_ID_SQL, [(i, *job.signal) for i, job in zip(ids, jobs, strict=True)])
    fills = [(i, *row) for i, job in zip(ids, jobs, strict=True) for row in job.fills]
    if fills:
        conn.executemany(FILL_SQL, fills)
    trades = [row for job in jobs for row in job.trades]
    if trades:
        conn.executemany(TRADE_SQL, trades)
    events = [
        event_row(e, data, i) for i, job in zip(ids, jobs, strict=True) for e, data in job.events
    ]
    if events:
        conn.executemany(EVENT_SQL, events)
    write_books(conn, [(job.book, i) for i, job in zip(ids, jobs, strict=True) if job.book])
    totals: dict[tuple[str, str, str], DayRollup] = {}
    for job in jobs:
        for rollup in job.rollups:
            totals.setdefault(rollup.key, DayRollup(*rollup.key)).add(rollup)
    for total in totals.values():
        add_rollup(conn, total)
    orders = [row for i, job in zip(ids, jobs, strict=True) for row in job.order_rows(i)]
    insert_orders(conn, orders)
    return ids


def write_books(conn: sqlite3.Connection, books: list[tuple[BookRows, int]]) -> None:
    """Several signals' book changes as one: each position as the last of them left it."""
    if not books:
        return
    final: dict[tuple[str, str], tuple[str, int] | None] = {}
    for (upserts, deletes, _next), signal_id in books:
        for strategy, root, state in upserts:
            final[(strategy, root)] = (state, signal_id)
        for strategy, root in deletes:
            final[(strategy, root)] = None
    conn.executemany(
        UPSERT_POSITION_SQL, [(k[0], k[1], v[0], v[1]) for k, v in final.items() if v is not None]
    )
    conn.executemany(DELETE_POSITION_SQL, [k for k, v in final.items() if v is None])
    (_upserts, _deletes, next_trade_id), last_id = books[-1]
    conn.execute(
        "UPDATE book_meta SET last_signal_id = ?, next_trade_id = ? WHERE id = 1",
        (last_id, next_trade_id),
    )


def insert_signal(conn: sqlite3.Connection, row: tuple[Any, ...], key: str | None) -> int:
    """Insert one signal row; a taken key (even by a record earlier in this batch) is a
    DuplicateSignal naming the original, and nothing is written."""
    try:
        cur = conn.execute(SIGNAL_SQL, row)
    except sqlite3.IntegrityError:
        original = conn.execute(IDEM_SQL, (key,)).fetchone() if key else None
        if original is None:
            raise
        raise DuplicateSignal(int(original[0])) from None
    assert cur.lastrowid is not None
    return cur.lastrowid
