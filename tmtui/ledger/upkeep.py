"""The ledger's timed and housekeeping writes: samples, log lines, switches, risk memory.

They go through the same writer thread as signals, behind them (never urgent), and a caller
waits for them only briefly (`LOW_WAIT_S`).
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any, Final

from tmtui.core.events import Event
from tmtui.core.history.samples import (
    MINUTE,
    AccountSample,
    PositionSample,
    compact_account,
    compact_positions,
)
from tmtui.core.models import (
    TmtuiError,
)
from tmtui.ledger.rows import (
    ACCOUNT_SAMPLE_SQL,
    EVENT_SQL,
    POSITION_SAMPLE_SQL,
    RISK_STATE_SQL,
    account_from_row,
    account_sample_row,
    event_row,
    iso,
    position_sample,
    position_sample_row,
    risk_state_row,
    rows,
)
from tmtui.ledger.writer import LedgerWriter

LOW_WAIT_S: Final = 1.0
"""How long a sample or event write is waited for before its caller moves on."""


class LedgerUpkeep:
    """The upkeep half of `Ledger`'s writes; `_writer` is its writer thread."""

    _writer: LedgerWriter

    async def _dicts(self, sql: str, args: tuple[Any, ...]) -> list[dict[str, Any]]:
        raise NotImplementedError  # `LedgerReads` has it

    async def add_position_samples(self, samples: Iterable[PositionSample]) -> None:
        rows = [position_sample_row(s) for s in samples]
        if rows:
            await self._write_later(lambda conn: conn.executemany(POSITION_SAMPLE_SQL, rows))

    async def add_account_samples(self, samples: Iterable[AccountSample]) -> None:
        rows = [account_sample_row(s) for s in samples]
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
        position_rows = [position_sample_row(s) for s in positions]
        account_row = account_sample_row(account) if account is not None else None
        event_rows = [event_row(e, dict(e.data), None) for e in events]
        risk_row = risk_state_row(*risk_state) if risk_state is not None else None

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
            raw_positions = rows(conn, "SELECT * FROM position_samples" + raw, span)
            raw_account = rows(conn, "SELECT * FROM account_samples" + raw, span)
            positions = compact_positions(map(position_sample, raw_positions), seconds)
            account = compact_account(map(account_from_row, raw_account), seconds)
            conn.execute("DELETE FROM position_samples" + raw, span)
            conn.execute("DELETE FROM account_samples" + raw, span)
            conn.executemany(POSITION_SAMPLE_SQL, [position_sample_row(p) for p in positions])
            conn.executemany(ACCOUNT_SAMPLE_SQL, [account_sample_row(a) for a in account])
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
        row = risk_state_row(state, when)
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
