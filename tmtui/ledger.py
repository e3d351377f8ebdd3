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
import contextlib
import json
import logging
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any, Final

import aiosqlite

from tmtui.core.book_state import BookDelta
from tmtui.core.events import Event, EventKind
from tmtui.core.models import (
    Fill,
    LedgerUnavailable,
    Outcome,
    Side,
    Signal,
    TmtuiError,
    Trade,
    os_error_reason,
)
from tmtui.core.records import SignalRecord, SignalWrite
from tmtui.core.rollups import DayRollup
from tmtui.core.samples import (
    MINUTE,
    AccountSample,
    PositionSample,
    compact_account,
    compact_positions,
)
from tmtui.core.signal_rules import signal_from_dict, signal_to_dict
from tmtui.ledger_backup import BackupResult, DailyBackups, backup_file, copy_database
from tmtui.ledger_guard import (
    GONE,
    WAL_REMOVED,
    FileGuard,
    LedgerGone,
    LedgerRefused,
    LedgerStatus,
    check_database,
    check_file,
    classify,
    create_atomically,
    refusal,
    rescued_name,
    uri_for,
)
from tmtui.ledger_writer import LedgerWriter, PendingWrite, rollback_quietly

__all__ = [
    "AccountSample",
    "DuplicateSignal",
    "Ledger",
    "PositionSample",
    "SignalRecord",
    "StoredBook",
]

log = logging.getLogger("tmtui.ledger")

DEFAULT_WRITE_BUDGET_S: Final = 2.0
"""How long an alert's write may wait for the ledger before it is answered 503."""
LOW_WAIT_S: Final = 1.0
"""How long a sample or event write is waited for before its caller moves on."""
READ_BUSY_MS: Final = 1000
TABLES: Final = (
    "signals",
    "fills",
    "trades",
    "events",
    "position_samples",
    "account_samples",
    "strategy_switches",
)
"""The tables every ledger has (v1); checked on open."""

SCHEMA_VERSION = 5

_MIGRATIONS: dict[int, str] = {
    1: """
    CREATE TABLE signals (
        id INTEGER PRIMARY KEY,
        received_at TEXT NOT NULL,
        source TEXT NOT NULL,
        peer TEXT,
        raw TEXT,
        parsed TEXT,
        strategy TEXT,
        root TEXT,
        action TEXT,
        qty INTEGER,
        price TEXT,
        idem_key TEXT,
        outcome TEXT NOT NULL
            CHECK (outcome IN ('accepted', 'duplicate', 'ignored', 'rejected')),
        reason TEXT
    );
    CREATE UNIQUE INDEX signals_idem ON signals (idem_key)
        WHERE idem_key IS NOT NULL AND outcome IN ('accepted', 'ignored');
    CREATE TRIGGER signals_no_update BEFORE UPDATE ON signals
        BEGIN SELECT RAISE(ABORT, 'signals are append-only'); END;
    CREATE TRIGGER signals_no_delete BEFORE DELETE ON signals
        BEGIN SELECT RAISE(ABORT, 'signals are append-only'); END;
    CREATE TABLE fills (
        id INTEGER PRIMARY KEY,
        signal_id INTEGER REFERENCES signals (id),
        time TEXT NOT NULL,
        strategy TEXT NOT NULL,
        root TEXT NOT NULL,
        qty INTEGER NOT NULL,
        price TEXT NOT NULL,
        commission TEXT NOT NULL,
        realized TEXT NOT NULL,
        closing_qty INTEGER NOT NULL,
        trade_id INTEGER NOT NULL
    );
    CREATE INDEX fills_time ON fills (time);
    CREATE TABLE trades (
        trade_id INTEGER PRIMARY KEY,
        strategy TEXT NOT NULL,
        root TEXT NOT NULL,
        side TEXT NOT NULL,
        qty INTEGER NOT NULL,
        entry_time TEXT NOT NULL,
        exit_time TEXT NOT NULL,
        entry_price TEXT NOT NULL,
        exit_price TEXT NOT NULL,
        gross TEXT NOT NULL,
        commission TEXT NOT NULL,
        mae TEXT NOT NULL,
        mfe TEXT NOT NULL
    );
    CREATE INDEX trades_exit ON trades (exit_time);
    CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        time TEXT NOT NULL,
        kind TEXT NOT NULL,
        message TEXT NOT NULL,
        data TEXT
    );
    CREATE TABLE position_samples (
        ts INTEGER NOT NULL,
        strategy TEXT NOT NULL,
        root TEXT NOT NULL,
        trade_id INTEGER NOT NULL,
        mark TEXT NOT NULL,
        open_pnl TEXT NOT NULL,
        mae TEXT NOT NULL,
        mfe TEXT NOT NULL,
        PRIMARY KEY (strategy, root, ts)
    );
    CREATE TABLE account_samples (
        ts INTEGER PRIMARY KEY,
        day TEXT NOT NULL,
        realized TEXT NOT NULL,
        open TEXT NOT NULL,
        total TEXT NOT NULL,
        peak TEXT NOT NULL,
        max_mtm TEXT NOT NULL,
        min_mtm TEXT NOT NULL,
        max_drawdown TEXT NOT NULL,
        max_time TEXT,
        min_time TEXT
    );
    CREATE INDEX account_samples_day ON account_samples (day, ts);
    CREATE TABLE strategy_switches (
        strategy TEXT PRIMARY KEY,
        enabled INTEGER NOT NULL,
        time TEXT NOT NULL
    );
    """,
    2: """
    CREATE TABLE open_positions (
        strategy TEXT NOT NULL,
        root TEXT NOT NULL,
        state TEXT NOT NULL,
        signal_id INTEGER NOT NULL,
        PRIMARY KEY (strategy, root)
    );
    CREATE TABLE book_meta (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        last_signal_id INTEGER NOT NULL,
        next_trade_id INTEGER NOT NULL
    );
    INSERT INTO book_meta (id, last_signal_id, next_trade_id) VALUES (1,
        CASE WHEN EXISTS (SELECT 1 FROM signals WHERE outcome = 'accepted') THEN -1 ELSE 0 END,
        1);
    CREATE TABLE day_rollups (
        day TEXT NOT NULL,
        strategy TEXT NOT NULL,
        root TEXT NOT NULL,
        realized TEXT NOT NULL,
        commission TEXT NOT NULL,
        fills INTEGER NOT NULL,
        trades INTEGER NOT NULL,
        wins INTEGER NOT NULL,
        losses INTEGER NOT NULL,
        won TEXT NOT NULL,
        lost TEXT NOT NULL,
        PRIMARY KEY (day, strategy, root)
    );
    CREATE INDEX day_rollups_strategy ON day_rollups (strategy, day);
    CREATE INDEX trades_strategy ON trades (strategy, exit_time);
    CREATE INDEX trades_root ON trades (root, exit_time);
    CREATE INDEX fills_signal ON fills (signal_id);
    CREATE INDEX events_time ON events (time);
    CREATE INDEX position_samples_ts ON position_samples (ts);
    """,
    3: """
    CREATE TABLE position_samples_v3 (
        ts INTEGER NOT NULL,
        strategy TEXT NOT NULL,
        root TEXT NOT NULL,
        trade_id INTEGER NOT NULL,
        mark TEXT NOT NULL,
        open_pnl TEXT NOT NULL,
        mae TEXT NOT NULL,
        mfe TEXT NOT NULL,
        low TEXT,
        high TEXT,
        PRIMARY KEY (strategy, root, ts)
    ) WITHOUT ROWID;
    INSERT INTO position_samples_v3 (ts, strategy, root, trade_id, mark, open_pnl, mae, mfe)
        SELECT ts, strategy, root, trade_id, mark, open_pnl, mae, mfe FROM position_samples;
    DROP TABLE position_samples;
    ALTER TABLE position_samples_v3 RENAME TO position_samples;
    CREATE INDEX position_samples_raw ON position_samples (ts) WHERE low IS NULL;
    ALTER TABLE account_samples ADD COLUMN low TEXT;
    ALTER TABLE account_samples ADD COLUMN high TEXT;
    CREATE INDEX account_samples_raw ON account_samples (ts) WHERE low IS NULL;
    """,
    4: """
    CREATE TABLE IF NOT EXISTS risk_state (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        state TEXT NOT NULL,
        time TEXT NOT NULL
    );
    """,
    5: """
    CREATE TABLE strategy_imports (
        strategy TEXT NOT NULL,
        format TEXT NOT NULL,
        file TEXT NOT NULL,
        imported_at TEXT NOT NULL,
        signals INTEGER NOT NULL,
        PRIMARY KEY (strategy, format, file)
    );
    """,
}
"""v3: samples get the minute's `low`/`high` once compacted (NULL while raw, at 1 s). The
partial indexes hold only raw samples: finding and reading a day still to compact touches
the raw rows alone. Position samples are a WITHOUT ROWID table on their primary key (the
per-position lookups), without the v2 index on ts: a third less space per year.
v4: one row of risk-guard state (highs, best prices, lockouts, drift), rewritten in place.
v5: the strategies `tmtui import` recorded, by file and format (the Strategies screen marks
them imported)."""

