"""The trader's risk limits as configured (`[risk]`): plain frozen data, checked on load.

Pure types, so the rules can be evaluated and tested without a config file; `tmtui.settings.config`
reads TOML into them (as it does for `[contracts]`). Account-wide keys sit in `[risk]`,
one strategy's own in `[risk.strategies.NAME]`. Money limits are dollars, net of
commissions; per-position exits are an `Amount` in ticks, points or dollars.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import date, time
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from tmtui.core.contracts import ContractSpec
from tmtui.core.formatting import exact_text

ZERO = Decimal(0)


class Unit(StrEnum):
    TICKS = "ticks"
    POINTS = "points"
    DOLLARS = "dollars"


_UNIT_WORDS = {
    "tick": Unit.TICKS,
    "ticks": Unit.TICKS,
    "point": Unit.POINTS,
    "points": Unit.POINTS,
    "pt": Unit.POINTS,
    "pts": Unit.POINTS,
    "dollar": Unit.DOLLARS,
    "dollars": Unit.DOLLARS,
    "usd": Unit.DOLLARS,
    "$": Unit.DOLLARS,
}
_AMOUNT = re.compile(r"^\s*(?P<dollar>\$)?\s*(?P<value>[0-9]*\.?[0-9]+)\s*(?P<unit>[a-z$]*)\s*$")


@dataclass(frozen=True, slots=True)
class Amount:
    """A distance from a price: "40 ticks", "10 points" or "250 dollars" ("$250")."""

    value: Decimal
    unit: Unit

    @classmethod
    def parse(cls, text: str) -> Amount:
        """Read an amount; a bare number is refused, since 10 ticks and $10 differ 20-fold."""
        m = _AMOUNT.match(text.lower())
        word = (m["unit"] or ("$" if m["dollar"] else "")) if m else ""
        if m is None or word not in _UNIT_WORDS or (m["dollar"] and m["unit"] not in ("", "$")):
            raise ValueError(
                f"expected an amount like '40 ticks', '10 points' or '250 dollars', got {text!r}"
            )
        try:
            value = Decimal(m["value"])
        except InvalidOperation:  # pragma: no cover - the pattern admits only digits
            raise ValueError(f"not a number in {text!r}") from None
        return cls(value, _UNIT_WORDS[word])

    def points(self, spec: ContractSpec) -> Decimal | None:
        """The amount as a price distance; None for dollars (that depends on the quantity)."""
        if self.unit is Unit.TICKS:
            return self.value * spec.tick_size
        if self.unit is Unit.POINTS:
            return self.value
        return None

    def __str__(self) -> str:
        return f"{exact_text(self.value)} {self.unit.value}"


@dataclass(frozen=True)
class ProfitLock:
    """Once a position has gained `after`, exit if its gain falls back to `lock`."""

    after: Amount = Amount(ZERO, Unit.TICKS)
    lock: Amount = Amount(ZERO, Unit.TICKS)


@dataclass(frozen=True, slots=True)
class Stops:
    """The per-position exits that apply to one strategy's positions (None = off)."""

    stop_loss: Amount | None = None
    take_profit: Amount | None = None
    trailing_stop: Amount | None = None
    profit_lock: ProfitLock | None = None

    @property
    def any(self) -> bool:
        return any(
            x is not None
            for x in (self.stop_loss, self.take_profit, self.trailing_stop, self.profit_lock)
        )


@dataclass(frozen=True)
class StrategyRisk:
    """`[risk.strategies.NAME]`: one strategy's limits. Also the account-wide keys of `[risk]`.

    Account-wide `daily_loss_limit`, `max_position` and the times apply to every strategy
    together, a strategy's own to it alone (both hold). Account-wide per-position exits are
    the default for every strategy; a strategy's own replace them key by key.
    """

    daily_loss_limit: Decimal | None = None
    max_position: dict[str, int] = field(default_factory=dict)
    flatten_at: time | None = None
    no_entries_after: time | None = None
    stop_loss: Amount | None = None
    take_profit: Amount | None = None
    trailing_stop: Amount | None = None
    profit_lock: ProfitLock | None = None


TRAILING_MODES = ("eod", "intraday")


