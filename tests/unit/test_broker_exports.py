"""The four broker exports read into BrokerFills: columns by name, only fills, all or nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tmtui.core.broker import BrokerFill, ExportRead, Side, read_export
from tmtui.core.broker.export_table import RowProblem, parse_decimal, parse_time

DATA = Path(__file__).parents[1] / "data" / "broker-exports"
CHICAGO = ZoneInfo("America/Chicago")
NEW_YORK = ZoneInfo("America/New_York")


def _read(name: str, fmt: str, zone: ZoneInfo = CHICAGO, account: str | None = None) -> ExportRead:
    return read_export((DATA / name).read_text(encoding="utf-8"), fmt, zone, account)


def _summary(fill: BrokerFill) -> tuple[object, ...]:
    return (fill.account, fill.contract, fill.root, fill.side, fill.qty, fill.price)


def test_tradovate_orders_keeps_filled_quantity_only() -> None:
    read = _read("tradovate-orders.csv", "tradovate")
    assert read.ok, read.errors
    assert [_summary(f) for f in read.fills] == [
        ("DEMO1234", "NQZ6", "NQ", Side.BUY, 2, Decimal("21000.25")),
        ("DEMO1234", "NQZ6", "NQ", Side.SELL, 2, Decimal("21010.5")),
        # cancelled after one of three filled: the filled one is a fill
        ("DEMO1234", "MNQZ6", "MNQ", Side.BUY, 1, Decimal("21001")),
    ]
    assert read.skipped == 1  # the cancelled stop
    first = read.fills[0]
    assert first.source == "tradovate-orders"
    assert first.order_id == "470913240101"
    assert first.fill_id is None
    # Fill Time is the trader's local time, here Chicago (CST, UTC-6)
    assert first.time == datetime(2026, 12, 8, 15, 30, 2, tzinfo=UTC)
    assert first.commission is None


def test_ninjatrader_us_locale_times_and_dollar_commissions() -> None:
    read = _read("ninjatrader-executions.csv", "ninjatrader", NEW_YORK)
    assert read.ok, read.errors
    assert [_summary(f) for f in read.fills] == [
        ("Sim101", "NQM5", "NQ", Side.BUY, 2, Decimal("19850.25")),
        ("Sim101", "NQM5", "NQ", Side.SELL, 1, Decimal("19861.50")),
        ("Sim101", "NQM5", "NQ", Side.SELL, 1, Decimal("19840.00")),
        ("Sim101", "MESM5", "MES", Side.SELL, 3, Decimal("5630.75")),
    ]
    times = [f.time.astimezone(NEW_YORK).replace(tzinfo=None) for f in read.fills]
    assert times == [
        datetime(2025, 3, 14, 9, 30, 1),
        datetime(2025, 3, 14, 12, 5, 10),  # 12:05 PM is noon, not midnight
        datetime(2025, 3, 14, 13, 15, 44),
        datetime(2025, 3, 14, 0, 0, 0),  # 12:00 AM is midnight
    ]
    assert [f.commission for f in read.fills] == [
        Decimal("2.48"),
        Decimal("1.24"),
        Decimal("1.24"),
        Decimal("1.11"),
    ]
    assert read.fills[0].fill_id == "6b2f0c1de0a94f0e9d6a2b1c3d4e5f60"
    assert read.fills[0].order_id == "1834562019"
    assert read.fills[0].key == "ninjatrader-executions:6b2f0c1de0a94f0e9d6a2b1c3d4e5f60"


def test_ninjatrader_iso_times_and_account_display_name() -> None:
    read = _read("ninjatrader-executions-iso.csv", "ninjatrader")
    assert read.ok, read.errors
    assert [(f.account, f.contract, f.side, f.qty) for f in read.fills] == [
        ("APEX-50K", "MNQZ6", Side.BUY, 3),
        ("APEX-50K", "MNQZ6", Side.SELL, 3),
    ]
    assert read.fills[1].time == datetime(2026, 12, 8, 15, 40, tzinfo=UTC)


def test_rithmic_after_its_preamble_with_32nds_and_commission_rate() -> None:
    read = _read("rithmic-completed-orders.csv", "rithmic")
    assert read.ok, read.errors
    assert [_summary(f) for f in read.fills] == [
        ("APEX-111", "NQZ6", "NQ", Side.BUY, 1, Decimal("24900.00")),
        ("APEX-111", "NQZ6", "NQ", Side.SELL, 1, Decimal("24910.25")),
        ("APEX-111", "ZNZ6", "ZN", Side.BUY, 2, Decimal("112.515625")),  # 112'16.5
    ]
    assert read.skipped == 1
    assert [f.commission for f in read.fills] == [
        Decimal("0.62"),
        Decimal("0.62"),
        Decimal("1.70"),
    ]
    assert read.fills[0].time == datetime(2026, 10, 1, 13, 30, 1, tzinfo=UTC)  # CDT, UTC-5


def test_a_zone_named_in_the_header_wins_over_the_one_passed() -> None:
    read = _read("rithmic-completed-orders.csv", "rithmic", NEW_YORK)
    assert read.fills[0].time == datetime(2026, 10, 1, 13, 30, 1, tzinfo=UTC)
    text = (DATA / "rithmic-completed-orders.csv").read_text(encoding="utf-8")
    unnoted = read_export(text.replace("Update Time (CDT)", "Update Time"), "rithmic", NEW_YORK)
    assert unnoted.fills[0].time == datetime(2026, 10, 1, 12, 30, 1, tzinfo=UTC)


def test_topstepx_bid_ask_and_offsets() -> None:
    read = _read("topstepx-orders.csv", "topstepx", NEW_YORK)
    assert read.ok, read.errors
    assert [_summary(f) for f in read.fills] == [
        ("50KTC-V2-111-222", "MNQZ6", "MNQ", Side.BUY, 3, Decimal("31246.5")),
        ("50KTC-V2-111-222", "MNQZ6", "MNQ", Side.SELL, 3, Decimal("31366.5")),
    ]
    assert read.skipped == 1
    # the export's own +02:00 wins over the zone passed in
    assert read.fills[0].time == datetime(2026, 10, 7, 14, 20, 37, tzinfo=UTC)


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("tradovate-orders.csv", "tradovate"),
        ("ninjatrader-executions.csv", "ninjatrader"),
        ("rithmic-completed-orders.csv", "rithmic"),
        ("topstepx-orders.csv", "topstepx"),
    ],
)
def test_keys_are_unique_and_the_same_on_every_read(name: str, fmt: str) -> None:
    first = [f.key for f in _read(name, fmt).fills]
    again = [f.key for f in _read(name, fmt).fills]
    assert first == again
    assert len(set(first)) == len(first)
    assert all(k.startswith(_read(name, fmt).fills[0].source + ":") for k in first)


def test_a_hash_key_ignores_how_the_price_was_written() -> None:
    text = "orderId,Account,B/S,Contract,filledQty,avgPrice,Fill Time,Status\n"
    one = read_export(
        text + "1,A,Buy,NQZ6,1,21000.50,12/08/2026 09:30:00,Filled\n", "tradovate", UTC
    )
    two = read_export(
        text + "1,A,Buy,NQZ6,1,21000.5,12/08/2026 09:30:00,Filled\n", "tradovate", UTC
    )
    other = read_export(
        text + "2,A,Buy,NQZ6,1,21000.5,12/08/2026 09:30:00,Filled\n", "tradovate", UTC
    )
    assert one.fills[0].key == two.fills[0].key
    assert one.fills[0].key != other.fills[0].key


def test_bad_rows_are_named_by_line_and_nothing_is_read() -> None:
    text = "\n".join(
        [
            "Instrument,Action,Quantity,Price,Time,ID,Account",
            "NQ 06-25,Buy,1,19850.25,3/14/2025 9:30:01 AM,a1,Sim101",
            "NQ 06-25,Buy,1,abc,3/14/2025 9:30:02 AM,a2,Sim101",
            "",
            "NQ 06-25,Hold,1,19850.25,3/14/2025 9:30:03 AM,a3,Sim101",
            "NQ 06-25,Sell,1,19850.25,14/03/2025 9:30:04,a4,Sim101",
            "NQ,Sell,1,19850.25,3/14/2025 9:30:05 AM,a5,Sim101",
            "NQ 06-25,Sell,0,19850.25,3/14/2025 9:30:06 AM,a6,Sim101",
        ]
    )
    read = read_export(text, "ninjatrader", NEW_YORK)
    assert read.fills == ()
    assert read.errors == (
        "line 3: Price 'abc' is not a number",
        "line 5: Action 'Hold' is neither buy nor sell",
        "line 6: Time '14/03/2025 9:30:04' is not a time (use M/D/YYYY h:mm:ss AM or ISO 8601)",
        "line 7: Instrument 'NQ' names no contract month (like NQZ6 or NQ 12-26)",
        "line 8: the quantity is zero",
    )


def test_line_numbers_count_a_quoted_cell_spanning_lines() -> None:
    text = (
        "Instrument,Action,Quantity,Price,Time,ID,Name,Account\n"
        'NQ 06-25,Buy,1,19850.25,3/14/2025 9:30:01 AM,a1,"two\nlines",Sim101\n'
        "NQ 06-25,Buy,1,?,3/14/2025 9:30:02 AM,a2,x,Sim101\n"
    )
    read = read_export(text, "ninjatrader", NEW_YORK)
    assert read.errors == ("line 4: Price '?' is not a number",)


def test_a_file_of_another_format_names_the_columns_it_needs() -> None:
    text = (DATA / "topstepx-orders.csv").read_text(encoding="utf-8")
    read = read_export(text, "ninjatrader", UTC)
    assert read.fills == ()
    assert read.errors == (
        "line 1: not a ninjatrader export: it needs the columns instrument, action, quantity, "
        "price, time",
    )


@pytest.mark.parametrize("text", ["", "\n\n", "\x00\x01garbage", '"unterminated,\n'])
def test_nonsense_is_an_error_never_a_traceback(text: str) -> None:
    read = read_export(text, "rithmic", UTC)
    assert read.fills == ()
    assert len(read.errors) == 1


def test_unknown_format() -> None:
    read = read_export("a,b\n", "ibkr", UTC)
    assert read.errors == (
        "unknown export format 'ibkr': use tradovate | ninjatrader | rithmic | topstepx",
    )


def test_account_option_filters_and_names_blank_accounts() -> None:
    text = "\n".join(
        [
            "orderId,Account,B/S,Contract,filledQty,avgPrice,Fill Time,Status",
            "1,A1,Buy,NQZ6,1,21000,12/08/2026 09:30:00,Filled",
            "2,A2,Buy,NQZ6,1,21000,12/08/2026 09:30:00,Filled",
            "3,,Sell,NQZ6,1,21001,12/08/2026 09:31:00,Filled",
        ]
    )
    read = read_export(text, "tradovate", UTC, account="a1")
    assert [(f.order_id, f.account) for f in read.fills] == [("1", "A1"), ("3", "a1")]
    assert read.skipped == 1
    unnamed = read_export(text, "tradovate", UTC)
    assert unnamed.errors == ("line 4: the account is empty (name it with --account)",)


def test_headers_tolerate_case_spacing_bom_and_semicolons() -> None:
    text = (
        "\ufeff ACCOUNT ;buy/sell; symbol ;QTY  FILLED;Avg Fill Price;Update Time\n"
        "R1; S ;ESZ26;1;5000.25;2026-12-08 09:30:00\n"
    )
    read = read_export(text, "rithmic", UTC)
    assert read.ok, read.errors
    assert [_summary(f) for f in read.fills] == [
        ("R1", "ESZ6", "ES", Side.SELL, 1, Decimal("5000.25"))
    ]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("21000.25", Decimal("21000.25")),
        ("21,000.25", Decimal("21000.25")),
        ("$1.24", Decimal("1.24")),
        ("($2.50)", Decimal("-2.50")),
        ("-0.5", Decimal("-0.5")),
        ("110'16", Decimal("110.5")),
        ("110'167", Decimal("110") + Decimal("16.75") / 32),
    ],
)
def test_numbers_as_brokers_write_them(text: str, value: Decimal) -> None:
    assert parse_decimal(text, "Price") == value


@pytest.mark.parametrize("text", ["1,2", "NaN", "inf", "12'40", ""])
def test_numbers_that_are_not(text: str) -> None:
    with pytest.raises(RowProblem):
        parse_decimal(text, "Price")


def test_naive_times_take_the_zone_across_a_dst_change() -> None:
    before = parse_time("3/7/2025 9:30:00 AM", NEW_YORK, "Time")
    after = parse_time("3/10/2025 9:30:00 AM", NEW_YORK, "Time")
    assert before.astimezone(UTC).hour == 14
    assert after.astimezone(UTC).hour == 13
