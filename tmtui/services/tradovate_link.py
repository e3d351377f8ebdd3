"""One Tradovate route's connection: its orders, its liquidations, and what the broker holds.

The order sender hands a Tradovate route's orders to `send` instead of posting to a bridge;
what Tradovate answered becomes the order's state:

* `{orderId}` → accepted, the order id as the order's bridge id (reconciliation links the
  broker's fills to the signal by it);
* `{failureReason, failureText}`, or a 4xx → rejected, with the broker's own text;
* the request never reached Tradovate (`TradovateUnreachable`), or Tradovate refused it
  for too many requests (429s, penalty tickets sat out until the session gives up) → failed,
  retried with the sender's backoff until the route's `give_up_after`;
* sent without a usable answer (`TradovateNoAnswer`, an unreadable reply) → unknown: never
  sent again by itself;
* the login refused (`TradovateAuthError`), no such account, no contract month → failed for
  good: retrying would not help, and logins are limited to a few an hour.

Orders and liquidations go one at a time (a lock), so `F`'s liquidation of every contract the
account holds and the strategies' own flatten orders never both close the same position.
Every message is one line with the password, `sec` and token masked.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Final

from tmtui.core.broker.fills import BrokerFill
from tmtui.core.broker.tradovate_records import OrderResult, TradovateAccount
from tmtui.core.models import UnknownContract
from tmtui.core.orders.redaction import redact
from tmtui.core.orders.routing import Route
from tmtui.core.orders.states import Answer, Order, OrderState
from tmtui.core.orders.tradovate_route import TradovateOrder, is_contract_of, tradovate_order
from tmtui.services.tradovate_client import (
    TradovateAuthError,
    TradovateClient,
    TradovateCredentials,
    TradovateError,
    TradovateNoAnswer,
    TradovateRateLimited,
    TradovateUnreachable,
)
from tmtui.services.tradovate_session import TradovateRefused

CHECK_BROKER: Final = (
    "the order may or may not be at the broker: check there, then resend or dismiss"
)


@dataclass(frozen=True, slots=True)
class BrokerSnapshot:
    """What the account holds (net per contract name, flat ones left out) and its fills."""

    positions: Mapping[str, int] = field(default_factory=dict)
    fills: tuple[BrokerFill, ...] = ()


def make_client(route: Route) -> TradovateClient:
    """The route's own login (the password and `sec` stay inside the session)."""
    spec = route.tradovate
    if spec is None:
        raise ValueError(f"route {route.name} is not a Tradovate route")
    credentials = TradovateCredentials(
        spec.username, spec.password, spec.app_id, spec.app_version, spec.cid, spec.sec
    )
    return TradovateClient(
        credentials, env=spec.env, base_url=spec.url or None, timeout=route.timeout
    )


