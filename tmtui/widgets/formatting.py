"""How the screen writes money, prices, durations and times; formatting only, no arithmetic.

Every widget goes through these so a figure looks the same in the table, the totals bar
and the confirmation modal.
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from decimal import Decimal

from rich.console import JustifyMethod
from rich.text import Text

from tmtui.core.views import money, price

NO_VALUE = "—"
MAX_PRICE_PLACES = 6
"""An average over lots can have 28 digits; the screen shows at most this many places."""


def signed_money(value: Decimal | None) -> str:
    """`+1,000.00`, `-500.00`, `0.00`, or a dash when there is no figure yet."""
    if value is None:
        return NO_VALUE
    rounded = money(value)
    return f"{rounded:+,.2f}" if rounded else "0.00"


def pnl_style(value: Decimal | None) -> str:
    """Green for a gain, red for a loss, plain for zero or unknown."""
    if value is None or not money(value):
        return ""
    return "green" if value > 0 else "red"


def money_text(
    value: Decimal | None, *, bold: bool = False, justify: JustifyMethod = "right"
) -> Text:
    """A signed, colored money figure as a Rich Text."""
    style = pnl_style(value)
    if bold and style:
        style = f"bold {style}"
    return Text(signed_money(value), style=style, justify=justify)


def price_text(value: Decimal | None) -> str:
    """An exact price (never rounded to cents), cut to a readable number of places."""
    if value is None:
        return NO_VALUE
    shown = price(value)
    exponent = shown.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -MAX_PRICE_PLACES:
        shown = value.quantize(Decimal(1).scaleb(-MAX_PRICE_PLACES))
    return format(shown, "f")


def duration_text(elapsed: timedelta) -> str:
    """`0:12:05`; hours keep counting past a day (`27:03:00`), never negative."""
    seconds = max(int(elapsed.total_seconds()), 0)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"


def clock_text(moment: datetime, tz: tzinfo) -> str:
    """`12:31:07` in the session's time zone."""
    return moment.astimezone(tz).strftime("%H:%M:%S")
