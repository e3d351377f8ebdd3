"""How the writer thread runs a group of jobs: one transaction, a savepoint per job, so one
bad record fails alone and a failed COMMIT keeps its own SQLite message.
"""

from __future__ import annotations

import logging
import sqlite3
from collections import deque
from collections.abc import Callable
from typing import Any

from tmtui.core.models import LedgerUnavailable, TmtuiError
from tmtui.ledger.pending import ChainBroken, Work, WriteJob

log = logging.getLogger("tmtui.ledger")


def take_jobs(queue: deque[WriteJob], limit: int) -> list[WriteJob]:
    jobs: list[WriteJob] = []
    while queue and len(jobs) < limit:
        jobs.append(queue.popleft())
    return jobs


def fails_batch(exc: BaseException) -> bool:
    """Errors that concern the whole transaction (lock, disk, corruption), not one record."""
    if isinstance(exc, sqlite3.IntegrityError | sqlite3.ProgrammingError | sqlite3.DataError):
        return False
    return isinstance(exc, sqlite3.Error)


def run_jobs(conn: sqlite3.Connection, plan: list[tuple[Work, bool]]) -> list[tuple[bool, Any]]:
    """Run the batch's jobs in order; see `run_alone` and `run_together`."""
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
            together = run_together(conn, group, [work for work, _ in run])
        if together is not None:
            results.extend((True, value) for value in together)
        else:
            for work, chained in run:
                result = run_alone(conn, work, chained, broken)
                results.append(result)
                if chained and not result[0] and broken is None:
                    broken = ChainBroken(
                        f"not recorded: an alert before it could not be recorded ({result[1]})"
                    )
        i = j
    return results


def run_together(
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
        if fails_batch(exc) or not conn.in_transaction:
            raise
        conn.execute("ROLLBACK TO jobs")
        conn.execute("RELEASE jobs")
        return None
    conn.execute("RELEASE jobs")
    return values


def run_alone(
    conn: sqlite3.Connection, work: Work, chained: bool, broken: BaseException | None
) -> tuple[bool, Any]:
    """One job in its own savepoint: its own error undoes it alone (and breaks the chain)."""
    if chained and broken is not None:
        return (False, broken)
    conn.execute("SAVEPOINT job")
    try:
        value = work(conn)
    except Exception as exc:
        if fails_batch(exc) or not conn.in_transaction:
            raise
        conn.execute("ROLLBACK TO job")
        conn.execute("RELEASE job")
        return (False, as_job_error(exc))
    conn.execute("RELEASE job")
    # A cursor must die in this thread: finalizing its statement from the event loop
    # while this thread uses the connection is an SQLite API misuse.
    return (True, None if isinstance(value, sqlite3.Cursor) else value)


def as_job_error(exc: Exception) -> BaseException:
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
