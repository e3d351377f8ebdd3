"""What the broker says it did: one fill, from its API or from an export a trader downloaded.

A `BrokerFill` is recorded beside the signals, never in place of them: the books stay the
strategy's own record, and reconciliation (`tmtui.core.broker.reconcile`) compares the two.
Prices are exact decimals, quantities whole contracts, times aware.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum


class Side(StrEnum):
    """The side of a fill at the broker (a reversal is two fills or one larger one)."""

    BUY = "buy"
    SELL = "sell"

    @property
    def sign(self) -> int:
        """+1 for a buy, -1 for a sell: the fill's effect on a net position."""
        return 1 if self is Side.BUY else -1


SOURCES = (
    "tradovate-api",
    "tradovate-orders",
    "ninjatrader-executions",
    "rithmic-orders",
    "topstepx-orders",
)
"""Where a fill came from: the Tradovate route's API, or one of the four export formats."""


@dataclass(frozen=True, slots=True)
class BrokerFill:
    """One fill at the broker.

    `fill_id` is the broker's own id for the fill where it has one (Tradovate's `fill/list`
    id, NinjaTrader's execution `ID`); the order-level exports (Tradovate Orders, R|Trader
    Pro, TopstepX) have none, so their rows are keyed by a hash of the row (see `key`).
    `contract` is the month code in Tradovate's form (`NQZ6`), `root` its root (`NQ`).
    """

    source: str
    account: str
    fill_id: str | None
    order_id: str | None
    contract: str
    root: str
    side: Side
    qty: int
    price: Decimal
    time: datetime
    commission: Decimal | None = None

    def __post_init__(self) -> None:
        if self.time.tzinfo is None:
            raise ValueError("a broker fill's time must be timezone-aware")
        if self.qty <= 0:
            raise ValueError("a broker fill's quantity must be a positive whole number")

    @property
    def signed_qty(self) -> int:
        """The fill's effect on the account's net position."""
        return self.side.sign * self.qty

    @property
    def key(self) -> str:
        """The idempotency key: the same fill read twice (two polls, two imports) is one fill.

        The broker's fill id when there is one; otherwise a stable hash of what identifies
        the row (account, order id, contract, side, quantity, price, time in UTC), which is
        the same however often the same export is imported.
        """
        if self.fill_id:
            return f"{self.source}:{self.fill_id}"
        parts = (
            self.source,
            self.account,
            self.order_id or "",
            self.contract,
            self.side.value,
            str(self.qty),
            _plain(self.price),
            self.time.astimezone(UTC).isoformat(),
        )
        digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:20]
        return f"{self.source}:h{digest}"


def _plain(value: Decimal) -> str:
    """A decimal without exponent or trailing zeros, so 21000.50 and 21000.5 hash alike."""
    text = format(value.normalize(), "f")
    return text if text != "-0" else "0"
