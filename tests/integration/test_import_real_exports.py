"""The five real TradingView exports imported from the command line, as a trader would.

Each must import (exit 0) with every round trip's net equal to the sum of TradingView's Net
P&L of its trades to the cent (the importer's own check, which exits 3 on a difference),
leave no live position behind (the still-open last trade is the backtest's), and add
nothing when imported again.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.timeout(120)
DATA = Path(__file__).parents[1] / "data" / "tradingview-exports"
EXPORTS = {
    # file: (symbol, commission per contract per side), as SOURCES.md gives them
    "nqstats-playbook-mnq-5m.csv": ("MNQ", "0"),
    "orb-v7.1-mnq-1m.csv": ("MNQ", "0"),
    "ml-r1.3-orb-retest-mes.csv": ("MES", "0"),
    "sats-ps-mes-2y.csv": ("MES", "1.00"),
    "ema-pullback-mes.csv": ("MES", "0.62"),
}


def tmtui(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The command in its own process, with its own home (no user config is read)."""
    env = {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home)}
    env["XDG_DATA_HOME"] = str(home)
    return subprocess.run(
        [sys.executable, "-m", "tmtui", *args, "--config", str(home / "config.toml")],
        capture_output=True,
        text=True,
        timeout=90,
        env=env,
    )


def setup(home: Path, symbol: str, commission: str) -> None:
    (home / "config.toml").write_text(
        f'[ledger]\npath = "{home / "ledger.db"}"\n'
        f"[commissions]\ndefault = 0\n{symbol} = {commission}\n"
        '[feed]\nsource = "replay"\n'
    )


def import_json(home: Path, name: str, symbol: str) -> tuple[int, dict[str, Any]]:
    where = ["--symbol", symbol, "--timezone", "America/New_York"]
    result = tmtui(
        home,
        "import",
        str(DATA / name),
        "--format",
        "tradingview",
        "--strategy",
        "BT",
        *where,
        "--json",
    )
    assert result.stdout, result.stderr
    return result.returncode, json.loads(result.stdout)


def read_json(home: Path, *args: str) -> Any:
    result = tmtui(home, *args)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def closed_nets(name: str) -> list[D]:
    """TradingView's Net P&L of the file's closed trades, read with the csv module alone."""
    with (DATA / name).open(encoding="utf-8-sig", newline="") as f:
        return [
            D(r["Net P&L USD"])
            for r in csv.DictReader(f)
            if r["Type"].startswith("Exit") and r["Signal"] != "Open"
        ]


def summaries() -> dict[str, dict[str, str]]:
    """The xlsx reports' own figures (Performance and Trades analysis), by file."""
    with (DATA / "summaries.csv").open(encoding="utf-8", newline="") as f:
        return {r["file"]: r for r in csv.DictReader(f)}


@pytest.mark.parametrize("name", sorted(EXPORTS))
def test_a_real_export_imports_to_the_cent_as_a_backtest_and_leaves_nothing_live(
    name: str, tmp_path: Path
) -> None:
    symbol, commission = EXPORTS[name]
    setup(tmp_path, symbol, commission)
    code, result = import_json(tmp_path, name, symbol)
    assert code == 0, result
    assert result["mismatches"] == [] and result["checked"] == result["round_trips"] > 0
    assert result["source"] == "backtest"
    # nothing live: no position, no trade, nothing in today's totals
    assert read_json(tmp_path, "positions", "--json") == []
    assert read_json(tmp_path, "trades", "--json", "--source", "live") == []
    today = read_json(tmp_path, "report", "--json")
    assert (today["realized"], today["open"], today["trades"]) == (0, 0, 0)
    held = read_json(tmp_path, "positions", "--json", "--source", "backtest")
    assert len(held) == (1 if result["open_trades"] else 0)
    trades = read_json(tmp_path, "trades", "--json", "--limit", "0")
    assert len(trades) == result["round_trips"]
    assert {t["source"] for t in trades} == {"backtest"}
    nets = closed_nets(name)
    assert sum(D(str(t["net_pnl"])) for t in trades) == sum(nets)
    # the statistics count TradingView's trades: the file's closed trades, its summary
    (row,) = read_json(tmp_path, "strategies", "--json")
    assert (row["strategy"], row["source"], row["trades"]) == ("BT", "backtest", len(nets))
    assert D(str(row["realized_all"])) == sum(nets)
    summary = summaries().get(name)
    if summary is not None:
        assert row["trades"] == int(summary["Total trades"])
        assert D(str(row["realized_all"])) == D(summary["Net profit"])
        assert D(str(row["win_rate"])) == D(summary["Percent profitable"])
        assert -D(str(row["max_drawdown"])) == D(summary["Max equity drawdown (close-to-close)"])

    again_code, again = import_json(tmp_path, name, symbol)
    assert again_code == 0 and (again["added"], again["duplicates"]) == (0, result["added"])
    assert len(read_json(tmp_path, "trades", "--json", "--limit", "0")) == len(trades)


