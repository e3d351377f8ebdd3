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

from tmtui.core.contracts import BUILTIN_CONTRACTS
from tmtui.core.models import AlertFields, IncomingAlert
from tmtui.runtime.engine import Engine
from tmtui.runtime.factory import build_engine
from tmtui.services.feeds.base import Quote
from tmtui.settings.config import Config
from tmtui.ui.app import TmtuiApp
from tmtui.ui.widgets.positions_table import PositionsTable

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
    """An upper bound: the figure is ok at or under it."""
    note: str = ""

    @property
    def ok(self) -> bool:
        return self.value <= self.target

    @property
    def target_text(self) -> str:
        return f"≤ {self.target:g}{'%' if self.unit == '%' else ' ' + self.unit}"

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "value": round(self.value, 2),
            "unit": self.unit,
            "target": self.target_text,
            "ok": self.ok,
            "note": self.note,
        }


class Market:
    """Prices that move by whole ticks; `tick()` pushes one quote delta into the engine."""

    def __init__(self, engine: Engine, seed: int = 7) -> None:
        self.engine = engine
        self.rng = random.Random(seed)
        self.prices = {r: Decimal(START[r]) for r in ROOTS}

    def tick(self, root: str | None = None, ticks: int = 0) -> str:
        """One quote delta: `ticks` away (a random 1-2 when 0)."""
        root = root or self.rng.choice(ROOTS)
        spec = BUILTIN_CONTRACTS[root]
        self.prices[root] += spec.tick_size * (ticks or self.rng.choice((-2, -1, 1, 2)))
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
    # A jump of 400 ticks: the random walk cannot bring the cell back to `before` by chance.
    market.tick(key.rpartition("|")[2], ticks=400 * market.rng.choice((-1, 1)))
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


def visible_rows(app: TmtuiApp) -> list[str]:
    """Row keys on screen now: a row scrolled out of view has no cell to show a quote in."""
    table = app.dashboard.query_one(PositionsTable)
    shown = table.scrollable_content_region.height - 1
    top = table.scroll_offset.y
    return [key for key, index in table.rows.items() if top <= index < top + shown]


async def measure_latency(samples: int) -> tuple[list[float], list[float]]:
    """Quote→frame latencies: quiet market, then inside a 200/s stream."""

    async def work(app: TmtuiApp, engine: Engine, pilot: Pilot) -> tuple[list[float], list[float]]:
        market = Market(engine)
        frames = Frames(app)
        keys = visible_rows(app)
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
    note = f"{samples} quotes; to the first frame showing the cell"
    figures = [
        Figure("quote→screen, quiet market, median", ms(statistics.median(quiet)), "ms", 250, note),
        Figure("quote→screen, quiet market, max", ms(max(quiet)), "ms", 250, note),
        Figure(
            "quote→screen at 200 deltas/s, median", ms(statistics.median(busy)), "ms", 250, note
        ),
        Figure("quote→screen at 200 deltas/s, p95", ms(percentile(busy, 0.95)), "ms", 250, note),
    ]
    window = f"{seconds:g} s window, all threads, headless 160x45"
    for positions, rate, target in ((60, 0, 5), (60, RATE, 15), (150, RATE, 25)):
        load = f"{rate} deltas/s" if rate else "no quotes"
        figures.append(
            Figure(
                f"screen CPU, {positions} positions, {load}",
                await measure_cpu(positions, seconds, rate),
                "%",
                target,
                window,
            )
        )
    return figures


def ms(seconds: float) -> float:
    return seconds * 1000


def report(figures: list[Figure]) -> str:
    width = max(len(f.name) for f in figures)
    lines = [f"{'figure':<{width}}  {'target':>9}  {'value':>10}  ok"]
    for f in figures:
        value = f"{f.value:.1f}{'%' if f.unit == '%' else ' ' + f.unit}"
        lines.append(
            f"{f.name:<{width}}  {f.target_text:>9}  {value:>10}  {'ok' if f.ok else 'MISS'}"
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
        document = {"figures": [f.to_json() for f in figures]}
        args.json.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    cli()
