"""Rows as SQLite holds them and as tmtui reads them: the SQL text and the mappers both ways.

Public within the ledger package: the writer jobs, the batch import and the reads share them,
so a column is written and read in one place.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Final

from tmtui.core.alerts.signal_rules import signal_to_dict
from tmtui.core.book.records import SignalRecord
from tmtui.core.book.rollups import DayRollup
from tmtui.core.events import Event
from tmtui.core.history.samples import (
    AccountSample,
    PositionSample,
)
from tmtui.core.models import (
    Fill,
    Side,
    Trade,
)
from tmtui.ledger.migrations import (
    NEEDS_REBUILD,
)

LIVE: Final = "live"
BACKTEST: Final = "backtest"
"""The two books a derived row (fill, trade, day rollup, open position) can be of."""


def source_clause(column: str, source: str | None) -> tuple[str, tuple[Any, ...]]:
    """`column = ?` for one book, nothing for both (None)."""
    return ("", ()) if source is None else (f"{column} = ?", (source,))


def iso(moment: datetime) -> str:
    """Fixed-width UTC text, so string order is time order in SQL."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text)


@dataclass(frozen=True, slots=True)
class StoredBook:
    """The book as stored: positions as JSON-able state, and the replay point."""

    last_signal_id: int
    next_trade_id: int
    positions: dict[tuple[str, str], dict[str, Any]]

    @property
    def needs_rebuild(self) -> bool:
        return self.last_signal_id == NEEDS_REBUILD


def fill_from_row(r: dict[str, Any]) -> Fill:
    return Fill(
        r["strategy"],
        r["root"],
        r["qty"],
        Decimal(r["price"]),
        parse_time(r["time"]),
        Decimal(r["commission"]),
        Decimal(r["realized"]),
        r["closing_qty"],
        r["trade_id"],
        r["signal_id"],
    )


def trade_from_row(r: dict[str, Any]) -> Trade:
    qty = int(r["qty"])
    trade = Trade(
        trade_id=r["trade_id"],
        strategy=r["strategy"],
        root=r["root"],
        side=Side(r["side"]),
        entry_time=parse_time(r["entry_time"]),
        qty=qty,
        gross=Decimal(r["gross"]),
        commission=Decimal(r["commission"]),
        mae=Decimal(r["mae"]),
        mfe=Decimal(r["mfe"]),
        exit_time=parse_time(r["exit_time"]),
        source=r.get("source", LIVE),
    )
    # Stored averages are exact; keep them exact by storing them over a unit quantity.
    trade.entry_qty, trade.entry_value = 1, Decimal(r["entry_price"])
    trade.exit_qty, trade.exit_value = 1, Decimal(r["exit_price"])
    return trade


def rollup_from_row(r: dict[str, Any]) -> DayRollup:
    return DayRollup(
        r["day"],
        r["strategy"],
        r["root"],
        Decimal(r["realized"]),
        Decimal(r["commission"]),
        int(r["fills"]),
        int(r["trades"]),
        int(r["wins"]),
        int(r["losses"]),
        Decimal(r["won"]),
        Decimal(r["lost"]),
    )


def position_sample(r: dict[str, Any]) -> PositionSample:
    return PositionSample(
        r["ts"],
        r["strategy"],
        r["root"],
        r["trade_id"],
        Decimal(r["mark"]),
        Decimal(r["open_pnl"]),
        Decimal(r["mae"]),
        Decimal(r["mfe"]),
        decimal(r.get("low")),
        decimal(r.get("high")),
    )


def account_from_row(r: dict[str, Any]) -> AccountSample:
    return AccountSample(
        r["ts"],
        r["day"],
        Decimal(r["realized"]),
        Decimal(r["open"]),
        Decimal(r["total"]),
        Decimal(r["peak"]),
        Decimal(r["max_mtm"]),
        Decimal(r["min_mtm"]),
        Decimal(r["max_drawdown"]),
        parse_time(r["max_time"]) if r["max_time"] else None,
        parse_time(r["min_time"]) if r["min_time"] else None,
        decimal(r.get("low")),
        decimal(r.get("high")),
    )


