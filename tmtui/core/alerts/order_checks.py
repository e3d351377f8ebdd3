"""The manual order form's checks, pure: the lockout, and a price far from the mark.

A manual order is the trader's, so the strategy switch does not stop it; the risk guard's
entry rules do (a lockout exists to stop new exposure, whoever asks): an order that would
open contracts while they forbid it is refused, one that reduces or closes passes. A price
farther than `[ui] order_price_band` percent from the mark is not refused but asked again
(a typo such as 25480 for 25540 books a loss at the next mark).
"""

from __future__ import annotations

from decimal import Decimal

from tmtui.core.alerts.entry_rules import EntryVerdict
from tmtui.core.formatting import exact_text, price_text, ratio_text


def order_refusal(verdict: EntryVerdict) -> str | None:
    """Why the entry rules refuse the order (None: it passes). A trim is a refusal here:
    the trader asked for an exact quantity, the form tells them what is allowed."""
    if verdict.allowed == verdict.wanted:
        return None
    allowed = verdict.allowed - verdict.before
    what = "no new entries" if allowed == 0 else f"at most {abs(allowed)} allowed"
    return f"refused: {verdict.message} ({what}; exits pass)"


def band_distance(price: Decimal, mark: Decimal) -> Decimal:
    """How far `price` is from `mark`, in percent of the mark (always >= 0)."""
    if mark == 0:
        return Decimal(0) if price == mark else Decimal(100)
    return abs(price - mark) / abs(mark) * 100


def band_question(
    price: Decimal, mark: Decimal | None, band_pct: Decimal, tick: Decimal | None = None
) -> str | None:
    """`25480.00 is 56.00 (0.22%) from the mark 25536.00: Enter again to use it` when the
    price is outside the band; None inside it, or without a mark (nothing to compare)."""
    if mark is None or band_pct <= 0:
        return None
    distance = band_distance(price, mark)
    if distance <= band_pct:
        return None
    points = price_text(abs(price - mark), tick)
    return (
        f"{price_text(price, tick)} is {points} ({ratio_text(distance)}%) from the mark "
        f"{price_text(mark, tick)}, beyond order_price_band {exact_text(band_pct)}%: "
        "Enter again to use it"
    )
