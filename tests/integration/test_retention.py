"""Bounded history: finished days' samples thinned to minutes (figures unchanged), old log
lines dropped after `[ledger] keep_event_days`, and sample reads that stay indexed."""

from __future__ import annotations

import random
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D
from pathlib import Path

import pytest
from helpers import alert, make_config, wait_for
from ledger_support import add_account_sample, add_events, ledger_position_samples

from tmtui.core.alerts.manual_orders import ManualPrice, PriceSource
from tmtui.core.events import Event, EventKind
from tmtui.core.history.samples import AccountSample, PositionSample
from tmtui.core.views import account_view, report_json
from tmtui.ledger.migrations import MIGRATIONS, split_sql
from tmtui.ledger.store import Ledger
from tmtui.runtime.engine import Engine
from tmtui.services.book_restore import load_book, load_day_account
from tmtui.services.feeds.base import Quote
from tmtui.settings.config import Config

pytestmark = pytest.mark.timeout(60)

START = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)  # 09:00 Chicago: trading day Nov 18


async def engine_at(config: Config, clock: list[datetime]) -> Engine:
    ledger = await Ledger.open(config.ledger.resolved_path())
    engine = Engine(config, ledger, clock=lambda: clock[0], sample_interval=3600)
    await engine.start()
    return engine


def sample_stats(path: Path, start: int, end: int) -> dict[str, object]:
    """What the raw or compacted rows of a day say, read with plain SQL."""
    with sqlite3.connect(path) as db:

        def one(sql: str) -> tuple[object, ...]:
            return db.execute(sql, (start, end)).fetchone()  # type: ignore[no-any-return]

        span = "WHERE ts >= ? AND ts < ?"
        positions = db.execute(
            "SELECT strategy, root, trade_id, open_pnl, COALESCE(low, open_pnl),"
            f" COALESCE(high, open_pnl), mae, mfe, ts FROM position_samples {span} ORDER BY ts",
            (start, end),
        ).fetchall()
        account = db.execute(
            "SELECT total, COALESCE(low, total), COALESCE(high, total), max_mtm, min_mtm,"
            f" max_drawdown FROM account_samples {span} ORDER BY ts",
            (start, end),
        ).fetchall()
        raw = one(f"SELECT COUNT(*) FROM position_samples {span} AND low IS NULL")[0]
    by_trade: dict[object, list[tuple[object, ...]]] = {}
    for row in positions:
        by_trade.setdefault(row[:3], []).append(row)
    return {
        "rows": len(positions) + len(account),
        "raw": raw,
        "trades": {
            key: (
                min(D(r[4]) for r in rows),
                max(D(r[5]) for r in rows),
                rows[-1][6:],  # last MAE, MFE, ts
            )
            for key, rows in by_trade.items()
        },
        "account": (
            min(D(r[1]) for r in account),
            max(D(r[2]) for r in account),
            account[-1][3:],
        ),
    }


