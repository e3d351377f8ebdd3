"""Each bridge's request for an order, and what its reply means for the order's state.

The sender calls `build_request` just before it posts (so the body, which may hold a token or
key, is never stored) and `answer_for_reply` / `answer_for_silence` / `answer_for_unreachable`
with what came back. Every message is one line with the route's secrets masked.

* 2xx → accepted, with the bridge's id (a 2xx whose JSON says `success: false` is a refusal);
* 3xx, 4xx → rejected, with the bridge's own message (TradersPost `messageCode: message`,
  CrossTrade `error: detail`, otherwise the body cut to one line);
* 5xx, or no answer within the route's timeout → unknown: the order may have reached the
  broker, so it is never sent again by itself;
* the bridge could not be reached (refused, DNS, TLS) → failed: nothing went out, so it is
  retried.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from tmtui.core.orders import crosstrade, pickmytrade, traderspost, webhook_template
from tmtui.core.orders.intents import OrderIntent
from tmtui.core.orders.payload_text import json_object, one_line, text_field
from tmtui.core.orders.redaction import redact
from tmtui.core.orders.request_shape import BridgeRequest
from tmtui.core.orders.routing import Route, RouteKind
from tmtui.core.orders.states import Answer, OrderState

Reader = Callable[[Mapping[str, Any]], str]


@dataclass(frozen=True, slots=True)
class Dialect:
    """How one kind of bridge is spoken to."""

    build: Callable[[Route, OrderIntent, int, datetime], BridgeRequest]
    message: Reader
    bridge_id: Reader


def _generic_message(reply: Mapping[str, Any]) -> str:
    return text_field(reply, "message", "error", "detail")


def _generic_id(reply: Mapping[str, Any]) -> str:
    return text_field(reply, "id", "orderId", "order_id")


DIALECTS: Final[Mapping[RouteKind, Dialect]] = {
    RouteKind.TRADERSPOST: Dialect(
        traderspost.build, traderspost.reply_message, traderspost.reply_id
    ),
    RouteKind.PICKMYTRADE: Dialect(
        pickmytrade.build, pickmytrade.reply_message, pickmytrade.reply_id
    ),
    RouteKind.CROSSTRADE: Dialect(crosstrade.build, crosstrade.reply_message, crosstrade.reply_id),
    RouteKind.WEBHOOK: Dialect(webhook_template.build, _generic_message, _generic_id),
}


def build_request(
    route: Route, intent: OrderIntent, order_id: int, made: datetime
) -> BridgeRequest:
    """The request for one order in its route's shape (ValueError when it cannot be made).

    `made` is when tmtui made the order (not when it is sent): TradersPost measures latency
    from it, and PickMyTrade spots a duplicate by it, so retries and resends keep it.
    """
    dialect = DIALECTS.get(route.kind)
    if dialect is None:
        raise ValueError(f"routes of kind {route.kind} are not sent by this module")
    return dialect.build(route, intent, order_id, made)


def answer_for_reply(route: Route, status: int, text: str) -> Answer:
    """What an HTTP reply means for the order."""
    dialect = DIALECTS.get(route.kind)
    reply = json_object(text)
    said = ""
    bridge_id = ""
    if reply is not None and dialect is not None:
        said = dialect.message(reply)
        bridge_id = dialect.bridge_id(reply)
    if not said:
        said = text
    if 200 <= status < 300:
        if reply is not None and reply.get("success") is False:
            return _answer(route, OrderState.REJECTED, f"{status} {said}", None)
        return _answer(route, OrderState.ACCEPTED, "", bridge_id or None)
    if 500 <= status < 600:
        message = f"{status} {said} — the bridge failed; the order may or may not be at the broker"
        return _answer(route, OrderState.UNKNOWN, message, bridge_id or None)
    return _answer(route, OrderState.REJECTED, f"{status} {said}", bridge_id or None)


def answer_for_silence(route: Route) -> Answer:
    """No answer within the route's timeout: the request went out, its fate is unknown."""
    message = (
        f"no answer within {route.timeout:g} s; the order may or may not be at the broker: "
        "check there, then resend or dismiss"
    )
    return Answer(OrderState.UNKNOWN, message)


def answer_for_broken_reply(route: Route, reason: str) -> Answer:
    """The request went out and the connection broke before a full answer came."""
    message = f"the connection broke before an answer ({reason}); check the broker"
    return _answer(route, OrderState.UNKNOWN, message, None)


def answer_for_unreachable(route: Route, reason: str) -> Answer:
    """The bridge could not be reached: nothing went out."""
    return _answer(route, OrderState.FAILED, f"could not reach the bridge: {reason}", None)


def _answer(route: Route, state: OrderState, message: str, bridge_id: str | None) -> Answer:
    safe_id = redact(bridge_id, route.secrets) if bridge_id else None
    return Answer(state, one_line(redact(message, route.secrets)), safe_id)
