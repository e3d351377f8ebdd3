"""Drift guard: an alert's reported position against tmtui's, until one agrees again."""

from __future__ import annotations

from datetime import UTC, datetime

from tmtui.core.drift import Drift, drift_after
from tmtui.core.models import Action, Signal

NOW = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)


def sig(action: str, qty: int | None = None, target: int | None = None) -> Signal:
    return Signal("S", "NQ", Action(action), qty, None, NOW, target=target)


def test_agreeing_alerts_leave_no_drift() -> None:
    assert drift_after(sig("buy", 1, target=2), 1, 2, NOW) is None
    assert drift_after(sig("buy", 2), 0, 2, NOW) is None
    assert drift_after(sig("close"), 3, 0, NOW) is None
    assert drift_after(sig("sell", target=-1), 0, -1, NOW) is None


def test_a_target_the_book_had_to_follow_is_drift() -> None:
    drift = drift_after(sig("buy", 1, target=3), 1, 3, NOW)
    assert drift is not None and (drift.reported, drift.tracked, drift.held) == (3, 2, 3)
    assert drift.reason == "strategy reports 3, tmtui tracked 2; set to 3"


def test_a_trimmed_or_ignored_alert_is_drift_with_the_rule() -> None:
    trimmed = drift_after(sig("buy", 3, target=3), 0, 2, NOW, "max_position")
    assert (
        trimmed is not None and trimmed.reason == "strategy reports 3, tmtui holds 2 (max_position)"
    )
    ignored = drift_after(sig("buy", 1), 0, 0, NOW, "locked out by daily_loss_limit")
    assert ignored is not None and (ignored.reported, ignored.held) == (1, 0)


def test_drift_round_trips() -> None:
    drift = Drift(3, 2, 3, NOW, "why")
    assert Drift.from_json(drift.to_json()) == drift
