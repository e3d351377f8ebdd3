"""Each configured limit measured now: its limit, the current value, the distance left.

One `RuleCheck` per rule and scope, computed from the open positions at their marks, the
day's realized money and the remembered highs. The same checks drive the exits (a breached
check acts), the dashboard and `tmtui risk`, so what is shown is what is enforced.
Unknown stays unknown: a scope with an unmarked position has no value and never breaches.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from decimal import Decimal
from enum import StrEnum

from tmtui.core.book.book import Position
from tmtui.core.contracts import ContractBook
from tmtui.core.formatting import NO_VALUE, money_amount, price_text, signed_money
from tmtui.core.risk.breach import BreachPrice, alone_breach, liquidation_pnl
from tmtui.core.risk.risk_limits import RiskLimits, TrailingDrawdown
from tmtui.core.risk.risk_state import RiskState
from tmtui.core.trading_day import TradingCalendar

ZERO = Decimal(0)
QUARTER, HALF = Decimal("0.25"), Decimal("0.5")


class Level(StrEnum):
    """How near a limit is: drives the warning colors."""

    OK = "ok"
    WARNING = "warning"
    DANGER = "danger"
    BREACHED = "breached"


class Measure(StrEnum):
    """What a check's limit and value are measured in; its distance is dollars, contracts
    or seconds accordingly (prices: dollars of P&L until the trigger)."""

    USD = "usd"
    PRICE = "price"
    CONTRACTS = "contracts"
    TIME = "time"


@dataclass(frozen=True, slots=True)
class RiskInputs:
    """The moment's figures the rules read; `realized_today` is net, per strategy.

    `realized_balance` is the trailing drawdown's starting balance plus every net realized
    dollar counted from its `since` day (None when no trailing drawdown is configured).
    """

    now: datetime
    day: date
    positions: Sequence[Position]
    contracts: ContractBook
    commission_for: Callable[[str], Decimal]
    calendar: TradingCalendar
    realized_today: Mapping[str, Decimal] = field(default_factory=dict)
    realized_balance: Decimal | None = None
    stale_after: float = 15.0

    def stale(self, pos: Position) -> bool:
        if pos.mark_time is None:
            return True
        return (self.now - pos.mark_time).total_seconds() > self.stale_after

    def in_scope(self, strategy: str | None) -> list[Position]:
        return [p for p in self.positions if strategy is None or p.strategy == strategy]

    def open_net(self, positions: Iterable[Position]) -> Decimal | None:
        """Open P&L after closing commissions; None when any position has no mark."""
        total = ZERO
        for pos in positions:
            if pos.mark is None:
                return None
            total += liquidation_pnl(pos, pos.mark, self.commission_for(pos.root))
        return total

    def day_net(self, strategy: str | None) -> Decimal | None:
        """The day's net P&L of a strategy (or all): realized plus open, after commissions."""
        realized = sum((v for s, v in self.realized_today.items() if strategy in (None, s)), ZERO)
        open_net = self.open_net(self.in_scope(strategy))
        return None if open_net is None else realized + open_net

    def balance(self) -> Decimal | None:
        if self.realized_balance is None:
            return None
        open_net = self.open_net(self.positions)
        return None if open_net is None else self.realized_balance + open_net

    def day_start_balance(self) -> Decimal | None:
        """The balance when the day opened, counting realized money only."""
        if self.realized_balance is None:
            return None
        return self.realized_balance - sum(self.realized_today.values(), ZERO)


@dataclass(frozen=True, slots=True)
class RuleCheck:
    """One rule in one scope. `strategy` None is account-wide; `root` names the position
    (per-position exits) or the contract (max_position). `distance` ≤ 0 means breached.
    `tick` is the contract's, for a check measured in its prices."""

    rule: str
    strategy: str | None
    root: str | None
    unit: Measure
    limit: Decimal | datetime
    value: Decimal | datetime | None
    distance: Decimal | None
    level: Level
    breach_prices: tuple[BreachPrice, ...] = ()
    note: str = ""
    tick: Decimal | None = None

    @property
    def breached(self) -> bool:
        return self.level is Level.BREACHED

    @property
    def scope(self) -> str:
        if self.strategy is None:
            return "account" if self.root is None else f"account {self.root}"
        return self.strategy if self.root is None else f"{self.strategy} {self.root}"

    def amount_text(self, value: Decimal | datetime | None) -> str:
        """A limit or value for a log line: signed money, a price with the tick's decimals,
        contracts whole; a moment is the caller's to write (it needs the session's zone)."""
        if value is None:
            return NO_VALUE
        if isinstance(value, datetime):
            return value.isoformat()
        if self.unit is Measure.USD:
            return signed_money(value)
        if self.unit is Measure.PRICE:
            return price_text(value, self.tick)
        return str(int(value))

    def figures(self) -> dict[str, str]:
        """The triggering figures, as exact text for the ledger."""
        out = {"rule": self.rule, "scope": self.scope, "limit": _text(self.limit)}
        if self.value is not None:
            out["value"] = _text(self.value)
        if self.distance is not None:
            out["distance"] = str(self.distance)
        if self.note:
            out["note"] = self.note
        return out


