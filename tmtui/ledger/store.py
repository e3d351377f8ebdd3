"""The durable record: SQLite in WAL mode, `synchronous=FULL`.

Signals are the source of truth and append-only; fills, trades, events and P&L samples are
written alongside so other processes (`tmtui positions`, `tmtui report`) can read live
figures while `tmtui run` writes. A signal, its fills and its closed trades commit in one
transaction before the webhook is acknowledged.

Writes go through one writer thread (`ledger_writer`): concurrent alerts commit together
(group commit), ahead of samples, within a write budget that keeps TradingView's 3 s. The file
is checked on open and watched while open (`ledger_guard`); backups use SQLite's online backup
API (`ledger_backup`).
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Callable, Sequence
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import Final

import aiosqlite

from tmtui.core.book.book_state import BookDelta
from tmtui.core.book.records import SignalWrite
from tmtui.core.book.rollups import DayRollup
from tmtui.core.models import (
    Fill,
    LedgerUnavailable,
    Outcome,
    Trade,
    os_error_reason,
)
from tmtui.ledger.backup import FIRST_AFTER_S, DailyBackups
from tmtui.ledger.guard import (
    FileGuard,
    LedgerGone,
    LedgerReadOnly,
    LedgerStatus,
)
from tmtui.ledger.key_lookups import KeyLookups
from tmtui.ledger.opening import (
    check_or_create,
    check_read_only,
    connect,
    connect_read_only,
    open_reader,
    prepare,
    rescue,
)
from tmtui.ledger.outbox import LedgerOrders, order_row
from tmtui.ledger.pending import PendingWrite
from tmtui.ledger.reads import (
    LedgerReads,
)
from tmtui.ledger.rows import (
    FILL_SQL,
    TRADE_SQL,
    fill_row,
    signal_row,
    trade_row,
)
from tmtui.ledger.signal_writes import (
    SignalWriteJob,
    add_rollup,
    rows_of_book,
    write_book,
)
from tmtui.ledger.upkeep import (
    LedgerUpkeep,
)
from tmtui.ledger.writer import LedgerWriter

log = logging.getLogger("tmtui.ledger")
DEFAULT_WRITE_BUDGET_S: Final = 2.0
"""How long an alert's write may wait for the ledger before it is answered 503."""


