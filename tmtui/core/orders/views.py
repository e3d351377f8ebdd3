"""Orders as the trader reads them: `tmtui orders --json` fields and the table's cells.

The fields are a contract (issue 19): `id`, `time`, `strategy`, `symbol`, `action`, `qty`,
`route`, `kind`, `state`, `message`, `bridge_id`, `signal_id`, `sent_at`, `answered_at`.
Messages are stored redacted, so nothing here can show a secret.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from tmtui.core.orders.states import Order, OrderState

FIELDS: Final = (
    "id",
    "time",
    "strategy",
    "symbol",
    "action",
    "qty",
    "route",
    "kind",
    "state",
    "message",
    "bridge_id",
    "signal_id",
    "sent_at",
    "answered_at",
)


def _time(moment: datetime | None, tz: Any) -> str | None:
    return None if moment is None else moment.astimezone(tz).isoformat()


def order_json(order: Order, tz: Any) -> dict[str, Any]:
    """One order as `tmtui orders --json` prints it (times in the session's zone)."""
    intent = order.intent
    return {
        "id": order.id,
        "time": _time(order.created, tz),
        "strategy": intent.strategy,
        "symbol": intent.symbol,
        "action": intent.action.value,
        "qty": intent.qty,
        "route": order.route,
        "kind": order.kind.value,
        "state": state_text(order),
        "message": order.message,
        "bridge_id": order.bridge_id,
        "signal_id": intent.signal_id,
        "sent_at": _time(order.sent_at, tz),
        "answered_at": _time(order.answered_at, tz),
    }


def state_text(order: Order) -> str:
    """The state as the contract names it (`failed` also while retrying)."""
    return order.state.value


def state_label(order: Order) -> str:
    """The state with what the trader should know about it, for tables: `failed (retrying)`,
    `unknown (dismissed)`."""
    text = order.state.value
    if order.state is OrderState.FAILED and order.retrying:
        text += " (retrying)"
    if order.dismissed:
        text += " (dismissed)"
    return text
