"""Every field name the supported bridges use, and folding (key, value) pairs into AlertFields.

Names are matched in lower case. Two names for one field must agree, or the alert is refused
(400): reading one and dropping the other would be a guess. Names tmtui does not know are left
out here and kept in the raw record. Nested objects are read where a bridge nests what tmtui
needs (3Commas' `strategy_info` and `order.amount`); other nested objects (TradersPost's
`takeProfit`/`stopLoss`) are recorded, not acted on.
"""

from __future__ import annotations

import dataclasses
from collections import deque
from collections.abc import Mapping
from typing import Final

from tmtui.core.alerts.bridges import field_checks as check
from tmtui.core.alerts.bridges.json_form import CONFLICT, load_json_object
from tmtui.core.alerts.bridges.text_forms import text_pairs
from tmtui.core.models import AlertFields, InvalidSignal

# Every accepted key (lower case) and the AlertFields field it fills.
FIELD_ALIASES: Final[Mapping[str, str]] = {
    **dict.fromkeys(("secret", "passphrase", "token", "key", "apikey"), "secret"),
    **dict.fromkeys(("ticker", "symbol", "instrument", "tv_instrument"), "ticker"),
    **dict.fromkeys(("action", "side", "data"), "action"),
    **dict.fromkeys(("qty", "quantity", "contracts", "vol_lots", "order.amount"), "qty"),
    **dict.fromkeys(("price", "close", "signalprice", "trigger_price"), "price"),
    **dict.fromkeys(("strategy", "strategy_name"), "strategy"),
    **dict.fromkeys(("id", "order_id", "alert_id"), "alert_id"),
    **dict.fromkeys(("time", "timenow", "date", "timestamp"), "time"),
    **dict.fromkeys(("position_size", "target_quantity"), "position_size"),
    "market_position": "market_position",
    "sentiment": "sentiment",
    "market_position_size": "market_position_size",
    **dict.fromkeys(("prev_market_position", "prev_position"), "prev_market_position"),
    "prev_market_position_size": "prev_market_position_size",
    "prev_position_size": "prev_position_size",
    "command": "command",
    "flatten_first": "flatten_first",
    "reverse_order_close": "reverse_order_close",
    "pyramid": "pyramid",
    "require_market_position": "require_market_position",
    **dict.fromkeys(("exchange", "tv_exchange"), "exchange"),
    "licence": "licence",
}
SECRET_KEYS: Final = tuple(k for k, v in FIELD_ALIASES.items() if v == "secret")

# Nested objects read into the alert, and the prefix their keys get.
_NESTED: Final[Mapping[str, str]] = {"strategy_info": "", "order": "order."}
_CASELESS_FIELDS: Final = frozenset(
    {"action", "ticker", "market_position", "sentiment", "prev_market_position", "command"}
)


def fields_from_pairs(
    pairs: Mapping[str, object] | list[tuple[str, object]], *, allow_message: bool
) -> AlertFields:
    """Fold pairs into AlertFields, checking every value; a `message` field may hold the alert."""
    items = deque(pairs.items() if isinstance(pairs, Mapping) else pairs)
    values: dict[str, object] = {}
    given_as: dict[str, str] = {}
    message: object = None
    close_all = False
    while items:
        key, value = items.popleft()
        name = key.strip().lower()
        if value is CONFLICT:
            raise InvalidSignal(f"the alert gives {check.show(name)} twice with different values")
        if name in _NESTED and isinstance(value, dict):
            items.extendleft(reversed([(_NESTED[name] + str(k), v) for k, v in value.items()]))
            continue
        if name == "message":
            message = value
            continue
        if name == "closeall":  # Tickerly: overrides action and quantity
            close_all = check.flag_field("closeall", value) or close_all
            continue
        if name == "risk":  # PineConnector's volume in its "Lots" mode
            name, value = "qty", _lots(value)
        field_name = FIELD_ALIASES.get(name)
        if field_name is None or check.is_absent(value):
            continue  # bridges add their own keys (interval, tp, sl...): kept in the raw record
        _add(values, given_as, field_name, name, value)
    if close_all:
        values["action"] = "closeall"
    names_the_trade = bool({"action", "ticker"} & values.keys())
    if allow_message and not names_the_trade and not check.is_absent(message):
        return _merge_message(values, message)
    return build_fields(values)