NEEDS_REBUILD = -1
"""`book_meta.last_signal_id` of a ledger upgraded from v1: its derived tables need a rebuild."""


def iso(moment: datetime) -> str:
    """Fixed-width UTC text, so string order is time order in SQL."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text)


@dataclass(frozen=True, slots=True)
class StoredBook:
    """The book as stored: positions as JSON-able state, and the replay point."""

    last_signal_id: int
    next_trade_id: int
    positions: dict[tuple[str, str], dict[str, Any]]

    @property
    def needs_rebuild(self) -> bool:
        return self.last_signal_id == NEEDS_REBUILD


class DuplicateSignal(TmtuiError):
    """The record's idempotency key is taken (by a committed signal or one earlier in the same
    group commit): nothing was written for it."""

    def __init__(self, original: int) -> None:
        super().__init__(f"duplicate alert: its key was already recorded as signal #{original}")
        self.original = original


class Ledger:
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
        writer.after_loss(self._close_reader)

    @classmethod
    async def open(
        cls,
        path: str | Path,
        *,
        create: bool = True,
        quick_check: bool = False,
        write_budget: float = DEFAULT_WRITE_BUDGET_S,
    ) -> Ledger:
        """Open a sound ledger, or raise LedgerRefused with one line naming the file.

        `create`: a missing ledger is created (complete, under a temporary name first);
        otherwise it is refused. `quick_check` runs `PRAGMA quick_check` (reads the whole
        file: `tmtui run` does it once at start, read commands do not).
        """
        path = Path(path)
        try:
            created = await asyncio.to_thread(_check_or_create, path, create)
        except (OSError, sqlite3.Error) as exc:
            reason = os_error_reason(exc) if isinstance(exc, OSError) else str(exc)
            raise LedgerUnavailable(f"cannot open the ledger {path}: {reason}") from exc
        guard = FileGuard(path)
        writer = LedgerWriter(guard, write_budget)
        try:
            await writer.start(partial(_connect, path), partial(_rescue, path))
            await writer.call(partial(_prepare, path=path, deep=quick_check))
            db = await _open_reader(path)
        except BaseException:
            await writer.close()
            raise
        guard.remember()
        return cls(db, path, writer, created=created)

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

    # --- health -------------------------------------------------------------------------

    def status(self) -> LedgerStatus:
        """Can alerts be recorded right now? (Looks at the file: two `stat` calls.)"""
        return self._writer.check_file()

    def on_status(self, listener: Callable[[LedgerStatus], None]) -> None:
        """`listener` is called on every change of status (in the event loop)."""
        self._writer.on_status(listener)

    # --- backups --------------------------------------------------------------------------

    def keep_daily_backups(
        self, folder: Path, keep: int, day_of: Callable[[datetime], date]
    ) -> None:
        """While open: one backup per trading day into `folder`, the newest `keep` kept."""
        if keep <= 0 or self._backups is not None:
            return
        backups = DailyBackups(self.path, folder, keep, day_of)
        self._backups = asyncio.create_task(backups.run(), name="tmtui-ledger-backups")

    async def backup(self, target: Path) -> BackupResult:
        """A consistent copy (SQLite online backup) while writes go on; see ledger_backup."""
        return await asyncio.to_thread(backup_file, self.path, target)

    # --- writes ---------------------------------------------------------------------------

    def queue_signal(
        self,
        record: SignalRecord,
        fills: Sequence[Fill] = (),
        closed_trades: Sequence[Trade] = (),
        events: Sequence[Event] = (),
        *,
        book: BookDelta | None = None,
        rollups: Sequence[DayRollup] = (),
        chained: bool = False,
    ) -> PendingWrite:
        """Queue a signal with what it caused, for the next group commit; returns at once.

        The ledger commits in queue order, so queue in decision order. The write's result is
        the signal id; it fails with DuplicateSignal when its key is taken, LedgerUnavailable
        when it could not be recorded (then nothing of it was). `chained`: decided on top of
        the chained writes queued before it, so it fails when one of them does. `book` (the
        positions the signal changed) and `rollups` (what it adds to each trading day) keep the
        stored state equal to the replay of every applied signal.
        """
        key = record.idem_key if record.outcome in (Outcome.ACCEPTED, Outcome.IGNORED) else None
        write = SignalWriteJob(
            _signal_row(record, key),
            key,
            [_fill_row(f) for f in fills],
            [_trade_row(t) for t in closed_trades],
            [(e, dict(e.data)) for e in events],
            _book_rows(book) if book is not None else None,
            list(rollups),
        )
        return self._writer.submit(write, urgent=True, chained=chained)

    async def record_signal(
        self,
        record: SignalRecord,
        fills: Sequence[Fill] = (),
        closed_trades: Sequence[Trade] = (),
        events: Sequence[Event] = (),
        *,
        book: BookDelta | None = None,
        rollups: Sequence[DayRollup] = (),
        chained: bool = False,
    ) -> int:
        """Append a signal with what it caused, atomically; returns the signal id.

        Raises LedgerUnavailable if it could not be committed within the write budget (nothing
        was recorded then, or it lands later and a resend is deduplicated), DuplicateSignal if
        its key is taken.
        """
        write = self.queue_signal(
            record, fills, closed_trades, events, book=book, rollups=rollups, chained=chained
        )
        return int(await write.confirmed())

    async def checkpoint_book(self, delta: BookDelta, last_signal_id: int) -> None:
        """Store the whole book as the replay up to `last_signal_id` (after a tail replay)."""
        rows = _book_rows(delta)

        def write(conn: sqlite3.Connection) -> None:
            conn.execute("DELETE FROM open_positions")
            _write_book(conn, rows, last_signal_id)

        await self._writer.submit(write, urgent=True).confirmed()

    async def replace_derived(
        self,
        fills: Sequence[Fill],
        trades: Sequence[Trade],
        book: BookDelta,
        rollups: Sequence[DayRollup],
        last_signal_id: int,
    ) -> None:
        """Rewrite every table derived from the signals, in one transaction (`ledger rebuild`).

        Not bound by the write budget: it may be a year of history, and nobody waits on a
        webhook for it.
        """
        fill_rows = [(f.signal_id, *_fill_row(f)) for f in fills]
        trade_rows = [_trade_row(t) for t in trades]
        book_rows = _book_rows(book)
        rollups = list(rollups)

        def write(conn: sqlite3.Connection) -> None:
            for table in ("fills", "trades", "open_positions", "day_rollups"):
                conn.execute(f"DELETE FROM {table}")
            conn.executemany(FILL_SQL, fill_rows)
            conn.executemany(TRADE_SQL, trade_rows)
            for rollup in rollups:
                _add_rollup(conn, rollup)
            _write_book(conn, book_rows, last_signal_id)

        await self._writer.submit(write, urgent=True, patient=True).confirmed()

    async def record_write(self, write: SignalWrite) -> int:
        """Record one intake decision's `SignalWrite` in one transaction; see `record_signal`."""
        return int(await self.queue_write(write).confirmed())

    def queue_write(self, write: SignalWrite, *, chained: bool = False) -> PendingWrite:
        """Queue one intake decision's `SignalWrite` for the next group commit; see
        `queue_signal`."""
        return self.queue_signal(
            write.record,
            write.fills,
            write.closed_trades,
            write.events,
            book=write.book,
            rollups=write.rollups,
            chained=chained,
        )

    async def add_events(self, events: Iterable[Event]) -> None:
        rows = [_event_row(e, dict(e.data), None) for e in events]
        if rows:
            await self._write_later(lambda conn: conn.executemany(EVENT_SQL, rows))

    async def add_position_samples(self, samples: Iterable[PositionSample]) -> None:
        rows = [_position_sample_row(s) for s in samples]
        if rows:
            await self._write_later(lambda conn: conn.executemany(POSITION_SAMPLE_SQL, rows))

    async def add_account_sample(self, s: AccountSample) -> None:
        await self.add_account_samples([s])

    async def add_account_samples(self, samples: Iterable[AccountSample]) -> None:
        rows = [_account_sample_row(s) for s in samples]
        if rows:
            await self._write_later(lambda conn: conn.executemany(ACCOUNT_SAMPLE_SQL, rows))

    async def write_samples(
        self,
        positions: Sequence[PositionSample],
        account: AccountSample | None,
        events: Sequence[Event],
        risk_state: tuple[dict[str, Any], datetime] | None = None,
    ) -> None:
        """One sampler tick (P&L samples, queued log lines and, when it changed, the risk
        guard's state) in one transaction, behind every alert (see `_write_later`)."""
        if not positions and account is None and not events and risk_state is None:
            return
        position_rows = [_position_sample_row(s) for s in positions]
        account_row = _account_sample_row(account) if account is not None else None
        event_rows = [_event_row(e, dict(e.data), None) for e in events]
        risk_row = _risk_state_row(*risk_state) if risk_state is not None else None

        def write(conn: sqlite3.Connection) -> None:
            if position_rows:
                conn.executemany(POSITION_SAMPLE_SQL, position_rows)
            if account_row is not None:
                conn.execute(ACCOUNT_SAMPLE_SQL, account_row)
            if event_rows:
                conn.executemany(EVENT_SQL, event_rows)
            if risk_row is not None:
                conn.execute(RISK_STATE_SQL, risk_row)

        await self._write_later(write)

    async def compact_samples(self, start: int, end: int, seconds: int = MINUTE) -> int:
        """Thin the 1 s samples with `start` <= ts < `end` to one row per series per minute.

        One transaction: a crash leaves the range as it was. Only raw rows are read, so a
        range is compacted once; a raw row written later into an already compacted minute
        (a clock set back) becomes a row of its own. Returns how many rows it removed.
        Runs behind every alert, like the samples.
        """

        def write(conn: sqlite3.Connection) -> int:
            span = (start, end)
            raw = " WHERE low IS NULL AND ts >= ? AND ts < ?"  # the partial indexes
            raw_positions = _rows(conn, "SELECT * FROM position_samples" + raw, span)
            raw_account = _rows(conn, "SELECT * FROM account_samples" + raw, span)
            positions = compact_positions(map(position_sample, raw_positions), seconds)
            account = compact_account(map(account_from_row, raw_account), seconds)
            conn.execute("DELETE FROM position_samples" + raw, span)
            conn.execute("DELETE FROM account_samples" + raw, span)
            conn.executemany(POSITION_SAMPLE_SQL, [_position_sample_row(p) for p in positions])
            conn.executemany(ACCOUNT_SAMPLE_SQL, [_account_sample_row(a) for a in account])
            return len(raw_positions) + len(raw_account) - len(positions) - len(account)

        return int(await self._writer.submit(write, urgent=False, patient=True).confirmed())

    async def prune_events(self, before: datetime, batch: int = 5000) -> int:
        """Delete log lines older than `before`, `batch` rows per transaction; returns the count.

        Small transactions behind every alert, so an alert arriving meanwhile waits for one
        batch at most, not all.
        """
        total = 0
        cutoff = iso(before)
        while await self._dicts("SELECT 1 FROM events WHERE time < ? LIMIT 1", (cutoff,)):

            def write(conn: sqlite3.Connection) -> int:
                cur = conn.execute(
                    "DELETE FROM events WHERE id IN"
                    " (SELECT id FROM events WHERE time < ? ORDER BY time LIMIT ?)",
                    (cutoff, batch),
                )
                return cur.rowcount

            total += int(await self._writer.submit(write, urgent=False, patient=True).confirmed())
        return total

    async def write_alone(self, work: Callable[[sqlite3.Connection], Any]) -> Any:
        """Run `work` (a function of the write connection) as one write of its own, in one
        transaction, not bound by the write budget (an import, say); its result, or its
        error (nothing of it written then)."""
        return await self._writer.submit(work, urgent=True, patient=True).confirmed()

    async def save_risk_state(self, state: dict[str, Any], when: datetime) -> None:
        """Replace the one stored risk-guard state (small, rewritten in place); a lockout
        is saved at once, ahead of samples, and its failure is raised."""
        row = _risk_state_row(state, when)
        await self._writer.submit(
            lambda conn: conn.execute(RISK_STATE_SQL, row), urgent=True
        ).confirmed()

    async def set_strategy_enabled(self, strategy: str, enabled: bool, when: datetime) -> None:
        """A trader's switch: written ahead of samples, and its failure is raised."""
        row = (strategy, int(enabled), iso(when))
        write = self._writer.submit(
            lambda conn: conn.execute(
                "INSERT OR REPLACE INTO strategy_switches VALUES (?,?,?)", row
            ),
            urgent=True,
        )
        await write.confirmed()

    async def _write_later(self, work: Callable[[sqlite3.Connection], object]) -> None:
        """Samples and events: behind every alert, never raising.

        Waits up to LOW_WAIT_S for the commit; a write the ledger cannot take yet stays queued
        (and is dropped after a while). Trouble is reported once, by the ledger's status.
        """
        status = self._writer.status
        if status.permanent:
            return
        write = self._writer.submit(work, urgent=False)
        if status.ok:  # in trouble the write just waits its turn: nobody waits with it
            with contextlib.suppress(TmtuiError):
                await write.settled(LOW_WAIT_S)

    # --- reads ------------------------------------------------------------------------

    async def find_by_idem_key(self, key: str) -> int | None:
        """The signal an alert key was recorded as; LedgerUnavailable if it cannot be read."""
        try:
            rows = list(await self._db.execute_fetchall(IDEM_SQL, (key,)))  # one thread hop
        except sqlite3.Error as exc:
            raise LedgerUnavailable(f"not recorded: the ledger cannot be read: {exc}") from exc
        return int(rows[0][0]) if rows else None

    async def accepted_signals(self, after: int = 0) -> list[tuple[int, Signal]]:
        """Applied signals with id > `after` in order, with their fill price: the replay input."""
        async with self._db.execute(
            "SELECT id, parsed FROM signals WHERE outcome = 'accepted' AND id > ? ORDER BY id",
            (after,),
        ) as cur:
            rows = await cur.fetchall()
        return [(int(r[0]), signal_from_dict(json.loads(r[1]))) for r in rows]

    async def signals(self, limit: int = 1000) -> list[dict[str, Any]]:
        return await self._dicts(
            "SELECT * FROM (SELECT * FROM signals ORDER BY id DESC LIMIT ?) ORDER BY id", (limit,)
        )

    async def count_signals(self, outcome: Outcome | None = None) -> int:
        sql, args = "SELECT COUNT(*) FROM signals", ()
        if outcome is not None:
            sql, args = sql + " WHERE outcome = ?", (outcome.value,)  # type: ignore[assignment]
        async with self._db.execute(sql, args) as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def fills(self, start: datetime | None = None, end: datetime | None = None) -> list[Fill]:
        sql = "SELECT * FROM fills"
        sql, args = _time_range(sql, "time", start, end)
        rows = await self._dicts(sql + " ORDER BY id", args)
        return [
            Fill(
                r["strategy"],
                r["root"],
                r["qty"],
                Decimal(r["price"]),
                parse_time(r["time"]),
                Decimal(r["commission"]),
                Decimal(r["realized"]),
                r["closing_qty"],
                r["trade_id"],
                r["signal_id"],
            )
            for r in rows
        ]

    async def trades(
        self, start: datetime | None = None, end: datetime | None = None
    ) -> list[Trade]:
        """Closed round trips by exit time."""
        sql, args = _time_range("SELECT * FROM trades", "exit_time", start, end)
        rows = await self._dicts(sql + " ORDER BY exit_time, trade_id", args)
        return [trade_from_row(r) for r in rows]

    async def events(self, limit: int = 500) -> list[Event]:
        rows = await self._dicts(
            "SELECT * FROM (SELECT * FROM events ORDER BY id DESC LIMIT ?) ORDER BY id", (limit,)
        )
        return [
            Event(
                EventKind(r["kind"]),
                r["message"],
                parse_time(r["time"]),
                json.loads(r["data"]) if r["data"] else {},
            )
            for r in rows
        ]

    async def latest_position_sample(self, strategy: str, root: str) -> PositionSample | None:
        """The newest sample of one (strategy, root): one primary-key lookup, at any age."""
        rows = await self._dicts(
            "SELECT * FROM position_samples WHERE strategy = ? AND root = ?"
            " ORDER BY ts DESC LIMIT 1",
            (strategy, root),
        )
        return position_sample(rows[0]) if rows else None

    async def oldest_raw_sample(self) -> int | None:
        """The ts of the oldest sample not yet compacted (from the partial indexes)."""
        oldest = None
        for table in ("position_samples", "account_samples"):
            async with self._db.execute(f"SELECT MIN(ts) FROM {table} WHERE low IS NULL") as cur:
                row = await cur.fetchone()
            if row and row[0] is not None:
                oldest = row[0] if oldest is None else min(oldest, row[0])
        return None if oldest is None else int(oldest)

    async def position_samples(
        self, strategy: str, root: str, start: int = 0, end: int | None = None
    ) -> list[PositionSample]:
        """One (strategy, root)'s samples with `start` <= ts < `end`, oldest first."""
        rows = await self._dicts(
            "SELECT * FROM position_samples WHERE strategy = ? AND root = ? AND ts >= ?"
            " AND ts < ? ORDER BY ts",
            (strategy, root, start, end if end is not None else 2**62),
        )
        return [position_sample(r) for r in rows]

    async def account_samples(self, day: str, limit: int | None = None) -> list[AccountSample]:
        sql = "SELECT * FROM account_samples WHERE day = ? ORDER BY ts"
        args: tuple[Any, ...] = (day,)
        if limit is not None:
            sql = (
                "SELECT * FROM (SELECT * FROM account_samples WHERE day = ? ORDER BY ts DESC"
                " LIMIT ?) ORDER BY ts"
            )
            args = (day, limit)
        rows = await self._dicts(sql, args)
        return [account_from_row(r) for r in rows]

    async def last_account_sample(self, day: str) -> AccountSample | None:
        rows = await self.account_samples(day, limit=1)
        return rows[-1] if rows else None

    async def book_state(self) -> StoredBook:
        """The stored open positions and the id of the last signal they include."""
        meta = await self._dicts("SELECT last_signal_id, next_trade_id FROM book_meta", ())
        rows = await self._dicts("SELECT strategy, root, state FROM open_positions", ())
        last, next_id = (meta[0]["last_signal_id"], meta[0]["next_trade_id"]) if meta else (-1, 1)
        positions = {(r["strategy"], r["root"]): json.loads(r["state"]) for r in rows}
        return StoredBook(int(last), int(next_id), positions)

    async def rollups(
        self, first: str | None = None, last: str | None = None, strategy: str | None = None
    ) -> list[DayRollup]:
        """Day rollups with `first` <= day <= `last` (ISO dates), optionally one strategy."""
        clauses, args = [], []
        if first is not None:
            clauses.append("day >= ?")
            args.append(first)
        if last is not None:
            clauses.append("day <= ?")
            args.append(last)
        if strategy is not None:
            clauses.append("strategy = ?")
            args.append(strategy)
        where = " WHERE " + " AND ".join(clauses) if clauses else ""
        rows = await self._dicts(
            f"SELECT * FROM day_rollups{where} ORDER BY day, strategy, root", tuple(args)
        )
        return [rollup_from_row(r) for r in rows]

    async def risk_state(self) -> dict[str, Any] | None:
        """The stored risk-guard state, or None before the first one was written."""
        rows = await self._dicts("SELECT state FROM risk_state WHERE id = 1", ())
        return json.loads(rows[0]["state"]) if rows else None

    async def strategy_switches(self) -> dict[str, bool]:
        rows = await self._dicts("SELECT strategy, enabled FROM strategy_switches", ())
        return {r["strategy"]: bool(r["enabled"]) for r in rows}

    async def fetch(self, sql: str, args: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        """Rows of a read-only query as dicts: the read side (`tmtui.queries`) owns its SQL."""
        return await self._dicts(sql, args)

    async def stream(
        self, sql: str, args: tuple[Any, ...] = (), size: int = 2000
    ) -> AsyncIterator[dict[str, Any]]:
        """Rows of a read-only query, `size` at a time, so an export never holds them all."""
        async with self._db.execute(sql, args) as cur:
            names = [d[0] for d in cur.description]
            while rows := await cur.fetchmany(size):
                for row in rows:
                    yield dict(zip(names, row, strict=True))

    async def _dicts(self, sql: str, args: tuple[Any, ...]) -> list[dict[str, Any]]:
        async with self._db.execute(sql, args) as cur:
            names = [d[0] for d in cur.description]
            rows = await cur.fetchall()
        return [dict(zip(names, row, strict=True)) for row in rows]


def _time_range(
    sql: str, column: str, start: datetime | None, end: datetime | None
) -> tuple[str, tuple[Any, ...]]:
    clauses, args = [], []
    if start is not None:
        clauses.append(f"{column} >= ?")
        args.append(iso(start))
    if end is not None:
        clauses.append(f"{column} < ?")
        args.append(iso(end))
    if clauses:
        sql += " WHERE " + " AND ".join(clauses)
    return sql, tuple(args)


def trade_from_row(r: dict[str, Any]) -> Trade:
    qty = int(r["qty"])
    trade = Trade(
        trade_id=r["trade_id"],
        strategy=r["strategy"],
        root=r["root"],
        side=Side(r["side"]),
        entry_time=parse_time(r["entry_time"]),
        qty=qty,
        gross=Decimal(r["gross"]),
        commission=Decimal(r["commission"]),
        mae=Decimal(r["mae"]),
        mfe=Decimal(r["mfe"]),
        exit_time=parse_time(r["exit_time"]),
    )
    # Stored averages are exact; keep them exact by storing them over a unit quantity.
    trade.entry_qty, trade.entry_value = 1, Decimal(r["entry_price"])
    trade.exit_qty, trade.exit_value = 1, Decimal(r["exit_price"])
    return trade


def rollup_from_row(r: dict[str, Any]) -> DayRollup:
    return DayRollup(
        r["day"],
        r["strategy"],
        r["root"],
        Decimal(r["realized"]),
        Decimal(r["commission"]),
        int(r["fills"]),
        int(r["trades"]),
        int(r["wins"]),
        int(r["losses"]),
        Decimal(r["won"]),
        Decimal(r["lost"]),
    )


def position_sample(r: dict[str, Any]) -> PositionSample:
    return PositionSample(
        r["ts"],
        r["strategy"],
        r["root"],
        r["trade_id"],
        Decimal(r["mark"]),
        Decimal(r["open_pnl"]),
        Decimal(r["mae"]),
        Decimal(r["mfe"]),
        _decimal(r.get("low")),
        _decimal(r.get("high")),
    )


def account_from_row(r: dict[str, Any]) -> AccountSample:
    return AccountSample(
        r["ts"],
        r["day"],
        Decimal(r["realized"]),
        Decimal(r["open"]),
        Decimal(r["total"]),
        Decimal(r["peak"]),
        Decimal(r["max_mtm"]),
        Decimal(r["min_mtm"]),
        Decimal(r["max_drawdown"]),
        parse_time(r["max_time"]) if r["max_time"] else None,
        parse_time(r["min_time"]) if r["min_time"] else None,
        _decimal(r.get("low")),
        _decimal(r.get("high")),
    )


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _decimal(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


# --- writing (these run in the writer thread) ---------------------------------------------

SIGNAL_SQL: Final = (
    "INSERT INTO signals (received_at, source, peer, raw, parsed, strategy, root, action,"
    " qty, price, idem_key, outcome, reason) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)"
)
SIGNAL_ID_SQL: Final = (
    "INSERT INTO signals (id, received_at, source, peer, raw, parsed, strategy, root, action,"
    " qty, price, idem_key, outcome, reason) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
)
FILL_SQL: Final = (
    "INSERT INTO fills (signal_id, time, strategy, root, qty, price, commission,"
    " realized, closing_qty, trade_id) VALUES (?,?,?,?,?,?,?,?,?,?)"
)
TRADE_SQL: Final = (
    "INSERT OR REPLACE INTO trades (trade_id, strategy, root, side, qty, entry_time,"
    " exit_time, entry_price, exit_price, gross, commission, mae, mfe)"
    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)"
)
EVENT_SQL: Final = "INSERT INTO events (time, kind, message, data) VALUES (?,?,?,?)"
POSITION_SAMPLE_SQL: Final = (
    "INSERT OR REPLACE INTO position_samples (ts, strategy, root, trade_id, mark,"
    " open_pnl, mae, mfe, low, high) VALUES (?,?,?,?,?,?,?,?,?,?)"
)
ACCOUNT_SAMPLE_SQL: Final = (
    "INSERT OR REPLACE INTO account_samples (ts, day, realized, open, total, peak,"
    " max_mtm, min_mtm, max_drawdown, max_time, min_time, low, high)"
    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)"
)
RISK_STATE_SQL: Final = "INSERT OR REPLACE INTO risk_state (id, state, time) VALUES (1, ?, ?)"
IDEM_SQL: Final = "SELECT id FROM signals WHERE idem_key = ? AND outcome IN ('accepted', 'ignored')"


