"""Benchmark: webhook alerts per second into a real `tmtui run --headless` (group commit).

Starts tmtui on a throwaway ledger (loopback listener, replay feed, `synchronous=FULL`), then
posts 300 alerts one at a time and 1,000 at concurrency 20 (7 strategies, buys and sells),
and prints throughput, latency p50/p99 and the server's CPU time per alert. CPU per alert is
the steadier figure on a shared machine: 1 / (CPU per alert) is what one free core sustains.
Not a test; run `python bench/bench_alerts.py [--alerts N] [--concurrency C]`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

SECRET = "bench-secret"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def wait_up(url: str, proc: asyncio.subprocess.Process) -> None:
    async with aiohttp.ClientSession() as session:
        for _ in range(400):
            if proc.returncode is not None:
                raise SystemExit("tmtui exited before its listener came up")
            try:
                async with session.get(url + "/health") as reply:
                    if reply.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.05)
    raise SystemExit("tmtui's listener did not come up")


async def post_all(url: str, count: int, concurrency: int, tag: str) -> tuple[float, list[float]]:
    todo = iter(range(count))
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def worker() -> None:
            for n in todo:
                body = {
                    "secret": SECRET,
                    "action": "buy" if n % 2 else "sell",
                    "ticker": "ES1!",
                    "qty": 1,
                    "price": "6800.25",
                    "strategy": f"S{n % 7}",
                    "id": f"{tag}-{n}",
                }
                began = time.perf_counter()
                async with session.post(url + "/webhook", json=body) as reply:
                    await reply.read()
                    statuses[reply.status] = statuses.get(reply.status, 0) + 1
                latencies.append(time.perf_counter() - began)

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - began
    if set(statuses) != {200}:
        raise SystemExit(f"not every alert was answered 200: {statuses}")
    return elapsed, sorted(latencies)


def line(name: str, count: int, elapsed: float, latencies: list[float], cpu: float) -> str:
    p50 = latencies[len(latencies) // 2] * 1000
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000
    return (
        f"{name:<24} {count / elapsed:>7,.0f} alerts/s   p50 {p50:6.1f} ms   p99 {p99:6.1f} ms"
        f"   server CPU {cpu / count * 1000:.2f} ms/alert"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alerts", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tmtui-bench-") as folder:
        port = free_port()
        config = Path(folder) / "config.toml"
        config.write_text(
            f'[listener]\nport = {port}\nsecret = "{SECRET}"\nrate_limit_per_min = 0\n'
            f'[feed]\nsource = "replay"\n[ledger]\npath = "{Path(folder) / "ledger.db"}"\n'
            "backups_kept = 0\n"
        )
        proc = await asyncio.create_subprocess_exec(
            *(sys.executable, "-m", "tmtui", "run", "--headless", "--config", str(config)),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            await wait_up(url, proc)
            load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
            print(f"Python {sys.version.split()[0]}, {os.cpu_count()} cores, load {load}")
            for name, count, concurrency in (
                ("sequential", 300, 1),
                (f"concurrency {args.concurrency}", args.alerts, args.concurrency),
            ):
                cpu = cpu_seconds(proc.pid)
                elapsed, latencies = await post_all(url, count, concurrency, name[:3])
                print(line(name, count, elapsed, latencies, cpu_seconds(proc.pid) - cpu))
        finally:
            proc.terminate()
            await asyncio.wait_for(proc.wait(), 10)


if __name__ == "__main__":
    asyncio.run(main())
