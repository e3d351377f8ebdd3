"""How tmtui writes numbers for people: prices, money, durations and row order.

One set of rules for the screen and the command line, so a figure reads the same in the
positions table, the totals bar, a confirmation and `tmtui trades`: prices to the contract's
tick decimals, money with thousands separators and an explicit sign, a dash for a figure that
does not exist yet (unknown is never shown as zero). Pure text: colors are the UI's business.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from decimal import ROUND_HALF_EVEN, Decimal

from tmtui.core.views import money

NO_VALUE = "—"
"""What a figure that does not exist yet (no quote, no mark) reads as; never `0`."""

MAX_PRICE_PLACES = 6
"""An average over lots can have 28 digits; past the tick's places we show at most this many."""


def tick_places(tick: Decimal | None) -> int:
    """Decimals a contract's prices are quoted with: NQ 0.25 → 2, 6E 0.00005 → 5, YM 1 → 0."""
    if tick is None or not tick.is_finite() or tick <= 0:
        return 0
    exponent = tick.normalize().as_tuple().exponent
    return max(-exponent, 0) if isinstance(exponent, int) else 0


def price_text(value: Decimal | None, tick: Decimal | None = None) -> str:
    """A price with the contract's tick decimals (`25597.00`, `70.40`, `1.16005`).

    A price off the tick grid (an average over lots, `25600.125`) keeps the extra places it
    needs, up to MAX_PRICE_PLACES, rather than be silently rounded to a price nobody paid.
    Without a tick the exact value is shown, trailing zeros trimmed.
    """
    if value is None:
        return NO_VALUE
    if not value.is_finite():
        return str(value)
    places = tick_places(tick) if tick is not None else 0
    exact = value.normalize()
    exponent = exact.as_tuple().exponent
    needed = max(-exponent, 0) if isinstance(exponent, int) else 0
    shown = min(max(places, needed), max(places, MAX_PRICE_PLACES))
    return f"{value.quantize(Decimal(1).scaleb(-shown), rounding=ROUND_HALF_EVEN):f}"


def signed_money(value: Decimal | None) -> str:
    """`+1,234.50`, `-500.00`, `0.00` (zero has no sign), or a dash when there is no figure."""
    if value is None:
        return NO_VALUE
    rounded = money(value)
    return f"{rounded:+,.2f}" if rounded else "0.00"


def compact_money(value: Decimal | float | None) -> str:
    """A short signed figure for chart scales: `+850`, `-1.2k`, `+12.3k`, `+1.5M`, `0`."""
    if value is None:
        return NO_VALUE
    number = float(value)
    size = abs(number)
    if round(size, 2) == 0:
        return "0"
    sign = "+" if number > 0 else "-"
    for limit, suffix in ((1e6, "M"), (1e3, "k")):
        if size >= limit * 0.9995:  # 999,999 reads +1.0M, not +1,000k
            scaled = size / limit
            digits = 1 if scaled < 99.95 else 0
            return f"{sign}{scaled:,.{digits}f}{suffix}"
    if size >= 100 or size == int(size):
        return f"{sign}{size:,.0f}"
    return f"{sign}{size:,.2f}"


def duration_text(elapsed: timedelta) -> str:
    """`0:12:05`; hours keep counting past a day (`27:03:00`), never negative."""
    seconds = max(int(elapsed.total_seconds()), 0)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"


def row_order(strategy: str, symbol: str) -> tuple[str, str, str, str]:
    """Sort key shared by the screen and the CLI: by strategy, then symbol, ignoring case.

    Ties of case (`orb` and `ORB`) fall back to the exact text so the order is total.
    """
    return (strategy.casefold(), symbol.casefold(), strategy, symbol)


def ellipsize(text: str, width: int) -> str:
    """`text` cut to `width` characters, ending in `…` when it was longer."""
    if width <= 0:
        return ""
    if len(text) <= width:
        return text
    return text[: width - 1].rstrip() + "…"


def _head_and_tail(text: str, width: int) -> str:
    """`Very Long St…Name Alpha`: keeps the end, where similar names usually differ."""
    tail = (width - 1) // 2
    return text[: width - 1 - tail].rstrip() + "…" + text[len(text) - tail :].lstrip()


def shorten_names(names: Iterable[str], width: int) -> dict[str, str]:
    """Each name as shown in a column `width` wide: whole if it fits, else ending in `…`.

    Two different names that would read the same once cut (`Very Long Strategy Name…`)
    keep their ends instead (`Very Long St…Name Alpha`), so the trader can tell them apart.
    """
    unique = sorted(set(names))
    shown = {name: ellipsize(name, width) for name in unique}
    readings: dict[str, list[str]] = {}
    for name, text in shown.items():
        readings.setdefault(text, []).append(name)
    for group in readings.values():
        if len(group) > 1:
            for name in group:
                if len(name) > width:
                    shown[name] = _head_and_tail(name, width)
    return shown