def _signal_row(r: SignalRecord, key: str | None) -> tuple[Any, ...]:
    s = r.signal
    return (
        iso(r.received),
        r.source,
        r.peer,
        r.raw,
        json.dumps(signal_to_dict(s)) if s else None,
        s.strategy if s else None,
        s.root if s else None,
        s.action.value if s else None,
        s.qty if s else None,
        str(s.price) if s and s.price is not None else None,
        key,
        r.outcome.value,
        r.reason,
    )


def _fill_row(f: Fill) -> tuple[Any, ...]:
    """A fill's columns after signal_id (known only once the signal row is inserted)."""
    return (
        iso(f.time),
        f.strategy,
        f.root,
        f.qty,
        str(f.price),
        str(f.commission),
        str(f.realized),
        f.closing_qty,
        f.trade_id,
    )


def _trade_row(t: Trade) -> tuple[Any, ...]:
    assert t.exit_time is not None and t.exit_price is not None
    return (
        t.trade_id,
        t.strategy,
        t.root,
        t.side.value,
        t.qty,
        iso(t.entry_time),
        iso(t.exit_time),
        str(t.entry_price),
        str(t.exit_price),
        str(t.gross),
        str(t.commission),
        str(t.mae),
        str(t.mfe),
    )


def _event_row(e: Event, data: dict[str, Any], signal_id: int | None) -> tuple[Any, ...]:
    if signal_id is not None:
        data.setdefault("signal_id", signal_id)
    return (iso(e.time), e.kind.value, e.message, json.dumps(data, default=str))


