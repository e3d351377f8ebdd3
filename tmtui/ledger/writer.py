"""The ledger's one writer: a thread with its own connection, group commit, alerts first.

With `synchronous=FULL` every commit waits for the disk. Committing each alert on its own
costs one disk sync per alert and lets a P&L sample's transaction sit in front of an alert.
The writer instead takes every urgent write waiting (alerts, strategy switches) and commits
them in one transaction, each in its own savepoint so that one bad record (a duplicate key)
fails alone; samples and events are written only when no urgent write waits.

Deadlines: an urgent write waits for the SQLite write lock at most until its deadline (the
write budget, ~2 s, so TradingView's 3 s limit is kept); then it fails with the SQLite error
and the listener answers 503, so TradingView resends. A sample batch never waits for the lock:
it tries again a little later, and samples still unwritten after `LOW_MAX_AGE_S` are dropped.

Chained writes: the engine applies an alert to its books before the commit confirms it, so
the next alert can be decided meanwhile. When a chained write fails, every chained write
queued after it fails too (they were decided on top of it); the engine undoes them all.

Every error keeps the original SQLite message: a ROLLBACK after a failed COMMIT is only
issued while a transaction is still open, and its own failure is logged, never raised.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import time
from collections import deque
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any, Final, TypeVar

from tmtui.core.formatting import seconds_text
from tmtui.core.models import LedgerUnavailable
from tmtui.ledger.guard import (
    CLOSED,
    LOCKED,
    OK,
    FileGuard,
    LedgerGone,
    LedgerStatus,
    classify,
)
from tmtui.ledger.pending import (
    ChainBroken,
    PendingWrite,
    Work,
    WriteJob,
    fail_job,
    retrieve_quietly,
)
from tmtui.ledger.transactions import (
    rollback_quietly,
    run_jobs,
    take_jobs,
)
from tmtui.ledger.writer_watch import Rescue, WriterWatch

log = logging.getLogger("tmtui.ledger")
T = TypeVar("T")

LOW_RETRY_S: Final = 0.2
LOW_MAX_AGE_S: Final = 30.0
LOW_MAX_JOBS: Final = 20_000
LOW_BATCH: Final = 2_000
URGENT_BATCH: Final = 2_000
PATIENT_S: Final = 60.0


class LedgerWriter(WriterWatch):
    """Owns the write connection, its thread, the two queues and the ledger's status."""

    def __init__(self, guard: FileGuard, budget: float) -> None:
        self.guard = guard
        self.budget = budget
        self.status = LedgerStatus()
        self.dropped = 0
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tmtui-ledger")
        self._conn: sqlite3.Connection | None = None
        self._urgent: deque[WriteJob] = deque()
        self._low: deque[WriteJob] = deque()
        self._wake = asyncio.Event()
        self._loop_task: asyncio.Task[None] | None = None
        self._watch_task: asyncio.Task[None] | None = None
        self._listeners: list[Callable[[LedgerStatus], None]] = []
        self._lost: LedgerGone | None = None
        self._rescue: Rescue | None = None
        self._after_loss: list[Callable[[], Awaitable[None]]] = []
        self._low_retry_at = 0.0
        self._probing = False
        self._closing = False
        self._close_by = 0.0

    # --- lifecycle ---------------------------------------------------------------------

    async def start(self, connect: Callable[[], sqlite3.Connection], rescue: Rescue) -> None:
        """Open the connection in the writer thread; run the queue and the watchdog."""
        self._conn = await self._in_thread(lambda: connect())
        self._rescue = rescue
        self._loop_task = asyncio.create_task(self._run(), name="tmtui-ledger-writer")
        self._watch_task = asyncio.create_task(self._watch(), name="tmtui-ledger-watch")

    async def call(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run `work` on the write connection in the writer thread (opening, migrating)."""
        conn = self._connection()
        return await self._in_thread(lambda: work(conn))

    async def close(self, low_wait: float = 0.5) -> None:
        """Commit the urgent writes, give samples `low_wait` s, then close the connection."""
        if self._closing:
            return
        self._closing = True
        self._close_by = time.monotonic() + low_wait
        self._wake.set()
        if self._watch_task is not None:
            self._watch_task.cancel()
        tasks = [t for t in (self._loop_task, self._watch_task) if t is not None]
        await asyncio.gather(*tasks, return_exceptions=True)
        stopped = LedgerUnavailable("not written: tmtui stopped before the ledger took it")
        for job in (*self._urgent, *self._low):
            fail_job(job, stopped)
        self._urgent.clear()
        self._low.clear()
        if self._conn is not None:
            await self._in_thread(self._close_connection)
        self._executor.shutdown(wait=True)
        if not self.status.permanent:
            self._set_status(CLOSED, "the ledger is closed")

    def on_status(self, listener: Callable[[LedgerStatus], None]) -> None:
        self._listeners.append(listener)

    def after_loss(self, callback: Callable[[], Awaitable[None]]) -> None:
        """`callback` runs once the contents of a lost ledger are saved (close other handles)."""
        self._after_loss.append(callback)

    # --- queueing ----------------------------------------------------------------------

    def submit(
        self, work: Work, *, urgent: bool, chained: bool = False, patient: bool = False
    ) -> PendingWrite:
        """Queue `work` (a function of the connection, run inside the batch's transaction).

        `patient`: not bound by the write budget (a rebuild nobody answers a webhook for).
        """
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        future.add_done_callback(retrieve_quietly)
        now = time.monotonic()
        deadline = now + (PATIENT_S if patient else self.budget)
        job = WriteJob(work, future, urgent, chained, now, deadline)
        if self._lost is not None or self.status.permanent or self._closing:
            fail_job(job, LedgerGone(self.status.state, self._refusal()))
        elif urgent:
            self._urgent.append(job)
        else:
            self._low.append(job)
            self._trim_low()
        self._wake.set()
        return PendingWrite(future, job.deadline)

    def check_file(self) -> LedgerStatus:
        """The status, after a cheap look at the file (deleted? replaced? WAL removed?)."""
        if not self.status.permanent and self._lost is None and not self._closing:
            problem = self.guard.problem()
            if problem is not None:
                self._lose(problem)
        return self.status

    def _refusal(self) -> str:
        return f"not recorded: {self.status.message or 'the ledger is closed'}"

    def _trim_low(self) -> None:
        """Memory stays bounded when the ledger refuses writes for long: oldest samples go."""
        while len(self._low) > LOW_MAX_JOBS:
            self._drop(self._low.popleft(), "too many waiting")

    def _drop(self, job: WriteJob, why: str) -> None:
        self.dropped += 1
        if self.dropped == 1 or self.dropped % 1000 == 0:
            log.warning("ledger: dropped %d sample/event write(s) so far (%s)", self.dropped, why)
        fail_job(job, LedgerUnavailable(f"not written: dropped ({why})"))

    # --- the writer loop ---------------------------------------------------------------

    async def _run(self) -> None:
        while True:
            if self._lost is not None:
                await self._handle_loss(self._lost)
            elif self._urgent:
                await self._write(take_jobs(self._urgent, URGENT_BATCH), urgent=True)
            elif self._low and time.monotonic() >= self._low_retry_at:
                await self._write(self._take_low(), urgent=False)
            elif self._closing and (not self._low or time.monotonic() >= self._close_by):
                return
            else:
                await self._sleep()

    async def _sleep(self) -> None:
        timeout = None
        if self._low:
            until = (
                self._low_retry_at if not self._closing else min(self._low_retry_at, self._close_by)
            )
            timeout = max(until - time.monotonic(), 0.005)
        self._wake.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout)

    def _take_low(self) -> list[WriteJob]:
        cutoff = time.monotonic() - LOW_MAX_AGE_S
        while self._low and self._low[0].queued < cutoff:
            self._drop(
                self._low.popleft(),
                f"waited over {seconds_text(LOW_MAX_AGE_S, 0)} s for the ledger",
            )
        return take_jobs(self._low, LOW_BATCH)

    async def _write(self, jobs: list[WriteJob], *, urgent: bool) -> None:
        if not jobs:
            return
        wait = max(min(j.deadline for j in jobs) - time.monotonic(), 0.0) if urgent else 0.0
        plan = [(j.work, j.chained) for j in jobs]
        try:
            results = await self._in_thread(lambda: self._write_batch(plan, int(wait * 1000)))
        except LedgerGone as exc:
            for job in jobs:
                fail_job(job, LedgerGone(exc.state, f"not recorded: {exc}"))
            self._lose(exc)
            return
        except sqlite3.Error as exc:
            self._batch_failed(jobs, exc, urgent=urgent, waited=wait)
            return
        except Exception as exc:  # a bug: fail these writes loudly, keep the writer alive
            log.exception("ledger writer failed")
            self._batch_failed(jobs, exc, urgent=urgent, waited=wait)
            return
        for job, (ok, value) in zip(jobs, results, strict=True):
            if ok:
                job.future.set_result(value)
            else:
                fail_job(job, value)
                if job.chained:
                    self._break_chain(value)
        if not self.status.ok and not self.status.permanent:
            self._set_status(OK, "")

    def _batch_failed(
        self, jobs: list[WriteJob], exc: BaseException, *, urgent: bool, waited: float
    ) -> None:
        state = classify(exc)
        if not urgent and state == LOCKED:
            self._low.extendleft(reversed(jobs))  # samples wait; alerts go first meanwhile
            self._low_retry_at = time.monotonic() + LOW_RETRY_S
            return
        if state == LOCKED:
            reason = (
                f"the ledger is locked by another program (waited {seconds_text(waited)} s): {exc}"
            )
        else:
            reason = str(exc)
        error = LedgerUnavailable(f"not recorded: {reason}")
        error.__cause__ = exc
        for job in jobs:
            fail_job(job, error)
        if urgent:
            self._break_chain(error)
        log.error("ledger write failed: %s", reason)
        self._set_status(state, f"alerts cannot be recorded: {reason}")

    def _break_chain(self, cause: BaseException) -> None:
        """Chained writes queued behind a failed one were decided on top of it: fail them."""
        if not any(job.chained for job in self._urgent):
            return
        error = ChainBroken(f"not recorded: an alert before it could not be recorded ({cause})")
        kept = deque(job for job in self._urgent if not job.chained)
        for job in self._urgent:
            if job.chained:
                fail_job(job, error)
        self._urgent = kept

    # --- inside the writer thread ------------------------------------------------------

    def _write_batch(self, plan: list[tuple[Work, bool]], busy_ms: int) -> list[tuple[bool, Any]]:
        conn = self._connection()
        self.guard.raise_if_lost()
        conn.execute(f"PRAGMA busy_timeout = {busy_ms}")
        conn.execute("BEGIN IMMEDIATE")
        try:
            results = run_jobs(conn, plan)
            self.guard.raise_if_lost()  # never commit into a file nobody will open again
            conn.execute("COMMIT")
        except BaseException:
            rollback_quietly(conn)
            raise
        return results

    def _close_connection(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            raise LedgerGone(self.status.state, self._refusal())
        return self._conn

    async def _in_thread(self, work: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, work)

    # --- watching the file and the transient troubles ------------------------------------

    def _set_status(self, state: str, message: str) -> None:
        old = self.status
        if old.state == state and old.message == message:
            return
        since = old.since if old.state == state else datetime.now(UTC)
        self.status = LedgerStatus(state, message, None if state == OK else since)
        for listener in list(self._listeners):
            try:
                listener(self.status)
            except Exception:
                log.exception("ledger status listener failed")