def level_of(distance: Decimal | None, span: Decimal) -> Level:
    """Breached at or past the limit; danger within a quarter of its span, warning a half."""
    if distance is None:
        return Level.OK
    if distance <= 0:
        return Level.BREACHED
    if span > 0 and distance <= span * QUARTER:
        return Level.DANGER
    if span > 0 and distance <= span * HALF:
        return Level.WARNING
    return Level.OK


def money_check(
    rule: str,
    strategy: str | None,
    inputs: RiskInputs,
    floor: Decimal,
    value: Decimal | None,
    span: Decimal,
) -> RuleCheck:
    """A dollar figure that must stay above `floor`, and where each position alone breaks it."""
    if value is None:
        return RuleCheck(rule, strategy, None, Measure.USD, floor, None, None, Level.OK)
    headroom = value - floor
    prices = tuple(
        alone_breach(pos, inputs.contracts[pos.root], headroom) for pos in inputs.in_scope(strategy)
    )
    return RuleCheck(
        rule, strategy, None, Measure.USD, floor, value, headroom, level_of(headroom, span), prices
    )


def daily_loss_checks(limits: RiskLimits, inputs: RiskInputs) -> list[RuleCheck]:
    """The day's net P&L against `daily_loss_limit`, account-wide and per strategy."""
    out = []
    for strategy, scope in limits.scopes():
        if scope.daily_loss_limit is None:
            continue
        loss = scope.daily_loss_limit
        value = inputs.day_net(strategy)
        out.append(money_check("daily_loss_limit", strategy, inputs, -loss, value, loss))
    return out


def trailing_high(td: TrailingDrawdown, state: RiskState, inputs: RiskInputs) -> Decimal:
    """The high the floor trails: end-of-day balances (eod) or every mark (intraday)."""
    candidates = [td.starting_balance]
    if (start := inputs.day_start_balance()) is not None:
        candidates.append(start)
    if td.mode == "eod" and state.eod_high is not None:
        candidates.append(state.eod_high)
    if td.mode == "intraday" and state.peak is not None:
        candidates.append(state.peak)
    return max(candidates)


def trailing_checks(limits: RiskLimits, state: RiskState, inputs: RiskInputs) -> list[RuleCheck]:
    td = limits.trailing_drawdown
    if td is None:
        return []
    high = trailing_high(td, state, inputs)
    floor = td.floor(high)
    check = money_check("trailing_drawdown", None, inputs, floor, inputs.balance(), td.amount)
    locked = " (floor locked)" if floor != high - td.amount else ""
    note = f"{td.mode} high {money_amount(high)}{locked}"
    return [_with_note(check, note)]


def time_checks(limits: RiskLimits, inputs: RiskInputs) -> list[RuleCheck]:
    """`flatten_at` and `no_entries_after`: seconds left in today's session."""
    out = []
    for strategy, scope in limits.scopes():
        for rule in ("flatten_at", "no_entries_after"):
            clock = getattr(scope, rule)
            if clock is not None:
                out.append(_time_check(rule, strategy, clock, inputs))
    return out


def _time_check(rule: str, strategy: str | None, clock: time, inputs: RiskInputs) -> RuleCheck:
    moment = inputs.calendar.moment(inputs.day, clock)
    seconds = Decimal(int((moment - inputs.now).total_seconds()))
    level = (
        Level.BREACHED
        if inputs.now >= moment
        else Level.DANGER
        if seconds <= 300
        else Level.WARNING
        if seconds <= 900
        else Level.OK
    )
    left = max(seconds, ZERO)
    return RuleCheck(rule, strategy, None, Measure.TIME, moment, inputs.now, left, level)


def position_counts(positions: Iterable[Position], strategy: str | None) -> dict[str, int]:
    """Contracts held per root: a strategy's own, or every strategy's added up (gross)."""
    out: dict[str, int] = {}
    for pos in positions:
        if strategy in (None, pos.strategy):
            out[pos.root] = out.get(pos.root, 0) + pos.qty
    return out


def max_position_checks(limits: RiskLimits, inputs: RiskInputs) -> list[RuleCheck]:
    out = []
    for strategy, scope in limits.scopes():
        held = position_counts(inputs.positions, strategy)
        out += [
            _count_check(strategy, root, cap, held.get(root, 0))
            for root, cap in sorted(scope.max_position.items())
        ]
    return out


def _count_check(strategy: str | None, root: str, cap: int, held: int) -> RuleCheck:
    left = cap - held
    level = Level.BREACHED if left < 0 else Level.WARNING if left == 0 else Level.OK
    return RuleCheck(
        "max_position",
        strategy,
        root,
        Measure.CONTRACTS,
        Decimal(cap),
        Decimal(held),
        Decimal(left),
        level,
        note="full: no more entries" if left == 0 else "",
    )


def _with_note(check: RuleCheck, note: str) -> RuleCheck:
    return replace(check, note=note)


def _text(value: Decimal | datetime) -> str:
    """Exact text: ISO moments, numbers without the trailing zeros a tick product leaves."""
    if isinstance(value, datetime):
        return value.isoformat()
    if value == value.to_integral_value():
        return str(value.quantize(Decimal(1)))
    return str(value.normalize())
