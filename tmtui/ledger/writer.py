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
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final, TypeVar

from tmtui.core.models import LedgerUnavailable, TmtuiError
from tmtui.ledger.guard import (
    CLOSED,
    DISK_FULL,
    LOCKED,
    OK,
    FileGuard,
    LedgerGone,
    LedgerStatus,
    classify,
    disk_has_room,
)

log = logging.getLogger("tmtui.ledger")
T = TypeVar("T")
Work = Callable[[sqlite3.Connection], Any]
Rescue = Callable[[sqlite3.Connection, LedgerGone], str]

CONFIRM_GRACE_S: Final = 0.3
"""A caller waits this long past the deadline for the commit (the disk sync) to report."""
LOW_RETRY_S: Final = 0.2
LOW_MAX_AGE_S: Final = 30.0
LOW_MAX_JOBS: Final = 20_000
LOW_BATCH: Final = 2_000
URGENT_BATCH: Final = 2_000
WATCH_INTERVAL_S: Final = 1.0
PATIENT_S: Final = 60.0


class ChainBroken(LedgerUnavailable):
    """Not written because a write it was decided on top of failed."""


@dataclass(eq=False, slots=True)
class _Job:
    work: Work
    future: asyncio.Future[Any]
    urgent: bool
    chained: bool
    queued: float
    deadline: float


class PendingWrite:
    """A queued write. `confirmed()` waits for its commit, at most until its deadline."""

    __slots__ = ("_future", "deadline")

    def __init__(self, future: asyncio.Future[Any], deadline: float) -> None:
        self._future = future
        self.deadline = deadline

    def done(self) -> bool:
        return self._future.done()

    def failed(self) -> bool:
        future = self._future
        return future.done() and (future.cancelled() or future.exception() is not None)

    def result(self) -> Any:
        """The committed write's result (raises if it failed or is not done)."""
        return self._future.result()

    def add_done_callback(self, callback: Callable[[PendingWrite], None]) -> None:
        self._future.add_done_callback(lambda _future: callback(self))

    async def confirmed(self) -> Any:
        """The write's result once committed; raises its error, or LedgerUnavailable when the
        commit has not reported by the deadline (it may still land: a resend is deduplicated)."""
        if self._future.done():
            return self._future.result()
        try:
            async with asyncio.timeout_at(self._loop_deadline()):
                return await asyncio.shield(self._future)
        except TimeoutError:
            raise LedgerUnavailable(
                "not recorded: the ledger did not confirm the write in time (the disk is slow)"
            ) from None

    def _loop_deadline(self) -> float:
        """The deadline (time.monotonic) plus grace, on the event loop's clock."""
        loop = asyncio.get_running_loop()
        return loop.time() + self.deadline + CONFIRM_GRACE_S - time.monotonic()

    async def settled(self, timeout: float) -> None:
        """Wait up to `timeout`; raise only if the write failed (unwritten yet is fine)."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(self._future), timeout)


def _retrieve(future: asyncio.Future[Any]) -> None:
    """Mark a failure as seen: a caller that gave up waiting is no bug worth a warning."""
    if not future.cancelled():
        future.exception()


def _fail(job: _Job, error: BaseException) -> None:
    if not job.future.done():
        job.future.set_exception(error)


class LedgerWriter:
    """Owns the write connection, its thread, the two queues and the ledger's status."""

    def __init__(self, guard: FileGuard, budget: float) -> None:
        self.guard = guard
        self.budget = budget
        self.status = LedgerStatus()
        self.dropped = 0
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tmtui-ledger")
        self._conn: sqlite3.Connection | None = None
        self._urgent: deque[_Job] = deque()
        self._low: deque[_Job] = deque()
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
            _fail(job, stopped)
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
        future.add_done_callback(_retrieve)
        now = time.monotonic()
        deadline = now + (PATIENT_S if patient else self.budget)
        job = _Job(work, future, urgent, chained, now, deadline)
        if self._lost is not None or self.status.permanent or self._closing:
            _fail(job, LedgerGone(self.status.state, self._refusal()))
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

    def _drop(self, job: _Job, why: str) -> None:
        self.dropped += 1
        if self.dropped == 1 or self.dropped % 1000 == 0:
            log.warning("ledger: dropped %d sample/event write(s) so far (%s)", self.dropped, why)
        _fail(job, LedgerUnavailable(f"not written: dropped ({why})"))

    # --- the writer loop ---------------------------------------------------------------

    async def _run(self) -> None:
        while True:
            if self._lost is not None:
                await self._handle_loss(self._lost)
            elif self._urgent:
                await self._write(_take(self._urgent, URGENT_BATCH), urgent=True)
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

    def _take_low(self) -> list[_Job]:
        cutoff = time.monotonic() - LOW_MAX_AGE_S
        while self._low and self._low[0].queued < cutoff:
            self._drop(self._low.popleft(), f"waited over {LOW_MAX_AGE_S:.0f} s for the ledger")
        return _take(self._low, LOW_BATCH)

    async def _write(self, jobs: list[_Job], *, urgent: bool) -> None:
        if not jobs:
            return
        wait = max(min(j.deadline for j in jobs) - time.monotonic(), 0.0) if urgent else 0.0
        plan = [(j.work, j.chained) for j in jobs]
        try:
            results = await self._in_thread(lambda: self._write_batch(plan, int(wait * 1000)))
        except LedgerGone as exc:
            for job in jobs:
                _fail(job, LedgerGone(exc.state, f"not recorded: {exc}"))
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
                _fail(job, value)
                if job.chained:
                    self._break_chain(value)
        if not self.status.ok and not self.status.permanent:
            self._set_status(OK, "")

    def _batch_failed(
        self, jobs: list[_Job], exc: BaseException, *, urgent: bool, waited: float
    ) -> None:
        state = classify(exc)
        if not urgent and state == LOCKED:
            self._low.extendleft(reversed(jobs))  # samples wait; alerts go first meanwhile
            self._low_retry_at = time.monotonic() + LOW_RETRY_S
            return
        if state == LOCKED:
            reason = f"the ledger is locked by another program (waited {waited:.1f} s): {exc}"
        else:
            reason = str(exc)
        error = LedgerUnavailable(f"not recorded: {reason}")
        error.__cause__ = exc
        for job in jobs:
            _fail(job, error)
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
                _fail(job, error)
        self._urgent = kept

    # --- inside the writer thread ------------------------------------------------------

    def _write_batch(self, plan: list[tuple[Work, bool]], busy_ms: int) -> list[tuple[bool, Any]]:
        conn = self._connection()
        self.guard.raise_if_lost()
        conn.execute(f"PRAGMA busy_timeout = {busy_ms}")
        conn.execute("BEGIN IMMEDIATE")
        try:
            results = _run_jobs(conn, plan)
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
            _fail(job, refused)
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


