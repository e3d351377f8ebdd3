"""Account limits: daily loss, trailing drawdown (eod vs intraday), the times, the lock."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal as D

from risk_desk import CAL, T0, Desk, at_chicago

from tmtui.core.risk.risk_checks import Level
from tmtui.core.risk.risk_limits import RiskLimits, StrategyRisk, TrailingDrawdown
from tmtui.core.risk.risk_rules import NO_PRICE
from tmtui.core.trading_day import parse_day_start

TUESDAY = date(2026, 3, 3)


def two_positions(limits: RiskLimits, commission: str = "0") -> Desk:
    d = Desk(limits, D(commission))
    d.trade("buy", "NQ", 1, "18000", strategy="A")
    d.trade("sell", "ES", 1, "6000", strategy="B")
    d.mark("ES", "6000")
    return d


# --- daily_loss_limit -------------------------------------------------------------------------


def test_daily_loss_limit_not_breached_one_tick_short() -> None:
    d = two_positions(RiskLimits(daily_loss_limit=D(1000)))
    assert d.walk("NQ", ["17980", "17960.25"]) is None
    assert d.walk("ES", ["6004"]) is None  # -795 - 200 = -995
    check = d.check("daily_loss_limit")
    assert check.value == D("-995") and check.distance == D(5)  # type: ignore[attr-defined]
    assert check.level is Level.DANGER  # type: ignore[attr-defined]
    assert d.state.locks == []


def test_daily_loss_limit_breached_closes_everything_and_locks_until_the_roll() -> None:
    d = two_positions(RiskLimits(daily_loss_limit=D(1000)))
    d.walk("NQ", ["17960"])
    ex = d.walk("ES", ["6004"])  # -800 - 200 = -1000: at the limit is a breach
    assert ex is not None and ex.rule == "daily_loss_limit"
    assert {e.key for e in d.exits} == {("A", "NQ"), ("B", "ES")}
    assert d.book.open_positions() == []
    (lock,) = d.state.locks
    assert lock.rule == "daily_loss_limit" and lock.strategy is None and lock.day == TUESDAY
    assert lock.figures["value"] == "-1000" and lock.figures["limit"] == "-1000"
    # Locked: a new entry is ignored with the rule's name, for every strategy.
    verdict = d.entry("C", "NQ", 1)
    assert verdict.refused and verdict.message == "locked out by daily_loss_limit"
    # Still locked later that day, whatever the P&L does.
    d.tick(at=at_chicago(TUESDAY, 15, 59))
    assert d.entry("A", "NQ", 1).refused
    # The roll (17:00 Chicago) ends it, even for an alert before the next evaluation...
    d.now = at_chicago(TUESDAY, 17, 0)
    assert not d.entry("A", "NQ", 1).refused
    # ... which clears it and says so.
    d.tick()
    assert d.state.locks == [] and [c.rule for c in d.cleared] == ["daily_loss_limit"]
    assert not d.entry("A", "NQ", 1).refused


def test_realized_losses_count_with_commissions() -> None:
    d = Desk(RiskLimits(daily_loss_limit=D(500)), D("2.50"))
    d.trade("buy", "NQ", 1, "18000")
    d.trade("sell", "NQ", 1, "17990")  # -200 - 5 commission
    d.trade("buy", "NQ", 1, "17990")  # -2.50 entry commission
    d.mark("NQ", "17990")
    check = d.check("daily_loss_limit")
    # -205 - 2.50 realized, open 0 minus 2.50 to close: -210.
    assert check.value == D("-210")  # type: ignore[attr-defined]
    (bp,) = check.breach_prices  # type: ignore[attr-defined]
    # 290 more to lose on one NQ: 14.5 points → 17975.50.
    assert bp.price == D("17975.50")
    assert d.walk("NQ", ["17975.75"]) is None
    assert d.walk("NQ", ["17975.50"]) is not None


def test_a_strategys_own_daily_loss_limit_closes_and_locks_only_it() -> None:
    limits = RiskLimits(strategies={"A": StrategyRisk(daily_loss_limit=D(300))})
    d = two_positions(limits)
    assert d.walk("NQ", ["17985.25"]) is None
    ex = d.walk("NQ", ["17985"])
    assert ex is not None and ex.key == ("A", "NQ") and ex.rule == "daily_loss_limit"
    assert d.book.position("B", "ES") is not None
    assert d.entry("A", "NQ", 1).message == "locked out by daily_loss_limit (strategy A)"
    assert not d.entry("B", "ES", -2).refused


def test_a_lock_keeps_closing_what_is_still_open_in_its_scope() -> None:
    d = Desk(RiskLimits(daily_loss_limit=D(100)))
    d.trade("buy", "NQ", 1, "18000")
    d.mark("NQ", "17990")  # -200: breach, NQ closed, locked
    assert d.book.position("A", "NQ") is None and d.state.locks
    d.trade("buy", "ES", 1, "6000", strategy="B")  # e.g. restored from before the lock
    ex = d.walk("ES", ["6001"])
    assert ex is not None and ex.rule == "daily_loss_limit" and ex.key == ("B", "ES")
    assert "locked out by daily_loss_limit" in ex.reason


def test_an_exit_without_any_price_waits() -> None:
    d = Desk(RiskLimits(daily_loss_limit=D(100)))
    d.trade("buy", "NQ", 1, "18000")
    d.mark("NQ", "17990")  # breach
    d.trade("buy", "ES", 1, "6000", strategy="A")  # a position the lock cannot price
    # Entries are refused by the engine; here the book holds one anyway (e.g. restored).
    result = d.tick()
    (ex,) = result.exits
    assert ex.key == ("A", "ES") and ex.waiting == NO_PRICE


# --- trailing_drawdown: eod vs intraday -------------------------------------------------------


def prop(mode: str, lock_at: str | None = None) -> Desk:
    td = TrailingDrawdown(
        amount=D(2000),
        mode=mode,
        starting_balance=D(50000),
        lock_at=None if lock_at is None else D(lock_at),
    )
    d = Desk(RiskLimits(trailing_drawdown=td), realized_balance=D(50000))
    d.trade("buy", "NQ", 1, "18000")
    return d


PATH = ["18000", "18075", "17990", "17975"]  # balance 50000, 51500, 49800, 49500


def test_intraday_trails_the_open_equity_peak() -> None:
    d = prop("intraday")
    assert d.walk("NQ", PATH[:3]) is None
    check = d.check("trailing_drawdown")
    assert check.limit == D(49500) and check.value == D(49800)  # type: ignore[attr-defined]
    ex = d.walk("NQ", PATH[3:])
    assert ex is not None and ex.rule == "trailing_drawdown"
    assert d.state.locks[0].rule == "trailing_drawdown"


def test_eod_ignores_the_intraday_peak_on_the_same_path() -> None:
    d = prop("eod")
    assert d.walk("NQ", PATH) is None
    check = d.check("trailing_drawdown")
    assert check.limit == D(48000) and check.value == D(49500)  # type: ignore[attr-defined]
    (bp,) = check.breach_prices  # type: ignore[attr-defined]
    assert bp.price == D("17900")


def test_eod_floor_moves_up_at_the_roll_from_the_days_last_balance() -> None:
    d = prop("eod")
    d.walk("NQ", ["18050"])  # 51000 at the close
    d.tick(at=at_chicago(TUESDAY, 17, 0, 1))  # Wednesday's session
    check = d.check("trailing_drawdown")
    assert check.limit == D(49000)  # type: ignore[attr-defined]
    assert d.walk("NQ", ["17950.25"]) is None  # 49005
    assert d.walk("NQ", ["17950"]) is not None  # 49000


def test_lock_at_stops_the_floor_rising() -> None:
    d = prop("intraday", lock_at="50100")
    d.walk("NQ", ["18200"])  # peak 54000: the floor would be 52000
    check = d.check("trailing_drawdown")
    assert check.limit == D(50100) and "floor locked" in check.note  # type: ignore[attr-defined]
    assert d.walk("NQ", ["18010"]) is None  # 50200
    assert d.walk("NQ", ["18005"]) is not None  # 50100


def test_trailing_counts_realized_money_and_commissions() -> None:
    td = TrailingDrawdown(amount=D(1000), mode="intraday", starting_balance=D(50000))
    d = Desk(RiskLimits(trailing_drawdown=td), D(5), realized_balance=D(50000))
    d.trade("buy", "NQ", 1, "18000")
    d.mark("NQ", "18000")
    assert d.state.peak == D(49990)  # entry commission paid, exit commission to pay
    check = d.check("trailing_drawdown")
    assert check.limit == D(49000)  # type: ignore[attr-defined]
    (bp,) = check.breach_prices  # type: ignore[attr-defined]
    assert bp.price == D("17950.50")  # 990 to lose = 49.5 points


# --- flatten_at / no_entries_after ------------------------------------------------------------


def test_flatten_at_closes_at_the_time_even_with_a_stale_quote() -> None:
    limits = RiskLimits(flatten_at=parse_day_start("15:55"))
    d = Desk(limits)
    d.trade("buy", "NQ", 1, "18000")
    d.mark("NQ", "18010", at=at_chicago(TUESDAY, 15, 0))
    assert d.tick(at=at_chicago(TUESDAY, 15, 54, 59)).exits == ()
    assert not d.entry("B", "ES", 1).refused
    result = d.tick(at=at_chicago(TUESDAY, 15, 55))
    (ex,) = result.exits
    assert ex.rule == "flatten_at" and ex.waiting is None and ex.price == D(18010)
    assert d.book.open_positions() == []
    verdict = d.entry("B", "ES", 1)
    assert verdict.refused and verdict.hits[0].rule == "flatten_at"
    # The next session accepts entries again.
    d.tick(at=at_chicago(TUESDAY, 17, 0))
    assert not d.entry("B", "ES", 1).refused


def test_no_entries_after_refuses_entries_but_keeps_positions() -> None:
    d = Desk(RiskLimits(no_entries_after=parse_day_start("15:30")))
    d.trade("buy", "NQ", 2, "18000")
    d.mark("NQ", "18000", at=at_chicago(TUESDAY, 15, 30))
    assert d.book.position("A", "NQ") is not None
    add = d.entry("A", "NQ", 3)
    assert add.refused and add.hits[0].rule == "no_entries_after"
    assert d.entry("A", "NQ", 1).allowed == 1  # reducing is always allowed
    assert d.entry("A", "NQ", -1).allowed == 0  # a reversal stops flat


def test_a_strategy_flatten_time_applies_to_it_alone() -> None:
    limits = RiskLimits(strategies={"A": StrategyRisk(flatten_at=parse_day_start("14:00"))})
    d = Desk(limits)
    d.trade("buy", "NQ", 1, "18000", strategy="A")
    d.trade("buy", "NQ", 1, "18000", strategy="B")
    d.mark("NQ", "18000", at=at_chicago(TUESDAY, 14, 0))
    assert d.book.position("A", "NQ") is None and d.book.position("B", "NQ") is not None


def test_time_check_counts_down_in_seconds() -> None:
    d = Desk(RiskLimits(flatten_at=parse_day_start("15:55")))
    d.now = at_chicago(TUESDAY, 15, 45)
    check = d.check("flatten_at")
    assert check.distance == D(600) and check.level is Level.WARNING  # type: ignore[attr-defined]
    assert check.limit == at_chicago(TUESDAY, 15, 55)  # type: ignore[attr-defined]


def test_session_moment_on_a_monday_and_across_dst() -> None:
    monday = date(2026, 3, 9)  # the US switched to CDT on Sunday 2026-03-08
    moment = CAL.moment(monday, parse_day_start("15:55"))
    assert moment.isoformat() == "2026-03-09T15:55:00-05:00"
    assert CAL.day_of(moment) == monday
    assert CAL.moment(TUESDAY, parse_day_start("18:00")).isoformat() == (
        "2026-03-02T18:00:00-06:00"
    )
    assert T0 < at_chicago(TUESDAY, 15, 55) < T0 + timedelta(hours=8)
