"""Benchmark: tmtui on a year of history (100,000 recorded alerts).

The ledger is built through the engine's own intake (`Engine.submit_alert` with the
`IncomingAlert` the listener would hand it, on a clock set to each alert's time), never by SQL
inserts, and cached in bench/.cache/ under a key of the generator's version, the alert count
and the ledger schema a fresh tmtui creates, so a stale cache rebuilds by itself. A copy of it is
then measured from outside: `tmtui run --headless` from spawn until /health answers, its
resident memory then, each read command's wall time, and the ledger's size on disk.

Run `python bench/bench_history.py [--signals N] [--rebuild] [--json PATH]`.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from alerts import GENERATOR_VERSION, TV_SYMBOLS, history
from harness import (
    ROOT,
    TMTUI,
    Figure,
    TmtuiProcess,
    bench_config,
    emit,
    free_port,
    log,
    machine,
    median,
    parse_args,
    run_cli,
)

from tmtui.core.alerts.alert_parsing import idempotency_key, parse_alert_body
from tmtui.core.models import IncomingAlert, TmtuiError
from tmtui.runtime.factory import build_engine
from tmtui.settings.config import load_config

CACHE = Path(__file__).resolve().parent / ".cache"
SIGNALS = 100_000
START_TARGET_S = 1.0
READ_TARGET_S = 0.5
RSS_TARGET_MB = 120.0
TRADINGVIEW_PEER = "52.89.214.238"
REPEATS = 3
SLOW_S = 3.0
"""A run slower than this is not repeated: one run already shows the miss."""
RANGE_FLAGS = (("--from", "--to"), ("--since", "--until"), ("--start", "--end"))
"""Day-range options `tmtui trades` may offer (issue 8's read side); the first found is used."""


class Clock:
    """The engine's clock, set to each alert's time so the history spreads over its year."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


# --- building the ledger --------------------------------------------------------------------


def history_config(directory: Path, ledger: Path, port: int = 0) -> Path:
    """The config of the history runs: the replay feed, so nothing leaves the machine."""
    feed = {"source": "replay", "poll_interval": 1.0, "watchlist": list(TV_SYMBOLS.values())}
    return bench_config(directory, port=port or free_port(), ledger=ledger, feed=feed)


async def _schema_version(directory: Path) -> int:
    """The `user_version` of a ledger today's tmtui creates: part of the cache key."""
    ledger = directory / "fresh.db"
    config = load_config(history_config(directory, ledger))
    engine = await build_engine(config, ledger_path=ledger, with_feed=False, with_listener=False)
    await engine.stop()
    with sqlite3.connect(ledger) as db:
        version: int = db.execute("PRAGMA user_version").fetchone()[0]
    return version


async def build_history(ledger: Path, config_path: Path, count: int) -> dict[str, Any]:
    """Send `count` alerts through the engine's intake; return what became of them."""
    clock = Clock()
    config = load_config(config_path)
    engine = await build_engine(
        config,
        ledger_path=ledger,
        with_feed=False,
        with_listener=False,
        clock=clock,
        sample_interval=3600.0,
    )
    drift: list[str] = []
    engine.subscribe(lambda e: drift.append(e.message) if e.kind.value == "drift" else None)
    await engine.start()
    outcomes: Counter[str] = Counter()
    unexpected: Counter[str] = Counter()
    days: set[date] = set()
    began = time.perf_counter()
    try:
        for n, alert in enumerate(history(count), 1):
            clock.now = alert.received
            outcome = await _submit(engine.submit_alert, alert.body("***"), alert.received)
            outcomes[outcome] += 1
            days.add(alert.day)
            if outcome != alert.expect:
                unexpected[f"{alert.expect} -> {outcome}"] += 1
            if n % 10_000 == 0:
                rate = n / (time.perf_counter() - began)
                log(f"  history: {n:,}/{count:,} alerts, {rate:,.0f}/s")
    finally:
        await engine.stop()
    ordered = sorted(days)
    return {
        "signals": count,
        "outcomes": dict(outcomes),
        "unexpected": dict(unexpected),
        "drift_events": len(drift),
        "trading_days": len(ordered),
        "first_day": ordered[0].isoformat(),
        "last_day": ordered[-1].isoformat(),
        "build_seconds": round(time.perf_counter() - began, 1),
    }


async def _submit(submit: Callable[[IncomingAlert], Any], body: bytes, received: datetime) -> str:
    """What the listener does with an authenticated body, then the engine's verdict."""
    try:
        fields = parse_alert_body(body)
        alert = IncomingAlert(
            fields=replace(fields, secret=None),
            raw=body.decode(),
            peer=TRADINGVIEW_PEER,
            received=received,
            idem_key=idempotency_key(fields, body),
        )
        reply = await submit(alert)
    except TmtuiError:
        return "rejected"
    return str(reply.outcome)


def cached_history(count: int, rebuild: bool) -> tuple[Path, dict[str, Any]]:
    """The cached ledger for this generator, count and schema; built first if missing."""
    CACHE.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="tmtui-bench-") as tmp:
        schema = asyncio.run(_schema_version(Path(tmp)))
    key = f"history-{GENERATOR_VERSION}-{count}-schema{schema}"
    db, meta_path = CACHE / f"{key}.db", CACHE / f"{key}.json"
    if db.exists() and meta_path.exists() and not rebuild:
        return db, json.loads(meta_path.read_text(encoding="utf-8"))
    log(f"building the history ledger {db.name} through the engine (cached afterwards)")
    for old in CACHE.glob("history-*"):
        old.unlink()
    partial = CACHE / f"{key}.partial.db"
    with tempfile.TemporaryDirectory(prefix="tmtui-bench-") as tmp:
        meta = asyncio.run(build_history(partial, history_config(Path(tmp), partial), count))
    for suffix in ("-wal", "-shm"):
        Path(f"{partial}{suffix}").unlink(missing_ok=True)
    meta |= {"key": key, "built_at": datetime.now(UTC).isoformat(timespec="seconds")}
    partial.rename(db)
    meta_path.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return db, meta


