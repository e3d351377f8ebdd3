"""A disabled strategy is reduce-only: its exits and closes apply, new entries do not."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal as D

from helpers import alert

from tmtui.core.alerts.intake import IntakeRules, decide_alert
from tmtui.core.alerts.strategy_switch import asks_first, disabled_allows, switch_message
from tmtui.core.book.book import Book
from tmtui.core.contracts import ContractBook
from tmtui.core.models import Outcome
from tmtui.core.trading_day import TradingCalendar

NOW = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)


def rules(**switches: bool) -> IntakeRules:
    return IntakeRules(10, switches, TradingCalendar().day_of)


def long_orb(qty: int = 2) -> Book:
    book = Book(ContractBook({}))
    decision = decide_alert(
        alert("buy", "NQ1!", qty, "25600", strategy="ORB"), book, rules(), None, NOW
    )
    assert decision.plan is not None
    book.commit(decision.plan)
    return book


def test_the_exit_of_a_disabled_strategy_closes_its_position() -> None:
    book = long_orb()
    close = decide_alert(
        alert("close", "NQ1!", None, "25610", strategy="ORB"), book, rules(ORB=False), None, NOW
    )
    assert close.outcome is Outcome.ACCEPTED and close.plan is not None
    assert close.plan.after == 0


def test_a_partial_exit_applies_and_an_entry_is_ignored() -> None:
    book = long_orb()
    off = rules(ORB=False)
    part = decide_alert(alert("sell", "NQ1!", 1, "25610", strategy="ORB"), book, off, None, NOW)
    assert part.outcome is Outcome.ACCEPTED and part.plan is not None and part.plan.after == 1
    add = decide_alert(alert("buy", "NQ1!", 1, "25610", strategy="ORB"), book, off, None, NOW)
    assert add.outcome is Outcome.IGNORED and add.plan is None
    assert "new entries are ignored" in add.message
    flat = Book(ContractBook({}))
    new = decide_alert(alert("buy", "NQ1!", 1, "25610", strategy="ORB"), flat, off, None, NOW)
    assert new.outcome is Outcome.IGNORED and "is disabled" in new.message


def test_a_reversal_of_a_disabled_strategy_closes_and_stays_flat() -> None:
    book = long_orb()
    flip = decide_alert(
        alert("sell", "NQ1!", 4, "25590", strategy="ORB"), book, rules(ORB=False), None, NOW
    )
    assert flip.outcome is Outcome.ACCEPTED and flip.plan is not None and flip.plan.after == 0
    assert "[strategy_switch: strategy 'ORB' is disabled" in flip.message


def test_the_rule_and_its_message() -> None:
    assert disabled_allows(2, 0) == 0
    assert disabled_allows(2, 1) == 1
    assert disabled_allows(2, 3) == 2
    assert disabled_allows(2, -2) == 0
    assert disabled_allows(0, 1) == 0
    assert switch_message("ORB", False) == (
        "strategy ORB disabled: new entries are ignored; "
        "exits and closes of its open position still apply"
    )
    assert asks_first(True, 1) and not asks_first(True, 0) and not asks_first(False, 1)


def test_a_manual_entry_while_locked_out_is_refused_and_an_exit_passes() -> None:
    import pytest

    from tmtui.core.alerts.entry_rules import EntryVerdict, exits_only, opens
    from tmtui.core.alerts.intake import decide_order
    from tmtui.core.alerts.manual_orders import ManualOrder, ManualPrice, PriceSource
    from tmtui.core.models import Action, UnusableSignal
    from tmtui.core.risk.rule_hits import RuleHit

    def locked(strategy: str, root: str, before: int, wanted: int) -> EntryVerdict:
        if not opens(before, wanted):
            return EntryVerdict(before, wanted, wanted)
        hit = RuleHit("daily_loss_limit", "locked out by daily_loss_limit", {})
        return EntryVerdict(before, wanted, exits_only(before, wanted), (hit,))

    book = long_orb(1)
    rules_ = IntakeRules(10, {}, TradingCalendar().day_of, locked)
    price = ManualPrice(D("25600"), PriceSource.TYPED)
    buy = ManualOrder("ORB", "NQ1!", Action.BUY, 1, price)
    with pytest.raises(UnusableSignal, match="refused: locked out by daily_loss_limit"):
        decide_order(buy, book, rules_, NOW)
    sell = ManualOrder("ORB", "NQ1!", Action.SELL, 1, price)
    decision = decide_order(sell, book, rules_, NOW)
    assert decision.plan is not None and decision.plan.after == 0
