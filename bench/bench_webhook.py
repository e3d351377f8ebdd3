"""Benchmark: webhook latency of a headless tmtui under a live quote stream, against two floors.

Two floors, each in its own process: a bare aiohttp server (read the body, answer JSON), and
the durable floor (the same plus one SQLite commit per request, WAL, `synchronous=FULL`, on one
writer thread: the least any server that answers only once an alert is on disk must do). Then
a real `tmtui run --headless` subprocess (temp config and ledger, loopback listener, its quote feed
connected to the fake TradingView websocket streaming 200 deltas a second) each get the same
load from this process over keep-alive connections, as a tunnel's pooled connections to the
listener would carry it: 20 warm-up alerts, 300 sequential alerts, then 1,000 at concurrency 20.
Alerts are the TradingView template (JSON) or the text form from 20 strategy/root lanes, each
lane's round trips in order, so every alert is one tmtui accepts and applies.

Run `python bench/bench_webhook.py [--json PATH]`.
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import tempfile
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))

from alerts import MARKET_OF, MARKETS, TV_SYMBOLS, Alert, Lane, Order, round_trip
from harness import (
    SECRET,
    Background,
    Figure,
    TmtuiProcess,
    bench_config,
    emit,
    free_port,
    log,
    machine,
    parse_args,
    percentile,
)

WARMUP = 20
SEQUENTIAL = 300
CONCURRENT = 1000
CONCURRENCY = 20
QUOTE_RATE = 200.0
RATIO_TARGET = 1.5
"""tmtui's p99 against the durable floor's, measured in the same run."""
THROUGHPUT_TARGET = 1000.0
STRATEGIES = ("ORB", "VWAP Revert", "Scalper", "Trend 5m", "Momentum #2")
TICKERS = (("NQ", "NQ1!"), ("MNQ", "MNQ1!"), ("ES", "ES1!"), ("MES", "CME_MINI:MES1!"))
PRECISE_TIME = "%Y-%m-%dT%H:%M:%S.%fZ"
LANES = tuple(
    Lane(s, root, ticker, 3, 0, form="text" if s == "Momentum #2" else "json")
    for s in STRATEGIES
    for root, ticker in TICKERS
)


class AlertSource:
    """Each lane's round trips in order, priced near the feed's quotes, fired now."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.pending: dict[Lane, deque[Order]] = {lane: deque() for lane in LANES}
        self.ticks = {name: int(m.start / m.tick) for name, m in MARKETS.items()}

    def next(self, lane: Lane) -> bytes:
        queue = self.pending[lane]
        if not queue:
            queue.extend(round_trip(self.rng, lane))
        market = MARKET_OF[lane.root]
        self.ticks[market] += self.rng.randint(-4, 4)
        price = self.ticks[market] * MARKETS[market].tick
        now = datetime.now(UTC)
        alert = Alert(now, now.date(), lane, queue.popleft(), price, time_format=PRECISE_TIME)
        return alert.body(SECRET)


@dataclass
class Phase:
    """What one load phase measured."""

    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0
    statuses: Counter[int] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds

    def ms(self, q: float) -> float:
        return percentile(self.latencies, q) * 1000


async def _post(session: aiohttp.ClientSession, url: str, body: bytes, phase: Phase) -> None:
    began = time.perf_counter()
    async with session.post(url, data=body) as response:
        data = await response.read()
    phase.latencies.append(time.perf_counter() - began)
    phase.statuses[response.status] += 1
    try:
        phase.outcomes[str(json.loads(data).get("outcome"))] += 1
    except (ValueError, AttributeError):
        phase.outcomes["unreadable"] += 1


async def _sequential(
    session: aiohttp.ClientSession, url: str, source: AlertSource, count: int
) -> Phase:
    phase = Phase()
    began = time.perf_counter()
    for _ in range(count):
        await _post(session, url, source.next(source.rng.choice(LANES)), phase)
    phase.seconds = time.perf_counter() - began
    return phase


