"""What the benchmark scripts share: figures, percentiles, a config file, a tmtui subprocess.

Every `bench/bench_*.py` takes `--json PATH` and writes `{"figures": [...]}` there, each figure
`{"name", "value", "unit", "target", "ok"}` (plus an optional `note`); `bench/run.py` merges
them into one table. tmtui is driven from outside only: `python -m tmtui ...` subprocesses, its
HTTP listener, and (to build history) the engine's public `submit_alert`, so a refactor inside
tmtui does not break the benchmark.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
PYTHON = sys.executable
TMTUI = (PYTHON, "-m", "tmtui")
SECRET = "bench-secret-7Hq2vX9p"
ROOT_COMMISSIONS = {"default": 1.5, "NQ": 2.25, "ES": 2.25, "MNQ": 0.62, "MES": 0.62}
"""Per side per contract, as a discount broker charges; part of every benchmark config."""


@dataclass(frozen=True, slots=True)
class Figure:
    """One measured figure. `ok` is None for a figure with no target (shown for context)."""

    name: str
    value: float | None
    unit: str
    target: str | None = None
    ok: bool | None = None
    note: str = ""
    floor: str = ""
    """The same work at the least, measured in the same run (e.g. `durable 3.8 ms`)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "value": self.value,
            "unit": self.unit,
            "target": self.target,
            "ok": self.ok,
            "note": self.note,
            "floor": self.floor or None,
        }


def parse_args(description: str, extra: Sequence[tuple[str, dict[str, Any]]] = ()) -> Any:
    """The common command line: `--json PATH` plus the script's own options."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--json", type=Path, help="write the figures to this JSON file")
    for flag, options in extra:
        parser.add_argument(flag, **options)
    return parser.parse_args()


def emit(figures: Sequence[Figure], json_path: Path | None, meta: Mapping[str, Any]) -> None:
    """Print the figures for a human; write them as JSON when asked."""
    for f in figures:
        status = "—" if f.ok is None else ("ok" if f.ok else "MISS")
        target = f" (target {f.target})" if f.target else ""
        note = f"  [{f.note}]" if f.note else ""
        print(f"{f.name}: {fmt_value(f.value, f.unit)}{target} {status}{note}")
    if json_path is not None:
        document = {"figures": [f.to_json() for f in figures], "meta": dict(meta)}
        json_path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


def fmt_value(value: float | None, unit: str) -> str:
    """A figure as a person reads it: 3 significant digits, thousands separated."""
    if value is None:
        return "n/a"
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    magnitude = abs(value)
    if magnitude >= 1000 or float(value).is_integer():
        text = f"{value:,.0f}"
    elif magnitude >= 100:
        text = f"{value:.0f}"
    elif magnitude >= 10:
        text = f"{value:.1f}"
    elif magnitude >= 1:
        text = f"{value:.2f}"
    else:
        text = f"{value:.3f}"
    return f"{text} {unit}".rstrip() if unit not in ("×", "%") else f"{text}{unit}"


def log(message: str) -> None:
    """Progress goes to stderr, so stdout stays the script's result."""
    print(message, file=sys.stderr, flush=True)


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100): always a value that was actually measured."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def toml_text(sections: Mapping[str, Mapping[str, Any]]) -> str:
    """A TOML file from plain values (str, int, float, bool, lists of str)."""
    lines: list[str] = []
    for section, values in sections.items():
        lines.append(f"[{section}]")
        for key, value in values.items():
            lines.append(f"{json.dumps(key)} = {_toml_value(value)}")
        lines.append("")
    return "\n".join(lines)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"no TOML form for {value!r}")


def bench_config(
    directory: Path,
    *,
    port: int,
    ledger: Path,
    feed: Mapping[str, Any],
) -> Path:
    """Write the config every benchmarked tmtui runs with; returns its path."""
    path = directory / "config.toml"
    text = toml_text(
        {
            "listener": {
                "host": "127.0.0.1",
                "port": port,
                "secret": SECRET,
                "rate_limit_per_min": 0,
            },
            "feed": dict(feed),
            "ledger": {"path": str(ledger)},
            "commissions": ROOT_COMMISSIONS,
        }
    )
    path.write_text(text, encoding="utf-8")
    return path


def child_env(**extra: str) -> dict[str, str]:
    """The environment a measured tmtui runs in: the trader's, not a developer shell's.

    PYTHONDONTWRITEBYTECODE (set in some development shells and containers) makes every
    process recompile every module it imports, about half a second of each CLI command's
    time on two cores; an installed tmtui has its bytecode cached (pip compiles it at install,
    an editable install writes it on the first run), so the benchmark lets the cache be used.
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return env | extra


def get_json(url: str, timeout: float = 1.0) -> dict[str, Any] | None:
    """GET a JSON document; None when nothing answers (yet)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            data = json.loads(response.read())
    except (OSError, urllib.error.URLError, ValueError):
        return None
    return data if isinstance(data, dict) else None


