"""Each bridge's request in its documented shape, the webhook template's escaping, and what a
reply means for the order (with the bridge's own message, secrets masked)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal as D

import pytest

from tmtui.core.orders.bridge_protocol import (
    answer_for_reply,
    answer_for_silence,
    answer_for_unreachable,
    build_request,
)
from tmtui.core.orders.intents import Effect, OrderAction, OrderIntent, Reason
from tmtui.core.orders.routing import Route, RouteKind
from tmtui.core.orders.states import Order, OrderState, describe
from tmtui.core.orders.webhook_template import TemplateError, filled

NOW = datetime(2025, 6, 2, 14, 30, 5, 123456, tzinfo=UTC)
TP = Route(
    "tp", RouteKind.TRADERSPOST, "https://webhooks.traderspost.io/trading/webhook/U-U-I-D/PW-secret"
)
PMT = Route(
    "pmt",
    RouteKind.PICKMYTRADE,
    "https://api.pickmytrade.trade/v2/add-trade-data-latest",
    token="pmt-T0KEN",
    account_id="ACC9",
)
CT = Route(
    "ct",
    RouteKind.CROSSTRADE,
    "https://app.crosstrade.io/v1/send/ID7/CT-SECRET",
    key="ct-KEY",
    account="Sim101",
)
HOOK = Route(
    "mine",
    RouteKind.WEBHOOK,
    "https://example.org/hook",
    template='{"symbol": "{{ticker}}", "side": "{{action}}", "qty": {{qty}}, "px": {{price}}, '
    '"note": "{{strategy}} #{{order_id}}", "who": {{strategy}}}',
)


def intent(
    action: OrderAction,
    qty: int,
    effect: Effect,
    held: int,
    reason: Reason = Reason.SIGNAL,
    price: D | None = D("21000.25"),
    strategy: str = "ORB",
) -> OrderIntent:
    return OrderIntent(
        strategy, "MNQ", "CME_MINI:MNQ1!", action, qty, effect, held, reason, 11, price
    )


OPEN = intent(OrderAction.BUY, 2, Effect.OPEN, 0)
ADD = intent(OrderAction.SELL, 1, Effect.ADD, -2)
REDUCE = intent(OrderAction.SELL, 1, Effect.REDUCE, 3)
CLOSE = intent(OrderAction.EXIT, 3, Effect.CLOSE, 3, price=None)
FLATTEN = intent(OrderAction.EXIT, 2, Effect.CLOSE, -2, Reason.FLATTEN, price=None)
REVERSE = intent(OrderAction.SELL, 1, Effect.REVERSE, 2)


def body(route: Route, order: OrderIntent) -> dict[str, object]:
    request = build_request(route, order, 42, NOW)
    assert request.url == route.url
    assert request.content_type == "application/json"
    document = json.loads(request.body)
    assert isinstance(document, dict)
    return document


# --- TradersPost -----------------------------------------------------------------------------


def test_traderspost_entry_is_a_market_buy_with_the_signal_price_as_reference() -> None:
    signal = body(TP, OPEN)
    assert signal["ticker"] == "MNQ1!"
    assert (signal["action"], signal["quantity"], signal["orderType"]) == ("buy", 2, "market")
    assert signal["signalPrice"] == 21000.25 and "price" not in signal  # price would mean limit
    assert b'"signalPrice": 21000.25' in build_request(TP, OPEN, 42, NOW).body  # exact text
    assert signal["time"] == NOW.isoformat()
    assert signal["extras"] == {"strategy": "ORB", "reason": "signal", "tmtui_order": 42}


def test_times_are_when_the_order_was_made_in_utc() -> None:
    made = datetime.fromisoformat("2025-06-02T16:30:05.000001+02:00")
    tp = json.loads(build_request(TP, OPEN, 1, made).body)
    pmt = json.loads(build_request(PMT, OPEN, 1, made).body)
    hook = json.loads(filled('{"t": "{{time}}"}', OPEN, 1, made))
    assert tp["time"] == hook["t"] == "2025-06-02T14:30:05.000001+00:00"
    assert pmt["date"] == "2025-06-02T14:30:05.000001+00:00"


def test_traderspost_add_partial_exit_and_exit() -> None:
    assert (body(TP, ADD)["action"], body(TP, ADD)["quantity"]) == ("add", 1)
    assert (body(TP, REDUCE)["action"], body(TP, REDUCE)["quantity"]) == ("sell", 1)
    close = body(TP, CLOSE)
    assert close["action"] == "exit" and "quantity" not in close and "signalPrice" not in close
    assert body(TP, FLATTEN)["action"] == "exit"  # TradersPost has no flatten of its own


def test_traderspost_is_never_asked_for_a_one_order_reversal() -> None:
    with pytest.raises(ValueError, match="exit then an entry"):
        build_request(TP, REVERSE, 1, NOW)


# --- PickMyTrade -----------------------------------------------------------------------------


def test_pickmytrade_entry_carries_token_account_and_a_unique_date() -> None:
    alert = body(PMT, OPEN)
    assert alert["symbol"] == "MNQ1!"
    assert (alert["data"], alert["quantity"], alert["order_type"]) == ("buy", 2, "MKT")
    assert (alert["token"], alert["account_id"]) == ("pmt-T0KEN", "ACC9")
    assert alert["price"] == 21000.25
    assert alert["date"] == "2025-06-02T14:30:05.123456+00:00"
    assert alert["reverse_order_close"] is False  # PickMyTrade closes nothing on its own
    assert alert["duplicate_position_allow"] is True


def test_pickmytrade_close_reversal_and_a_price_never_sent_as_zero() -> None:
    close = body(PMT, CLOSE)
    assert (close["data"], close["quantity"]) == ("close", 3)
    assert "price" not in close and "reverse_order_close" not in close
    reverse = body(PMT, REVERSE)
    assert (reverse["data"], reverse["quantity"], reverse["reverse_order_close"]) == (
        "sell",
        1,
        True,
    )
    assert (body(PMT, REDUCE)["data"], body(PMT, REDUCE)["quantity"]) == ("sell", 1)


# --- CrossTrade ------------------------------------------------------------------------------


def ct_text(order: OrderIntent) -> str:
    request = build_request(CT, order, 42, NOW)
    assert request.content_type.startswith("text/plain")
    return request.body.decode()


def test_crosstrade_place_is_the_documented_key_value_form() -> None:
    assert ct_text(OPEN) == (
        "key=ct-KEY; command=PLACE; account=Sim101; instrument=MNQ1!; action=BUY; qty=2; "
        "order_type=MARKET; tif=DAY;"
    )
    assert "action=SELL; qty=1;" in ct_text(ADD)


def test_crosstrade_partial_exit_close_flatten_and_reversal() -> None:
    assert ct_text(REDUCE) == (
        "key=ct-KEY; command=CLOSEPOSITION; account=Sim101; instrument=MNQ1!; qty=1;"
    )
    assert ct_text(CLOSE) == "key=ct-KEY; command=CLOSEPOSITION; account=Sim101; instrument=MNQ1!;"
    assert ct_text(FLATTEN) == "key=ct-KEY; command=FLATTEN; account=Sim101; instrument=MNQ1!;"
    assert ct_text(REVERSE).endswith(
        "action=SELL; qty=1; order_type=MARKET; tif=DAY; flatten_first=true;"
    )


def test_crosstrade_refuses_a_value_that_would_break_the_form() -> None:
    odd = OrderIntent(
        "S",
        "MNQ",
        "MNQ1!;command=FLATTENEVERYTHING",
        OrderAction.BUY,
        1,
        Effect.OPEN,
        0,
        Reason.SIGNAL,
    )
    with pytest.raises(ValueError, match="instrument cannot contain"):
        build_request(CT, odd, 1, NOW)


# --- generic webhook -------------------------------------------------------------------------


def test_the_template_fills_typed_values_and_escaped_text() -> None:
    document = body(HOOK, OPEN)
    assert document == {
        "symbol": "MNQ1!",
        "side": "buy",
        "qty": 2,
        "px": 21000.25,
        "note": "ORB #42",
        "who": "ORB",
    }


def test_a_strategy_name_with_quotes_cannot_break_the_json() -> None:
    nasty = intent(OrderAction.BUY, 1, Effect.OPEN, 0, strategy='Mean "Rev", \\ "x": 1')
    document = body(HOOK, nasty)
    assert document["who"] == 'Mean "Rev", \\ "x": 1'
    assert document["note"] == 'Mean "Rev", \\ "x": 1 #42'
    assert "x" not in document


def test_an_unknown_price_is_null_never_zero() -> None:
    document = body(HOOK, CLOSE)
    assert document["px"] is None and document["side"] == "exit" and document["qty"] == 3


def test_every_documented_placeholder_fills() -> None:
    template = (
        '{"t": "{{ticker}}", "s": "{{symbol}}", "a": "{{action}}", "q": {{qty}}, "p": {{price}}, '
        '"st": "{{strategy}}", "sig": {{signal_id}}, "o": {{order_id}}, "time": "{{ time }}", '
        '"r": "{{reason}}", "e": "{{effect}}", "pos": {{position}}}'
    )
    document = json.loads(filled(template, REDUCE, 42, NOW))
    assert document == {
        "t": "MNQ1!",
        "s": "MNQ",
        "a": "sell",
        "q": 1,
        "p": 21000.25,
        "st": "ORB",
        "sig": 11,
        "o": 42,
        "time": NOW.isoformat(),
        "r": "signal",
        "e": "reduce",
        "pos": 2,
    }


def test_a_template_that_breaks_for_one_order_is_refused_for_it() -> None:
    with pytest.raises(TemplateError, match="does not fill into JSON"):
        filled('{"p": {{price}}x}', OPEN, 1, NOW)


# --- replies ---------------------------------------------------------------------------------


def test_traderspost_200_is_accepted_with_its_id() -> None:
    reply = json.dumps({"success": True, "id": "47462f2d", "logId": "a036", "payload": {}})
    answer = answer_for_reply(TP, 200, reply)
    assert (answer.state, answer.bridge_id, answer.message) == (OrderState.ACCEPTED, "47462f2d", "")


def test_traderspost_400_is_rejected_with_its_code_and_message() -> None:
    reply = json.dumps(
        {
            "success": False,
            "logId": "bf3b",
            "messageCode": "ticker-does-not-exist",
            "message": "The ticker\nMNQ1! does not exist.",
        }
    )
    answer = answer_for_reply(TP, 400, reply)
    assert answer.state is OrderState.REJECTED
    assert answer.message == "400 ticker-does-not-exist: The ticker MNQ1! does not exist."


def test_crosstrade_errors_and_ids() -> None:
    reply = json.dumps(
        {"success": False, "error": "invalid_account", "detail": "Account Sim9 not found"}
    )
    answer = answer_for_reply(CT, 400, reply)
    assert answer.message == "400 invalid_account: Account Sim9 not found"
    assert answer_for_reply(CT, 200, '{"success": true, "orderId": "cb1f"}').bridge_id == "cb1f"
    disconnected = answer_for_reply(
        CT, 408, '{"success": false, "error": "NinjaTrader not connected"}'
    )
    assert disconnected.state is OrderState.REJECTED


def test_a_2xx_that_says_no_is_a_refusal() -> None:
    answer = answer_for_reply(PMT, 200, '{"success": false, "message": "Invalid token"}')
    assert (answer.state, answer.message) == (OrderState.REJECTED, "200 Invalid token")


def test_other_bodies_are_cut_to_one_line() -> None:
    answer = answer_for_reply(HOOK, 422, "bad\n  symbol " + "x" * 500)
    assert answer.state is OrderState.REJECTED
    assert answer.message.startswith("422 bad symbol x")
    assert len(answer.message) <= 200 and "\n" not in answer.message


def test_5xx_and_silence_are_unknown_unreachable_is_failed() -> None:
    assert answer_for_reply(TP, 502, "<html>Bad gateway</html>").state is OrderState.UNKNOWN
    silent = answer_for_silence(TP)
    assert silent.state is OrderState.UNKNOWN and "no answer within 10 s" in silent.message
    assert answer_for_unreachable(TP, "Connection refused").state is OrderState.FAILED


def test_secrets_are_masked_in_every_message() -> None:
    echoed = json.dumps(
        {
            "success": False,
            "messageCode": "invalid-password",
            "message": f"bad password PW-secret for {TP.url}",
        }
    )
    message = answer_for_reply(TP, 400, echoed).message
    assert "PW-secret" not in message and "U-U-I-D" not in message
    assert "***" in message
    pmt = answer_for_reply(PMT, 400, '{"message": "token pmt-T0KEN unknown", "token": "other-tok"}')
    assert "pmt-T0KEN" not in pmt.message
    ct = answer_for_reply(CT, 400, "bad body: key=ct-KEY; command=PLACE;")
    assert "ct-KEY" not in ct.message
    down = answer_for_unreachable(CT, f"cannot connect to {CT.url}")
    assert "CT-SECRET" not in down.message and "ID7" not in down.message


def test_an_order_reads_as_one_line() -> None:
    order = Order(
        5,
        "tp",
        RouteKind.TRADERSPOST,
        OPEN,
        NOW,
        state=OrderState.ACCEPTED,
        bridge_id="4746",
    )
    assert describe(order) == "order 5 ORB MNQ1! buy 2 → tp (traderspost): accepted (id 4746)"
    closed = Order(
        6, "tp", RouteKind.TRADERSPOST, CLOSE, NOW, state=OrderState.UNKNOWN, message="x"
    )
    assert describe(closed) == "order 6 ORB MNQ1! exit → tp (traderspost): unknown — x"