async def test_the_roll_compacts_the_finished_day_with_its_figures_unchanged(
    tmp_path: Path,
) -> None:
    config = make_config(tmp_path)
    clock = [START]
    engine = await engine_at(config, clock)
    await engine.submit_alert(alert("buy", "ES1!", 1, "6800", strategy="A", received=clock[0]))
    await engine.submit_alert(alert("sell", "NQ1!", 2, "25600", strategy="B", received=clock[0]))
    walk = random.Random(8)
    es, nq = D(6800), D(25600)
    for second in range(1, 420):
        clock[0] = START + timedelta(seconds=second)
        es += D(walk.choice((-1, 0, 1))) * D("0.25")
        nq += D(walk.choice((-2, -1, 0, 1, 2))) * D("0.25")
        engine.on_quote(Quote("CME_MINI:ES1!", es, received=clock[0]))
        engine.on_quote(Quote("CME_MINI:NQ1!", nq, received=clock[0]))
        if second == 200:
            await engine.close_position(("A", "ES"), price=ManualPrice(es, PriceSource.LIVE))
        await engine.flush()
    day = engine.account.day
    start, end = (int(t.timestamp()) for t in engine.state.calendar.bounds(day))
    path = config.ledger.resolved_path()
    before = sample_stats(path, start, end)
    calendar = engine.state.calendar

    async def day_report() -> dict[str, object]:
        return report_json(account_view(await load_day_account(engine.ledger, calendar, day)))

    report_before = await day_report()
    live = report_json(account_view(engine.account))
    for figure in ("max_mtm", "min_mtm", "max_drawdown", "realized", "trades"):
        assert report_before[figure] == live[figure]
    trades_before = await engine.ledger.trades()
    assert before["raw"] >= 600, "ES for 200 s and NQ for 419 s, at 1 s"

    clock[0] = START + timedelta(hours=8, minutes=30)  # 17:30 Chicago: the next trading day
    await engine.flush()
    assert engine.account.day == day + timedelta(days=1)
    await wait_for(lambda: engine.housekeeper.runs >= 2, what="the roll's housekeeping")

    after = sample_stats(path, start, end)
    assert after["raw"] == 0
    assert after["trades"] == before["trades"] and after["account"] == before["account"]
    assert after["rows"] <= 3 * 8, "one row per series per minute"
    assert await day_report() == report_before
    assert await engine.ledger.trades() == trades_before
    view = engine.position_view(("B", "NQ"))
    await engine.stop()

    again = await engine_at(config, clock)  # the open NQ keeps its last mark and extremes
    restored = again.position_view(("B", "NQ"))
    assert restored is not None and view is not None
    assert (restored.last_price, restored.trade_drawdown, restored.trade_runup) == (
        view.last_price,
        view.trade_drawdown,
        view.trade_runup,
    )
    await again.stop()


def raw_samples(day_start: datetime, seconds: int) -> list[PositionSample]:
    base = int(day_start.timestamp())
    return [
        PositionSample(base + s, "S", "NQ", 1, D(25600 + s % 7), D(s % 7 * 20), D(0), D(120))
        for s in range(seconds)
    ]


def account_rows(day_start: datetime, day: str, seconds: int) -> list[AccountSample]:
    base = int(day_start.timestamp())
    return [
        AccountSample(base + s, day, D(0), D(s % 5), D(s % 5), D(4), D(4), D(0), D(-4), None, None)
        for s in range(seconds)
    ]


async def test_start_compacts_older_days_and_drops_old_events(tmp_path: Path) -> None:
    config = make_config(tmp_path, ledger={"keep_event_days": 30})
    now = START
    ledger = await Ledger.open(config.ledger.resolved_path())
    for days_ago in (3, 2, 0):
        moment = now - timedelta(days=days_ago, hours=1)
        await ledger.add_position_samples(raw_samples(moment, 150))
        for row in account_rows(moment, "d", 150):
            await add_account_sample(ledger, row)
    await add_events(
        ledger,
        [
            Event(EventKind.INFO, "old", now - timedelta(days=31)),
            Event(EventKind.INFO, "recent", now - timedelta(days=29)),
        ],
    )
    await ledger.close()

    engine = await engine_at(config, [now])
    await wait_for(lambda: engine.housekeeper.runs, what="the start's housekeeping")
    oldest = await engine.ledger.oldest_raw_sample()
    assert oldest == int((now - timedelta(hours=1)).timestamp()), "today stays at 1 s"
    older = await ledger_position_samples(engine.ledger, "S", "NQ", 0, oldest)
    assert 2 * 3 <= len(older) <= 2 * 4, "150 s at 1 s -> 3 or 4 minutes per older day"
    assert all(s.low == D(0) and s.high == D(120) for s in older)
    messages = [e.message for e in await engine.ledger.events()]
    assert "old" not in messages and "recent" in messages
    await engine.stop()