class TmtuiProcess:
    """`tmtui run --headless` as a subprocess: timed from spawn to its first /health answer."""

    def __init__(self, config: Path, port: int, out: Path) -> None:
        self.config = config
        self.health_url = f"http://127.0.0.1:{port}/health?secret={SECRET}"  # the details
        self.webhook_url = f"http://127.0.0.1:{port}/webhook"
        self.out = out
        self._out_file = out.open("wb")
        self._err_path = out.with_suffix(".err")
        self._err_file = self._err_path.open("wb")
        self.began = time.perf_counter()
        self.proc = subprocess.Popen(
            [*TMTUI, "run", "--headless", "--config", str(config)],
            stdout=self._out_file,
            stderr=self._err_file,
            stdin=subprocess.DEVNULL,
            cwd=ROOT,
            env=child_env(),
        )

    def wait_ready(self, timeout: float = 120.0) -> float:
        """Seconds from spawn until /health answered; raises if it died or never answered."""
        deadline = self.began + timeout
        while time.perf_counter() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"tmtui exited with {self.proc.returncode}: {self.stderr_tail()}"
                )
            if get_json(self.health_url, timeout=2.0) is not None:
                return time.perf_counter() - self.began
            time.sleep(0.005)
        raise RuntimeError(f"tmtui did not answer /health within {timeout:.0f} s")

    def health(self) -> dict[str, Any] | None:
        return get_json(self.health_url)

    def memory_mb(self) -> tuple[float, float]:
        """(resident now, peak resident) in MB, from /proc."""
        fields: dict[str, float] = {}
        status = Path(f"/proc/{self.proc.pid}/status").read_text(encoding="utf-8")
        for line in status.splitlines():
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                fields[key] = int(rest.split()[0]) / 1024
        return fields["VmRSS"], fields["VmHWM"]

    def stderr_tail(self, lines: int = 5) -> str:
        self._err_file.flush()
        text = self._err_path.read_text(encoding="utf-8", errors="replace")
        return " | ".join(text.strip().splitlines()[-lines:])

    def stop(self, timeout: float = 20.0) -> int:
        """SIGTERM (a clean stop, as the trader's Ctrl-C), then SIGKILL if it hangs."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._out_file.close()
        self._err_file.close()
        return self.proc.returncode

    def __enter__(self) -> TmtuiProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class Background:
    """One of bench/servers.py's servers in its own process; `hello` is its first JSON line."""

    def __init__(self, *args: str) -> None:
        self.proc = subprocess.Popen(
            [PYTHON, str(BENCH / "servers.py"), *args],
            stdout=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
            cwd=ROOT,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            self.proc.wait()
            raise RuntimeError(
                f"bench/servers.py {' '.join(args)} exited with {self.proc.returncode}"
            )
        self.hello: dict[str, Any] = json.loads(line)

    def stop(self) -> dict[str, Any]:
        """SIGTERM; the server's last JSON line (its report), if it printed one."""
        if self.proc.poll() is not None:
            return {}
        self.proc.send_signal(signal.SIGTERM)
        try:
            rest, _ = self.proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rest, _ = self.proc.communicate()
        lines = rest.strip().splitlines()
        report: dict[str, Any] = json.loads(lines[-1]) if lines else {}
        return report

    def __enter__(self) -> Background:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def run_cli(
    args: Sequence[str], config: Path | None = None, timeout: float = 600.0
) -> tuple[float, str]:
    """Run `tmtui ARGS --config CONFIG`; (wall seconds, stdout). Raises on a non-zero exit."""
    began = time.perf_counter()
    done = subprocess.run(
        [*TMTUI, *args, *(["--config", str(config)] if config else [])],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        env=child_env(COLUMNS="200", NO_COLOR="1"),
        check=False,
    )
    seconds = time.perf_counter() - began
    if done.returncode != 0:
        tail = " | ".join(done.stderr.strip().splitlines()[-3:])
        raise RuntimeError(f"tmtui {' '.join(args)} exited with {done.returncode}: {tail}")
    return seconds, done.stdout


def machine() -> dict[str, Any]:
    """What the figures were measured on; the load average says how shared the machine was."""
    return {
        "python": sys.version.split()[0],
        "cpus": os.cpu_count(),
        "loadavg": [round(x, 2) for x in os.getloadavg()],
    }
