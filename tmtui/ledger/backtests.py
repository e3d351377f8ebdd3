"""A strategy's backtest in the ledger: written whole, replaced whole, read apart from live.

A backtest is not derived from signals (the file TradingView made is its truth), so it is
not replayed, rebuilt or verified with the live book: `record_backtest` writes its fills,
trades, day rollups and still-open trades (`source = 'backtest'`) in one transaction, in
place of any earlier backtest of the same strategy. Its trade ids start at
BACKTEST_TRADE_IDS, so they never meet the live book's.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tmtui.core.book.rollups import DayRollup
from tmtui.core.events import Event
from tmtui.core.models import Fill, Trade
from tmtui.ledger.migrations import BACKTEST_TRADE_IDS
from tmtui.ledger.rows import (
    BACKTEST,
    EVENT_SQL,
    FILL_SQL,
    TRADE_SQL,
    event_row,
    fill_row,
    iso,
    parse_time,
    trade_row,
)
from tmtui.ledger.signal_writes import add_rollup
from tmtui.ledger.store import Ledger

DERIVED = ("fills", "trades", "day_rollups", "open_positions")


@dataclass(frozen=True, slots=True)
class StoredBacktest:
    """Which file a strategy's backtest came from (`digest`: its content's hash; empty
    for a backtest a v6 upgrade made of an earlier import)."""

    strategy: str
    format: str
    file: str
    digest: str
    imported_at: datetime


@dataclass(frozen=True, slots=True)
class OpenBacktestTrade:
    """A still-open trade of a backtest as stored: its JSON state (TradingView's entry,
    last close and open P&L)."""

    strategy: str
    root: str
    state: dict[str, Any]


@dataclass(frozen=True, slots=True)
class BacktestWrite:
    """One strategy's backtest, whole."""

    strategy: str
    format: str
    file: str
    digest: str
    when: datetime
    fills: Sequence[Fill]
    trades: Sequence[Trade]
    rollups: Sequence[DayRollup]
    open_trades: Sequence[OpenBacktestTrade] = ()
    events: Sequence[Event] = field(default_factory=tuple)


async def stored_backtest(ledger: Ledger, strategy: str) -> StoredBacktest | None:
    rows = await ledger.fetch(
        "SELECT strategy, format, file, digest, imported_at FROM backtests WHERE strategy = ?",
        (strategy,),
    )
    if not rows:
        return None
    r = rows[0]
    return StoredBacktest(
        r["strategy"], r["format"], r["file"], r["digest"], parse_time(r["imported_at"])
    )


async def backtest_strategies(ledger: Ledger) -> list[str]:
    rows = await ledger.fetch("SELECT strategy FROM backtests ORDER BY strategy")
    return [r["strategy"] for r in rows]


async def next_backtest_trade_id(ledger: Ledger) -> int:
    """The first free trade id of the backtest range."""
    rows = await ledger.fetch(
        "SELECT MAX(trade_id) AS last FROM trades WHERE trade_id >= ?", (BACKTEST_TRADE_IDS,)
    )
    last = rows[0]["last"] if rows else None
    return BACKTEST_TRADE_IDS if last is None else int(last) + 1


async def open_backtest_trades(
    ledger: Ledger, strategy: str | None = None
) -> list[OpenBacktestTrade]:
    sql = "SELECT strategy, root, state FROM open_positions WHERE source = 'backtest'"
    args: tuple[Any, ...] = ()
    if strategy is not None:
        sql, args = sql + " AND strategy = ?", (strategy,)
    rows = await ledger.fetch(sql + " ORDER BY strategy, root", args)
    return [OpenBacktestTrade(r["strategy"], r["root"], json.loads(r["state"])) for r in rows]


async def record_backtest(ledger: Ledger, backtest: BacktestWrite) -> None:
    """Write `backtest` in place of the strategy's earlier one (if any), all or nothing."""
    b = backtest
    fills = [(None, *fill_row(f, BACKTEST)) for f in b.fills]
    trades = [trade_row(t, BACKTEST) for t in b.trades]
    positions = [
        (t.strategy, t.root, json.dumps(t.state, sort_keys=True), 0, BACKTEST)
        for t in b.open_trades
    ]
    when = iso(b.when)
    events = [event_row(e, dict(e.data), None) for e in b.events]

    def write(conn: sqlite3.Connection) -> None:
        for table in DERIVED:
            conn.execute(
                f"DELETE FROM {table} WHERE source = 'backtest' AND strategy = ?", (b.strategy,)
            )
        conn.executemany(FILL_SQL, fills)
        conn.executemany(TRADE_SQL, trades)
        for rollup in b.rollups:
            add_rollup(conn, rollup, BACKTEST)
        conn.executemany(
            "INSERT INTO open_positions (strategy, root, state, signal_id, source)"
            " VALUES (?,?,?,?,?)",
            positions,
        )
        conn.execute(
            "INSERT INTO backtests (strategy, format, file, digest, imported_at)"
            " VALUES (?,?,?,?,?) ON CONFLICT (strategy) DO UPDATE SET format = excluded.format,"
            " file = excluded.file, digest = excluded.digest, imported_at = excluded.imported_at",
            (b.strategy, b.format, b.file, b.digest, when),
        )
        conn.execute(
            "INSERT INTO strategy_imports VALUES (?,?,?,?,?) ON CONFLICT"
            " (strategy, format, file) DO UPDATE SET imported_at = excluded.imported_at,"
            " signals = excluded.signals",
            (b.strategy, b.format, b.file, when, len(b.fills)),
        )
        conn.executemany(EVENT_SQL, events)

    await ledger.write_alone(write)
