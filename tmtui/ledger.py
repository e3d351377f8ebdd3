"""The durable record: SQLite in WAL mode through aiosqlite.

Signals are the source of truth and append-only; fills, trades, events and P&L samples are
written alongside so other processes (`tmtui positions`, `tmtui report`) can read live
figures while `tmtui run` writes. A signal, its fills and its closed trades commit in one
transaction with `synchronous=FULL`, before the webhook is acknowledged.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from tmtui.core.book_state import BookDelta
from tmtui.core.events import Event, EventKind
from tmtui.core.models import (
    Fill,
    LedgerUnavailable,
    Outcome,
    Side,
    Signal,
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

__all__ = ["AccountSample", "Ledger", "PositionSample", "SignalRecord", "StoredBook"]

log = logging.getLogger("tmtui.ledger")
T = TypeVar("T")

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


class Ledger:
    """Owns one aiosqlite connection; every write goes through an explicit transaction."""

    def __init__(self, db: aiosqlite.Connection, path: Path) -> None:
        self._db = db
        self.path = path
        self._write_lock = asyncio.Lock()
        self._writes: set[asyncio.Future[Any]] = set()

    @classmethod
    async def open(cls, path: str | Path) -> Ledger:
        """Open (creating it if needed) and migrate; an unusable path is LedgerUnavailable."""
        path = Path(path)
        try:
            return await cls._open(path)
        except (OSError, sqlite3.Error) as exc:
            reason = os_error_reason(exc) if isinstance(exc, OSError) else str(exc)
            raise LedgerUnavailable(f"cannot open the ledger {path}: {reason}") from exc

    @classmethod
    async def _open(cls, path: Path) -> Ledger:
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)
        db = await aiosqlite.connect(str(path), isolation_level=None)
        try:
            await db.execute("PRAGMA busy_timeout = 5000")
            await db.execute("PRAGMA journal_mode = WAL")
            await db.execute("PRAGMA synchronous = FULL")
            await db.execute("PRAGMA foreign_keys = ON")
            ledger = cls(db, path)
            await ledger._migrate()
        except BaseException:
            await db.close()
            raise
        return ledger

    async def close(self) -> None:
        """Let shielded writes finish, then close."""
        await asyncio.gather(*self._writes, return_exceptions=True)
        await self._db.close()

    async def __aenter__(self) -> Ledger:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def _migrate(self) -> None:
        async with self._db.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        version = row[0] if row else 0
        if version > SCHEMA_VERSION:
            raise LedgerUnavailable(
                f"ledger {self.path} has schema v{version}, newer than this tmtui "
                f"(v{SCHEMA_VERSION}): upgrade tmtui"
            )
        for target in range(version + 1, SCHEMA_VERSION + 1):
            await self._db.execute("BEGIN IMMEDIATE")
            try:
                for statement in _split_sql(_MIGRATIONS[target]):
                    await self._db.execute(statement)
                await self._db.execute(f"PRAGMA user_version = {target}")
                await self._db.execute("COMMIT")
            except BaseException:
                await self._db.execute("ROLLBACK")
                raise

    # --- writes -----------------------------------------------------------------------

    async def record_signal(
        self,
        record: SignalRecord,
        fills: Sequence[Fill] = (),
        closed_trades: Sequence[Trade] = (),
        events: Sequence[Event] = (),
        *,
        book: BookDelta | None = None,
        rollups: Sequence[DayRollup] = (),
    ) -> int:
        """Append a signal with what it caused, atomically; returns the signal id.

        `book` (the positions the signal changed) and `rollups` (what it adds to each
        trading day) keep the stored state equal to the replay of every applied signal.
        Raises LedgerUnavailable if it could not be committed: nothing was recorded then.
        """

        async def write() -> int:
            signal_id = await self._insert_signal(record)
            for fill in fills:
                await self._insert_fill(fill, signal_id)
            for trade in closed_trades:
                await self._insert_trade(trade)
            for event in events:
                await self._insert_event(event, signal_id)
            if book is not None:
                await self._write_book(book, signal_id)
            for rollup in rollups:
                await self._add_rollup(rollup)
            return signal_id

        try:
            signal_id = await self._transaction(write)
        except LedgerUnavailable:
            raise
        except Exception as exc:
            log.exception("could not record signal")
            raise LedgerUnavailable(f"could not record the signal: {exc}") from exc
        return signal_id

    async def _insert_signal(self, r: SignalRecord) -> int:
        s = r.signal
        cur = await self._db.execute(
            "INSERT INTO signals (received_at, source, peer, raw, parsed, strategy, root, action,"
            " qty, price, idem_key, outcome, reason) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
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
                r.idem_key if r.outcome in (Outcome.ACCEPTED, Outcome.IGNORED) else None,
                r.outcome.value,
                r.reason,
            ),
        )
        assert cur.lastrowid is not None
        return cur.lastrowid

    async def _insert_fill(self, f: Fill, signal_id: int | None) -> None:
        await self._db.execute(
            "INSERT INTO fills (signal_id, time, strategy, root, qty, price, commission,"
            " realized, closing_qty, trade_id) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (
                signal_id,
                iso(f.time),
                f.strategy,
                f.root,
                f.qty,
                str(f.price),
                str(f.commission),
                str(f.realized),
                f.closing_qty,
                f.trade_id,
            ),
        )

    async def _insert_trade(self, t: Trade) -> None:
        assert t.exit_time is not None and t.exit_price is not None
        await self._db.execute(
            "INSERT OR REPLACE INTO trades (trade_id, strategy, root, side, qty, entry_time,"
            " exit_time, entry_price, exit_price, gross, commission, mae, mfe)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
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
            ),
        )

    async def _insert_event(self, e: Event, signal_id: int | None = None) -> None:
        data = dict(e.data)
        if signal_id is not None:
            data.setdefault("signal_id", signal_id)
        await self._db.execute(
            "INSERT INTO events (time, kind, message, data) VALUES (?,?,?,?)",
            (iso(e.time), e.kind.value, e.message, json.dumps(data, default=str)),
        )

    async def _write_book(self, delta: BookDelta, signal_id: int) -> None:
        for (strategy, root), state in delta.upserts.items():
            await self._db.execute(
                "INSERT OR REPLACE INTO open_positions VALUES (?,?,?,?)",
                (strategy, root, json.dumps(state), signal_id),
            )
        for strategy, root in delta.deletes:
            await self._db.execute(
                "DELETE FROM open_positions WHERE strategy = ? AND root = ?", (strategy, root)
            )
        await self._db.execute(
            "UPDATE book_meta SET last_signal_id = ?, next_trade_id = ? WHERE id = 1",
            (signal_id, delta.next_trade_id),
        )

    async def _add_rollup(self, r: DayRollup) -> None:
        async with self._db.execute(
            "SELECT * FROM day_rollups WHERE day = ? AND strategy = ? AND root = ?", r.key
        ) as cur:
            names = [d[0] for d in cur.description]
            row = await cur.fetchone()
        total = DayRollup(*r.key)
        if row is not None:
            total = rollup_from_row(dict(zip(names, row, strict=True)))
        total.add(r)
        await self._db.execute(
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

    async def checkpoint_book(self, delta: BookDelta, last_signal_id: int) -> None:
        """Store the whole book as the replay up to `last_signal_id` (after a tail replay)."""

        async def write() -> None:
            await self._db.execute("DELETE FROM open_positions")
            await self._write_book(delta, last_signal_id)

        await self._transaction(write)

    async def replace_derived(
        self,
        fills: Sequence[Fill],
        trades: Sequence[Trade],
        book: BookDelta,
        rollups: Sequence[DayRollup],
        last_signal_id: int,
    ) -> None:
        """Rewrite every table derived from the signals, in one transaction (`ledger rebuild`)."""

        async def write() -> None:
            for table in ("fills", "trades", "open_positions", "day_rollups"):
                await self._db.execute(f"DELETE FROM {table}")
            for fill in fills:
                await self._insert_fill(fill, fill.signal_id)
            for trade in trades:
                await self._insert_trade(trade)
            for rollup in rollups:
                await self._add_rollup(rollup)
            await self._write_book(book, last_signal_id)

        await self._transaction(write)

    async def add_events(self, events: Iterable[Event]) -> None:
        await self._write_many(self._insert_event, events)

    async def record_write(self, write: SignalWrite) -> int:
        """Record one intake decision's `SignalWrite` in one transaction; see `record_signal`."""
        return await self.record_signal(
            write.record,
            write.fills,
            write.closed_trades,
            write.events,
            book=write.book,
            rollups=write.rollups,
        )

    async def add_position_samples(self, samples: Iterable[PositionSample]) -> None:
        await self._write_many(self._insert_position_sample, samples)

    async def add_account_sample(self, s: AccountSample) -> None:
        await self._write_many(self._insert_account_sample, [s])

    async def write_samples(
        self,
        positions: Sequence[PositionSample],
        account: AccountSample | None,
        events: Sequence[Event],
        risk_state: tuple[dict[str, Any], datetime] | None = None,
    ) -> None:
        """One sampler tick (P&L samples, queued log lines and, when it changed, the risk
        guard's state) in one transaction."""
        if not positions and account is None and not events and risk_state is None:
            return

        async def write() -> None:
            for sample in positions:
                await self._insert_position_sample(sample)
            if account is not None:
                await self._insert_account_sample(account)
            for event in events:
                await self._insert_event(event)
            if risk_state is not None:
                await self._upsert_risk_state(*risk_state)

        await self._transaction(write)

    async def _insert_position_sample(self, s: PositionSample) -> None:
        await self._db.execute(
            "INSERT OR REPLACE INTO position_samples (ts, strategy, root, trade_id, mark,"
            " open_pnl, mae, mfe, low, high) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (
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
            ),
        )

    async def _insert_account_sample(self, s: AccountSample) -> None:
        await self._db.execute(
            "INSERT OR REPLACE INTO account_samples (ts, day, realized, open, total, peak,"
            " max_mtm, min_mtm, max_drawdown, max_time, min_time, low, high)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
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
            ),
        )

    async def compact_samples(self, start: int, end: int, seconds: int = MINUTE) -> int:
        """Thin the 1 s samples with `start` <= ts < `end` to one row per series per minute.

        One transaction: a crash leaves the range as it was. Only raw rows are read, so a
        range is compacted once; a raw row written later into an already compacted minute
        (a clock set back) becomes a row of its own. Returns how many rows it removed.
        """

        async def write() -> int:
            span = (start, end)
            raw = " WHERE low IS NULL AND ts >= ? AND ts < ?"  # the partial indexes
            raw_positions = await self._dicts("SELECT * FROM position_samples" + raw, span)
            raw_account = await self._dicts("SELECT * FROM account_samples" + raw, span)
            positions = compact_positions(map(position_sample, raw_positions), seconds)
            account = compact_account(map(account_from_row, raw_account), seconds)
            await self._db.execute("DELETE FROM position_samples" + raw, span)
            await self._db.execute("DELETE FROM account_samples" + raw, span)
            for p in positions:
                await self._insert_position_sample(p)
            for a in account:
                await self._insert_account_sample(a)
            return len(raw_positions) + len(raw_account) - len(positions) - len(account)

        return await self._transaction(write)

    async def prune_events(self, before: datetime, batch: int = 5000) -> int:
        """Delete log lines older than `before`, `batch` rows per transaction; returns the count.

        Small transactions, so an alert arriving meanwhile waits for one batch, not all.
        """
        total = 0
        while await self._dicts("SELECT 1 FROM events WHERE time < ? LIMIT 1", (iso(before),)):

            async def write() -> int:
                cur = await self._db.execute(
                    "DELETE FROM events WHERE id IN"
                    " (SELECT id FROM events WHERE time < ? ORDER BY time LIMIT ?)",
                    (iso(before), batch),
                )
                return cur.rowcount

            total += await self._transaction(write)
        return total

    async def save_risk_state(self, state: dict[str, Any], when: datetime) -> None:
        """Replace the one stored risk-guard state (it is small and rewritten in place)."""

        async def upsert(_: None) -> None:
            await self._upsert_risk_state(state, when)

        await self._write_many(upsert, [None])

    async def _upsert_risk_state(self, state: dict[str, Any], when: datetime) -> None:
        await self._db.execute(
            "INSERT OR REPLACE INTO risk_state (id, state, time) VALUES (1, ?, ?)",
            (json.dumps(state, sort_keys=True), iso(when)),
        )

    async def risk_state(self) -> dict[str, Any] | None:
        """The stored risk-guard state, or None before the first one was written."""
        rows = await self._dicts("SELECT state FROM risk_state WHERE id = 1", ())
        return json.loads(rows[0]["state"]) if rows else None

    async def set_strategy_enabled(self, strategy: str, enabled: bool, when: datetime) -> None:
        async def upsert(_: None) -> None:
            await self._db.execute(
                "INSERT OR REPLACE INTO strategy_switches VALUES (?,?,?)",
                (strategy, int(enabled), iso(when)),
            )

        await self._write_many(upsert, [None])

    async def _write_many(self, insert: Any, items: Iterable[Any]) -> None:
        items = list(items)
        if not items:
            return

        async def write() -> None:
            for item in items:
                await insert(item)

        await self._transaction(write)

    async def _transaction(self, work: Callable[[], Awaitable[T]]) -> T:
        """Run `work` in one write transaction, one at a time, shielded from cancellation.

        The connection is shared by the listener and the sampler: without the lock, one
        task's ROLLBACK would undo another's half-written transaction. A caller cancelled
        mid-write (a quitting app) lets the transaction finish rather than leave it open.
        """

        async def run() -> T:
            async with self._write_lock:
                await self._db.execute("BEGIN IMMEDIATE")
                try:
                    result = await work()
                    await self._db.execute("COMMIT")
                except BaseException:
                    await self._db.execute("ROLLBACK")
                    raise
                return result

        task = asyncio.ensure_future(run())
        self._writes.add(task)
        task.add_done_callback(self._writes.discard)
        return await asyncio.shield(task)

    # --- reads ------------------------------------------------------------------------

    async def find_by_idem_key(self, key: str) -> int | None:
        async with self._db.execute(
            "SELECT id FROM signals WHERE idem_key = ? AND outcome IN ('accepted', 'ignored')",
            (key,),
        ) as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else None

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
