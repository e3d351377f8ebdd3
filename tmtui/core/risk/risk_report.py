"""The risk checks and locks as the public JSON of `tmtui risk --json` and the snapshot.

Money rounded to cents, prices exact, moments ISO 8601 in the session's time zone,
distances in the check's unit (dollars, contracts or whole seconds). A value nobody knows
yet is null, never 0.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from tmtui.core.formatting import NO_VALUE, money_amount, price_text, signed_money
from tmtui.core.risk.breach import BreachPrice
from tmtui.core.risk.risk_checks import Measure, RuleCheck
from tmtui.core.risk.risk_state import Lock
from tmtui.core.trading_day import TradingCalendar
from tmtui.core.views import money, price

DISTANCE_UNITS = {
    Measure.USD: "usd",
    Measure.PRICE: "usd",
    Measure.CONTRACTS: "contracts",
    Measure.TIME: "seconds",
}


def figure(value: Decimal | datetime | None, unit: Measure, calendar: TradingCalendar) -> Any:
    """One limit or value in its unit's public form."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(calendar.tz).isoformat()
    if unit is Measure.USD:
        return money(value)
    if unit is Measure.CONTRACTS:
        return int(value)
    return price(value)


def distance_json(check: RuleCheck) -> Any:
    if check.distance is None:
        return None
    if check.unit in (Measure.USD, Measure.PRICE):
        return money(check.distance)
    return int(check.distance)


def breach_json(bp: BreachPrice) -> dict[str, Any]:
    return {
        "strategy": bp.strategy,
        "symbol": bp.root,
        "side": bp.side,
        "qty": bp.qty,
        "price": None if bp.price is None else price(bp.price),
    }


def check_json(check: RuleCheck, calendar: TradingCalendar) -> dict[str, Any]:
    return {
        "rule": check.rule,
        "scope": check.scope,
        "strategy": check.strategy,
        "symbol": check.root,
        "unit": check.unit.value,
        "limit": figure(check.limit, check.unit, calendar),
        "value": figure(check.value, check.unit, calendar),
        "distance": distance_json(check),
        "distance_unit": DISTANCE_UNITS[check.unit],
        "level": check.level.value,
        "note": check.note,
        "breach_prices": [breach_json(bp) for bp in check.breach_prices],
    }


def lock_json(lock: Lock, calendar: TradingCalendar) -> dict[str, Any]:
    return {
        "rule": lock.rule,
        "scope": lock.scope,
        "strategy": lock.strategy,
        "day": lock.day.isoformat(),
        "since": lock.since.astimezone(calendar.tz).isoformat(),
        "until": calendar.bounds(lock.day)[1].isoformat(),
        "reason": lock.reason,
    }


def risk_json(
    now: datetime,
    checks: Iterable[RuleCheck],
    locks: Iterable[Lock],
    calendar: TradingCalendar,
) -> dict[str, Any]:
    """The whole risk picture at `now`: locks first, then every rule."""
    return {
        "time": now.astimezone(calendar.tz).isoformat(),
        "day": calendar.day_of(now).isoformat(),
        "locks": [lock_json(lock, calendar) for lock in locks],
        "rules": [check_json(check, calendar) for check in checks],
    }


@dataclass(frozen=True, slots=True)
class CheckText:
    """A check as short text for a table row or a dashboard line (colors by `level`)."""

    rule: str
    scope: str
    limit: str
    value: str
    distance: str
    breach: str
    level: str
    note: str


def check_text(check: RuleCheck, calendar: TradingCalendar) -> CheckText:
    """Words for one check: money with cents, prices exact, times in the session's zone."""
    return CheckText(
        check.rule,
        check.scope,
        _shown(check.limit, check, calendar),
        _shown(check.value, check, calendar),
        _distance_text(check),
        "\n".join(_breach_text(bp) for bp in check.breach_prices),
        check.level.value,
        check.note,
    )


def _shown(value: Decimal | datetime | None, check: RuleCheck, calendar: TradingCalendar) -> str:
    """A limit or value in its unit: money unsigned (a limit reads `1,000.00`), a price with
    its contract's tick decimals, a moment as the session's clock."""
    if value is None:
        return NO_VALUE
    if isinstance(value, datetime):
        return value.astimezone(calendar.tz).strftime("%H:%M")
    if check.unit is Measure.USD:
        return money_amount(value)
    return check.amount_text(value)


def _distance_text(check: RuleCheck) -> str:
    d = check.distance
    if d is None:
        return "—"
    if check.unit is Measure.TIME:
        minutes, seconds = divmod(int(d), 60)
        hours, minutes = divmod(minutes, 60)
        return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{seconds:02d}s"
    if check.unit is Measure.CONTRACTS:
        return f"{int(d)} contracts"
    return signed_money(d)


def _breach_text(bp: BreachPrice) -> str:
    """`A NQ @ 17951.25`: the position by strategy and root (side and size are its own)."""
    where = price_text(bp.price, bp.tick)
    return f"{bp.strategy} {bp.root} @ {where}"
