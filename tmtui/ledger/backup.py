"""Backups a trader can trust: SQLite's online backup API, checked, written atomically.

`copy_database` copies through a connection in one step, so the copy is one consistent
snapshot even while tmtui commits alerts (a WAL reader does not block the writer). The copy is
switched to rollback-journal mode so it is one self-contained file, checked with
`PRAGMA quick_check`, synced, and only then given its final name: a backup file that exists is
complete. Restoring is copying it back while tmtui is stopped (README: "Restoring a backup").

`DailyBackups` keeps one backup per trading day while `tmtui run` runs, the newest N.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Final

from tmtui.core.models import TmtuiError
from tmtui.ledger.guard import fsync_file, fsync_folder, read_only_uri

log = logging.getLogger("tmtui.backup")

CHECK_INTERVAL_S: Final = 300.0
"""How often `DailyBackups` looks whether the trading day's backup exists yet."""
FIRST_AFTER_S: Final = 5.0
"""`tmtui run` looks for the day's backup this long after it opens the ledger."""


class BackupFailed(TmtuiError):
    """No backup was written (the message says why); nothing half-written is left behind."""


@dataclass(frozen=True, slots=True)
class BackupResult:
    path: Path
    signals: int
    size: int


def copy_database(source: sqlite3.Connection, target: Path) -> BackupResult:
    """Copy what `source` sees into a new file `target`; never overwrites an existing file."""
    if target.exists():
        raise BackupFailed(f"{target} already exists; not overwriting it")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    partial.unlink(missing_ok=True)
    try:
        signals = _copy_and_check(source, partial)
        fsync_file(partial)
        _link_into_place(partial, target)
    finally:
        partial.unlink(missing_ok=True)
        for suffix in ("-journal", "-wal", "-shm"):
            partial.with_name(partial.name + suffix).unlink(missing_ok=True)
    fsync_folder(target.parent)
    return BackupResult(target, signals, target.stat().st_size)


def _copy_and_check(source: sqlite3.Connection, partial: Path) -> int:
    dest = sqlite3.connect(partial, isolation_level=None)
    try:
        source.backup(dest)  # pages=-1: one step, one consistent snapshot
        dest.execute("PRAGMA journal_mode = DELETE")
        problems = [str(row[0]) for row in dest.execute("PRAGMA quick_check(5)")]
        if problems != ["ok"]:
            raise BackupFailed(f"the copy failed its integrity check: {'; '.join(problems)}")
        return int(dest.execute("SELECT COUNT(*) FROM signals").fetchone()[0])
    finally:
        dest.close()


def backup_file(ledger: Path, target: Path) -> BackupResult:
    """Back up the ledger at `ledger` (running tmtui or not) into `target`.

    Raises BackupFailed with one line; the ledger itself is never created or changed.
    """
    if not ledger.is_file():
        raise BackupFailed(f"no ledger at {ledger}: nothing to back up")
    try:
        source = sqlite3.connect(read_only_uri(ledger), uri=True, isolation_level=None)
    except sqlite3.Error as exc:
        raise BackupFailed(f"cannot open the ledger {ledger}: {exc}") from None
    try:
        source.execute("PRAGMA busy_timeout = 2000")
        return copy_database(source, target)
    except sqlite3.Error as exc:
        raise BackupFailed(f"backup of {ledger} to {target} failed: {exc}") from None
    except OSError as exc:
        raise BackupFailed(f"backup to {target} failed: {exc.strerror or exc}") from None
    finally:
        source.close()


def default_backup_name(ledger: Path, now: datetime | None = None) -> str:
    stamp = (now or datetime.now(UTC)).astimezone().strftime("%Y-%m-%d-%H%M%S")
    return f"{ledger.stem}-{stamp}.db"


def _link_into_place(partial: Path, target: Path) -> None:
    """Give the finished copy its name, refusing to replace a file that appeared meanwhile."""
    try:
        os.link(partial, target)
    except FileExistsError:
        raise BackupFailed(f"{target} already exists; not overwriting it") from None
    except OSError:  # a file system without hard links
        if target.exists():
            raise BackupFailed(f"{target} already exists; not overwriting it") from None
        os.rename(partial, target)


class DailyBackups:
    """One backup per trading day into `folder`, named `<ledger stem>-<day>.db`; keeps `keep`."""

    def __init__(
        self,
        ledger: Path,
        folder: Path,
        keep: int,
        day_of: Callable[[datetime], date],
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.ledger = ledger
        self.folder = folder
        self.keep = keep
        self._day_of = day_of
        self._clock = clock
        self._pattern = re.compile(rf"{re.escape(ledger.stem)}-\d{{4}}-\d{{2}}-\d{{2}}\.db")

    def path_for(self, day: date) -> Path:
        return self.folder / f"{self.ledger.stem}-{day.isoformat()}.db"

    def kept(self) -> list[Path]:
        """This ledger's daily backups, oldest first."""
        try:
            names = sorted(p.name for p in self.folder.iterdir() if self._pattern.fullmatch(p.name))
        except FileNotFoundError:
            return []
        return [self.folder / name for name in names]

    def make_due(self) -> BackupResult | None:
        """Back up if this trading day has no backup yet, then drop all but the newest N."""
        target = self.path_for(self._day_of(self._clock()))
        result = None if target.exists() else backup_file(self.ledger, target)
        for old in self.kept()[: -self.keep]:
            old.unlink(missing_ok=True)
        return result

    async def run(self, interval: float = CHECK_INTERVAL_S, first_after: float = 0.0) -> None:
        """Forever: a backup when the trading day has none. A failure is logged and retried.

        `first_after`: seconds before the first look, so the first start of a day answers
        its listener before the copy (a read of the whole file) competes with it."""
        await asyncio.sleep(first_after)
        while True:
            try:
                result = await asyncio.to_thread(self.make_due)
            except (BackupFailed, OSError) as exc:
                log.error("daily ledger backup failed (retrying in %.0f s): %s", interval, exc)
            else:
                if result is not None:
                    log.info(
                        "daily ledger backup: %s (%d signals, %d bytes)",
                        result.path,
                        result.signals,
                        result.size,
                    )
            await asyncio.sleep(interval)
