"""The broker's fills in the ledger: their own table, once per key, never the signals'."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D
from pathlib import Path

import pytest

from tmtui.core.broker.fills import BrokerFill, Side
from tmtui.ledger.broker_fills import (
    broker_accounts,
    broker_fills_between,
    broker_nets,
    record_broker_fills,
)
from tmtui.ledger.migrations import MIGRATIONS, SCHEMA_VERSION, split_sql
from tmtui.ledger.store import Ledger

pytestmark = pytest.mark.timeout(30)
T0 = datetime(2026, 12, 8, 15, 30, tzinfo=UTC)


def fill(n: int, side: Side, qty: int, fill_id: str | None = None) -> BrokerFill:
    return BrokerFill("rithmic-orders", "APEX-1", fill_id, f"o{n}", "NQZ6", "NQ", side, qty,
                      D("21000.25") + n, T0 + timedelta(minutes=n))  # fmt: skip


async def test_recorded_once_per_key_and_read_back_exactly(tmp_path: Path) -> None:
    fills = [fill(1, Side.BUY, 2), fill(2, Side.SELL, 1), fill(3, Side.BUY, 1, "f3")]
    async with await Ledger.open(tmp_path / "l.db") as ledger:
        assert await record_broker_fills(ledger, fills, "import:a.csv", T0) == 3
        assert await record_broker_fills(ledger, [*fills, fill(4, Side.SELL, 2)], "poll", T0) == 1
        got = await broker_fills_between(ledger, None, None)
        assert got == [*fills, fill(4, Side.SELL, 2)]
        window = await broker_fills_between(ledger, T0 + timedelta(minutes=2), T0 + timedelta(3))
        assert [f.order_id for f in window] == ["o2", "o3", "o4"]
        assert await broker_nets(ledger, T0 + timedelta(minutes=3)) == {("APEX-1", "NQZ6"): 1}
        assert await broker_nets(ledger, None) == {}  # 2 - 1 + 1 - 2: flat, no row
        assert await broker_accounts(ledger) == {"NQ": {"APEX-1"}}
    with sqlite3.connect(tmp_path / "l.db") as conn:
        assert conn.execute("SELECT COUNT(*) FROM signals").fetchone() == (0,)
        with pytest.raises(sqlite3.IntegrityError, match="as the broker reported them"):
            conn.execute("UPDATE broker_fills SET qty = 9")


async def test_a_ledger_of_the_previous_version_gains_the_table(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:
        for version in range(1, SCHEMA_VERSION):
            for statement in split_sql(MIGRATIONS[version]):
                conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION - 1}")
    conn.close()
    async with await Ledger.open(path, create=False) as ledger:
        assert await record_broker_fills(ledger, [fill(1, Side.BUY, 1)], "poll", T0) == 1
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
    conn.close()
