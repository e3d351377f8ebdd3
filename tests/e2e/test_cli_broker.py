"""`tmtui import --format <broker>` and `tmtui reconcile` from outside, in their own process.

The reconcile ledger is built by hand from the command line: alerts imported as history
(tmtui import alerts.jsonl), the broker's fills imported from a NinjaTrader 8 Executions
export written from its documented columns. Every expected figure is computed by hand in the
comments next to it.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest

from tmtui.ledger.instance_lock import InstanceLock
from tmtui.settings.config import load_config

pytestmark = pytest.mark.timeout(120)
EXPORTS = Path(__file__).parents[1] / "data" / "broker-exports"
NT_HEADER = "Instrument,Action,Quantity,Price,Time,ID,E/X,Position,Order ID,Name,Commission,Account"


def tmtui(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tmtui", *args, "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "COLUMNS": "160"},
    )


def read_json(config: Path, *args: str) -> Any:
    result = tmtui(config, *args)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout, parse_float=D)


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[ledger]\npath = "{tmp_path / "ledger.db"}"\n[session]\ntimezone = "America/Chicago"\n'
    )
    return path


def broker_rows(config: Path) -> list[tuple[Any, ...]]:
    db = load_config(config).ledger.resolved_path()
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "SELECT source, account, contract, side, qty, price, time FROM broker_fills ORDER BY"
            " time, key"
        ).fetchall()


# --- import --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "name", "fills", "skipped", "accounts"),
    [
        ("tradovate", "tradovate-orders.csv", 3, 1, ["DEMO1234"]),
        ("ninjatrader", "ninjatrader-executions.csv", 4, 0, ["Sim101"]),
        ("ninjatrader", "ninjatrader-executions-iso.csv", 2, 0, ["APEX-50K"]),
        ("rithmic", "rithmic-completed-orders.csv", 3, 1, ["APEX-111"]),
        ("topstepx", "topstepx-orders.csv", 2, 1, ["50KTC-V2-111-222"]),
    ],
)
def test_each_export_imports_once(
    config_file: Path, fmt: str, name: str, fills: int, skipped: int, accounts: list[str]
) -> None:
    path = str(EXPORTS / name)
    first = read_json(config_file, "import", path, "--format", fmt, "--json")
    assert first == {
        "file": name, "format": fmt, "fills": fills, "added": fills, "duplicates": 0,
        "skipped": skipped, "accounts": accounts,
    }  # fmt: skip
    again = read_json(config_file, "import", path, "--format", fmt, "--json")
    assert (again["added"], again["duplicates"]) == (0, fills)
    assert len(broker_rows(config_file)) == fills


def test_a_ninjatrader_8_executions_export_is_recorded_as_broker_fills(config_file: Path) -> None:
    result = tmtui(config_file, "import", str(EXPORTS / "ninjatrader-executions.csv"),
                   "--format", "ninjatrader")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "4 broker fill(s) recorded, 0 already recorded; account(s): Sim101" in result.stdout
    # Windows en-US times in the trader's zone (session.timezone): 9:30:01 AM CDT = 14:30:01Z
    assert broker_rows(config_file) == [
        ("ninjatrader-executions", "Sim101", "MESM5", "sell", 3, "5630.75",
         "2025-03-14T05:00:00.000000+00:00"),
        ("ninjatrader-executions", "Sim101", "NQM5", "buy", 2, "19850.25",
         "2025-03-14T14:30:01.000000+00:00"),
        ("ninjatrader-executions", "Sim101", "NQM5", "sell", 1, "19861.50",
         "2025-03-14T17:05:10.000000+00:00"),
        ("ninjatrader-executions", "Sim101", "NQM5", "sell", 1, "19840.00",
         "2025-03-14T18:15:44.000000+00:00"),
    ]  # fmt: skip
    db = load_config(config_file).ledger.resolved_path()
    with sqlite3.connect(db) as conn:  # beside the signals, never in them
        assert conn.execute("SELECT COUNT(*) FROM signals").fetchone() == (0,)
        assert conn.execute("SELECT COUNT(*) FROM fills").fetchone() == (0,)


def test_bad_rows_are_named_by_line_and_nothing_is_recorded(
    config_file: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "executions.csv"
    bad.write_text(
        f"{NT_HEADER}\n"
        "NQ 12-26,Buy,1,21000.25,12/08/2026 9:30:01 AM,a1,Entry,1 L,o1,Entry,$2.48,Sim101\n"
        "NQ 12-26,Buy,1,lots,12/08/2026 9:31:01 AM,a2,Entry,2 L,o2,Entry,$2.48,Sim101\n"
        "NQ 12-26,Sell,2,21001.00,someday,a3,Exit,-,o3,Exit,$2.48,Sim101\n"
    )
    result = tmtui(config_file, "import", str(bad), "--format", "ninjatrader")
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert lines[0] == "error: executions.csv: nothing imported, 2 problem(s):"
    assert lines[1].strip().startswith("line 3: ") and "lots" in lines[1]
    assert lines[2].strip().startswith("line 4: ") and "someday" in lines[2]
    assert len(lines) == 3 and "Traceback" not in result.stderr
    assert not load_config(config_file).ledger.resolved_path().exists()


def test_refused_while_tmtui_run_holds_the_ledger(config_file: Path) -> None:
    path = str(EXPORTS / "tradovate-orders.csv")
    with InstanceLock.acquire(load_config(config_file).ledger.resolved_path()):
        busy = tmtui(config_file, "import", path, "--format", "tradovate")
    assert busy.returncode == 1 and "in use by another tmtui" in busy.stderr
    free = tmtui(config_file, "import", path, "--format", "tradovate")
    assert free.returncode == 0, free.stderr


def test_flags_that_do_not_fit_the_format_are_one_line(config_file: Path) -> None:
    path = str(EXPORTS / "tradovate-orders.csv")
    for args, says in (
        (("--format", "ibkr"), "--format must be one of jsonl, tradingview, tradovate"),
        (("--format", "tradovate", "--strategy", "S"), "--strategy and --symbol are for"),
        (("--account", "A"), "--account is for a broker's export"),
    ):
        result = tmtui(config_file, "import", path, *args)
        assert result.returncode == 2 and says in result.stderr, result.stderr
        assert len(result.stderr.splitlines()) == 1


# --- reconcile -----------------------------------------------------------------------------

ALERTS = [  # trading day 2026-12-08 (Tuesday); Chicago is UTC-6 in December
    {"action": "buy", "ticker": "NQ1!", "contracts": 2, "price": "21000.00", "strategy": "ORB",
     "time": "2026-12-08T15:30:00+00:00"},
    {"action": "close", "ticker": "NQ1!", "price": "21010.00", "strategy": "ORB",
     "time": "2026-12-08T16:00:00+00:00"},
    {"action": "buy", "ticker": "MES1!", "contracts": 3, "price": "6000.00", "strategy": "Trend",
     "time": "2026-12-08T17:00:00+00:00"},
]  # fmt: skip
EXECUTIONS = [  # ISO times with an offset
    # ORB's buy: 2 at 0.50 above the signal, 1.25 s later
    "NQ 12-26,Buy,2,21000.50,2026-12-08T15:30:01.250+00:00,x1,Entry,2 L,o1,Entry,4.20,Sim101",
    # ORB's close: only 1 of 2 filled, 0.25 below the signal (a sell: a cost), 2 s later
    "NQ 12-26,Sell,1,21009.75,2026-12-08T16:00:02+00:00,x2,Exit,1 L,o2,Exit,2.10,Sim101",
    # Trend's buy never reached the broker; an hour later the trader buys 1 MES by hand
    "MES 12-26,Buy,1,6001.00,2026-12-08T18:00:00+00:00,x3,Entry,1 L,o3,Manual,0.62,Sim101",
]


@pytest.fixture
def reconciled(config_file: Path, tmp_path: Path) -> Path:
    alerts = tmp_path / "alerts.jsonl"
    alerts.write_text("".join(json.dumps(a) + "\n" for a in ALERTS))
    assert tmtui(config_file, "import", str(alerts)).returncode == 0
    export = tmp_path / "executions.csv"
    export.write_text(NT_HEADER + "\n" + "\n".join(EXECUTIONS) + "\n")
    imported = tmtui(config_file, "import", str(export), "--format", "ninjatrader")
    assert imported.returncode == 0, imported.stderr
    return config_file


def test_reconcile_json_matched_partial_missed_extra_and_drift(reconciled: Path) -> None:
    doc = read_json(reconciled, "reconcile", "--json", "--day", "2026-12-08")
    assert set(doc) == {"signals", "extra_fills", "positions", "by_strategy"}
    assert doc["signals"] == [
        {"signal_id": 1, "strategy": "ORB", "symbol": "NQ", "action": "buy", "qty": 2,
         "signal_price": D("21000"), "fill_qty": 2, "fill_price": D("21000.5"),
         "slippage_ticks": D("2.00"),  # 0.50 / 0.25
         "slippage": D("20"),  # 0.50 x 2 x $20
         "latency_s": D("1.250"), "state": "matched"},
        {"signal_id": 2, "strategy": "ORB", "symbol": "NQ", "action": "close", "qty": 2,
         "signal_price": D("21010"), "fill_qty": 1, "fill_price": D("21009.75"),
         "slippage_ticks": D("1.00"), "slippage": D("5"),  # 0.25 x 1 x $20
         "latency_s": D("2.000"), "state": "partial"},
        {"signal_id": 3, "strategy": "Trend", "symbol": "MES", "action": "buy", "qty": 3,
         "signal_price": D("6000"), "fill_qty": 0, "fill_price": None,
         "slippage_ticks": None, "slippage": None, "latency_s": None, "state": "missed"},
    ]  # fmt: skip
    [extra] = doc["extra_fills"]
    assert (extra["account"], extra["contract"], extra["side"], extra["qty"], extra["price"]) == (
        "Sim101", "MESZ6", "buy", 1, D("6001.00"),
    )  # fmt: skip
    assert extra["time"] == "2026-12-08T18:00:00+00:00"
    assert doc["positions"] == [  # at the day's end: the broker by its fills, the books' nets
        {"route": "Sim101", "symbol": "MES", "books_qty": 3, "broker_qty": 1, "drift": -2},
        {"route": "Sim101", "symbol": "NQ", "books_qty": 0, "broker_qty": 1, "drift": 1},
    ]
    assert doc["by_strategy"] == [
        {"strategy": "ORB", "signals": 2, "matched": 1, "missed": 0, "extra": 0,
         "slippage": D("25"), "avg_slippage_ticks": D("1.67"),  # (2x2 + 1x1) / 3 contracts
         "avg_latency_s": D("1.625"), "books_net": 0, "broker_net": 1},
        {"strategy": "Trend", "signals": 1, "matched": 0, "missed": 1, "extra": 1,
         "slippage": None, "avg_slippage_ticks": None, "avg_latency_s": None,
         "books_net": 3, "broker_net": 0},
    ]  # fmt: skip


def test_reconcile_one_strategy_and_other_days(reconciled: Path) -> None:
    trend = read_json(reconciled, "reconcile", "--json", "--day", "2026-12-08", "--strategy",
                      "Trend")  # fmt: skip
    assert [s["signal_id"] for s in trend["signals"]] == [3]
    assert len(trend["extra_fills"]) == 1  # the hand-made MES trade: Trend's root and account
    assert [t["strategy"] for t in trend["by_strategy"]] == ["Trend"]
    before = read_json(reconciled, "reconcile", "--json", "--day", "2026-12-07")
    assert before == {"signals": [], "extra_fills": [], "positions": [], "by_strategy": []}
    week = read_json(reconciled, "reconcile", "--json", "--from", "2026-12-07", "--to",
                     "2026-12-11")  # fmt: skip
    assert len(week["signals"]) == 3 and len(week["extra_fills"]) == 1


def test_reconcile_table_and_bad_flags(reconciled: Path) -> None:
    table = tmtui(reconciled, "reconcile", "--day", "2026-12-08")
    assert table.returncode == 0, table.stderr
    for text in ("Signals, 2026-12-08", "partial", "missed", "Extra fills", "MESZ6", "By strategy"):
        assert text in table.stdout
    both = tmtui(reconciled, "reconcile", "--day", "2026-12-08", "--from", "2026-12-01")
    assert both.returncode == 2 and "use either --day or --from/--to" in both.stderr


def test_an_orders_outbox_says_what_was_sent_where(reconciled: Path, tmp_path: Path) -> None:
    """With the routes' `orders` table: ORB's close was sized from what it held at the
    bridge (1: the route knows a buy was rejected) and its fills link by order id; the
    rejected buy reads `rejected`; Trend has no orders, so it stays inferred."""
    db = load_config(reconciled).ledger.resolved_path()
    with sqlite3.connect(db) as conn:
        conn.executemany(  # the ledger's own outbox (v8), as a Tradovate route fills it
            "INSERT INTO orders (created, signal_id, route, kind, strategy, root, ticker,"
            " action, qty, effect, held_before, reason, state, bridge_id)"
            " VALUES ('2026-12-08T15:00:00.000000+00:00',?,?,?,?,?,'NQ1!',?,?,?,?,'signal',?,?)",
            [
                (1, "tv", "tradovate", "ORB", "NQ", "buy", 1, "open", 0, "accepted", "o1"),
                (1, "tv", "tradovate", "ORB", "NQ", "buy", 1, "add", 1, "rejected", None),
                (2, "tv", "tradovate", "ORB", "NQ", "exit", 1, "close", 1, "accepted", "o2"),
            ],
        )
    doc = read_json(reconciled, "reconcile", "--json", "--day", "2026-12-08")
    orb = [s for s in doc["signals"] if s["strategy"] == "ORB"]
    # signal 1: only its accepted order was asked of the broker (buy 1), which 2 filled by id
    assert [(s["qty"], s["fill_qty"], s["state"]) for s in orb] == [(1, 2, "matched"),
                                                                    (1, 1, "matched")]  # fmt: skip
    assert {p["route"] for p in doc["positions"]} == {"tv", "Sim101"}
    [tv] = [p for p in doc["positions"] if p["route"] == "tv"]
    assert tv == {"route": "tv", "symbol": "NQ", "books_qty": 0, "broker_qty": 1, "drift": 1}
    totals = {t["strategy"]: t for t in doc["by_strategy"]}
    assert (totals["ORB"]["books_net"], totals["ORB"]["broker_net"]) == (0, 1)
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE orders SET state = 'rejected' WHERE id = 1")
    doc = read_json(reconciled, "reconcile", "--json", "--day", "2026-12-08")
    first = doc["signals"][0]
    assert (first["signal_id"], first["state"], first["fill_qty"]) == (1, "rejected", 0)
    assert len(doc["extra_fills"]) == 2  # its 2 contracts bought now explain no signal
