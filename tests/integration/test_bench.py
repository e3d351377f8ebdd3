"""The benchmark's own machinery (never its timings: speed lives in `make bench` only).

The history generator must produce alerts the engine accepts as intended (otherwise the
benchmark measures a ledger of rejections), and the runner must merge any script's figures,
skip scripts without `--json` and report a broken script as broken rather than as a MISS.
"""

from __future__ import annotations

import itertools
import json
import random
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

import alerts  # noqa: E402
import bench_history  # noqa: E402
import harness  # noqa: E402
import run as bench_run  # noqa: E402


async def test_generated_history_is_applied_as_intended(tmp_path: Path) -> None:
    """Two trading days through the engine: every alert's outcome is the one planned."""
    ledger = tmp_path / "ledger.db"
    config = bench_history.history_config(tmp_path, ledger)
    meta = await bench_history.build_history(ledger, config, 1200)
    assert meta["unexpected"] == {}
    assert meta["drift_events"] == 0
    assert sum(meta["outcomes"].values()) == 1200
    assert meta["outcomes"]["accepted"] > 1100
    assert meta["trading_days"] >= 2


def test_generated_history_is_deterministic_and_in_time_order() -> None:
    first = list(alerts.history(3000))
    again = list(alerts.history(3000))
    assert [a.body("s") for a in first] == [a.body("s") for a in again]
    assert all(a.received <= b.received for a, b in itertools.pairwise(first))
    assert all(a.day <= b.day for a, b in itertools.pairwise(first))
    kinds = {a.expect for a in first}
    assert kinds == {"accepted", "duplicate", "ignored", "rejected"}
    for dup in (a for a in first if a.expect == "duplicate"):
        assert any(o.body("s") == dup.body("s") and o.expect == "accepted" for o in first)


def test_every_round_trip_ends_flat() -> None:
    rng = random.Random(5)
    for lane in alerts.LANES:
        for _ in range(50):
            orders = alerts.round_trip(rng, lane)
            assert orders[-1].position == 0
            assert all(o.qty >= 1 for o in orders)


def test_percentile_is_a_measured_value() -> None:
    values = [float(v) for v in range(100, 0, -1)]
    assert harness.percentile(values, 50) == 50.0
    assert harness.percentile(values, 99) == 99.0
    assert harness.percentile(values, 100) == 100.0
    assert harness.percentile([7.0], 99) == 7.0
    with pytest.raises(ValueError):
        harness.percentile([], 50)


def _script(directory: Path, name: str, body: str) -> None:
    (directory / name).write_text(body, encoding="utf-8")


def test_runner_merges_figures_and_reports_a_broken_script(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    figures = [
        {"name": "screen latency", "value": 12.5, "unit": "ms", "target": "≤ 50 ms", "ok": True},
        {"name": "cpu under load", "value": 0.9, "unit": "cores", "target": 0.5, "ok": False},
        {"name": "context", "value": 3, "unit": "", "target": None, "ok": None},
    ]
    writer = (
        "import json, sys\n"
        "path = sys.argv[sys.argv.index('--json') + 1]\n"
        f"json.dump({{'figures': {figures!r}}}, open(path, 'w'))\n"
    )
    _script(tmp_path, "bench_screen.py", writer)
    _script(tmp_path, "bench_old.py", "print('no json here')\n")
    _script(tmp_path, "bench_crash.py", "# takes --json\nraise SystemExit(3)\n")
    out = tmp_path / "results.json"
    code = bench_run.main(["--out", str(out)], directory=tmp_path)
    assert code == 1  # a broken benchmark is a failure; a MISS is not
    report = json.loads(out.read_text(encoding="utf-8"))
    names = [f["name"] for f in report["figures"] if f["bench"] == "bench_screen"]
    assert names == ["screen latency", "cpu under load", "context"]
    crash = [f for f in report["figures"] if f["bench"] == "bench_crash"]
    assert len(crash) == 1 and crash[0]["name"].startswith("bench_crash: failed (exit 3)")
    assert "bench_old" not in report["scripts"]
    printed = capsys.readouterr().out
    assert "| bench_crash: failed (exit 3) | runs to the end | n/a | BROKEN |" in printed
    assert "| screen latency | ≤ 50 ms | 12.5 ms | ok |" in printed
    assert "| cpu under load | 0.500 cores | 0.900 cores | MISS |" in printed
    assert "| context | — | 3 | — |" in printed


def test_runner_exits_zero_when_figures_miss(tmp_path: Path) -> None:
    figure = {"name": "slow", "value": 9.0, "unit": "s", "target": "< 1 s", "ok": False}
    _script(
        tmp_path,
        "bench_slow.py",
        "import json, sys\n"
        "path = sys.argv[sys.argv.index('--json') + 1]\n"
        f"json.dump({{'figures': [{figure!r}]}}, open(path, 'w'))\n",
    )
    assert bench_run.main(["--out", str(tmp_path / "r.json")], directory=tmp_path) == 0


def test_readme_table_is_replaced_between_the_markers(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    start, end = bench_run.README_START, bench_run.README_END
    readme.write_text(f"# x\n\n## Performance\n{start}\nold table\n{end}\nrest\n", encoding="utf-8")
    bench_run.update_readme(readme, "| new |")
    text = readme.read_text(encoding="utf-8")
    assert "old table" not in text
    assert f"{bench_run.README_START}\n| new |\n{bench_run.README_END}\nrest\n" in text
