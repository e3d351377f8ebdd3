"""The history commands from outside: flags, month grid, strategies, export and import."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from datetime import datetime
from decimal import Decimal as D
from pathlib import Path

import pytest
from tv_files import LEGS, OPEN_ENTRY, OPEN_ROW, ROUND_TRIPS, tv_net, write_new

from tmtui.ledger.instance_lock import InstanceLock
from tmtui.ledger.store import Ledger
from tmtui.settings.config import load_config

pytestmark = pytest.mark.timeout(120)
PERIOD_FIELDS = ["from", "to", "realized", "open", "total", "max_mtm", "min_mtm",
                 "max_drawdown", "trades", "unmarked"]  # fmt: skip


def tmtui(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The command in its own process, on a terminal as wide as a trader's (160 columns)."""
    return subprocess.run(
        [sys.executable, "-m", "tmtui", *args, "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "COLUMNS": "160"},
    )


def read_json(config: Path, *args: str) -> object:
    result = tmtui(config, *args)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[ledger]\npath = "{tmp_path / "ledger.db"}"\n[commissions]\nMNQ = 0.62\n'
        '[session]\ntimezone = "America/Chicago"\n'
    )
    return path


@pytest.fixture
def imported(config_file: Path, tmp_path: Path) -> Path:
    """A ledger holding the hand-written TradingView export, imported from the command line."""
    path = write_new(tmp_path / "ORB_CME_MINI_MNQ1!_2026-01-07.csv", [*LEGS, OPEN_ENTRY, OPEN_ROW])
    result = tmtui(config_file, "import", str(path), "--strategy", "ORB", "--timezone",
                   "America/New_York")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "17 signal(s) recorded, 7 round trip(s) closed" in result.stdout
    assert "all 7 round trip(s) match TradingView's Net P&L to the cent" in result.stdout
    return config_file


def test_import_reports_and_is_idempotent(imported: Path, tmp_path: Path) -> None:
    path = tmp_path / "ORB_CME_MINI_MNQ1!_2026-01-07.csv"
    again = read_json(imported, "import", str(path), "--strategy", "ORB", "--timezone",
                      "America/New_York", "--json")  # fmt: skip
    assert again == {
        "file": path.name, "format": "tradingview", "added": 0, "ignored": 0,
        "duplicates": 17, "skipped": 0, "round_trips": 0, "strategies": ["ORB"], "checked": 0,
        "mismatches": [], "source": "backtest", "open_trades": 1,
    }  # fmt: skip


def test_import_refusals_are_one_clear_error(config_file: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"action": "buy", "ticker": "NQ1!", "contracts": 1}\nnot json\n')
    result = tmtui(config_file, "import", str(bad))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "nothing imported, 2 problem(s)" in result.stderr
    assert "line 1: the alert has no time" in result.stderr and "line 2:" in result.stderr
    assert tmtui(config_file, "import", str(tmp_path / "missing.csv")).returncode == 2
    tv = write_new(tmp_path / "x.csv", LEGS)
    no_strategy = tmtui(config_file, "import", str(tv))
    assert no_strategy.returncode == 1 and "--strategy" in no_strategy.stderr


