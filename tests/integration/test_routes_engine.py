"""Routes end to end: the engine with a real ledger sends routed strategies' orders to local
fake bridges (TradersPost, PickMyTrade, CrossTrade) and keeps a paper strategy in its books.

Issue 19's "done when": each routed alert reaches its bridge once in that bridge's shape, the
paper one sends nothing, a close sends the bridge's exit, a daily-loss breach closes at the
bridge too, a rejection shows the bridge's message, an unanswered order reads `unknown` and
is sent exactly once, an order made while the bridge is down is delivered exactly once after
a restart, and no secret shows anywhere. Every wait has a deadline.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import httpx
import pytest
from fakes.fake_bridges import (
    CT_ACCOUNT,
    CT_ID,
    CT_KEY,
    CT_SECRET,
    PMT_ACCOUNT,
    PMT_TOKEN,
    TP_PASSWORD,
    TP_UUID,
    FakeBridge,
)
from helpers import alert, wait_for
from ledger_support import ledger_signals

from tmtui.core.alerts.manual_orders import ManualPrice, PriceSource
from tmtui.core.events import Event, EventKind
from tmtui.core.orders.states import Order, OrderState
from tmtui.core.risk.risk_limits import RiskLimits
from tmtui.frontends.headless import event_line
from tmtui.ledger.store import Ledger
from tmtui.runtime.engine import Engine
from tmtui.runtime.engine_orders import OrderTransport
from tmtui.services.feeds.base import Quote
from tmtui.services.order_sender import Backoff
from tmtui.settings.config import Config, config_from_dict

pytestmark = pytest.mark.timeout(60)

SECRETS = (TP_UUID, TP_PASSWORD, PMT_TOKEN, CT_ID, CT_SECRET, CT_KEY)
FAST = Backoff(first=0.05, factor=2.0, cap=0.2)
T0 = datetime(2026, 3, 3, 14, 0, tzinfo=UTC)  # trading day 2026-03-03 (Chicago)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def tick(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@pytest.fixture
async def bridges() -> AsyncIterator[dict[str, FakeBridge]]:
    found = {"tp": FakeBridge("traderspost"), "pmt": FakeBridge("pickmytrade")}
    found["ct"] = FakeBridge("crosstrade")
    for bridge in found.values():
        await bridge.start()
    yield found
    for bridge in found.values():
        await bridge.stop()


def routed_config(tmp_path: Path, bridges: dict[str, FakeBridge], **route: Any) -> Config:
    """ORB → TradersPost, Trend → PickMyTrade, "Mean Rev" → CrossTrade, Paper on paper."""
    data: dict[str, Any] = {
        "ledger": {"path": str(tmp_path / "ledger.db")},
        "routing": {
            "default": "paper",
            "strategies": {"ORB": "tp", "Trend": "pmt", "Mean Rev": "ct"},
        },
        "routes": {
            "tp": {"kind": "traderspost", "url": bridges["tp"].url, **route},
            "pmt": {
                "kind": "pickmytrade",
                "url": bridges["pmt"].url,
                "token": PMT_TOKEN,
                "account_id": PMT_ACCOUNT,
                **route,
            },
            "ct": {
                "kind": "crosstrade",
                "url": bridges["ct"].url,
                "key": CT_KEY,
                "account": CT_ACCOUNT,
                **route,
            },
        },
    }
    return config_from_dict(data)


class Run:
    """One engine on the ledger, with every event it emitted (as headless prints them)."""

    def __init__(self, engine: Engine, client: httpx.AsyncClient) -> None:
        self.engine = engine
        self.client = client
        self.events: list[Event] = []
        engine.subscribe(self.events.append)

    async def stop(self) -> None:
        await self.engine.stop()
        await self.client.aclose()

    def lines(self) -> list[str]:
        return [event_line(e, "America/Chicago") for e in self.events]

    async def orders(self) -> list[Order]:
        return await self.engine.orders()

    async def until(self, order_id: int, *states: OrderState) -> Order:
        """The order once it is in one of `states` and not retrying."""
        found: dict[str, Order] = {}

        def reached() -> bool:
            router = self.engine.router
            assert router is not None
            for event in self.events:
                if event.kind is EventKind.ORDER and event.data.get("order") == order_id:
                    found["last"] = _order_state(event)
            last = found.get("last")
            return last is not None and last.state in states and not last.retrying

        await wait_for(reached, 10.0, f"order {order_id} to reach {states}")
        (order,) = [o for o in await self.orders() if o.id == order_id]
        return order


def _order_state(event: Event) -> Any:
    class Seen:
        state = OrderState(event.data["state"])
        retrying = "(retrying)" in event.message

    return Seen


async def started(config: Config, clock: Clock, *, risk: RiskLimits | None = None) -> Run:
    if risk is not None:
        config = replace(config, risk=risk)
    client = httpx.AsyncClient(trust_env=False, follow_redirects=False)
    ledger = await Ledger.open(config.ledger.resolved_path())
    engine = Engine(
        config, ledger, clock=clock, sample_interval=3600, orders=OrderTransport(client, FAST)
    )
    run = Run(engine, client)
    await engine.start()
    return run


async def test_each_routed_alert_reaches_its_bridge_once_in_its_shape_and_paper_sends_nothing(
    tmp_path: Path, bridges: dict[str, FakeBridge]
) -> None:
    clock = Clock()
    run = await started(routed_config(tmp_path, bridges), clock)
    engine = run.engine
    await engine.submit_alert(alert("buy", "MNQ1!", 2, "21000", "ORB", received=clock.tick()))
    await engine.submit_alert(alert("sell", "ES1!", 1, "6000", "Trend", received=clock.tick()))
    await engine.submit_alert(alert("buy", "MES1!", 3, "6000", "Mean Rev", received=clock.tick()))
    await engine.submit_alert(alert("buy", "NQ1!", 1, "25000", "Paper", received=clock.tick()))
    for order_id in (1, 2, 3):
        await run.until(order_id, OrderState.ACCEPTED)
    tp, pmt, ct = (bridges[name].received for name in ("tp", "pmt", "ct"))
    assert len(tp) == len(pmt) == len(ct) == 1
    assert tp[0].json["ticker"] == "MNQ1!" and tp[0].json["action"] == "buy"
    assert tp[0].json["quantity"] == 2 and tp[0].json["extras"]["strategy"] == "ORB"
    assert pmt[0].json["data"] == "sell" and pmt[0].json["quantity"] == 1
    assert pmt[0].json["symbol"] == "ES1!" and pmt[0].json["account_id"] == PMT_ACCOUNT
    assert ct[0].content_type == "text/plain"
    assert ct[0].pairs["command"] == "PLACE" and ct[0].pairs["action"] == "BUY"
    assert ct[0].pairs["qty"] == "3" and ct[0].pairs["account"] == CT_ACCOUNT
    orders = await run.orders()
    assert [(o.intent.strategy, o.route, o.state) for o in orders] == [
        ("ORB", "tp", OrderState.ACCEPTED),
        ("Trend", "pmt", OrderState.ACCEPTED),
        ("Mean Rev", "ct", OrderState.ACCEPTED),
    ]  # the paper strategy made no order
    assert all(o.bridge_id for o in orders)
    signals = await ledger_signals(engine.ledger)
    assert [o.intent.signal_id for o in orders] == [s["id"] for s in signals[:3]]
    assert engine.bridge_held(("ORB", "MNQ")) == 2 and engine.bridge_held(("Paper", "NQ")) is None
    states = [line for line in run.lines() if "[order] order 1 " in line]
    assert [line.split(": ")[-1] for line in states] == [
        "queued",
        "sent",
        f"accepted (id {orders[0].bridge_id})",
    ]
    await run.stop()


async def test_closes_send_each_bridges_exit_and_flatten_uses_crosstrades_flatten(
    tmp_path: Path, bridges: dict[str, FakeBridge]
) -> None:
    clock = Clock()
    run = await started(routed_config(tmp_path, bridges), clock)
    engine = run.engine
    await engine.submit_alert(alert("buy", "MNQ1!", 2, "21000", "ORB", received=clock.tick()))
    await engine.submit_alert(alert("sell", "ES1!", 1, "6000", "Trend", received=clock.tick()))
    await engine.submit_alert(alert("buy", "MES1!", 3, "6000", "Mean Rev", received=clock.tick()))
    live = ManualPrice(D("21010"), PriceSource.TYPED)
    await engine.close_position(("ORB", "MNQ"), price=live)  # `c`
    await engine.submit_alert(alert("close", "ES1!", None, "5990", "Trend", received=clock.tick()))
    await engine.flatten({("Mean Rev", "MES"): ManualPrice(D("6001"), PriceSource.TYPED)})
    for order_id in range(1, 7):
        await run.until(order_id, OrderState.ACCEPTED)
    tp, pmt, ct = (bridges[name].received for name in ("tp", "pmt", "ct"))
    assert tp[1].json["action"] == "exit" and tp[1].json["ticker"] == "MNQ1!"
    assert "quantity" not in tp[1].json and tp[1].json["extras"]["reason"] == "close"
    assert pmt[1].json["data"] == "close" and pmt[1].json["symbol"] == "ES1!"
    assert ct[1].pairs["command"] == "FLATTEN"
    assert [len(tp), len(pmt), len(ct)] == [2, 2, 2]
    assert engine.bridge_held(("ORB", "MNQ")) == 0
    assert engine.destination("ORB") == "→ TradersPost (tp)"
    assert engine.destination("Paper") == "books only (paper)"
    await run.stop()


async def test_a_daily_loss_breach_closes_the_position_at_the_bridge_too(
    tmp_path: Path, bridges: dict[str, FakeBridge]
) -> None:
    clock = Clock()
    risk = RiskLimits(daily_loss_limit=D(500))
    run = await started(routed_config(tmp_path, bridges), clock, risk=risk)
    engine = run.engine
    await engine.submit_alert(alert("buy", "NQ1!", 1, "18000", "ORB", received=clock.tick()))
    await run.until(1, OrderState.ACCEPTED)
    engine.on_quote(Quote("CME_MINI:NQ1!", D("17970"), received=clock.tick()))  # -600
    await wait_for(lambda: not engine.book.positions, what="the risk exit")
    exit_ = await run.until(2, OrderState.ACCEPTED)
    assert exit_.intent.reason.value == "risk"
    (_entry, sent) = bridges["tp"].received
    assert sent.json["action"] == "exit" and sent.json["ticker"] == "NQ1!"
    assert sent.json["extras"]["reason"] == "risk"
    await run.stop()


async def test_a_rejected_order_shows_the_bridges_message_loudly(
    tmp_path: Path, bridges: dict[str, FakeBridge]
) -> None:
    clock = Clock()
    bridges["tp"].mode = "reject"
    run = await started(routed_config(tmp_path, bridges), clock)
    engine = run.engine
    reply = await engine.submit_alert(
        alert("buy", "MNQ1!", 1, "21000", "ORB", received=clock.tick())
    )
    assert reply.outcome.value == "accepted"  # the books took it; the bridge did not
    order = await run.until(1, OrderState.REJECTED)
    assert order.message == "400 ticker-does-not-exist: The ticker MNQ1! does not exist."
    assert [o.id for o in engine.orders_needing_trader()] == [1]
    (line,) = [e for e in run.events if e.kind is EventKind.ORDER and e.data["loud"]]
    assert "rejected" in line.message and "does not exist" in line.message
    assert engine.bridge_held(("ORB", "MNQ")) == 0  # a rejected entry is not held there
    await engine.submit_alert(alert("close", "MNQ1!", None, "21001", "ORB", received=clock.tick()))
    assert len(await run.orders()) == 1  # nothing to close at the bridge: no exit sent
    await engine.dismiss_order(1)
    assert engine.orders_needing_trader() == []
    await run.stop()


async def test_an_unanswered_order_reads_unknown_and_is_sent_exactly_once(
    tmp_path: Path, bridges: dict[str, FakeBridge]
) -> None:
    clock = Clock()
    bridges["ct"].mode = "hang"
    config = routed_config(tmp_path, bridges, timeout=0.3)
    run = await started(config, clock)
    engine = run.engine
    await engine.submit_alert(alert("buy", "MES1!", 1, "6000", "Mean Rev", received=clock.tick()))
    order = await run.until(1, OrderState.UNKNOWN)
    assert order.message  # why its fate is unknown
    assert [o.id for o in engine.orders_needing_trader()] == [1]
    await run.stop()
    bridges["ct"].mode = "ok"
    run = await started(config, clock)  # a restart does not send it again either
    assert (await run.orders())[0].state is OrderState.UNKNOWN
    assert len(bridges["ct"].received) == 1
    await run.engine.resend_order(1)  # only the trader does
    await run.until(1, OrderState.ACCEPTED)
    assert len(bridges["ct"].received) == 2
    await run.stop()


async def test_an_order_made_while_the_bridge_is_down_is_delivered_once_after_a_restart(
    tmp_path: Path, bridges: dict[str, FakeBridge]
) -> None:
    clock = Clock()
    await bridges["pmt"].stop()
    config = routed_config(tmp_path, bridges)
    run = await started(config, clock)
    await run.engine.submit_alert(alert("buy", "ES1!", 1, "6000", "Trend", received=clock.tick()))

    def retrying() -> bool:
        return any(e.kind is EventKind.ORDER and "(retrying)" in e.message for e in run.events)

    await wait_for(retrying, 10.0, "a failed attempt with retries to come")
    await run.stop()
    assert bridges["pmt"].received == []
    await bridges["pmt"].start()
    run = await started(config, clock)
    order = await run.until(1, OrderState.ACCEPTED)
    assert order.attempts >= 2
    await bridges["pmt"].wait_received(1)
    await run.engine.router.sender.drained()  # type: ignore[union-attr]
    assert len(bridges["pmt"].received) == 1
    await run.stop()
    run = await started(config, clock)  # and not again after another restart
    await run.engine.router.sender.drained()  # type: ignore[union-attr]
    assert len(bridges["pmt"].received) == 1
    await run.stop()


async def test_no_secret_shows_anywhere(tmp_path: Path, bridges: dict[str, FakeBridge]) -> None:
    clock = Clock()
    bridges["ct"].mode = "reject"
    await bridges["pmt"].stop()
    config = routed_config(tmp_path, bridges, give_up_after=0.3)
    run = await started(config, clock)
    engine = run.engine
    await engine.submit_alert(alert("buy", "MNQ1!", 1, "21000", "ORB", received=clock.tick()))
    await engine.submit_alert(alert("buy", "ES1!", 1, "6000", "Trend", received=clock.tick()))
    await engine.submit_alert(alert("buy", "MES1!", 1, "6000", "Mean Rev", received=clock.tick()))
    await run.until(1, OrderState.ACCEPTED)
    await run.until(2, OrderState.FAILED)
    await run.until(3, OrderState.REJECTED)
    lines = "\n".join(run.lines())
    await run.stop()
    from typer.testing import CliRunner

    from tmtui.cli.main import app

    config_file = tmp_path / "config.toml"
    config_file.write_text(f'[ledger]\npath = "{tmp_path / "ledger.db"}"\n')
    runner = CliRunner()

    def cli(*args: str) -> Any:  # the CLI runs its own event loop: in a thread of its own
        return asyncio.to_thread(runner.invoke, app, [*args, "-c", str(config_file)])

    listed = await cli("orders", "--json")
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.stdout)
    assert [r["state"] for r in rows] == ["accepted", "failed", "rejected"]
    assert set(rows[0]) == {
        "id", "time", "strategy", "symbol", "action", "qty", "route", "kind", "state",
        "message", "bridge_id", "signal_id", "sent_at", "answered_at",
    }  # fmt: skip
    table = await cli("orders")
    exported = await cli("export", "--what", "signals")
    assert table.exit_code == exported.exit_code == 0
    files = sorted(tmp_path.glob("ledger.db*"))  # noqa: ASYNC240 (a test's own files)
    ledger_bytes = b"".join(p.read_bytes() for p in files)
    for secret in SECRETS:
        for text in (lines, listed.stdout, table.stdout, exported.stdout):
            assert secret not in text
        assert secret.encode() not in ledger_bytes
    assert "invalid_account" in lines and "Account Sim101 not found" in listed.stdout
