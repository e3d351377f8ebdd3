"""A local Tradovate REST API (`/v1/...`) that answers as partner.tradovate.com documents.

- `POST /auth/accesstokenrequest`: `{accessToken, mdAccessToken, expirationTime, userId, name}`
  for the right credentials, `{errorText}` (in a 200) for wrong ones; tokens expire after
  `token_lifetime` by the fake's `clock`, and an expired or unknown token gets a 401.
- `GET /auth/renewaccesstoken`: a new token for a live one (the old one stops working).
- `GET /account/list`, `GET /contract/find?name=`, `GET /contract/items?ids=`.
- `POST /order/placeorder`: checks the documented fields; fills a market order at once at
  `prices[symbol]` (split in `fill_parts` if set) and records the fill, the order and the
  position; or answers `{failureReason, failureText}` when told to reject.
- `POST /order/liquidateposition`: closes the account's position in the contract.
- `GET /position/list`, `GET /fill/list`, `GET /order/list`.

Switches for tests: `reject_next`, `penalty_next` (a `p-ticket` in a 200; the resent request
must carry it), `too_many_next` (429s, optionally with `Retry-After`), `expire_tokens`,
`kill_sessions` (401 for live tokens). Every request is recorded (the Authorization header is
kept so tests can check it is sent; nothing here is a real secret).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import count
from typing import Any

from aiohttp import web

ACCOUNT_ID = 702001
BODY: web.RequestKey[dict[str, Any]] = web.RequestKey("body", dict)
"""The request's JSON object ({} when it has none), read once by the middleware."""
BAD_LOGIN = (
    "Incorrect username or password. Please try again, noting that passwords are case-sensitive."
)


