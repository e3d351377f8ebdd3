"""The drift guard: when a strategy's alert and tmtui's position disagree, say so.

An alert may say what the strategy holds afterwards (`position_size`, `market_position`,
`sentiment`, the previous size plus the order...). `position_rules.resolve` works out where
that puts the position and notes where tmtui's own tracking disagreed (the book then follows
the strategy). A rule may also hold the alert back (a lockout, max_position), so tmtui holds
less than the strategy thinks. Either way the position shows the drift until an alert for
it agrees again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tmtui.core.alerts.position_rules import describe, resolve
from tmtui.core.models import Signal


@dataclass(frozen=True, slots=True)
class Drift:
    """The strategy's alert means `reported`; tmtui holds `held`; `reason` says how."""

    reported: int
    held: int
    since: datetime
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {
            "reported": self.reported,
            "held": self.held,
            "since": self.since.isoformat(),
            "reason": self.reason,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Drift:
        return cls(
            int(data["reported"]),
            int(data["held"]),
            datetime.fromisoformat(data["since"]),
            str(data["reason"]),
        )


@dataclass(frozen=True, slots=True)
class DriftUpdate:
    """What an alert does to its position's drift mark: set it, or clear it (None)."""

    drift: Drift | None


def drift_after(
    signal: Signal, before: int, held: int, now: datetime, why: str = ""
) -> DriftUpdate | None:
    """The drift an alert leaves on its position; None when the alert tells nothing
    (it was skipped: an exit-long while short says nothing about the position).

    `held` is the position after the alert was applied (`before` when it was ignored);
    `why` names the rule that held the alert back, if one did.
    """
    resolution = resolve(signal, before)
    if resolution.skipped is not None:
        return None
    reported = resolution.after
    if reported != held:
        reason = f"strategy means {describe(reported)}, tmtui holds {describe(held)}"
        return DriftUpdate(Drift(reported, held, now, f"{reason} ({why})" if why else reason))
    if resolution.notes:
        return DriftUpdate(Drift(reported, held, now, "; ".join(resolution.notes)))
    return DriftUpdate(None)
