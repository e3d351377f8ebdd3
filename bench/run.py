"""`make bench`: every benchmark in one run, one table against the targets, one JSON file.

Runs each `bench/bench_*.py` that takes `--json PATH` (one after another: the machine has two
cores and every figure wants them), merges the figures they write
(`{"figures": [{"name", "value", "unit", "target", "ok"}, ...]}`), prints one table and writes
bench/results.json. A MISS is a finding, not a failure: the exit status is 0 unless a
benchmark itself broke. `--update-readme` puts the table in README.md's Performance section.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import BENCH, PYTHON, ROOT, fmt_value, machine

FIRST = ("bench_webhook", "bench_history", "bench_quotes")
"""Run first, in this order; any other bench_*.py follows by name."""
TIMEOUT_S = 3600.0
"""Per script: the first history run builds a 100,000-alert ledger through the engine."""
README_START = "<!-- bench:start -->"
README_END = "<!-- bench:end -->"


@dataclass(frozen=True, slots=True)
class Row:
    """One figure as the table shows it, with the script it came from."""

    bench: str
    name: str
    value: float | None
    unit: str
    target: str
    ok: bool | None
    note: str
    floor: str = ""
    """What the same work costs at the least (a floor server, the interpreter's start)."""
    broken: bool = False
    """The benchmark itself failed (crashed, timed out, wrote nonsense), not a MISS."""

    @property
    def status(self) -> str:
        if self.broken:
            return "BROKEN"
        return "—" if self.ok is None else ("ok" if self.ok else "MISS")

    def to_json(self) -> dict[str, Any]:
        return {
            "bench": self.bench,
            "name": self.name,
            "value": self.value,
            "unit": self.unit,
            "target": self.target or None,
            "ok": self.ok,
            "note": self.note,
            "floor": self.floor or None,
        }


def scripts(directory: Path, only: Sequence[str] = ()) -> list[Path]:
    """The benchmark scripts, in run order; `only` picks some by name (`history`, `quotes`)."""
    found = {p.stem: p for p in directory.glob("bench_*.py")}
    order = [n for n in FIRST if n in found] + sorted(n for n in found if n not in FIRST)
    if only:
        wanted = {n if n.startswith("bench_") else f"bench_{n}" for n in only}
        order = [n for n in order if n in wanted]
    return [found[n] for n in order]


def supports_json(script: Path) -> bool:
    return "--json" in script.read_text(encoding="utf-8")


def rows_from(bench: str, document: Any) -> list[Row]:
    """A script's figures as rows; anything malformed becomes a row saying so."""
    figures = document.get("figures") if isinstance(document, dict) else None
    if not isinstance(figures, list):
        return [_broken(bench, "wrote no figures list")]
    rows = []
    for f in figures:
        if not isinstance(f, dict) or not isinstance(f.get("name"), str):
            rows.append(_broken(bench, f"malformed figure {f!r:.80}"))
            continue
        value = f.get("value")
        unit = str(f.get("unit") or "")
        target = f.get("target")
        ok = f.get("ok")
        rows.append(
            Row(
                bench,
                f["name"],
                float(value) if isinstance(value, int | float) else None,
                unit,
                _target_text(target, unit),
                ok if isinstance(ok, bool) else None,
                str(f.get("note") or ""),
                str(f.get("floor") or ""),
            )
        )
    return rows


def _target_text(target: object, unit: str) -> str:
    if target is None or target == "":
        return ""
    if isinstance(target, int | float):
        return fmt_value(float(target), unit)
    return str(target)


def _broken(bench: str, why: str) -> Row:
    return Row(bench, f"{bench}: {why}", None, "", "runs to the end", False, "", broken=True)


def run_script(script: Path) -> tuple[list[Row], dict[str, Any]]:
    """Run one benchmark; its rows and what to record about the run."""
    bench = script.stem
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="tmtui-bench-") as tmp:
        out = Path(tmp) / "figures.json"
        try:
            done = subprocess.run(
                [PYTHON, str(script), "--json", str(out)],
                stdout=subprocess.PIPE,
                text=True,
                timeout=TIMEOUT_S,
                cwd=ROOT,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return [_broken(bench, f"timed out after {TIMEOUT_S:.0f} s")], {"exit": None}
        seconds = round(time.perf_counter() - began, 1)
        record: dict[str, Any] = {"exit": done.returncode, "seconds": seconds}
        if done.returncode != 0 or not out.exists():
            tail = " | ".join(done.stdout.strip().splitlines()[-2:])
            return [_broken(bench, f"failed (exit {done.returncode}) {tail}".strip())], record
        try:
            document = json.loads(out.read_text(encoding="utf-8"))
        except ValueError as exc:
            return [_broken(bench, f"wrote unreadable JSON ({exc})")], record
    if isinstance(document, dict) and isinstance(document.get("meta"), dict):
        record["meta"] = document["meta"]
    return rows_from(bench, document), record


def table(rows: Sequence[Row]) -> str:
    """A Markdown table: readable in a terminal, pasted as is into the README."""
    lines = ["| figure | floor | target | measured | ok |", "|---|---|---|---|---|"]
    for r in rows:
        measured = fmt_value(r.value, r.unit)
        if r.note:
            measured += f" ({r.note})"
        lines.append(
            f"| {r.name} | {r.floor or '—'} | {r.target or '—'} | {measured} | {r.status} |"
        )
    return "\n".join(lines)


def git_describe() -> str:
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return commit + ("+changes" if dirty else "")


def heading(report: dict[str, Any]) -> str:
    m = report["machine"]
    text = (
        f"`make bench` on {report['date'][:10]}, commit {report['commit']}: {m['cpus']} cores, "
        f"Python {m['python']}, load average {m['loadavg'][0]} at the start, "
        f"{report['seconds']:.0f} s in all."
    )
    if m["cpus"] and max(m["loadavg"][0], m["loadavg_end"][0]) > m["cpus"]:
        text += " The machine was busy with other work: the times are pessimistic."
    return text


def update_readme(readme: Path, text: str) -> None:
    """Replace what sits between the bench markers in the README."""
    content = readme.read_text(encoding="utf-8")
    start, end = content.find(README_START), content.find(README_END)
    if start < 0 or end < start:
        raise SystemExit(f"{readme} has no {README_START} ... {README_END} section to update")
    updated = content[: start + len(README_START)] + "\n" + text + "\n" + content[end:]
    readme.write_text(updated, encoding="utf-8")


def main(argv: Sequence[str] | None = None, directory: Path = BENCH) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("only", nargs="*", help="run only these benchmarks (e.g. history)")
    parser.add_argument("--out", type=Path, default=directory / "results.json")
    parser.add_argument("--update-readme", action="store_true", help="rewrite README's table")
    args = parser.parse_args(argv)
    began = time.perf_counter()
    report: dict[str, Any] = {
        "command": "make bench",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": git_describe(),
        "machine": machine(),
        "scripts": {},
    }
    rows: list[Row] = []
    for script in scripts(directory, args.only):
        if not supports_json(script):
            print(f"skipping {script.name}: it does not take --json", file=sys.stderr)
            continue
        print(f"running {script.name} ...", file=sys.stderr, flush=True)
        script_rows, record = run_script(script)
        rows.extend(script_rows)
        report["scripts"][script.stem] = record
    report["seconds"] = round(time.perf_counter() - began, 1)
    report["machine"]["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    report["figures"] = [r.to_json() for r in rows]
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    text = heading(report) + "\n\n" + table(rows)
    print(text)
    print(f"\nwritten to {args.out}")
    if args.update_readme:
        update_readme(ROOT / "README.md", text)
        print("README.md's Performance table updated")
    return 1 if any(r.broken for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