BookRows = tuple[list[tuple[str, str, str]], list[tuple[str, str]], int]
"""A BookDelta as rows: (strategy, root, state JSON) upserts, (strategy, root) deletes, the
next trade id. Serialised when queued, so later marks cannot change what is written."""


def _book_rows(delta: BookDelta) -> BookRows:
    upserts = [(s, r, json.dumps(state)) for (s, r), state in delta.upserts.items()]
    return upserts, list(delta.deletes), delta.next_trade_id


def _write_book(conn: sqlite3.Connection, rows: BookRows, signal_id: int) -> None:
    upserts, deletes, next_trade_id = rows
    conn.executemany(
        "INSERT OR REPLACE INTO open_positions VALUES (?,?,?,?)",
        [(strategy, root, state, signal_id) for strategy, root, state in upserts],
    )
    conn.executemany("DELETE FROM open_positions WHERE strategy = ? AND root = ?", deletes)
    conn.execute(
        "UPDATE book_meta SET last_signal_id = ?, next_trade_id = ? WHERE id = 1",
        (signal_id, next_trade_id),
    )


def _add_rollup(conn: sqlite3.Connection, r: DayRollup) -> None:
    """Add one signal's day figures to the stored day total (inside the write transaction)."""
    cur = conn.execute(
        "SELECT * FROM day_rollups WHERE day = ? AND strategy = ? AND root = ?", r.key
    )
    names = [d[0] for d in cur.description]
    row = cur.fetchone()
    cur.close()
    total = DayRollup(*r.key)
    if row is not None:
        total = rollup_from_row(dict(zip(names, row, strict=True)))
    total.add(r)
    conn.execute(
        "INSERT OR REPLACE INTO day_rollups VALUES (?,?,?,?,?,?,?,?,?,?,?)",
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
        ),
    )


