"""Every number an alert carries is checked here before anything is worked out from it.

Why: the ledger keeps money as Decimals in Python's default context (28 significant
digits); a price such as `1e26` or `1e308` is finite and positive, yet the first P&L worked
out from it no longer fits, so every later read ends in `decimal.InvalidOperation`. And the
record is append-only: a number that gets in is there for good. So a number is refused,
with the reason, unless it is

* finite (no NaN, no Infinity) and of a sane size: at most `MAX_MAGNITUDE` before the point,
  checked before it is ever turned into an int (`1e999999999` contracts would otherwise
  build a billion-digit integer);
* of a sane precision: at most `MAX_DECIMALS` decimal places and `MAX_DIGITS` significant
  digits (no futures price has more; beyond that it is junk, not a price);
* for a price, within the contract's sane range: one contract at that price is worth at most
  `MAX_CONTRACT_VALUE` (so qty x price x point value, summed over years of trades, stays
  exact to the cent), and above zero unless the contract allows negative prices.

`-0` is read as 0. Malformed values are `InvalidSignal` (400); well-formed but unusable ones
are `UnusableSignal` (422), each naming the rule and its figures.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Final

from tmtui.core.contracts import ContractSpec
from tmtui.core.formatting import price_text, whole_amount
from tmtui.core.models import InvalidSignal, UnusableSignal

MAX_MAGNITUDE: Final = 12
"""Digits before the point a number may have (a trillion): no price or size comes close."""
MAX_DECIMALS: Final = 10
"""Decimal places a number may have: finer than any futures tick by far."""
MAX_DIGITS: Final = 20
"""Significant digits a number may have, well inside the ledger's 28."""
MAX_CONTRACT_VALUE: Final = Decimal(10) ** 9
"""Price x point value of one contract may not exceed this (ES at 6,800 is 340,000)."""


def to_decimal(value: object, name: str) -> Decimal:
    """A finite Decimal of sane size and precision from a JSON number or a numeric string."""
    if isinstance(value, bool) or value is None:
        raise InvalidSignal(f"{name} must be a number, got {value!r}")
    if isinstance(value, float):
        value = repr(value)
    try:
        number = Decimal(str(value).strip()) if not isinstance(value, Decimal) else value
    except InvalidOperation:
        raise InvalidSignal(f"{name} must be a number, got {_shown(value)}") from None
    if not number.is_finite():
        raise InvalidSignal(f"{name} must be a finite number, got {_shown(value)}")
    if number.is_zero():
        return Decimal(0)  # -0, 0E-999999: zero, plainly
    return _check_size(number, name)


def to_whole(value: object, name: str) -> int:
    """A whole number (of contracts), sized before it becomes an int."""
    number = to_decimal(value, name)
    if number != number.to_integral_value():
        raise InvalidSignal(f"{name} must be a whole number of contracts, got {_shown(value)}")
    return int(number)


def validate_price(price: Decimal, spec: ContractSpec) -> Decimal:
    """A price usable for `spec`: sane size (see `to_decimal`), in range, sign allowed."""
    if price.is_zero():
        price = abs(price)
    elif price.is_finite():
        price = _check_size(price, "price")
    else:
        shown = price_text(price, spec.tick_size)
        raise InvalidSignal(f"price must be a finite number, got {shown}")
    root = spec.root
    if price <= 0 and not spec.allow_negative:
        raise UnusableSignal(
            f"price {price_text(price, spec.tick_size)} for {root} must be > 0 "
            f"(set allow_negative in [contracts.{root}] "
            "for a market that can trade below zero)",
            rule="price",
            figures={"price": str(price)},
        )
    ceiling = max_price(spec)
    if abs(price) > ceiling:
        raise UnusableSignal(
            f"price {price_text(price, spec.tick_size)} for {root} is out of range: "
            "one contract would be worth "
            f"{whole_amount(abs(price) * spec.point_value)}, "
            f"more than {whole_amount(MAX_CONTRACT_VALUE)}",
            rule="price",
            figures={"price": str(price), "max_price": str(ceiling)},
        )
    return price


def max_price(spec: ContractSpec) -> Decimal:
    """The largest price (in absolute value) a contract of `spec` is taken at."""
    return MAX_CONTRACT_VALUE / spec.point_value


def _check_size(number: Decimal, name: str) -> Decimal:
    """Refuse absurd magnitude and precision (trailing zeros do not count), shown short;
    return the number without zeros past `MAX_DECIMALS` places (the same value)."""
    if number.adjusted() >= MAX_MAGNITUDE:
        raise UnusableSignal(
            f"{name} {_shown(number)} is out of range (at most {MAX_MAGNITUDE} digits "
            "before the point)",
            rule="number",
            figures={name: _shown(number)},
        )
    _sign, digits, exponent = number.as_tuple()
    assert isinstance(exponent, int)
    trailing = len(digits) - len("".join(map(str, digits)).rstrip("0"))
    kept = min(trailing, max(0, -exponent))  # zeros after the point say nothing
    places, significant = -exponent - kept, len(digits) - kept
    if places > MAX_DECIMALS or significant > MAX_DIGITS:
        raise UnusableSignal(
            f"{name} {_shown(number)} has more precision than any price or size "
            f"(at most {MAX_DECIMALS} decimal places, {MAX_DIGITS} digits)",
            rule="number",
            figures={name: _shown(number)},
        )
    if -exponent > MAX_DECIMALS:
        return number.quantize(Decimal(1).scaleb(-MAX_DECIMALS))
    return number


def _shown(value: object) -> str:
    """A number as the refusal shows it: short, whatever was sent."""
    text = str(value).strip()
    return text if len(text) <= 40 else text[:37] + "..."
