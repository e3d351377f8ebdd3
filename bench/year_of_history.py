"""How big a year of history gets: samples compacted to minutes, plus a year of alerts.

Builds a throwaway ledger with
- one full trading day of 1 s samples (3 positions marked all session, 23 h) written the
  way the sampler writes them, then compacted by the real housekeeping path (timed);
- the other 249 trading days as the minute rows that compaction leaves (3 positions and the
  account, each minute's low/high), bulk-inserted;
- `--alerts` accepted alerts (default 100,000) through the engine's intake, so signals,
  fills, trades, rollups and the stored book are what a real year writes (events are
  pruned to `keep_event_days`, so only 90 days of them are counted).
Prints the size per table (SQLite's dbstat) and the time of the lookups start needs.
Not a test: `python bench/year_of_history.py [--alerts N] [--keep PATH]`.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tmtui.core.history.samples import AccountSample, PositionSample
from tmtui.core.models import AlertFields, IncomingAlert
from tmtui.core.trading_day import TradingCalendar
from tmtui.ledger.store import Ledger
from tmtui.runtime.engine import Engine
from tmtui.services.book_restore import load_book
from tmtui.services.retention import compact_finished_days
from tmtui.settings.config import Config, LedgerConfig

POSITIONS = (("ORB", "NQ", D("25600")), ("Trend", "ES", D("6800")), ("Oil", "CL", D("70.50")))
SESSION_SECONDS = 23 * 3600
DAYS = 250
CAL = TradingCalendar()


def trading_days(last: datetime, count: int) -> list[datetime]:
    """Session starts (17:00 Chicago) of the `count` trading days before `last`'s day."""
    days: list[datetime] = []
    day = CAL.day_of(last)
    while len(days) < count:
        day -= timedelta(days=1)
        if day.weekday() < 5:
            days.append(CAL.bounds(day)[0])
    return sorted(days)


def walk(start: D, tick: D, steps: int, rng: random.Random) -> list[D]:
    prices, price = [], start
    for _ in range(steps):
        price += tick * rng.choice((-1, 0, 0, 1))
        prices.append(price)
    return prices


async def one_raw_day(ledger: Ledger, start: datetime, rng: random.Random) -> tuple[int, float]:
    """A full session of 1 s samples, as the sampler writes them; then the real compaction."""
    base = int(start.timestamp())
    for n, (strategy, root, price) in enumerate(POSITIONS):
        prices = walk(price, D("0.25"), SESSION_SECONDS, rng)
        batch = []
        for s, mark in enumerate(prices):
            pnl = (mark - price) * 20
            batch.append(PositionSample(base + s, strategy, root, n + 1, mark, pnl, pnl, pnl))
            if len(batch) == 20_000:
                await ledger.add_position_samples(batch)
                batch = []
        await ledger.add_position_samples(batch)
    total = D(0)
    day = CAL.day_of(start).isoformat()
    rows = []
    for s in range(SESSION_SECONDS):
        total += D(rng.choice((-25, 0, 25)))
        rows.append(
            AccountSample(base + s, day, D(0), total, total, D(0), D(0), D(0), D(0), None, None)
        )
    for i in range(0, len(rows), 20_000):
        await ledger.add_account_samples(rows[i : i + 20_000])
    raw = 4 * SESSION_SECONDS
    began = time.perf_counter()
    today = CAL.day_of(start + timedelta(days=1, hours=1))
    result = await compact_finished_days(ledger, CAL, today)
    return raw - result.samples_removed, time.perf_counter() - began


