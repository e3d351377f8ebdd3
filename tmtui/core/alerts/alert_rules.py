"""The one rules pipeline an alert passes through before it is recorded.

Reading the alert's fields is itself a set of named rules (`build_signal`: alert_fields,
contract, max_qty, price, position_size; the book's no_price): they refuse with a 4xx.
A valid signal then meets `ALERT_RULES` in order. Each is named; each may pass, stop the
alert (recorded as ignored, 200, with the rule and its figures) or trim it (recorded as
accepted for the part allowed). Nothing here writes: the intake records the outcome.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from tmtui.core.alerts.entry_rules import EntryVerdict
from tmtui.core.alerts.strategy_switch import disabled_allows, disabled_hit
from tmtui.core.book.book import Book, Plan
from tmtui.core.models import Action, Intent, Signal
from tmtui.core.risk.rule_hits import RuleHit

EntryCheck = Callable[[str, str, int, int], EntryVerdict]
"""(strategy, root, before, wanted) → how much of the move the risk entry rules allow."""


@dataclass(slots=True)
class Screening:
    """A signal on its way through the rules: its plan so far and what the rules did."""

    signal: Signal
    book: Book
    enabled: Callable[[str], bool]
    entry: EntryCheck | None
    _plan: Plan | None = None
    trims: list[RuleHit] = field(default_factory=list)
    stop: RuleHit | None = None

    @property
    def plan(self) -> Plan:
        """The signal's plan, worked out once (raises UnusableSignal `no_price`)."""
        if self._plan is None:
            self._plan = self.book.plan(self.signal)
        return self._plan


Rule = Callable[[Screening], RuleHit | None]
"""Returns a hit to stop the alert; a rule that trims replaces the plan and records a trim."""


def strategy_switch(s: Screening) -> RuleHit | None:
    """A disabled strategy is reduce-only: an exit or close of its open position applies,
    anything that would open contracts is ignored (see `strategy_switch`)."""
    strategy = s.signal.strategy
    if s.enabled(strategy):
        return None
    current = s.book.positions.get((strategy, s.signal.root))
    before = current.signed_qty if current else 0
    if before == 0:  # nothing to exit: no plan needed (and no price asked for)
        return disabled_hit(strategy, 0, 0)
    plan = s.plan
    allowed = disabled_allows(plan.before, plan.after)
    if allowed == plan.after:
        return None
    hit = disabled_hit(strategy, plan.before, plan.after)
    if allowed == plan.before:
        return hit
    s._plan = s.book.plan(trimmed(s.signal, plan.before, allowed))
    s.trims.append(hit)
    return None


def position_rules(s: Screening) -> RuleHit | None:
    """An order that cannot apply to the position as it is (exit long while short...)."""
    skipped = s.plan.skipped
    return None if skipped is None else RuleHit("position_rules", skipped)


def nothing_to_close(s: Screening) -> RuleHit | None:
    plan = s.plan
    if plan.before != 0 or plan.after != 0:
        return None
    sig = s.signal
    return RuleHit("nothing_to_close", f"nothing open to close for {sig.root} ({sig.strategy})")


def risk_entry(s: Screening) -> RuleHit | None:
    """Lockouts, entry times and max_position: only the part that opens can be held back."""
    if s.entry is None:
        return None
    plan = s.plan
    verdict = s.entry(s.signal.strategy, s.signal.root, plan.before, plan.after)
    if not verdict.hits:
        return None
    first = verdict.hits[0]
    if verdict.refused:
        return RuleHit(first.rule, verdict.message, _merged(verdict))
    s._plan = s.book.plan(trimmed(s.signal, plan.before, verdict.allowed))
    s.trims.append(RuleHit(first.rule, verdict.message, _merged(verdict)))
    return None


ALERT_RULES: tuple[tuple[str, Rule], ...] = (
    ("strategy_switch", strategy_switch),
    ("position_rules", position_rules),
    ("nothing_to_close", nothing_to_close),
    ("risk_entry", risk_entry),
)
"""In order: a disabled strategy (reduce-only), an order the position cannot take
(`position_rules`), a close with nothing open, then the risk entry rules."""


def screen(
    signal: Signal, book: Book, enabled: Callable[[str], bool], entry: EntryCheck | None
) -> Screening:
    """Run a valid signal through `ALERT_RULES`; `stop` is set when one stopped it."""
    s = Screening(signal, book, enabled, entry)
    for _name, rule in ALERT_RULES:
        hit = rule(s)
        if hit is not None:
            s.stop = hit
            break
    return s


def trimmed(signal: Signal, before: int, allowed: int) -> Signal:
    """The signal that moves `before` to `allowed` exactly, as it is recorded and replayed."""
    plain = replace(
        signal,
        target=None,
        target_side=None,
        prev_target=None,
        prev_side=None,
        require=(),
        pre_close=None,
        default_qty=False,
    )
    if allowed == 0:
        return replace(plain, action=Action.CLOSE, qty=None, intent=Intent.FLATTEN)
    delta = allowed - before
    action = Action.BUY if delta > 0 else Action.SELL
    return replace(plain, action=action, qty=abs(delta), intent=Intent.ENTER)


def _merged(verdict: EntryVerdict) -> dict[str, str]:
    """Every hit's figures under its rule name, flat text for the ledger."""
    out: dict[str, str] = {"wanted": str(verdict.wanted), "allowed": str(verdict.allowed)}
    for hit in verdict.hits:
        out.update({f"{hit.rule}.{k}": v for k, v in hit.figures.items()})
    return out
