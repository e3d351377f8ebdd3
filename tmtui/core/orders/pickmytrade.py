"""PickMyTrade: an order as its alert JSON, and what its replies say.

Source: PickMyTrade's alert format page (pickmytrade.trade/pages/alert.html) and its alert
guide's table of `reverse_order_close` × `pyramid` (pickmy.trade/pages/generateAlertGuild.html);
the Rithmic JSON reference (docs.pickmytrade.io) for `order_type` and `account_id`.

* JSON POST to the route's URL with `symbol`, `date` (PickMyTrade spots duplicate alerts by
  it: each order has its own, when it was made, to the microsecond; a retry or a resend
  carries the same one, so a second copy of an order PickMyTrade already has can be dropped
  there), `data` (buy | sell | close), `quantity`,
  `price`, `order_type` (`MKT`), `token` and `account_id`.
* `data: close` closes the position.
* `reverse_order_close: true` (without `pyramid`) closes the existing position before the new
  entry: that is a reversal in one order. Every other order sends it `false`, so PickMyTrade
  never closes on its own what tmtui did not ask it to close; `duplicate_position_allow: true`
  lets an add through.
* Reply: not documented. Its text (or a JSON `message`/`error`/`detail`) is the message.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from tmtui.core.orders.intents import Effect, OrderIntent
from tmtui.core.orders.payload_text import json_body, text_field
from tmtui.core.orders.request_shape import JSON, BridgeRequest
from tmtui.core.orders.routing import Route


def alert_of(route: Route, intent: OrderIntent, made: datetime) -> dict[str, Any]:
    """The JSON alert for one order (holds the route's token)."""
    closing = intent.effect is Effect.CLOSE
    alert: dict[str, Any] = {
        "symbol": intent.symbol,
        "date": made.astimezone(UTC).isoformat(timespec="microseconds"),
        "data": "close" if closing else str(intent.action),
        "quantity": intent.qty,
        "order_type": "MKT",
        "token": route.token,
        "account_id": route.account_id,
    }
    if intent.price is not None:
        alert["price"] = intent.price
    if not closing:
        alert["reverse_order_close"] = intent.effect is Effect.REVERSE
        alert["duplicate_position_allow"] = True
    return alert


def build(route: Route, intent: OrderIntent, order_id: int, made: datetime) -> BridgeRequest:
    del order_id  # PickMyTrade's alert has no field for it; `date` keeps orders apart
    return BridgeRequest(route.url, json_body(alert_of(route, intent, made)), JSON)


def reply_message(reply: Mapping[str, Any]) -> str:
    return text_field(reply, "message", "error", "detail", "msg")


def reply_id(reply: Mapping[str, Any]) -> str:
    return text_field(reply, "id", "order_id", "orderId")
