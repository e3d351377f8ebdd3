"""Is the ledger file sound, and is it still the file tmtui opened?

Two jobs, both about never recording into the void:

* Before opening: refuse a ledger that is missing (read commands never create one), empty,
  truncated, overwritten, damaged or from a newer tmtui, with one line that names the file and
  what to do. A new ledger is created complete (schema included) under a temporary name and
  linked into place, so a half-created ledger never exists under the real name.
* While running: remember the device and inode of the ledger and its WAL, and compare them
  before every commit and on every health check (two `stat` calls). A ledger deleted, replaced
  or stripped of its WAL is reported as `LedgerGone`; the writer then saves what it has and
  refuses further writes, because SQLite would go on "committing" into a file nobody will
  ever open again.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import struct
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from tmtui.core.models import LedgerUnavailable, TmtuiError, os_error_reason

SQLITE_MAGIC: Final = b"SQLite format 3\x00"
HEADER_BYTES: Final = 100
FREE_SPACE_NEEDED: Final = 1 << 20
"""A full disk counts as fixed once this much is free again (and a test write succeeded)."""
RESTORE_HINT: Final = (
    "restore a backup (README: 'Restoring a backup') or check it with `tmtui ledger verify`"
)

# Ledger states. `ok`; transient ones (writes are still attempted, each may fail); and the
# ones after which this process never writes again (restart tmtui).
OK: Final = "ok"
LOCKED: Final = "locked"
DISK_FULL: Final = "disk_full"
IO_ERROR: Final = "io_error"
READ_ONLY: Final = "read_only"
CORRUPT: Final = "corrupt"
ERROR: Final = "error"
GONE: Final = "gone"
REPLACED: Final = "replaced"
WAL_REMOVED: Final = "wal_removed"
CLOSED: Final = "closed"
PERMANENT_STATES: Final = frozenset({GONE, REPLACED, WAL_REMOVED, CLOSED})


class LedgerRefused(TmtuiError):
    """The ledger file is missing, damaged or not one this tmtui can use: nothing was opened."""


class LedgerGone(LedgerUnavailable):
    """The ledger file was deleted or replaced, or lost its WAL, while tmtui was running."""

    def __init__(self, state: str, message: str) -> None:
        super().__init__(message)
        self.state = state


@dataclass(frozen=True, slots=True)
class LedgerStatus:
    """Whether alerts can be recorded right now, and if not, why (for /health and the screen)."""

    state: str = OK
    message: str = ""
    since: datetime | None = None

    @property
    def ok(self) -> bool:
        return self.state == OK

    @property
    def permanent(self) -> bool:
        return self.state in PERMANENT_STATES

    @property
    def closed(self) -> bool:
        """Closed by tmtui itself (stopping): no trouble to report."""
        return self.state == CLOSED

    def as_json(self, path: Path) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "state": self.state,
            "error": self.message or None,
            "since": self.since.isoformat() if self.since else None,
            "path": str(path),
        }


def classify(exc: BaseException) -> str:
    """The ledger state an SQLite error puts us in, from its error code (message as fallback)."""
    name = str(getattr(exc, "sqlite_errorname", "") or "")
    text = str(exc).lower()
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in text:
        return LOCKED
    if name == "SQLITE_FULL" or "disk is full" in text:
        return DISK_FULL
    if name.startswith("SQLITE_IOERR") or "disk i/o" in text:
        return IO_ERROR
    if name.startswith("SQLITE_READONLY") or "readonly" in text:
        return READ_ONLY
    if name in ("SQLITE_CORRUPT", "SQLITE_NOTADB") or "malformed" in text:
        return CORRUPT
    return ERROR


def disk_has_room(folder: Path) -> bool:
    try:
        return shutil.disk_usage(folder).free >= FREE_SPACE_NEEDED
    except OSError:
        return False


# --- before opening -------------------------------------------------------------------


def wal_path(path: Path) -> Path:
    return path.with_name(path.name + "-wal")


def uri_for(path: Path, mode: str = "rw") -> str:
    """An SQLite URI that opens an existing file only (`mode=rw` never creates one)."""
    return f"file:{urllib.parse.quote(str(path.absolute()))}?mode={mode}"


def refusal(path: Path, what: str) -> LedgerRefused:
    """`cannot open the ledger PATH: it WHAT; restore a backup ...` (one line)."""
    return LedgerRefused(f"cannot open the ledger {path}: it {what}; {RESTORE_HINT}")


def unreadable(path: Path, exc: OSError) -> LedgerRefused:
    """An OSError on the ledger's path as a trader reads it (`/x is a file, not a directory`)."""
    if isinstance(exc, NotADirectoryError):
        blocker = next((p for p in path.parents if p.exists() and not p.is_dir()), None)
        if blocker is not None:
            return LedgerRefused(
                f"cannot open the ledger {path}: {blocker} is a file, not a directory"
            )
    return LedgerRefused(f"cannot open the ledger {path}: {os_error_reason(exc)}")


