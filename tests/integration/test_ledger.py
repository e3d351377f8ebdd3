"""The ledger: concurrent writers, group commit, priorities, budget, and its file."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest
from helpers import wait_for
from ledger_support import add_events

from tmtui.core.book.records import SignalRecord, SignalWrite
from tmtui.core.events import Event, EventKind
from tmtui.core.history.samples import PositionSample
from tmtui.core.models import Action, LedgerUnavailable, Outcome, Signal
from tmtui.ledger.backup import DailyBackups
from tmtui.ledger.guard import FileGuard, LedgerRefused
from tmtui.ledger.pending import ChainBroken, PendingWrite
from tmtui.ledger.signal_writes import DuplicateSignal
from tmtui.ledger.store import Ledger
from tmtui.ledger.writer import LedgerWriter


def queue_signal(
    ledger: Ledger, rec: SignalRecord, *, events: Sequence[Event] = (), chained: bool = False
) -> PendingWrite:
    """The signal alone (or with log lines) through the ledger's one write."""
    return ledger.record(SignalWrite(rec, events=tuple(events)), chained=chained)


async def record_signal(ledger: Ledger, rec: SignalRecord, *, events: Sequence[Event] = ()) -> int:
    return int(await queue_signal(ledger, rec, events=events).confirmed())