@dataclass
class FakeClock:
    """A clock tests move by hand; share it between the fake and the client."""

    now: datetime = field(default_factory=lambda: datetime(2026, 12, 8, 14, 30, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    authorization: str | None


@dataclass
class _Penalty:
    path: str
    seconds: float
    captcha: bool
    ticket: str = ""


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _json(value: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    text = json.dumps(value, default=lambda d: float(d) if isinstance(d, Decimal) else str(d))
    return web.Response(text=text, status=status, content_type="application/json", headers=headers)


class FakeTradovate:
    """Run with `async with FakeTradovate() as fake:`; the client's `base_url` is `fake.url`."""

    def __init__(
        self,
        *,
        clock: Callable[[], datetime] | None = None,
        username: str = "trader1",
        password: str = "fake-password",
        sec: str = "fake-sec",
        accounts: dict[str, int] | None = None,
        contracts: dict[str, int] | None = None,
        token_lifetime: timedelta = timedelta(minutes=80),
    ) -> None:
        self.clock = clock or FakeClock()
        self.username, self.password, self.sec = username, password, sec
        self.accounts = dict(accounts or {"DEMO1234": ACCOUNT_ID})
        self.contracts = dict(contracts or {"NQZ6": 4001, "MNQZ6": 4002, "ESZ6": 4003})
        self.token_lifetime = token_lifetime
        self.prices: dict[str, Decimal] = {"NQZ6": Decimal("21000.25")}
        self.fill_parts: list[int] | None = None
        self.requests: list[Recorded] = []
        self.orders: list[dict[str, Any]] = []
        self.fills: list[dict[str, Any]] = []
        self.positions: dict[tuple[int, int], int] = {}
        self.logins = 0
        self.renewals = 0
        self._tokens: dict[str, datetime] = {}
        self._ids = count(90001)
        self._rejections: list[tuple[str, str]] = []
        self._penalties: list[_Penalty] = []
        self._issued_tickets: set[str] = set()
        self._too_many: list[tuple[str | None, str | None]] = []
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    # --- switches ------------------------------------------------------------------------------

    def reject_next(self, reason: str = "TradingLocked", text: str = "Trading is locked") -> None:
        """The next placeorder answers `{failureReason, failureText}` and places nothing."""
        self._rejections.append((reason, text))

    def penalty_next(self, path: str, seconds: float = 2, *, captcha: bool = False) -> None:
        """The next request to `path` (e.g. `/auth/accesstokenrequest`) gets a p-ticket."""
        self._penalties.append(_Penalty(path, seconds, captcha))

    def too_many_next(
        self, times: int, *, path: str | None = None, retry_after: str | None = None
    ) -> None:
        """The next `times` requests (to `path`, or any) get an empty 429."""
        self._too_many.extend([(path, retry_after)] * times)

    def expire_tokens(self) -> None:
        """Every token issued so far stops working (as when the session expires)."""
        self._tokens.clear()

    kill_sessions = expire_tokens

    def requests_to(self, path: str) -> list[Recorded]:
        return [r for r in self.requests if r.path == path]

    # --- server ---------------------------------------------------------------------------------

    async def __aenter__(self) -> FakeTradovate:
        app = web.Application(middlewares=[self._middleware])
        routes = [
            ("POST", "/v1/auth/accesstokenrequest", self._token_request),
            ("GET", "/v1/auth/renewaccesstoken", self._renew),
            ("GET", "/v1/account/list", self._accounts),
            ("GET", "/v1/contract/find", self._contract_find),
            ("GET", "/v1/contract/items", self._contract_items),
            ("POST", "/v1/order/placeorder", self._place_order),
            ("POST", "/v1/order/liquidateposition", self._liquidate),
            ("GET", "/v1/position/list", self._positions),
            ("GET", "/v1/fill/list", self._fills),
            ("GET", "/v1/order/list", self._orders),
        ]
        for method, path, handler in routes:
            app.router.add_route(method, path, handler)
        self._runner = web.AppRunner(app, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @web.middleware
    async def _middleware(
        self, request: web.Request, handler: Callable[[web.Request], Any]
    ) -> web.StreamResponse:
        path = request.path.removeprefix("/v1")
        body = await request.json() if request.can_read_body else None
        self.requests.append(
            Recorded(
                request.method,
                path,
                dict(request.query),
                body,
                request.headers.get("Authorization"),
            )
        )
        if (refusal := self._refusal(path)) is not None:
            return refusal
        if (penalty := self._penalty(path, body)) is not None:
            return penalty
        if not path.startswith("/auth/accesstokenrequest") and not self._authorized(request):
            return web.Response(status=401, text="Access is denied")
        request[BODY] = body if isinstance(body, dict) else {}
        response: web.StreamResponse = await handler(request)
        return response

    def _refusal(self, path: str) -> web.Response | None:
        for i, (wanted, retry_after) in enumerate(self._too_many):
            if wanted is None or wanted == path:
                del self._too_many[i]
                headers = {"Retry-After": retry_after} if retry_after else None
                return web.Response(status=429, headers=headers)
        return None

    def _penalty(self, path: str, body: Any) -> web.Response | None:
        ticket = body.get("p-ticket") if isinstance(body, dict) else None
        if ticket is not None:
            if ticket not in self._issued_tickets:
                return _json({"errorText": "Invalid p-ticket"})
            self._issued_tickets.discard(ticket)
        for i, p in enumerate(self._penalties):
            if p.path == path:
                del self._penalties[i]
                p.ticket = f"ticket-{next(self._ids)}"
                self._issued_tickets.add(p.ticket)
                reply: dict[str, Any] = {"p-ticket": p.ticket, "p-time": p.seconds}
                if p.captcha:
                    reply["p-captcha"] = True
                return _json(reply)
        return None

    def _authorized(self, request: web.Request) -> bool:
        header = request.headers.get("Authorization", "")
        token = header.removeprefix("Bearer ")
        expires = self._tokens.get(token)
        return header.startswith("Bearer ") and expires is not None and self.clock() < expires

    def _issue(self) -> dict[str, Any]:
        token = f"token-{next(self._ids)}"
        expires = self.clock() + self.token_lifetime
        self._tokens[token] = expires
        return {
            "accessToken": token,
            "mdAccessToken": f"md-{token}",
            "expirationTime": _iso(expires),
            "userStatus": "Active",
            "userId": 7,
            "name": self.username,
            "hasLive": False,
        }

    # --- handlers ---------------------------------------------------------------------------------

    async def _token_request(self, request: web.Request) -> web.Response:
        body = request[BODY]
        wanted = {"name": self.username, "password": self.password, "sec": self.sec}
        missing = [k for k in ("appId", "appVersion", "cid") if k not in body]
        if missing:
            return _json({"errorText": f"missing {', '.join(missing)}"})
        if any(body.get(k) != v for k, v in wanted.items()):
            return _json({"errorText": BAD_LOGIN})
        self.logins += 1
        return _json(self._issue())

    async def _renew(self, request: web.Request) -> web.Response:
        old = request.headers["Authorization"].removeprefix("Bearer ")
        self._tokens.pop(old, None)
        self.renewals += 1
        return _json(self._issue())

    async def _accounts(self, request: web.Request) -> web.Response:
        return _json(
            [
                {"id": i, "name": n, "userId": 7, "accountType": "Customer", "active": True}
                for n, i in self.accounts.items()
            ]
        )

    async def _contract_find(self, request: web.Request) -> web.Response:
        name = request.query.get("name", "")
        if name not in self.contracts:
            return web.Response(status=404, text="Not found")
        return _json({"id": self.contracts[name], "name": name, "contractMaturityId": 1})

    async def _contract_items(self, request: web.Request) -> web.Response:
        ids = {int(i) for i in request.query.get("ids", "").split(",") if i}
        return _json([{"id": i, "name": n} for n, i in self.contracts.items() if i in ids])

    async def _place_order(self, request: web.Request) -> web.Response:
        body = request[BODY]
        problem = self._check_order(body)
        if problem:
            return _json({"errorText": problem}, status=400)
        if self._rejections:
            reason, text = self._rejections.pop(0)
            return _json({"failureReason": reason, "failureText": text})
        order_id = self._execute(
            int(body["accountId"]), body["symbol"], body["action"], int(body["orderQty"])
        )
        return _json({"orderId": order_id})

    def _check_order(self, body: Any) -> str | None:
        if not isinstance(body, dict):
            return "a JSON body is required"
        need = ("accountSpec", "accountId", "action", "symbol", "orderQty", "orderType")
        missing = [k for k in need if k not in body]
        if missing:
            return f"missing {', '.join(missing)}"
        if body["action"] not in ("Buy", "Sell") or body["orderType"] != "Market":
            return "action must be Buy or Sell; this fake takes Market orders"
        if body.get("isAutomated") is not True:
            return "isAutomated must be true for an order placed by a program"
        if body["accountId"] not in self.accounts.values():
            return "unknown account"
        if self.accounts.get(body["accountSpec"]) != body["accountId"]:
            return "accountSpec does not name accountId"
        if body["symbol"] not in self.contracts:
            return f"unknown symbol {body['symbol']}"
        if not isinstance(body["orderQty"], int) or body["orderQty"] <= 0:
            return "orderQty must be a positive whole number"
        return None

    def _execute(self, account_id: int, symbol: str, action: str, qty: int) -> int:
        order_id = next(self._ids)
        contract_id = self.contracts[symbol]
        now = _iso(self.clock())
        self.orders.append(
            {"id": order_id, "accountId": account_id, "contractId": contract_id,
             "timestamp": now, "action": action, "ordStatus": "Filled", "admin": False}
        )  # fmt: skip
        parts = self.fill_parts or [qty]
        assert sum(parts) == qty, "fill_parts must add up to the order's quantity"
        for part in parts:
            self.fills.append(
                {"id": next(self._ids), "orderId": order_id, "contractId": contract_id,
                 "timestamp": now, "tradeDate": {"year": 2026, "month": 12, "day": 8},
                 "action": action, "qty": part, "price": self.prices.get(symbol, Decimal(100)),
                 "active": True, "finallyPaired": 0}
            )  # fmt: skip
        key = (account_id, contract_id)
        self.positions[key] = self.positions.get(key, 0) + (qty if action == "Buy" else -qty)
        return order_id

    async def _liquidate(self, request: web.Request) -> web.Response:
        body = request[BODY]
        if body.get("admin") is not False:
            return _json({"errorText": "admin must be false"}, status=400)
        key = (int(body.get("accountId", 0)), int(body.get("contractId", 0)))
        net = self.positions.get(key, 0)
        symbol = next((n for n, i in self.contracts.items() if i == key[1]), None)
        if symbol is None:
            return _json({"errorText": "unknown contract"}, status=400)
        if net == 0:
            return _json({"failureReason": "UnknownReason", "failureText": "No position"})
        order_id = self._execute(key[0], symbol, "Sell" if net > 0 else "Buy", abs(net))
        return _json({"orderId": order_id})

    async def _positions(self, request: web.Request) -> web.Response:
        return _json(
            [
                {"id": n, "accountId": a, "contractId": c, "timestamp": _iso(self.clock()),
                 "tradeDate": {"year": 2026, "month": 12, "day": 8}, "netPos": net,
                 "netPrice": self.prices.get(self._name(c)), "bought": 0, "boughtValue": 0,
                 "sold": 0, "soldValue": 0, "prevPos": 0}
                for n, ((a, c), net) in enumerate(sorted(self.positions.items()), 1)
            ]
        )  # fmt: skip

    def _name(self, contract_id: int) -> str:
        return next(n for n, i in self.contracts.items() if i == contract_id)

    async def _fills(self, request: web.Request) -> web.Response:
        return _json(self.fills)

    async def _orders(self, request: web.Request) -> web.Response:
        return _json(self.orders)