def _position_sample_row(s: PositionSample) -> tuple[Any, ...]:
    return (
        s.ts,
        s.strategy,
        s.root,
        s.trade_id,
        str(s.mark),
        str(s.open_pnl),
        str(s.mae),
        str(s.mfe),
        _text(s.low),
        _text(s.high),
    )


def _account_sample_row(s: AccountSample) -> tuple[Any, ...]:
    return (
        s.ts,
        s.day,
        str(s.realized),
        str(s.open),
        str(s.total),
        str(s.peak),
        str(s.max_mtm),
        str(s.min_mtm),
        str(s.max_drawdown),
        iso(s.max_time) if s.max_time else None,
        iso(s.min_time) if s.min_time else None,
        _text(s.low),
        _text(s.high),
    )


def _risk_state_row(state: dict[str, Any], when: datetime) -> tuple[str, str]:
    return (json.dumps(state, sort_keys=True), iso(when))


def _rows(conn: sqlite3.Connection, sql: str, args: tuple[Any, ...]) -> list[dict[str, Any]]:
    """Rows as dicts, read on the writer's connection (inside its transaction)."""
    cur = conn.execute(sql, args)
    names = [d[0] for d in cur.description]
    rows = [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    cur.close()
    return rows


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

    def __call__(self, conn: sqlite3.Connection) -> int:
        signal_id = _insert_signal(conn, self.signal, self.key)
        if self.fills:
            conn.executemany(FILL_SQL, [(signal_id, *row) for row in self.fills])
        if self.trades:
            conn.executemany(TRADE_SQL, self.trades)
        if self.events:
            conn.executemany(EVENT_SQL, [_event_row(e, data, signal_id) for e, data in self.events])
        if self.book is not None:
            _write_book(conn, self.book, signal_id)
        for rollup in self.rollups:
            _add_rollup(conn, rollup)
        return signal_id

    @staticmethod
    def group(conn: sqlite3.Connection, jobs: Sequence[Any]) -> list[Any]:
        return write_signals(conn, jobs)


class _NotTogether(Exception):
    """These signals cannot be written together (a key is taken): write them one by one."""


def write_signals(conn: sqlite3.Connection, jobs: Sequence[SignalWriteJob]) -> list[int]:
    """Write consecutive signal jobs with one statement per table; their signal ids.

    Equal to writing them one by one, in order: ids follow the queue, the stored book ends as
    the last job left each position, day rollups add up. A taken key raises _NotTogether
    before anything is written, and the writer falls back to one by one (which reports the
    duplicate to that job alone).
    """
    keys = [job.key for job in jobs if job.key is not None]
    if len(set(keys)) != len(keys):
        raise _NotTogether
    if keys:
        marks = ",".join("?" * len(keys))
        taken = conn.execute(
            f"SELECT 1 FROM signals WHERE idem_key IN ({marks})"
            " AND outcome IN ('accepted', 'ignored') LIMIT 1",
            keys,
        ).fetchone()
        if taken is not None:
            raise _NotTogether
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
        _event_row(e, data, i) for i, job in zip(ids, jobs, strict=True) for e, data in job.events
    ]
    if events:
        conn.executemany(EVENT_SQL, events)
    _write_books(conn, [(job.book, i) for i, job in zip(ids, jobs, strict=True) if job.book])
    totals: dict[tuple[str, str, str], DayRollup] = {}
    for job in jobs:
        for rollup in job.rollups:
            totals.setdefault(rollup.key, DayRollup(*rollup.key)).add(rollup)
    for total in totals.values():
        _add_rollup(conn, total)
    return ids


