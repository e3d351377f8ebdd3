"""Alert-time rules: what part of an alert may open contracts (max_position, locks, times)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from risk_desk import T0, Desk

from tmtui.core.alerts.entry_rules import clip, exits_only, opens
from tmtui.core.risk.risk_limits import RiskLimits, StrategyRisk
from tmtui.core.risk.risk_state import Lock


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        (0, 1, True),
        (1, 2, True),
        (2, 1, False),
        (1, 0, False),
        (1, -1, True),
        (-2, -3, True),
        (-2, -1, False),
        (0, 0, False),
    ],
)
def test_opens(before: int, after: int, expected: bool) -> None:
    assert opens(before, after) is expected


@pytest.mark.parametrize(
    ("before", "wanted", "allowed"),
    [(0, 2, 0), (2, 3, 2), (2, 1, 1), (2, -2, 0), (-3, -1, -1), (-3, 0, 0)],
)
def test_exits_only(before: int, wanted: int, allowed: int) -> None:
    assert exits_only(before, wanted) == allowed


@pytest.mark.parametrize(
    ("before", "after", "cap", "allowed"),
    [
        (0, 3, 2, 2),
        (1, 3, 2, 2),
        (2, 3, 2, 2),
        (3, 4, 2, 3),
        (1, -3, 2, -2),
        (0, -1, 0, 0),
        (0, 2, 5, 2),
    ],
)
def test_clip(before: int, after: int, cap: int, allowed: int) -> None:
    assert clip(before, after, cap) == allowed


def test_max_position_trims_an_entry_and_names_the_rule() -> None:
    d = Desk(RiskLimits(max_position={"NQ": 2}))
    verdict = d.entry("A", "NQ", 3)
    assert verdict.allowed == 2 and verdict.trimmed and not verdict.refused
    (hit,) = verdict.hits
    assert hit.rule == "max_position"
    assert hit.figures == {
        "scope": "account",
        "limit": "2",
        "others": "0",
        "asked": "3",
        "allowed": "2",
    }
    assert "trimmed to long 2" in hit.message


def test_max_position_counts_every_strategy_in_the_root() -> None:
    d = Desk(RiskLimits(max_position={"NQ": 3}))
    d.trade("buy", "NQ", 2, "18000", strategy="A")
    assert d.entry("B", "NQ", -1).allowed == -1
    verdict = d.entry("B", "NQ", -2)
    assert verdict.allowed == -1 and verdict.hits[0].figures["others"] == "2"
    assert verdict.message == (
        "max_position NQ 3 (account, 2 held by other strategies): 2 asked, trimmed to short 1"
    )
    d.trade("buy", "NQ", 1, "18000", strategy="B")
    full = d.entry("B", "NQ", 2)
    assert full.refused and "refused" in full.message
    assert d.entry("A", "NQ", 1).allowed == 1  # reducing is never held back
    assert d.entry("A", "ES", 5).allowed == 5  # no limit on ES


def test_a_strategys_own_max_position_and_the_tighter_one_wins() -> None:
    own = StrategyRisk(max_position={"NQ": 1})
    limits = RiskLimits(max_position={"NQ": 4}, strategies={"A": own})
    d = Desk(limits)
    verdict = d.entry("A", "NQ", 3)
    assert verdict.allowed == 1 and verdict.hits[0].figures["scope"] == "strategy A"
    assert d.entry("B", "NQ", 3).allowed == 3


def test_max_position_checks_show_what_is_left() -> None:
    d = Desk(RiskLimits(max_position={"NQ": 2}))
    d.trade("buy", "NQ", 2, "18000")
    check = d.check("max_position", None, "NQ")
    assert check.distance == 0 and check.value == 2  # type: ignore[attr-defined]
    assert "full" in check.note  # type: ignore[attr-defined]


def test_a_reversal_during_a_lock_closes_and_stays_flat() -> None:
    d = Desk(RiskLimits())
    d.trade("buy", "NQ", 2, "18000")
    d.state.locks.append(Lock("daily_loss_limit", None, d.inputs().day, T0, "test"))
    verdict = d.entry("A", "NQ", -2)
    assert verdict.allowed == 0 and not verdict.refused and verdict.trimmed
    assert verdict.hits[0].message == "locked out by daily_loss_limit"
    assert d.entry("A", "NQ", 1).hits == ()  # a pure reduction passes untouched


def test_lock_then_max_position_both_named() -> None:
    d = Desk(RiskLimits(max_position={"NQ": 1}))
    d.trade("buy", "NQ", 1, "18000")
    d.state.locks.append(Lock("trailing_drawdown", None, d.inputs().day, T0, "test"))
    verdict = d.entry("A", "NQ", 2)
    assert verdict.refused and [h.rule for h in verdict.hits] == ["trailing_drawdown"]
    assert D(verdict.allowed) == 1
