"""The account's open P&L as a running sum, adjusted by one position's change per quote.

A quote moves the positions of one instrument; re-adding every open position's P&L on each
of 200 quotes a second made the account total cost as much as the rest of the quote path
together with 150 positions open. Here each position's last counted P&L is kept, and a mark
adds only the difference. Decimal addition is exact, so the running sum equals a fresh sum
to the cent. Anything else that changes which positions are open (a fill, a plan taken back,
a restored book) moves the book's `positions.version`, and the next read starts over with a
full sum: correctness never depends on every writer remembering to tell this class.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from tmtui.core.book.book import Book, Position, PositionKey

ZERO = Decimal(0)


class OpenTotal:
    """Sum of every open position's P&L at its mark (unmarked ones count nothing)."""

    def __init__(self) -> None:
        self._book: Book | None = None
        self._version = -1
        self._parts: dict[PositionKey, Decimal] = {}
        self._sum = ZERO

    def value(self, book: Book) -> Decimal:
        """The total now; a full sum only when the open positions changed since the last."""
        if not self._current(book):
            self._recount(book)
        return self._sum

    def marked(self, book: Book, positions: Iterable[Position]) -> None:
        """These positions have new marks: adjust the sum by each one's difference."""
        if not self._current(book):
            return  # the next read sums everything anyway
        parts = self._parts
        for pos in positions:
            now = pos.open_pnl or ZERO
            before = parts.get(pos.key, ZERO)
            if now != before:
                self._sum += now - before
                parts[pos.key] = now

    def _current(self, book: Book) -> bool:
        return book is self._book and book.positions.version == self._version

    def _recount(self, book: Book) -> None:
        self._book, self._version = book, book.positions.version
        self._parts = {p.key: p.open_pnl or ZERO for p in book.positions.values()}
        self._sum = sum(self._parts.values(), ZERO)
