"""mark_price: which price a long or a short is marked at under each mode."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tmtui.core.book.marking import MARK_MODES, mark_price
from tmtui.services.feeds.base import Quote

NQ = "CME_MINI:NQ1!"
FULL = Quote(NQ, last=Decimal("25650"), bid=Decimal("25649.75"), ask=Decimal("25650.50"))
LAST_ONLY = Quote(NQ, last=Decimal("25650"))  # what the scanner gives


@pytest.mark.parametrize(
    ("quote", "sign", "mode", "expected"),
    [
        (FULL, 1, "last", Decimal("25650")),
        (FULL, -1, "last", Decimal("25650")),
        (FULL, 1, "mid", Decimal("25650.125")),
        (FULL, -1, "mid", Decimal("25650.125")),
        (FULL, 1, "bid_ask", Decimal("25649.75")),  # a long would sell at the bid
        (FULL, -1, "bid_ask", Decimal("25650.50")),  # a short would buy at the ask
        (FULL, 0, "bid_ask", Decimal("25650.125")),
        (LAST_ONLY, 1, "mid", Decimal("25650")),
        (LAST_ONLY, 1, "bid_ask", Decimal("25650")),
        (LAST_ONLY, -1, "bid_ask", Decimal("25650")),
        (Quote(NQ, last=Decimal(1), bid=Decimal(2)), 1, "mid", Decimal(1)),  # one side missing
        (Quote(NQ, last=Decimal(1), bid=Decimal(2)), 1, "bid_ask", Decimal(2)),
        (Quote(NQ, last=Decimal(1), bid=Decimal(2)), -1, "bid_ask", Decimal(1)),
        (Quote(NQ, last=None), 1, "last", None),
        (Quote(NQ, last=None), 1, "mid", None),
        (Quote(NQ, last=None, bid=Decimal(5), ask=Decimal(6)), 1, "mid", Decimal("5.5")),
    ],
)
def test_mark_price(quote, sign, mode, expected):
    assert mark_price(quote, sign, mode) == expected


def test_seed_example_long_marked_at_last():
    """BUY 1 NQ @ 25600, last 25650: the mark the lead's P&L turns into $1,000."""
    mark = mark_price(Quote(NQ, last=Decimal(25650)), 1, "last")
    assert mark is not None and (mark - Decimal(25600)) * 1 * 20 == Decimal(1000)


def test_unknown_mode_is_an_error():
    with pytest.raises(ValueError, match="unknown mark mode 'bid-ask'"):
        mark_price(FULL, 1, "bid-ask")


prices = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100000"), places=2)


@given(prices, prices, prices, st.sampled_from([1, -1]), st.sampled_from(MARK_MODES))
def test_marks_are_exact_and_bounded(last, a, b, sign, mode):
    bid, ask = min(a, b), max(a, b)
    mark = mark_price(Quote(NQ, last=last, bid=bid, ask=ask), sign, mode)
    assert isinstance(mark, Decimal)
    if mode == "last":
        assert mark == last
    else:
        assert bid <= mark <= ask
    if mode == "mid":
        assert mark * 2 == bid + ask  # exact, no float rounding


@given(prices, st.sampled_from([1, -1]))
def test_bid_ask_mark_is_never_better_than_mid(mid_base, sign):
    quote = Quote(NQ, last=mid_base, bid=mid_base - Decimal("0.25"), ask=mid_base + Decimal("0.25"))
    mid = mark_price(quote, sign, "mid")
    conservative = mark_price(quote, sign, "bid_ask")
    assert mid is not None and conservative is not None
    assert sign * (conservative - mid) <= 0  # closing costs the spread