def shorter_copy(home: Path, name: str, keep_trades: int) -> Path:
    """The same backtest exported earlier: its first `keep_trades` trades only."""
    with (DATA / name).open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    kept = [r for r in rows[1:] if int(r[0]) <= keep_trades]
    path = home / name
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([rows[0], *kept])
    return path


def test_replace_swaps_a_backtest_and_another_file_without_it_is_refused(tmp_path: Path) -> None:
    name = "ema-pullback-mes.csv"
    setup(tmp_path, "MES", "0.62")
    older = shorter_copy(tmp_path, name, 6)
    where = ["--format", "tradingview", "--strategy", "BT", "--symbol", "MES"]
    where += ["--timezone", "America/New_York"]
    assert tmtui(tmp_path, "import", str(older), *where).returncode == 0
    assert len(read_json(tmp_path, "trades", "--json")) == 6
    refused = tmtui(tmp_path, "import", str(DATA / name), *where)
    assert refused.returncode == 1
    assert refused.stderr.count("\n") == 1 and "--replace" in refused.stderr
    assert len(read_json(tmp_path, "trades", "--json")) == 6
    swapped = tmtui(tmp_path, "import", str(DATA / name), *where, "--replace")
    assert swapped.returncode == 0, swapped.stderr
    trades = read_json(tmp_path, "trades", "--json")
    assert len(trades) == 11 and sum(D(str(t["net_pnl"])) for t in trades) == D("-154.89")


def test_strategies_show_backtest_and_live_side_by_side(tmp_path: Path) -> None:
    name = "ema-pullback-mes.csv"
    setup(tmp_path, "MES", "0.62")
    assert import_json(tmp_path, name, "MES")[0] == 0
    alerts = [  # live BT traded one round trip on the backtest's last day: +2 points
        {"action": "buy", "ticker": "MES1!", "contracts": 1, "price": "7170.00",
         "strategy": "BT", "time": "2026-04-30T15:00:00Z"},
        {"action": "sell", "ticker": "MES1!", "contracts": 1, "price": "7172.00",
         "strategy": "BT", "time": "2026-04-30T15:30:00Z"},
    ]  # fmt: skip
    path = tmp_path / "live.jsonl"
    path.write_text("".join(json.dumps(a) + "\n" for a in alerts))
    done = tmtui(tmp_path, "import", str(path), "--format", "jsonl")
    assert done.returncode == 0, done.stderr
    rows = {r["source"]: r for r in read_json(tmp_path, "strategies", "--json")}
    assert set(rows) == {"live", "backtest"}
    live, test = rows["live"], rows["backtest"]
    assert live["trades"] == 1 and D(str(live["realized_all"])) == D("8.76")
    assert "backtest" not in test and test["trades"] == 11
    both = live["backtest"]
    assert (both["first_day"], both["last_day"]) == ("2026-04-30", "2026-04-30")
    assert both["live"]["trades"] == 1 and D(str(both["live"]["net"])) == D("8.76")
    with (DATA / name).open(encoding="utf-8-sig", newline="") as f:
        that_day = [  # the backtest's trades closed that (New York, daytime) trading day
            D(r["Net P&L USD"])
            for r in csv.DictReader(f)
            if r["Type"].startswith("Exit") and r["Date and time"].startswith("2026-04-30")
        ]
    assert both["backtest"]["trades"] == len(that_day) > 1
    assert D(str(both["backtest"]["net"])) == sum(that_day)
    only_live = read_json(tmp_path, "strategies", "--json", "--source", "live")
    assert [r["source"] for r in only_live] == ["live"]
    report = read_json(tmp_path, "report", "--json", "--day", "2026-04-30")
    assert D(str(report["realized"])) == D("8.76")  # the backtest's day is not the account's


def test_a_wrong_commission_is_named_per_round_trip_and_exits_3(tmp_path: Path) -> None:
    setup(tmp_path, "MES", "0")  # the export was made with 0.62 a contract a side
    code, result = import_json(tmp_path, "ema-pullback-mes.csv", "MES")
    assert code == 3 and result["checked"] == 11 and len(result["mismatches"]) == 11
    assert result["mismatches"][0] == (
        "round trip 1 (TradingView #1): net -30.00, TradingView -31.24"
    )
