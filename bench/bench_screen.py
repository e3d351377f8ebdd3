"""Benchmark: how fast a quote reaches the screen, and what a busy market costs the app.

Runs the real app headless (`App.run_test`, 160x45) on a real engine and ledger (no feed,
no listener: quotes are pushed into `engine.on_quote` as a feed would) and measures:

- quote → screen: from `on_quote` to the first composed frame whose Open P&L cell shows
  the new figure, for single quotes in a quiet market and for quotes inside a stream of
  200 deltas/s (where redraws are coalesced);
- CPU of the whole process (all threads, ledger writer included) as % of one core, with
  60 positions and 150 positions under 200 quote deltas/s, and with 60 positions and no
  quotes at all.

Not a test: `python bench/bench_screen.py [--json PATH] [--seconds N]`. Prints a table of
figure / target / value; `--json` writes {"figures": [{name, value, unit, target, ok}]}.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tmtui.app import TmtuiApp
from tmtui.config import Config
from tmtui.core.contracts import BUILTIN_CONTRACTS
from tmtui.core.models import AlertFields, IncomingAlert
from tmtui.engine import Engine
from tmtui.factory import build_engine
from tmtui.feeds.base import Quote
from tmtui.widgets.positions_table import PositionsTable, row_key

SIZE = (160, 45)
RATE = 200
"""Quote deltas per second in the busy market."""
ROOTS = [
    "NQ",
    "ES",
    "YM",
    "RTY",
    "CL",
    "NG",
    "GC",
    "SI",
    "ZB",
    "ZN",
    "6E",
    "MNQ",
    "MES",
    "MCL",
    "MGC",
]
START = {
    "NQ": "25600", "ES": "6800", "YM": "47000", "RTY": "2450.0", "CL": "70.50", "NG": "3.456",
    "GC": "4050.0", "SI": "50.125", "ZB": "117.5", "ZN": "112.25", "6E": "1.16005",
    "MNQ": "25600", "MES": "6800", "MCL": "70.50", "MGC": "4050.0",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Figure:
    name: str
    value: float
    unit: str
    target: float

    @property
    def ok(self) -> bool:
        return self.value <= self.target


class Market:
    """Prices that move by whole ticks; `tick()` pushes one quote delta into the engine."""

    def __init__(self, engine: Engine, seed: int = 7) -> None:
        self.engine = engine
        self.rng = random.Random(seed)
        self.prices = {r: Decimal(START[r]) for r in ROOTS}

    def tick(self, root: str | None = None) -> str:
        root = root or self.rng.choice(ROOTS)
        spec = BUILTIN_CONTRACTS[root]
        self.prices[root] += spec.tick_size * self.rng.choice((-2, -1, 1, 2))
        quote = Quote(spec.tv_symbol, self.prices[root], received=datetime.now(UTC))
        self.engine.on_quote(quote)
        return root


async def open_positions(engine: Engine, count: int) -> list[tuple[str, str]]:
    """`count` positions: each strategy holds one of every root in turn."""
    keys = []
    for n in range(count):
        root, strategy = ROOTS[n % len(ROOTS)], f"Strategy {n // len(ROOTS):02d}"
        fields = AlertFields(
            action="buy" if n % 2 else "sell", ticker=f"{root}1!", qty="1",
            price=START[root], strategy=strategy,
        )  # fmt: skip
        await engine.submit_alert(IncomingAlert(fields, "{}", "bench", datetime.now(UTC)))
        keys.append((strategy, root))
    return keys


class Frames:
    """Hooks the app's frame output: calls `probe()` after each composed frame."""

    def __init__(self, app: TmtuiApp) -> None:
        self.probe: Callable[[], None] | None = None
        original = app._display

        def display(screen: Any, renderable: Any) -> None:
            original(screen, renderable)
            if self.probe is not None:
                self.probe()

        app._display = display  # type: ignore[method-assign]


async def run_app(positions: int, work: Callable[[TmtuiApp, Engine, Pilot], Any]) -> Any:
    """Start the app on a fresh ledger with `positions` open, run `work`, stop the app."""
    with tempfile.TemporaryDirectory(prefix="tmtui-bench-") as tmp:
        base = Config()
        config = replace(base, feed=replace(base.feed, source="replay"))

        async def factory() -> Engine:
            return await build_engine(
                config, ledger_path=Path(tmp) / "bench.db", with_feed=False, with_listener=False
            )

        app = TmtuiApp(config, engine_factory=factory)
        async with app.run_test(size=SIZE) as pilot:
            while not app.engine_started:
                await pilot.pause(0.01)
            engine = app.engine
            assert engine is not None
            await open_positions(engine, positions)
            app.dashboard.refresh_view()
            await pilot.pause(0.5)
            result = await work(app, engine, pilot)
            await pilot.press("q")
        return result


Pilot = Any


