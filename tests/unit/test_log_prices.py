"""Log lines and risk texts write numbers as the one formatter does, whatever the contract.

A price on a log line carries its contract's tick decimals (`buy 1 ES @ 6800.00`, 6E
`@ 1.16005`), a lockout's reason compares money (`-1,000.00 <= -1,000.00`), a stop's note
names its prices with the tick's decimals (`best 18012.00`), and the risk table's breach
price does too (`@ 17950.00`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal as D

from helpers import alert
from risk_desk import CAL, Desk

from tmtui.core.alerts.intake import IntakeRules, decide_alert, decide_close
from tmtui.core.alerts.manual_orders import ManualPrice, PriceSource
from tmtui.core.book.book import Book
from tmtui.core.contracts import ContractBook
from tmtui.core.risk.risk_limits import Amount, RiskLimits
from tmtui.core.risk.risk_report import check_text

NOW = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)


def rules() -> IntakeRules:
    return IntakeRules(10, {}, CAL.day_of)


def accepted(book: Book, action: str, ticker: str, qty: int | None, price: str) -> str:
    decision = decide_alert(
        alert(action, ticker, qty, price, received=NOW), book, rules(), None, NOW
    )
    assert decision.plan is not None, decision.message
    book.commit(decision.plan)
    return decision.events[0].message


def test_an_entry_and_a_close_show_the_ticks_decimals() -> None:
    book = Book(ContractBook({}))
    assert accepted(book, "buy", "ES1!", 1, "6800").startswith("buy 1 ES @ 6800.00 (S) → long 1")
    close = decide_close(book, ("S", "ES"), rules(), NOW, ManualPrice(D("6800"), PriceSource.TYPED))
    assert close.events[0].message.startswith("close ES @ 6800.00 (S) → flat, P&L ")


def test_a_fine_tick_keeps_its_places() -> None:
    book = Book(ContractBook({}))
    assert " @ 1.16005 (S)" in accepted(book, "buy", "6E1!", 1, "1.16005")
    assert " @ 1.16000 (S)" in accepted(book, "sell", "6E1!", 1, "1.16")


def test_an_ignored_alert_names_its_price_with_the_ticks_decimals() -> None:
    decision = decide_alert(
        alert("close", "ES1!", None, "6800", received=NOW),
        Book(ContractBook({})),
        rules(),
        None,
        NOW,
    )
    assert decision.message.startswith("close ES @ 6800.00: ignored")


def test_a_lockout_reason_compares_money() -> None:
    d = Desk(RiskLimits(daily_loss_limit=D(1000)))
    d.trade("buy", "NQ", 1, "18000")
    d.walk("NQ", ["17950"])  # -1,000.00: at the limit is a breach
    (lock,) = d.state.locks
    assert lock.reason == "daily_loss_limit breached (account): -1,000.00 <= -1,000.00"
    assert lock.figures["value"] == "-1000"  # the ledger keeps exact figures


def test_a_stop_exit_and_its_notes_name_prices_with_the_ticks_decimals() -> None:
    d = Desk(RiskLimits(trailing_stop=Amount.parse("20 ticks")))
    d.trade("buy", "NQ", 1, "18000")
    assert d.walk("NQ", ["18012"]) is None
    check = d.check("trailing_stop", "A", "NQ")
    assert check.note == "best 18012.00"  # type: ignore[attr-defined]
    shown = check_text(check, CAL)  # type: ignore[arg-type]
    assert (shown.limit, shown.value) == ("18007.00", "18012.00")
    ex = d.walk("NQ", ["18007"])
    assert ex is not None and ex.reason == "mark 18007.00 reached 18007.00"


def test_a_breach_price_on_the_risk_table_has_the_ticks_decimals() -> None:
    d = Desk(RiskLimits(daily_loss_limit=D(1000)))
    d.trade("buy", "NQ", 1, "18000")
    d.mark("NQ", "18000")
    shown = check_text(d.check("daily_loss_limit"), CAL)  # type: ignore[arg-type]
    assert shown.breach == "A NQ @ 17950.00"
    assert (shown.limit, shown.value) == ("-1,000.00", "0.00")