@dataclass(frozen=True)
class TrailingDrawdown:
    """`[risk.trailing_drawdown]`: a prop-firm maximum loss that trails the balance's high.

    `eod` trails the highest end-of-day balance (Topstep style); `intraday` trails the
    real-time equity peak, open P&L included (Apex style). The floor stops rising at
    `lock_at` when set. The balance is `starting_balance` plus the net realized P&L of
    every trade closed from trading day `since` on (default: the whole ledger), plus open P&L.
    """

    amount: Decimal = ZERO
    mode: str = "eod"
    starting_balance: Decimal = ZERO
    lock_at: Decimal | None = None
    since: date | None = None

    def floor(self, high: Decimal) -> Decimal:
        """The balance at which the account breaches, given the high it trails."""
        floor = high - self.amount
        if self.lock_at is not None:
            floor = min(floor, self.lock_at)
        return floor


@dataclass(frozen=True)
class RiskLimits(StrategyRisk):
    """`[risk]`: the account-wide limits, the trailing drawdown and each strategy's own."""

    trailing_drawdown: TrailingDrawdown | None = None
    strategies: dict[str, StrategyRisk] = field(default_factory=dict)

    def stops_for(self, strategy: str) -> Stops:
        """A strategy's per-position exits: its own where set, else the account's."""
        own = self.strategies.get(strategy) or StrategyRisk()
        return Stops(
            own.stop_loss or self.stop_loss,
            own.take_profit or self.take_profit,
            own.trailing_stop or self.trailing_stop,
            own.profit_lock or self.profit_lock,
        )

    @property
    def empty(self) -> bool:
        """No rule configured at all: nothing to measure on a mark or an alert."""
        unset = StrategyRisk()
        return self.trailing_drawdown is None and all(
            getattr(scope, f.name) == getattr(unset, f.name)
            for _, scope in self.scopes()
            for f in fields(StrategyRisk)
        )

    @property
    def uses_best_price(self) -> bool:
        """Whether any strategy's exits follow the best price (trailing_stop, profit_lock)."""
        return any(
            scope.trailing_stop is not None or scope.profit_lock is not None
            for _, scope in self.scopes()
        )

    def scopes(self) -> list[tuple[str | None, StrategyRisk]]:
        """(None, account-wide) then (name, a strategy's own) for each strategy section."""
        return [(None, self), *sorted(self.strategies.items())]


def limit_errors(limits: RiskLimits, known_roots: Iterable[str]) -> list[str]:
    """Range checks the types cannot express, each naming its key; empty when all is well."""
    roots = set(known_roots)
    errors: list[str] = []
    for name, scope in limits.scopes():
        errors += _scope_errors("risk" if name is None else f"risk.strategies.{name}", scope, roots)
    if (td := limits.trailing_drawdown) is not None:
        errors += _trailing_errors(td)
    return errors


def _scope_errors(where: str, scope: StrategyRisk, roots: set[str]) -> list[str]:
    errors = []
    if scope.daily_loss_limit is not None and scope.daily_loss_limit <= 0:
        errors.append(f"{where}.daily_loss_limit must be > 0 (dollars of net loss)")
    for root, qty in scope.max_position.items():
        if root not in roots:
            errors.append(f"{where}.max_position.{root}: unknown contract root")
        if qty < 1:
            errors.append(f"{where}.max_position.{root} must be >= 1 contract")
    for key in ("stop_loss", "take_profit", "trailing_stop"):
        amount = getattr(scope, key)
        if amount is not None and amount.value <= 0:
            errors.append(f"{where}.{key} must be > 0")
    if (pl := scope.profit_lock) is not None:
        if pl.after.value <= 0:
            errors.append(f"{where}.profit_lock.after must be > 0")
        if pl.after.unit == pl.lock.unit and pl.lock.value >= pl.after.value:
            errors.append(f"{where}.profit_lock.lock must be below profit_lock.after")
    return errors


def _trailing_errors(td: TrailingDrawdown) -> list[str]:
    errors = []
    where = "risk.trailing_drawdown"
    if td.mode not in TRAILING_MODES:
        errors.append(f"{where}.mode must be one of {', '.join(TRAILING_MODES)}, got {td.mode!r}")
    if td.amount <= 0:
        errors.append(f"{where}.amount must be > 0 (dollars)")
    if td.starting_balance <= 0:
        errors.append(f"{where}.starting_balance must be > 0 (the account's starting dollars)")
    if td.lock_at is not None and td.lock_at <= td.starting_balance - td.amount:
        errors.append(f"{where}.lock_at must be above starting_balance - amount")
    return errors
