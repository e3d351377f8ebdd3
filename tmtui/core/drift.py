"""The drift guard: when a strategy's alert and tmtui's position disagree, say so.

An alert may carry the position the strategy holds afterwards (`position_size`,
`market_position`). When that disagrees with what tmtui tracked before applying it (the
book then follows the strategy), or with what tmtui holds after it (a rule trimmed or
ignored it), the position shows the drift until an alert for it agrees again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tmtui.core.models import Action, Signal


@dataclass(frozen=True, slots=True)
class Drift:
    """The strategy reported `reported`; tmtui had `tracked` and now holds `held`."""

    reported: int
    tracked: int
    held: int
    since: datetime
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {
            "reported": self.reported,
            "tracked": self.tracked,
            "held": self.held,
            "since": self.since.isoformat(),
            "reason": self.reason,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Drift:
        return cls(
            int(data["reported"]),
            int(data["tracked"]),
            int(data["held"]),
            datetime.fromisoformat(data["since"]),
            str(data["reason"]),
        )


def expected_position(signal: Signal, before: int) -> int | None:
    """What tmtui expects after the alert from its action and qty alone (None: no qty)."""
    if signal.action is Action.CLOSE:
        return 0
    if signal.qty is None:
        return None
    return before + (signal.qty if signal.action is Action.BUY else -signal.qty)


def reported_position(signal: Signal, before: int) -> int | None:
    """What the strategy says it holds after the alert: its target, else the expectation."""
    return signal.target if signal.target is not None else expected_position(signal, before)


def drift_after(
    signal: Signal, before: int, held: int, now: datetime, why: str = ""
) -> Drift | None:
    """The drift an alert leaves on its position, or None when alert and position agree.

    `held` is the position after the alert was applied (or `before` when it was ignored);
    `why` names the rule that held the alert back, if one did.
    """
    reported = reported_position(signal, before)
    if reported is None:
        return None
    expected = expected_position(signal, before)
    tracked = before if expected is None else expected
    if reported != held:
        reason = f"strategy reports {reported}, tmtui holds {held}"
        return Drift(reported, tracked, held, now, f"{reason} ({why})" if why else reason)
    if expected is not None and expected != reported:
        reason = f"strategy reports {reported}, tmtui tracked {expected}; set to {reported}"
        return Drift(reported, tracked, held, now, reason)
    return None
