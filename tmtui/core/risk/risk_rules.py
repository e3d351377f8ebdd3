"""On every mark: which positions the risk rules close, and which lockouts start.

`observe` folds the moment into the remembered highs (and rolls the day, clearing old
locks); `evaluate` then measures every rule and decides, changing nothing, so the engine
records each exit and lock before it applies them. A breached loss limit closes every
position in its scope and locks new entries there until the next trading day; while a lock
holds, anything still open in its scope keeps being closed. `flatten_at` closes what is
open from its time on. A per-position exit closes that position only. An exit never opens.

An exit needs a price the trader can see: with a stale quote it waits for a fresh one,
except `flatten_at`, which closes at the last mark (a time limit does not wait).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from tmtui.core.book.book import Position, PositionKey
from tmtui.core.risk.risk_checks import (
    RiskInputs,
    RuleCheck,
    daily_loss_checks,
    max_position_checks,
    time_checks,
    trailing_checks,
)
from tmtui.core.risk.risk_limits import RiskLimits
from tmtui.core.risk.risk_state import Lock, RiskState
from tmtui.core.risk.stop_checks import STOP_RULES, stop_checks

LOCKING_RULES = ("trailing_drawdown", "daily_loss_limit")
STALE = "feed stale: waiting for a fresh quote"
NO_PRICE = "no price yet: waiting for a quote"


@dataclass(frozen=True, slots=True)
class RiskExit:
    """Close one position (its round trip `trade_id`) at `price` because of `rule`;
    `waiting` says why not yet."""

    key: PositionKey
    trade_id: int
    rule: str
    price: Decimal | None
    reason: str
    figures: dict[str, str] = field(default_factory=dict)
    waiting: str | None = None


@dataclass(frozen=True, slots=True)
class Evaluation:
    checks: tuple[RuleCheck, ...]
    exits: tuple[RiskExit, ...]
    new_locks: tuple[Lock, ...]


def observe(limits: RiskLimits, state: RiskState, inputs: RiskInputs) -> list[Lock]:
    """Roll to the inputs' trading day and fold in the balance and best prices.

    Returns the locks the roll cleared. The balance counts only when every position is
    marked: an unknown balance must not lower or raise a high.
    """
    cleared = state.roll(inputs.day)
    if limits.uses_best_price:
        state.observe_positions(inputs.positions)
    if limits.trailing_drawdown is not None and (balance := inputs.balance()) is not None:
        state.observe_balance(balance)
    return cleared


def all_checks(limits: RiskLimits, state: RiskState, inputs: RiskInputs) -> list[RuleCheck]:
    """Every rule in every scope, account first, then each open position's exits."""
    checks = [
        *trailing_checks(limits, state, inputs),
        *daily_loss_checks(limits, inputs),
        *time_checks(limits, inputs),
        *max_position_checks(limits, inputs),
    ]
    for pos in inputs.positions:
        checks += stop_checks(inputs, state, limits.stops_for(pos.strategy), pos)
    return checks


def evaluate(limits: RiskLimits, state: RiskState, inputs: RiskInputs) -> Evaluation:
    """Measure every rule and decide the exits and new locks; `state` is left as is."""
    checks = all_checks(limits, state, inputs)
    new_locks = tuple(_new_locks(checks, state, inputs))
    breached = [c for c in checks if c.breached]
    exits = []
    for pos in inputs.positions:
        exit_ = _exit_for(pos, breached, state.locks, new_locks, inputs)
        if exit_ is not None:
            exits.append(exit_)
    return Evaluation(tuple(checks), tuple(exits), new_locks)


def _new_locks(checks: Iterable[RuleCheck], state: RiskState, inputs: RiskInputs) -> list[Lock]:
    out = []
    for check in checks:
        if check.rule not in LOCKING_RULES or not check.breached:
            continue
        if any(lk.rule == check.rule and lk.strategy == check.strategy for lk in state.locks):
            continue
        shown = f"{check.amount_text(check.value)} <= {check.amount_text(check.limit)}"
        reason = f"{check.rule} breached ({check.scope}): {shown}"
        figures = check.figures()
        out.append(Lock(check.rule, check.strategy, inputs.day, inputs.now, reason, figures))
    return out


def _exit_for(
    pos: Position,
    breached: list[RuleCheck],
    locks: list[Lock],
    new_locks: tuple[Lock, ...],
    inputs: RiskInputs,
) -> RiskExit | None:
    """The first reason to close this position: a breach that locks (new, then one already
    holding), flatten_at, then its own exits."""
    lock = next((lk for lk in new_locks if lk.covers(pos.strategy)), None)
    if lock is not None:
        return _exit(pos, lock.rule, lock.reason, lock.figures, inputs)
    lock = next((lk for lk in locks if lk.covers(pos.strategy)), None)
    if lock is not None:
        text = f"locked out by {lock.rule} ({lock.scope})"
        return _exit(pos, lock.rule, text, lock.figures, inputs)
    for check in breached:
        if not _applies(check, pos):
            continue
        if check.rule == "flatten_at":
            text = f"flatten_at {_clock(check.limit, inputs)}"
            return _exit(pos, check.rule, text, check.figures(), inputs)
        if check.rule in STOP_RULES:
            text = f"mark {check.amount_text(check.value)} reached {check.amount_text(check.limit)}"
            return _exit(pos, check.rule, text, check.figures(), inputs)
    return None


def _clock(moment: Decimal | datetime, inputs: RiskInputs) -> str:
    """flatten_at's moment as the trader configured it: `15:55` in the session's zone."""
    if isinstance(moment, datetime):
        return moment.astimezone(inputs.calendar.tz).strftime("%H:%M")
    return str(moment)


def _applies(check: RuleCheck, pos: Position) -> bool:
    if check.strategy not in (None, pos.strategy):
        return False
    return check.root is None or (check.rule in STOP_RULES and check.root == pos.root)


def _exit(
    pos: Position, rule: str, reason: str, figures: dict[str, str], inputs: RiskInputs
) -> RiskExit:
    waiting = None
    if pos.mark is None:
        waiting = NO_PRICE
    elif rule != "flatten_at" and inputs.stale(pos):
        waiting = STALE
    figures = {**figures, "mark": str(pos.mark)} if pos.mark is not None else dict(figures)
    return RiskExit(pos.key, pos.trade.trade_id, rule, pos.mark, reason, figures, waiting)