async def latency(app: TmtuiApp, frames: Frames, market: Market, key: str) -> float:
    """Seconds from one quote to the first frame whose Open P&L cell shows it."""
    table = app.dashboard.query_one(PositionsTable)
    before = table.get_cell(key, "open_pnl").plain
    shown = asyncio.Event()
    done_at = 0.0

    def probe() -> None:
        nonlocal done_at
        if not shown.is_set() and table.get_cell(key, "open_pnl").plain != before:
            done_at = time.perf_counter()
            shown.set()

    frames.probe = probe
    began = time.perf_counter()
    market.tick(key.rpartition("|")[2])  # whole ticks: the P&L always changes
    await asyncio.wait_for(shown.wait(), 5)
    frames.probe = None
    return done_at - began


async def stream(market: Market, stop: asyncio.Event, rate: int = RATE) -> int:
    """Push `rate` quote deltas a second, in 10 ms slices, until `stop`."""
    sent = 0
    loop = asyncio.get_running_loop()
    began = loop.time()
    while not stop.is_set():
        due = int((loop.time() - began) * rate)
        while sent < due:
            market.tick()
            sent += 1
        await asyncio.sleep(0.01)
    return sent


async def measure_latency(samples: int) -> tuple[list[float], list[float]]:
    """Quote→frame latencies: quiet market, then inside a 200/s stream."""

    async def work(app: TmtuiApp, engine: Engine, pilot: Pilot) -> tuple[list[float], list[float]]:
        market = Market(engine)
        frames = Frames(app)
        keys = [row_key(k) for k in engine.book.positions]
        quiet, busy = [], []
        rng = random.Random(3)
        for _ in range(samples):
            key = rng.choice(keys)
            await asyncio.sleep(0.3 + rng.random() * 0.2)  # past the coalescing window
            quiet.append(await latency(app, frames, market, key))
        stop = asyncio.Event()
        load = asyncio.create_task(stream(market, stop))
        try:
            for _ in range(samples):
                key = rng.choice(keys)
                await asyncio.sleep(rng.random() * 0.25)
                busy.append(await latency(app, frames, market, key))
        finally:
            stop.set()
            await load
        return quiet, busy

    result: tuple[list[float], list[float]] = await run_app(60, work)
    return result


async def measure_cpu(positions: int, seconds: float, rate: int) -> float:
    """% of one core the whole process used while `rate` quote deltas/s came in."""

    async def work(app: TmtuiApp, engine: Engine, pilot: Pilot) -> float:
        market = Market(engine)
        stop = asyncio.Event()
        load = asyncio.create_task(stream(market, stop, rate)) if rate else None
        await asyncio.sleep(1.0)  # warm up: caches, first layouts
        cpu, wall = time.process_time(), time.perf_counter()
        await asyncio.sleep(seconds)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        stop.set()
        if load is not None:
            await load
        return 100 * cpu / wall

    result: float = await run_app(positions, work)
    return result


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(q * len(ordered)), len(ordered) - 1)]


async def main(seconds: float, samples: int) -> list[Figure]:
    quiet, busy = await measure_latency(samples)
    figures = [
        Figure("quote→screen, quiet market, median", statistics.median(quiet) * 1000, "ms", 250),
        Figure("quote→screen, quiet market, max", max(quiet) * 1000, "ms", 250),
        Figure("quote→screen at 200 deltas/s, median", statistics.median(busy) * 1000, "ms", 250),
        Figure("quote→screen at 200 deltas/s, p95", percentile(busy, 0.95) * 1000, "ms", 250),
    ]
    figures.append(
        Figure("CPU, 60 positions, no quotes", await measure_cpu(60, seconds, 0), "% core", 5)
    )
    figures.append(
        Figure(
            "CPU, 60 positions, 200 deltas/s", await measure_cpu(60, seconds, RATE), "% core", 15
        )
    )
    figures.append(
        Figure(
            "CPU, 150 positions, 200 deltas/s", await measure_cpu(150, seconds, RATE), "% core", 25
        )
    )
    return figures


def report(figures: list[Figure]) -> str:
    width = max(len(f.name) for f in figures)
    lines = [f"{'figure':<{width}}  {'target':>12}  {'value':>12}  ok"]
    for f in figures:
        lines.append(
            f"{f.name:<{width}}  {'≤ ' + format(f.target, 'g') + ' ' + f.unit:>12}  "
            f"{f.value:>9.1f} {f.unit.split()[0]:<2}  {'yes' if f.ok else 'NO'}"
        )
    return "\n".join(lines)


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    parser.add_argument("--seconds", type=float, default=10.0, help="CPU window per figure")
    parser.add_argument("--samples", type=int, default=30, help="latency samples per case")
    args = parser.parse_args()
    figures = asyncio.run(main(args.seconds, args.samples))
    print(f"Python {sys.version.split()[0]}, headless app {SIZE[0]}x{SIZE[1]}")
    print(report(figures))
    if args.json:
        document = {
            "figures": [
                {"name": f.name, "value": round(f.value, 2), "unit": f.unit, "target": f.target,
                 "ok": f.ok}
                for f in figures
            ]
        }  # fmt: skip
        args.json.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    cli()
