"""Every bridge's published alerts, pasted unchanged, do to the position what the bridge would.

Each example is the bridge's own documented alert message with its TradingView placeholders
filled in as TradingView fills them (numbers as text). `moves(body, before)` reads it, builds
the signal and plans it on a book holding `before` contracts, all pure.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tmtui.core.alerts.alert_parsing import parse_alert_body
from tmtui.core.alerts.position_rules import resolve
from tmtui.core.alerts.signal_rules import build_signal, signal_from_dict, signal_to_dict
from tmtui.core.book.book import Book, Plan
from tmtui.core.contracts import ContractBook
from tmtui.core.models import Action, Intent, InvalidSignal, Signal, UnusableSignal

T0 = datetime(2025, 6, 2, 14, 30, 5, tzinfo=UTC)
TIME = "2025-06-02T14:30:05Z"


def js(obj: object) -> bytes:
    return json.dumps(obj).encode()


def signal_of(body: bytes | str, default_qty: int = 1, max_qty: int = 100) -> Signal:
    raw = body.encode() if isinstance(body, str) else body
    return build_signal(parse_alert_body(raw), ContractBook(), max_qty, T0, default_qty=default_qty)


def moves(body: bytes | str, before: int = 0, default_qty: int = 1) -> Plan:
    """Plan the alert on a book holding `before` contracts of its strategy and root."""
    signal = signal_of(body, default_qty)
    book = Book(ContractBook())
    if before:
        side = Action.BUY if before > 0 else Action.SELL
        book.apply(Signal(signal.strategy, signal.root, side, abs(before), D("100"), T0))
    book.last_price[signal.root] = D("100")
    return book.plan(signal)


def after(body: bytes | str, before: int = 0, default_qty: int = 1) -> int:
    plan = moves(body, before, default_qty)
    return plan.after


# --- TradersPost -----------------------------------------------------------------------------
# docs.traderspost.io: the TradingView strategy template, the order-behavior and
# "no entry sentiment" / "close open position" reference pages.


def traderspost(action: str, sentiment: str | None = None, **extra: object) -> bytes:
    body: dict[str, object] = {"ticker": "MNQ1!", "action": action}
    if sentiment is not None:
        body["sentiment"] = sentiment
    body.update(extra)
    return js(body)


def test_traderspost_strategy_template_enters() -> None:
    body = traderspost("buy", "long", quantity="2", price="21000.25", time=TIME)
    assert after(body, 0) == 2


@pytest.mark.parametrize(("before", "expected"), [(2, 0), (-2, -2), (0, 0)])
def test_traderspost_sell_flat_exits_a_long_only(before: int, expected: int) -> None:
    plan = moves(traderspost("sell", "flat", quantity="2", price="21000"), before)
    assert plan.after == expected
    if before <= 0:
        assert plan.skipped is not None and "exits a long only" in plan.skipped
        assert "sell with sentiment flat" in plan.skipped


@pytest.mark.parametrize(("before", "expected"), [(-3, 0), (1, 1), (0, 0)])
def test_traderspost_buy_flat_exits_a_short_only(before: int, expected: int) -> None:
    plan = moves(traderspost("buy", "flat"), before)
    assert plan.after == expected
    assert (plan.skipped is None) == (before < 0)


@pytest.mark.parametrize("word", ["bearish", "short"])
def test_traderspost_sell_bearish_exits_the_long_and_enters_short(word: str) -> None:
    plan = moves(traderspost("sell", word, quantity="1"), 2)
    assert plan.after == -1
    assert plan.drift == (1, -1) and "strategy reports short" in plan.notes[0]
    assert after(traderspost("sell", word, quantity="1"), 0) == -1


def test_traderspost_buy_bullish_exits_the_short_and_enters_long() -> None:
    assert after(traderspost("buy", "bullish", quantity="1"), -1) == 1


@pytest.mark.parametrize(("before", "qty", "expected"), [(3, None, 0), (-2, None, 0), (3, "1", 2)])
def test_traderspost_exit_closes_whatever_is_open(
    before: int, qty: str | None, expected: int
) -> None:
    extra = {} if qty is None else {"quantity": qty}
    assert after(traderspost("exit", **extra), before) == expected


def test_traderspost_indicator_template_without_quantity_uses_the_default_qty() -> None:
    # {"ticker": "{{ticker}}", "action": "buy", "price": "{{close}}"}: no quantity at all
    body = traderspost("buy", price="21000.25")
    signal = signal_of(body)
    assert signal.qty == 1 and signal.default_qty
    assert after(body, 0) == 1
    assert after(body, 0, default_qty=3) == 3


def test_traderspost_cancel_and_add() -> None:
    plan = moves(traderspost("cancel"), 2)
    assert plan.after == 2 and "working orders" in (plan.skipped or "")
    assert after(traderspost("add", quantity="2"), 1) == 3
    assert after(traderspost("add"), -1) == -2
    plan = moves(traderspost("add"), 0)
    assert plan.after == 0 and "there is none" in (plan.skipped or "")


def test_traderspost_fields_signalprice_epoch_time_and_brackets() -> None:
    body = js(
        {
            "ticker": "MNQ1!",
            "action": "buy",
            "signalPrice": 21000.5,
            "quantity": 1,
            "time": "1717338605000",
            "takeProfit": {"percent": 10},
            "stopLoss": {"type": "stop", "percent": 5},
        }
    )
    signal = signal_of(body)
    assert signal.price == D("21000.5") and signal.qty == 1
    assert parse_alert_body(body).time == "1717338605000"


# --- PickMyTrade -----------------------------------------------------------------------------
# docs.pickmytrade.trade "TradingView JSON alert configuration" (strategy JSON) and the Rithmic
# indicator JSON; every scalar may be a string.

PICKMYTRADE_STRATEGY = {
    "symbol": "NQ",
    "date": TIME,
    "data": "buy",
    "quantity": "2",
    "risk_percentage": 0,
    "price": "25600.25",
    "tp": 0,
    "percentage_tp": 0,
    "dollar_tp": 0,
    "sl": 0,
    "dollar_sl": 0,
    "percentage_sl": 0,
    "trail": 0,
    "trail_stop": 0,
    "trail_trigger": 0,
    "trail_freq": 0,
    "update_tp": "false",
    "update_sl": "false",
    "breakeven": 0,
    "token": "your_token_here",
    "pyramid": "true",
    "reverse_order_close": "false",
    "account_id": "your_account_id",
    "multiple_accounts": [
        {
            "token": "your_token_here",
            "account_id": "FFFF",
            "risk_percentage": 0,
            "quantity_multiplier": 1,
        }
    ],
}


def test_pickmytrade_strategy_json_buys_and_sells_by_the_order() -> None:
    assert after(js(PICKMYTRADE_STRATEGY), 0) == 2
    sell = {**PICKMYTRADE_STRATEGY, "data": "sell", "quantity": "3"}
    assert after(js(sell), 2) == -1
    assert parse_alert_body(js(PICKMYTRADE_STRATEGY)).secret == "your_token_here"


def test_pickmytrade_close_ignores_the_quantity() -> None:
    close = {**PICKMYTRADE_STRATEGY, "data": "close", "quantity": "1"}
    assert after(js(close), 3) == 0
    assert after(js(close), -2) == 0
    assert signal_of(js(close)).qty is None


def test_pickmytrade_indicator_json_closes_before_it_reverses() -> None:
    # Rithmic indicator JSON: "reverse_order_close": true, no pyramid -> the same or the
    # opposite signal closes what is open, then the new order opens.
    indicator = {
        "symbol": "NQM5",
        "date": TIME,
        "data": "buy",
        "quantity": 10,
        "price": "21000",
        "token": "URe9daf2bc49008ba62dc3",
        "duplicate_position_allow": True,
        "platform": "RITHMIC",
        "reverse_order_close": True,
    }
    assert after(js(indicator), -3) == 10
    assert after(js(indicator), 4) == 10
    pyramid = {**indicator, "quantity": 1, "pyramid": "true"}
    assert after(js(pyramid), 2) == 3  # same side adds
    assert after(js(pyramid), -2) == 1  # the opposite side is closed first


# --- CrossTrade ------------------------------------------------------------------------------
# docs.crosstrade.io: payload reference, Flatten First, Require Market Position, Reverse,
# Reverse Position, Close Position, strategy synchronization.


def crosstrade(*lines: str) -> str:
    return "\n".join(["key=your-secret-key;", *lines])


def test_crosstrade_place_in_ninjatrader_and_tradingview_instrument_forms() -> None:
    body = crosstrade(
        "command=PLACE;",
        "account=sim101;",
        "instrument=MNQ 06-25;",
        "action=BUY;",
        "qty=1;",
        "order_type=MARKET;",
        "tif=DAY;",
    )
    signal = signal_of(body)
    assert (signal.root, signal.qty, signal.intent) == ("MNQ", 1, Intent.ENTER)
    assert parse_alert_body(body.encode()).secret == "your-secret-key"
    assert after(body, 0) == 1
    one_line = "key=k; command=place; account=sim101; instrument=ES1!; action=sell; qty=2;"
    assert after(one_line, 1) == -1


def test_crosstrade_keys_are_case_insensitive_and_semicolons_optional() -> None:
    body = "KEY=k\nCOMMAND=place\nInstrument=NQ 12-24\nACTION=buy\nQTY=2\n"
    assert after(body, 0) == 2


def test_crosstrade_flatten_first_closes_then_places() -> None:
    body = (
        "key=your-secret-key; command=PLACE; account=sim101; instrument=ES 03-25; action=BUY;"
        " qty=1; order_type=MARKET; TIF=DAY; flatten_first=true;"
    )
    assert after(body, -2) == 1
    assert after(body, 3) == 1
    assert after(body, 0) == 1


def test_crosstrade_require_market_position_takes_a_comma_list() -> None:
    body = crosstrade(
        "command=PLACE;",
        "account=sim101;",
        "instrument=ZW 12-24;",
        "action=BUY;",
        "qty=1;",
        "order_type=MARKET;",
        "tif=DAY;",
        "require_market_position=long,flat;",
    )
    assert after(body, 3) == 4
    assert after(body, 0) == 1
    plan = moves(body, -2)
    assert plan.after == -2
    assert plan.skipped == "it applies only when the position is long or flat, and it is short 2"
    flat_only = body.replace("long,flat", "flat")
    assert moves(flat_only, 1).skipped is not None


def test_crosstrade_reverse_inverts_and_needs_a_position() -> None:
    body = "key=k; command=REVERSE; account=sim101; instrument=ES 03-25;"
    assert after(body, 4) == -4
    assert after(body, -1) == 1
    plan = moves(body, 0)
    assert plan.after == 0 and "command REVERSE reverses an open position" in (plan.skipped or "")


def test_crosstrade_reverseposition_closes_then_places_only_when_open() -> None:
    body = (
        "key=k; command=REVERSEPOSITION; account=sim101; instrument=NQ 12-24; action=SELL; qty=1;"
        " order_type=MARKET; tif=DAY;"
    )
    assert after(body, 2) == -1
    assert moves(body, 0).skipped is not None


def test_crosstrade_closeposition_flatten_and_cancel() -> None:
    close = "key=k; command=CLOSEPOSITION; account=sim101; instrument=MNQ 06-25;"
    assert after(close, 2) == 0
    assert after(close + " qty=1;", 2) == 1
    assert after("key=k; command=FLATTEN; account=sim101; instrument=MNQ 06-25;", -3) == 0
    plan = moves("key=k; command=CANCELORDERS; account=sim101; instrument=MNQ 06-25;", 2)
    assert plan.after == 2 and plan.skipped is not None


def test_crosstrade_strategy_sync_states_are_honoured() -> None:
    # market_position={{strategy.market_position}}; prev_market_position=...; the strategy
    # was long and reversed to short with a 3-contract order (long 2 -> short 1).
    body = crosstrade(
        "command=PLACE;",
        "account=sim101;",
        "instrument=NQ1!;",
        "action=SELL;",
        "qty=3;",
        "order_type=MARKET;",
        "tif=DAY;",
        "market_position=short;",
        "prev_market_position=long;",
    )
    assert after(body, 2) == -1
    plan = moves(body, 0)  # tmtui missed the entry
    assert plan.after == -3
    assert any("was long before this order, tmtui held flat" in n for n in plan.notes)
    exact = body + "\ntarget_quantity=-1;"
    plan = moves(exact, 0)
    assert plan.after == -1 and plan.drift == (-3, -1)


def test_crosstrade_unknown_command_and_place_without_action_are_400() -> None:
    with pytest.raises(InvalidSignal, match="unknown command"):
        parse_alert_body(b"key=k; command=LAUNCH; instrument=NQ1!;")
    with pytest.raises(InvalidSignal, match="needs an action"):
        parse_alert_body(b"key=k; command=PLACE; instrument=NQ1!; qty=1;")


# --- PineConnector ---------------------------------------------------------------------------
# docs.pineconnector.com/syntax: LicenseID,Command,Symbol,Others, spaces allowed around commas.


@pytest.mark.parametrize(
    ("body", "before", "expected"),
    [
        ("60123456789,buy,MNQ1!,risk=1", 0, 1),
        ("60123456789 , sell , MNQ1! , risk=2", 1, -1),
        ("60123456789,long,MNQ1!,vol_lots=2", 0, 2),
        ("60123456789,short,MNQ1!,qty=3,sl=50", 0, -3),
        ("60123456789,bullish,MNQ1!,risk=1", -1, 0),
        ("60123456789,closelong,MNQ1!", 2, 0),
        ("60123456789, closelong , MNQ1!", -2, -2),
        ("60123456789,closeshort,MNQ1!", -2, 0),
        ("60123456789,closeshort,MNQ1!", 3, 3),
        ("60123456789,closeall,MNQ1!", -4, 0),
        ("60123456789,closelongbuy,MNQ1!,risk=1", 2, 1),
        ("60123456789,closelongsell,MNQ1!,risk=1", 2, -1),
        ("60123456789,closeshortbuy,MNQ1!,risk=2", -3, 2),
        ("60123456789,closeshortsell,MNQ1!,risk=1", -3, -1),
    ],
)
def test_pineconnector_commands(body: str, before: int, expected: int) -> None:
    assert after(body, before) == expected


def test_pineconnector_fractional_risk_is_not_a_qty() -> None:
    # risk=0.1 is a tenth of a lot (or a percent): no futures contract count; the default applies
    signal = signal_of("60123456789,buy,MNQ1!,risk=0.1", default_qty=2)
    assert signal.qty == 2 and signal.default_qty
    with pytest.raises(InvalidSignal, match="whole number"):
        parse_alert_body(b"60123456789,buy,MNQ1!,vol_lots=0.1")


def test_pineconnector_secret_field_beside_the_licence() -> None:
    fields = parse_alert_body(b"60123456789,sell,MNQ1!,vol_lots=1, secret=HappyTrader501")
    assert fields.secret == "HappyTrader501" and fields.licence == "60123456789"


def test_pineconnector_pending_and_ea_commands_move_nothing() -> None:
    for word in ("buystop", "selllimit", "newsltplong", "cancellong", "eaoff"):
        plan = moves(f"60123456789,{word},MNQ1!,risk=1,price=10", 2)
        assert plan.after == 2 and plan.skipped is not None and plan.skipped.startswith(word)


# --- 3Commas ---------------------------------------------------------------------------------
# help.3commas.io "Signal bot: JSON file for Strategy type", filled in by TradingView.


def three_commas(
    action: str,
    amount: str,
    position: str,
    size: str,
    prev: str,
    prev_size: str,
    exchange: str = "CME_MINI_DL",
) -> bytes:
    return js(
        {
            "secret": "token",
            "max_lag": "300",
            "timestamp": TIME,
            "trigger_price": "21000.25",
            "tv_exchange": exchange,
            "tv_instrument": "MNQ1!",
            "action": action,
            "bot_uuid": "signal-bot-uuid",
            "strategy_info": {
                "market_position": position,
                "market_position_size": size,
                "prev_market_position": prev,
                "prev_market_position_size": prev_size,
            },
            "order": {"amount": amount, "currency_type": "base"},
        }
    )


def test_3commas_entry_reversal_and_exit() -> None:
    assert after(three_commas("buy", "2", "long", "2", "flat", "0"), 0) == 2
    reversal = three_commas("sell", "3", "short", "1", "long", "2")
    plan = moves(reversal, 2)
    assert plan.after == -1 and plan.drift is None and plan.notes == ()
    assert after(three_commas("buy", "1", "flat", "0", "short", "1"), -1) == 0


def test_3commas_stated_size_wins_and_drift_is_logged() -> None:
    reversal = three_commas("sell", "3", "short", "1", "long", "2")
    plan = moves(reversal, 0)  # tmtui never saw the long
    assert plan.after == -1 and plan.drift == (-3, -1)
    assert any("was long 2 before this order, tmtui held flat" in n for n in plan.notes)
    assert any("strategy reports short 1" in n for n in plan.notes)


def test_3commas_reads_the_delayed_exchange_and_the_trigger_price() -> None:
    signal = signal_of(three_commas("buy", "1", "long", "1", "flat", "0"))
    assert signal.ticker == "CME_MINI_DL:MNQ1!" and signal.root == "MNQ"
    assert signal.price == D("21000.25") and signal.target == 1 and signal.prev_target == 0


def test_3commas_custom_signal_actions() -> None:
    def custom(action: str) -> bytes:
        return js({"secret": "t", "tv_instrument": "MES1!", "action": action, "timestamp": TIME})

    assert after(custom("enter_long"), 0) == 1
    assert after(custom("enter_short"), 0) == -1
    assert after(custom("exit_long"), 2) == 0
    assert moves(custom("exit_long"), -2).skipped is not None
    assert after(custom("exit_short"), -2) == 0


def test_3commas_nested_state_must_agree_with_itself() -> None:
    with pytest.raises(InvalidSignal, match="disagrees"):
        signal_of(three_commas("sell", "1", "short", "0", "long", "1"))
    with pytest.raises(InvalidSignal, match="disagrees"):
        signal_of(three_commas("sell", "1", "flat", "2", "long", "1"))


# --- Tickerly, the open-source Tradovate bridges, strategy_name / prev_position_size -----------


def test_tickerly_standard_alert_uses_the_previous_position() -> None:
    body = js(
        {
            "ticker": "MNQ1!",
            "action": "sell",
            "prev_position": "long",
            "quantity": "2",
            "pointer": "m1K3Y",
        }
    )
    assert after(body, 2) == 0
    plan = moves(body, 0)
    assert plan.after == -2 and "was long before this order" in plan.notes[0]


def test_tickerly_close_all_overrides_action_and_quantity() -> None:
    body = js({"ticker": "MNQ1!", "closeall": "true", "action": "buy", "quantity": "5"})
    assert after(body, 3) == 0
    assert after(body, -3) == 0


@pytest.mark.parametrize(
    ("side", "qty", "before", "expected"),
    [
        ("buy", 1, 0, 1),
        ("sell", 1, 0, -1),
        ("long", 2, -1, 1),
        ("short", 2, 1, -1),
        ("flat", None, 2, 0),
        ("exit", None, -2, 0),
        ("close", None, 3, 0),
    ],
)
def test_tradovate_bridges_symbol_side_qty(
    side: str, qty: int | None, before: int, expected: int
) -> None:
    body: dict[str, object] = {"symbol": "MNQ", "side": side}
    if qty is not None:
        body["qty"] = qty
    assert after(js(body), before) == expected


def test_strategy_name_and_prev_position_size() -> None:
    body = js(
        {
            "apikey": "k",
            "strategy_name": "ORB",
            "symbol": "MNQ1!",
            "action": "sell",
            "quantity": "3",
            "position_size": "-1",
            "prev_position_size": "2",
        }
    )
    plan = moves(body, 2)
    assert plan.signal.strategy == "ORB" and plan.after == -1 and plan.notes == ()
    plan = moves(body, 1)
    assert plan.after == -1 and len(plan.notes) == 2
    # the previous size and the order give the resulting size even without position_size
    derived = js({"symbol": "MNQ1!", "action": "sell", "quantity": "3", "prev_position_size": "2"})
    assert after(derived, 0) == -1


# --- the pipe-delimited form ----------------------------------------------------------------


def test_pipe_form() -> None:
    plan = moves("s3cret|My ORB|buy|MNQ1!|2", 0)
    assert plan.signal.strategy == "My ORB" and plan.after == 2
    assert after("s3cret|ORB|sell|NQ1!", 0) == -1  # no qty: the default
    assert parse_alert_body(b"s3cret | ORB | closelong | NQ1!").secret == "s3cret"
    with pytest.raises(InvalidSignal, match="not an action"):
        parse_alert_body(b"s3cret|ORB|hold|NQ1!")
    with pytest.raises(InvalidSignal, match="KEY\\|STRATEGY\\|ACTION\\|TICKER"):
        parse_alert_body(b"s3cret|ORB|buy")
    # a bar inside a comma form's or text form's value is not the pipe form
    assert after("60123456789,buy,MNQ1!,risk=1,comment=a|b", 0) == 1
    assert after('buy 1 MNQ1! comment="a|b"', 0) == 1


# --- general rules ---------------------------------------------------------------------------


def test_tradingview_default_message_is_not_a_trade() -> None:
    with pytest.raises(InvalidSignal) as err:
        parse_alert_body(b"MNQ1!, price = 21034.25, volume = 1532")
    reason = str(err.value)
    assert "TradingView's default alert message" in reason
    assert "tmtui expected a trade instruction" in reason and '"action": "buy"' in reason


@pytest.mark.parametrize("body", [b"hello world", b"Crossing 21000", b"NQ1! crossed up"])
def test_other_non_trade_messages_say_what_was_expected(body: bytes) -> None:
    with pytest.raises(InvalidSignal, match="tmtui expected a trade instruction"):
        parse_alert_body(body)


def test_unknown_fields_are_ignored_but_known_ones_must_agree() -> None:
    body = js({"ticker": "MNQ1!", "action": "buy", "comment": "Long", "interval": "5"})
    assert after(body, 0) == 1
    with pytest.raises(InvalidSignal, match="different values"):
        parse_alert_body(js({"ticker": "MNQ1!", "action": "buy", "qty": "1", "vol_lots": "2"}))


def test_position_size_wins_over_the_order_and_side_must_agree() -> None:
    body = js({"ticker": "NQ1!", "action": "buy", "qty": "1", "position_size": "3"})
    plan = moves(body, 1)
    assert plan.after == 3 and plan.drift == (2, 3)
    contradiction = {"ticker": "NQ1!", "action": "buy", "market_position": "short"}
    with pytest.raises(InvalidSignal, match="disagrees"):
        signal_of(js({**contradiction, "position_size": "2"}))


def test_a_stated_size_needs_no_qty_and_takes_no_default() -> None:
    body = js({"ticker": "NQ1!", "action": "buy", "position_size": "2"})
    signal = signal_of(body, default_qty=5)
    assert signal.qty is None and not signal.default_qty
    assert after(body, 0, default_qty=5) == 2


def test_default_qty_above_max_qty_is_422() -> None:
    with pytest.raises(UnusableSignal, match="default qty 5"):
        signal_of(js({"ticker": "NQ1!", "action": "buy"}), default_qty=5, max_qty=2)


def test_signals_round_trip_through_the_ledger_dict() -> None:
    for body in (
        three_commas("sell", "3", "short", "1", "long", "2"),
        "key=k; command=REVERSEPOSITION; instrument=NQ 12-24; action=SELL; qty=1;"
        " require_market_position=long;",
        "60123456789,closelongbuy,MNQ1!,risk=1",
        traderspost("sell", "flat"),
    ):
        signal = signal_of(body)
        assert signal_from_dict(json.loads(json.dumps(signal_to_dict(signal)))) == signal


def test_signals_recorded_before_intents_keep_their_meaning() -> None:
    old = {
        "strategy": "S",
        "root": "NQ",
        "action": "close",
        "qty": None,
        "price": "100",
        "time": T0.isoformat(),
        "target": None,
    }
    assert signal_from_dict(old).effective_intent is Intent.FLATTEN
    assert signal_from_dict({**old, "action": "buy", "qty": 1}).effective_intent is Intent.ENTER


# --- properties of the rules -----------------------------------------------------------------

_INTENTS = st.sampled_from(list(Intent))
_SIDES = st.sampled_from([None, "long", "short", "flat"])


@settings(max_examples=300, deadline=None)
@given(
    intent=_INTENTS,
    action=st.sampled_from([Action.BUY, Action.SELL, Action.CLOSE]),
    qty=st.integers(1, 5),
    before=st.integers(-6, 6),
    target=st.one_of(st.none(), st.integers(-6, 6)),
    side=_SIDES,
    require=st.sampled_from([(), ("long",), ("flat", "short")]),
)
def test_the_stated_state_always_holds(
    intent: Intent,
    action: Action,
    qty: int,
    before: int,
    target: int | None,
    side: str | None,
    require: tuple[str, ...],
) -> None:
    signal = Signal("S", "NQ", action, qty, None, T0, target=target, intent=intent)
    signal = replace(signal, target_side=side, require=require)
    result = resolve(signal, before)
    held = "flat" if before == 0 else ("long" if before > 0 else "short")
    if require and held not in require:
        assert result.after == before and result.skipped
    elif target is not None:
        assert result.after == target
    elif result.skipped is not None:
        assert result.after == before
    elif side is not None:
        assert ("flat" if result.after == 0 else ("long" if result.after > 0 else "short")) == side
    if result.drift is not None:
        assert result.drift[1] == result.after and result.notes


# --- the examples in docs/alerts.md ----------------------------------------------------------

FILLED = {
    "{{ticker}}": "MNQ1!",
    "{{exchange}}": "CME_MINI_DL",
    "{{close}}": "21000.25",
    "{{timenow}}": TIME,
    "{{strategy.order.action}}": "buy",
    "{{strategy.order.contracts}}": "1",
    "{{strategy.market_position}}": "long",
    "{{strategy.market_position_size}}": "1",
    "{{strategy.prev_market_position}}": "flat",
    "{{strategy.prev_market_position_size}}": "0",
}


def _doc_examples() -> list[str]:
    """Every alert example of docs/alerts.md §3, placeholders filled in as TradingView would."""
    from pathlib import Path

    text = (Path(__file__).parents[2] / "docs" / "alerts.md").read_text(encoding="utf-8")
    section = text.split("## 3.", 1)[1].split("## 4.", 1)[0]
    examples: list[str] = []
    for block in section.split("```")[1::2]:
        kind, _, body = block.partition("\n")
        for placeholder, value in FILLED.items():
            body = body.replace(placeholder, value)
        if kind == "json" or ("=" in body.splitlines()[0] and ";" in body):
            examples.append(body)
        else:
            examples.extend(line for line in body.splitlines() if line.strip())
    return examples


@pytest.mark.parametrize("example", _doc_examples())
def test_every_alert_example_in_the_docs_is_read(example: str) -> None:
    signal = signal_of(example)
    assert signal.root == "MNQ"


def test_the_docs_show_an_example_for_each_bridge() -> None:
    # TradersPost, PickMyTrade, CrossTrade, PineConnector (2), 3Commas, Tickerly, Tradovate
    # bridges, the pipe form
    assert len(_doc_examples()) == 9


# --- whatever arrives, only a clear refusal -----------------------------------------------------

_TOKENS = st.sampled_from(
    [
        "key=k", "command=PLACE", "command=REVERSE", "command=nope", "action=BUY", "action=",
        "qty=2", "qty=1.5", "instrument=MNQ 06-25", "instrument=ZZZ1!", "flatten_first=true",
        "flatten_first=maybe", "require_market_position=long,flat", "require_market_position=up",
        "market_position=short", "target_quantity=-1", "60123456789", "buy", "closelong", "MNQ1!",
        "risk=0.1", "risk=2", "vol_lots=x", "secret=s", "s|ORB|buy|NQ1!", "|", "price = 1",
        "{{strategy.order.action}}", "sell", "1", "@", "=", "",
    ]
)  # fmt: skip
_SEPARATORS = st.sampled_from([";", "\n", ",", " , ", " ", "|", "; "])


def refused_clearly_or_sane(text: str) -> Signal | None:
    """Either a refusal of one clear line, or a signal within the limits that survives the
    ledger's round trip and moves a position only as far as its figures allow (and says why
    when it moves none). Returns the signal, or None when refused."""
    try:
        signal = signal_of(text)  # max_qty 100: a stated position may be up to 10 x that
    except (InvalidSignal, UnusableSignal) as refusal:
        reason = str(refusal)
        assert reason.strip() and "\n" not in reason and "Traceback" not in reason
        return None
    assert signal.root in ContractBook().specs
    assert signal.qty is None or 1 <= signal.qty <= 100
    assert signal.target is None or abs(signal.target) <= 1000
    assert signal_from_dict(json.loads(json.dumps(signal_to_dict(signal)))) == signal
    for before in (-2, 0, 3):
        result = resolve(signal, before)
        assert result == resolve(signal, before)  # pure: the same answer every time
        if result.skipped is not None:
            assert result.after == before and result.skipped.strip()
        elif signal.target is not None:
            assert result.after == signal.target
        else:
            assert abs(result.after) <= abs(before) + (signal.qty or abs(before) or 1)
        assert result.drift is None or result.drift[1] == result.after != result.drift[0]
        assert all(note.strip() and "\n" not in note for note in result.notes)
    return signal


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(_TOKENS, _SEPARATORS), min_size=1, max_size=8))
def test_bridge_text_forms_only_ever_refuse_clearly(parts: list[tuple[str, str]]) -> None:
    """Any mix of the bridges' words and separators: a clear refusal or a sane signal."""
    refused_clearly_or_sane("".join(token + sep for token, sep in parts))


