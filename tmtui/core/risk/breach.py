"""Where a limit breaks: the money of a position at a price, and the price for some money.

Exact Decimal maths. "Net" always means what the trader keeps after commissions: a position
is worth its open P&L minus the commission to close it (its entry commission is already
in the realized figures), and a per-position amount in dollars counts the round turn
(entry and exit commission of the open contracts). A breach price is the first price on
the contract's tick grid at which the limit is breached.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from tmtui.core.book.book import Position
from tmtui.core.contracts import ContractSpec


@dataclass(frozen=True, slots=True)
class BreachPrice:
    """The price at which one open position would breach a limit (None: it cannot)."""

    strategy: str
    root: str
    side: str
    qty: int
    price: Decimal | None
    tick: Decimal | None = None
    """The contract's tick: the price is written with its decimals (`@ 25575.00`)."""


def closing_commission(pos: Position, per_side: Decimal) -> Decimal:
    return per_side * pos.qty


def liquidation_pnl(pos: Position, price: Decimal, per_side: Decimal) -> Decimal:
    """Open P&L at `price` less the commission to close: what closing adds to realized."""
    return pos.pnl_at(price) - closing_commission(pos, per_side)


def first_tick(price: Decimal, tick: Decimal, falling: bool) -> Decimal:
    """The first tick reached at or beyond `price`: below it when falling, above when rising."""
    steps = (price / tick).to_integral_value(ROUND_FLOOR if falling else ROUND_CEILING)
    return steps * tick


def breach_price(
    pos: Position, spec: ContractSpec, exact: Decimal, falling: bool, qty: int | None = None
) -> BreachPrice:
    """A breach at `exact` as the first tick a trader would see; None when below zero
    on a market that cannot trade there. `qty` saves recounting the lots."""
    tick = first_tick(exact, spec.tick_size, falling)
    reachable = tick > 0 or spec.allow_negative
    side = "long" if pos.sign > 0 else "short"
    size = pos.qty if qty is None else qty
    price = tick if reachable else None
    return BreachPrice(pos.strategy, pos.root, side, size, price, spec.tick_size)


def alone_breach(pos: Position, spec: ContractSpec, headroom: Decimal) -> BreachPrice:
    """The price at which this position alone (everything else where it is now) would use
    up `headroom` dollars of a limit; the position must be marked."""
    assert pos.mark is not None
    qty = pos.qty
    exact = pos.mark - headroom / (qty * pos.point_value * pos.sign)  # P&L is linear in price
    return breach_price(pos, spec, exact, falling=pos.sign > 0, qty=qty)
