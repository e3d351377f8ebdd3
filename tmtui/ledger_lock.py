"""One writer per ledger: `tmtui run` and `tmtui import` must not record into it at once.

Both keep an in-memory book that the ledger's stored state must match; a second writer would
leave one of them stale (and reuse its round-trip numbers). A POSIX record lock on a file
beside the ledger says who writes: held for the writer's lifetime, released by the system
when the process ends, even on a crash. Readers (every read command) take no lock.
"""

from __future__ import annotations

import os
from pathlib import Path

from tmtui.core.models import TmtuiError

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: no lock, as before
    fcntl = None  # type: ignore[assignment]

_held: dict[Path, int] = {}
"""Locks this process holds, by lock file. POSIX locks belong to the process, and closing
any descriptor of the file would drop them, so each file is opened once and kept open."""


class LedgerBusy(TmtuiError):
    """Another process is recording into the ledger."""


def lock_path(ledger_path: Path) -> Path:
    return ledger_path.with_name(ledger_path.name + ".writer")


def hold_writer_lock(ledger_path: Path, who: str) -> None:
    """Become the ledger's writer for the rest of this process, or raise LedgerBusy."""
    if fcntl is None or str(ledger_path) == ":memory:":
        return
    path = lock_path(Path(ledger_path))
    if path in _held:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        raise LedgerBusy(
            f"another tmtui process is recording into {ledger_path} (tmtui run or an "
            f"import): stop it, then {who}"
        ) from None
    _held[path] = fd
