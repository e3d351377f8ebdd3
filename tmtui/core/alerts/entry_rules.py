"""When an alert arrives: may it open contracts? Lockouts, entry times and max_position.

These rules only ever hold back new exposure: the part of an alert that reduces or closes
a position always passes, so a reversal during a lockout closes and stays flat, and an
entry over `max_position` is trimmed to the limit. The verdict says how much of the alert
may apply and which rules held back the rest, with their figures.
"""

from __future__ import annotations

from dataclasses import dataclass

from tmtui.core.alerts.position_rules import describe
from tmtui.core.risk.risk_checks import RiskInputs
from tmtui.core.risk.risk_limits import RiskLimits
from tmtui.core.risk.risk_state import RiskState
from tmtui.core.risk.rule_hits import RuleHit


@dataclass(frozen=True, slots=True)
class EntryVerdict:
    """`before` → `wanted` asked, `allowed` granted; `hits` name what held the rest back."""

    before: int
    wanted: int
    allowed: int
    hits: tuple[RuleHit, ...] = ()

    @property
    def refused(self) -> bool:
        """Nothing of the alert applies (it asked for a change and got none)."""
        return self.allowed == self.before != self.wanted

    @property
    def trimmed(self) -> bool:
        return self.allowed != self.wanted

    @property
    def message(self) -> str:
        return "; ".join(hit.message for hit in self.hits)


def opens(before: int, after: int) -> bool:
    """Whether going from `before` to `after` (signed) opens any contract."""
    if after == 0:
        return False
    return before == 0 or (before > 0) != (after > 0) or abs(after) > abs(before)


def exits_only(before: int, wanted: int) -> int:
    """The reducing part of a move: a reversal stops flat, an addition stays put."""
    if before == 0 or wanted == 0 or (before > 0) != (wanted > 0):
        return 0
    return wanted if abs(wanted) <= abs(before) else before


def clip(before: int, after: int, cap: int) -> int:
    """`after` held to at most `cap` contracts, never forcing a reduction of `before`."""
    sign = 1 if after > 0 else -1
    room = max(cap, 0)
    if before and (before > 0) == (after > 0):
        return sign * max(abs(before), min(abs(after), room))
    return sign * min(abs(after), room)


def check_entry(
    limits: RiskLimits,
    state: RiskState,
    inputs: RiskInputs,
    strategy: str,
    root: str,
    before: int,
    wanted: int,
) -> EntryVerdict:
    """How much of `before` → `wanted` for (strategy, root) the entry rules allow now."""
    if not opens(before, wanted):
        return EntryVerdict(before, wanted, wanted)
    hits = []
    allowed = wanted
    blocker = entry_blocker(limits, state, inputs, strategy)
    if blocker is not None:
        hits.append(blocker)
        allowed = exits_only(before, wanted)
    cap, figures = position_cap(limits, inputs, strategy, root)
    if cap is not None and opens(before, allowed):
        clipped = clip(before, allowed, cap)
        if clipped != allowed:
            figures.update(asked=str(allowed), allowed=str(clipped))
            word = "refused" if clipped == before else f"trimmed to {describe(clipped)}"
            others = int(figures.get("others", "0"))
            hits.append(
                RuleHit(
                    "max_position",
                    f"max_position {root} {figures['limit']} ({figures['scope']}"
                    + (f", {others} held by other strategies" if others else "")
                    + f"): {abs(allowed)} asked, {word}",
                    figures,
                )
            )
            allowed = clipped
    return EntryVerdict(before, wanted, allowed, tuple(hits))


def entry_blocker(
    limits: RiskLimits, state: RiskState, inputs: RiskInputs, strategy: str
) -> RuleHit | None:
    """The first rule that stops `strategy` opening anything now: a lock, then the times."""
    lock = state.lock_for(strategy, inputs.day)
    if lock is not None:
        where = "" if lock.strategy is None else f" (strategy {lock.strategy})"
        return RuleHit(lock.rule, f"locked out by {lock.rule}{where}", dict(lock.figures))
    for rule in ("flatten_at", "no_entries_after"):
        for name, scope in limits.scopes():
            clock = getattr(scope, rule)
            if clock is None or name not in (None, strategy):
                continue
            moment = inputs.calendar.moment(inputs.day, clock)
            if inputs.now >= moment:
                where = "" if name is None else f" (strategy {name})"
                text = f"{rule} {clock:%H:%M}{where}: no new entries until the next trading day"
                figures = {"limit": moment.isoformat(), "now": inputs.now.isoformat()}
                return RuleHit(rule, text, figures)
    return None


def position_cap(
    limits: RiskLimits, inputs: RiskInputs, strategy: str, root: str
) -> tuple[int | None, dict[str, str]]:
    """The most contracts (strategy, root) may hold: its own limit, and the account's less
    what the other strategies hold in that root. None when neither is set."""
    caps: list[tuple[int, dict[str, str]]] = []
    own = limits.strategies.get(strategy)
    if own is not None and root in own.max_position:
        limit = own.max_position[root]
        caps.append((limit, {"scope": f"strategy {strategy}", "limit": str(limit)}))
    if root in limits.max_position:
        limit = limits.max_position[root]
        others = sum(p.qty for p in inputs.positions if p.root == root and p.strategy != strategy)
        figures = {"scope": "account", "limit": str(limit), "others": str(others)}
        caps.append((limit - others, figures))
    if not caps:
        return None, {}
    cap, figures = min(caps, key=lambda c: c[0])
    return cap, dict(figures)
