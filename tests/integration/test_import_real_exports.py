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


@pytest.mark.parametrize("name", sorted(EXPORTS))
def test_a_real_export_imports_to_the_cent_and_leaves_nothing_live(
    name: str, tmp_path: Path
) -> None:
    symbol, commission = EXPORTS[name]
    setup(tmp_path, symbol, commission)
    code, result = import_json(tmp_path, name, symbol)
    assert code == 0, result
    assert result["mismatches"] == [] and result["checked"] == result["round_trips"] > 0
    assert read_json(tmp_path, "positions", "--json") == []
    trades = read_json(tmp_path, "trades", "--json", "--limit", "0")
    assert len(trades) == result["round_trips"]
    nets = closed_nets(name)
    assert sum(D(str(t["net_pnl"])) for t in trades) == sum(nets)
    # each closed trade's entry lot is one signal; the open trade's entry is none
    signals = read_json(tmp_path, "export", "--what", "signals", "--format", "json")
    assert len(signals) == result["added"]
    assert sum(1 for s in signals if s["alert_id"].endswith("e")) == len(nets)

    again_code, again = import_json(tmp_path, name, symbol)
    assert again_code == 0 and (again["added"], again["duplicates"]) == (0, result["added"])


def test_a_wrong_commission_is_named_per_round_trip_and_exits_3(tmp_path: Path) -> None:
    setup(tmp_path, "MES", "0")  # the export was made with 0.62 a contract a side
    code, result = import_json(tmp_path, "ema-pullback-mes.csv", "MES")
    assert code == 3 and result["checked"] == 11 and len(result["mismatches"]) == 11
    assert result["mismatches"][0] == (
        "round trip 1 (TradingView #1): net -30.00, TradingView -31.24"
    )
