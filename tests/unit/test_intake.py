"""The intake decision, pure: each outcome, the exact records it writes, and a book left alone."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

import pytest
from helpers import alert

from tmtui.core.alerts.intake import (
    IntakeRules,
    decide_alert,
    decide_close,
    decide_order,
    decide_refusal,
    reply_of,
)
from tmtui.core.alerts.manual_orders import ManualOrder, ManualPrice, PriceSource
from tmtui.core.book.book import Book
from tmtui.core.book.book_state import position_state
from tmtui.core.contracts import ContractBook
from tmtui.core.events import EventKind
from tmtui.core.models import Action, InvalidSignal, Outcome, UnusableSignal
from tmtui.core.trading_day import TradingCalendar

NOW = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)
CALENDAR = TradingCalendar()


def rules(**switches: bool) -> IntakeRules:
    return IntakeRules(max_qty=10, switches=switches, day_of=CALENDAR.day_of)


def empty() -> Book:
    return Book(ContractBook({}), lambda _root: D("1.25"))


def book_with_long_nq() -> Book:
    book = empty()
    plan = decide_alert(alert("buy", "NQ1!", 2, "25600", received=NOW), book, rules(), None, NOW)
    assert plan.plan is not None
    book.commit(plan.plan)
    return book


def frozen(book: Book) -> object:
    return {k: position_state(p) for k, p in book.positions.items()}, book.next_trade_id


def test_accepted_carries_every_record_of_one_transaction() -> None:
    book = book_with_long_nq()
    before = frozen(book)
    closing = alert("sell", "NQ1!", 2, "25650", alert_id="x1", received=NOW)
    decision = decide_alert(closing, book, rules(), None, NOW)
    assert frozen(book) == before, "deciding must not touch the book"
    assert decision.outcome is Outcome.ACCEPTED and decision.error is None
    write = decision.write
    assert write.record.outcome is Outcome.ACCEPTED and write.record.idem_key == "id:x1"
    assert write.record.signal is not None and write.record.signal.price == D(25650)
    assert [f.qty for f in write.fills] == [-2]
    assert len(write.closed_trades) == 1 and write.closed_trades[0].gross == D(2000)
    assert write.book is not None and write.book.deletes == (("S", "NQ"),)
    assert [r.realized for r in write.rollups] == [D(2000)]
    assert write.events[0].kind is EventKind.ALERT_ACCEPTED
    assert "→ flat" in decision.message and "P&L +1,995.00" in decision.message
    reply = reply_of(decision, 7, None)
    assert (reply.signal_id, reply.outcome, reply.duplicate) == (7, Outcome.ACCEPTED, False)


def test_duplicate_repeats_the_original_and_writes_only_its_own_row() -> None:
    decision = decide_alert(alert("buy", "NQ1!", 1, "1", alert_id="a"), empty(), rules(), 42, NOW)
    assert decision.outcome is Outcome.DUPLICATE and decision.plan is None
    assert decision.write.record.outcome is Outcome.DUPLICATE
    assert decision.write.fills == () and decision.write.book is None
    assert [e.kind for e in decision.events] == [EventKind.ALERT_DUPLICATE]
    reply = reply_of(decision, 99, None)
    assert reply.duplicate and reply.signal_id == 42


def test_disabled_strategy_and_nothing_to_close_are_ignored() -> None:
    off = decide_alert(
        alert("buy", "NQ1!", 1, "25600", strategy="Off"), empty(), rules(Off=False), None, NOW
    )
    assert off.outcome is Outcome.IGNORED and "strategy 'Off' is disabled" in off.message
    assert off.write.record.signal is not None and off.write.book is None
    nothing = decide_alert(alert("close", "NQ1!", None, "25600"), empty(), rules(), None, NOW)
    assert nothing.outcome is Outcome.IGNORED and "nothing open to close" in nothing.message
    assert nothing.key == ("S", "NQ")


@pytest.mark.parametrize(
    ("fields", "error", "text"),
    [
        (("buy", "NQ1!", "1.5", "100"), InvalidSignal, "whole number"),
        (("buy", "ZZZ1!", 1, "100"), UnusableSignal, "contracts.ZZZ"),
        (("buy", "NQ1!", 11, "100"), UnusableSignal, "1..10"),
        (("buy", "NQ1!", 1, None), UnusableSignal, "without a price"),
    ],
)
def test_rejections_carry_the_error_to_raise(
    fields: tuple[str, str, object, object], error: type[Exception], text: str
) -> None:
    decision = decide_alert(alert(*fields), empty(), rules(), None, NOW)
    assert decision.outcome is Outcome.REJECTED and isinstance(decision.error, error)
    assert text in str(decision.error)
    assert decision.write.record.outcome is Outcome.REJECTED
    assert decision.write.record.reason == str(decision.error)
    assert decision.plan is None and decision.write.fills == ()


def test_manual_close_at_the_confirmed_price_with_its_source() -> None:
    book = book_with_long_nq()
    live = ManualPrice(D("25610"), PriceSource.LIVE)
    with pytest.raises(UnusableSignal, match="no open position"):
        decide_close(book, ("S", "ES"), rules(), NOW, live)
    with pytest.raises(UnusableSignal, match="must be > 0"):
        decide_close(book, ("S", "NQ"), rules(), NOW, ManualPrice(D(0), PriceSource.TYPED))
    later = NOW + timedelta(minutes=1)
    at_mark = decide_close(book, ("S", "NQ"), rules(), later, live, reason="flatten everything")
    assert at_mark.write.record.source == "manual" and at_mark.write.record.received == later
    raw = json.loads(at_mark.write.record.raw or "")
    assert raw == {
        "action": "close",
        "strategy": "S",
        "symbol": "NQ",
        "price": "25610",
        "price_source": "live",
        "reason": "flatten everything",
    }
    assert at_mark.events[0].kind is EventKind.MANUAL_CLOSE
    assert at_mark.events[0].data["price_source"] == "live"
    assert "(price live)" in at_mark.message
    assert at_mark.write.fills[0].price == D(25610)
    typed = decide_close(
        book, ("S", "NQ"), rules(), later, ManualPrice(D("25620.25"), PriceSource.TYPED)
    )
    assert typed.write.fills[0].price == D("25620.25")
    assert json.loads(typed.write.record.raw or "")["price_source"] == "typed"
    assert ("S", "NQ") in book.positions, "deciding must not touch the book"


def test_manual_order_is_validated_like_an_alert_and_recorded_with_its_source() -> None:
    book = empty()
    before = frozen(book)
    stale = ManualPrice(D("25600.25"), PriceSource.STALE)
    order = ManualOrder("Off", "NQ1!", Action.BUY, 2, stale)
    decision = decide_order(order, book, rules(Off=False), NOW)  # the switch is for alerts
    assert frozen(book) == before, "deciding must not touch the book"
    assert decision.outcome is Outcome.ACCEPTED and decision.plan is not None
    assert decision.events[0].kind is EventKind.MANUAL_ORDER
    assert "(price stale)" in decision.message
    record = decision.write.record
    assert record.source == "manual" and record.signal is not None
    assert record.signal.price == D("25600.25") and record.signal.qty == 2
    assert json.loads(record.raw or "") == {
        "action": "buy",
        "strategy": "Off",
        "symbol": "NQ",
        "qty": 2,
        "price": "25600.25",
        "price_source": "stale",
        "reason": "manual order",
    }
    assert [f.qty for f in decision.write.fills] == [2]
    with pytest.raises(UnusableSignal, match="1..10"):
        decide_order(ManualOrder("S", "NQ1!", Action.SELL, 11, stale), book, rules(), NOW)
    with pytest.raises(UnusableSignal, match="contracts.ZZZ"):
        decide_order(ManualOrder("S", "ZZZ1!", Action.SELL, 1, stale), book, rules(), NOW)
    with pytest.raises(InvalidSignal):
        decide_order(ManualOrder("bad name!", "NQ1!", Action.BUY, 1, stale), book, rules(), NOW)


def test_refusals_record_only_a_malformed_body() -> None:
    event, write = decide_refusal("1.2.3.4", 400, "not JSON", "garbage", NOW)
    assert write is not None and write.record.outcome is Outcome.REJECTED
    assert write.record.raw == "garbage" and write.events == (event,)
    event, write = decide_refusal("1.2.3.4", 401, "bad secret", None, NOW)
    assert write is None and "(401)" in event.message
