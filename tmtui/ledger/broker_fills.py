"""The broker's fills in the ledger, and the rows reconciliation reads beside them.

Broker fills live in their own table (`broker_fills`, schema v6), one row per
`BrokerFill.key`: recording the same fill twice (an export imported again, two polls of a
route) adds nothing. They never touch the signals or anything derived from them; the books
stay the strategies' own record and `tmtui reconcile` compares the two.

The reads here are what the read side (`tmtui.readside.reconcile_reads`) asks: the broker's
fills in a span, the broker's net per account and contract, each accepted signal's change to
the books (from the books' fills, indexed by time), the books' nets, and the orders outbox
(`orders`, when the routes have written one).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Final

from tmtui.core.broker.fills import BrokerFill, Side
from tmtui.core.events import Event
from tmtui.ledger.rows import EVENT_SQL, event_row, iso, parse_time
from tmtui.ledger.store import Ledger

BROKER_FILL_SQL: Final = (
    "INSERT OR IGNORE INTO broker_fills (key, source, account, fill_id, order_id, contract,"
    " root, side, qty, price, time, commission, origin, recorded_at)"
    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
)
IDS_PER_QUERY: Final = 500


@dataclass(frozen=True, slots=True)
class BooksFillRow:
    """One of the books' fills with the signal that made it (a signal may make two: a
    reversal closes, then opens)."""

    signal_id: int
    time: datetime
    strategy: str
    root: str
    qty: int
    price: Decimal
    action: str | None
    signal_price: Decimal | None


def broker_fill_row(fill: BrokerFill, origin: str, when: datetime) -> tuple[Any, ...]:
    return (
        fill.key,
        fill.source,
        fill.account,
        fill.fill_id,
        fill.order_id,
        fill.contract,
        fill.root,
        fill.side.value,
        fill.qty,
        str(fill.price),
        iso(fill.time),
        None if fill.commission is None else str(fill.commission),
        origin,
        iso(when),
    )


def broker_fill_from_row(r: dict[str, Any]) -> BrokerFill:
    return BrokerFill(
        source=r["source"],
        account=r["account"],
        fill_id=r["fill_id"],
        order_id=r["order_id"],
        contract=r["contract"],
        root=r["root"],
        side=Side(r["side"]),
        qty=int(r["qty"]),
        price=Decimal(r["price"]),
        time=parse_time(r["time"]),
        commission=None if r["commission"] is None else Decimal(r["commission"]),
    )


async def record_broker_fills(
    ledger: Ledger,
    fills: Sequence[BrokerFill],
    origin: str,
    when: datetime,
    events: Iterable[Event] = (),
) -> int:
    """Record fills not recorded yet, all in one transaction; returns how many were new.

    A fill whose key the ledger holds is skipped (INSERT OR IGNORE): idempotent. `events`
    (the import's log line) are written in the same transaction.
    """
    rows = [broker_fill_row(f, origin, when) for f in fills]
    event_rows = [event_row(e, dict(e.data), None) for e in events]

    def write(conn: sqlite3.Connection) -> int:
        before = conn.total_changes
        conn.executemany(BROKER_FILL_SQL, rows)
        added = conn.total_changes - before
        conn.executemany(EVENT_SQL, event_rows)
        return added

    return int(await ledger.write_alone(write))


async def known_keys(ledger: Ledger, keys: Sequence[str]) -> set[str]:
    """Which of `keys` the ledger already holds (an import says how many it adds)."""
    found: set[str] = set()
    for start in range(0, len(keys), IDS_PER_QUERY):
        chunk = tuple(keys[start : start + IDS_PER_QUERY])
        rows = await ledger.fetch(
            f"SELECT key FROM broker_fills WHERE key IN ({','.join('?' * len(chunk))})", chunk
        )
        found.update(r["key"] for r in rows)
    return found


def _span(column: str, start: datetime | None, end: datetime | None) -> tuple[str, list[Any]]:
    clauses, args = [], []
    if start is not None:
        clauses.append(f"{column} >= ?")
        args.append(iso(start))
    if end is not None:
        clauses.append(f"{column} < ?")
        args.append(iso(end))
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), args


async def broker_fills_between(
    ledger: Ledger, start: datetime | None, end: datetime | None
) -> list[BrokerFill]:
    """The broker's fills with start <= time < end (either end open), in time order."""
    where, args = _span("time", start, end)
    rows = await ledger.fetch(f"SELECT * FROM broker_fills{where} ORDER BY time, key", tuple(args))
    return [broker_fill_from_row(r) for r in rows]


async def broker_nets(ledger: Ledger, end: datetime | None) -> dict[tuple[str, str], int]:
    """(account, contract) → the net of every recorded fill before `end`: the broker's
    position as its recorded fills make it (not zero rows)."""
    where, args = _span("time", None, end)
    rows = await ledger.fetch(
        "SELECT account, contract, SUM(CASE side WHEN 'buy' THEN qty ELSE -qty END) AS net"
        f" FROM broker_fills{where} GROUP BY account, contract",
        tuple(args),
    )
    return {(r["account"], r["contract"]): int(r["net"]) for r in rows if r["net"]}


async def broker_accounts(ledger: Ledger) -> dict[str, set[str]]:
    """Root → the accounts whose recorded fills trade it."""
    rows = await ledger.fetch("SELECT DISTINCT root, account FROM broker_fills")
    out: dict[str, set[str]] = {}
    for r in rows:
        out.setdefault(str(r["root"]).upper(), set()).add(r["account"])
    return out


async def books_fills_between(
    ledger: Ledger, start: datetime | None, end: datetime | None, strategy: str | None = None
) -> list[BooksFillRow]:
    """The books' fills in a span, with their accepted signal's action and price."""
    where, args = _span("f.time", start, end)
    if strategy is not None:
        where += (" AND" if where else " WHERE") + " f.strategy = ?"
        args.append(strategy)
    rows = await ledger.fetch(
        "SELECT f.signal_id, f.time, f.strategy, f.root, f.qty, f.price, s.action,"
        " s.price AS signal_price FROM fills f JOIN signals s ON s.id = f.signal_id"
        f"{where} ORDER BY f.time, f.signal_id, f.id",
        tuple(args),
    )
    return [
        BooksFillRow(
            int(r["signal_id"]),
            parse_time(r["time"]),
            r["strategy"],
            r["root"],
            int(r["qty"]),
            Decimal(r["price"]),
            r["action"],
            None if r["signal_price"] is None else Decimal(r["signal_price"]),
        )
        for r in rows
    ]


async def books_nets(ledger: Ledger, end: datetime | None) -> dict[tuple[str, str], int]:
    """(strategy, root) → the books' net position just before `end` (open ones only)."""
    where, args = _span("time", None, end)
    rows = await ledger.fetch(
        f"SELECT strategy, root, SUM(qty) AS net FROM fills{where} GROUP BY strategy, root",
        tuple(args),
    )
    return {(r["strategy"], r["root"]): int(r["net"]) for r in rows if r["net"]}


async def has_table(ledger: Ledger, name: str) -> bool:
    rows = await ledger.fetch(
        "SELECT 1 AS found FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
    )
    return bool(rows)


async def orders_of_signals(ledger: Ledger, signal_ids: Sequence[int]) -> list[dict[str, Any]]:
    """The outbox's orders for these signals (the routes' `orders` table; [] without it)."""
    if not signal_ids or not await has_table(ledger, "orders"):
        return []
    out: list[dict[str, Any]] = []
    for start in range(0, len(signal_ids), IDS_PER_QUERY):
        chunk = tuple(signal_ids[start : start + IDS_PER_QUERY])
        out += await ledger.fetch(
            "SELECT id, signal_id, route, kind, strategy, root, action, qty, effect,"
            " held_before, state, bridge_id FROM orders"
            f" WHERE signal_id IN ({','.join('?' * len(chunk))}) ORDER BY id",
            chunk,
        )
    return out


async def order_routes(ledger: Ledger) -> dict[tuple[str, str], str]:
    """(strategy, root) → the route of its latest order: which strategies the routes send
    for, and where ({} without an outbox)."""
    if not await has_table(ledger, "orders"):
        return {}
    rows = await ledger.fetch(
        "SELECT strategy, root, route FROM orders o WHERE id = (SELECT MAX(id) FROM orders"
        " WHERE strategy = o.strategy AND root = o.root)"
    )
    return {(r["strategy"], r["root"]): r["route"] for r in rows}


async def has_broker_fills(ledger: Ledger) -> bool:
    return bool(await ledger.fetch("SELECT 1 AS found FROM broker_fills LIMIT 1"))