def test_a_commission_mismatch_exits_3(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text(f'[ledger]\npath = "{tmp_path / "l.db"}"\n[commissions]\nMNQ = 0.5\n')
    tv = write_new(tmp_path / "x.csv", LEGS)
    result = tmtui(config, "import", str(tv), "--strategy", "S", "--symbol", "MNQ1!",
                   "--timezone", "America/New_York")  # fmt: skip
    assert result.returncode == 3
    assert "7 of 7 round trip(s) differ from TradingView" in result.stderr


def test_trades_report_calendar_flags(imported: Path) -> None:
    c = imported
    every = read_json(c, "trades", "--json")
    assert [D(str(t["net_pnl"])) for t in every] == [tv_net(n) for n in ROUND_TRIPS]
    monday = read_json(c, "trades", "--json", "--from", "2026-01-05", "--to", "2026-01-05")
    assert len(monday) == 6
    assert read_json(c, "trades", "--json", "--strategy", "nope") == []
    assert len(read_json(c, "trades", "--json", "--symbol", "MNQZ2026", "--strategy", "ORB")) == 7
    assert len(read_json(c, "trades", "--json", "--limit", "2")) == 2
    limited = tmtui(c, "trades", "--json", "--limit", "2")
    assert "showing the newest 2 of 7 trades" in limited.stderr
    table = tmtui(c, "trades", "--from", "2026-01-05")
    assert "7 trades · win rate" in table.stdout.replace("\n", " ")

    period = read_json(
        c, "report", "--json", "--from", "2026-01-05", "--to", "2026-01-06", "--source", "backtest"
    )
    assert list(period) == PERIOD_FIELDS
    net = sum((tv_net(n) for n in ROUND_TRIPS), D(0))
    assert D(str(period["realized"])) == net  # the closed trades only, as TradingView's Net Profit
    assert period["trades"] == 7
    day = read_json(
        c, "report", "--json", "--day", "2026-01-06", "--strategy", "ORB", "--source", "backtest"
    )
    assert day["day"] == "2026-01-06" and day["trades"] == 1
    assert D(str(day["realized"])) == tv_net([9]) + D("0.62")  # its entry commission: Monday

    days = read_json(c, "calendar", "--json", "--month", "2026-01", "--source", "backtest")
    assert [d["day"] for d in days] == ["2026-01-05", "2026-01-06"]
    assert sum(D(str(d["net_pnl"])) for d in days) == D(str(period["realized"]))
    ranged = read_json(
        c, "calendar", "--json", "--from", "2026-01-06", "--to", "2026-01-31",
        "--source", "backtest",
    )  # fmt: skip
    assert [d["day"] for d in ranged] == ["2026-01-06"]
    grid = tmtui(c, "calendar", "--month", "2026-01", "--source", "backtest")
    assert grid.returncode == 0, grid.stderr
    for text in ("P&L calendar January 2026", "Mon", "Fri", "Week", "6 trades", "Month"):
        assert text in grid.stdout
    bad = tmtui(c, "report", "--day", "2026-01-05", "--from", "2026-01-01")
    assert bad.returncode == 2 and "either --day or --from/--to" in bad.stderr


def test_strategies_command(imported: Path) -> None:
    (orb,) = read_json(imported, "strategies", "--json")
    assert orb["strategy"] == "ORB" and orb["imported"] is True and orb["enabled"] is True
    assert orb["source"] == "backtest"  # the export is ORB's backtest, its open trade there
    assert orb["positions"] == [{"symbol": "MNQ", "side": "long", "qty": 1}]
    assert read_json(imported, "positions", "--json") == []  # never live
    assert orb["trades"] == 9  # TradingView's closed trades, one per entry lot
    assert D(str(orb["realized_all"])) == sum((tv_net(n) for n in ROUND_TRIPS), D(0))
    table = tmtui(imported, "strategies")
    assert "ORB" in table.stdout and "backtest" in table.stdout


def test_export_round_trips(imported: Path, tmp_path: Path) -> None:
    c = imported
    result = tmtui(c, "export", "--format", "csv", "--what", "trades")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [D(r["net_pnl"]) for r in rows] == [tv_net(n) for n in ROUND_TRIPS]
    for r in rows:
        assert D(r["pnl"]) - D(r["commission"]) == D(r["net_pnl"])
        assert datetime.fromisoformat(r["exit_time"]).utcoffset() is not None
        assert "," not in r["pnl"] and "E" not in r["pnl"]
    config = load_config(c)

    async def ledger_trades() -> list[object]:
        async with await Ledger.open(config.ledger.resolved_path()) as ledger:
            return await ledger.trades(source="backtest")

    import asyncio

    stored = asyncio.run(ledger_trades())
    assert [(int(r["trade_id"]), D(r["entry_price"]), D(r["exit_price"]), D(r["mae"]))
            for r in rows] == [(t.trade_id, t.entry_price, t.exit_price, t.mae)  # type: ignore[attr-defined]
                               for t in stored]  # fmt: skip

    out = tmp_path / "fills.json"
    written = tmtui(c, "export", "--format", "json", "--what", "fills", "-o", str(out))
    assert written.returncode == 0 and "wrote 17 fills row(s)" in written.stderr
    fills = json.loads(out.read_text())
    assert len(fills) == 17 and not (tmp_path / "fills.json.partial").exists()
    assert sum(D(str(f["realized"])) - D(str(f["commission"])) for f in fills) == sum(
        (tv_net(n) for n in ROUND_TRIPS), D(0)
    )

    daily = list(csv.DictReader(io.StringIO(
        tmtui(c, "export", "--what", "daily", "--from", "2026-01-06").stdout)))  # fmt: skip
    assert [(r["day"], D(r["net_pnl"]), r["source"]) for r in daily] == [
        ("2026-01-06", tv_net([9]) + D("0.62"), "backtest")
    ]
    signals = read_json(c, "export", "--format", "json", "--what", "signals")
    assert signals == []  # a backtest is no signals: the file is its record
    assert read_json(c, "export", "--format", "json", "--source", "live") == []
    assert (
        read_json(c, "export", "--format", "json", "--what", "trades", "--to", "2026-01-02") == []
    )
    bad = tmtui(c, "export", "--what", "orders")
    assert bad.returncode == 2 and "--what must be one of" in bad.stderr


def test_import_waits_for_no_running_tmtui(config_file: Path, tmp_path: Path) -> None:
    config = load_config(config_file)
    path = write_new(tmp_path / "x.csv", LEGS)
    with InstanceLock.acquire(config.ledger.resolved_path()):  # as `tmtui run` holds it
        busy = tmtui(config_file, "import", str(path), "--strategy", "S", "--symbol", "MNQ1!")
    assert busy.returncode == 1 and "in use by another tmtui" in busy.stderr
    free = tmtui(config_file, "import", str(path), "--strategy", "S", "--symbol", "MNQ1!")
    assert free.returncode == 0, free.stderr
