"""Benchmark: routes: alert → bridge receipt, and what routes cost the webhook.

A real `tmtui run --headless` (temp config and ledger, loopback listener, its quote feed on the
fake TradingView websocket streaming 200 deltas a second) runs twice on fresh ledgers: once on
paper (no route), once with every strategy routed to a local TradersPost-shaped receiver in
this process. Each run gets the same 300 sequential alerts (after 20 to warm up), 20 a second
at most: one lane alternating `buy 1` / `sell 1`, so every alert makes exactly one order; the
next alert goes out once the previous one's order arrived (on paper, once answered). Measured: the
webhook's own latency in both runs (routes on within 10% of off at p99: the 200 never waits
for the bridge) and, with routes, alert sent → order received by the bridge.

Run `python bench/bench_routes.py [--json PATH]`.
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parent))

from alerts import MARKETS, TV_SYMBOLS
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
QUOTE_RATE = 200.0
OVERHEAD_TARGET = 1.10
RECEIPT_TARGET_MS = 100.0
RECEIPT_WAIT_S = 5.0
PERIOD_S = 0.05
"""Alerts go out at most 20 a second in both runs (TradingView's alerts are far apart; one
fired the instant the previous order reached the bridge would meet that order's `accepted`
write, which a real alert never does)."""
TP_PATH = "/trading/webhook/5c1e8a7e-0000-4000-8000-000000000000/bench-Pa55"


class Receiver:
    """A TradersPost-shaped bridge: records when each order arrived, answers 200 at once."""

    def __init__(self) -> None:
        self.arrived: list[float] = []
        self._event = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.port = 0

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        self.arrived.append(time.perf_counter())
        self._event.set()
        body = await request.json()
        return web.json_response({"success": True, "id": str(len(self.arrived)), "payload": body})

    async def wait(self, count: int) -> float | None:
        """When the `count`-th order arrived (None: not within RECEIPT_WAIT_S)."""
        deadline = time.perf_counter() + RECEIPT_WAIT_S
        while len(self.arrived) < count:
            self._event.clear()
            left = deadline - time.perf_counter()
            if left <= 0:
                return None
            try:
                await asyncio.wait_for(self._event.wait(), left)
            except TimeoutError:
                return None
        return self.arrived[count - 1]


NQ_AT = MARKETS["NQ"].start
"""Where the fake feed starts NQ: alerts priced near it pass the listener's price band."""


def alert_body(number: int, price: float) -> bytes:
    action = "buy" if number % 2 == 0 else "sell"
    position = 1 if action == "buy" else 0
    return json.dumps(
        {
            "secret": SECRET,
            "strategy": "ORB",
            "ticker": "NQ1!",
            "action": action,
            "contracts": "1",
            "price": f"{price:.2f}",
            "position_size": str(position),
            "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        }
    ).encode()


async def load(url: str, receiver: Receiver | None) -> tuple[list[float], list[float], int]:
    """(webhook latencies, alert → receipt latencies, orders missing) over the measured run."""
    webhook: list[float] = []
    receipt: list[float] = []
    missing = 0
    async with aiohttp.ClientSession() as session:
        slot = time.perf_counter()
        for number in range(WARMUP + SEQUENTIAL):
            slot += PERIOD_S
            await asyncio.sleep(max(0.0, slot - time.perf_counter()))
            began = time.perf_counter()
            async with session.post(
                url, data=alert_body(number, float(NQ_AT) + number % 7)
            ) as reply:
                await reply.read()
                assert reply.status == 200, reply.status
            answered = time.perf_counter()
            arrived = await receiver.wait(number + 1) if receiver is not None else answered
            if number < WARMUP:
                continue
            webhook.append(answered - began)
            if arrived is None:
                missing += 1
            elif receiver is not None:
                receipt.append(arrived - began)
    return webhook, receipt, missing


def routes_text(port: int) -> str:
    return (
        '\n[routing]\ndefault = "tp"\n\n[routes.tp]\nkind = "traderspost"\n'
        f'url = "http://127.0.0.1:{port}{TP_PATH}"\ntimeout = 5\n'
    )


def run_once(directory: Path, feed_url: str, routed: bool) -> tuple[list[float], list[float], int]:
    async def go() -> tuple[list[float], list[float], int]:
        receiver = Receiver() if routed else None
        if receiver is not None:
            await receiver.start()
        port = free_port()
        config = bench_config(
            directory,
            port=port,
            ledger=directory / "ledger.db",
            feed={
                "source": "tradingview-ws",
                "ws_url": feed_url,
                "watchlist": list(TV_SYMBOLS.values()),
            },
        )
        if receiver is not None:
            with config.open("a", encoding="utf-8") as stream:
                stream.write(routes_text(receiver.port))
        try:
            with TmtuiProcess(config, port, directory / "tmtui.out") as proc:
                await asyncio.to_thread(proc.wait_ready)
                log(f"  routes: tmtui ready ({'routes on' if routed else 'paper'}); alerts")
                return await load(proc.webhook_url, receiver)
        finally:
            if receiver is not None:
                await receiver.stop()

    return asyncio.run(go())


def ms(values: list[float], q: float) -> float:
    return percentile(values, q) * 1000 if values else float("nan")


def figures(off: list[float], on: list[float], receipt: list[float], missing: int) -> list[Figure]:
    ratio = ms(on, 99) / ms(off, 99)
    load_text = f"{QUOTE_RATE:g} quotes/s"
    return [
        Figure(f"alert → bridge receipt p50, {load_text}", ms(receipt, 50), "ms"),
        Figure(
            f"alert → bridge receipt p99, {load_text}",
            ms(receipt, 99),
            "ms",
            f"≤ {RECEIPT_TARGET_MS:g} ms",
            ms(receipt, 99) <= RECEIPT_TARGET_MS,
            f"{SEQUENTIAL} alerts; {missing} order(s) not received within {RECEIPT_WAIT_S:g} s",
        ),
        Figure("webhook p99, routes off (paper)", ms(off, 99), "ms"),
        Figure("webhook p99, routes on", ms(on, 99), "ms"),
        Figure(
            "webhook p99, routes on ÷ off",
            ratio,
            "×",
            f"≤ {OVERHEAD_TARGET:g}×",
            ratio <= OVERHEAD_TARGET,
            f"p50 {ms(off, 50):.1f} → {ms(on, 50):.1f} ms",
        ),
    ]


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    began = time.perf_counter()
    with Background("feed", "--rate", str(QUOTE_RATE)) as feed:
        url = str(feed.hello["url"])
        with tempfile.TemporaryDirectory(prefix="tmtui-bench-") as tmp:
            off, _, _ = run_once(Path(tmp), url, routed=False)
        with tempfile.TemporaryDirectory(prefix="tmtui-bench-") as tmp:
            on, receipt, missing = run_once(Path(tmp), url, routed=True)
        feed.stop()
    emit(
        figures(off, on, receipt, missing),
        args.json,
        {"seconds": time.perf_counter() - began, **machine()},
    )


if __name__ == "__main__":
    main()
