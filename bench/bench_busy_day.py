"""Benchmark: a busy trading day, 10,000 alerts recorded today, then a restart and a report.

Twenty strategy/symbol lanes send round trips (the webhook benchmark's lanes, JSON template
and text form) spread evenly over today's trading day up to now, each sent through the
engine's own intake (`Engine.submit_alert`, the clock set to each alert's time) into a fresh
ledger, never by SQL inserts. Then, from outside: `tmtui run --headless` from spawn until its
listener answers /health (a restart in the middle of that day), and `tmtui report --json`
for today, each as the trader runs it (a whole process).

Run `python bench/bench_busy_day.py [--alerts N] [--json PATH]`.
"""

from __future__ import annotations

import asyncio
import random
import sys
import tempfile
import time
from collections import Counter, deque
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from alerts import MARKET_OF, MARKETS, Alert, Lane, Order, round_trip
from bench_history import Clock, _submit, history_config, time_read, time_start
from bench_webhook import LANES, PRECISE_TIME
from harness import Figure, emit, log, machine, median, parse_args, run_cli

from tmtui.core.trading_day import TradingCalendar
from tmtui.runtime.factory import build_engine
from tmtui.settings.config import load_config

ALERTS = 10_000
START_TARGET_S = 1.0
REPORT_TARGET_S = 0.5


def todays_alerts(count: int, now: datetime, seed: int = 5) -> list[Alert]:
    """`count` alerts evenly over today's trading day so far, each lane's trips in order."""
    start, _ = TradingCalendar().bounds(TradingCalendar().day_of(now))
    span = (now - timedelta(seconds=30)) - start
    rng = random.Random(seed)
    pending: dict[Lane, deque[Order]] = {lane: deque() for lane in LANES}
    ticks = {name: int(m.start / m.tick) for name, m in MARKETS.items()}
    alerts = []
    for n in range(count):
        lane = LANES[n % len(LANES)]
        if not pending[lane]:
            pending[lane].extend(round_trip(rng, lane))
        market = MARKET_OF[lane.root]
        ticks[market] += rng.randint(-4, 4)
        when = start + span * (n + 1) / (count + 1)
        price = ticks[market] * MARKETS[market].tick
        order = pending[lane].popleft()
        alerts.append(Alert(when, when.date(), lane, order, price, time_format=PRECISE_TIME))
    return alerts


async def record_day(ledger: Path, config_path: Path, count: int) -> dict[str, Any]:
    """Send today's alerts through the engine's intake; what became of them."""
    clock = Clock()
    engine = await build_engine(
        load_config(config_path),
        ledger_path=ledger,
        with_feed=False,
        with_listener=False,
        clock=clock,
        sample_interval=3600.0,
    )
    await engine.start()
    outcomes: Counter[str] = Counter()
    began = time.perf_counter()
    try:
        for alert in todays_alerts(count, datetime.now(UTC)):
            clock.now = alert.received
            outcomes[await _submit(engine.submit_alert, alert.body("***"), alert.received)] += 1
    finally:
        await engine.stop()
    return {"outcomes": dict(outcomes), "build_seconds": round(time.perf_counter() - began, 1)}


def measure(count: int) -> tuple[list[Figure], dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="tmtui-bench-") as tmp:
        run_dir = Path(tmp)
        ledger = run_dir / "ledger.db"
        config = history_config(run_dir, ledger)
        log(f"  busy day: recording {count:,} alerts for today through the engine")
        meta = asyncio.run(record_day(ledger, config, count))
        outcomes = ", ".join(f"{n:,} {o}" for o, n in sorted(meta["outcomes"].items()))
        port = int(load_config(config).listener.port)
        log("  busy day: timing starts and today's report")
        run_cli(["--version"])  # the bytecode cache, as an installed tmtui has it
        floor = median([run_cli(["--version"])[0] for _ in range(3)])
        starts, _, _ = time_start(config, port, run_dir)
        reports, _ = time_read(["report", "--json"], config)
    process = f"tmtui --version {floor:.2f} s"
    note = f"{count:,} alerts today ({outcomes}); median of {len(starts)} runs"
    figures = [
        Figure(
            f"busy day: start to listener ready, {count:,} alerts today",
            median(starts),
            "s",
            f"< {START_TARGET_S:g} s",
            median(starts) < START_TARGET_S,
            f"{note}, best {min(starts):.2f} s",
            floor=process,
        ),
        Figure(
            f"busy day: report --json (today), {count:,} alerts today",
            median(reports),
            "s",
            f"< {REPORT_TARGET_S:g} s",
            median(reports) < REPORT_TARGET_S,
            f"median of {len(reports)} runs, best {min(reports):.2f} s",
            floor=process,
        ),
    ]
    return figures, meta


def main() -> None:
    args = parse_args(
        __doc__.splitlines()[0],
        [("--alerts", {"type": int, "default": ALERTS, "help": "alerts in the day"})],
    )
    began = time.perf_counter()
    figures, meta = measure(args.alerts)
    emit(figures, args.json, {"day": meta, "seconds": time.perf_counter() - began, **machine()})


if __name__ == "__main__":
    main()