class Ledger(LedgerReads, LedgerUpkeep, LedgerOrders):
    """Reads through an aiosqlite connection; writes through the one `LedgerWriter` thread.

    Two connections, because a write may wait for the SQLite lock (up to the write budget)
    and a read (is this alert a resend?) must not wait behind it.
    """

    def __init__(
        self, db: aiosqlite.Connection, path: Path, writer: LedgerWriter, *, created: bool = False
    ) -> None:
        self._reader: aiosqlite.Connection | None = db
        self.path = path
        self.created = created
        """True when this open created the ledger (only `tmtui run` does that)."""
        self._writer = writer
        self._closing: asyncio.Future[None] | None = None
        self._backups: asyncio.Task[None] | None = None
        self._keys = KeyLookups(self.keys_recorded)
        writer.after_loss(self._close_reader)

    @classmethod
    async def open(
        cls,
        path: str | Path,
        *,
        create: bool = True,
        quick_check: bool = False,
        write_budget: float = DEFAULT_WRITE_BUDGET_S,
        read_only_ok: bool = False,
    ) -> Ledger:
        """Open a sound ledger, or raise LedgerRefused with one line naming the file.

        `create`: a missing ledger is created (complete, under a temporary name first);
        otherwise it is refused. `quick_check` runs `PRAGMA quick_check` (reads the whole
        file: `tmtui run` does it once at start, read commands do not). `read_only_ok`
        (read commands): a ledger that cannot be written (read-only file system,
        permissions) is opened for reading instead of refused; every write then fails.
        """
        path = Path(path)
        try:
            created = await asyncio.to_thread(check_or_create, path, create)
        except (OSError, sqlite3.Error) as exc:
            reason = os_error_reason(exc) if isinstance(exc, OSError) else str(exc)
            raise LedgerUnavailable(f"cannot open the ledger {path}: {reason}") from exc
        guard = FileGuard(path)
        writer = LedgerWriter(guard, write_budget)
        try:
            await writer.start(partial(connect, path), partial(rescue, path))
            await writer.call(partial(prepare, path=path, deep=quick_check))
            db = await open_reader(path)
        except LedgerReadOnly:
            await writer.close()
            if not read_only_ok:
                raise
            return await cls._open_read_only(path, write_budget)
        except BaseException:
            await writer.close()
            raise
        guard.remember()
        return cls(db, path, writer, created=created)

    @classmethod
    async def _open_read_only(cls, path: Path, write_budget: float) -> Ledger:
        """A ledger that cannot be written, opened for the read commands."""
        guard = FileGuard(path)
        writer = LedgerWriter(guard, write_budget)
        try:
            await writer.start(partial(connect_read_only, path), partial(rescue, path))
            await writer.call(partial(check_read_only, path=path))
            db = await open_reader(path, read_only=True)
        except BaseException:
            await writer.close()
            raise
        guard.remember()
        return cls(db, path, writer)

    async def find_by_idem_key(self, key: str) -> int | None:
        """The signal an alert key was recorded as; LedgerUnavailable if it cannot be read.
        Read together with the keys of the alerts arriving meanwhile (`key_lookups`)."""
        return await self._keys.find(key)

    @property
    def _db(self) -> aiosqlite.Connection:
        if self._reader is None:
            raise LedgerGone(self._writer.status.state, self._writer.status.message)
        return self._reader

    async def close(self) -> None:
        """Commit what is queued (samples get a moment), then close. Safe to call twice."""
        if self._closing is None:
            self._closing = asyncio.ensure_future(self._close())
        await asyncio.shield(self._closing)

    async def _close(self) -> None:
        if self._backups is not None:
            self._backups.cancel()
            await asyncio.gather(self._backups, return_exceptions=True)
        await self._writer.close()
        await self._close_reader()

    async def _close_reader(self) -> None:
        reader, self._reader = self._reader, None
        if reader is not None:
            await reader.close()

    async def __aenter__(self) -> Ledger:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def status(self) -> LedgerStatus:
        """Can alerts be recorded right now? (Looks at the file: two `stat` calls.)"""
        return self._writer.check_file()

    def on_status(self, listener: Callable[[LedgerStatus], None]) -> None:
        """`listener` is called on every change of status (in the event loop)."""
        self._writer.on_status(listener)

    def keep_daily_backups(
        self, folder: Path, keep: int, day_of: Callable[[datetime], date]
    ) -> None:
        """While open: one backup per trading day into `folder`, the newest `keep` kept."""
        if keep <= 0 or self._backups is not None:
            return
        backups = DailyBackups(self.path, folder, keep, day_of)
        self._backups = asyncio.create_task(
            backups.run(first_after=FIRST_AFTER_S), name="tmtui-ledger-backups"
        )

    def record(self, write: SignalWrite, *, chained: bool = False) -> PendingWrite:
        """Record a signal and everything it caused, atomically: the one write of a signal.

        Queued for the next group commit; returns at once. Await `.confirmed()` for the
        signal id: it raises DuplicateSignal when the key is taken (nothing written) and
        LedgerUnavailable when it could not be committed within the write budget (nothing
        of it was recorded). The ledger commits in queue order, so queue in decision order.
        `chained`: decided on top of the chained writes queued before it, so it fails when one
        of them does. `write.orders` go to the outbox in the same transaction.
        `write.book` (the positions it changed) and `write.rollups` (what it adds to each
        trading day) keep the stored state equal to the replay of every applied signal.
        """
        record = write.record
        key = record.idem_key if record.outcome in (Outcome.ACCEPTED, Outcome.IGNORED) else None
        job = SignalWriteJob(
            signal_row(record, key),
            key,
            [fill_row(f) for f in write.fills],
            [trade_row(t) for t in write.closed_trades],
            [(e, dict(e.data)) for e in write.events],
            rows_of_book(write.book) if write.book is not None else None,
            list(write.rollups),
            [order_row(o, None) for o in write.orders],
        )
        return self._writer.submit(job, urgent=True, chained=chained)

    async def checkpoint_book(self, delta: BookDelta, last_signal_id: int) -> None:
        """Store the whole book as the replay up to `last_signal_id` (after a tail replay)."""
        rows = rows_of_book(delta)

        def write(conn: sqlite3.Connection) -> None:
            conn.execute("DELETE FROM open_positions WHERE source = 'live'")
            write_book(conn, rows, last_signal_id)

        await self._writer.submit(write, urgent=True).confirmed()

    async def replace_derived(
        self,
        fills: Sequence[Fill],
        trades: Sequence[Trade],
        book: BookDelta,
        rollups: Sequence[DayRollup],
        last_signal_id: int,
    ) -> None:
        """Rewrite every live table derived from the signals, in one transaction (`ledger
        rebuild`); backtests are not derived from signals and stay.

        Not bound by the write budget: it may be a year of history, and nobody waits on a
        webhook for it.
        """
        fill_rows = [(f.signal_id, *fill_row(f)) for f in fills]
        trade_rows = [trade_row(t) for t in trades]
        book_rows = rows_of_book(book)
        rollups = list(rollups)

        def write(conn: sqlite3.Connection) -> None:
            for table in ("fills", "trades", "open_positions", "day_rollups"):
                conn.execute(f"DELETE FROM {table} WHERE source = 'live'")
            conn.executemany(FILL_SQL, fill_rows)
            conn.executemany(TRADE_SQL, trade_rows)
            for rollup in rollups:
                add_rollup(conn, rollup)
            write_book(conn, book_rows, last_signal_id)

        await self._writer.submit(write, urgent=True, patient=True).confirmed()
