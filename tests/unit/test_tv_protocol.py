"""`~m~LEN~m~PAYLOAD` framing, message parsing and qsd merging, on real captured frames."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tmtui.services.feeds.tv_protocol import (
    ProtocolError,
    QuoteState,
    as_price,
    as_utc_time,
    decode_frames,
    encode,
    encode_message,
    is_heartbeat,
    is_hello,
    parse_message,
)

# Real captures from TradingView (lengths checked), copied from the protocol notes.
AUTH_FRAME = '~m~54~m~{"m":"set_auth_token","p":["unauthorized_user_token"]}'
HEARTBEAT_FRAME = "~m~6~m~~h~157"
PACKED_FRAME = (
    '~m~157~m~{"m":"qsd","p":["qs_snapshoter_lLyG7Zq6XmYQ",{"n":"CBOT_GBX:ZQQ2021","s":"ok",'
    '"v":{"short_name":"ZQQ2021","pro_name":"CBOT:ZQQ2021","logoid":"country/US"}}]}'
    '~m~77~m~{"m":"quote_completed","p":["qs_snapshoter_lLyG7Zq6XmYQ","CBOT_GBX:ZQQ2021"]}'
)
SNAPSHOT_PAYLOAD = (
    '{"m":"qsd","p":["qs_afcyponiwryy",{"n":"OANDA:XAUUSD","s":"ok","v":{"pro_name":'
    '"OANDA:XAUUSD","minmov":1,"lp":4396.09,"ch":-20.59,"chp":-0.47,"lp_time":1787032585,'
    '"current_session":"market","update_mode":"streaming","pricescale":1000,"short_name":'
    '"XAUUSD","exchange":"OANDA","type":"commodity"}}]}'
)
NQ = "CME_MINI:NQ1!"


def test_encode_matches_the_real_auth_frame():
    assert encode({"m": "set_auth_token", "p": ["unauthorized_user_token"]}) == AUTH_FRAME
    assert encode_message("set_auth_token", ["unauthorized_user_token"]) == AUTH_FRAME


def test_encode_is_ascii_and_compact():
    framed = encode({"m": "x", "p": ["é", 1]})
    assert framed == '~m~26~m~{"m":"x","p":["\\u00e9",1]}'
    assert framed.isascii()


def test_heartbeat_round_trip():
    assert decode_frames(HEARTBEAT_FRAME) == ["~h~157"]
    assert is_heartbeat("~h~157")
    assert encode("~h~157") == HEARTBEAT_FRAME  # echoed exactly
    assert encode("~h~1570") == "~m~7~m~~h~1570"  # the counter grows, so LEN grows


def test_several_messages_in_one_frame_are_split_by_length():
    payloads = decode_frames(PACKED_FRAME)
    assert [len(p) for p in payloads] == [157, 77]
    first, second = (parse_message(p) for p in payloads)
    assert first["m"] == "qsd" and first["p"][1]["n"] == "CBOT_GBX:ZQQ2021"
    assert second == {
        "m": "quote_completed",
        "p": ["qs_snapshoter_lLyG7Zq6XmYQ", "CBOT_GBX:ZQQ2021"],
    }


def test_payload_containing_the_separator_is_not_split():
    payload = json.dumps({"m": "qsd", "p": ["s", {"n": "A~m~B", "v": {"x": "~m~3~m~abc"}}]})
    frame = encode(payload) + HEARTBEAT_FRAME
    assert decode_frames(frame) == [payload, "~h~157"]


def test_empty_frame_has_no_messages():
    assert decode_frames("") == []


@pytest.mark.parametrize(
    ("frame", "problem"),
    [
        ('{"m":"qsd"}', "expected '~m~' at offset 0"),
        ("~m~abc~m~x", "length 'abc' at offset 3 is not a number"),
        ("~m~-1~m~x", "is not a number"),
        ("~m~12", "not closed by '~m~'"),
        ("~m~10~m~abc", "declares 10 characters but only 3 remain (truncated)"),
        ("~m~2~m~abc~m~1~m~x", "followed by 'c~m~1~m~x' instead of '~m~LEN~m~'"),
        ("~m~2~m~ab~m~zz", "followed by '~m~zz' instead"),  # '~m~' but no header
        (HEARTBEAT_FRAME + "garbage", "declares 6 characters but is followed by 'garbage'"),
        (HEARTBEAT_FRAME + "~m~1~m~", "frame at offset 13 declares 1 characters but only 0"),
    ],
)
def test_malformed_frames_raise_a_clear_error(frame, problem):
    with pytest.raises(ProtocolError) as info:
        decode_frames(frame)
    assert problem in str(info.value)


def test_length_counted_in_utf16_or_utf8_is_accepted():
    payload = '{"m":"x","p":["Zürich 📈"]}'
    utf16 = len(payload.encode("utf-16-le")) // 2
    utf8 = len(payload.encode("utf-8"))
    assert len(payload) not in (utf16, utf8)
    for length in (len(payload), utf16, utf8):
        assert decode_frames(f"~m~{length}~m~{payload}{HEARTBEAT_FRAME}") == [payload, "~h~157"]


@given(st.lists(st.text(max_size=40), max_size=8))
def test_encode_then_decode_round_trips(payloads):
    framed = "".join(encode(p) for p in payloads)
    assert decode_frames(framed) == payloads


def test_parse_message_keeps_prices_exact():
    msg = parse_message(SNAPSHOT_PAYLOAD)
    values = msg["p"][1]["v"]
    assert values["lp"] == Decimal("4396.09") and isinstance(values["lp"], Decimal)
    assert values["lp_time"] == 1787032585


def test_parse_message_rejects_non_json_and_non_objects():
    with pytest.raises(ProtocolError, match="not JSON"):
        parse_message("{nope")
    with pytest.raises(ProtocolError, match="not an object"):
        parse_message("[1, 2]")


def test_hello_is_recognised_by_missing_m():
    assert is_hello(parse_message('{"session_id":"<0.1.2>_x","timestamp":1,"protocol":"json"}'))
    assert not is_hello(parse_message(SNAPSHOT_PAYLOAD))


@pytest.mark.parametrize(
    ("value", "price"),
    [
        (Decimal("25650.25"), Decimal("25650.25")),
        (25650, Decimal(25650)),
        (0.1, Decimal("0.1")),
        ("6900.50", Decimal("6900.50")),
        (True, None),
        (None, None),
        ("n/a", None),
        (float("nan"), None),
        (Decimal("Infinity"), None),
    ],
)
def test_as_price(value, price):
    assert as_price(value) == price


def test_as_utc_time():
    assert as_utc_time(1787032585) == datetime(2026, 8, 18, 5, 56, 25, tzinfo=UTC)
    assert as_utc_time(Decimal("1787032585.5")) == datetime(
        2026, 8, 18, 5, 56, 25, 500000, tzinfo=UTC
    )
    assert as_utc_time(None) is None
    assert as_utc_time(10**30) is None


def test_quote_state_merges_partial_deltas():
    state = QuoteState()
    values = parse_message(SNAPSHOT_PAYLOAD)["p"][1]["v"]
    first = state.apply("OANDA:XAUUSD", values)
    assert first is not None
    assert first.last == Decimal("4396.09") and first.bid is None
    assert first.trade_time == datetime(2026, 8, 18, 5, 56, 25, tzinfo=UTC)
    assert first.update_mode == "streaming"

    bid_only = state.apply("OANDA:XAUUSD", {"bid": Decimal("4396.01")})
    assert bid_only is not None
    assert (bid_only.last, bid_only.bid, bid_only.ask) == (
        Decimal("4396.09"),
        Decimal("4396.01"),
        None,
    )
    lp_only = state.apply("OANDA:XAUUSD", {"lp": 4397, "lp_time": 1787032600})
    assert lp_only is not None
    assert (lp_only.last, lp_only.bid) == (Decimal(4397), Decimal("4396.01"))
    assert isinstance(lp_only.last, Decimal)
    assert lp_only.trade_time == datetime(2026, 8, 18, 5, 56, 40, tzinfo=UTC)


def test_quote_state_emits_only_when_a_price_changes():
    state = QuoteState()
    assert state.apply(NQ, {"short_name": "NQ1!", "pro_name": "CME_MINI:NQ1!"}) is None
    assert NQ in state
    assert state.apply(NQ, {"lp": Decimal("25650.25")}) is not None
    assert state.apply(NQ, {"ch": Decimal("12.5"), "chp": Decimal("0.05")}) is None
    assert state.apply(NQ, {"lp": Decimal("25650.250")}) is None  # same value
    delayed = state.apply(NQ, {"update_mode": "delayed_streaming_600", "bid": 25650})
    assert delayed is not None and delayed.update_mode == "delayed_streaming_600"
    assert state.update_mode(NQ) == "delayed_streaming_600"
    quote = state.get(NQ)
    assert quote is not None and quote.bid == Decimal(25650)


def test_quote_state_symbols_are_independent_and_forgettable():
    state = QuoteState()
    state.apply(NQ, {"lp": 1})
    state.apply("CME_MINI:ES1!", {"lp": 2})
    state.forget(NQ)
    assert state.get(NQ) is None
    es = state.get("CME_MINI:ES1!")
    assert es is not None and es.last == Decimal(2)
    again = state.apply(NQ, {"bid": 3})
    assert again is not None and again.last is None  # a fresh snapshot is needed after forget
    state.clear()
    assert state.get("CME_MINI:ES1!") is None
