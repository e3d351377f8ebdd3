"""A reconciliation as text rows: what `tmtui reconcile` and the Reconcile screen both show.

Figures keep their meaning in words: slippage is a cost (positive when it cost the trader),
a figure that cannot be known is a dash, never 0. Prices take the contract's tick decimals.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import tzinfo
from decimal import Decimal

from tmtui.core.broker.fills import BrokerFill
from tmtui.core.broker.reconcile import SignalOutcome
from tmtui.core.broker.reconciliation import PositionRow, StrategyTotals
from tmtui.core.formatting import (
    NO_VALUE,
    price_text,
    signed_money,
    signed_ratio,
)
from tmtui.core.formatting import (
    seconds_text as seconds_figure,
)

Ticks = Callable[[str], Decimal | None]
"""A root's tick size (None when the contract is unknown)."""

SIGNAL_COLUMNS = (
    "Time", "Strategy", "Symbol", "Action", "Qty", "Signal", "Filled", "Fill",
    "Slip ticks", "Slip $", "Latency", "State",
)  # fmt: skip
EXTRA_COLUMNS = ("Time", "Account", "Contract", "Side", "Qty", "Price", "Source")
POSITION_COLUMNS = ("Route", "Symbol", "Books", "Broker", "Drift")
TOTAL_COLUMNS = (
    "Strategy", "Signals", "Matched", "Missed", "Extra", "Slip $", "Avg ticks",
    "Avg latency", "Books net", "Broker net",
)  # fmt: skip
TEXT_COLUMNS = {"signals": 4, "extras": 4, "positions": 2, "totals": 1}
"""How many leading columns of each table are words (the rest are figures)."""


def signal_cells(o: SignalOutcome, tz: tzinfo, ticks: Ticks) -> list[str]:
    s = o.signal
    tick = ticks(s.symbol)
    return [
        s.time.astimezone(tz).strftime("%H:%M:%S"),
        s.strategy,
        s.symbol,
        s.action,
        f"{s.side.value} {s.qty}",
        price_text(s.signal_price, tick),
        str(o.fill_qty),
        price_text(o.fill_price, tick),
        ticks_text(o.slippage_ticks),
        signed_money(o.slippage),
        seconds_text(o.latency_s),
        o.state.value,
    ]


def extra_cells(f: BrokerFill, tz: tzinfo, ticks: Ticks) -> list[str]:
    return [
        f.time.astimezone(tz).strftime("%H:%M:%S"),
        f.account,
        f.contract,
        f.side.value,
        str(f.qty),
        price_text(f.price, ticks(f.root)),
        f.source,
    ]


def position_cells(p: PositionRow) -> list[str]:
    return [p.route, p.symbol, signed(p.books_qty), signed(p.broker_qty), signed(p.drift)]


def total_cells(t: StrategyTotals) -> list[str]:
    return [
        t.strategy if t.strategy is not None else "(shared)",
        str(t.signals),
        str(t.matched),
        str(t.missed),
        str(t.extra),
        signed_money(t.slippage),
        ticks_text(t.avg_slippage_ticks),
        seconds_text(t.avg_latency_s),
        signed(t.books_net),
        signed(t.broker_net),
    ]


def ticks_text(value: Decimal | None) -> str:
    return signed_ratio(value)


def seconds_text(value: Decimal | None) -> str:
    return NO_VALUE if value is None else f"{seconds_figure(value, 3)}s"


def signed(value: int | None) -> str:
    """A net position: `+2`, `-1`, `0`, or a dash when unknown."""
    if value is None:
        return NO_VALUE
    return f"{value:+d}" if value else "0"