def text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def decimal(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


SIGNAL_SQL: Final = (
    "INSERT INTO signals (received_at, source, peer, raw, parsed, strategy, root, action,"
    " qty, price, idem_key, outcome, reason) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)"
)

SIGNAL_ID_SQL: Final = (
    "INSERT INTO signals (id, received_at, source, peer, raw, parsed, strategy, root, action,"
    " qty, price, idem_key, outcome, reason) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
)

FILL_SQL: Final = (
    "INSERT INTO fills (signal_id, time, strategy, root, qty, price, commission,"
    " realized, closing_qty, trade_id, source) VALUES (?,?,?,?,?,?,?,?,?,?,?)"
)

TRADE_SQL: Final = (
    "INSERT OR REPLACE INTO trades (trade_id, strategy, root, side, qty, entry_time,"
    " exit_time, entry_price, exit_price, gross, commission, mae, mfe, source)"
    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
)

EVENT_SQL: Final = "INSERT INTO events (time, kind, message, data) VALUES (?,?,?,?)"

POSITION_SAMPLE_SQL: Final = (
    "INSERT OR REPLACE INTO position_samples (ts, strategy, root, trade_id, mark,"
    " open_pnl, mae, mfe, low, high) VALUES (?,?,?,?,?,?,?,?,?,?)"
)

ACCOUNT_SAMPLE_SQL: Final = (
    "INSERT OR REPLACE INTO account_samples (ts, day, realized, open, total, peak,"
    " max_mtm, min_mtm, max_drawdown, max_time, min_time, low, high)"
    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)"
)

RISK_STATE_SQL: Final = "INSERT OR REPLACE INTO risk_state (id, state, time) VALUES (1, ?, ?)"

IDEM_SQL: Final = "SELECT id FROM signals WHERE idem_key = ? AND outcome IN ('accepted', 'ignored')"
IDEM_KEYS_SQL: Final = (
    "SELECT idem_key, id FROM signals WHERE idem_key IN ({}) AND outcome IN ('accepted', 'ignored')"
)
"""`IDEM_SQL` for several keys at once (`{}`: one `?` per key)."""


def signal_row(r: SignalRecord, key: str | None) -> tuple[Any, ...]:
    s = r.signal
    return (
        iso(r.received),
        r.source,
        r.peer,
        r.raw,
        json.dumps(signal_to_dict(s)) if s else None,
        s.strategy if s else None,
        s.root if s else None,
        s.action.value if s else None,
        s.qty if s else None,
        str(s.price) if s and s.price is not None else None,
        key,
        r.outcome.value,
        r.reason,
    )


def fill_row(f: Fill, source: str = LIVE) -> tuple[Any, ...]:
    """A fill's columns after signal_id (known only once the signal row is inserted)."""
    return (
        iso(f.time),
        f.strategy,
        f.root,
        f.qty,
        str(f.price),
        str(f.commission),
        str(f.realized),
        f.closing_qty,
        f.trade_id,
        source,
    )


def trade_row(t: Trade, source: str = LIVE) -> tuple[Any, ...]:
    assert t.exit_time is not None and t.exit_price is not None
    return (
        t.trade_id,
        t.strategy,
        t.root,
        t.side.value,
        t.qty,
        iso(t.entry_time),
        iso(t.exit_time),
        str(t.entry_price),
        str(t.exit_price),
        str(t.gross),
        str(t.commission),
        str(t.mae),
        str(t.mfe),
        source,
    )


def event_row(e: Event, data: dict[str, Any], signal_id: int | None) -> tuple[Any, ...]:
    if signal_id is not None:
        data.setdefault("signal_id", signal_id)
    return (iso(e.time), e.kind.value, e.message, json.dumps(data, default=str))


def position_sample_row(s: PositionSample) -> tuple[Any, ...]:
    return (
        s.ts,
        s.strategy,
        s.root,
        s.trade_id,
        str(s.mark),
        str(s.open_pnl),
        str(s.mae),
        str(s.mfe),
        text(s.low),
        text(s.high),
    )


def account_sample_row(s: AccountSample) -> tuple[Any, ...]:
    return (
        s.ts,
        s.day,
        str(s.realized),
        str(s.open),
        str(s.total),
        str(s.peak),
        str(s.max_mtm),
        str(s.min_mtm),
        str(s.max_drawdown),
        iso(s.max_time) if s.max_time else None,
        iso(s.min_time) if s.min_time else None,
        text(s.low),
        text(s.high),
    )


def risk_state_row(state: dict[str, Any], when: datetime) -> tuple[str, str]:
    return (json.dumps(state, sort_keys=True), iso(when))


def rows(conn: sqlite3.Connection, sql: str, args: tuple[Any, ...]) -> list[dict[str, Any]]:
    """Rows as dicts, read on the writer's connection (inside its transaction)."""
    cur = conn.execute(sql, args)
    names = [d[0] for d in cur.description]
    rows = [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    cur.close()
    return rows


def time_range(
    sql: str,
    column: str,
    start: datetime | None,
    end: datetime | None,
    source: str | None = None,
) -> tuple[str, tuple[Any, ...]]:
    clauses: list[str] = []
    args: list[Any] = []
    if source is not None:
        clauses.append("source = ?")
        args.append(source)
    if start is not None:
        clauses.append(f"{column} >= ?")
        args.append(iso(start))
    if end is not None:
        clauses.append(f"{column} < ?")
        args.append(iso(end))
    if clauses:
        sql += " WHERE " + " AND ".join(clauses)
    return sql, tuple(args)
