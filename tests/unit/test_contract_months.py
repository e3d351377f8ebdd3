"""Front months from each root's listing cycle and roll rule, against CME's published dates."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tmtui.core.broker.contract_months import (
    LISTINGS,
    MONTH_CODES,
    ContractMonth,
    RollRule,
    front_contract,
    front_month,
    listing,
    roll_date,
    route_contract,
    split_contract_code,
)
from tmtui.core.contracts import BUILTIN_CONTRACTS
from tmtui.core.models import UnknownContract


def test_every_root_of_the_contract_table_has_a_listing_cycle() -> None:
    assert set(LISTINGS) == set(BUILTIN_CONTRACTS)
    assert len(LISTINGS) == 58
    for root, spec in LISTINGS.items():
        assert spec.cycle and set(spec.cycle) <= set(MONTH_CODES), root
        assert "".join(sorted(spec.cycle, key=MONTH_CODES.index)) == spec.cycle, root


@pytest.mark.parametrize(
    ("day", "code"),
    [
        (date(2026, 12, 6), "NQZ6"),
        (date(2026, 12, 9), "NQZ6"),
        (date(2026, 12, 10), "NQH7"),  # the roll date: 8 days before the 3rd Friday (Dec 18)
        (date(2026, 12, 18), "NQH7"),
        (date(2027, 1, 4), "NQH7"),
        (date(2026, 9, 30), "NQZ6"),
    ],
)
def test_nq_front_month_around_the_december_roll(day: date, code: str) -> None:
    assert front_contract("NQ", day) == code


@pytest.mark.parametrize(
    ("year", "month", "roll"),
    [
        # CME Group, Equity Index Roll Dates (expiration 9/19/2014 and 12/19/2014)
        (2014, 9, date(2014, 9, 11)),
        (2014, 12, date(2014, 12, 11)),
        # CME's example: "the Rollover date is Thursday, December 13, 2012"
        (2012, 12, date(2012, 12, 13)),
        # published 2022-2023 table (expirations 3/18, 6/17, 9/16, 12/16/2022, 3/17, 6/16/2023)
        (2022, 3, date(2022, 3, 10)),
        (2022, 6, date(2022, 6, 9)),
        (2022, 9, date(2022, 9, 8)),
        (2022, 12, date(2022, 12, 8)),
        (2023, 3, date(2023, 3, 9)),
        (2023, 6, date(2023, 6, 8)),
        # a month that starts on a Friday rolls on its first Thursday, not its second:
        # Dec 2023 began on a Friday, so its 3rd Friday is Dec 15 and the roll Thursday Dec 7
        (2023, 12, date(2023, 12, 7)),
    ],
)
def test_equity_index_rolls_match_cme(year: int, month: int, roll: date) -> None:
    assert roll_date(RollRule.EQUITY_INDEX, year, month) == roll
    assert roll.weekday() == 3  # always a Thursday


def test_nikkei_rolls_the_monday_before_its_second_friday_expiry() -> None:
    # CME: Nikkei expiration 9/12/2014, Nikkei roll 9/08/2014
    assert roll_date(RollRule.NIKKEI, 2014, 9) == date(2014, 9, 8)
    assert roll_date(RollRule.NIKKEI, 2014, 12) == date(2014, 12, 8)


@pytest.mark.parametrize(
    ("root", "day", "code"),
    [
        # CL May 2026: the 25th of April is a Saturday, so the last trade is three business
        # days before Friday the 24th (Tue Apr 21); tmtui rolls five business days earlier.
        ("CL", date(2026, 4, 13), "CLK6"),
        ("CL", date(2026, 4, 14), "CLM6"),
        ("MCL", date(2026, 4, 10), "MCLK6"),  # one business day before CL's: rolls Apr 13
        ("MCL", date(2026, 4, 13), "MCLM6"),
        # NG May 2026: last trade the 3rd last business day of April (Tue Apr 28)
        ("NG", date(2026, 4, 20), "NGK6"),
        ("NG", date(2026, 4, 21), "NGM6"),
        # RB/HO May 2026: last trade on the last business day of April (Thu Apr 30)
        ("HO", date(2026, 4, 22), "HOK6"),
        ("HO", date(2026, 4, 23), "HOM6"),
        # Brent June 2026: last business day of the second month before (Thu Apr 30)
        ("BZ", date(2026, 4, 22), "BZM6"),
        ("BZ", date(2026, 4, 23), "BZN6"),
    ],
)
def test_energy_rolls_a_week_before_the_last_trade(root: str, day: date, code: str) -> None:
    assert front_contract(root, day) == code


@pytest.mark.parametrize(
    ("root", "day", "code"),
    [
        # gold trades G J M Q V Z; June 2026's first position day: Thu May 28
        ("GC", date(2026, 5, 27), "GCM6"),
        ("GC", date(2026, 5, 28), "GCQ6"),
        ("MGC", date(2026, 1, 5), "MGCG6"),
        # 10-year note March 2027: March 1 is a Monday, first position day Thu Feb 25
        ("ZN", date(2027, 2, 24), "ZNH7"),
        ("ZN", date(2027, 2, 25), "ZNM7"),
        # corn skips F G J: on Dec 10 the front is March
        ("ZC", date(2026, 12, 10), "ZCH7"),
        ("ZC", date(2026, 11, 26), "ZCZ6"),
        ("ZC", date(2026, 11, 27), "ZCH7"),
        ("PL", date(2026, 2, 2), "PLJ6"),
    ],
)
def test_delivered_contracts_roll_before_the_delivery_month(
    root: str, day: date, code: str
) -> None:
    assert front_contract(root, day) == code


def test_fx_sofr_and_crypto() -> None:
    # 6E June 2026: third Wednesday Jun 17; rolled seven business days earlier, Mon Jun 8
    assert roll_date(RollRule.FX, 2026, 6) == date(2026, 6, 8)
    assert front_contract("6E", date(2026, 6, 5)) == "6EM6"
    assert front_contract("M6E", date(2026, 6, 8)) == "M6EU6"
    # SR3 June 2026 starts its reference quarter on the third Wednesday, Jun 17
    assert front_contract("SR3", date(2026, 6, 16)) == "SR3M6"
    assert front_contract("SR3", date(2026, 6, 17)) == "SR3U6"
    # BTC January 2027: last Friday Jan 29, rolled Jan 22
    assert front_contract("BTC", date(2027, 1, 21)) == "BTCF7"
    assert front_contract("MBT", date(2027, 1, 22)) == "MBTG7"


@pytest.mark.parametrize("root", sorted(LISTINGS))
def test_front_month_is_listed_unexpired_and_never_goes_back(root: str) -> None:
    day, previous = date(2026, 1, 1), None
    while day < date(2027, 1, 1):
        front = front_month(root, day)
        assert front.letter in listing(root).cycle
        assert day < roll_date(listing(root).rule, front.year, front.month)
        assert (front.year, front.month) >= (day.year, day.month)
        assert (front.year, front.month) <= (day.year + 1, day.month)
        if previous is not None:
            assert front >= previous
        previous = front
        day += timedelta(days=1)


def test_lower_case_root_and_codes() -> None:
    assert front_month("mnq", date(2026, 12, 6)) == ContractMonth("MNQ", 2026, 12)
    assert ContractMonth("ES", 2030, 3).code == "ESH0"


def test_unknown_root_is_one_clear_error() -> None:
    with pytest.raises(UnknownContract) as raised:
        front_contract("FDAX", date(2026, 12, 6))
    assert str(raised.value) == (
        "no listing cycle for 'FDAX': name its contract month in the route's symbols "
        '(e.g. symbols = { FDAX = "FDAXZ6" })'
    )


@pytest.mark.parametrize(
    ("text", "code", "root"),
    [
        ("NQZ6", "NQZ6", "NQ"),
        ("MNQZ6", "MNQZ6", "MNQ"),
        ("MNQZ2026", "MNQZ6", "MNQ"),
        ("nqz26", "NQZ6", "NQ"),
        ("SR3H7", "SR3H7", "SR3"),
        ("6EM6", "6EM6", "6E"),
        ("NQ 12-25", "NQZ5", "NQ"),
        ("NQ 3-26", "NQH6", "NQ"),
        ("MNQ SEP25", "MNQU5", "MNQ"),
        ("ES Mar 2027", "ESH7", "ES"),
        (" M2K  06-26 ", "M2KM6", "M2K"),
    ],
)
def test_contract_names_in_every_broker_form(text: str, code: str, root: str) -> None:
    parsed = split_contract_code(text)
    assert parsed is not None
    assert (parsed.code, parsed.root) == (code, root)


@pytest.mark.parametrize("text", ["NQ", "NQ1!", "NQ 13-25", "", "Z6"])
def test_names_without_a_month(text: str) -> None:
    assert split_contract_code(text) is None


def test_a_routes_symbols_win_over_the_front_month() -> None:
    day = date(2026, 12, 11)
    assert route_contract("NQ", day, {"nq": "nqz6"}) == "NQZ6"  # kept in the expiring month
    assert route_contract("ES", day, {"NQ": "NQZ6"}) == "ESH7"
    assert route_contract("NQ", day) == "NQH7"
    with pytest.raises(UnknownContract):
        route_contract("FDAX", day, {"NQ": "NQZ6"})
    assert route_contract("FDAX", day, {"FDAX": "FDAXZ6"}) == "FDAXZ6"
