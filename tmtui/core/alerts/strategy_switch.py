"""What switching a strategy off means: no new entries; its open position can still leave.

A disabled strategy's alert that would open or add contracts is ignored; one that reduces
or closes its open position applies (reduce-only), and a reversal closes and stays flat.
Otherwise switching a strategy off while it holds a position would strand that position:
its exit alert would be ignored and it would stay open with nothing to close it.
The same text is used by the `e` notification, the log line and the `E` picker.
"""

from __future__ import annotations

from tmtui.core.alerts.entry_rules import exits_only, opens
from tmtui.core.risk.rule_hits import RuleHit

RULE = "strategy_switch"


def switch_message(strategy: str, enabled: bool) -> str:
    """What the switch does, said exactly (the notification and the log line)."""
    if enabled:
        return f"strategy {strategy} enabled: its alerts apply"
    return (
        f"strategy {strategy} disabled: new entries are ignored; "
        "exits and closes of its open position still apply"
    )


def disabled_allows(before: int, wanted: int) -> int:
    """The signed position a disabled strategy may go to from `before` towards `wanted`:
    all of a reduction or a close, the closing part of a reversal, nothing that opens."""
    return wanted if not opens(before, wanted) else exits_only(before, wanted)


def disabled_hit(strategy: str, before: int, wanted: int) -> RuleHit:
    """Why (part of) a disabled strategy's alert did not apply."""
    figures = {"strategy": strategy, "before": str(before), "wanted": str(wanted)}
    return RuleHit(
        RULE, f"strategy {strategy!r} is disabled: new entries are ignored (exits apply)", figures
    )


def asks_first(enabled: bool, open_legs: int) -> bool:
    """Switching off a strategy that holds a position asks first (its exits still apply,
    but nothing new opens); switching on, or off when flat, does not."""
    return enabled and open_legs > 0
