"""Benchmark: what the real screen costs in a real terminal, the whole process counted.

`tmtui run` (the TUI, not `--headless`) is started in a pseudo-terminal of 160x45, as a
trader's terminal window would host it, with its quote feed connected to the local fake of
TradingView's quote websocket (tests/fakes/, the real wire protocol) streaming 200 quote
deltas a second to the symbols tmtui subscribed. This process reads and discards everything
the app writes to the terminal, as a terminal emulator would (never so slowly that the app
blocks on a full pty). Positions are opened through tmtui's own webhook listener. After a
warm-up, the CPU the tmtui process used (all its threads: the event loop, the ledger's writer,
Textual's output thread; user + system time from /proc/PID/stat) is counted over a window and
shown as a percentage of one core, with the bytes written to the terminal per second.

Cases: 60 open positions under 200 deltas/s, 150 positions under 200 deltas/s, and 60
positions with the feed connected and the market quiet (no deltas).

Run `python bench/bench_terminal.py [--json PATH] [--seconds N]`.
"""

from __future__ import annotations

import fcntl
import json
import os
import pty
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import contextlib

from alerts import MARKET_OF, MARKETS, TV_SYMBOLS
from harness import (
    ROOT,
    SECRET,
    TMTUI,
    Background,
    Figure,
    bench_config,
    child_env,
    emit,
    free_port,
    get_json,
    log,
    machine,
    parse_args,
)

COLUMNS, LINES = 160, 45
RATE = 200.0
WARMUP_S = 3.0
CASES = ((60, RATE, 15.0), (150, RATE, 25.0), (60, 0.0, 3.0))
"""(open positions, quote deltas a second, target % of one core)."""
ROOTS = tuple(TV_SYMBOLS)
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True, slots=True)
class Sample:
    """What one case measured."""

    cpu_percent: float
    bytes_per_s: float
    threads: int


class Terminal:
    """A pty the app draws into; a thread drains it, counting what the app wrote."""

    def __init__(self) -> None:
        self.master, self.slave = pty.openpty()
        size = struct.pack("HHHH", LINES, COLUMNS, 0, 0)
        fcntl.ioctl(self.slave, termios.TIOCSWINSZ, size)
        self.written = 0
        self._reader = threading.Thread(target=self._drain, name="pty-drain", daemon=True)
        self._reader.start()

    def _drain(self) -> None:
        while True:
            try:
                chunk = os.read(self.master, 1 << 16)
            except OSError:
                return
            if not chunk:
                return
            self.written += len(chunk)

    def close(self) -> None:
        for fd in (self.slave, self.master):
            with contextlib.suppress(OSError):
                os.close(fd)


def cpu_seconds(pid: int) -> float:
    """utime + stime of the whole process (every thread), from /proc/PID/stat."""
    stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8")
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def thread_count(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/task"))


def open_positions(port: int, count: int) -> None:
    """`count` positions via the listener: each strategy buys or sells one of every root."""
    for n in range(count):
        root = ROOTS[n % len(ROOTS)]
        market = MARKETS[MARKET_OF[root]]
        body = {
            "secret": SECRET,
            "strategy": f"Strategy {n // len(ROOTS):02d}",
            "ticker": TV_SYMBOLS[root],
            "action": "buy" if n % 2 else "sell",
            "contracts": "1",
            "price": str(market.start),
            "position_size": "1" if n % 2 else "-1",
        }
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/webhook",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            reply = json.loads(response.read())
        if reply.get("outcome") != "accepted":
            raise RuntimeError(f"position {n} not opened: {reply}")


def wait_for(what: str, ready: object, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(ready) and ready():
            return
        time.sleep(0.05)
    raise RuntimeError(f"tmtui: {what} within {timeout:g} s")


def run_case(positions: int, rate: float, seconds: float) -> Sample:
    """One case in a fresh directory, feed and tmtui; the CPU over `seconds`."""
    with (
        tempfile.TemporaryDirectory(prefix="tmtui-bench-") as tmp,
        Background("feed", "--rate", str(rate)) as feed,
    ):
        port = free_port()
        config = bench_config(
            Path(tmp),
            port=port,
            ledger=Path(tmp) / "ledger.db",
            feed={
                "source": "tradingview-ws",
                "ws_url": str(feed.hello["url"]),
                "watchlist": list(TV_SYMBOLS.values()),
            },
        )
        terminal = Terminal()
        env = {
            **child_env(),
            "TERM": "xterm-256color",
            "COLORTERM": "truecolor",
            "COLUMNS": str(COLUMNS),
            "LINES": str(LINES),
        }
        env.pop("NO_COLOR", None)
        env.pop("TEXTUAL", None)
        proc = subprocess.Popen(
            [*TMTUI, "run", "--config", str(config)],
            stdin=terminal.slave,
            stdout=terminal.slave,
            stderr=terminal.slave,
            cwd=ROOT,
            env=env,
            start_new_session=True,
        )
        try:
            health = f"http://127.0.0.1:{port}/health"
            wait_for("no /health answer", lambda: get_json(health) is not None)
            open_positions(port, positions)
            time.sleep(WARMUP_S)
            if proc.poll() is not None:
                raise RuntimeError(f"tmtui exited with {proc.returncode}")
            cpu, wrote, began = cpu_seconds(proc.pid), terminal.written, time.perf_counter()
            time.sleep(seconds)
            cpu = cpu_seconds(proc.pid) - cpu
            wall = time.perf_counter() - began
            wrote = terminal.written - wrote
            threads = thread_count(proc.pid)
        finally:
            _stop(proc)
            terminal.close()
    return Sample(100 * cpu / wall, wrote / wall, threads)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM as a closing terminal would, then SIGKILL if it hangs."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main() -> None:
    args = parse_args(
        __doc__.splitlines()[0],
        [("--seconds", {"type": float, "default": 15.0, "help": "CPU window per case"})],
    )
    began = time.perf_counter()
    figures = []
    for positions, rate, target in CASES:
        load = f"{rate:g} deltas/s" if rate else "no quotes"
        log(f"  terminal: {positions} positions, {load}")
        sample = run_case(positions, rate, args.seconds)
        figures.append(
            Figure(
                f"screen CPU in a terminal ({COLUMNS}x{LINES} pty), {positions} positions, {load}",
                sample.cpu_percent,
                "%",
                f"≤ {target:g}%",
                sample.cpu_percent <= target,
                f"{args.seconds:g} s window, whole process ({sample.threads} threads); "
                f"{sample.bytes_per_s / 1000:,.1f} kB/s to the terminal",
            )
        )
    emit(figures, args.json, {"seconds": time.perf_counter() - began, **machine()})


if __name__ == "__main__":
    main()
