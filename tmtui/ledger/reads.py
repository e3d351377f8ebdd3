"""Reading the ledger: what the engine, the read side and the replay ask of it.

Reads go through their own aiosqlite connection, so a read (is this alert a resend?) never
waits behind a write that waits for the SQLite lock.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from typing import Any

import aiosqlite

from tmtui.core.alerts.signal_rules import signal_from_dict
from tmtui.core.book.rollups import DayRollup
from tmtui.core.events import Event, EventKind
from tmtui.core.history.samples import (
    AccountSample,
    PositionSample,
)
from tmtui.core.models import (
    Fill,
    LedgerUnavailable,
    Outcome,
    Signal,
    Trade,
)
from tmtui.ledger.rows import (
    IDEM_KEYS_SQL,
    LIVE,
    StoredBook,
    account_from_row,
    fill_from_row,
    iso,
    parse_time,
    position_sample,
    rollup_from_row,
    time_range,
    trade_from_row,
)

LIVE_SIGNALS_SQL = (
    "SELECT id, parsed FROM signals WHERE outcome = 'accepted' AND id > ? AND NOT EXISTS"
    " (SELECT 1 FROM backtests b WHERE b.strategy = signals.strategy"
    " AND signals.id <= b.through_signal) ORDER BY id"
)


class LedgerReads:
    """The read half of `Ledger`; `_db` is its reader connection."""

    @property
    def _db(self) -> aiosqlite.Connection:
        raise NotImplementedError

    async def find_by_idem_key(self, key: str) -> int | None:
        """The signal an alert key was recorded as; LedgerUnavailable if it cannot be read."""
        return (await self.keys_recorded((key,))).get(key)

    async def keys_recorded(self, keys: Sequence[str]) -> dict[str, int]:
        """The signal each of these alert keys was recorded as (a key not recorded is left
        out), in one read; LedgerUnavailable if it cannot be read."""
        marks = ", ".join("?" * len(keys))
        try:
            rows = await self._db.execute_fetchall(IDEM_KEYS_SQL.format(marks), tuple(keys))
        except sqlite3.Error as exc:
            raise LedgerUnavailable(f"not recorded: the ledger cannot be read: {exc}") from exc
        return {str(key): int(signal) for key, signal in rows}

    async def accepted_signals(self, after: int = 0) -> list[tuple[int, Signal]]:
        """Applied signals with id > `after` in order, with their fill price: the replay input
        of the live book (a strategy's signals a v6 upgrade made its backtest are left out)."""
        async with self._db.execute(LIVE_SIGNALS_SQL, (after,)) as cur:
            rows = await cur.fetchall()
        return [(int(r[0]), signal_from_dict(json.loads(r[1]))) for r in rows]

    async def count_signals(self, outcome: Outcome | None = None) -> int:
        sql, args = "SELECT COUNT(*) FROM signals", ()
        if outcome is not None:
            sql, args = sql + " WHERE outcome = ?", (outcome.value,)  # type: ignore[assignment]
        async with self._db.execute(sql, args) as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def fills(
        self,
        start: datetime | None = None,
        end: datetime | None = None,
        source: str | None = LIVE,
        strategy: str | None = None,
    ) -> list[Fill]:
        """Fills of one book (None: both) in the order they were made."""
        sql, args = time_range("SELECT * FROM fills", "time", start, end, source)
        if strategy is not None:
            sql += (" AND" if args else " WHERE") + " strategy = ?"
            args += (strategy,)
        rows = await self._dicts(sql + " ORDER BY id", args)
        return [fill_from_row(r) for r in rows]

    async def trades(
        self, start: datetime | None = None, end: datetime | None = None, source: str | None = LIVE
    ) -> list[Trade]:
        """Closed round trips of one book (None: both) by exit time."""
        sql, args = time_range("SELECT * FROM trades", "exit_time", start, end, source)
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

    async def last_run(self) -> tuple[datetime | None, Event | None]:
        """The previous run's last sign of life (its newest event or sample) and its last
        event (a clean stop writes one), for the downtime line at start."""
        rows = await self._dicts(
            "SELECT MAX(ts) AS ts FROM (SELECT MAX(ts) AS ts FROM account_samples"
            " UNION ALL SELECT MAX(ts) FROM position_samples)",
            (),
        )
        ts = rows[0]["ts"] if rows else None
        last = await self.events(1)
        event = last[0] if last else None
        times = [t for t in (event.time if event else None, _from_ts(ts)) if t is not None]
        return (max(times) if times else None), event

    async def event_counts(self, since: datetime) -> dict[str, int]:
        """How many log lines of each kind since a moment (today's Rejected / Errors)."""
        rows = await self._dicts(
            "SELECT kind, COUNT(*) AS n FROM events WHERE time >= ? GROUP BY kind", (iso(since),)
        )
        return {r["kind"]: int(r["n"]) for r in rows}

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
        """The live book's stored open positions and the id of the last signal they include."""
        meta = await self._dicts("SELECT last_signal_id, next_trade_id FROM book_meta", ())
        rows = await self._dicts(
            "SELECT strategy, root, state FROM open_positions WHERE source = 'live'", ()
        )
        last, next_id = (meta[0]["last_signal_id"], meta[0]["next_trade_id"]) if meta else (-1, 1)
        positions = {(r["strategy"], r["root"]): json.loads(r["state"]) for r in rows}
        return StoredBook(int(last), int(next_id), positions)

    async def rollups(
        self,
        first: str | None = None,
        last: str | None = None,
        strategy: str | None = None,
        source: str | None = LIVE,
    ) -> list[DayRollup]:
        """Day rollups of one book (None: both, summed per day, strategy and root) with
        `first` <= day <= `last` (ISO dates), optionally one strategy."""
        clauses: list[str] = []
        args: list[Any] = []
        if source is not None:
            clauses.append("source = ?")
            args.append(source)
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
            f"SELECT * FROM day_rollups{where} ORDER BY day, strategy, root, source", tuple(args)
        )
        if source is not None:
            return [rollup_from_row(r) for r in rows]
        summed: dict[tuple[str, str, str], DayRollup] = {}
        for r in rows:
            rollup = rollup_from_row(r)
            summed.setdefault(rollup.key, DayRollup(*rollup.key)).add(rollup)
        return list(summed.values())

    async def risk_state(self) -> dict[str, Any] | None:
        """The stored risk-guard state, or None before the first one was written."""
        rows = await self._dicts("SELECT state FROM risk_state WHERE id = 1", ())
        return json.loads(rows[0]["state"]) if rows else None

    async def strategy_switches(self) -> dict[str, bool]:
        rows = await self._dicts("SELECT strategy, enabled FROM strategy_switches", ())
        return {r["strategy"]: bool(r["enabled"]) for r in rows}

    async def fetch(self, sql: str, args: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        """Rows of a read-only query as dicts (the read side, `tmtui.readside.queries`)."""
        return await self._dicts(sql, args)

    async def rows(self, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Rows of a read-only query as tuples, in one thread hop: for reads of many narrow
        rows (a busy day's fills), where a dict per row is most of the cost."""
        return [tuple(r) for r in await self._db.execute_fetchall(sql, args)]

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


def _from_ts(ts: int | None) -> datetime | None:
    return None if ts is None else datetime.fromtimestamp(int(ts), UTC)
