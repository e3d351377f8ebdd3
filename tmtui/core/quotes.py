"""What a price feed reports: a quote and the feed's status, as plain data.

Pure types shared by the feeds (I/O), the marking rules and the views, so the core can
mark positions without importing asyncio or a websocket library.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum


class FeedState(StrEnum):
    CONNECTING = "connecting"
    LIVE = "live"
    DELAYED = "delayed"
    STALE = "stale"
    DOWN = "down"


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Quote:
    """Latest merged state of one TradingView symbol (exactly the string subscribed)."""

    symbol: str
    last: Decimal | None
    bid: Decimal | None = None
    ask: Decimal | None = None
    received: datetime = field(default_factory=utcnow)
    trade_time: datetime | None = None
    update_mode: str | None = None


@dataclass(frozen=True, slots=True)
class FeedStatus:
    """What the feed is doing now; `reason` is for the trader, `delay_minutes` when delayed."""

    state: FeedState
    reason: str = ""
    delay_minutes: int | None = None
    since: datetime = field(default_factory=utcnow)


def delay_minutes(update_mode: str | None) -> int | None:
    """Minutes of delay in an `update_mode` like `delayed_streaming_600`; None when real-time."""
    if not update_mode or update_mode == "streaming":
        return None
    digits = update_mode.rsplit("_", 1)[-1]
    if digits.isdigit():
        return int(digits) // 60
    return None