async def test_keep_event_days_zero_keeps_every_event(tmp_path: Path) -> None:
    config = make_config(tmp_path, ledger={"keep_event_days": 0})
    ledger = await Ledger.open(config.ledger.resolved_path())
    await add_events(ledger, [Event(EventKind.INFO, "ancient", START - timedelta(days=4000))])
    await ledger.close()
    engine = await engine_at(config, [START])
    await wait_for(lambda: engine.housekeeper.runs, what="the start's housekeeping")
    assert "ancient" in [e.message for e in await engine.ledger.events()]
    await engine.stop()


async def test_sample_lookups_use_indexes(tmp_path: Path) -> None:
    """Start and reads must not scan years of samples: check the query plans."""
    path = tmp_path / "l.db"
    await (await Ledger.open(path)).close()
    with sqlite3.connect(path) as db:

        def plan(sql: str, *args: object) -> str:
            return " | ".join(r[-1] for r in db.execute("EXPLAIN QUERY PLAN " + sql, args))

        latest = plan(
            "SELECT * FROM position_samples WHERE strategy = ? AND root = ?"
            " ORDER BY ts DESC LIMIT 1",
            "S",
            "NQ",
        )
        assert "strategy=? AND root=?" in latest and "SCAN" not in latest
        for table in ("position_samples", "account_samples"):
            raw = plan(f"SELECT MIN(ts) FROM {table} WHERE low IS NULL")
            assert f"{table}_raw" in raw and "SCAN" not in raw


async def test_marks_come_from_the_open_round_trips_own_sample(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    clock = [START]
    engine = await engine_at(config, clock)
    await engine.submit_alert(alert("buy", "NQ1!", 1, "25600", received=START))
    engine.on_quote(Quote("CME_MINI:NQ1!", D("25610"), received=START))
    await engine.flush()  # a sample of round trip 1
    await engine.submit_alert(alert("close", "NQ1!", None, "25610", received=START))
    await engine.submit_alert(alert("buy", "NQ1!", 1, "25700", received=START))
    await engine.stop()

    ledger = await Ledger.open(config.ledger.resolved_path())
    book = await load_book(ledger, replace(config))
    nq = book.positions[("S", "NQ")]
    assert nq.trade.trade_id == 2 and nq.mark is None, "round trip 1's mark is not 2's"
    await ledger.add_position_samples(
        [PositionSample(int(START.timestamp()) + 5, "S", "NQ", 2, D(25690), D(-200), D(-200), D(0))]
    )
    book = await load_book(ledger, config)
    nq = book.positions[("S", "NQ")]
    assert nq.mark == D(25690) and nq.trade.mae == D(-200)
    await ledger.close()


async def test_a_v2_ledgers_samples_upgrade_as_raw(tmp_path: Path) -> None:
    """v3 rebuilds position_samples (WITHOUT ROWID, low/high): old rows come over as raw."""

    path = tmp_path / "v2.db"
    with sqlite3.connect(path) as db:
        for version in (1, 2):
            for statement in split_sql(MIGRATIONS[version]):
                db.execute(statement)
        db.execute("PRAGMA user_version = 2")
        db.execute(
            "INSERT INTO position_samples VALUES (?,?,?,?,?,?,?,?)",
            (1000, "S", "NQ", 1, "25600.25", "5", "-10", "20"),
        )
    ledger = await Ledger.open(path)
    sample = await ledger.latest_position_sample("S", "NQ")
    assert sample == PositionSample(1000, "S", "NQ", 1, D("25600.25"), D(5), D(-10), D(20))
    assert await ledger.oldest_raw_sample() == 1000
    assert await ledger.compact_samples(960, 1020) == 0
    compacted = await ledger.latest_position_sample("S", "NQ")
    assert compacted is not None and (compacted.low, compacted.high) == (D(5), D(5))
    assert await ledger.oldest_raw_sample() is None
    await ledger.close()
