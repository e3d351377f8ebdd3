"""What a trader types into the Trades screen's filter, read strictly.

Pure: empty means "any"; a bad date is refused with a one-line reason naming the field, so
the screen can say what to fix and keep the filter it had.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


class FilterError(ValueError):
    """A filter field the trader has to fix; the message names it."""


@dataclass(frozen=True, slots=True)
class FilterFields:
    """The filter as typed: strategy, symbol, first and last trading day (inclusive)."""

    strategy: str | None = None
    symbol: str | None = None
    first: date | None = None
    last: date | None = None

    @property
    def empty(self) -> bool:
        return self == FilterFields()

    def describe(self) -> str:
        """`ORB · NQ · 2026-03-02`, or `all trades`."""
        parts = [p for p in (self.strategy, self.symbol) if p]
        if self.first and self.first == self.last:
            parts.append(self.first.isoformat())
        elif self.first or self.last:
            start = self.first.isoformat() if self.first else "start"
            end = self.last.isoformat() if self.last else "today"
            parts.append(f"{start} to {end}")
        return " · ".join(parts) if parts else "all trades"


def parse_day(text: str, field: str) -> date | None:
    """`2026-03-02` as a date; empty as None."""
    text = text.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise FilterError(f"{field}: expected a day like 2026-03-02, got {text!r}") from None


def parse_filter(strategy: str, symbol: str, first: str, last: str) -> FilterFields:
    """The four fields as typed; refuses a bad day or a range that ends before it starts."""
    fields = FilterFields(
        strategy.strip() or None,
        symbol.strip() or None,
        parse_day(first, "from"),
        parse_day(last, "to"),
    )
    if fields.first and fields.last and fields.first > fields.last:
        raise FilterError(f"from {fields.first} is after to {fields.last}")
    return fields