def _write_books(conn: sqlite3.Connection, books: list[tuple[BookRows, int]]) -> None:
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
        "INSERT OR REPLACE INTO open_positions VALUES (?,?,?,?)",
        [(k[0], k[1], v[0], v[1]) for k, v in final.items() if v is not None],
    )
    conn.executemany(
        "DELETE FROM open_positions WHERE strategy = ? AND root = ?",
        [k for k, v in final.items() if v is None],
    )
    (_upserts, _deletes, next_trade_id), last_id = books[-1]
    conn.execute(
        "UPDATE book_meta SET last_signal_id = ?, next_trade_id = ? WHERE id = 1",
        (last_id, next_trade_id),
    )


def _insert_signal(conn: sqlite3.Connection, row: tuple[Any, ...], key: str | None) -> int:
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


# --- opening -----------------------------------------------------------------------------


def _check_or_create(path: Path, create: bool) -> bool:
    """check_file, then create the ledger if it is missing and may be; True if created."""
    missing = check_file(path, create=create)
    if missing:
        create_atomically(path, _migrate)
    return missing


def _connect(path: Path) -> sqlite3.Connection:
    """The writer's connection (opened in the writer thread); never creates the file."""
    try:
        conn = sqlite3.connect(uri_for(path), uri=True, isolation_level=None)
    except sqlite3.Error as exc:
        raise LedgerRefused(f"cannot open the ledger {path}: {exc}") from None
    try:
        conn.execute("PRAGMA busy_timeout = 2000")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
    except sqlite3.Error as exc:
        conn.close()
        if classify(exc) == "locked":
            raise LedgerRefused(
                f"cannot open the ledger {path}: it is locked by another program ({exc}): "
                "close that program and try again"
            ) from None
        raise refusal(path, f"is unreadable ({exc})") from None
    return conn