def _take(queue: deque[_Job], limit: int) -> list[_Job]:
    jobs: list[_Job] = []
    while queue and len(jobs) < limit:
        jobs.append(queue.popleft())
    return jobs


def _fails_batch(exc: BaseException) -> bool:
    """Errors that concern the whole transaction (lock, disk, corruption), not one record."""
    if isinstance(exc, sqlite3.IntegrityError | sqlite3.ProgrammingError | sqlite3.DataError):
        return False
    return isinstance(exc, sqlite3.Error)


def _run_jobs(conn: sqlite3.Connection, plan: list[tuple[Work, bool]]) -> list[tuple[bool, Any]]:
    """Run the batch's jobs in order; see `_run_alone` and `_run_together`."""
    results: list[tuple[bool, Any]] = []
    broken: BaseException | None = None
    i = 0
    while i < len(plan):
        group = getattr(plan[i][0], "group", None)
        j = i + 1
        while j < len(plan) and group is not None and getattr(plan[j][0], "group", None) is group:
            j += 1
        run = plan[i:j]
        together = None
        if group is not None and len(run) > 1 and broken is None:
            together = _run_together(conn, group, [work for work, _ in run])
        if together is not None:
            results.extend((True, value) for value in together)
        else:
            for work, chained in run:
                result = _run_alone(conn, work, chained, broken)
                results.append(result)
                if chained and not result[0] and broken is None:
                    broken = ChainBroken(
                        f"not recorded: an alert before it could not be recorded ({result[1]})"
                    )
        i = j
    return results


def _run_together(
    conn: sqlite3.Connection,
    group: Callable[[sqlite3.Connection, list[Work]], list[Any]],
    works: list[Work],
) -> list[Any] | None:
    """Consecutive jobs of one kind written by their `group` function, with a few statements
    for all of them (the writer takes the GIL back after every statement). None when they
    cannot go together: then nothing of them was written, and they go one by one."""
    conn.execute("SAVEPOINT jobs")
    try:
        values = group(conn, works)
    except Exception as exc:
        if _fails_batch(exc) or not conn.in_transaction:
            raise
        conn.execute("ROLLBACK TO jobs")
        conn.execute("RELEASE jobs")
        return None
    conn.execute("RELEASE jobs")
    return values


def _run_alone(
    conn: sqlite3.Connection, work: Work, chained: bool, broken: BaseException | None
) -> tuple[bool, Any]:
    """One job in its own savepoint: its own error undoes it alone (and breaks the chain)."""
    if chained and broken is not None:
        return (False, broken)
    conn.execute("SAVEPOINT job")
    try:
        value = work(conn)
    except Exception as exc:
        if _fails_batch(exc) or not conn.in_transaction:
            raise
        conn.execute("ROLLBACK TO job")
        conn.execute("RELEASE job")
        return (False, _as_job_error(exc))
    conn.execute("RELEASE job")
    # A cursor must die in this thread: finalizing its statement from the event loop
    # while this thread uses the connection is an SQLite API misuse.
    return (True, None if isinstance(value, sqlite3.Cursor) else value)


def _as_job_error(exc: Exception) -> BaseException:
    """A record's own failure as its caller sees it: tmtui's errors as they are, others wrapped."""
    if isinstance(exc, LedgerUnavailable) or (
        isinstance(exc, TmtuiError) and not isinstance(exc, sqlite3.Error)
    ):
        return exc
    if not isinstance(exc, sqlite3.Error):
        log.error("bug while writing a record", exc_info=exc)
    error = LedgerUnavailable(f"not recorded: {exc}")
    error.__cause__ = exc
    return error


def rollback_quietly(conn: sqlite3.Connection) -> None:
    """Roll back only a transaction still open; a failing rollback never hides the real error.

    (SQLite may already have rolled back by itself, e.g. after "database or disk is full";
    an explicit ROLLBACK then fails with "no transaction is active".)
    """
    if not conn.in_transaction:
        return
    try:
        conn.execute("ROLLBACK")
    except sqlite3.Error as exc:
        log.warning("rollback after a failed write failed too: %s", exc)
