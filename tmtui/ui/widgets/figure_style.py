"""How the screen writes money, prices and times: `tmtui.core.formatting` plus color.

Every widget goes through these so a figure looks the same in the table, the totals bar,
the charts and the confirmation modal (and, through the core, in the CLI tables).
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from decimal import Decimal

from rich.console import JustifyMethod
from rich.text import Text

from tmtui.core.formatting import (
    MAX_PRICE_PLACES,
    NO_VALUE,
    duration_text,
    signed_money,
)
from tmtui.core.formatting import price_text as _price_text
from tmtui.core.views import money

__all__ = [
    "GAIN",
    "LOSS",
    "MAX_PRICE_PLACES",
    "NO_VALUE",
    "WARN",
    "clock_text",
    "duration_text",
    "money_text",
    "pnl_style",
    "price_text",
    "signed_money",
]

GAIN = "#5fd75f"
"""Bright enough to read on the dark themes' near-black panels (ANSI green is not, on some)."""
LOSS = "#ff5f5f"
WARN = "#ffd75f"


def pnl_style(value: Decimal | None) -> str:
    """Green for a gain, red for a loss, plain for zero or unknown."""
    if value is None or not money(value):
        return ""
    return GAIN if value > 0 else LOSS


def money_text(
    value: Decimal | None, *, bold: bool = False, justify: JustifyMethod = "right"
) -> Text:
    """A signed, colored money figure as a Rich Text (a dim dash when unknown)."""
    style = pnl_style(value) if value is not None else "dim"
    if bold and style and value is not None:
        style = f"bold {style}"
    return Text(signed_money(value), style=style, justify=justify)


def price_text(value: Decimal | None, tick: Decimal | None = None) -> str:
    """A price with the contract's tick decimals; exact (trimmed) when the tick is unknown."""
    return _price_text(value, tick)


def clock_text(moment: datetime, tz: tzinfo) -> str:
    """`12:31:07` in the session's time zone."""
    return moment.astimezone(tz).strftime("%H:%M:%S")
