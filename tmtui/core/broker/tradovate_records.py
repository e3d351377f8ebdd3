"""Tradovate REST replies read into plain records: accounts, contracts, positions, order results,
fills. Pure, so the client (`tmtui.services.tradovate_client`) only moves bytes.

Field names are those of Tradovate's API reference (partner.tradovate.com, REST API endpoints):
Account `{id, name, active}`; Contract `{id, name}`; Position `{accountId, contractId, netPos,
netPrice}`; PlaceOrderResult `{orderId}` or `{failureReason, failureText}`; Fill `{id,
orderId, contractId, timestamp, action, qty, price}` (a fill names no account: its order does,
so `fill_from_json` is handed the account and contract names the caller looked up). Numbers
are expected as `Decimal` (the client parses JSON with `parse_float=Decimal`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from tmtui.core.broker.contract_months import split_contract_code
from tmtui.core.broker.fills import BrokerFill, Side

SOURCE = "tradovate-api"


class TradovateReplyError(ValueError):
    """A reply without the fields the API reference documents."""


@dataclass(frozen=True, slots=True)
class TradovateAccount:
    id: int
    name: str
    active: bool = True


@dataclass(frozen=True, slots=True)
class TradovateContract:
    id: int
    name: str


@dataclass(frozen=True, slots=True)
class TradovatePosition:
    account_id: int
    contract_id: int
    net_pos: int
    net_price: Decimal | None


@dataclass(frozen=True, slots=True)
class OrderResult:
    """`order/placeorder` and `order/liquidateposition`'s answer: an order id, or the reason not.

    `failure_reason` is Tradovate's enum (e.g. `TradingLocked`, `SessionClosed`),
    `failure_text` its sentence; the broker's text is what `tmtui orders` shows.
    """

    order_id: int | None
    failure_reason: str | None = None
    failure_text: str | None = None

    @property
    def accepted(self) -> bool:
        return self.order_id is not None and not self.failure_reason

    @property
    def message(self) -> str:
        """One line for the orders view: the reason and the text, whichever exist."""
        parts = [p for p in (self.failure_reason, self.failure_text) if p]
        return ": ".join(parts) if parts else ("accepted" if self.accepted else "no order id")


def account_from_json(item: Mapping[str, Any]) -> TradovateAccount:
    return TradovateAccount(_int(item, "id"), _text(item, "name"), bool(item.get("active", True)))


def contract_from_json(item: Mapping[str, Any]) -> TradovateContract:
    return TradovateContract(_int(item, "id"), _text(item, "name"))


def position_from_json(item: Mapping[str, Any]) -> TradovatePosition:
    price = item.get("netPrice")
    return TradovatePosition(
        _int(item, "accountId"),
        _int(item, "contractId"),
        _int(item, "netPos"),
        Decimal(str(price)) if price is not None else None,
    )


def order_result_from_json(item: Mapping[str, Any]) -> OrderResult:
    order_id = item.get("orderId")
    reason = item.get("failureReason")
    text = item.get("failureText")
    return OrderResult(
        int(order_id) if isinstance(order_id, int | Decimal) and not reason else None,
        str(reason) if reason else None,
        str(text) if text else None,
    )


def fill_from_json(item: Mapping[str, Any], account: str, contract: str) -> BrokerFill:
    """A `fill/list` entry as a `BrokerFill` of `account` in `contract` (e.g. `NQZ6`)."""
    code = split_contract_code(contract)
    action = _text(item, "action")
    if action not in ("Buy", "Sell"):
        raise TradovateReplyError(f"fill {item.get('id')}: action {action!r} is not Buy or Sell")
    return BrokerFill(
        source=SOURCE,
        account=account,
        fill_id=str(_int(item, "id")),
        order_id=str(_int(item, "orderId")),
        contract=code.code if code else contract,
        root=code.root if code else contract,
        side=Side.BUY if action == "Buy" else Side.SELL,
        qty=_int(item, "qty"),
        price=Decimal(str(item.get("price"))),
        time=parse_timestamp(_text(item, "timestamp")),
    )


def parse_timestamp(text: str) -> datetime:
    """Tradovate's ISO 8601 UTC times (`2024-04-25T14:45:00Z`, `...:00.123Z`), aware."""
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise TradovateReplyError(f"{text!r} is not an ISO 8601 time") from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _int(item: Mapping[str, Any], key: str) -> int:
    value = item.get(key)
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise TradovateReplyError(f"the reply has no whole number {key!r}")
    if isinstance(value, Decimal) and value != value.to_integral_value():
        raise TradovateReplyError(f"the reply's {key!r} is not a whole number")
    return int(value)


def _text(item: Mapping[str, Any], key: str) -> str:
    value = item.get(key)
    if not isinstance(value, str) or not value:
        raise TradovateReplyError(f"the reply has no {key!r}")
    return value
