"""How a dialog says where a price comes from: live (age), STALE (age), DELAYED 10 min, none.

The close dialog and the order form both put this next to the price they will use, so the
trader never acts on a price without seeing how fresh it is. Stale and delayed marks are
worded as such and drawn in warning colors.
"""

from __future__ import annotations

from rich.text import Text

from tmtui.core.alerts.manual_orders import PriceSource
from tmtui.core.views import MarkState

MARK_STYLES = {
    MarkState.LIVE: "green",
    MarkState.STALE: "bold black on yellow",
    MarkState.DELAYED: "bold yellow on red",
    MarkState.NONE: "bold red",
}


def age_text(seconds: float | None) -> str:
    """`2s`, `4m05s`, `3h02m`: short enough for a dialog column."""
    if seconds is None:
        return "?"
    whole = max(int(seconds), 0)
    if whole < 60:
        return f"{whole}s"
    if whole < 3600:
        return f"{whole // 60}m{whole % 60:02d}s"
    return f"{whole // 3600}h{whole % 3600 // 60:02d}m"


def mark_label(state: MarkState, age: float | None, delay_minutes: int | None) -> Text:
    """The price source as the trader reads it, colored by how far to trust it."""
    words = {
        MarkState.LIVE: f"live ({age_text(age)})",
        MarkState.STALE: f"STALE ({age_text(age)})",
        MarkState.DELAYED: f"DELAYED {delay_minutes or '?'} min",
        MarkState.NONE: "none",
    }
    return Text(words[state], style=MARK_STYLES[state])


def mark_warning(state: MarkState, symbol: str, age: float | None, delay: int | None) -> str:
    """A sentence for a mark the trader should doubt; empty for a live one."""
    if state is MarkState.STALE:
        return f"{symbol}: the mark is STALE, {age_text(age)} old: the market may have moved."
    if state is MarkState.DELAYED:
        return f"{symbol}: the mark is DELAYED {delay or '?'} min, not the market now."
    if state is MarkState.NONE:
        return f"{symbol}: no price from the feed: type the fill price."
    return ""


def price_source(state: MarkState) -> PriceSource:
    """The ledger's word for a mark used as it was shown."""
    return {
        MarkState.LIVE: PriceSource.LIVE,
        MarkState.STALE: PriceSource.STALE,
        MarkState.DELAYED: PriceSource.DELAYED,
    }.get(state, PriceSource.TYPED)
