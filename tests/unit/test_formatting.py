"""How numbers read on the screen and in the CLI: tick decimals, signed money, order, names."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tmtui.core.contracts import BUILTIN_CONTRACTS
from tmtui.core.formatting import (
    NO_VALUE,
    compact_money,
    duration_text,
    ellipsize,
    price_text,
    row_order,
    shorten_names,
    signed_money,
    tick_places,
)


def tick(root: str) -> D:
    return BUILTIN_CONTRACTS[root].tick_size


@pytest.mark.parametrize(
    ("root", "value", "shown"),
    [
        ("NQ", "25597", "25597.00"),
        ("NQ", "25597.25", "25597.25"),
        ("ES", "6800.5", "6800.50"),
        ("CL", "70.4", "70.40"),
        ("MCL", "70", "70.00"),
        ("6E", "1.16005", "1.16005"),
        ("6E", "1.1", "1.10000"),
        ("M6E", "1.1601", "1.1601"),
        ("YM", "47000", "47000"),
        ("RTY", "2450", "2450.0"),
        ("GC", "4050.1", "4050.1"),
        ("NG", "3.4", "3.400"),
        ("SI", "50.125", "50.125"),
        ("ZB", "117.03125", "117.03125"),
        ("ZN", "112.25", "112.250000"),
    ],
)
def test_prices_show_the_contracts_tick_decimals(root: str, value: str, shown: str) -> None:
    assert price_text(D(value), tick(root)) == shown


def test_a_price_off_the_tick_grid_keeps_its_places_but_no_more_than_six() -> None:
    assert price_text(D("25600.125"), tick("NQ")) == "25600.125"  # an average over lots
    assert price_text(D(1) / D(3), tick("NQ")) == "0.333333"
    assert price_text(D("25600"), None) == "25600"  # no contract known: exact, trimmed


def test_unknown_is_a_dash_never_zero() -> None:
    assert price_text(None, tick("NQ")) == NO_VALUE == "—"
    assert signed_money(None) == "—"
    assert compact_money(None) == "—"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("1234.5", "+1,234.50"),
        ("-1234567.891", "-1,234,567.89"),
        ("0.004", "0.00"),
        ("-0.004", "0.00"),
        ("0", "0.00"),
        ("12.345", "+12.34"),  # banker's rounding, as the ledger's cents are
        ("-70", "-70.00"),
    ],
)
def test_money_has_thousands_separators_and_an_explicit_sign(value: str, shown: str) -> None:
    assert signed_money(D(value)) == shown


@given(st.decimals(min_value=-(10**9), max_value=10**9, places=4, allow_nan=False))
def test_money_text_round_trips_to_the_cent(value: D) -> None:
    text = signed_money(value)
    back = D(text.replace(",", ""))
    assert back == value.quantize(D("0.01"), rounding="ROUND_HALF_EVEN")
    assert text.startswith(("+", "-")) or text == "0.00"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (0, "0"),
        (12, "+12"),
        (-99.5, "-99.50"),
        (850, "+850"),
        (1234, "+1.2k"),
        (-12345, "-12.3k"),
        (999_999, "+1.0M"),
        (150_000, "+150k"),
    ],
)
def test_compact_money_for_chart_scales(value: float, shown: str) -> None:
    assert compact_money(value) == shown


def test_tick_places() -> None:
    assert [tick_places(tick(r)) for r in ("NQ", "YM", "6E", "CL", "ZN")] == [2, 0, 5, 2, 6]
    assert tick_places(None) == 0


def test_durations_keep_counting_hours() -> None:
    assert duration_text(timedelta(seconds=725)) == "0:12:05"
    assert duration_text(timedelta(hours=27, minutes=3)) == "27:03:00"
    assert duration_text(timedelta(seconds=-5)) == "0:00:00"


def test_rows_sort_by_strategy_then_symbol_ignoring_case() -> None:
    keys = [("beta", "NQ"), ("Alpha", "ES"), ("alpha", "CL"), ("Beta", "cl"), ("ORB", "MNQ")]
    assert sorted(keys, key=lambda k: row_order(*k)) == [
        ("alpha", "CL"),
        ("Alpha", "ES"),
        ("Beta", "cl"),
        ("beta", "NQ"),
        ("ORB", "MNQ"),
    ]


def test_long_names_end_in_an_ellipsis_and_stay_tellable_apart() -> None:
    assert ellipsize("Short", 10) == "Short"
    assert ellipsize("A much longer strategy name", 12) == "A much long…"
    alpha, beta = "Very Long Strategy Name Alpha", "Very Long Strategy Name Beta"
    shown = shorten_names([alpha, beta, "ORB", "A very long but unique name"], 24)
    assert shown["ORB"] == "ORB"
    assert shown["A very long but unique name"] == "A very long but unique…"
    assert shown[alpha] != shown[beta]
    assert all(len(text) <= 24 and "…" in text for text in (shown[alpha], shown[beta]))
    assert shown[alpha].endswith("Alpha") and shown[beta].endswith("Beta")