# --- measuring ------------------------------------------------------------------------------


def time_start(config: Path, port: int, run_dir: Path) -> tuple[list[float], list[float], float]:
    """Start-to-listener-ready times, resident memory right then and its peak, over a few starts."""
    starts: list[float] = []
    rss: list[float] = []
    peak = 0.0
    for n in range(REPEATS):
        with TmtuiProcess(config, port, run_dir / f"run{n}.out") as proc:
            starts.append(proc.wait_ready())
            now, high = proc.memory_mb()
            rss.append(now)
            peak = max(peak, high)
        if starts[-1] > SLOW_S:
            break
    return starts, rss, peak


def time_read(args: list[str], config: Path) -> tuple[list[float], str]:
    """Wall times of a read command's runs, and what its JSON held."""
    times: list[float] = []
    held = ""
    for _ in range(REPEATS):
        seconds, stdout = run_cli(args, config)
        times.append(seconds)
        document = json.loads(stdout)
        held = f"; {len(document):,} rows" if isinstance(document, list) else ""
        if seconds > SLOW_S:
            break
    return times, held


def range_flags(config: Path) -> tuple[str, str] | None:
    """The day-range options `tmtui trades` offers, if any."""
    _, text = run_cli(["trades", "--help"], config)
    for first, last in RANGE_FLAGS:
        if re.search(rf"(?<![\w-]){first}(?![\w-])", text) and re.search(
            rf"(?<![\w-]){last}(?![\w-])", text
        ):
            return first, last
    return None


def _runs(times: list[float]) -> str:
    """How a time was taken; the best run shows how much of the median is a busy machine."""
    if len(times) == 1:
        return "1 run"
    return f"median of {len(times)} runs, best {min(times):.2f} s"


def measure(db: Path, meta: dict[str, Any]) -> list[Figure]:
    figures: list[Figure] = []
    size_mb = db.stat().st_size / 1e6
    outcomes = ", ".join(f"{v:,} {k}" for k, v in sorted(meta["outcomes"].items()))
    figures.append(
        Figure(
            "history: ledger size on disk",
            size_mb,
            "MB",
            note=f"{meta['signals']:,} alerts ({outcomes}) over {meta['trading_days']} trading "
            f"days {meta['first_day']} .. {meta['last_day']}; "
            f"{db.stat().st_size / meta['signals']:,.0f} bytes/alert",
        )
    )
    with tempfile.TemporaryDirectory(prefix="tmtui-bench-") as tmp:
        run_dir = Path(tmp)
        empty_dir = run_dir / "empty"
        empty_dir.mkdir()
        port = free_port()
        config = history_config(empty_dir, empty_dir / "ledger.db", port)
        starts, rss, _ = time_start(config, port, empty_dir)
        figures.append(
            Figure(
                "start to listener ready, empty ledger",
                median(starts),
                "s",
                note=_runs(starts),
            )
        )
        figures.append(Figure("RSS after start, empty ledger", median(rss), "MB"))

        ledger = run_dir / "ledger.db"
        shutil.copyfile(db, ledger)
        port = free_port()
        config = history_config(run_dir, ledger, port)
        log("  history: timing starts")
        starts, rss, peak = time_start(config, port, run_dir)
        figures.append(
            Figure(
                f"start to listener ready, {meta['signals']:,} alerts",
                median(starts),
                "s",
                f"< {START_TARGET_S:g} s",
                median(starts) < START_TARGET_S,
                _runs(starts),
            )
        )
        figures.append(
            Figure(
                f"RSS after start, {meta['signals']:,} alerts",
                median(rss),
                "MB",
                f"< {RSS_TARGET_MB:g} MB",
                median(rss) < RSS_TARGET_MB,
            )
        )
        figures.append(
            Figure(
                f"peak RSS while starting, {meta['signals']:,} alerts",
                peak,
                "MB",
                note="VmHWM: the most it held before the listener answered",
            )
        )
        log("  history: timing read commands")
        figures.extend(_reads(config, meta))
        figures.append(_verify(config))
    return figures