def _add(
    values: dict[str, object], given_as: dict[str, str], field_name: str, name: str, value: object
) -> None:
    fold_case = field_name in _CASELESS_FIELDS
    if field_name in values and not check.same_value(values[field_name], value, fold_case):
        raise InvalidSignal(
            f"the alert gives {check.show(given_as[field_name])} and {check.show(name)} with "
            "different values: keep one"
        )
    values.setdefault(field_name, value)
    given_as.setdefault(field_name, name)


def _lots(value: object) -> object:
    """PineConnector's `risk=`: contracts when it is a whole number of lots, else not a qty.

    `risk=` means lots only in the EA's "Lots" volume type; a fraction (`risk=0.1`) cannot be
    a number of futures contracts, so it is left out and the default qty applies.
    """
    try:
        whole = check.whole_number(value)
    except InvalidSignal:
        return None
    return None if whole is None else whole


def _merge_message(outer: dict[str, object], message: object) -> AlertFields:
    """Read the alert held in a `message` field; the outer fields (the secret) fill it in."""
    if isinstance(message, dict):
        inner = fields_from_pairs(message, allow_message=False)
    elif isinstance(message, str):
        text = message.strip()
        if text.startswith("{"):
            inner = fields_from_pairs(load_json_object(text), allow_message=False)
        else:
            inner = fields_from_pairs(text_pairs(text), allow_message=False)
    else:
        raise InvalidSignal("the alert's 'message' must be text or a JSON object")
    outer_fields = build_fields(outer)
    merged: dict[str, object] = {}
    for name in (f.name for f in dataclasses.fields(AlertFields)):
        mine, theirs = getattr(inner, name), getattr(outer_fields, name)
        fold_case = name in _CASELESS_FIELDS
        both = mine is not None and theirs is not None
        if both and not check.same_value(mine, theirs, fold_case):
            raise InvalidSignal(
                f"the alert gives {check.show(name)} both inside 'message' and outside it, "
                "with different values"
            )
        merged[name] = mine if mine is not None else theirs
    return AlertFields(**merged)  # type: ignore[arg-type]


def build_fields(values: Mapping[str, object]) -> AlertFields:
    """Check each value and build the AlertFields (strings and numbers still as sent)."""

    def text(name: str) -> str | None:
        return check.text_field(name, values.get(name))

    def number(name: str) -> object:
        return check.number_field(name, values.get(name))

    market_position = check.side_field("market_position", values.get("market_position"))
    sentiment = check.sentiment_field(values.get("sentiment"))
    if market_position and sentiment and market_position != sentiment:
        raise InvalidSignal("the alert's 'sentiment' and 'market_position' disagree")
    command = text("command")
    return AlertFields(
        action=text("action"),
        ticker=text("ticker"),
        qty=check.qty_field(values.get("qty")),
        price=number("price"),
        strategy=text("strategy"),
        alert_id=text("alert_id"),
        time=text("time"),
        secret=text("secret"),
        position_size=number("position_size"),
        market_position=market_position,
        sentiment=sentiment,
        market_position_size=number("market_position_size"),
        prev_market_position=check.side_field(
            "prev_market_position", values.get("prev_market_position")
        ),
        prev_market_position_size=number("prev_market_position_size"),
        prev_position_size=number("prev_position_size"),
        command=command.lower() if command else None,
        flatten_first=check.flag_field("flatten_first", values.get("flatten_first")),
        require_market_position=check.sides_field(
            "require_market_position", values.get("require_market_position")
        ),
        exchange=text("exchange"),
        licence=text("licence"),
        reverse_order_close=check.flag_field(
            "reverse_order_close", values.get("reverse_order_close")
        ),
        pyramid=check.flag_field("pyramid", values.get("pyramid")),
    )