def _prepare(conn: sqlite3.Connection, *, path: Path, deep: bool) -> None:
    """Check the opened ledger (see check_database), then bring its schema up to date."""
    check_database(conn, path, newest=SCHEMA_VERSION, tables=TABLES, deep=deep)
    try:
        _migrate(conn)
    except sqlite3.Error as exc:
        raise LedgerRefused(f"cannot open the ledger {path}: upgrading it failed ({exc})") from None


def _migrate(conn: sqlite3.Connection) -> None:
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    for target in range(version + 1, SCHEMA_VERSION + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in _split_sql(_MIGRATIONS[target]):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {target}")
            conn.execute("COMMIT")
        except BaseException:
            rollback_quietly(conn)
            raise


async def _open_reader(path: Path) -> aiosqlite.Connection:
    try:
        db = await aiosqlite.connect(uri_for(path), uri=True, isolation_level=None)
    except sqlite3.Error as exc:
        raise LedgerRefused(f"cannot open the ledger {path}: {exc}") from None
    try:
        await db.execute(f"PRAGMA busy_timeout = {READ_BUSY_MS}")
        await db.execute("PRAGMA query_only = 1")
    except BaseException:
        await db.close()
        raise
    return db


def _rescue(path: Path, conn: sqlite3.Connection, problem: LedgerGone) -> str:
    """Save what the open connection still sees of a ledger deleted, replaced or WAL-less.

    Without its WAL, a checkpoint copies the WAL's pages (still readable through the open
    file) into the database file. A deleted ledger is written back to its path; a replaced
    one next to the replacement, never over it.
    """
    restart = "alerts are refused (503) until tmtui is restarted"
    if problem.state == WAL_REMOVED:
        busy, frames, copied = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        if busy == 0 and frames == copied:
            return f"everything it recorded is safe in {path}; {restart}"
    target = path if problem.state == GONE and not path.exists() else rescued_name(path)
    result = copy_database(conn, target)
    if target == path:
        return f"everything it recorded ({result.signals} signals) was written back; {restart}"
    return (
        f"everything it recorded ({result.signals} signals) was saved to {target}; {restart} "
        f"(stop it, decide which file is your ledger, put it at {path}, start it again)"
    )


def _split_sql(script: str) -> list[str]:
    """Split a migration into statements; triggers keep their inner `;`."""
    statements, current = [], []
    for line in script.strip().splitlines():
        current.append(line)
        text = "\n".join(current).strip()
        if text.endswith(";") and (
            not text.upper().startswith("CREATE TRIGGER") or text.upper().endswith("END;")
        ):
            statements.append(text)
            current = []
    if "\n".join(current).strip():
        statements.append("\n".join(current).strip())
    return statements