class TradovateLink:
    """A Tradovate route's client, account and contract ids; see the module docstring."""

    def __init__(
        self,
        route: Route,
        *,
        day_of: Callable[[datetime], date],
        client: TradovateClient | None = None,
    ) -> None:
        if route.tradovate is None:
            raise ValueError(f"route {route.name} is not a Tradovate route")
        self.route = route
        self.spec = route.tradovate
        self.day_of = day_of
        self.client = client or make_client(route)
        self._account: TradovateAccount | None = None
        self._ids: dict[str, int] = {}
        self._names: dict[int, str] = {}
        self._lock = asyncio.Lock()

    async def aclose(self) -> None:
        await self.client.aclose()

    def safe(self, text: str) -> str:
        """One line, the route's secrets masked (the session masks them too)."""
        return " ".join(redact(text, self.route.secrets).split())

    # --- orders ------------------------------------------------------------------------------

    async def send(self, order: Order) -> Answer:
        """Place one order (or liquidate its contract for `F`); what came back, as a state."""
        async with self._lock:
            try:
                account = await self.account()
                wanted = tradovate_order(order.intent, self.contract_of(order))
            except UnknownContract as exc:
                return Answer(OrderState.FAILED, f"not sent: {self.safe(str(exc))}", final=True)
            except (TradovateUnreachable, TradovateNoAnswer, TradovateRateLimited) as exc:
                return Answer(OrderState.FAILED, f"not sent: {self.safe(str(exc))}")
            except TradovateError as exc:
                return Answer(OrderState.FAILED, f"not sent: {self.safe(str(exc))}", final=True)
            return await self._placed(account, wanted)

    def contract_of(self, order: Order) -> str:
        """The order's contract month: its own symbol when it names one of its root (the
        desk chose it), else the route's `symbols` or front month of the order's day."""
        intent = order.intent
        if is_contract_of(intent.symbol, intent.root):
            return intent.symbol.upper()
        return self.spec.contract(intent.root, self.day_of(order.created))

    async def _placed(self, account: TradovateAccount, wanted: TradovateOrder) -> Answer:
        try:
            if wanted.liquidate:
                return await self._liquidated(account, wanted.symbol)
            assert wanted.side is not None
            result = await self.client.place_market_order(
                account, wanted.symbol, wanted.side, wanted.qty
            )
        except TradovateAuthError as exc:
            return Answer(OrderState.FAILED, f"not sent: {self.safe(str(exc))}", final=True)
        except (TradovateUnreachable, TradovateRateLimited) as exc:
            return Answer(OrderState.FAILED, self.safe(str(exc)))
        except TradovateRefused as exc:
            return Answer(OrderState.REJECTED, self.safe(str(exc)))
        except TradovateError as exc:  # sent, and no usable answer: NoAnswer, unreadable
            return Answer(OrderState.UNKNOWN, f"{self.safe(str(exc))}; {CHECK_BROKER}")
        return self._answer(result)

    def _answer(self, result: OrderResult) -> Answer:
        if result.accepted:
            return Answer(OrderState.ACCEPTED, "", str(result.order_id))
        if result.failure_reason or result.failure_text:
            return Answer(OrderState.REJECTED, self.safe(result.message))
        return Answer(OrderState.UNKNOWN, f"Tradovate answered no orderId; {CHECK_BROKER}")

    async def _liquidated(self, account: TradovateAccount, symbol: str) -> Answer:
        """`F`: the account's whole position in the contract, unless it is already flat."""
        held = await self._held(account)
        if held.get(symbol, 0) == 0:
            return Answer(OrderState.ACCEPTED, f"the account is flat in {symbol}")
        result = await self.client.liquidate_position(account.id, await self.contract_id(symbol))
        return self._answer(result)

    async def liquidate_all(self) -> list[str]:
        """`F`: liquidate every contract the account holds, so it ends flat; one line each
        (a failure is a line too: the trader must know the account may not be flat)."""
        async with self._lock:
            try:
                account = await self.account()
                held = await self._held(account)
            except TradovateError as exc:
                return [f"{self.route.name}: could not flatten the account: {self.safe(str(exc))}"]
            lines = []
            for symbol, net in sorted(held.items()):
                lines.append(await self._liquidate_line(account, symbol, net))
            return lines or [f"{self.route.name}: the account {account.name} is flat"]

    async def _liquidate_line(self, account: TradovateAccount, symbol: str, net: int) -> str:
        where = f"{self.route.name}: liquidate {symbol} ({net:+d})"
        try:
            answer = self._answer(
                await self.client.liquidate_position(account.id, await self.contract_id(symbol))
            )
        except TradovateError as exc:
            return f"{where}: failed — {self.safe(str(exc))}"
        if answer.state is OrderState.ACCEPTED:
            return f"{where}: accepted (id {answer.bridge_id})"
        return f"{where}: {answer.state} — {answer.message}"

    # --- what the broker holds -----------------------------------------------------------------

    async def account(self) -> TradovateAccount:
        """The route's account, looked up by name once."""
        if self._account is None:
            self._account = await self.client.account(self.spec.account)
        return self._account

    async def contract_id(self, symbol: str) -> int:
        if symbol not in self._ids:
            found = await self.client.find_contract(symbol)
            self._ids[symbol], self._names[found.id] = found.id, found.name
        return self._ids[symbol]

    async def _held(self, account: TradovateAccount) -> dict[str, int]:
        """The account's non-zero nets by contract name (`position/list`)."""
        positions = [p for p in await self.client.positions(account.id) if p.net_pos != 0]
        missing = {p.contract_id for p in positions} - set(self._names)
        if missing:
            for c in (await self.client.contracts(missing)).values():
                self._names[c.id], self._ids[c.name] = c.name, c.id
        held: dict[str, int] = {}
        for p in positions:
            name = self._names.get(p.contract_id, f"#{p.contract_id}")
            held[name] = held.get(name, 0) + p.net_pos
        return held

    async def snapshot(self) -> BrokerSnapshot:
        """The account's positions and fills, read now (the poller's one call)."""
        account = await self.account()
        held = await self._held(account)
        fills = await self.client.fills(account)
        return BrokerSnapshot(held, tuple(fills))
