"""The order sender against local fake bridges: each order reaches its bridge once in its shape;
a refusal carries the bridge's message; a hang or a 5xx is unknown and never sent again by
itself; a bridge that is down is retried until it is back (then sent once) or given up on;
after a stop, `sent` orders are unknown and queued ones are delivered once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal as D

import httpx
import pytest
from fakes.fake_bridges import (
    CT_ACCOUNT,
    CT_KEY,
    HOOK_TOKEN,
    PMT_ACCOUNT,
    PMT_TOKEN,
    FakeBridge,
)

from tmtui.core.orders.intents import Effect, OrderAction, OrderIntent, Reason
from tmtui.core.orders.routing import Route, RouteKind
from tmtui.core.orders.states import Order, OrderChanged, OrderRefusal, OrderState
from tmtui.services.order_sender import Backoff, OrderSender

T0 = datetime(2025, 6, 2, 14, 30, tzinfo=UTC)
FAST = Backoff(first=0.05, factor=2.0, cap=0.2)
TEMPLATE = '{"symbol": "{{ticker}}", "side": "{{action}}", "qty": {{qty}}, "who": "{{strategy}}"}'


class MemoryStore:
    """The outbox in memory: what the ledger will hold, one row per order."""

    def __init__(self, orders: Sequence[Order] = ()) -> None:
        self.orders: dict[int, Order] = {o.id: o for o in orders}

    def add(self, order: Order) -> Order:
        self.orders[order.id] = order
        return order

    async def unfinished(self) -> Sequence[Order]:
        return [self.orders[i] for i in sorted(self.orders) if self.orders[i].pending]

    async def get(self, order_id: int) -> Order | None:
        return self.orders.get(order_id)

    async def update(self, order: Order) -> None:
        self.orders[order.id] = order


class Changes:
    """Every published change, with a wait on a condition over them (deadline, no sleeps)."""

    def __init__(self) -> None:
        self.events: list[OrderChanged] = []
        self._changed = asyncio.Event()

    def __call__(self, change: OrderChanged) -> None:
        self.events.append(change)
        self._changed.set()

    def states(self, order_id: int) -> list[OrderState]:
        return [e.order.state for e in self.events if e.order.id == order_id]

    def last(self, order_id: int) -> Order:
        return [e.order for e in self.events if e.order.id == order_id][-1]

    async def wait_for(self, condition: Callable[[], bool], timeout: float = 10.0) -> None:
        async with asyncio.timeout(timeout):
            while not condition():
                self._changed.clear()
                await self._changed.wait()

    async def until_final(self, order_id: int, *states: OrderState) -> Order:
        wanted = states or (OrderState.ACCEPTED, OrderState.REJECTED, OrderState.UNKNOWN)

        def done() -> bool:
            found = [e.order for e in self.events if e.order.id == order_id]
            return bool(found) and found[-1].state in wanted and not found[-1].pending

        await self.wait_for(done)
        return self.last(order_id)


def route_for(bridge: FakeBridge, name: str, **extra: float) -> Route:
    kind = RouteKind(bridge.kind)
    secrets = {
        RouteKind.PICKMYTRADE: {"token": PMT_TOKEN, "account_id": PMT_ACCOUNT},
        RouteKind.CROSSTRADE: {"key": CT_KEY, "account": CT_ACCOUNT},
        RouteKind.WEBHOOK: {"template": TEMPLATE},
    }.get(kind, {})
    return Route(name, kind, bridge.url, **secrets, **extra)  # type: ignore[arg-type]


def order(
    order_id: int,
    route: str,
    kind: RouteKind,
    *,
    action: OrderAction = OrderAction.BUY,
    qty: int = 1,
    effect: Effect = Effect.OPEN,
    held: int = 0,
    state: OrderState = OrderState.QUEUED,
    follows: int | None = None,
    strategy: str = "ORB",
) -> Order:
    intent = OrderIntent(
        strategy, "MNQ", "CME_MINI:MNQ1!", action, qty, effect, held, Reason.SIGNAL, 7, D("21000")
    )
    return Order(order_id, route, kind, intent, T0, state=state, follows=follows)


@pytest.fixture
async def bridges() -> AsyncIterator[dict[str, FakeBridge]]:
    found = {
        kind: FakeBridge(kind) for kind in ("traderspost", "pickmytrade", "crosstrade", "webhook")
    }
    for bridge in found.values():
        await bridge.start()
    yield found
    for bridge in found.values():
        await bridge.stop()


@pytest.fixture
def changes() -> Changes:
    return Changes()


@pytest.fixture
async def loopback() -> AsyncIterator[httpx.AsyncClient]:
    """A client that ignores proxy settings of the machine running the tests."""
    async with httpx.AsyncClient(trust_env=False, follow_redirects=False) as client:
        yield client


SenderFor = Callable[[MemoryStore, Sequence[Route]], OrderSender]


@pytest.fixture
def sender_for(changes: Changes, loopback: httpx.AsyncClient) -> SenderFor:
    def make(store: MemoryStore, routes: Sequence[Route]) -> OrderSender:
        routes_by_name = {r.name: r for r in routes}
        return OrderSender(store, routes_by_name, changes, client=loopback, backoff=FAST)

    return make


async def test_each_bridge_gets_its_order_once_in_its_shape(
    bridges: dict[str, FakeBridge], changes: Changes, sender_for: SenderFor
) -> None:
    routes = [route_for(bridges[k], k[:4]) for k in bridges]
    store = MemoryStore()
    sender = sender_for(store, routes)
    await sender.start()
    try:
        for number, route in enumerate(routes, start=1):
            sender.enqueue(store.add(order(number, route.name, route.kind, qty=2)))
        finals = [await changes.until_final(n) for n in range(1, 5)]
    finally:
        await sender.stop()
    assert [o.state for o in finals] == [OrderState.ACCEPTED] * 4
    assert all(o.bridge_id for o in finals)
    for number in range(1, 5):
        assert changes.states(number) == [OrderState.SENT, OrderState.ACCEPTED]
    assert [len(b.received) for b in bridges.values()] == [1, 1, 1, 1]
    tp = bridges["traderspost"].received[0].json
    assert (tp["ticker"], tp["action"], tp["quantity"]) == ("MNQ1!", "buy", 2)
    assert tp["time"] == T0.isoformat()  # when the order was made, not when it went out
    pmt = bridges["pickmytrade"].received[0].json
    assert (pmt["symbol"], pmt["data"], pmt["quantity"], pmt["token"]) == (
        "MNQ1!",
        "buy",
        2,
        PMT_TOKEN,
    )
    ct = bridges["crosstrade"].received[0]
    assert ct.content_type == "text/plain"
    assert ct.pairs["command"] == "PLACE" and ct.pairs["qty"] == "2"
    assert bridges["webhook"].received[0].json == {
        "symbol": "MNQ1!",
        "side": "buy",
        "qty": 2,
        "who": "ORB",
    }
    assert store.orders[1].sent_at is not None and store.orders[1].answered_at is not None


async def test_a_refusal_carries_the_bridges_own_message(
    bridges: dict[str, FakeBridge], changes: Changes, sender_for: SenderFor
) -> None:
    bridges["traderspost"].mode = "reject"
    bridges["crosstrade"].mode = "reject"
    tp, ct = route_for(bridges["traderspost"], "tp"), route_for(bridges["crosstrade"], "ct")
    store = MemoryStore([order(1, "tp", tp.kind), order(2, "ct", ct.kind)])
    sender = sender_for(store, [tp, ct])
    await sender.start()
    try:
        rejected_tp = await changes.until_final(1)
        rejected_ct = await changes.until_final(2)
    finally:
        await sender.stop()
    assert rejected_tp.state is OrderState.REJECTED
    assert rejected_tp.message == "400 ticker-does-not-exist: The ticker MNQ1! does not exist."
    assert rejected_ct.message == "400 invalid_account: Account Sim101 not found"
    assert rejected_tp.needs_trader


async def test_a_hang_is_unknown_and_never_sent_again_by_itself(
    bridges: dict[str, FakeBridge], changes: Changes, sender_for: SenderFor
) -> None:
    bridge = bridges["traderspost"]
    bridge.mode = "hang"
    tp = route_for(bridge, "tp", timeout=0.3)
    store = MemoryStore([order(1, "tp", tp.kind)])
    sender = sender_for(store, [tp])
    await sender.start()
    try:
        unknown = await changes.until_final(1)
        assert unknown.state is OrderState.UNKNOWN
        assert "no answer within 0.3 s" in unknown.message
        bridge.mode = "ok"  # the bridge is back: the next order goes, the unknown one does not
        sender.enqueue(store.add(order(2, "tp", tp.kind, strategy="Other")))
        assert (await changes.until_final(2)).state is OrderState.ACCEPTED
    finally:
        await sender.stop()
    assert len(bridge.received) == 2
    assert [r.json["extras"]["tmtui_order"] for r in bridge.received] == [1, 2]
    assert changes.states(1) == [OrderState.SENT, OrderState.UNKNOWN]


async def test_a_5xx_is_unknown_and_sent_once(
    bridges: dict[str, FakeBridge], changes: Changes, sender_for: SenderFor
) -> None:
    bridge = bridges["pickmytrade"]
    bridge.mode = "error"
    pmt = route_for(bridge, "pmt")
    store = MemoryStore([order(1, "pmt", pmt.kind)])
    sender = sender_for(store, [pmt])
    await sender.start()
    try:
        unknown = await changes.until_final(1)
        await asyncio.wait_for(sender.drained(), 10)
    finally:
        await sender.stop()
    assert unknown.state is OrderState.UNKNOWN
    assert unknown.message.startswith("500 <html><body>Internal Server Error</body></html>")
    assert len(bridge.received) == 1


async def test_a_bridge_that_is_down_is_retried_then_sent_once_when_back(
    bridges: dict[str, FakeBridge], changes: Changes, sender_for: SenderFor
) -> None:
    bridge = bridges["crosstrade"]
    ct = route_for(bridge, "ct", give_up_after=60)
    await bridge.stop()
    store = MemoryStore()
    sender = sender_for(store, [ct])
    await sender.start()
    try:
        sender.enqueue(store.add(order(1, "ct", ct.kind)))
        await changes.wait_for(lambda: changes.states(1).count(OrderState.FAILED) >= 2)
        retrying = changes.last(1)
        assert retrying.pending and "could not reach the bridge" in retrying.message
        await bridge.start()
        accepted = await changes.until_final(1)
    finally:
        await sender.stop()
    assert accepted.state is OrderState.ACCEPTED
    assert len(bridge.received) == 1
    assert accepted.attempts >= 3
    sent_lines = [e.line for e in changes.events if e.order.state is OrderState.SENT]
    assert "attempt 2" in sent_lines[1]
    assert len({e.order.message for e in changes.events if e.order.retrying}) >= 2


async def test_a_bridge_down_too_long_is_given_up_on(
    bridges: dict[str, FakeBridge], changes: Changes, sender_for: SenderFor
) -> None:
    bridge = bridges["webhook"]
    hook = route_for(bridge, "hook", give_up_after=0.2)
    await bridge.stop()
    store = MemoryStore([order(1, "hook", hook.kind)])
    sender = sender_for(store, [hook])
    await sender.start()
    try:
        failed = await changes.until_final(1, OrderState.FAILED)
    finally:
        await sender.stop()
    assert not failed.pending and failed.needs_trader
    assert "gave up after" in failed.message
    assert store.orders[1] == failed


async def test_after_a_restart_sent_is_unknown_and_queued_or_retrying_go_once(
    bridges: dict[str, FakeBridge], changes: Changes, sender_for: SenderFor
) -> None:
    bridge = bridges["traderspost"]
    tp = route_for(bridge, "tp")
    kind = tp.kind
    store = MemoryStore(
        [
            order(1, "tp", kind, state=OrderState.SENT),
            order(2, "tp", kind, strategy="B"),
            replace(order(3, "tp", kind, strategy="C"), state=OrderState.FAILED, retrying=True),
            order(4, "tp", kind, state=OrderState.ACCEPTED, strategy="D"),
        ]
    )
    sender = sender_for(store, [tp])
    await sender.start()
    try:
        finals = [await changes.until_final(n) for n in (1, 2, 3)]
        await asyncio.wait_for(sender.drained(), 10)
    finally:
        await sender.stop()
    assert [o.state for o in finals] == [
        OrderState.UNKNOWN,
        OrderState.ACCEPTED,
        OrderState.ACCEPTED,
    ]
    assert "tmtui stopped before the bridge answered" in finals[0].message
    assert [r.json["extras"]["tmtui_order"] for r in bridge.received] == [2, 3]
    assert 4 not in {e.order.id for e in changes.events}


async def test_a_stop_leaves_queued_orders_for_the_next_start_and_in_flight_ones_unknown(
    bridges: dict[str, FakeBridge], changes: Changes, sender_for: SenderFor
) -> None:
    bridge = bridges["traderspost"]
    bridge.mode = "hang"
    tp = route_for(bridge, "tp", timeout=30)
    store = MemoryStore([order(1, "tp", tp.kind), order(2, "tp", tp.kind, strategy="B")])
    first = sender_for(store, [tp])
    await first.start()
    await bridge.wait_received(1)
    await first.stop()  # order 1 in flight, order 2 still queued behind it
    assert store.orders[1].state is OrderState.UNKNOWN
    assert store.orders[2].state is OrderState.QUEUED
    bridge.mode = "ok"
    second = sender_for(store, [tp])
    await second.start()
    try:
        assert (await changes.until_final(2)).state is OrderState.ACCEPTED
    finally:
        await second.stop()
    assert [r.json["extras"]["tmtui_order"] for r in bridge.received] == [1, 2]


async def test_only_the_trader_resends_and_dismisses(
    bridges: dict[str, FakeBridge], changes: Changes, sender_for: SenderFor
) -> None:
    bridge = bridges["traderspost"]
    bridge.mode = "error"
    tp = route_for(bridge, "tp")
    store = MemoryStore([order(1, "tp", tp.kind)])
    sender = sender_for(store, [tp])
    await sender.start()
    try:
        assert (await changes.until_final(1)).state is OrderState.UNKNOWN
        bridge.mode = "ok"
        resent = await sender.resend(1)
        assert resent.state is OrderState.QUEUED
        accepted = await changes.until_final(1, OrderState.ACCEPTED)
        with pytest.raises(OrderRefusal, match="order 1 is accepted"):
            await sender.resend(1)
        with pytest.raises(OrderRefusal, match="nothing to dismiss"):
            await sender.dismiss(1)
        with pytest.raises(OrderRefusal, match="no order 9"):
            await sender.resend(9)
        bridge.mode = "reject"
        sender.enqueue(store.add(order(2, "tp", tp.kind, strategy="B")))
        await changes.until_final(2)
        dismissed = await sender.dismiss(2)
    finally:
        await sender.stop()
    assert accepted.attempts == 2
    assert [r.json["extras"]["tmtui_order"] for r in bridge.received] == [1, 1, 2]
    assert dismissed.dismissed and not dismissed.needs_trader
    assert changes.last(2).dismissed


async def test_the_entry_of_a_reversal_waits_for_its_exit(
    bridges: dict[str, FakeBridge], changes: Changes, sender_for: SenderFor
) -> None:
    bridge = bridges["traderspost"]
    bridge.mode = "reject"
    tp = route_for(bridge, "tp")
    kind = tp.kind
    exit_first = order(1, "tp", kind, action=OrderAction.EXIT, qty=2, effect=Effect.CLOSE, held=2)
    entry = order(2, "tp", kind, action=OrderAction.SELL, follows=1)
    store = MemoryStore([exit_first, entry])
    sender = sender_for(store, [tp])
    await sender.start()
    try:
        assert (await changes.until_final(1)).state is OrderState.REJECTED
        held_back = await changes.until_final(2, OrderState.FAILED)
        bridge.mode = "ok"
        sender.enqueue(store.add(replace(exit_first, id=3, state=OrderState.QUEUED)))
        sender.enqueue(store.add(replace(entry, id=4, follows=3)))
        assert (await changes.until_final(4)).state is OrderState.ACCEPTED
    finally:
        await sender.stop()
    assert held_back.message == "not sent: it follows order 1, which ended rejected"
    actions = [(r.json["action"], r.json["extras"]["tmtui_order"]) for r in bridge.received]
    assert actions == [("exit", 1), ("exit", 3), ("sell", 4)]


async def test_orders_of_one_route_go_in_order_and_no_secret_is_ever_shown(
    bridges: dict[str, FakeBridge], changes: Changes, sender_for: SenderFor
) -> None:
    routes = [route_for(b, b.kind) for b in bridges.values()]
    store = MemoryStore()
    sender = sender_for(store, routes)
    await sender.start()
    try:
        for number in range(1, 6):
            sender.enqueue(
                store.add(
                    order(number, "traderspost", RouteKind.TRADERSPOST, strategy=f"S{number}")
                )
            )
        bridges["crosstrade"].mode = "reject"
        sender.enqueue(store.add(order(6, "crosstrade", RouteKind.CROSSTRADE)))
        await bridges["pickmytrade"].stop()
        sender.enqueue(store.add(order(7, "pickmytrade", RouteKind.PICKMYTRADE)))
        await changes.wait_for(lambda: OrderState.FAILED in changes.states(7))
        for number in range(1, 7):
            await changes.until_final(number)
    finally:
        await sender.stop()
    assert [r.json["extras"]["tmtui_order"] for r in bridges["traderspost"].received] == [
        1,
        2,
        3,
        4,
        5,
    ]
    shown = "\n".join(e.line for e in changes.events)
    for route in routes:
        for secret in route.secrets:
            assert secret not in shown
    assert CT_KEY not in shown and HOOK_TOKEN not in shown and PMT_TOKEN not in shown
