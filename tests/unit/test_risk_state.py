"""The risk state survives a restart exactly; the report is the public JSON shape."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal as D

from risk_desk import CAL, T0, Desk, at_chicago

from tmtui.core.book.drift import Drift
from tmtui.core.risk.risk_limits import RiskLimits, TrailingDrawdown
from tmtui.core.risk.risk_report import risk_json
from tmtui.core.risk.risk_rules import evaluate
from tmtui.core.risk.risk_state import Lock, RiskState
from tmtui.core.trading_day import parse_day_start


def test_state_round_trips_through_json() -> None:
    state = RiskState(
        day=date(2026, 3, 3),
        eod_high=D("51000.50"),
        peak=D("51500.125"),
        last_balance=D("50100"),
        best={("A", "NQ"): (7, D("18010.25")), ("B", "CL"): (9, D("70.01"))},
        locks=[Lock("daily_loss_limit", "A", date(2026, 3, 3), T0, "why", {"value": "-1000"})],
        drift={("A", "NQ"): Drift(3, 2, T0, "strategy means long 3, tmtui holds long 2")},
    )
    text = json.dumps(state.to_json())
    assert RiskState.from_json(json.loads(text)) == state


def test_state_of_another_version_is_refused() -> None:
    try:
        RiskState.from_json({"v": 99})
    except ValueError as exc:
        assert "v99" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("accepted an unknown version")


def test_roll_keeps_todays_locks_and_clears_earlier_ones() -> None:
    state = RiskState(day=date(2026, 3, 3), last_balance=D(100), eod_high=D(90))
    state.locks = [Lock("daily_loss_limit", None, date(2026, 3, 3), T0, "r")]
    assert state.roll(date(2026, 3, 3)) == [] and state.locks
    cleared = state.roll(date(2026, 3, 4))
    assert len(cleared) == 1 and state.locks == [] and state.eod_high == D(100)
    assert state.roll(date(2026, 3, 2)) == [] and state.day == date(2026, 3, 4)


def test_report_json_shape() -> None:
    td = TrailingDrawdown(amount=D(2000), mode="eod", starting_balance=D(50000))
    limits = RiskLimits(
        daily_loss_limit=D(1000),
        max_position={"NQ": 2},
        flatten_at=parse_day_start("15:55"),
        trailing_drawdown=td,
    )
    d = Desk(limits, D("1.5"), realized_balance=D(50000))
    d.trade("buy", "NQ", 1, "18000")
    d.mark("NQ", "17990.25")
    d.state.locks.append(Lock("daily_loss_limit", "B", d.inputs().day, T0, "reason"))
    result = evaluate(limits, d.state, d.inputs())
    doc = risk_json(d.now, result.checks, d.state.locks, CAL)
    assert doc["day"] == "2026-03-03"
    (lock,) = doc["locks"]
    assert lock["scope"] == "strategy B" and lock["until"] == "2026-03-03T17:00:00-06:00"
    rules = {r["rule"]: r for r in doc["rules"]}
    assert set(rules) == {"trailing_drawdown", "daily_loss_limit", "flatten_at", "max_position"}
    daily = rules["daily_loss_limit"]
    assert daily["limit"] == D("-1000.00") and daily["value"] == D("-198.00")
    assert daily["distance"] == D("802.00") and daily["distance_unit"] == "usd"
    assert daily["breach_prices"] == [
        {"strategy": "A", "symbol": "NQ", "side": "long", "qty": 1, "price": D("17950")}
    ]
    flat = rules["flatten_at"]
    assert flat["limit"] == at_chicago(d.inputs().day, 15, 55).astimezone(CAL.tz).isoformat()
    assert flat["distance_unit"] == "seconds" and isinstance(flat["distance"], int)
    assert rules["max_position"]["value"] == 1 and rules["max_position"]["symbol"] == "NQ"
    assert rules["trailing_drawdown"]["limit"] == D("48000.00")
