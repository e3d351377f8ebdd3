"""How tmtui writes numbers for people: prices, money, durations and row order.

One set of rules for the screen and the command line, so a figure reads the same in the
positions table, the totals bar, a confirmation and `tmtui trades`: prices to the contract's
tick decimals, money with thousands separators and an explicit sign, a dash for a figure that
does not exist yet (unknown is never shown as zero). Pure text: colors are the UI's business.

Every price and money figure a person reads (screens, dialogs, log lines, the CLI, the
figures of a JSON reply that are not contract-exact) is written here; `tests/unit/
test_one_formatter.py` fails when a module formats a number with a format spec of its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from decimal import ROUND_HALF_EVEN, Decimal

CENT = Decimal("0.01")

NO_VALUE = "—"
"""What a figure that does not exist yet (no quote, no mark) reads as; never `0`."""

MAX_PRICE_PLACES = 6
"""An average over lots can have 28 digits; past the tick's places we show at most this many."""
AVERAGE_PLACES = MAX_PRICE_PLACES
"""The stated places of an average price (`25598.166667`), on screen and in JSON replies;
a price somebody paid (`25598.3125`) has fewer and is never cut."""
INFINITE = "∞"
"""A profit factor with wins and no losing trade."""


def money(value: Decimal) -> Decimal:
    """Round to cents (banker's rounding, as accounting does); `-0.00` becomes `0.00`."""
    rounded = value.quantize(CENT, rounding=ROUND_HALF_EVEN)
    return rounded if rounded else Decimal("0.00")


def average_price(value: Decimal) -> Decimal:
    """An average price rounded to AVERAGE_PLACES, trailing zeros trimmed: `25598.166667`
    for 25598.1666…, `25598.3125` unchanged, `6802.5` for 6802.50."""
    rounded = value.quantize(Decimal(1).scaleb(-AVERAGE_PLACES), rounding=ROUND_HALF_EVEN)
    if rounded == rounded.to_integral_value():
        return rounded.quantize(Decimal(1))
    return rounded.normalize()


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


def money_amount(value: Decimal | None) -> str:
    """An amount without a sign (a limit, a contract's worth): `1,250.00`, or a dash."""
    return NO_VALUE if value is None else f"{money(value):,.2f}"


def whole_amount(value: Decimal | float) -> str:
    """An amount in whole dollars with separators: `12,500`, `-3,000`."""
    return f"{value:,.0f}"


def commission_text(value: Decimal | None) -> str:
    """A commission is a cost: it reads `-4.50` (as it takes from the P&L), screen and CLI."""
    return NO_VALUE if value is None else signed_money(-value)


def ratio_text(value: Decimal | None, places: int = 2) -> str:
    """A ratio for people (`1.87`), or a dash when undefined."""
    if value is None:
        return NO_VALUE
    return f"{value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN):f}"


def percent_text(fraction: Decimal | None) -> str:
    """A fraction as a percentage with two decimals (`58.33%`), or a dash."""
    return NO_VALUE if fraction is None else ratio_text(fraction * 100) + "%"


def profit_factor_text(value: Decimal | None, wins: int) -> str:
    """Gross won over gross lost: `∞` with wins and no loss, a dash with no win either."""
    if value is None:
        return INFINITE if wins else NO_VALUE
    return ratio_text(value)


def seconds_text(value: float | Decimal, places: int = 1) -> str:
    """A duration in seconds for a log line (`1.5`, `34`), the unit written by the caller."""
    return f"{value:.{places}f}"


def signed_ratio(value: Decimal | None, places: int = 2) -> str:
    """A signed figure that is not money (ticks of slippage): `+1.50`, `-0.25`, `0.00`."""
    if value is None:
        return NO_VALUE
    return f"{value:+.{places}f}" if value else f"{0:.{places}f}"


def short_percent(fraction: Decimal) -> str:
    """A fraction as a percentage to one place, trailing zero trimmed: `5%`, `12.5%`."""
    return f"{(fraction * 100).quantize(Decimal('0.1')).normalize():f}%"


def exact_text(value: Decimal) -> str:
    """A Decimal written exactly, trailing zeros trimmed, never in exponent form: `6800`."""
    return f"{value.normalize():f}"


def count_text(value: int) -> str:
    """A count with thousands separators: `12,345`."""
    return f"{value:,}"


def compact_thousands(value: Decimal, width: int) -> str:
    """A signed amount in `width` columns: cents if they fit, else `+1.3k`, `-12k`, `+2M`."""
    text = signed_money(value)
    if len(text) <= width:
        return text
    thousands = value / 1000
    for places in (1, 0):
        short = f"{thousands:+,.{places}f}k"
        if len(short) <= width:
            return short
    return f"{thousands / 1000:+,.0f}M"


def axis_labels(ticks: list[float]) -> list[str]:
    """A money axis's labels at nice steps: `12,500` (cents only when the steps are that small)."""
    step = abs(ticks[1] - ticks[0]) if len(ticks) > 1 else 1.0
    places = 0 if step >= 1 else 2
    return [f"{0.0 if abs(t) < step / 1e6 else t:,.{places}f}" for t in ticks]


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


def name_order(name: str) -> tuple[str, str, str, str]:
    """Sort key for a list of strategy names: the order `row_order` gives their rows."""
    return row_order(name, "")


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
