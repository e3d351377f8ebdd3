"""Delivering queued orders to their bridges, each exactly once or visibly not at all.

The engine writes an order to the outbox in the same transaction as its signal, then hands
it to `OrderSender.enqueue` after the commit; the webhook's reply never waits for a bridge.
Orders of one route go out one at a time, oldest first, so an exit never overtakes its
entry. Each order is marked `sent` in the store *before* its request leaves, then:

* accepted / rejected: final, as the bridge said;
* unknown (no answer in time, a 5xx, a broken connection): final. It is never sent again by
  itself, since a second send could double the position; only `resend` (the trader's) does;
* failed (the bridge could not be reached, nothing went out): retried with exponential
  backoff until the route's `give_up_after`, then final.

After a stop or crash, `start` turns every order still `sent` into `unknown` (it may have
reached the broker) and delivers the `queued` and retrying ones once. Every change is saved,
then published to `on_change` as an `OrderChanged` (one line each for the log and
`--headless`). Messages carry no secret: `tmtui.core.orders.bridge_protocol` redacts them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Final, Protocol

import httpx

from tmtui.core.formatting import seconds_text
from tmtui.core.orders.bridge_protocol import (
    answer_for_broken_reply,
    answer_for_reply,
    answer_for_silence,
    answer_for_unreachable,
    build_request,
)
from tmtui.core.orders.redaction import redact
from tmtui.core.orders.request_shape import BridgeRequest
from tmtui.core.orders.routing import Route
from tmtui.core.orders.states import (
    RESENDABLE,
    Answer,
    Order,
    OrderChanged,
    OrderRefusal,
    OrderState,
)

log = logging.getLogger(__name__)

MAX_REPLY_CHARS: Final = 65536
STOPPED: Final = (
    "tmtui stopped before the bridge answered; the order may or may not be at the broker: "
    "check there, then resend or dismiss"
)


class OrderStore(Protocol):
    """Where orders live (the ledger's outbox). Every method is one small read or write."""

    async def unfinished(self) -> Sequence[Order]:
        """Orders queued, sent, or failed with retries to come; oldest (lowest id) first."""
        ...

    async def get(self, order_id: int) -> Order | None:
        """One order in its last saved state."""
        ...

    async def update(self, order: Order) -> None:
        """Save an order's new state (its state, message, bridge id, times, attempts...)."""
        ...


OrderListener = Callable[[OrderChanged], None]


class DirectLane(Protocol):
    """A route that sends its orders itself (a Tradovate route's link), not as one HTTP post
    to a bridge: one attempt's answer; `failed` unless `final` is retried like a bridge
    that could not be reached."""

    async def send(self, order: Order) -> Answer: ...


@dataclass(frozen=True, slots=True)
class Backoff:
    """Seconds between attempts at an unreachable bridge: first, ×factor, at most cap."""

    first: float = 1.0
    factor: float = 2.0
    cap: float = 30.0

    def delay(self, attempt: int) -> float:
        """The wait after the `attempt`-th failed attempt (1-based)."""
        return float(min(self.cap, self.first * self.factor ** max(0, attempt - 1)))


def utc_now() -> datetime:
    return datetime.now(UTC)


class OrderSender:
    """One lane per route, each delivering its orders in order; see the module docstring."""

    def __init__(
        self,
        store: OrderStore,
        routes: Mapping[str, Route],
        on_change: OrderListener,
        *,
        client: httpx.AsyncClient | None = None,
        backoff: Backoff | None = None,
        clock: Callable[[], datetime] = utc_now,
        direct: Mapping[str, DirectLane] | None = None,
    ) -> None:
        self.store = store
        self.routes = dict(routes)
        self.direct = dict(direct or {})
        self.on_change = on_change
        self.backoff = backoff or Backoff()
        self.clock = clock
        # proxies from the environment apply, as for the feeds; redirects are not followed (a
        # POST that moved is reported as refused rather than repeated somewhere else)
        self._client = client or httpx.AsyncClient(follow_redirects=False)
        self._owns_client = client is None
        self._queues: dict[str, asyncio.Queue[Order]] = {}
        self._workers: dict[str, asyncio.Task[None]] = {}
        self._states: dict[int, OrderState] = {}
        self._waiting: set[int] = set()
        self._idle = asyncio.Event()
        self._idle.set()
        self._started = False

    # --- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Settle what a previous run left: `sent` → unknown; queued/retrying → delivered."""
        self._started = True
        for name, queue in self._queues.items():
            self._spawn(name, queue)
        for order in await self.store.unfinished():
            if order.state is OrderState.SENT:
                await self._settle(order, Answer(OrderState.UNKNOWN, STOPPED))
            else:
                self.enqueue(order)

    async def stop(self) -> None:
        """Stop delivering; safe to call twice. An order in flight ends unknown."""
        self._started = False
        workers = list(self._workers.values())
        self._workers.clear()
        for task in workers:
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        if self._owns_client:
            await self._client.aclose()

    def enqueue(self, order: Order) -> None:
        """Deliver an order already saved in the store (call after its commit).

        An order already waiting or being delivered is not queued twice.
        """
        if order.id in self._waiting:
            return
        self._states[order.id] = order.state
        queue = self._queues.setdefault(order.route, asyncio.Queue())
        queue.put_nowait(order)
        self._waiting.add(order.id)
        self._idle.clear()
        if self._started:
            self._spawn(order.route, queue)

    def _spawn(self, name: str, queue: asyncio.Queue[Order]) -> None:
        if name not in self._workers:
            self._workers[name] = asyncio.create_task(
                self._lane(name, queue), name=f"orders {name}"
            )

    def busy(self) -> bool:
        """Any order waiting or being delivered."""
        return bool(self._waiting)

    async def drained(self) -> None:
        """Until no order is waiting or being delivered (for a graceful stop, and tests)."""
        await self._idle.wait()

    # --- the trader's decisions --------------------------------------------------------------

    async def resend(self, order_id: int) -> Order:
        """Send a rejected, unknown or given-up order again, because the trader said so."""
        order = await self._get(order_id)
        if order.pending or order.state not in RESENDABLE:
            raise OrderRefusal(
                f"order {order_id} is {order.state}: only a rejected, unknown or failed order "
                "can be resent"
            )
        queued = replace(
            order,
            state=OrderState.QUEUED,
            follows=None,
            message="resent by the trader",
            answered_at=None,
            retrying=False,
            dismissed=False,
        )
        await self._save(queued, order.state)
        self.enqueue(queued)
        return queued

    async def dismiss(self, order_id: int) -> Order:
        """The trader has dealt with a finished, unaccepted order: stop showing it loudly."""
        order = await self._get(order_id)
        if order.pending or order.state is OrderState.ACCEPTED:
            raise OrderRefusal(f"order {order_id} is {order.state}: nothing to dismiss")
        dismissed = replace(order, dismissed=True)
        await self._save(dismissed, order.state)
        return dismissed

    async def _get(self, order_id: int) -> Order:
        order = await self.store.get(order_id)
        if order is None:
            raise OrderRefusal(f"no order {order_id}")
        return order

    # --- delivery ----------------------------------------------------------------------------

    async def _lane(self, name: str, queue: asyncio.Queue[Order]) -> None:
        while True:
            order = await queue.get()
            try:
                await self._deliver(order)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a store failure must not end the lane
                log.error("order %s on route %s: %s", order.id, name, type(exc).__name__)
            finally:
                self._waiting.discard(order.id)
                if not self._waiting:
                    self._idle.set()

    async def _deliver(self, order: Order) -> None:
        route = self.routes.get(order.route)
        if route is None:
            message = f"not sent: route {order.route} is no longer configured"
            await self._settle(order, Answer(OrderState.FAILED, message))
            return
        if order.follows is not None:
            before = await self._state_of(order.follows)
            if before is not OrderState.ACCEPTED:
                message = f"not sent: it follows order {order.follows}, which ended {before}"
                await self._settle(order, Answer(OrderState.FAILED, message))
                return
        await self._attempts(route, order)

    async def _attempts(self, route: Route, order: Order) -> None:
        """Send until answered, or until an unreachable bridge has been tried long enough."""
        loop = asyncio.get_running_loop()
        started = loop.time()
        attempt = 0
        while True:
            attempt += 1
            lane = self.direct.get(route.name)
            request: BridgeRequest | None = None
            if lane is None:  # a bridge: its request, built just before it goes out
                try:
                    request = build_request(route, order.intent, order.id, order.created)
                except ValueError as exc:
                    reason = redact(str(exc), route.secrets)
                    await self._settle(order, Answer(OrderState.FAILED, f"not sent: {reason}"))
                    return
            order = await self._mark_sent(order)
            if lane is not None:
                sending = lane.send(order)
            else:
                assert request is not None
                sending = self._post(route, request)
            answer = await self._unless_stopped(sending, order)
            if answer.state is not OrderState.FAILED or answer.final:
                await self._settle(order, answer)
                return
            delay = self.backoff.delay(attempt)
            elapsed = loop.time() - started
            if elapsed + delay > route.give_up_after:
                took = seconds_text(elapsed, 0)
                gave_up = f"{answer.message}; gave up after {attempt} attempts in {took} s"
                await self._settle(order, Answer(OrderState.FAILED, gave_up))
                return
            retry = f"{answer.message}; attempt {attempt + 1} in {delay:g} s"
            order = await self._settle(order, Answer(OrderState.FAILED, retry), retrying=True)
            await asyncio.sleep(delay)

    async def _mark_sent(self, order: Order) -> Order:
        attempts = order.attempts + 1
        sent = replace(
            order,
            state=OrderState.SENT,
            sent_at=self.clock(),
            attempts=attempts,
            retrying=False,
            message="" if attempts == 1 else f"attempt {attempts}",
        )
        await self._save(sent, order.state)
        return sent

    async def _unless_stopped(self, sending: Awaitable[Answer], order: Order) -> Answer:
        """The answer to one request; a stop while it is in flight leaves the order unknown."""
        try:
            return await sending
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                await self._settle(order, Answer(OrderState.UNKNOWN, STOPPED))
            raise

    async def _post(self, route: Route, request: BridgeRequest) -> Answer:
        headers = {"Content-Type": request.content_type, "User-Agent": "tmtui"}
        try:
            async with asyncio.timeout(route.timeout * 3):
                response = await self._client.post(
                    request.url,
                    content=request.body,
                    headers=headers,
                    timeout=httpx.Timeout(route.timeout),
                )
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            return answer_for_unreachable(route, _reason(exc))
        except (httpx.TimeoutException, TimeoutError):
            return answer_for_silence(route)
        except httpx.HTTPError as exc:
            return answer_for_broken_reply(route, _reason(exc))
        return answer_for_reply(route, response.status_code, response.text[:MAX_REPLY_CHARS])

    # --- saving and publishing ---------------------------------------------------------------

    async def _settle(self, order: Order, answer: Answer, *, retrying: bool = False) -> Order:
        settled = replace(
            order,
            state=answer.state,
            message=answer.message,
            bridge_id=answer.bridge_id,
            answered_at=self.clock(),
            retrying=retrying,
        )
        await self._save(settled, order.state)
        return settled

    async def _save(self, order: Order, previous: OrderState | None) -> None:
        await self.store.update(order)
        self._states[order.id] = order.state
        try:
            self.on_change(OrderChanged(order, previous))
        except Exception as exc:  # a broken subscriber must not stop deliveries
            log.error("order %s: change subscriber failed: %s", order.id, type(exc).__name__)

    async def _state_of(self, order_id: int) -> OrderState | None:
        if order_id in self._states:
            return self._states[order_id]
        found = await self.store.get(order_id)
        return found.state if found else None


def _reason(exc: Exception) -> str:
    """An exception as a short reason: its text, or its class when it has none."""
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
