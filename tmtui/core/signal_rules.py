"""Turning an alert's loose fields into a `Signal` tmtui can apply, or a clear refusal.

Malformed values (not a number, not a whole number) are `InvalidSignal` (HTTP 400); values
that are well-formed but unusable (unknown contract, qty over the limit, price ≤ 0) are
`UnusableSignal` (HTTP 422).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from tmtui.core.contracts import ContractBook
from tmtui.core.models import (
    Action,
    AlertFields,
    InvalidSignal,
    Signal,
    UnknownContract,
    UnusableSignal,
)

DEFAULT_STRATEGY = "default"


def to_decimal(value: object, name: str) -> Decimal:
    """A finite Decimal from a JSON number or a numeric string."""
    if isinstance(value, bool) or value is None:
        raise InvalidSignal(f"{name} must be a number, got {value!r}")
    if isinstance(value, float):
        value = repr(value)
    try:
        number = Decimal(str(value).strip()) if not isinstance(value, Decimal) else value
    except InvalidOperation:
        raise InvalidSignal(f"{name} must be a number, got {value!r}") from None
    if not number.is_finite():
        raise InvalidSignal(f"{name} must be a finite number, got {value!r}")
    return number


def to_whole(value: object, name: str) -> int:
    number = to_decimal(value, name)
    if number != number.to_integral_value():
        raise InvalidSignal(f"{name} must be a whole number of contracts, got {value!r}")
    return int(number)


def validate_price(price: Decimal, root: str, allow_negative: bool) -> Decimal:
    if price <= 0 and not allow_negative:
        raise UnusableSignal(
            f"price {price} for {root} must be > 0 (set allow_negative in [contracts.{root}] "
            "for a market that can trade below zero)",
            rule="price",
            figures={"price": str(price)},
        )
    return price


def build_signal(
    fields: AlertFields,
    contracts: ContractBook,
    max_qty: int,
    received: datetime | None = None,
    source: str = "webhook",
) -> Signal:
    """Validate alert fields into a Signal; the strategy defaults to "default"."""
    if not fields.action and fields.market_position is None:
        raise InvalidSignal("the alert has no action (buy, sell, close ...)")
    if not fields.ticker:
        raise InvalidSignal("the alert has no ticker")
    target = _target(fields)
    if fields.action:
        action = Action.parse(fields.action)
    elif target == 0:
        action = Action.CLOSE
    else:
        raise InvalidSignal("the alert has no action (buy, sell, close ...)")
    try:
        spec = contracts.resolve(fields.ticker)
    except UnknownContract as exc:
        raise UnusableSignal(str(exc), rule="contract", figures={"ticker": fields.ticker}) from None
    qty = None
    if fields.qty not in (None, "") and action is not Action.CLOSE:
        qty = to_whole(fields.qty, "qty")
        if not 1 <= qty <= max_qty:
            raise UnusableSignal(
                f"qty {qty} is outside 1..{max_qty} (listener.max_qty)",
                rule="max_qty",
                figures={"qty": str(qty), "max_qty": str(max_qty)},
            )
    if action is not Action.CLOSE and qty is None and target is None:
        raise InvalidSignal(f"{action.value} needs a qty (contracts)")
    if target is not None and abs(target) > max_qty * 10:
        raise UnusableSignal(
            f"position_size {target} is implausibly large",
            rule="position_size",
            figures={"position_size": str(target), "cap": str(max_qty * 10)},
        )
    price = None
    if fields.price not in (None, ""):
        price = validate_price(to_decimal(fields.price, "price"), spec.root, spec.allow_negative)
    return Signal(
        strategy=fields.strategy or DEFAULT_STRATEGY,
        root=spec.root,
        action=action,
        qty=qty,
        price=price,
        time=received or datetime.now(UTC),
        target=target,
        source=source,
        alert_id=fields.alert_id,
        ticker=fields.ticker,
    )


def _target(fields: AlertFields) -> int | None:
    """The signed position the strategy reports after this order, if it said."""
    if fields.position_size not in (None, ""):
        return to_whole(fields.position_size, "position_size")
    if fields.market_position is not None and fields.market_position.strip().lower() == "flat":
        return 0
    return None


def signal_to_dict(signal: Signal) -> dict[str, Any]:
    """The parsed fields as stored in the ledger; prices as strings to stay exact."""
    return {
        "strategy": signal.strategy,
        "root": signal.root,
        "action": signal.action.value,
        "qty": signal.qty,
        "price": None if signal.price is None else str(signal.price),
        "time": signal.time.isoformat(),
        "target": signal.target,
        "source": signal.source,
        "alert_id": signal.alert_id,
        "ticker": signal.ticker,
    }


def signal_from_dict(data: dict[str, Any]) -> Signal:
    return Signal(
        strategy=data["strategy"],
        root=data["root"],
        action=Action(data["action"]),
        qty=data["qty"],
        price=None if data["price"] is None else Decimal(data["price"]),
        time=datetime.fromisoformat(data["time"]),
        target=data["target"],
        source=data.get("source", "webhook"),
        alert_id=data.get("alert_id"),
        ticker=data.get("ticker", ""),
    )
