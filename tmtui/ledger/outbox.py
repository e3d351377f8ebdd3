"""The outbox: orders to bridges as rows of the `orders` table, and the SQL that keeps them.

An order is inserted in its signal's own transaction (`SignalWriteJob`), with the id the
intake gave it, and updated by the order sender as it fares: each update is one urgent write
through the writer thread, so `sent` is on disk before the request leaves. Messages arrive
already redacted (the sender redacts every bridge reply).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, Final

import aiosqlite

from tmtui.core.orders.intents import Effect, OrderAction, OrderIntent, Reason
from tmtui.core.orders.routing import RouteKind
from tmtui.core.orders.states import Order, OrderState
from tmtui.ledger.rows import iso, parse_time
from tmtui.ledger.writer import LedgerWriter

COLUMNS: Final = (
    "id, created, signal_id, route, kind, strategy, root, ticker, action, qty, effect, "
    "held_before, reason, price, follows, state, message, bridge_id, sent_at, answered_at, "
    "attempts, retrying, dismissed"
)
ORDER_SQL: Final = f"INSERT INTO orders ({COLUMNS}) VALUES ({','.join('?' * 23)})"
UPDATE_SQL: Final = (
    "UPDATE orders SET state = ?, message = ?, bridge_id = ?, sent_at = ?, answered_at = ?,"
    " attempts = ?, retrying = ?, dismissed = ?, follows = ? WHERE id = ?"
)
UNFINISHED: Final = "state IN ('queued', 'sent') OR (state = 'failed' AND retrying = 1)"


def _time(moment: datetime | None) -> str | None:
    return iso(moment) if moment is not None else None


def order_row(order: Order, signal_id: int | None) -> tuple[Any, ...]:
    """The row of a new order; `signal_id` is its signal's (known only inside the write)."""
    i = order.intent
    return (
        order.id,
        iso(order.created),
        signal_id,
        order.route,
        order.kind.value,
        i.strategy,
        i.root,
        i.ticker,
        i.action.value,
        i.qty,
        i.effect.value,
        i.held_before,
        i.reason.value,
        str(i.price) if i.price is not None else None,
        order.follows,
        order.state.value,
        order.message,
        order.bridge_id,
        _time(order.sent_at),
        _time(order.answered_at),
        order.attempts,
        int(order.retrying),
        int(order.dismissed),
    )


def update_row(order: Order) -> tuple[Any, ...]:
    return (
        order.state.value,
        order.message,
        order.bridge_id,
        _time(order.sent_at),
        _time(order.answered_at),
        order.attempts,
        int(order.retrying),
        int(order.dismissed),
        order.follows,
        order.id,
    )


def order_from_row(r: dict[str, Any]) -> Order:
    intent = OrderIntent(
        strategy=r["strategy"],
        root=r["root"],
        ticker=r["ticker"],
        action=OrderAction(r["action"]),
        qty=int(r["qty"]),
        effect=Effect(r["effect"]),
        held_before=int(r["held_before"]),
        reason=Reason(r["reason"]),
        signal_id=r["signal_id"],
        price=Decimal(r["price"]) if r["price"] is not None else None,
    )
    return Order(
        id=int(r["id"]),
        route=r["route"],
        kind=RouteKind(r["kind"]),
        intent=intent,
        created=parse_time(r["created"]),
        state=OrderState(r["state"]),
        follows=r["follows"],
        message=r["message"] or "",
        bridge_id=r["bridge_id"],
        sent_at=parse_time(r["sent_at"]) if r["sent_at"] else None,
        answered_at=parse_time(r["answered_at"]) if r["answered_at"] else None,
        attempts=int(r["attempts"]),
        retrying=bool(r["retrying"]),
        dismissed=bool(r["dismissed"]),
    )


def insert_orders(conn: sqlite3.Connection, rows: Sequence[tuple[Any, ...]]) -> None:
    if rows:
        conn.executemany(ORDER_SQL, rows)


class LedgerOrders:
    """The outbox half of `Ledger`: read through the reader, write through the writer."""

    _writer: LedgerWriter

    @property
    def _db(self) -> aiosqlite.Connection:
        raise NotImplementedError

    async def _order_rows(self, where: str, args: tuple[Any, ...]) -> list[Order]:
        async with self._db.execute(
            f"SELECT {COLUMNS} FROM orders WHERE {where} ORDER BY id", args
        ) as cur:
            names = [d[0] for d in cur.description]
            found = await cur.fetchall()
        return [order_from_row(dict(zip(names, row, strict=True))) for row in found]

    async def unfinished_orders(self) -> list[Order]:
        """Queued, sent, or failed with retries to come; oldest first."""
        return await self._order_rows(UNFINISHED, ())

    async def order(self, order_id: int) -> Order | None:
        found = await self._order_rows("id = ?", (order_id,))
        return found[0] if found else None

    async def all_orders(self) -> list[Order]:
        """Every order, oldest first (what each strategy holds at each bridge follows)."""
        return await self._order_rows("1", ())

    async def orders_between(
        self, start: datetime | None, end: datetime | None, state: OrderState | None = None
    ) -> list[Order]:
        """Orders made in [start, end), optionally in one state, oldest first."""
        where, args = ["1"], []
        if start is not None:
            where.append("created >= ?")
            args.append(iso(start))
        if end is not None:
            where.append("created < ?")
            args.append(iso(end))
        if state is not None:
            where.append("state = ?")
            args.append(state.value)
        return await self._order_rows(" AND ".join(where), tuple(args))

    async def update_order(self, order: Order) -> None:
        """Save an order's new state, durably, ahead of samples."""
        row = update_row(order)
        write = self._writer.submit(lambda conn: conn.execute(UPDATE_SQL, row), urgent=True)
        await write.confirmed()


class LedgerOrderStore:
    """The order sender's `OrderStore`, backed by the ledger's outbox."""

    def __init__(self, ledger: LedgerOrders) -> None:
        self.ledger = ledger

    async def unfinished(self) -> Sequence[Order]:
        return await self.ledger.unfinished_orders()

    async def get(self, order_id: int) -> Order | None:
        return await self.ledger.order(order_id)

    async def update(self, order: Order) -> None:
        await self.ledger.update_order(order)
