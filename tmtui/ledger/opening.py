"""Opening a ledger file: create it complete or refuse it, connect, check, migrate, rescue."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Final

import aiosqlite

from tmtui.ledger.backup import copy_database
from tmtui.ledger.guard import (
    GONE,
    WAL_REMOVED,
    LedgerGone,
    LedgerRefused,
    check_database,
    check_file,
    classify,
    create_atomically,
    refusal,
    rescued_name,
    uri_for,
)
from tmtui.ledger.migrations import (
    SCHEMA_VERSION,
    TABLES,
    migrate,
)

READ_BUSY_MS: Final = 1000
"""How long a read waits for a lock held by a checkpoint before it fails."""


def check_or_create(path: Path, create: bool) -> bool:
    """check_file, then create the ledger if it is missing and may be; True if created."""
    missing = check_file(path, create=create)
    if missing:
        create_atomically(path, migrate)
    return missing


def connect(path: Path) -> sqlite3.Connection:
    """The writer's connection (opened in the writer thread); never creates the file."""
    try:
        conn = sqlite3.connect(uri_for(path), uri=True, isolation_level=None)
    except sqlite3.Error as exc:
        raise LedgerRefused(f"cannot open the ledger {path}: {exc}") from None
    try:
        conn.execute("PRAGMA busy_timeout = 2000")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
    except sqlite3.Error as exc:
        conn.close()
        if classify(exc) == "locked":
            raise LedgerRefused(
                f"cannot open the ledger {path}: it is locked by another program ({exc}): "
                "close that program and try again"
            ) from None
        raise refusal(path, f"is unreadable ({exc})") from None
    return conn


def prepare(conn: sqlite3.Connection, *, path: Path, deep: bool) -> None:
    """Check the opened ledger (see check_database), then bring its schema up to date."""
    check_database(conn, path, newest=SCHEMA_VERSION, tables=TABLES, deep=deep)
    try:
        migrate(conn)
    except sqlite3.Error as exc:
        raise LedgerRefused(f"cannot open the ledger {path}: upgrading it failed ({exc})") from None


async def open_reader(path: Path) -> aiosqlite.Connection:
    try:
        db = await aiosqlite.connect(uri_for(path), uri=True, isolation_level=None)
    except sqlite3.Error as exc:
        raise LedgerRefused(f"cannot open the ledger {path}: {exc}") from None
    try:
        await db.execute(f"PRAGMA busy_timeout = {READ_BUSY_MS}")
        await db.execute("PRAGMA query_only = 1")
    except BaseException:
        await db.close()
        raise
    return db


def rescue(path: Path, conn: sqlite3.Connection, problem: LedgerGone) -> str:
    """Save what the open connection still sees of a ledger deleted, replaced or WAL-less.

    Without its WAL, a checkpoint copies the WAL's pages (still readable through the open
    file) into the database file. A deleted ledger is written back to its path; a replaced
    one next to the replacement, never over it.
    """
    restart = "alerts are refused (503) until tmtui is restarted"
    if problem.state == WAL_REMOVED:
        busy, frames, copied = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        if busy == 0 and frames == copied:
            return f"everything it recorded is safe in {path}; {restart}"
    target = path if problem.state == GONE and not path.exists() else rescued_name(path)
    result = copy_database(conn, target)
    if target == path:
        return f"everything it recorded ({result.signals} signals) was written back; {restart}"
    return (
        f"everything it recorded ({result.signals} signals) was saved to {target}; {restart} "
        f"(stop it, decide which file is your ledger, put it at {path}, start it again)"
    )
