"""Every alert shape tmtui accepts, every way a body is refused, and secret redaction."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tmtui.core.alerts.alert_parsing import (
    FIELD_ALIASES,
    check_alert_fields,
    idempotency_key,
    parse_alert_body,
    read_alert_fields,
    redact_secret,
    validate_strategy_name,
)
from tmtui.core.models import AlertFields, InvalidSignal
from tmtui.services.signal_client import build_alert_payload

TIME = "2025-06-02T14:30:05Z"


def js(obj: object) -> bytes:
    return json.dumps(obj).encode()


# --- accepted shapes -------------------------------------------------------------------------

# The bridge payloads of /work/shared/tradingview.md §1, placeholders filled as TradingView would
# (numbers as strings).
BRIDGE_PAYLOADS = [
    (
        js(
            {
                "ticker": "MNQ1!",
                "action": "buy",
                "sentiment": "long",
                "quantity": "2",
                "price": "21000.25",
                "time": TIME,
            }
        ),
        AlertFields(
            action="buy",
            ticker="MNQ1!",
            qty=2,
            price="21000.25",
            time=TIME,
            sentiment="long",
        ),
    ),
    (
        js(
            {
                "symbol": "NQ",
                "date": TIME,
                "data": "sell",
                "quantity": "1",
                "price": "25600.25",
                "token": "tok",
            }
        ),
        AlertFields(action="sell", ticker="NQ", qty=1, price="25600.25", time=TIME, secret="tok"),
    ),
    (
        js(
            {
                "apikey": "k1",
                "strategy": "ORB",
                "symbol": "MNQ1!",
                "action": "sell",
                "quantity": "3",
                "position_size": "-3",
            }
        ),
        AlertFields(
            action="sell",
            ticker="MNQ1!",
            qty=3,
            strategy="ORB",
            secret="k1",
            position_size="-3",
        ),
    ),
    (
        js({"key": "k2", "message": "buy 1 MNQ1! @ 21000 strategy=ORB"}),
        AlertFields(
            action="buy", ticker="MNQ1!", qty=1, price="21000", strategy="ORB", secret="k2"
        ),
    ),
    (
        b"60123456789,buy,MNQ1!,risk=0.1",
        AlertFields(action="buy", ticker="MNQ1!", secret="60123456789"),
    ),
]


@pytest.mark.parametrize(("body", "expected"), BRIDGE_PAYLOADS)
def test_bridge_payloads_from_the_shared_doc(body: bytes, expected: AlertFields) -> None:
    assert parse_alert_body(body) == expected


def test_json_with_native_numbers_keeps_them_as_numbers() -> None:
    fields = parse_alert_body(
        b'{"ticker":"NQ1!","action":"BUY","contracts":2,"price":25600.25,"position_size":2,'
        b'"id":42,"strategy":"Trend #2"}'
    )
    assert fields.action == "BUY"
    assert fields.qty == 2
    assert fields.price == Decimal("25600.25")
    assert fields.position_size == 2
    assert fields.alert_id == "42"
    assert fields.strategy == "Trend #2"


def test_the_tradingview_template_from_docs() -> None:
    # docs/alerts.md's template once TradingView has filled it in.
    body = (
        b'{"secret": "s", "strategy": "ORB", "ticker": "MNQZ2025", "action": "sell", '
        b'"contracts": "1", "price": "21000.5", "position_size": "-1", '
        b'"market_position": "short", "time": "2025-06-02T14:30:05Z"}'
    )
    fields = parse_alert_body(body)
    assert (fields.action, fields.ticker, fields.qty, fields.price) == (
        "sell",
        "MNQZ2025",
        1,
        "21000.5",
    )
    assert (fields.position_size, fields.market_position) == ("-1", "short")


def test_keys_are_case_insensitive_and_values_trimmed() -> None:
    fields = parse_alert_body(b'{"Ticker": " ES1! ", "ACTION": "Long", "Qty": " 4 "}')
    assert (fields.ticker, fields.action, fields.qty) == ("ES1!", "Long", 4)


def test_json_sent_as_text_is_the_same_alert() -> None:
    # TradingView sends valid JSON as application/json and text/plain otherwise; the parser
    # never looks at the header, so the only difference could be surrounding whitespace or a BOM.
    body = js({"ticker": "NQ1!", "action": "buy", "qty": "1"})
    assert parse_alert_body(b"\xef\xbb\xbf  \n" + body + b"\n") == parse_alert_body(body)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            b"buy 2 MNQ1! @ 21000.25 strategy=ORB secret=abc",
            AlertFields(
                action="buy",
                ticker="MNQ1!",
                qty=2,
                price="21000.25",
                strategy="ORB",
                secret="abc",
            ),
        ),
        (b"close NQ1!", AlertFields(action="close", ticker="NQ1!")),
        (b"EXIT NQ1!", AlertFields(action="EXIT", ticker="NQ1!")),
        (b"flatten MES1!", AlertFields(action="flatten", ticker="MES1!")),
        (b"long 1 ES1!", AlertFields(action="long", ticker="ES1!", qty=1)),
        (
            b"short 3 6E1! @1.0825",
            AlertFields(action="short", ticker="6E1!", qty=3, price="1.0825"),
        ),
        (b"sell MNQ1!", AlertFields(action="sell", ticker="MNQ1!")),
        (
            b'buy 1 NQ1! strategy="My ORB" id=a-1 time=2025-06-02T14:30:05Z',
            AlertFields(
                action="buy", ticker="NQ1!", qty=1, strategy="My ORB", alert_id="a-1", time=TIME
            ),
        ),
        (
            b"buy symbol=NQ1! contracts=2 close=25600 passphrase=p",
            AlertFields(action="buy", ticker="NQ1!", qty=2, price="25600", secret="p"),
        ),
        (
            b"buy 1 NQ1!\nstrategy=ORB\n",
            AlertFields(action="buy", ticker="NQ1!", qty=1, strategy="ORB"),
        ),
        (
            b"buy,2,MNQ1!,strategy=ORB",
            AlertFields(action="buy", ticker="MNQ1!", qty=2, strategy="ORB"),
        ),
        (b"ACC-7, sell, NQ1!", AlertFields(action="sell", ticker="NQ1!", secret="ACC-7")),
        (
            b"60123456789,buy,2,MNQ1!",
            AlertFields(action="buy", ticker="MNQ1!", qty=2, secret="60123456789"),
        ),
        (
            # docs/alerts.md's text template once TradingView has filled it in
            b"sell 1 MNQ1! @ 21000.5 strategy=ORB time=2025-06-02T14:30:05Z secret=s",
            AlertFields(
                action="sell",
                ticker="MNQ1!",
                qty=1,
                price="21000.5",
                strategy="ORB",
                time=TIME,
                secret="s",
            ),
        ),
        (b"buy 2 MNQ1! secret=a,b", AlertFields(action="buy", ticker="MNQ1!", qty=2, secret="a,b")),
    ],
)
def test_text_and_comma_forms(body: bytes, expected: AlertFields) -> None:
    assert parse_alert_body(body) == expected


def test_flat_market_position_without_action_is_a_close() -> None:
    fields = parse_alert_body(b'{"ticker": "NQ1!", "market_position": "FLAT"}')
    assert (fields.action, fields.market_position) == ("close", "flat")


def test_sentiment_is_read_as_traderspost_writes_it() -> None:
    assert parse_alert_body(b'{"ticker":"NQ1!","sentiment":"flat"}') == AlertFields(
        action="close", ticker="NQ1!", sentiment="flat"
    )
    for word, side in (("bullish", "long"), ("Bearish", "short"), ("LONG", "long")):
        body = b'{"ticker":"NQ1!","action":"buy","sentiment":"%s"}' % word.encode()
        assert parse_alert_body(body).sentiment == side
    with pytest.raises(InvalidSignal, match="not long, bullish, short, bearish or flat"):
        parse_alert_body(b'{"ticker":"NQ1!","action":"buy","sentiment":"neutral"}')


def test_agreeing_aliases_are_fine() -> None:
    fields = parse_alert_body(
        b'{"ticker":"NQ1!","symbol":"nq1!","action":"buy","side":"BUY","qty":"2","contracts":2}'
    )
    assert (fields.ticker, fields.qty) == ("NQ1!", 2)


def test_whole_qty_written_with_decimals_is_an_int() -> None:
    assert parse_alert_body(b'{"ticker":"NQ1!","action":"buy","qty":"2.0"}').qty == 2
    assert parse_alert_body(b'{"ticker":"NQ1!","action":"buy","qty":2.00}').qty == 2


def test_zero_and_negative_qty_are_left_to_the_engine() -> None:
    # Range checks (1..max_qty) are the engine's 422; the parser only wants a whole number.
    assert parse_alert_body(b"buy 0 NQ1!").qty == 0
    assert parse_alert_body(b'{"ticker":"NQ1!","action":"buy","qty":"-2"}').qty == -2


def test_empty_values_count_as_absent() -> None:
    fields = parse_alert_body(b'{"ticker":"NQ1!","action":"close","qty":"","price":" "}')
    assert (fields.qty, fields.price) == (None, None)


def test_unknown_keys_are_ignored() -> None:
    fields = parse_alert_body(
        b'{"ticker":"NQ1!","action":"buy","timeframe":"5","interval":"5","extra":{"a":[1]}}'
    )
    assert fields == AlertFields(action="buy", ticker="NQ1!")


def test_read_alone_gives_the_secret_of_an_incomplete_alert() -> None:
    # The listener authenticates between the two steps.
    fields = read_alert_fields(b'{"secret": "s", "ticker": "NQ1!"}')
    assert fields.secret == "s"
    with pytest.raises(InvalidSignal, match="no action"):
        check_alert_fields(fields)


def test_cli_payload_round_trips() -> None:
    payload = build_alert_payload(
        "Buy",
        "MNQ1!",
        2,
        "21000.25",
        "ORB",
        "cli-1",
        "s",
        datetime(2025, 6, 2, 14, 30, 5, tzinfo=UTC),
    )
    assert payload["time"] == TIME
    fields = parse_alert_body(js(payload))
    assert fields == AlertFields(
        action="buy",
        ticker="MNQ1!",
        qty=2,
        price="21000.25",
        strategy="ORB",
        alert_id="cli-1",
        time=TIME,
        secret="s",
    )


def test_cli_payload_omits_what_was_not_given() -> None:
    payload = build_alert_payload("close", "NQ1!")
    assert set(payload) == {"ticker", "action", "time"}
    assert str(payload["time"]).endswith("Z")
    with pytest.raises(InvalidSignal, match="unknown action"):
        build_alert_payload("hold", "NQ1!")


# --- rejections ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "empty"),
        (b"   \n\t ", "empty"),
        (b"\xff\xfe{}", "UTF-8"),
        (b'{"ticker": "NQ1!", "action": "buy"', "not valid JSON"),
        (b'{"ticker": "NQ1!", "action": buy}', "double quotes"),
        (b"[1, 2]", "not an object"),
        (b'{"a": NaN}', "NaN"),
        (b'{"ticker":"NQ1!","action":"buy","price":Infinity}', "Infinity"),
        (b'{"ticker":"NQ1!","action":"buy","price":-Infinity}', "Infinity"),
        (b'{"ticker":"NQ1!","action":"buy","price":"NaN"}', "not a usable number"),
        (b'{"ticker":"NQ1!","action":"buy","price":"inf"}', "not a usable number"),
        (b'{"ticker":"NQ1!","action":"buy","price":"25,600"}', "not a number"),
        (b'{"ticker":"NQ1!","action":"buy","position_size":"abc"}', "not a number"),
        (b'{"ticker":"NQ1!","action":"buy","qty":"1.5"}', "whole number"),
        (b'{"ticker":"NQ1!","action":"buy","qty":"abc"}', "whole number"),
        (b'{"ticker":"NQ1!","action":"buy","qty":1.5}', "whole number"),
        (b'{"ticker":"NQ1!","action":"buy","qty":"1e3"}', "whole number"),
        (b'{"ticker":"NQ1!","action":"buy","qty":true}', "must be a number"),
        (b'{"ticker":"NQ1!","action":"buy","qty":[1]}', "must be a number"),
        (b"buy 1.5 NQ1!", "whole number"),
        (b'{"ticker":"NQ1!","action":"hold"}', "unknown action"),
        (b'{"ticker":"NQ1!","action":"{{strategy.order.action}}"}', "placeholder"),
        (b'{"ticker":"NQ1!"}', "no action"),
        (b'{"ticker":"NQ1!","market_position":"long"}', "no action"),
        (b'{"action":"buy","qty":"1"}', "no ticker"),
        (b"buy 2", "no ticker"),
        (b'{"ticker":"NQ1!","action":"buy","qty":"1","quantity":"2"}', "different values"),
        (b'{"ticker":"NQ1!","action":"buy","side":"sell"}', "different values"),
        (b'{"ticker":"NQ1!","action":"buy","qty":1,"qty":2}', "twice"),
        (b'{"ticker":"NQ1!","action":"buy","secret":"a","token":"b"}', "different values"),
        (b"buy 2 NQ1! qty=3", "different values"),
        (b'{"ticker":"NQ1!","action":"buy","market_position":"up"}', "long, short or flat"),
        (
            b'{"ticker":"NQ1!","action":"buy","sentiment":"long","market_position":"short"}',
            "disagree",
        ),
        (b'{"ticker":"NQ\\u0000","action":"buy"}', "control"),
        (b'{"ticker":"NQ1!","action":"buy","strategy":"a\\nb"}', "control"),
        (b'{"ticker":"NQ1!","action":"buy","id":"x\\u202ey"}', "control"),
        (b'{"ticker":"NQ\\ud800","action":"buy"}', "control"),
        (b'{"ticker":{"a":1},"action":"buy"}', "must be text"),
        (b'{"ticker":"' + b"X" * 65 + b'","action":"buy"}', "longer than"),
        (b'{"ticker":"NQ1!","action":"buy","strategy":"../etc"}', "'..'"),
        (b'{"ticker":"NQ1!","action":"buy","strategy":"a/b"}', "contains"),
        (b"hello world", "not an action"),
        (b"42", "not an action"),
        (b'"buy 1 NQ1!"', "not an action"),
        (b"buy 1 NQ1! @", "no price"),
        (b"buy 1 NQ1! junk", "unexpected word"),
        (b'buy 1 NQ1! strategy="unclosed', "cannot be read"),
        (b"x,y,z", "no action"),
        (b"6012345,hold,NQ1!", "no action"),
        (b'{"key":"k","message":"hello"}', "not an action"),
        (b'{"key":"k","message":{"action":"buy","ticker":"NQ1!","secret":"other"}}', "inside"),
        (b'{"ticker":"NQ1!","action":"buy","qty":' + b"9" * 5000 + b"}", "too long"),
    ],
)
def test_rejections(body: bytes, reason: str) -> None:
    with pytest.raises(InvalidSignal, match=reason.replace("(", r"\(")):
        parse_alert_body(body)


@pytest.mark.parametrize("opener", [b"[", b'{"a":', b'{"a":['])
def test_deep_nesting_is_a_400_not_a_recursion_error(opener: bytes) -> None:
    with pytest.raises(InvalidSignal, match="nested deeper"):
        parse_alert_body(opener * 10_000)


def test_nesting_inside_strings_does_not_count() -> None:
    body = js({"ticker": "NQ1!", "action": "buy", "comment": "[[[[{{{{" * 100})
    assert parse_alert_body(body).ticker == "NQ1!"


# --- strategy names, idempotency keys --------------------------------------------------------


@pytest.mark.parametrize("name", ["ORB", "Trend #2", "a.b:c+d_e-f", "Stratégie 1", "x" * 64])
def test_good_strategy_names(name: str) -> None:
    assert validate_strategy_name(f" {name} ") == name


@pytest.mark.parametrize(
    "name", ["", "   ", "x" * 65, "a/b", "..", "a..b", "a\x00b", "a\nb", "a\tb", "{{strategy}}", 5]
)
def test_bad_strategy_names(name: object) -> None:
    with pytest.raises(InvalidSignal):
        validate_strategy_name(name)


def test_idempotency_key_is_the_explicit_id_and_the_body() -> None:
    body = b'{"ticker":"NQ1!","action":"buy","id":"abc","time":"t"}'
    key = idempotency_key(parse_alert_body(body), body)
    assert key is not None and key.startswith("id:abc|sha256:")
    assert key == idempotency_key(parse_alert_body(body), body)
    # {{strategy.order.id}} repeats across trades: the same id with another body is a new key
    other = body.replace(b'"buy"', b'"sell"')
    assert idempotency_key(parse_alert_body(other), other) != key


def test_idempotency_key_hashes_a_timed_body() -> None:
    body = b'{"ticker":"NQ1!","action":"buy","time":"2025-06-02T14:30:05Z"}'
    key = idempotency_key(parse_alert_body(body), body)
    assert key is not None and key.startswith("sha256:") and len(key) == 7 + 64
    assert key == idempotency_key(parse_alert_body(body), body)
    other = body.replace(b"05Z", b"06Z")
    assert idempotency_key(parse_alert_body(other), other) != key


def test_no_idempotency_key_without_id_or_time() -> None:
    body = b"buy 1 NQ1!"
    assert idempotency_key(parse_alert_body(body), body) is None


# --- redaction -------------------------------------------------------------------------------


def test_redacts_the_secret_in_json_and_text() -> None:
    assert redact_secret('{"secret": "hunter2", "ticker": "NQ1!"}', "hunter2") == (
        '{"secret": "***", "ticker": "NQ1!"}'
    )
    assert redact_secret("buy 1 NQ1! secret=hunter2", "hunter2") == "buy 1 NQ1! secret=***"
    assert redact_secret("hunter2,buy,NQ1!", "hunter2") == "***,buy,NQ1!"


def test_redacts_json_escaped_spellings() -> None:
    secret = 'pa"ss\\wörd'
    raw = json.dumps({"passphrase": secret, "note": f"again {secret}"})
    assert secret not in redact_secret(raw, secret)
    assert json.dumps(secret)[1:-1] not in redact_secret(raw, secret)


def test_masks_secret_fields_even_when_the_secret_is_wrong() -> None:
    raw = '{"token": "hunter3", "ticker": "NQ1!"} buy 1 NQ1! apikey="x y" key=zz'
    redacted = redact_secret(raw, "hunter2")
    for leaked in ("hunter3", "x y", "zz"):
        assert leaked not in redacted
    assert "NQ1!" in redacted
    assert redact_secret("ticker=NQ1! monkey=1", "") == "ticker=NQ1! monkey=1"


def test_redaction_without_a_secret_masks_secret_fields() -> None:
    assert redact_secret('{"key":"abc"}', "") == '{"key":"***"}'


# --- properties ------------------------------------------------------------------------------


def _parse_or_invalid(body: bytes) -> None:
    try:
        fields = parse_alert_body(body)
    except InvalidSignal:
        return
    assert fields.action is not None and fields.ticker is not None


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=400))
def test_arbitrary_bytes_only_ever_raise_invalid_signal(body: bytes) -> None:
    _parse_or_invalid(body)


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_text_only_ever_raises_invalid_signal(text: str) -> None:
    _parse_or_invalid(text.encode("utf-8", "surrogatepass"))


_JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.decimals(allow_nan=False, allow_infinity=False, places=2)
    | st.text(max_size=12)
    | st.sampled_from(["buy", "SELL", "close", "flat", "long", "1", "2.0", "-1", "NQ1!"])
)
_JSON_VALUES = (
    _JSON_SCALARS
    | st.lists(_JSON_SCALARS, max_size=3)
    | st.dictionaries(st.sampled_from([*FIELD_ALIASES, "message", "sentiment"]), _JSON_SCALARS)
)


@settings(max_examples=150, deadline=None)
@given(
    st.dictionaries(st.sampled_from([*FIELD_ALIASES, "message", "sentiment", "x"]), _JSON_VALUES)
)
def test_arbitrary_alias_objects_only_ever_raise_invalid_signal(obj: dict[str, object]) -> None:
    body = json.dumps(obj, default=str).encode()
    _parse_or_invalid(body)


@settings(max_examples=200, deadline=None)
@given(
    st.text(st.characters(codec="utf-8"), min_size=1, max_size=30).filter(
        lambda s: s.strip() and "*" not in s
    ),
    st.text(max_size=20),
)
def test_redaction_never_leaves_the_secret(secret: str, noise: str) -> None:
    raw_json = json.dumps({"secret": secret, "ticker": "NQ1!", "n": noise})
    raw_text = f"buy 1 NQ1! {noise} secret={secret}"
    for raw in (raw_json, raw_text):
        assert secret not in redact_secret(raw, secret)
