"""Closes and orders the trader makes from the keyboard: the price used and where it came from.

A manual signal is recorded like an alert, with the price the trader saw or typed and its
source, so the ledger can always answer "closed at what, and why that price".
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from tmtui.core.models import Action, InvalidSignal


class PriceSource(StrEnum):
    """`live`, `stale` and `delayed` are the mark as shown; `typed` the trader's own price."""

    LIVE = "live"
    STALE = "stale"
    DELAYED = "delayed"
    TYPED = "typed"


@dataclass(frozen=True, slots=True)
class ManualPrice:
    price: Decimal
    source: PriceSource


@dataclass(frozen=True, slots=True)
class ManualOrder:
    """A buy or sell the trader placed from the order form (`b` / `s`)."""

    strategy: str
    ticker: str
    action: Action
    qty: int
    price: ManualPrice


def parse_price(text: str, symbol: str) -> Decimal:
    """A price the trader typed: a finite number, or InvalidSignal with a one-line reason."""
    cleaned = text.strip().replace(",", "")
    if not cleaned:
        raise InvalidSignal(f"type a price for {symbol}")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise InvalidSignal(f"{symbol}: {text.strip()!r} is not a price") from None
    if not value.is_finite():
        raise InvalidSignal(f"{symbol}: {text.strip()!r} is not a price")
    return value


def manual_raw(
    action: Action,
    strategy: str,
    symbol: str,
    qty: int | None,
    price: ManualPrice,
    reason: str,
) -> str:
    """The `raw` stored for a manual signal: what was asked, at what price, from where."""
    body: dict[str, object] = {"action": action.value, "strategy": strategy, "symbol": symbol}
    if qty is not None:
        body["qty"] = qty
    body.update(price=str(price.price), price_source=price.source.value, reason=reason)
    return json.dumps(body)
