"""The one rules pipeline, pure: every alert check is a named rule with its figures.

Field rules refuse (4xx) with their name; `ALERT_RULES` stop (ignored, 200) or trim
(accepted for the part allowed, recorded so replay gives the same position); a risk exit
is a close from source "risk" that names its rule. Nothing here touches the book.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal as D

from helpers import alert

from tmtui.core.alerts.alert_rules import ALERT_RULES, trimmed
from tmtui.core.alerts.entry_rules import EntryVerdict
from tmtui.core.alerts.intake import IntakeRules, decide_alert, decide_risk_exit
from tmtui.core.alerts.position_rules import resolve
from tmtui.core.book.book import Book
from tmtui.core.contracts import ContractBook
from tmtui.core.events import EventKind
from tmtui.core.models import Action, Intent, Outcome, Signal
from tmtui.core.risk.risk_rules import RiskExit
from tmtui.core.risk.rule_hits import RuleHit
from tmtui.core.trading_day import TradingCalendar

NOW = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)
CALENDAR = TradingCalendar()


def rules(entry: object = None, **switches: bool) -> IntakeRules:
    return IntakeRules(10, switches, CALENDAR.day_of, entry)  # type: ignore[arg-type]


def long_nq(qty: int = 2) -> Book:
    book = Book(ContractBook({}))
    decision = decide_alert(
        alert("buy", "NQ1!", qty, "25600", received=NOW), book, rules(), None, NOW
    )
    assert decision.plan is not None
    book.commit(decision.plan)
    return book


def test_the_rules_are_named_and_ordered() -> None:
    assert [name for name, _ in ALERT_RULES] == [
        "strategy_switch",
        "position_rules",
        "nothing_to_close",
        "risk_entry",
    ]


def test_a_refusal_names_its_rule_and_figures() -> None:
    decision = decide_alert(
        alert("buy", "NQ1!", 11, "25600"), Book(ContractBook({})), rules(), None, NOW
    )
    assert decision.outcome is Outcome.REJECTED
    (event,) = decision.events
    assert event.data["rule"] == "max_qty" and event.data["figures"] == {
        "qty": "11",
        "max_qty": "10",
    }


def test_an_ignored_alert_names_the_rule_that_stopped_it() -> None:
    decision = decide_alert(
        alert("close", "NQ1!", None, "25600"), Book(ContractBook({})), rules(), None, NOW
    )
    assert decision.outcome is Outcome.IGNORED
    assert decision.message == "close NQ @ 25600.00: ignored: nothing open to close for NQ (S)"
    assert decision.events[0].data["rule"] == "nothing_to_close"
    off = decide_alert(alert("buy", "NQ1!", 1, "25600"), long_nq(), rules(S=False), None, NOW)
    assert off.events[0].data["rule"] == "strategy_switch"


def locked(strategy: str, root: str, before: int, wanted: int) -> EntryVerdict:
    hit = RuleHit("daily_loss_limit", "locked out by daily_loss_limit", {"value": "-1000"})
    allowed = (
        0 if (before > 0) != (wanted > 0) else (wanted if abs(wanted) <= abs(before) else before)
    )
    return EntryVerdict(before, wanted, allowed, (hit,))


def test_a_locked_out_entry_is_ignored_and_a_reversal_only_closes() -> None:
    book = long_nq()
    add = decide_alert(alert("buy", "NQ1!", 1, "25610"), book, rules(locked), None, NOW)
    assert add.outcome is Outcome.IGNORED and add.plan is None
    assert add.message == "buy 1 NQ @ 25610.00: ignored: locked out by daily_loss_limit"
    assert add.events[0].data["figures"]["daily_loss_limit.value"] == "-1000"
    assert add.write.record.reason == "locked out by daily_loss_limit"
    assert add.drift is not None and add.drift[1].drift is not None  # strategy means 3, held 2
    flip = decide_alert(alert("sell", "NQ1!", 4, "25590"), book, rules(locked), None, NOW)
    assert flip.outcome is Outcome.ACCEPTED and flip.plan is not None and flip.plan.after == 0
    stored = flip.write.record.signal
    assert stored is not None and stored.action is Action.CLOSE and stored.intent is Intent.FLATTEN
    assert "[locked out by daily_loss_limit]" not in flip.message
    assert "[daily_loss_limit: locked out by daily_loss_limit]" in flip.message


def test_a_trimmed_signal_replays_to_exactly_the_allowed_position() -> None:
    for before, wanted, allowed in [(0, 3, 2), (1, 3, 2), (2, -3, -1), (-1, 2, 0)]:
        signal = Signal("S", "NQ", Action.BUY, None, D(1), NOW, target=wanted)
        assert resolve(trimmed(signal, before, allowed), before).after == allowed


def test_a_risk_exit_is_a_close_from_source_risk_with_rule_and_figures() -> None:
    book = long_nq()
    pos = book.positions[("S", "NQ")]
    exit_ = RiskExit(
        ("S", "NQ"),
        pos.trade.trade_id,
        "stop_loss",
        D("25590"),
        "mark 25590 reached 25590",
        {"limit": "25590", "mark": "25590"},
    )
    decision = decide_risk_exit(book, exit_, rules(), NOW)
    assert decision.outcome is Outcome.ACCEPTED and decision.plan is not None
    assert decision.plan.after == 0 and decision.plan.price == D("25590")
    record = decision.write.record
    assert record.source == "risk" and record.reason == "stop_loss: mark 25590 reached 25590"
    raw = json.loads(record.raw or "")
    assert raw == {
        "action": "close",
        "figures": {"limit": "25590", "mark": "25590"},
        "price": "25590",
        "reason": "mark 25590 reached 25590",
        "rule": "stop_loss",
        "strategy": "S",
        "symbol": "NQ",
    }
    (event,) = decision.events
    assert event.kind is EventKind.RISK_EXIT
    assert event.data["rules"] == [{"rule": "stop_loss", "figures": exit_.figures}]
