"""Which price a position is marked at: pure, so P&L tests need no feed.

`last` marks everything at the last trade; `mid` at the middle of the book; `bid_ask` at the
price the position could be closed at now (a long sells at the bid, a short buys at the ask).
The scanner gives no bid/ask, so `mid` and `bid_ask` fall back to `last` rather than no mark.
"""

from __future__ import annotations

from decimal import Decimal

from tmtui.core.quotes import Quote

MARK_MODES = ("last", "mid", "bid_ask")
_TWO = Decimal(2)


def mark_price(quote: Quote, side_sign: int, mode: str) -> Decimal | None:
    """Mark price for a position of sign `side_sign` (>0 long, <0 short) under `mode`.

    Falls back to `quote.last` when the side(s) the mode needs are missing; None only when
    that is missing too. A flat position (sign 0) under `bid_ask` is marked at mid.
    Raises ValueError for an unknown mode so a config typo is not silently marked at last.
    """
    if mode == "last":
        return quote.last
    if mode == "mid":
        return _mid(quote)
    if mode == "bid_ask":
        if side_sign > 0:
            return quote.bid if quote.bid is not None else quote.last
        if side_sign < 0:
            return quote.ask if quote.ask is not None else quote.last
        return _mid(quote)
    raise ValueError(f"unknown mark mode {mode!r}: use one of {', '.join(MARK_MODES)}")


def _mid(quote: Quote) -> Decimal | None:
    if quote.bid is None or quote.ask is None:
        return quote.last
    return (quote.bid + quote.ask) / _TWO