def _verify(config: Path) -> Figure:
    """`tmtui ledger verify` (issue 8) on the year's ledger, once it exists: must pass."""
    name = "ledger verify on the history ledger"
    probe = subprocess.run(
        [*TMTUI, "ledger", "verify", "--help"], capture_output=True, cwd=ROOT, check=False
    )
    if probe.returncode != 0:
        return Figure(name, None, "s", "passes", None, "this tmtui has no `ledger verify`")
    log("  history: tmtui ledger verify")
    began = time.perf_counter()
    done = subprocess.run(
        [*TMTUI, "ledger", "verify", "--config", str(config)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    seconds = time.perf_counter() - began
    said = (done.stdout.strip() or done.stderr.strip()).splitlines()
    last = said[-1].replace(str(config.parent), "…") if said else ""
    note = f"exit {done.returncode}: {last}"
    return Figure(name, seconds, "s", "passes", done.returncode == 0, note.strip())


def _reads(config: Path, meta: dict[str, Any]) -> list[Figure]:
    """Every read command on the year's ledger; days chosen inside the history."""
    day = date.fromisoformat(meta["last_day"]) - timedelta(days=1)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    month_start = day - timedelta(days=30)
    reads: list[tuple[str, list[str] | None]] = [
        ("positions --json", ["positions", "--json"]),
        (f"trades --json --day {day}", ["trades", "--json", "--day", str(day)]),
    ]
    flags = range_flags(config)
    label = f"trades --json, 30 days {month_start} .. {day}"
    if flags is None:
        reads.append((label, None))
    else:
        reads.append((label, ["trades", "--json", flags[0], str(month_start), flags[1], str(day)]))
    reads += [
        ("report --json (today)", ["report", "--json"]),
        (f"report --json --day {day}", ["report", "--json", "--day", str(day)]),
        (f"calendar --json --month {day:%Y-%m}", ["calendar", "--json", "--month", f"{day:%Y-%m}"]),
    ]
    figures = []
    target = f"< {READ_TARGET_S:g} s"
    for name, args in reads:
        if args is None:
            note = "tmtui trades has no day-range option (" + ", ".join(
                f"{a}/{b}" for a, b in RANGE_FLAGS
            )
            figures.append(Figure(name, None, "s", target, False, note + " looked for)"))
            continue
        times, held = time_read(args, config)
        seconds = median(times)
        figures.append(
            Figure(
                name,
                seconds,
                "s",
                target,
                seconds < READ_TARGET_S,
                _runs(times) + held,
            )
        )
    floor = median([run_cli(["--version"])[0] for _ in range(REPEATS)])
    figures.append(
        Figure("CLI floor: tmtui --version", floor, "s", note="interpreter start and imports")
    )
    return figures


def main() -> None:
    args = parse_args(
        __doc__.splitlines()[0],
        [
            ("--signals", {"type": int, "default": SIGNALS, "help": "alerts in the history"}),
            ("--rebuild", {"action": "store_true", "help": "rebuild the cached ledger"}),
        ],
    )
    began = time.perf_counter()
    db, meta = cached_history(args.signals, args.rebuild)
    if meta.get("unexpected") or meta.get("drift_events"):
        log(
            f"warning: alerts the engine treated unexpectedly: {meta.get('unexpected')}, "
            f"{meta.get('drift_events')} drift events"
        )
    figures = measure(db, meta)
    emit(figures, args.json, {"history": meta, "seconds": time.perf_counter() - began, **machine()})


if __name__ == "__main__":
    main()