async def _concurrent(
    session: aiohttp.ClientSession, url: str, source: AlertSource, count: int
) -> Phase:
    """One worker per lane, so each lane's alerts still arrive in order."""
    phase = Phase()

    async def worker(lane: Lane) -> None:
        for _ in range(count // CONCURRENCY):
            await _post(session, url, source.next(lane), phase)

    began = time.perf_counter()
    await asyncio.gather(*(worker(lane) for lane in LANES[:CONCURRENCY]))
    phase.seconds = time.perf_counter() - began
    return phase


async def load(url: str, seed: int) -> tuple[Phase, Phase]:
    """Warm up, then the sequential and the concurrent phase against one server."""
    source = AlertSource(seed)
    connector = aiohttp.TCPConnector(limit=CONCURRENCY)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        await _sequential(session, url, source, WARMUP)
        sequential = await _sequential(session, url, source, SEQUENTIAL)
        concurrent = await _concurrent(session, url, source, CONCURRENT)
    return sequential, concurrent


def _wait_for_feed(proc: TmtuiProcess, timeout: float = 20.0) -> str:
    """Until tmtui's /health says its feed is up (quotes flowing); returns the state seen."""
    deadline = time.monotonic() + timeout
    state = "unknown"
    while time.monotonic() < deadline:
        health = proc.health() or {}
        feed = health.get("feed")
        state = str(feed.get("state")) if isinstance(feed, dict) else "not reported"
        if state in ("live", "delayed", "not reported"):
            return state
        time.sleep(0.05)
    return state


def run_tmtui(directory: Path) -> tuple[Phase, Phase, dict[str, object], str]:
    """tmtui under the streaming feed; the phases, the feed's delivery stats, feed state."""
    with Background("feed", "--rate", str(QUOTE_RATE)) as feed:
        port = free_port()
        config = bench_config(
            directory,
            port=port,
            ledger=directory / "ledger.db",
            feed={
                "source": "tradingview-ws",
                "ws_url": str(feed.hello["url"]),
                "watchlist": list(TV_SYMBOLS.values()),
            },
        )
        with TmtuiProcess(config, port, directory / "tmtui.out") as proc:
            proc.wait_ready()
            state = _wait_for_feed(proc)
            log(f"  webhook: tmtui ready, feed {state}; sending alerts")
            sequential, concurrent = asyncio.run(load(proc.webhook_url, seed=2))
        stats = feed.stop()
    return sequential, concurrent, stats, state


FLOOR_NAMES = {"bare": "bare aiohttp", "durable": "durable (aiohttp + SQLite commit)"}
Floors = dict[str, tuple[Phase, Phase]]
"""Each floor's (sequential, concurrent) phases, by name: bare, durable."""


def _against(floors: Floors, pick: int, q: float) -> str:
    """The same percentile of each floor, for a figure's note."""
    return ", ".join(f"{name} {phases[pick].ms(q):.2f} ms" for name, phases in floors.items())


def figures(
    floors: Floors, tmtui: tuple[Phase, Phase], stats: dict[str, object], state: str
) -> list[Figure]:
    seq, conc = tmtui
    durable_seq, durable_conc = floors["durable"]
    answered = seq.statuses[200] + conc.statuses[200]
    sent = len(seq.latencies) + len(conc.latencies)
    delivered = float(str(stats.get("delivered", 0)))
    seconds = float(str(stats.get("seconds", 0.0)))
    quote_rate = delivered / seconds if seconds else 0.0
    outcomes = seq.outcomes + conc.outcomes
    load = f"{QUOTE_RATE:g} quotes/s"
    result = [
        Figure(f"webhook p50, tmtui, sequential, {load}", seq.ms(50), "ms",
               floor=_against(floors, 0, 50)),
        Figure(f"webhook p99, tmtui, sequential, {load}", seq.ms(99), "ms",
               floor=_against(floors, 0, 99)),
        Figure(f"webhook p50, tmtui, concurrency {CONCURRENCY}, {load}", conc.ms(50), "ms",
               floor=_against(floors, 1, 50)),
        Figure(f"webhook p99, tmtui, concurrency {CONCURRENCY}, {load}", conc.ms(99), "ms",
               floor=_against(floors, 1, 99)),
    ]  # fmt: skip
    for label, mine, floor, count in (
        ("sequential", seq, durable_seq, SEQUENTIAL),
        (f"concurrency {CONCURRENCY}", conc, durable_conc, CONCURRENT),
    ):
        ratio = mine.ms(99) / floor.ms(99)
        bare = floors["bare"][0 if label == "sequential" else 1].ms(99)
        result.append(
            Figure(
                f"webhook p99 {label}, tmtui ÷ durable floor",
                ratio,
                "×",
                f"≤ {RATIO_TARGET:g}×",
                ratio <= RATIO_TARGET,
                f"{count:,} alerts each; ÷ bare aiohttp {mine.ms(99) / bare:.1f}×",
                floor=f"durable {floor.ms(99):.2f} ms, bare {bare:.2f} ms",
            )
        )
    result.append(
        Figure(
            f"webhook throughput, tmtui, concurrency {CONCURRENCY}, {load}",
            conc.rate,
            "alerts/s",
            f"≥ {THROUGHPUT_TARGET:,.0f} alerts/s",
            conc.rate >= THROUGHPUT_TARGET,
            f"{CONCURRENT:,} alerts",
            floor=", ".join(f"{n} {p[1].rate:,.0f}/s" for n, p in floors.items()),
        )
    )
    for name, (floor_seq, floor_conc) in floors.items():
        result.append(
            Figure(
                f"webhook floor, {FLOOR_NAMES[name]}: throughput at concurrency {CONCURRENCY}",
                floor_conc.rate,
                "alerts/s",
                note=f"sequential p50 {floor_seq.ms(50):.2f} ms, p99 {floor_seq.ms(99):.2f} ms; "
                f"concurrent p50 {floor_conc.ms(50):.1f} ms, p99 {floor_conc.ms(99):.1f} ms",
            )
        )
    result += [
        Figure(
            "webhook alerts answered 200 by tmtui",
            answered,
            "",
            f"all {sent:,}",
            answered == sent,
            ", ".join(f"{n:,} {o}" for o, n in sorted(outcomes.items())),
        ),
        Figure(
            "quote deltas streamed to tmtui during the run",
            quote_rate,
            "deltas/s",
            f"≥ {0.95 * QUOTE_RATE:g} deltas/s",
            quote_rate >= 0.95 * QUOTE_RATE,
            f"feed {state}; symbols {len(stats.get('subscribed', []))}",  # type: ignore[arg-type]
        ),
    ]
    return result


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    began = time.perf_counter()
    floors: Floors = {}
    for name in ("bare", "durable"):
        with Background(name) as server:
            log(f"  webhook: {name} floor server")
            floors[name] = asyncio.run(load(f"http://127.0.0.1:{server.hello['port']}/webhook", 1))
    with tempfile.TemporaryDirectory(prefix="tmtui-bench-") as tmp:
        seq, conc, stats, state = run_tmtui(Path(tmp))
    result = figures(floors, (seq, conc), stats, state)
    emit(result, args.json, {"seconds": time.perf_counter() - began, **machine()})


if __name__ == "__main__":
    main()
