"""Drift guard: an alert's meaning against tmtui's position, until one agrees again."""

from __future__ import annotations

from datetime import UTC, datetime

from tmtui.core.book.drift import Drift, drift_after
from tmtui.core.models import Action, Intent, Signal

NOW = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)


def sig(action: str, qty: int | None = None, target: int | None = None, **kw: object) -> Signal:
    return Signal("S", "NQ", Action(action), qty, None, NOW, target=target, **kw)  # type: ignore[arg-type]


def test_agreeing_alerts_clear_the_drift() -> None:
    for signal, before, held in [
        (sig("buy", 1, target=2), 1, 2),
        (sig("buy", 2), 0, 2),
        (sig("close"), 3, 0),
        (sig("sell", target=-1), 0, -1),
    ]:
        update = drift_after(signal, before, held, NOW)
        assert update is not None and update.drift is None


def test_a_target_the_book_had_to_follow_is_drift() -> None:
    update = drift_after(sig("buy", 1, target=3), 1, 3, NOW)
    assert update is not None and update.drift is not None
    assert (update.drift.reported, update.drift.held) == (3, 3)
    assert "the strategy reports long 3, but the order alone would have made it long 2" in (
        update.drift.reason
    )


def test_a_trimmed_or_ignored_alert_is_drift_with_the_rule() -> None:
    trimmed = drift_after(sig("buy", 3, target=3), 0, 2, NOW, "max_position")
    assert trimmed is not None and trimmed.drift is not None
    assert trimmed.drift.reason == "strategy means long 3, tmtui holds long 2 (max_position)"
    ignored = drift_after(sig("buy", 1), 0, 0, NOW, "locked out by daily_loss_limit")
    assert ignored is not None and ignored.drift is not None
    assert (ignored.drift.reported, ignored.drift.held) == (1, 0)


def test_a_skipped_alert_tells_nothing() -> None:
    assert drift_after(sig("sell", intent=Intent.EXIT_LONG), -1, -1, NOW) is None


def test_drift_round_trips() -> None:
    drift = Drift(3, 2, NOW, "why")
    assert Drift.from_json(drift.to_json()) == drift
