"""Breach prices: where each open position alone would breach a limit, commissions in."""

from __future__ import annotations

from decimal import Decimal as D

from hypothesis import assume, given, settings
from hypothesis import strategies as st
from risk_desk import Desk

from tmtui.core.risk.breach import first_tick
from tmtui.core.risk.risk_checks import RiskInputs, daily_loss_checks, money_check
from tmtui.core.risk.risk_limits import RiskLimits


def test_two_positions_long_and_short_with_commissions() -> None:
    d = Desk(RiskLimits(daily_loss_limit=D(1000)), D(2))
    d.trade("buy", "NQ", 2, "18000", strategy="A")
    d.trade("sell", "ES", 1, "6000", strategy="B")
    d.mark("NQ", "17990")
    d.mark("ES", "6002")
    check = d.check("daily_loss_limit")
    # realized -6 (entry commissions), open -400 - 100, 6 to close: -512; 488 left.
    assert check.value == D(-512) and check.distance == D(488)  # type: ignore[attr-defined]
    nq, es = check.breach_prices  # type: ignore[attr-defined]
    assert (nq.strategy, nq.root, nq.side, nq.qty) == ("A", "NQ", "long", 2)
    assert nq.price == D("17977.75")  # 488 / 40 = 12.2 points down, to the tick below
    assert (es.side, es.price) == ("short", D("6012.00"))  # 9.76 up, to the tick above


def test_a_position_that_cannot_reach_its_breach_price_says_none() -> None:
    d = Desk(RiskLimits(daily_loss_limit=D(100000)))
    d.trade("buy", "MCL", 1, "70")
    d.mark("MCL", "70")
    (bp,) = d.check("daily_loss_limit").breach_prices  # type: ignore[attr-defined]
    assert bp.price is None  # would need MCL below zero


def test_first_tick_rounds_toward_the_breach() -> None:
    assert first_tick(D("17977.8"), D("0.25"), falling=True) == D("17977.75")
    assert first_tick(D("6011.76"), D("0.25"), falling=False) == D("6012.00")
    assert first_tick(D("17977.75"), D("0.25"), falling=True) == D("17977.75")


ROOTS = {"NQ": ("18000", "0.25"), "ES": ("6000", "0.25"), "CL": ("70", "0.01")}
position = st.tuples(
    st.sampled_from(sorted(ROOTS)),
    st.sampled_from([1, -1]),
    st.integers(1, 4),
    st.integers(-40, 40),  # entry offset in ticks
    st.integers(-40, 40),  # mark offset in ticks
)


@settings(max_examples=150, deadline=None)
@given(
    positions=st.lists(position, min_size=1, max_size=3, unique_by=lambda p: p[0]),
    commission=st.sampled_from(["0", "1.25", "2.50"]),
    realized=st.integers(-300, 300),
)
def test_each_breach_price_breaches_and_the_tick_before_does_not(
    positions: list[tuple[str, int, int, int, int]], commission: str, realized: int
) -> None:
    d = Desk(RiskLimits(daily_loss_limit=D(5000)), D(commission))
    for root, sign, qty, entry, mark in positions:
        base, tick = D(ROOTS[root][0]), D(ROOTS[root][1])
        d.trade("buy" if sign > 0 else "sell", root, qty, str(base + entry * tick))
        d.book.mark(root, lambda _s, p=base + mark * tick: p, d.now)
    d.realized.setdefault(d.inputs().day, {})["A"] = D(realized)
    inputs = d.inputs()
    (check,) = daily_loss_checks(d.limits, inputs)
    assert check.value is not None
    assume(not check.breached)  # a path already at the limit has no price left to find
    for bp in check.breach_prices:
        assert bp.price is not None
        pos = d.book.position("A", bp.root)
        assert pos is not None
        tick = d.book.contracts[bp.root].tick_size
        saved = pos.mark
        pos.mark = bp.price
        assert _breached(d, inputs), f"{bp} does not breach"
        pos.mark = bp.price + tick * pos.sign
        assert not _breached(d, inputs), f"one tick before {bp} already breaches"
        pos.mark = saved


def _breached(d: Desk, inputs: RiskInputs) -> bool:
    check = money_check("x", None, inputs, D(-5000), inputs.day_net(None), D(5000))
    return check.breached
