"""AutoTrader log entries: one per thing that happened, shown on screen and kept in the ledger."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Final

REPEATS_EVENT: Final = {"repeats_event": True}
"""`extra=` for a log record that only repeats an event already shown (the headless output
leaves it out, so each thing that happened is printed once; a log file still has it)."""


class EventKind(StrEnum):
    ALERT_ACCEPTED = "alert_accepted"
    ALERT_DUPLICATE = "alert_duplicate"
    ALERT_IGNORED = "alert_ignored"
    ALERT_REJECTED = "alert_rejected"
    POSITION = "position"
    DRIFT = "drift"
    MANUAL_CLOSE = "manual_close"
    MANUAL_ORDER = "manual_order"
    FLATTEN = "flatten"
    RISK_EXIT = "risk_exit"
    RISK_LOCK = "risk_lock"
    RISK = "risk"
    ORDER = "order"
    """An order to a bridge changed state (`data`: order, state, route, loud)."""
    STRATEGY = "strategy"
    FEED = "feed"
    LISTENER = "listener"
    ERROR = "error"
    INFO = "info"


@dataclass(frozen=True, slots=True)
class Event:
    kind: EventKind
    message: str
    time: datetime = field(default_factory=lambda: datetime.now(UTC))
    data: dict[str, Any] = field(default_factory=dict)