_CROSSTRADE_VALUES = {
    "command": ["PLACE", "FLATPLACE", "CLOSEPOSITION", "FLATTEN", "REVERSE", "REVERSEPOSITION",
                "CANCELREPLACE", "nope"],
    "account": ["sim101"],
    "instrument": ["MNQ 06-25", "NQ1!", "ZW 12-24", "ZZZ1!"],
    "action": ["BUY", "SELL", "nope"],
    "qty": ["1", "3", "100", "101", "0", "1.5"],
    "order_type": ["MARKET", "LIMIT"],
    "require_market_position": ["long", "flat", "long,flat", "short", "up"],
    "market_position": ["long", "short", "flat"],
    "flatten_first": ["true", "false"],
    "target_quantity": ["-1", "0", "2", "5000"],
}  # fmt: skip


@st.composite
def _crosstrade_alerts(draw: st.DrawFn) -> tuple[str, ...]:
    """CrossTrade alerts as its docs write them (one key=value a line), each key at most once,
    in any order, with valid and invalid values: most of them are read, some refused."""
    keys = draw(
        st.lists(st.sampled_from(sorted(_CROSSTRADE_VALUES)), unique=True, min_size=1).map(
            lambda ks: [
                "instrument",
                "action",
                *(k for k in ks if k not in ("instrument", "action")),
            ]
        )
    )
    lines = [f"{k}={draw(st.sampled_from(_CROSSTRADE_VALUES[k]))};" for k in keys]
    return tuple(draw(st.permutations(lines)))


@settings(max_examples=400, deadline=None)
@given(_crosstrade_alerts())
def test_crosstrade_alerts_are_read_sanely_or_refused_clearly(lines: tuple[str, ...]) -> None:
    refused_clearly_or_sane(crosstrade(*lines))
