"""The banner that stays while an order to a bridge needs the trader: rejected, unknown, or
failed for good (and not dismissed). An unknown order is never resent by itself, so the
screen must say so loudly until the trader resends or dismisses it (`o`)."""

from __future__ import annotations

from collections import Counter

from rich.text import Text
from textual.widgets import Static

from tmtui.core.orders.states import Order


def banner_text(orders: list[Order]) -> str:
    """`⚠ ORDERS NEED YOU: 1 unknown, 1 rejected (last: order 7 ...) · press o`."""
    counts = Counter(o.state.value for o in orders)
    what = ", ".join(f"{n} {state}" for state, n in sorted(counts.items()))
    last = orders[-1]
    return (
        f"⚠ ORDERS NEED YOU: {what} — last: order {last.id} {last.intent.strategy} "
        f"{last.intent.symbol} → {last.route}: {last.state.value} · press o"
    )


class OrdersBanner(Static):
    """Hidden while every order is fine."""

    DEFAULT_CSS = """
    OrdersBanner {
        height: auto;
        background: $error 60%;
        color: $text;
        text-style: bold;
        padding: 0 1;
        display: none;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self._shown = ""

    def show(self, orders: list[Order]) -> None:
        text = banner_text(orders) if orders else ""
        if text == self._shown:
            return
        self._shown = text
        self.update(Text(text))
        self.display = bool(text)
