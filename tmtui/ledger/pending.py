"""A write queued for the writer thread, as its caller holds it: wait for it, or chain on it."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from tmtui.core.models import LedgerUnavailable

Work = Callable[[sqlite3.Connection], Any]


CONFIRM_GRACE_S: Final = 0.3
"""A caller waits this long past the deadline for the commit (the disk sync) to report."""


class ChainBroken(LedgerUnavailable):
    """Not written because a write it was decided on top of failed."""


@dataclass(eq=False, slots=True)
class WriteJob:
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


def retrieve_quietly(future: asyncio.Future[Any]) -> None:
    """Mark a failure as seen: a caller that gave up waiting is no bug worth a warning."""
    if not future.cancelled():
        future.exception()


def fail_job(job: WriteJob, error: BaseException) -> None:
    if not job.future.done():
        job.future.set_exception(error)
