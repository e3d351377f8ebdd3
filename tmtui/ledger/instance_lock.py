"""One ledger, one writer: the lock `tmtui run` holds on its ledger while it runs.

Two instances writing one ledger each apply only the alerts and closes they saw, so each
book drifts from the other and the replayed ledger holds positions nobody has. The lock is
an `fcntl.flock` on `<ledger>.lock`, next to the ledger: the kernel drops it when the
process dies, so a `kill -9` never blocks the next start. The file holds the holder's pid
and listener URL, so the refusal can say who runs and where alerts go; a clean stop empties
it. The file itself is never deleted: unlinking a lock file races with a starting instance.

Read commands never take the lock (SQLite WAL lets them read beside the writer).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from tmtui.core.models import LedgerUnavailable, TmtuiError, os_error_reason

MAX_LOCK_FILE_BYTES = 4096


class InstanceRunning(TmtuiError):
    """Another live tmtui holds the ledger's lock."""


@dataclass(frozen=True, slots=True)
class LockHolder:
    """What the running instance wrote in the lock file (fields None when unreadable)."""

    pid: int | None
    listener: str | None
    started: str | None

    def describe(self) -> str:
        pid = f"pid {self.pid}" if self.pid else "pid unknown"
        where = f"listening on {self.listener}" if self.listener else "listener not up yet"
        return f"{pid}, {where}"


def lock_path(ledger: Path) -> Path:
    return ledger.with_name(ledger.name + ".lock")


class InstanceLock:
    """Held from start to stop of one `tmtui run`; `release()` is safe to call twice."""

    def __init__(self, ledger: Path, fd: int) -> None:
        self.ledger = ledger
        self.path = lock_path(ledger)
        self._fd: int | None = fd
        self._started = datetime.now(UTC).isoformat(timespec="seconds")

    @classmethod
    def acquire(cls, ledger: Path) -> InstanceLock:
        """Take the lock or raise: InstanceRunning (held), LedgerUnavailable (unusable path)."""
        path = lock_path(ledger)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise LedgerUnavailable(
                f"cannot use the ledger {ledger}: {os_error_reason(exc)}"
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = _read_holder(fd)
            os.close(fd)
            raise InstanceRunning(
                f"the ledger {ledger} is in use by another tmtui ({holder.describe()}): "
                "only one `tmtui run` may write it; read commands work beside it"
            ) from None
        lock = cls(ledger, fd)
        lock.record_listener(None)
        return lock

    @property
    def held(self) -> bool:
        return self._fd is not None

    def record_listener(self, url: str | None) -> None:
        """Write who holds the lock and where its listener is, for a refused second start."""
        if self._fd is None:
            return
        body = {"pid": os.getpid(), "listener": url, "started": self._started}
        _rewrite(self._fd, json.dumps(body).encode())

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is None:
            return
        with contextlib.suppress(OSError):
            _rewrite(fd, b"")
        os.close(fd)  # closing the descriptor drops the flock

    def __enter__(self) -> InstanceLock:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


def running_instance(ledger: Path) -> LockHolder | None:
    """The live instance the lock file names, without touching the lock (for `tmtui signal`).

    Only a hint: a pid that is alive is believed. Taking the lock to test it would make a
    `tmtui run` starting at that instant wrongly refuse.
    """
    try:
        fd = os.open(lock_path(ledger), os.O_RDONLY)
    except OSError:
        return None
    try:
        holder = _read_holder(fd)
    finally:
        os.close(fd)
    if holder.pid is None or not _alive(holder.pid):
        return None
    return holder


def _rewrite(fd: int, data: bytes) -> None:
    os.ftruncate(fd, 0)
    os.pwrite(fd, data, 0)


def _read_holder(fd: int) -> LockHolder:
    try:
        data = json.loads(os.pread(fd, MAX_LOCK_FILE_BYTES, 0) or b"{}")
    except (OSError, ValueError):
        data = {}
    if not isinstance(data, dict):
        data = {}
    pid, listener, started = data.get("pid"), data.get("listener"), data.get("started")
    return LockHolder(
        pid if isinstance(pid, int) and pid > 0 else None,
        listener if isinstance(listener, str) else None,
        started if isinstance(started, str) else None,
    )


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
