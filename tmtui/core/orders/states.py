"""An order's life at its bridge, as the trader sees it: one outbox row and its changes.

`queued` → `sent` → `accepted` (2xx, with the bridge's id) | `rejected` (the bridge said
no: its own message) | `unknown` (the request went out and no answer came in time, or a
5xx) | `failed` (the bridge could not be reached: retried until the route's
`give_up_after`, `retrying` says whether more attempts are coming).

An unknown order is never sent again by itself: a second send could double the position.
Only the trader's resend does it (or dismisses it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from tmtui.core.models import TmtuiError
from tmtui.core.orders.intents import Effect, OrderIntent
from tmtui.core.orders.routing import RouteKind


class OrderState(StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    UNKNOWN = "unknown"
    FAILED = "failed"


RESENDABLE = frozenset({OrderState.REJECTED, OrderState.UNKNOWN, OrderState.FAILED})
"""States the trader may resend from (a failed order only once it stopped retrying)."""


@dataclass(frozen=True, slots=True)
class Answer:
    """How one delivery attempt ended: the state it leads to, the message, the bridge's id."""

    state: OrderState
    message: str
    bridge_id: str | None = None
    final: bool = False
    """A failure not worth retrying (a refused login: more attempts only lock it out)."""


@dataclass(frozen=True, slots=True)
class Order:
    """One order in the outbox: what to send, where, and how it fared.

    `follows` is the order that must be accepted before this one goes out (the exit before
    the entry of a two-order reversal). `attempts` counts requests made. `message` is
    already redacted. Times are aware.
    """

    id: int
    route: str
    kind: RouteKind
    intent: OrderIntent
    created: datetime
    state: OrderState = OrderState.QUEUED
    follows: int | None = None
    message: str = ""
    bridge_id: str | None = None
    sent_at: datetime | None = None
    answered_at: datetime | None = None
    attempts: int = 0
    retrying: bool = False
    dismissed: bool = False

    @property
    def pending(self) -> bool:
        """Still on its way: queued, sent and unanswered, or failed with retries to come."""
        if self.state is OrderState.FAILED:
            return self.retrying
        return self.state in (OrderState.QUEUED, OrderState.SENT)

    @property
    def needs_trader(self) -> bool:
        """Finished without being accepted and not dismissed: the screen shows it loudly."""
        return not self.pending and self.state is not OrderState.ACCEPTED and not self.dismissed


@dataclass(frozen=True, slots=True)
class OrderChanged:
    """Published on every state change (and on dismissal): one line for the log/headless."""

    order: Order
    previous: OrderState | None

    @property
    def line(self) -> str:
        return describe(self.order)


def describe(order: Order) -> str:
    """`order 12 ORB MNQ1! buy 2 → tp (traderspost): accepted (id abc)`, one line."""
    intent = order.intent
    qty = "" if intent.effect is Effect.CLOSE else f" {intent.qty}"
    text = (
        f"order {order.id} {intent.strategy} {intent.symbol} {intent.action}{qty} "
        f"→ {order.route} ({order.kind}): {order.state}"
    )
    if order.state is OrderState.FAILED and order.retrying:
        text += " (retrying)"
    if order.bridge_id:
        text += f" (id {order.bridge_id})"
    if order.message:
        text += f" — {order.message}"
    if order.dismissed:
        text += " [dismissed]"
    return " ".join(text.split())


class OrderRefusal(TmtuiError):
    """The trader asked for something an order's state does not allow (resend an accepted)."""