def count_rows(path: Path, table: str) -> int:
    db = sqlite3.connect(path)
    try:
        return int(db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
    finally:
        db.close()


def record(n: int) -> SignalRecord:
    now = datetime.now(UTC)
    signal = Signal("S", "NQ", Action.BUY, 1, D("25600"), now)
    return SignalRecord(
        now, "webhook", Outcome.ACCEPTED, raw=f"#{n}", signal=signal, idem_key=f"id:{n}"
    )


async def test_concurrent_signal_and_sample_writes_all_commit(tmp_path: Path) -> None:
    ledger = await Ledger.open(tmp_path / "l.db")

    async def signals() -> None:
        for n in range(100):
            await record_signal(ledger, record(n), events=[Event(EventKind.INFO, f"e{n}")])

    async def samples() -> None:
        for ts in range(100):
            await ledger.add_position_samples(
                [PositionSample(ts, "S", "NQ", 1, D("25600"), D(0), D(0), D(0))]
            )
            await add_events(ledger, [Event(EventKind.FEED, f"f{ts}")])

    await asyncio.gather(signals(), samples(), samples())
    assert await ledger.count_signals(Outcome.ACCEPTED) == 100
    assert len(await ledger.events(limit=1000)) == 300
    await ledger.close()


async def test_cancelled_writer_still_commits_whole_transaction(tmp_path: Path) -> None:
    ledger = await Ledger.open(tmp_path / "l.db")
    task = asyncio.create_task(record_signal(ledger, record(1)))
    await asyncio.sleep(0)
    task.cancel()
    await ledger.close()  # waits for the shielded write
    again = await Ledger.open(tmp_path / "l.db")
    assert await again.count_signals() == 1
    assert await record_signal(again, record(2)) == 2  # no transaction left open
    await again.close()


# --- the writer: group commit, duplicates, priorities, budget, errors -----------------------


async def test_concurrent_alerts_commit_together(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger = await Ledger.open(tmp_path / "l.db")
    batches: list[int] = []
    write_batch = LedgerWriter._write_batch

    def counting(self: LedgerWriter, plan: list[Any], busy_ms: int) -> list[Any]:
        batches.append(len(plan))
        return write_batch(self, plan, busy_ms)

    monkeypatch.setattr(LedgerWriter, "_write_batch", counting)
    ids = await asyncio.gather(*(record_signal(ledger, record(n)) for n in range(50)))
    assert sorted(ids) == list(range(1, 51))
    assert sum(batches) == 50 and len(batches) < 10, batches  # not one transaction each
    await ledger.close()


async def test_a_duplicate_in_the_same_batch_fails_alone(tmp_path: Path) -> None:
    ledger = await Ledger.open(tmp_path / "l.db")
    first = queue_signal(ledger, record(1))
    again = queue_signal(ledger, record(1))  # same key, same group commit
    other = queue_signal(ledger, record(2))
    assert await first.confirmed() == 1
    with pytest.raises(DuplicateSignal) as dup:
        await again.confirmed()
    assert dup.value.original == 1
    assert await other.confirmed() == 2
    assert await ledger.count_signals() == 2
    await ledger.close()


async def test_chained_writes_after_a_failed_one_fail_with_it(tmp_path: Path) -> None:
    ledger = await Ledger.open(tmp_path / "l.db")
    await record_signal(ledger, record(1))
    dup = queue_signal(ledger, record(1), chained=True)
    later = queue_signal(ledger, record(2), chained=True)
    unchained = queue_signal(ledger, record(3))
    with pytest.raises(DuplicateSignal):
        await dup.confirmed()
    with pytest.raises(ChainBroken, match="an alert before it could not be recorded"):
        await later.confirmed()
    assert await unchained.confirmed() == 2
    await ledger.close()


async def test_alerts_go_before_samples_and_samples_never_wait_in_front(tmp_path: Path) -> None:
    path = tmp_path / "l.db"
    ledger = await Ledger.open(path, write_budget=2.0)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    writer = ledger._writer
    write_batch = writer._write_batch
    waits: list[int] = []  # each batch's busy wait: 0 for samples, the budget for alerts

    def spied(plan: Any, busy_ms: int) -> Any:
        waits.append(busy_ms)
        return write_batch(plan, busy_ms)

    writer._write_batch = spied  # type: ignore[method-assign]
    samples = asyncio.create_task(add_events(ledger, [Event(EventKind.FEED, "sample")]))
    # the sample tried, found the lock, and waits its turn
    await wait_for(lambda: writer._low_retry_at > 0, what="the sample to find the lock")
    alert = asyncio.create_task(
        record_signal(ledger, record(1), events=[Event(EventKind.INFO, "alert")])
    )
    await wait_for(lambda: any(w > 0 for w in waits), what="the alert to wait on the lock")
    holder.execute("ROLLBACK")
    holder.close()
    assert await alert == 1
    await samples  # returned (at most LOW_WAIT_S), never raised
    await wait_for(lambda: count_rows(path, "events") == 2, what="the sample written")
    messages = [e.message for e in await ledger.events()]
    assert messages == ["alert", "sample"]
    await ledger.close()


async def test_a_locked_ledger_fails_within_the_budget_then_recovers(tmp_path: Path) -> None:
    path = tmp_path / "l.db"
    ledger = await Ledger.open(path, write_budget=0.3)
    changes: list[str] = []
    ledger.on_status(lambda status: changes.append(status.state))
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    began = time.monotonic()
    with pytest.raises(LedgerUnavailable, match="locked by another program .*database is locked"):
        await record_signal(ledger, record(1))
    assert time.monotonic() - began < 1.0
    assert ledger.status().state == "locked"
    holder.execute("ROLLBACK")
    holder.close()
    await wait_for(lambda: ledger.status().ok, timeout=5, what="the probe to clear the lock")
    assert changes == ["locked", "ok"]
    assert await record_signal(ledger, record(1)) == 1
    await ledger.close()


async def test_disk_full_reports_the_real_error_not_the_rollback(tmp_path: Path) -> None:
    ledger = await Ledger.open(tmp_path / "l.db")
    await record_signal(ledger, record(0))

    def cap(conn: sqlite3.Connection) -> None:
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages}")  # full, as SQLite sees it

    await ledger._writer.call(cap)
    big = [Event(EventKind.INFO, "x" * 3000) for _ in range(20)]
    with pytest.raises(LedgerUnavailable) as failed:
        await record_signal(ledger, record(1), events=big)
    assert str(failed.value) == "not recorded: database or disk is full"
    assert ledger.status().state == "disk_full"
    await ledger._writer.call(lambda conn: conn.execute("PRAGMA max_page_count = 1000000"))
    assert await record_signal(ledger, record(1), events=big) == 2
    assert ledger.status().ok
    await ledger.close()


# --- the file: sound on open, still ours while open ------------------------------------------


async def test_open_refuses_what_is_not_a_sound_ledger(tmp_path: Path) -> None:
    path = tmp_path / "l.db"
    with pytest.raises(LedgerRefused, match="no ledger at"):
        await Ledger.open(path, create=False)
    assert not path.exists()
    path.write_bytes(b"")
    with pytest.raises(LedgerRefused, match=r"is empty \(0 bytes\)"):
        await Ledger.open(path)
    path.write_bytes(b"not a database at all" * 100)
    with pytest.raises(LedgerRefused, match="is not a database"):
        await Ledger.open(path)
    path.unlink()
    empty = sqlite3.connect(path)  # a database, but not made by tmtui
    empty.execute("CREATE TABLE other (x)")
    empty.close()
    with pytest.raises(LedgerRefused, match="is not a tmtui ledger"):
        await Ledger.open(path)


async def test_a_new_ledger_is_created_complete(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "l.db"
    ledger = await Ledger.open(path)
    assert ledger.created and await ledger.count_signals() == 0
    await ledger.close()
    assert sorted(p.name for p in path.parent.iterdir()) == ["l.db"]
    again = await Ledger.open(path, create=False, quick_check=True)
    assert not again.created
    await again.close()


def test_the_guard_sees_deleted_replaced_and_wal_removed(tmp_path: Path) -> None:
    path = tmp_path / "l.db"
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("CREATE TABLE t (x)")
    guard = FileGuard(path)
    guard.remember()
    assert guard.problem() is None
    wal = tmp_path / "l.db-wal"
    wal.rename(tmp_path / "moved-wal")
    assert guard.problem().state == "wal_removed"
    (tmp_path / "moved-wal").rename(wal)
    assert guard.problem() is None
    (tmp_path / "other").write_bytes(path.read_bytes())
    (tmp_path / "other").replace(path)
    assert guard.problem().state == "replaced"
    path.unlink()
    assert guard.problem().state == "gone"
    db.close()


def test_daily_backups_one_per_trading_day_newest_kept(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE signals (id INTEGER PRIMARY KEY)")
    db.execute("INSERT INTO signals VALUES (1)")
    db.commit()
    db.close()
    now = [datetime(2025, 3, 3, 12, tzinfo=UTC)]
    backups = DailyBackups(path, tmp_path / "b", 3, lambda t: t.date(), clock=lambda: now[0])
    for day in range(3, 9):
        now[0] = now[0].replace(day=day)
        made = backups.make_due()
        assert made is not None and made.signals == 1
        assert backups.make_due() is None  # once a day
    assert [p.name for p in backups.kept()] == [
        "ledger-2025-03-06.db",
        "ledger-2025-03-07.db",
        "ledger-2025-03-08.db",
    ]


async def test_alerts_committed_together_equal_a_replay(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Signals written together (one statement per table) leave exactly what writing them
    one by one would: `ledger verify` finds no difference with a replay."""
    import tmtui.ledger.signal_writes

    together: list[int] = []
    write_signals = tmtui.ledger.signal_writes.write_signals

    def counting(conn: sqlite3.Connection, jobs: Any) -> list[int]:
        together.append(len(jobs))
        return write_signals(conn, jobs)

    monkeypatch.setattr(tmtui.ledger.signal_writes, "write_signals", counting)
    from dataclasses import replace

    from helpers import alert, make_config

    from tmtui.runtime.engine import Engine
    from tmtui.services.book_restore import verify

    config = replace(make_config(tmp_path), commissions={"default": D("1.25")})
    engine = Engine(config, await Ledger.open(config.ledger.resolved_path()))
    await engine.start()
    actions = ("buy", "buy", "sell", "sell", "sell", "close", "buy")

    async def lane(n: int) -> None:
        for step, action in enumerate(actions):
            qty = None if action == "close" else 1
            price = str(6800 + step)
            await engine.submit_alert(
                alert(action, "ES1!", qty, price, strategy=f"L{n}", alert_id=f"{n}-{step}")
            )

    await asyncio.gather(*(lane(n) for n in range(12)))
    assert await engine.ledger.count_signals(Outcome.ACCEPTED) == 12 * len(actions)
    assert await verify(engine.ledger, config) == []
    assert len(engine.book.positions) == 12
    assert max(together) > 1  # some were written together
    await engine.stop()
