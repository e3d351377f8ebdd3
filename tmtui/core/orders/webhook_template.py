"""A generic webhook: the trader's JSON template with `{{placeholders}}` filled per order.

Placeholders (spaces inside the braces allowed, `{{ ticker }}`):

=============  ============================================================  ===========
name           value                                                          JSON type
=============  ============================================================  ===========
`ticker`       the alert's ticker without its exchange (`MNQ1!`)              string
`symbol`       the contract root (`MNQ`)                                      string
`action`       `buy`, `sell` or `exit` (exit closes everything held)          string
`qty`          contracts (for an exit: what the strategy holds there)         number
`price`        the signal's price; null when unknown (never 0)                number/null
`strategy`     the strategy's name                                            string
`signal_id`    tmtui's id of the recorded signal; null for tmtui's own        number/null
`order_id`     tmtui's id of this order                                       number
`time`         when the order was made, ISO-8601 UTC                          string
`reason`       `signal`, `close`, `flatten`, `manual` or `risk`               string
`effect`       `open`, `add`, `reduce`, `close` (a reversal is close + open)  string
`position`     what the strategy should hold there afterwards, signed         number
=============  ============================================================  ===========

Inside a JSON string (`"{{strategy}}"`, `"NQ {{action}}"`) a value is spliced in as escaped
text, so a name with quotes or backslashes cannot break the JSON (null becomes empty text).
Outside a string (`"qty": {{qty}}`) it is written as a JSON value of its type: numbers as
numbers, null as null, text quoted. The template is refused at load unless it names only
these placeholders and fills into valid JSON.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Final

from tmtui.core.orders.intents import Effect, OrderAction, OrderIntent, Reason
from tmtui.core.orders.request_shape import JSON, BridgeRequest
from tmtui.core.orders.routing import Route

Value = str | int | Decimal | None

_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_]+)\s*\}\}")

PLACEHOLDERS: Final[Mapping[str, Callable[[OrderIntent, int, datetime], Value]]] = {
    "ticker": lambda i, _o, _t: i.symbol,
    "symbol": lambda i, _o, _t: i.root,
    "action": lambda i, _o, _t: str(i.action),
    "qty": lambda i, _o, _t: i.qty,
    "price": lambda i, _o, _t: i.price,
    "strategy": lambda i, _o, _t: i.strategy,
    "signal_id": lambda i, _o, _t: i.signal_id,
    "order_id": lambda _i, o, _t: o,
    "time": lambda _i, _o, t: t.astimezone(UTC).isoformat(),
    "reason": lambda i, _o, _t: str(i.reason),
    "effect": lambda i, _o, _t: str(i.effect),
    "position": lambda i, _o, _t: i.held_after,
}


class TemplateError(ValueError):
    """The template names an unknown placeholder or does not fill into JSON."""


def render(template: str, values: Mapping[str, Value]) -> str:
    """The template with every placeholder filled, escaped for where it stands."""
    out: list[str] = []
    in_string = False
    at = 0
    while at < len(template):
        match = _PLACEHOLDER.match(template, at)
        if match:
            out.append(_filled(match.group(1), values, in_string))
            at = match.end()
            continue
        char = template[at]
        if in_string and char == "\\":
            out.append(template[at : at + 2])
            at += 2
            continue
        if char == '"':
            in_string = not in_string
        out.append(char)
        at += 1
    return "".join(out)


def _filled(name: str, values: Mapping[str, Value], in_string: bool) -> str:
    if name not in values:
        known = ", ".join(PLACEHOLDERS)
        raise TemplateError(f"unknown placeholder {{{{{name}}}}} (known: {known})")
    value = values[name]
    if in_string:
        return "" if value is None else json.dumps(_text(value))[1:-1]
    if value is None:
        return "null"
    if isinstance(value, str):
        return json.dumps(value)
    return _text(value)


def _text(value: str | int | Decimal) -> str:
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def values_of(intent: OrderIntent, order_id: int, made: datetime) -> dict[str, Value]:
    return {name: get(intent, order_id, made) for name, get in PLACEHOLDERS.items()}


def filled(template: str, intent: OrderIntent, order_id: int, made: datetime) -> str:
    """The body for one order; TemplateError when the result is not JSON."""
    text = render(template, values_of(intent, order_id, made))
    try:
        json.loads(text)
    except ValueError as exc:
        raise TemplateError(f"does not fill into JSON: {exc}") from None
    return text


def build(route: Route, intent: OrderIntent, order_id: int, made: datetime) -> BridgeRequest:
    return BridgeRequest(route.url, filled(route.template, intent, order_id, made).encode(), JSON)


def check_template(template: str) -> None:
    """Refuse a template that names an unknown placeholder or fills into anything but JSON.

    Checked with sample orders (a buy with a price, an exit without one, a strategy name
    full of quotes and backslashes), so a template valid for one order and broken for
    another is caught at load, not at the first trade.
    """
    made = datetime(2025, 6, 2, 14, 30, tzinfo=UTC)
    for order_id, intent in enumerate(_SAMPLES, start=1):
        filled(template, intent, order_id, made)


_SAMPLES: Final = (
    OrderIntent(
        strategy='Mean "Rev" \\ 2',
        root="MNQ",
        ticker="CME_MINI:MNQ1!",
        action=OrderAction.BUY,
        qty=2,
        effect=Effect.OPEN,
        held_before=0,
        reason=Reason.SIGNAL,
        signal_id=7,
        price=Decimal("21000.25"),
    ),
    OrderIntent(
        strategy="ORB",
        root="MNQ",
        ticker="",
        action=OrderAction.EXIT,
        qty=2,
        effect=Effect.CLOSE,
        held_before=-2,
        reason=Reason.FLATTEN,
    ),
)