def check_file(path: Path, *, create: bool) -> bool:
    """Cheap checks of the file itself; True when it does not exist and may be created."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        if create:
            return True
        raise LedgerRefused(
            f"no ledger at {path}: only `tmtui run` creates one (check [ledger] path in the config)"
        ) from None
    except OSError as exc:
        raise unreadable(path, exc) from None
    if path.is_dir():
        raise LedgerRefused(f"cannot open the ledger {path}: it is a folder, not a file")
    if size == 0:
        raise refusal(path, "is empty (0 bytes) but exists, so its signals are gone")
    try:
        with path.open("rb") as handle:
            header = handle.read(HEADER_BYTES)
    except OSError as exc:
        raise unreadable(path, exc) from None
    if not header.startswith(SQLITE_MAGIC) and not SQLITE_MAGIC.startswith(header):
        raise refusal(path, "is not a database (overwritten?)")
    if len(header) < HEADER_BYTES:
        raise refusal(path, f"is truncated ({size} bytes)")
    expected = _size_from_header(header)
    if expected is not None and size < expected and not _wal_has_frames(path):
        raise refusal(path, f"is truncated: {size} bytes where its header says {expected}")
    return False


def _size_from_header(header: bytes) -> int | None:
    """The database size the header records, when the header says that figure is valid."""
    (page_size,) = struct.unpack(">H", header[16:18])
    page_size = 65536 if page_size == 1 else page_size
    counter, pages = struct.unpack(">II", header[24:32])
    (valid_for,) = struct.unpack(">I", header[92:96])
    if pages == 0 or counter != valid_for:
        return None
    return int(pages) * int(page_size)


def _wal_has_frames(path: Path) -> bool:
    """Pages in the WAL may extend the database past the main file's size."""
    try:
        return wal_path(path).stat().st_size > 32
    except OSError:
        return False


def check_database(
    conn: sqlite3.Connection, path: Path, *, newest: int, tables: tuple[str, ...], deep: bool
) -> int:
    """Integrity (with `deep`, `PRAGMA quick_check`), version and tables; returns user_version.

    Raises LedgerRefused with one line. Version 0 on an existing file means it was not made by
    tmtui, which creates ledgers complete.
    """
    try:
        if deep:
            problems = [str(row[0]) for row in conn.execute("PRAGMA quick_check(5)")]
            if problems != ["ok"]:
                raise refusal(path, f"is damaged ({'; '.join(problems)[:200]})")
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        present = {str(r[0]) for r in conn.execute("SELECT name FROM sqlite_master")}
    except sqlite3.DatabaseError as exc:
        raise refusal(path, f"is damaged ({exc})") from None
    if version > newest:
        raise LedgerRefused(
            f"cannot open the ledger {path}: it has schema v{version}, newer than this tmtui "
            f"(v{newest}): upgrade tmtui, or restore a backup made by this version"
        )
    if version == 0:
        raise refusal(path, "is not a tmtui ledger (no tmtui schema in it)")
    missing = [name for name in tables if name not in present]
    if missing:
        raise refusal(path, f"is damaged (missing table {', '.join(missing)})")
    return version


def create_atomically(path: Path, init: Callable[[sqlite3.Connection], None]) -> None:
    """Create a complete ledger under a temporary name, then link it into place.

    A crash halfway leaves only the temporary file; an existing ledger is never overwritten.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.creating-{os.getpid()}")
    for leftover in (temp, wal_path(temp), temp.with_name(temp.name + "-shm")):
        leftover.unlink(missing_ok=True)
    conn = sqlite3.connect(temp, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        init(conn)
    finally:
        conn.close()
    try:
        fsync_file(temp)
        os.link(temp, path)
    except FileExistsError:
        pass  # someone else created it meanwhile: theirs is opened and checked like any other
    finally:
        temp.unlink(missing_ok=True)
    fsync_folder(path.parent)


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_folder(folder: Path) -> None:
    """Make a new name in `folder` durable (some file systems cannot; the file itself is)."""
    with contextlib.suppress(OSError):
        fsync_file(folder)


# --- while running --------------------------------------------------------------------

Identity = tuple[int, int]


def _identity(path: Path) -> Identity | None:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return (st.st_dev, st.st_ino)


class FileGuard:
    """Remembers which file (and WAL) the connections opened; says when that stops being true."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.wal = wal_path(path)
        self._db: Identity | None = None
        self._wal: Identity | None = None

    def remember(self) -> None:
        """Call once the connections are open (SQLite has created the WAL by then)."""
        self._db = _identity(self.path)
        self._wal = _identity(self.wal)

    def problem(self) -> LedgerGone | None:
        """Two `stat` calls: cheap enough for every commit and every health check."""
        if self._db is None:
            return None
        now = _identity(self.path)
        if now is None:
            return LedgerGone(GONE, f"ledger {self.path} was deleted while tmtui was running")
        if now != self._db:
            return LedgerGone(
                REPLACED, f"ledger {self.path} was replaced by another file while tmtui was running"
            )
        if self._wal is None:
            self._wal = _identity(self.wal)
            return None
        if _identity(self.wal) != self._wal:
            return LedgerGone(
                WAL_REMOVED,
                f"the ledger's WAL file {self.wal} was removed while tmtui was running",
            )
        return None

    def raise_if_lost(self) -> None:
        problem = self.problem()
        if problem is not None:
            raise problem


def rescued_name(path: Path, now: datetime | None = None) -> Path:
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
    return path.with_name(f"{path.name}.rescued-{stamp}")
