"""The two servers the webhook benchmark runs beside tmtui, each in its own process.

`feed`: the test suite's fake TradingView quote websocket (tests/fakes/tv_ws_server.py, which
speaks the real wire protocol) streaming quote deltas at a steady rate to whatever the client
subscribed, 1-4 messages packed per websocket frame as TradingView does.
`bare`: the floor, a bare aiohttp server that reads each POST and answers a small JSON.
`durable`: the durable floor, the least a server that keeps every alert must do: the bare
server plus one SQLite commit per request (WAL, `synchronous=FULL`, so each commit is synced
to disk) on one writer thread, answered after the commit. A webhook figure is judged against
this one: no design that answers only once an alert is on disk can beat it.

Each prints one JSON line when it listens (`{"url": ...}` / `{"port": ...}`) and, for the feed,
a second one with what it delivered when it gets SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import signal
import sqlite3
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from aiohttp import web
from alerts import MARKET_OF, MARKETS, TV_SYMBOLS
from fakes.tv_ws_server import FakeTradingViewServer

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
HEARTBEAT_S = 10.0
"""TradingView's heartbeat interval; an unechoed beat drops the client after a minute."""


def _snapshot(root: str) -> dict[str, Any]:
    market = MARKETS[MARKET_OF[root]]
    last = float(market.start)
    tick = float(market.tick)
    return {
        "lp": last,
        "bid": last - tick,
        "ask": last + tick,
        "ch": 0.0,
        "chp": 0.0,
        "lp_time": int(time.time()),
        "pricescale": round(1 / tick),
        "minmov": 1,
        "current_session": "market",
        "short_name": TV_SYMBOLS[root].split(":")[1],
    }


class Streamer:
    """Pushes `rate` deltas a second, on schedule, to every subscribed symbol."""

    def __init__(self, server: FakeTradingViewServer, rate: float, seed: int = 7) -> None:
        self.server = server
        self.rate = rate
        self.rng = random.Random(seed)
        self.delivered = 0
        self.began: float | None = None
        self.last: float | None = None
        self.prices = {
            TV_SYMBOLS[root]: [MARKETS[m].start, MARKETS[m].tick] for root, m in MARKET_OF.items()
        }

    async def run(self) -> None:
        while True:
            await asyncio.sleep(0.01)
            conns = [c for c in self.server.connections if not c.closed and c.subscribed]
            if not conns:
                continue
            now = time.monotonic()
            if self.began is None:
                self.began = now
            due = int((now - self.began) * self.rate) - self.delivered
            while due > 0:
                packed = min(due, self.rng.choice((1, 1, 1, 2, 2, 3, 4)))
                for conn in conns:
                    payloads = [
                        self.server.qsd(conn, symbol, self._delta(symbol))
                        for symbol in self.rng.choices(conn.subscribed, k=packed)
                    ]
                    await self.server.send_packed(conn, *payloads)
                self.delivered += packed
                due -= packed
            self.last = now

    def _delta(self, symbol: str) -> dict[str, Any]:
        """What changed: the last price (with its time), or the bid, or the ask."""
        price, tick = self.prices[symbol]
        kind = self.rng.random()
        if kind < 0.4:
            price += self.rng.randint(-2, 2) * tick
            self.prices[symbol][0] = price
            return {"lp": float(price), "lp_time": int(time.time())}
        if kind < 0.7:
            return {"bid": float(price - tick * self.rng.randint(1, 2))}
        return {"ask": float(price + tick * self.rng.randint(1, 2))}


async def feed(rate: float) -> None:
    snapshots = {TV_SYMBOLS[root]: _snapshot(root) for root in TV_SYMBOLS}
    async with FakeTradingViewServer(
        snapshots=snapshots, heartbeat_interval=HEARTBEAT_S, heartbeat_deadline=6 * HEARTBEAT_S
    ) as server:
        streamer = Streamer(server, rate)
        print(json.dumps({"url": server.url}), flush=True)
        task = asyncio.create_task(streamer.run())
        await _until_sigterm()
        task.cancel()
        began, last = streamer.began, streamer.last
        seconds = last - began if began is not None and last is not None else 0.0
        subscribed = sorted({s for c in server.connections for s in c.subscribed})
        stats = {"delivered": streamer.delivered, "seconds": seconds, "subscribed": subscribed}
        print(json.dumps(stats), flush=True)


async def bare() -> None:
    async def webhook(request: web.Request) -> web.Response:
        await request.read()
        return web.json_response({"ok": True, "outcome": "accepted"})

    await _serve(webhook)


async def durable() -> None:
    with tempfile.TemporaryDirectory(prefix="tmtui-bench-durable-") as tmp:
        db = sqlite3.connect(Path(tmp) / "floor.db", isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.execute("CREATE TABLE alert (id INTEGER PRIMARY KEY, received REAL, body BLOB)")
        writer = ThreadPoolExecutor(1, thread_name_prefix="floor-writer")

        def commit(body: bytes) -> None:
            db.execute("BEGIN IMMEDIATE")
            db.execute("INSERT INTO alert (received, body) VALUES (?, ?)", (time.time(), body))
            db.execute("COMMIT")

        async def webhook(request: web.Request) -> web.Response:
            body = await request.read()
            await asyncio.get_running_loop().run_in_executor(writer, commit, body)
            return web.json_response({"ok": True, "outcome": "accepted"})

        await _serve(webhook)
        writer.shutdown(wait=True)
        db.close()


async def _serve(webhook: Handler) -> None:
    async def health(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app = web.Application()
    app.router.add_post("/webhook", webhook)
    app.router.add_get("/health", health)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    print(json.dumps({"port": port}), flush=True)
    await _until_sigterm()
    await runner.cleanup()


async def _until_sigterm() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("server", choices=("feed", "bare", "durable"))
    parser.add_argument("--rate", type=float, default=200.0, help="feed: deltas a second")
    args = parser.parse_args()
    servers = {"bare": bare, "durable": durable}
    asyncio.run(feed(args.rate) if args.server == "feed" else servers[args.server]())


if __name__ == "__main__":
    main()
