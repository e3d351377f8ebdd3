"""The writer's watch on its file: a ledger deleted, replaced or out of room, and its recovery.

Once a second the file's identity is checked; a transient trouble (locked, disk full) is
probed with a tiny real write, and a lost file is rescued: what the connection still sees is
saved beside it, and every write is refused (503) from then on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Final, TypeVar

from tmtui.ledger.guard import (
    DISK_FULL,
    FileGuard,
    LedgerGone,
    LedgerStatus,
    disk_has_room,
)
from tmtui.ledger.pending import PendingWrite, Work, WriteJob, fail_job

log = logging.getLogger("tmtui.ledger")

T = TypeVar("T")


Rescue = Callable[[sqlite3.Connection, LedgerGone], str]


WATCH_INTERVAL_S: Final = 1.0


class WriterWatch:
    """The watching half of `LedgerWriter` (its subclass has the queues and the thread)."""

    guard: FileGuard
    status: LedgerStatus
    _probing: bool
    _lost: LedgerGone | None
    _urgent: deque[WriteJob]
    _low: deque[WriteJob]
    _rescue: Rescue | None
    _after_loss: list[Callable[[], Awaitable[None]]]
    _wake: asyncio.Event

    def check_file(self) -> LedgerStatus:
        raise NotImplementedError

    def submit(
        self, work: Work, *, urgent: bool, chained: bool = False, patient: bool = False
    ) -> PendingWrite:
        raise NotImplementedError

    def _connection(self) -> sqlite3.Connection:
        raise NotImplementedError

    def _close_connection(self) -> None:
        raise NotImplementedError

    async def _in_thread(self, work: Callable[[], T]) -> T:
        raise NotImplementedError

    def _set_status(self, state: str, message: str) -> None:
        raise NotImplementedError

    async def _watch(self) -> None:
        """Once a second: is the file still ours? Has a transient trouble cleared?"""
        while True:
            await asyncio.sleep(WATCH_INTERVAL_S)
            status = self.check_file()
            if status.ok or status.permanent or self._probing:
                continue
            if status.state == DISK_FULL and not disk_has_room(self.guard.path.parent):
                continue
            self._probe()

    def _probe(self) -> None:
        """A real (tiny) write at sample priority: it succeeding means alerts can go again."""
        self._probing = True

        def rewrite_version(conn: sqlite3.Connection) -> None:
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            conn.execute(f"PRAGMA user_version = {version}")

        self.submit(rewrite_version, urgent=False).add_done_callback(self._probed)

    def _probed(self, _write: PendingWrite) -> None:
        self._probing = False

    def _lose(self, problem: LedgerGone) -> None:
        """From now on nothing is written; the loop saves what the connection still sees."""
        if self._lost is not None or self.status.permanent:
            return
        self._lost = problem
        self._set_status(problem.state, f"{problem}; saving what it recorded…")
        self._wake.set()

    async def _handle_loss(self, problem: LedgerGone) -> None:
        refused = LedgerGone(problem.state, f"not recorded: {problem}")
        for job in (*self._urgent, *self._low):
            fail_job(job, refused)
        self._urgent.clear()
        self._low.clear()
        log.error("%s", problem)
        rescue = self._rescue
        try:
            if rescue is None:
                raise RuntimeError("no rescue configured")
            conn = self._connection()
            saved = await self._in_thread(lambda: rescue(conn, problem))
        except Exception as exc:
            log.exception("could not save the ledger's contents")
            saved = f"saving what it recorded failed ({exc}); alerts are refused (503)"
        with contextlib.suppress(Exception):
            await self._in_thread(self._close_connection)
        for callback in self._after_loss:
            try:
                await callback()
            except Exception:
                log.exception("closing after the ledger was lost failed")
        message = f"{problem}; {saved}"
        log.error("%s", message)
        self._set_status(problem.state, message)
        self._lost = None
