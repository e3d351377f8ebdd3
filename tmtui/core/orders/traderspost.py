"""TradersPost: an order as its webhook's JSON signal, and what its replies say.

Source: TradersPost's OpenAPI webhook spec (github.com/TradersPost/docs `webhook-spec.json`,
published as docs.traderspost.io/docs/developer-resources/webhook-reference) and its order
behaviour pages (docs.traderspost.io/docs/learn/order-behavior;
traderspost.io/reference/strategy-message/exit-partial-position).

* `POST .../trading/webhook/{uuid}/{password}`, JSON with `ticker` and `action` (buy, sell,
  exit, cancel, add) required; `quantity`, `orderType`, `signalPrice`, `time`, `extras`.
* A `buy` exits a short and enters long; while already long it is rejected, so an add is
  `action: add`. A `sell` with a `quantity` below the long's size is a partial exit and never
  swaps sides. `exit` closes the whole position in the ticker.
* A `price` field makes a limit order unless the subscription says market, so the signal's
  price goes as `signalPrice` (slippage reference) with `orderType: market`.
* 200 `{success: true, id, logId, payload}`; 400 `{success: false, logId?, messageCode,
  message}`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from tmtui.core.orders.intents import Effect, OrderAction, OrderIntent
from tmtui.core.orders.payload_text import json_body, text_field
from tmtui.core.orders.request_shape import JSON, BridgeRequest
from tmtui.core.orders.routing import Route


def signal_of(intent: OrderIntent, order_id: int, made: datetime) -> dict[str, Any]:
    """The JSON signal for one order."""
    signal: dict[str, Any] = {"ticker": intent.symbol, "action": _action(intent)}
    if intent.effect is not Effect.CLOSE:
        signal["quantity"] = intent.qty
        signal["orderType"] = "market"
    if intent.price is not None:
        signal["signalPrice"] = intent.price
    signal["time"] = made.astimezone(UTC).isoformat()
    signal["extras"] = {
        "strategy": intent.strategy,
        "reason": str(intent.reason),
        "tmtui_order": order_id,
    }
    return signal


def _action(intent: OrderIntent) -> str:
    if intent.effect is Effect.CLOSE:
        return "exit"
    if intent.effect is Effect.ADD:
        return "add"
    if intent.effect is Effect.REVERSE:  # planned as exit + entry for TradersPost
        raise ValueError("TradersPost reversals are an exit then an entry")
    return "buy" if intent.action is OrderAction.BUY else "sell"


def build(route: Route, intent: OrderIntent, order_id: int, made: datetime) -> BridgeRequest:
    return BridgeRequest(route.url, json_body(signal_of(intent, order_id, made)), JSON)


def reply_message(reply: Mapping[str, Any]) -> str:
    """`messageCode: message` from a 400 (either alone when the other is missing)."""
    code = text_field(reply, "messageCode")
    message = text_field(reply, "message")
    return ": ".join(part for part in (code, message) if part)


def reply_id(reply: Mapping[str, Any]) -> str:
    """The signal's id TradersPost gives in its 200, else its log id."""
    return text_field(reply, "id", "logId")
