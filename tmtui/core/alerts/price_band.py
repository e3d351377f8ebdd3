"""The price band: an alert whose price is far from the market is a typo, not a fill.

Why: a price of 256000 for NQ at 25,600 is accepted by every other check, books a loss of
millions at the next mark, and a daily loss limit then closes everything and locks the day.
The record is append-only, so the only safe moment to catch it is before it is recorded.

`[listener] price_band` is a fraction of the mark (0.10 is 10%; 0 turns the band off): an
alert price farther than that from the current mark is refused (422) with both prices in
the reason. The mark is the position's own, else the root's last price from the feed, else
another strategy's mark in the same root. Without a mark (no feed yet, or a mark at or
below zero, where a relative band means nothing) there is no band. The trader's own closes
and orders are not held to it: they confirmed their price.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final

from tmtui.core.book.book import Book, PositionKey
from tmtui.core.formatting import price_text, short_percent
from tmtui.core.models import Signal, UnusableSignal

DEFAULT_PRICE_BAND: Final = Decimal("0.10")


def reference_mark(book: Book, key: PositionKey) -> Decimal | None:
    """The mark an alert for `key` is compared with, or None when there is none."""
    own = book.positions.get(key)
    if own is not None and own.mark is not None:
        return own.mark
    last = book.last_price.get(key[1])
    if last is not None:
        return last
    marks = (p.mark for p in book.positions.values() if p.root == key[1] and p.mark is not None)
    return next(marks, None)


def check_price_band(signal: Signal, book: Book, band: Decimal) -> None:
    """Raise UnusableSignal (422) when the signal's price is outside the band around the mark."""
    price = signal.price
    if price is None or band <= 0:
        return
    mark = reference_mark(book, (signal.strategy, signal.root))
    if mark is None or mark <= 0:
        return
    distance = abs(price - mark) / mark
    if distance <= band:
        return
    tick = book.contracts[signal.root].tick_size
    raise UnusableSignal(
        f"PRICE BAND: price {price_text(price, tick)} for {signal.root} is "
        f"{_percent(distance)} away from the mark {price_text(mark, tick)}, more than "
        f"[listener] price_band {_percent(band)}: refused as a likely "
        "typo (fix the alert's price, or widen price_band)",
        rule="price_band",
        figures={"price": str(price), "mark": str(mark), "price_band": str(band)},
    )


def _percent(fraction: Decimal) -> str:
    return short_percent(fraction)
