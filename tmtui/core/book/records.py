"""What one alert writes to the ledger: the signal row and everything it caused.

Built by the intake decision without I/O and written by the ledger in one transaction, so
the signal, its fills and closed trades, its log lines, the stored book and the day
rollups are either all recorded or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tmtui.core.book.book_state import BookDelta
from tmtui.core.book.rollups import DayRollup
from tmtui.core.events import Event
from tmtui.core.models import Fill, Outcome, Signal, Trade
from tmtui.core.orders.states import Order


@dataclass(frozen=True, slots=True)
class SignalRecord:
    """One row to append to the signals table."""

    received: datetime
    source: str
    outcome: Outcome
    raw: str | None = None
    peer: str | None = None
    signal: Signal | None = None
    idem_key: str | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class SignalWrite:
    """The exact records one decision writes, all in one ledger transaction.

    `book` is None unless the signal changed a position (an accepted one). `orders` are what
    a routed strategy's bridge must do about it (the outbox rows, sent after the commit).
    """

    record: SignalRecord
    fills: tuple[Fill, ...] = ()
    closed_trades: tuple[Trade, ...] = ()
    events: tuple[Event, ...] = ()
    book: BookDelta | None = None
    rollups: tuple[DayRollup, ...] = ()
    orders: tuple[Order, ...] = ()
