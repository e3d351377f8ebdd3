"""Tradovate's REST API for a `kind = "tradovate"` route: accounts, orders, positions, fills.

The operations, as Tradovate's API reference (partner.tradovate.com, REST API endpoints) and
its official examples (github.com/tradovate/example-api-js, `placeOrder.js`) give them:

- `GET account/list`: the route's `account` is looked up by name (its id goes in orders).
- `GET contract/find?name=NQZ6` → `{id, name}`; `GET contract/items?ids=1,2`.
- `POST order/placeorder {accountSpec, accountId, action: Buy|Sell, symbol, orderQty,
  orderType: Market, isAutomated: true}` → `{orderId}` or `{failureReason, failureText}`
  (`isAutomated` must be true for an order no human placed).
- `POST order/liquidateposition {accountId, contractId, admin: false}`: cancels the contract's
  orders and closes its position ("a request, not a guarantee").
- `GET position/list` (netPos per account and contract) and `GET fill/list`; a fill names its
  order, not its account, so `order/list` supplies the account.

Logging in, renewing the token, penalty tickets and 429s are the session's
(`tmtui.services.tradovate_session`); its errors are re-exported here. Waits and expiry checks
go through the `sleep` and `clock` given to the constructor, so tests never wait.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx

from tmtui.core.broker.fills import BrokerFill, Side
from tmtui.core.broker.tradovate_records import (
    OrderResult,
    TradovateAccount,
    TradovateContract,
    TradovatePosition,
    account_from_json,
    contract_from_json,
    fill_from_json,
    order_result_from_json,
    position_from_json,
)
from tmtui.services.tradovate_session import (
    BASE_URLS,
    RENEW_BEFORE,
    Clock,
    SessionLimits,
    Sleep,
    TradovateAuthError,
    TradovateCredentials,
    TradovateError,
    TradovateNoAnswer,
    TradovateRateLimited,
    TradovateSession,
    TradovateUnreachable,
    utcnow,
)

__all__ = [
    "BASE_URLS",
    "TradovateAuthError",
    "TradovateClient",
    "TradovateCredentials",
    "TradovateError",
    "TradovateNoAnswer",
    "TradovateRateLimited",
    "TradovateUnreachable",
]


class TradovateClient:
    """One Tradovate login, used by one route. `async with TradovateClient(...) as client:`."""

    def __init__(
        self,
        credentials: TradovateCredentials,
        *,
        env: str = "demo",
        base_url: str | None = None,
        timeout: float = 10.0,
        clock: Clock = utcnow,
        sleep: Sleep = asyncio.sleep,
        renew_before: timedelta = RENEW_BEFORE,
        max_penalties: int = 3,
        max_429: int = 4,
        backoff_429: float = 1.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        if base_url is None and env not in BASE_URLS:
            raise TradovateError(f"unknown Tradovate env {env!r}: use demo or live")
        limits = SessionLimits(renew_before, max_penalties, max_429, backoff_429)
        self._session = TradovateSession(
            credentials,
            base_url or BASE_URLS[env],
            timeout=timeout,
            clock=clock,
            sleep=sleep,
            limits=limits,
            transport=transport,
        )

    def __repr__(self) -> str:
        return f"TradovateClient({self._session.base_url!r})"

    async def __aenter__(self) -> TradovateClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._session.aclose()

    @property
    def token_expires(self) -> datetime | None:
        """When the current token expires (None before the first login)."""
        return self._session.token_expires

    # --- the API -------------------------------------------------------------------------------

    async def connect(self) -> None:
        """Log in now (otherwise the first call does)."""
        await self._session.log_in()

    async def accounts(self) -> list[TradovateAccount]:
        reply = await self._session.call("GET", "/account/list")
        return [self._session.read(account_from_json, a) for a in _listing(reply)]

    async def account(self, name: str) -> TradovateAccount:
        """The login's account named `name` (the route's `account`), case aside."""
        found = await self.accounts()
        for a in found:
            if a.name.lower() == name.strip().lower():
                return a
        have = ", ".join(a.name for a in found) or "none"
        raise TradovateError(f"no Tradovate account named {name!r} (this login has: {have})")

    async def find_contract(self, name: str) -> TradovateContract:
        """`contract/find?name=NQZ6`: the contract's id, which liquidation needs."""
        reply = await self._session.call(
            "GET", "/contract/find", params={"name": name}, missing_ok=True
        )
        if not isinstance(reply, Mapping) or "id" not in reply:
            raise TradovateError(f"Tradovate has no contract {name!r}")
        return self._session.read(contract_from_json, reply)

    async def contracts(self, ids: Iterable[int]) -> dict[int, TradovateContract]:
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        params = {"ids": ",".join(str(i) for i in wanted if i >= 0)}
        reply = await self._session.call("GET", "/contract/items", params=params)
        found = [self._session.read(contract_from_json, c) for c in _listing(reply)]
        return {c.id: c for c in found}

    async def place_market_order(
        self, account: TradovateAccount, symbol: str, side: Side, qty: int
    ) -> OrderResult:
        """`order/placeorder`: a market order an automaton placed (`isAutomated: true`)."""
        body = {
            "accountSpec": account.name,
            "accountId": account.id,
            "action": "Buy" if side is Side.BUY else "Sell",
            "symbol": symbol,
            "orderQty": qty,
            "orderType": "Market",
            "isAutomated": True,
        }
        reply = await self._session.call("POST", "/order/placeorder", body=body)
        return self._session.read(order_result_from_json, reply)

    async def liquidate_position(self, account_id: int, contract_id: int) -> OrderResult:
        """`order/liquidateposition`: cancel the contract's orders and close its position."""
        body = {
            "accountId": account_id,
            "contractId": contract_id,
            "admin": False,
            "isAutomated": True,
        }
        reply = await self._session.call("POST", "/order/liquidateposition", body=body)
        return self._session.read(order_result_from_json, reply)

    async def positions(self, account_id: int | None = None) -> list[TradovatePosition]:
        found = [
            self._session.read(position_from_json, p)
            for p in _listing(await self._session.call("GET", "/position/list"))
        ]
        return [p for p in found if account_id is None or p.account_id == account_id]

    async def fills(self, account: TradovateAccount | None = None) -> list[BrokerFill]:
        """`fill/list` as BrokerFills: a fill names only its order, so `order/list` gives its
        account and `contract/items` its contract's name. A fill whose order is not listed
        belongs to the login's only account, or is left out when the login has several.
        """
        raw = [
            f
            for f in _listing(await self._session.call("GET", "/fill/list"))
            if isinstance(f, Mapping)
        ]
        if not raw:
            return []
        orders = {
            _whole(o.get("id")): _whole(o.get("accountId"))
            for o in _listing(await self._session.call("GET", "/order/list"))
            if isinstance(o, Mapping)
        }
        names = {a.id: a.name for a in await self.accounts()}
        contracts = await self.contracts(_whole(f.get("contractId")) for f in raw)
        fills = []
        for item in raw:
            account_id = orders.get(_whole(item.get("orderId")))
            if account_id is None and len(names) == 1:
                account_id = next(iter(names))
            contract = contracts.get(_whole(item.get("contractId")))
            if account_id is None or account_id not in names or contract is None:
                continue
            if account is not None and account_id != account.id:
                continue
            fills.append(self._session.read(fill_from_json, item, names[account_id], contract.name))
        return fills


def _whole(value: Any) -> int:
    """An id from a reply, or -1 (matching nothing) when it is not a whole number."""
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return int(value) if value == int(value) else -1
    return -1


def _listing(reply: Any) -> list[Any]:
    """A list endpoint's entries (an empty or null answer is no entries)."""
    if reply is None:
        return []
    if not isinstance(reply, list):
        raise TradovateError("unexpected Tradovate reply: a list was expected")
    return reply