def minute_days(path: Path, starts: list[datetime], rng: random.Random) -> int:
    """The compacted form of the other days, bulk-inserted (same rows compaction writes)."""
    db = sqlite3.connect(path)
    count = 0
    for start in starts:
        base = int(start.timestamp())
        day = CAL.day_of(start).isoformat()
        prows, arows = [], []
        for n, (strategy, root, price) in enumerate(POSITIONS):
            for m, mark in enumerate(walk(price, D("0.25"), SESSION_SECONDS // 60, rng)):
                pnl = (mark - price) * 20
                lo, hi = pnl - 40, pnl + 35
                prows.append(
                    (
                        base + 60 * m + 59,
                        strategy,
                        root,
                        n + 1,
                        str(mark),
                        str(pnl),
                        str(lo),
                        str(hi),
                        str(lo),
                        str(hi),
                    )
                )
        for m in range(SESSION_SECONDS // 60):
            t = D(rng.randint(-4000, 4000)) + D("0.50")
            arows.append(
                (
                    base + 60 * m + 59,
                    day,
                    "0",
                    str(t),
                    str(t),
                    "0",
                    "0",
                    "0",
                    "0",
                    None,
                    None,
                    str(t - 50),
                    str(t + 50),
                )
            )
        with db:
            db.executemany(
                "INSERT OR REPLACE INTO position_samples (ts, strategy, root, trade_id, mark,"
                " open_pnl, mae, mfe, low, high) VALUES (?,?,?,?,?,?,?,?,?,?)",
                prows,
            )
            db.executemany(
                "INSERT OR REPLACE INTO account_samples (ts, day, realized, open, total, peak,"
                " max_mtm, min_mtm, max_drawdown, max_time, min_time, low, high)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                arows,
            )
        count += len(prows) + len(arows)
    db.close()
    return count


async def a_year_of_alerts(path: Path, count: int, rng: random.Random) -> float:
    """Accepted alerts through the engine's intake (no HTTP): buys and sells on 8 roots."""
    config = Config(ledger=LedgerConfig(path=str(path)))
    first = datetime(2025, 11, 3, 15, tzinfo=UTC)
    clock = [first]  # the alerts' own time, so the log's retention sees a year go by
    engine = Engine(config, await Ledger.open(path), clock=lambda: clock[0], sample_interval=3600)
    await engine.start()
    roots = ("NQ1!", "ES1!", "CL1!", "GC1!", "YM1!", "RTY1!", "MNQ1!", "MES1!")
    began = time.perf_counter()
    for n in range(count):
        fields = AlertFields(
            action=rng.choice(("buy", "sell")),
            ticker=rng.choice(roots),
            qty=rng.randint(1, 3),
            price=str(100 + rng.randint(0, 400) / 4),
            strategy=f"S{n % 6}",
            alert_id=f"a{n}",
        )
        clock[0] = received = first + timedelta(seconds=n * 300)
        raw = f'{{"id":"a{n}"}}'
        await engine.submit_alert(IncomingAlert(fields, raw, "127.0.0.1", received, f"id:a{n}"))
    took = time.perf_counter() - began
    await engine.tidy()  # what the roll does: the log keeps keep_event_days (90)
    await engine.stop()
    return took


def sizes(path: Path) -> dict[str, int]:
    db = sqlite3.connect(path)
    rows = db.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC")
    out = {name: int(size) for name, size in rows}
    db.close()
    return out


async def lookups(path: Path) -> tuple[float, float]:
    ledger = await Ledger.open(path)
    began = time.perf_counter()
    for strategy, root, _ in POSITIONS:
        await ledger.latest_position_sample(strategy, root)
    await ledger.oldest_raw_sample()
    sample_lookups = time.perf_counter() - began
    began = time.perf_counter()
    await load_book(ledger, Config(ledger=LedgerConfig(path=str(path))))
    book = time.perf_counter() - began
    await ledger.close()
    return sample_lookups, book


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--alerts", type=int, default=100_000)
    parser.add_argument("--keep", type=Path, help="keep the ledger at this path")
    args = parser.parse_args()
    rng = random.Random(2026)
    folder = Path(tempfile.mkdtemp(prefix="tmtui-year-"))
    path = args.keep or folder / "year.db"
    starts = trading_days(datetime(2026, 11, 18, 15, tzinfo=UTC), DAYS)
    alerts_s = await a_year_of_alerts(path, args.alerts, rng)
    ledger = await Ledger.open(path)
    kept, compact_s = await one_raw_day(ledger, starts[-1], rng)
    await ledger.close()
    bulk = minute_days(path, starts[:-1], rng)
    with sqlite3.connect(path) as db:
        db.execute("VACUUM")
    table = sizes(path)
    samples_bytes = sum(v for k, v in table.items() if "samples" in k)
    total = path.stat().st_size
    lookup_s, book_s = await lookups(path)
    print(f"{args.alerts:,} alerts through the intake: {alerts_s:.1f} s")
    print(
        f"one raw day ({4 * SESSION_SECONDS:,} rows at 1 s) compacted to {kept:,} rows "
        f"in {compact_s:.2f} s"
    )
    print(f"{DAYS} days of minute samples: {kept + bulk:,} rows, {samples_bytes / 1e6:.0f} MB")
    print(f"ledger file: {total / 1e6:.0f} MB")
    for name, size in table.items():
        if size > 1e5:
            print(f"  {name:32} {size / 1e6:8.1f} MB")
    print(f"latest sample x3 + oldest raw: {lookup_s * 1000:.1f} ms; load_book: {book_s:.3f} s")
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main())
