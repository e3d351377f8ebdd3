"""The book's state as plain JSON-able data, so start-up loads it instead of replaying years.

A position is stored exactly: its FIFO lots (Decimal prices as strings), its direction and
the round trip it belongs to with its running figures. The ledger writes the positions a
signal changed in the same transaction as the signal, so the stored state is always the
replay of every applied signal up to `last_signal_id`; replay stays the proof
(`tmtui ledger verify`).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from tmtui.core.book.book import Book, Lot, Plan, Position, PositionKey
from tmtui.core.models import Side, Trade

STATE_VERSION = 1
"""Bump when the JSON shape changes; a stored state of another version is rebuilt by replay."""


@dataclass(frozen=True, slots=True)
class BookDelta:
    """What one applied signal changed: positions to write or delete, the trade counter."""

    upserts: dict[PositionKey, dict[str, Any]] = field(default_factory=dict)
    deletes: tuple[PositionKey, ...] = ()
    next_trade_id: int = 1


def delta_of(plan: Plan) -> BookDelta:
    """The stored-state change a committed plan makes."""
    if plan.position is None:
        return BookDelta({}, (plan.key,), plan.next_trade_id)
    return BookDelta({plan.key: position_state(plan.position)}, (), plan.next_trade_id)


def whole_book(book: Book) -> BookDelta:
    """Every open position, for a checkpoint after a replay."""
    return BookDelta(
        {pos.key: position_state(pos) for pos in book.open_positions()}, (), book.next_trade_id
    )


def position_state(pos: Position) -> dict[str, Any]:
    """A position as JSON-able data; marks are not state (they come from quotes)."""
    return {
        "v": STATE_VERSION,
        "sign": pos.sign,
        "lots": [[lot.qty, str(lot.price)] for lot in pos.lots],
        "trade": trade_state(pos.trade),
    }


def trade_state(trade: Trade) -> dict[str, Any]:
    return {
        "trade_id": trade.trade_id,
        "side": trade.side.value,
        "entry_time": trade.entry_time.isoformat(),
        "qty": trade.qty,
        "entry_qty": trade.entry_qty,
        "entry_value": str(trade.entry_value),
        "exit_qty": trade.exit_qty,
        "exit_value": str(trade.exit_value),
        "gross": str(trade.gross),
        "commission": str(trade.commission),
        "mae": str(trade.mae),
        "mfe": str(trade.mfe),
    }


def restore_position(
    strategy: str, root: str, state: dict[str, Any], point_value: Decimal
) -> Position:
    """Rebuild a Position from `position_state` output; raises ValueError on another version."""
    if state.get("v") != STATE_VERSION:
        raise ValueError(f"stored position state v{state.get('v')} is not v{STATE_VERSION}")
    t = state["trade"]
    trade = Trade(
        trade_id=int(t["trade_id"]),
        strategy=strategy,
        root=root,
        side=Side(t["side"]),
        entry_time=datetime.fromisoformat(t["entry_time"]),
        qty=int(t["qty"]),
        entry_qty=int(t["entry_qty"]),
        entry_value=Decimal(t["entry_value"]),
        exit_qty=int(t["exit_qty"]),
        exit_value=Decimal(t["exit_value"]),
        gross=Decimal(t["gross"]),
        commission=Decimal(t["commission"]),
        mae=Decimal(t["mae"]),
        mfe=Decimal(t["mfe"]),
    )
    lots = deque(Lot(int(qty), Decimal(price)) for qty, price in state["lots"])
    return Position(strategy, root, point_value, int(state["sign"]), lots, trade)


def comparable(state: dict[str, Any]) -> dict[str, Any]:
    """A state without the mark-driven figures (MAE/MFE), which replay cannot reproduce."""
    trade = {k: v for k, v in state["trade"].items() if k not in ("mae", "mfe")}
    return {**state, "trade": trade}
