"""The command line: help, config init/path, and the read commands' JSON contract."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from decimal import Decimal as D
from pathlib import Path

import pytest
from helpers import alert

from tmtui.ledger.store import Ledger
from tmtui.runtime.engine import Engine
from tmtui.services.feeds.base import Quote
from tmtui.settings.config import load_config

POSITION_FIELDS = [
    "strategy",
    "symbol",
    "side",
    "qty",
    "avg_price",
    "last_price",
    "open_pnl",
    "trade_drawdown",
    "trade_runup",
    "stale",
    "drift",
    "route",
    "contract",
]
TRADE_FIELDS = [
    "strategy",
    "symbol",
    "side",
    "qty",
    "entry_time",
    "exit_time",
    "entry_price",
    "exit_price",
    "pnl",
    "commission",
    "net_pnl",
    "mae",
    "mfe",
    "source",
]
REPORT_FIELDS = [
    "day",
    "realized",
    "open",
    "total",
    "max_mtm",
    "min_mtm",
    "max_drawdown",
    "trades",
    "unmarked",
]


def tmtui(*args: str, env_config: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tmtui", *args], capture_output=True, text=True, timeout=30
    )


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(f'[ledger]\npath = "{tmp_path / "ledger.db"}"\n[commissions]\ndefault = 1.25\n')
    return path


def read_json(*args: str) -> object:
    result = tmtui(*args)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)  # exactly one document, or this fails


def test_help_exits_zero() -> None:
    result = tmtui("--help")
    assert result.returncode == 0
    for command in ("run", "signal", "positions", "trades", "report", "calendar", "config"):
        assert command in result.stdout


def test_config_init_writes_once(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "config.toml"
    first = tmtui("config", "init", "--config", str(target))
    assert first.returncode == 0 and target.exists()
    assert "[listener]" in target.read_text()
    load_config(target)  # the written example is valid
    second = tmtui("config", "init", "--config", str(target))
    assert second.returncode == 1 and "already exists" in second.stderr
    assert tmtui("config", "path", "--config", str(target)).stdout.strip() == str(target)


async def make_empty_ledger(config_file: Path) -> None:
    ledger = await Ledger.open(load_config(config_file).ledger.resolved_path())
    await ledger.close()


def test_read_commands_never_create_a_ledger(config_file: Path, tmp_path: Path) -> None:
    config_file.write_text(f'[ledger]\npath = "{tmp_path / "missing" / "ledger.db"}"\n')
    for command in ("positions", "trades", "report", "calendar"):
        result = tmtui(command, "--config", str(config_file), "--json")
        assert result.returncode == 1, result
        assert result.stdout == ""
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert "no ledger at" in result.stderr and "tmtui run" in result.stderr
    assert not (tmp_path / "missing").exists()


async def test_read_commands_on_empty_ledger(config_file: Path) -> None:
    await make_empty_ledger(config_file)
    c = ("--config", str(config_file))
    assert read_json("positions", *c, "--json") == []
    assert read_json("trades", *c, "--json") == []
    assert read_json("calendar", *c, "--json") == []
    report = read_json("report", *c, "--json")
    assert list(report) == REPORT_FIELDS
    assert report["realized"] == 0 and report["trades"] == 0
    for command in ("positions", "trades", "report", "calendar"):
        result = tmtui(command, *c)
        assert result.returncode == 0, result.stderr


def test_bad_config_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[listener]\nprot = 1\n")
    result = tmtui("positions", "--config", str(bad), "--json")
    assert result.returncode == 2
    assert "listener.prot" in result.stderr and result.stdout == ""


async def test_read_commands_on_populated_ledger(config_file: Path) -> None:
    config = load_config(config_file)
    engine = Engine(config, await Ledger.open(config.ledger.resolved_path()))
    await engine.start()
    now = datetime.now(UTC)
    await engine.submit_alert(alert("buy", "ES1!", 7, "4050.25", strategy="Avg"))
    await engine.submit_alert(alert("buy", "ES1!", 0 + 1, "4050.5", strategy="Avg"))
    await engine.submit_alert(alert("buy", "NQ1!", 1, "25600", strategy="ORB"))
    engine.on_quote(Quote("CME_MINI:NQ1!", D("25650"), received=now))
    await engine.submit_alert(alert("close", "NQ1!", None, None, strategy="ORB"))
    await engine.submit_alert(alert("buy", "6E1!", 1, "1.08765", strategy="FX"))
    engine.on_quote(Quote("CME:6E1!", D("1.08770"), received=now))
    await engine.flush()
    c = ("--config", str(config_file), "--json")
    # while the engine still holds the ledger open, as `tmtui run` would
    positions = read_json("positions", *c)
    assert all(list(p) == POSITION_FIELDS for p in positions)
    by_symbol = {p["symbol"]: p for p in positions}
    es = by_symbol["ES"]
    assert es["side"] == "long" and es["qty"] == 8
    es_avg = (7 * D("4050.25") + D("4050.5")) / 8
    assert D(str(es["avg_price"])) == es_avg
    assert es["last_price"] is None and es["open_pnl"] is None and es["stale"] is True
    fx = by_symbol["6E"]
    assert fx["last_price"] == 1.0877 and fx["open_pnl"] == 6.25 and fx["stale"] is False

    trades = read_json("trades", *c)
    assert len(trades) == 1 and list(trades[0]) == TRADE_FIELDS
    t = trades[0]
    assert (t["symbol"], t["side"], t["qty"]) == ("NQ", "long", 1)
    assert (t["entry_price"], t["exit_price"]) == (25600, 25650)
    assert (t["pnl"], t["commission"], t["net_pnl"]) == (1000, 2.5, 997.5)
    assert t["mfe"] == 1000 and t["mae"] == 0
    assert datetime.fromisoformat(t["exit_time"]).utcoffset() is not None

    report = read_json("report", *c)
    # realized: 1000 gross − commissions on every fill today (8 ES + 2 NQ + 1 6E) × 1.25
    assert report["realized"] == 1000 - 11 * 1.25
    assert report["trades"] == 1
    # ES has no price yet: the open P&L and the total are unknown, never 0 or 6E's alone
    assert report["open"] is None and report["total"] is None and report["unmarked"] == 1
    assert report["max_drawdown"] <= 0
    assert "1 position(s) with no price yet" in tmtui("report", *c[:2]).stdout

    engine.on_quote(Quote("CME_MINI:ES1!", D("4050.25"), received=now))
    await engine.flush()
    report = read_json("report", *c)
    assert report["unmarked"] == 0
    assert report["open"] == 6.25 - 12.5  # 6E +6.25; ES 8 × 50 × (4050.25 − 4050.28125)
    assert report["total"] == round(report["realized"] + report["open"], 2)
    assert report["max_mtm"] >= report["total"] >= report["min_mtm"]

    calendar = read_json("calendar", *c)
    assert len(calendar) == 1 and calendar[0]["trades"] == 1
    assert calendar[0]["net_pnl"] == report["realized"]
    assert calendar[0]["day"] == report["day"]
    past = read_json("report", *c[:2], "--json", "--day", "2020-01-02")
    assert past["trades"] == 0 and past["realized"] == 0
    table = tmtui("positions", "--config", str(config_file))
    assert "ES" in table.stdout and "6E" in table.stdout
    await engine.stop()


def wide(*args: str, columns: int = 160) -> str:
    """A read command's table as a terminal `columns` wide would show it."""
    env = {**os.environ, "COLUMNS": str(columns)}
    result = subprocess.run(
        [sys.executable, "-m", "tmtui", *args], capture_output=True, text=True, timeout=30, env=env
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def table_rows(output: str) -> list[list[str]]:
    """The cells of a Rich table's body rows (box characters as separators)."""
    rows = []
    for line in output.splitlines():
        if line.startswith("│"):
            rows.append([cell for cell in line.strip("│").split("│")])
    return rows


async def test_tables_read_like_the_screen(config_file: Path) -> None:
    config = load_config(config_file)
    engine = Engine(config, await Ledger.open(config.ledger.resolved_path()))
    await engine.start()
    try:
        await check_tables(engine, config_file)
    finally:
        await engine.stop()


async def check_tables(engine: Engine, config_file: Path) -> None:
    for strategy, ticker, price in (
        ("beta", "NQ1!", "25600"),
        ("Alpha", "CL1!", "70.4"),
        ("alpha", "6E1!", "1.1"),
        ("Beta", "ES1!", "6800"),
    ):
        await engine.submit_alert(alert("buy", ticker, 1, price, strategy=strategy))
    engine.on_quote(Quote("CME_MINI:NQ1!", D("25601"), received=datetime.now(UTC)))
    await engine.submit_alert(alert("close", "NQ1!", None, "26850", strategy="beta"))
    await engine.flush()
    c = ("--config", str(config_file))
    rows = table_rows(wide("positions", *c))
    assert [(r[0].strip(), r[1].strip()) for r in rows] == [
        ("alpha", "6E"),
        ("Alpha", "CL"),
        ("Beta", "ES"),
    ]  # by strategy then symbol, ignoring case, as on the screen
    cl = rows[1]
    assert cl[4].endswith(" 70.40 ") and cl[4].startswith("   ")  # tick decimals, right-aligned
    assert rows[0][4].strip() == "1.10000" and rows[2][4].strip() == "6800.00"
    assert rows[2][6].strip() == "—"  # never quoted: no figure, not zero

    trade = table_rows(wide("trades", *c))[0]
    narrow = table_rows(wide("positions", *c, columns=60))
    assert any("1.10000" in cell for row in narrow for cell in row)  # text folds, not numbers
    entry, exit_, pnl, comm, net = (trade[i] for i in (5, 6, 7, 8, 9))
    assert (entry.strip(), exit_.strip()) == ("25600.00", "26850.00")
    assert pnl.strip() == "+25,000.00"
    assert comm.strip() == "-2.50" and net.strip() == "+24,997.50"
    assert trade[4] == "   1 "  # Qty right-aligned under its header, like every number
