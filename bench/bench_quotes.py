"""Benchmark: qsd frames decoded, merged and marked per second on one core.

Builds a realistic in-memory stream (20 futures symbols, one snapshot each, then deltas that
carry only what changed: lp+lp_time, bid, ask, sometimes ch/chp; 1-4 messages packed per
websocket frame; a heartbeat now and then) and times the feed's hot path:
decode_frames -> parse_message -> QuoteState.apply -> mark_price. Not a test; run
`python bench/bench_quotes.py [--json PATH]`.

Target: 20,000 qsd frames a second on one core, so that a busy feed (200 deltas/s) costs the
event loop at most 1% of a core.
"""

from __future__ import annotations

import json
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from harness import Figure, emit, machine, parse_args

from tmtui.core.book.marking import MARK_MODES, mark_price
from tmtui.services.feeds.tv_protocol import (
    QuoteState,
    decode_frames,
    encode,
    is_heartbeat,
    parse_message,
)

SESSION = "qs_Ab3dEf6hIj9k"
ROOTS = {
    "CME_MINI:NQ1!": (25650.25, 0.25),
    "CME_MINI:MNQ1!": (25650.25, 0.25),
    "CME_MINI:ES1!": (6900.0, 0.25),
    "CME_MINI:MES1!": (6900.0, 0.25),
    "CBOT_MINI:YM1!": (47000.0, 1.0),
    "CBOT_MINI:MYM1!": (47000.0, 1.0),
    "CME_MINI:RTY1!": (2450.1, 0.1),
    "CME_MINI:M2K1!": (2450.1, 0.1),
    "NYMEX:CL1!": (60.12, 0.01),
    "NYMEX:MCL1!": (60.12, 0.01),
    "NYMEX:NG1!": (3.456, 0.001),
    "COMEX:GC1!": (4012.3, 0.1),
    "COMEX_MINI:MGC1!": (4012.3, 0.1),
    "COMEX:SI1!": (50.125, 0.005),
    "COMEX_MINI:SIL1!": (50.125, 0.005),
    "CBOT:ZB1!": (117.5, 0.03125),
    "CBOT:ZN1!": (112.25, 0.015625),
    "CME:6E1!": (1.1525, 0.00005),
    "CME_MINI:M6E1!": (1.1525, 0.0001),
    "CME_MINI:NKD1!": (49000.0, 5.0),
}
MESSAGES = 50_000
REPEATS = 3
TARGET_PER_S = 20_000


def qsd(symbol: str, values: dict[str, object]) -> str:
    return encode({"m": "qsd", "p": [SESSION, {"n": symbol, "s": "ok", "v": values}]})


def build_stream(rng: random.Random) -> tuple[list[str], int]:
    """Websocket frames as the server would send them, and the qsd message count."""
    frames: list[str] = []
    prices = {s: [p, p - t, p + t, t] for s, (p, t) in ROOTS.items()}
    for symbol, (last, tick) in ROOTS.items():
        frames.append(
            qsd(
                symbol,
                {
                    "lp": last,
                    "bid": last - tick,
                    "ask": last + tick,
                    "ch": 0.0,
                    "chp": 0.0,
                    "lp_time": 1787032585,
                    "update_mode": "streaming",
                    "pricescale": 100,
                    "minmov": 25,
                    "current_session": "market",
                    "short_name": symbol.split(":")[1],
                },
            )
        )
    count = len(ROOTS)
    symbols = list(ROOTS)
    heartbeat = 1000
    while count < MESSAGES:
        packed = []
        for _ in range(rng.choice((1, 1, 1, 2, 2, 3, 4))):
            symbol = rng.choice(symbols)
            state = prices[symbol]
            tick = state[3]
            kind = rng.random()
            if kind < 0.4:
                state[0] = round(state[0] + rng.randint(-2, 2) * tick, 6)
                values: dict[str, object] = {"lp": state[0], "lp_time": 1787032585 + count}
                if rng.random() < 0.3:
                    values.update(ch=round(state[0] - ROOTS[symbol][0], 6), chp=0.01)
            elif kind < 0.7:
                state[1] = round(state[0] - tick * rng.randint(1, 2), 6)
                values = {"bid": state[1]}
            else:
                state[2] = round(state[0] + tick * rng.randint(1, 2), 6)
                values = {"ask": state[2]}
            packed.append(qsd(symbol, values))
            count += 1
        if rng.random() < 0.002:
            heartbeat += 1
            packed.append(encode(f"~h~{heartbeat}"))
        frames.append("".join(packed))
    return frames, count


def run(frames: list[str]) -> tuple[int, int]:
    """The feed's hot path; returns (quotes emitted, marks computed)."""
    state = QuoteState()
    quotes = marks = 0
    sides = (1, -1)
    for frame in frames:
        for payload in decode_frames(frame):
            if is_heartbeat(payload):
                continue
            msg = parse_message(payload)
            entry = msg["p"][1]
            quote = state.apply(entry["n"], entry["v"])
            if quote is None:
                continue
            quotes += 1
            for mode in MARK_MODES:
                for side in sides:
                    if mark_price(quote, side, mode) is not None:
                        marks += 1
    return quotes, marks


def time_best(fn: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(REPEATS):
        began = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - began)
    return best


def _each(fn: Callable[[str], object], items: list[str]) -> Callable[[], None]:
    """Call fn on every item, keeping no result: a list of 50k results costs GC time."""

    def loop() -> None:
        for item in items:
            fn(item)

    return loop


def main() -> None:
    args = parse_args("tick ingest: qsd frames decoded, merged and marked per second")
    frames, messages = build_stream(random.Random(2025))
    size = sum(len(f) for f in frames)
    payloads = [p for f in frames for p in decode_frames(f) if not is_heartbeat(p)]
    quotes, marks = run(frames)
    total = time_best(lambda: run(frames))
    decode = time_best(_each(decode_frames, frames))
    parse = time_best(_each(parse_message, payloads))
    plain = time_best(_each(json.loads, payloads))

    print(f"Python {sys.version.split()[0]}, one core, best of {REPEATS} runs")
    print(
        f"stream: {len(frames):,} websocket frames, {messages:,} qsd frames, "
        f"{size / 1e6:.1f} MB, {len(ROOTS)} symbols"
    )
    print(f"per run: {quotes:,} quotes emitted, {marks:,} marks (3 modes x long/short)")
    print(
        f"decode+parse+merge+mark: {messages / total:,.0f} qsd frames/s, "
        f"{total / messages * 1e6:.2f} µs/frame, "
        f"{len(frames) / total:,.0f} websocket frames/s"
    )
    print(f"  decode_frames only:      {decode / messages * 1e6:.2f} µs/frame")
    print(
        f"  parse_message (Decimal): {parse / messages * 1e6:.2f} µs/frame "
        f"(plain json.loads with floats: {plain / messages * 1e6:.2f})"
    )
    rest = total - decode - parse
    print(f"  merge + 6 marks:         {rest / messages * 1e6:.2f} µs/frame")
    rate = messages / total
    figure = Figure(
        "tick ingest: qsd frames decoded, merged, marked",
        rate,
        "frames/s",
        f"≥ {TARGET_PER_S:,} frames/s",
        rate >= TARGET_PER_S,
        f"one core, best of {REPEATS}; {total / messages * 1e6:.1f} µs/frame",
    )
    emit([figure], args.json, {"messages": messages, **machine()})


if __name__ == "__main__":
    main()
