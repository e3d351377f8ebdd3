"""CrossTrade (NinjaTrader 8 add-on): an order as its `key=value;` webhook text, and its replies.

Sources checked: the Flatten First page (docs.crosstrade.io/webhooks/advanced-options/
flatten-first: the example payload below, and CLOSEPOSITION before PLACE), the webhook
command list (docs.crosstrade.io/webhooks/commands: Place Order, Close Position, Flatten
Positions, Reverse Position...) and the API reference (crosstrade.io/llms-full.txt: replies
`{success, error, detail}`, 408 when NinjaTrader's add-on is not connected, instruments in
TradingView's continuous form accepted). CLOSEPOSITION taking a `qty` is from its payload
reference (crosstrade.io/answers/faq/payload-reference, as ../shared/brokers.md quotes it).

* `text/plain` body `key=...; command=PLACE; account=Sim101; instrument=MNQ1!; action=BUY;
  qty=1; order_type=MARKET; tif=DAY;` (the instrument accepts TradingView's continuous form).
* A partial exit is `CLOSEPOSITION` with a `qty`: it can only close what NinjaTrader holds,
  where an opposite PLACE sized from a stale count could open the other side.
* A close is `CLOSEPOSITION` for the account and instrument; tmtui's flatten (`F`) uses
  `FLATTEN`, the bridge's own flatten of one account and instrument.
* A reversal is one `PLACE` with `flatten_first=true`: CrossTrade sends CLOSEPOSITION first,
  then the entry.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from tmtui.core.orders.intents import Effect, OrderIntent, Reason
from tmtui.core.orders.payload_text import text_field
from tmtui.core.orders.request_shape import TEXT, BridgeRequest
from tmtui.core.orders.routing import Route

FORBIDDEN = frozenset(";=\n\r")
"""Characters a value cannot hold in the `key=value;` form."""


def pairs_of(route: Route, intent: OrderIntent) -> list[tuple[str, str]]:
    """The command's fields, in the order CrossTrade's examples write them."""
    head = [("key", route.key), ("command", _command(intent)), ("account", route.account)]
    head.append(("instrument", intent.symbol))
    if intent.effect is Effect.CLOSE:
        return head
    if intent.effect is Effect.REDUCE:
        return [*head, ("qty", str(intent.qty))]
    order = [
        ("action", str(intent.action).upper()),
        ("qty", str(intent.qty)),
        ("order_type", "MARKET"),
        ("tif", "DAY"),
    ]
    if intent.effect is Effect.REVERSE:
        order.append(("flatten_first", "true"))
    return head + order


FLATTENS = frozenset({Reason.FLATTEN, Reason.FLATTEN_ALL})


def _command(intent: OrderIntent) -> str:
    if intent.effect is Effect.CLOSE:
        return "FLATTEN" if intent.reason in FLATTENS else "CLOSEPOSITION"
    if intent.effect is Effect.REDUCE:
        return "CLOSEPOSITION"
    return "PLACE"


def text_of(route: Route, intent: OrderIntent) -> str:
    """`key=...; command=...; ...;` — values that would break the form are refused."""
    pairs = pairs_of(route, intent)
    for name, value in pairs:
        if FORBIDDEN & set(value):
            raise ValueError(f"CrossTrade {name} cannot contain ';', '=' or a line break")
    return " ".join(f"{name}={value};" for name, value in pairs)


def build(route: Route, intent: OrderIntent, order_id: int, made: datetime) -> BridgeRequest:
    del order_id, made  # the command form has no field for them
    return BridgeRequest(route.url, text_of(route, intent).encode(), TEXT)


def reply_message(reply: Mapping[str, Any]) -> str:
    """`error: detail` (either alone when the other is missing)."""
    error = text_field(reply, "error")
    detail = text_field(reply, "detail", "message")
    return ": ".join(part for part in (error, detail) if part)


def reply_id(reply: Mapping[str, Any]) -> str:
    found = text_field(reply, "orderId", "id")
    ids = reply.get("orderIds")
    if not found and isinstance(ids, list) and ids and isinstance(ids[0], str):
        return ",".join(i for i in ids if isinstance(i, str))
    return found
