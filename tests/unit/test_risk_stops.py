"""Per-position exits: each with a price path that triggers it and one that does not."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal as D

import pytest
from risk_desk import Desk

from tmtui.core.risk.risk_checks import Level
from tmtui.core.risk.risk_limits import Amount, ProfitLock, RiskLimits, StrategyRisk
from tmtui.core.risk.risk_rules import STALE


def desk(commission: str = "0", **stops: object) -> Desk:
    return Desk(RiskLimits(**stops), D(commission))  # type: ignore[arg-type]


def ticks(n: int) -> Amount:
    return Amount.parse(f"{n} ticks")


# --- stop_loss --------------------------------------------------------------------------------


def test_stop_loss_in_ticks_long_exits_at_the_stop_not_a_tick_before() -> None:
    d = desk(stop_loss=ticks(40))
    d.trade("buy", "NQ", 1, "18000")
    assert d.walk("NQ", ["18000", "17995", "17990.25", "17996"]) is None
    d2 = desk(stop_loss=ticks(40))
    d2.trade("buy", "NQ", 1, "18000")
    ex = d2.walk("NQ", ["17995", "17990.25", "17990", "17980"])
    assert ex is not None and ex.rule == "stop_loss"
    assert ex.price == D("17990") and ex.key == ("A", "NQ")
    assert ex.figures["limit"] == "17990.00" or D(ex.figures["limit"]) == D("17990")
    assert d2.book.position("A", "NQ") is None


def test_stop_loss_short_is_above_and_fills_at_the_mark_past_it() -> None:
    d = desk(stop_loss=Amount.parse("10 points"))
    d.trade("sell", "ES", 2, "6000")
    assert d.walk("ES", ["6005", "6009.75", "6001"]) is None
    ex = d.walk("ES", ["6008", "6012.50"])  # gaps through the stop: closes at the mark
    assert ex is not None and ex.rule == "stop_loss" and ex.price == D("6012.50")
    closed = d.realized[min(d.realized)]["A"]
    assert closed == (D("6000") - D("6012.50")) * 2 * 50


def test_stop_loss_in_dollars_counts_the_round_turn_commission() -> None:
    # long 2 NQ, $500 stop, $2.50 a side: gross may fall to -490 (10 of round turn).
    d = desk("2.50", stop_loss=Amount.parse("$500"))
    d.trade("buy", "NQ", 2, "18000")
    check = d.check("stop_loss", "A", "NQ")
    assert check.limit == D("17987.75")  # type: ignore[attr-defined]
    assert d.walk("NQ", ["17990", "17988"]) is None
    ex = d.walk("NQ", ["17987.75"])
    assert ex is not None and ex.rule == "stop_loss"


# --- take_profit ------------------------------------------------------------------------------


def test_take_profit_points_long_and_a_path_that_falls_short() -> None:
    d = desk(take_profit=Amount.parse("20 points"))
    d.trade("buy", "NQ", 1, "18000")
    assert d.walk("NQ", ["18010", "18019.75", "18005"]) is None
    ex = d.walk("NQ", ["18020"])
    assert ex is not None and ex.rule == "take_profit" and ex.price == D("18020")


def test_take_profit_short_in_ticks() -> None:
    d = desk(take_profit=ticks(8))
    d.trade("sell", "CL", 1, "70.50")
    assert d.walk("CL", ["70.45", "70.43"]) is None
    ex = d.walk("CL", ["70.42"])
    assert ex is not None and ex.rule == "take_profit"


# --- trailing_stop ----------------------------------------------------------------------------


def test_trailing_stop_follows_the_best_price() -> None:
    d = desk(trailing_stop=ticks(20))  # 5 points
    d.trade("buy", "NQ", 1, "18000")
    assert d.walk("NQ", ["18003", "18010", "18005.25", "18012"]) is None
    check = d.check("trailing_stop", "A", "NQ")
    assert check.limit == D("18007")  # type: ignore[attr-defined]
    ex = d.walk("NQ", ["18009", "18007"])
    assert ex is not None and ex.rule == "trailing_stop" and ex.price == D("18007")


def test_trailing_stop_short_and_rising_path_that_never_turns() -> None:
    d = desk(trailing_stop=Amount.parse("2 points"))
    d.trade("sell", "ES", 1, "6000")
    assert d.walk("ES", ["5999", "5996", "5990", "5987.75"]) is None
    ex = d.walk("ES", ["5989.75"])
    assert ex is not None and ex.rule == "trailing_stop"


def test_trailing_stop_in_dollars_spreads_over_the_quantity() -> None:
    d = desk(trailing_stop=Amount.parse("200 dollars"))  # 2 NQ: 5 points
    d.trade("buy", "NQ", 2, "18000")
    assert d.walk("NQ", ["18010", "18005.25"]) is None
    assert d.walk("NQ", ["18005"]) is not None


def test_trailing_stop_resets_for_a_new_round_trip() -> None:
    d = desk(trailing_stop=ticks(20))
    d.trade("buy", "NQ", 1, "18000")
    d.walk("NQ", ["18030"])
    d.trade("sell", "NQ", 2, "18030")  # reverses: a new round trip, short from 18030
    assert d.check("trailing_stop", "A", "NQ").limit == D("18035")  # type: ignore[attr-defined]


# --- profit_lock ------------------------------------------------------------------------------


def test_profit_lock_does_nothing_until_armed() -> None:
    d = desk(profit_lock=ProfitLock(ticks(40), ticks(8)))
    d.trade("buy", "NQ", 1, "18000")
    assert d.walk("NQ", ["18009.75", "18001", "17990"]) is None
    check = d.check("profit_lock", "A", "NQ")
    assert "not armed: arms at 18010.00" in check.note  # type: ignore[attr-defined]


def test_profit_lock_armed_exits_when_the_gain_falls_back_to_the_lock() -> None:
    d = desk(profit_lock=ProfitLock(ticks(40), ticks(8)))
    d.trade("buy", "NQ", 1, "18000")
    assert d.walk("NQ", ["18010", "18004", "18002.25"]) is None
    ex = d.walk("NQ", ["18002"])
    assert ex is not None and ex.rule == "profit_lock" and ex.price == D("18002")


def test_profit_lock_in_dollars_for_a_short() -> None:
    lock = ProfitLock(Amount.parse("$400"), Amount.parse("$100"))
    d = desk("1", profit_lock=lock)
    d.trade("sell", "NQ", 1, "18000")  # net = gross - 2: arms at -20.1 pts, locks at 5.1
    assert d.walk("NQ", ["17980"]) is None  # +400 gross, 398 net: not armed
    assert d.walk("NQ", ["17979.75", "17994.75"]) is None
    ex = d.walk("NQ", ["17995"])
    assert ex is not None and ex.rule == "profit_lock"


# --- per strategy, staleness, no unknowns as zero ---------------------------------------------


def test_a_strategys_own_stop_replaces_the_account_default() -> None:
    limits = RiskLimits(stop_loss=ticks(40), strategies={"B": StrategyRisk(stop_loss=ticks(8))})
    d = Desk(limits)
    d.trade("buy", "NQ", 1, "18000", strategy="A")
    d.trade("buy", "NQ", 1, "18000", strategy="B")
    ex = d.walk("NQ", ["17998"])
    assert ex is not None and ex.key == ("B", "NQ")
    assert d.book.position("A", "NQ") is not None


def test_a_stale_mark_waits_for_a_fresh_quote() -> None:
    d = desk(stop_loss=ticks(4))
    d.trade("buy", "NQ", 1, "18000")
    d.mark("NQ", "18000")
    d.book.mark("NQ", lambda _s: D("17998"), d.now)  # breach, then the feed goes quiet
    result = d.tick(at=d.now + timedelta(seconds=30))
    (ex,) = result.exits
    assert ex.waiting == STALE and d.book.position("A", "NQ") is not None
    assert d.walk("NQ", ["17998.50"]) is not None  # fresh quote, still through the stop


def test_a_stale_breach_that_a_fresh_quote_undoes_exits_nothing() -> None:
    d = desk(stop_loss=ticks(4))
    d.trade("buy", "NQ", 1, "18000")
    d.book.mark("NQ", lambda _s: D("17998"), d.now)
    assert d.tick(at=d.now + timedelta(seconds=30)).exits[0].waiting == STALE
    assert d.walk("NQ", ["18001"]) is None and d.book.position("A", "NQ") is not None


def test_an_unmarked_position_is_unknown_not_zero() -> None:
    d = desk(stop_loss=ticks(40))
    d.trade("buy", "NQ", 1, "18000")
    check = d.check("stop_loss", "A", "NQ")
    assert check.value is None and check.distance is None  # type: ignore[attr-defined]
    assert check.limit == D("17990")  # type: ignore[attr-defined]


def test_distance_and_warning_levels_as_the_stop_nears() -> None:
    d = desk(stop_loss=ticks(40))  # 10 points = $200 on 1 NQ
    d.trade("buy", "NQ", 1, "18000")
    d.mark("NQ", "17996")
    c = d.check("stop_loss", "A", "NQ")
    assert c.distance == D("120") and c.level is Level.OK  # type: ignore[attr-defined]
    d.mark("NQ", "17994")
    assert d.check("stop_loss", "A", "NQ").level is Level.WARNING  # type: ignore[attr-defined]
    d.mark("NQ", "17992")
    assert d.check("stop_loss", "A", "NQ").level is Level.DANGER  # type: ignore[attr-defined]


@pytest.mark.parametrize("text", ["40 ticks", "40 tick", "10 points", "10 pts", "$250", "250 usd"])
def test_amounts_parse(text: str) -> None:
    assert Amount.parse(text).value > 0


@pytest.mark.parametrize("text", ["40", "forty ticks", "$40 ticks", "10 bananas", ""])
def test_bad_amounts_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="expected an amount"):
        Amount.parse(text)
