"""A strategy routed straight to a Tradovate account (the local fake of Tradovate's REST API).

Issue 20's "done when" for the route: each order placed once with the documented fields, the
poller's fills in the ledger and in `reconcile` (fill, slippage in ticks and dollars), a
rejected order's signal `rejected` with the broker's text on the order, a close that sells
what the strategy's filled orders hold (2 where the books say 3), a hand-made trade as an
extra fill and as drift, penalty tickets and 429s sat out, `F` liquidating every contract,
a refused login one clear line; no password, token or `sec` anywhere. Waits have deadlines.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import httpx
import pytest
from fakes.fake_tradovate import ACCOUNT_ID, FakeTradovate
from helpers import alert, wait_for

from tmtui.core.alerts.manual_orders import ManualPrice, PriceSource
from tmtui.core.events import Event
from tmtui.core.orders.states import Order, OrderState
from tmtui.frontends.headless import event_line
from tmtui.ledger.store import Ledger
from tmtui.readside.reconcile_reads import ReconcileQueries
from tmtui.runtime.engine import Engine
from tmtui.runtime.engine_orders import OrderTransport
from tmtui.services.order_sender import Backoff
from tmtui.services.tradovate_poller import AUTH_PAUSE_S
from tmtui.settings.config import Config, config_from_dict

pytestmark = pytest.mark.timeout(60)

PASSWORD, SEC = "pw-Very-Secret-1", "sec-Very-Secret-2"
FAST = Backoff(first=0.05, factor=2.0, cap=0.2)
T0 = datetime(2026, 12, 8, 15, 0, tzinfo=UTC)  # trading day 2026-12-08: NQ's front month NQZ6


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def tick(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@pytest.fixture
async def fake() -> AsyncIterator[FakeTradovate]:
    async with FakeTradovate(password=PASSWORD, sec=SEC) as server:
        yield server


def tv_config(tmp_path: Path, fake: FakeTradovate, **route: Any) -> Config:
    table = {
        "kind": "tradovate",
        "env": "demo",
        "url": fake.url,
        "username": "trader1",
        "password_env": "TV_PASSWORD",
        "app_id": "tmtui",
        "app_version": "1.0",
        "cid": 8,
        "sec_env": "TV_SEC",
        "account": "DEMO1234",
        "poll": 0.05,
        "give_up_after": 5,
        **route,
    }
    data = {
        "ledger": {"path": str(tmp_path / "ledger.db")},
        "routing": {"strategies": {"ORB": "tv"}},
        "routes": {"tv": table},
    }
    return config_from_dict(data)


class Run:
    def __init__(self, engine: Engine, client: httpx.AsyncClient) -> None:
        self.engine = engine
        self.client = client
        self.events: list[Event] = []
        engine.subscribe(self.events.append)

    def lines(self) -> list[str]:
        return [event_line(e, "America/Chicago") for e in self.events]

    async def until(self, order_id: int, state: OrderState) -> Order:
        async def reached() -> Order | None:
            found = [o for o in await self.engine.orders() if o.id == order_id]
            ok = found and found[0].state is state and not found[0].retrying
            return found[0] if ok else None

        order: Order = await wait_for(reached, 10.0, f"order {order_id} {state}")
        return order

    async def stop(self) -> None:
        await self.engine.stop()
        await self.client.aclose()


async def started(config: Config, clock: Clock) -> Run:
    client = httpx.AsyncClient(trust_env=False)
    ledger = await Ledger.open(config.ledger.resolved_path())
    engine = Engine(
        config, ledger, clock=clock, sample_interval=3600, orders=OrderTransport(client, FAST)
    )
    run = Run(engine, client)
    await engine.start()
    return run


@pytest.fixture(autouse=True)
def secrets_in_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TV_PASSWORD", PASSWORD)
    monkeypatch.setenv("TV_SEC", SEC)


def said(run: Run, text: str) -> bool:
    return any(text in line for line in run.lines())


def placed(fake: FakeTradovate) -> list[dict[str, Any]]:
    return [r.body for r in fake.requests_to("/order/placeorder")]


def ledger_bytes(tmp_path: Path) -> bytes:
    """The ledger's files as stored (database, WAL): a secret must be in none of them."""
    return b"".join(p.read_bytes() for p in tmp_path.glob("ledger.db*"))


def assert_no_secret(fake: FakeTradovate, tmp_path: Path, *texts: str) -> None:
    tokens = {r.authorization.removeprefix("Bearer ") for r in fake.requests if r.authorization}
    assert tokens, "the client sent no token at all"
    stored = ledger_bytes(tmp_path)
    for secret in (PASSWORD, SEC, *tokens):
        assert secret.encode() not in stored, f"{secret[:4]}… in the ledger"
        for text in texts:
            assert secret not in text, f"{secret[:4]}… in {text[:80]!r}"


async def test_orders_fills_rejection_close_by_filled_orders_drift_and_reconcile(
    tmp_path: Path, fake: FakeTradovate
) -> None:
    clock = Clock()
    fake.clock = clock
    config = tv_config(tmp_path, fake)
    run = await started(config, clock)
    engine = run.engine
    await engine.submit_alert(alert("buy", "NQ1!", 2, "21000", "ORB", received=clock.tick()))
    first = await run.until(1, OrderState.ACCEPTED)
    assert placed(fake) == [
        {"accountSpec": "DEMO1234", "accountId": ACCOUNT_ID, "action": "Buy",
         "symbol": "NQZ6", "orderQty": 2, "orderType": "Market", "isAutomated": True}
    ]  # fmt: skip
    assert first.bridge_id == str(fake.orders[0]["id"]) and first.intent.symbol == "NQZ6"

    fake.reject_next("TradingLocked", "Trading is locked for this account")
    await engine.submit_alert(alert("buy", "NQ1!", 1, "21001", "ORB", received=clock.tick()))
    rejected = await run.until(2, OrderState.REJECTED)
    assert rejected.message == "TradingLocked: Trading is locked for this account"
    assert engine.book.positions[("ORB", "NQ")].qty == 3
    assert engine.bridge_held(("ORB", "NQ")) == 2

    drift = "drift at tv: the broker holds NQ +2 (NQZ6), the books +3"
    await wait_for(lambda: said(run, drift), 10.0, "the drift line")
    view = engine.state.position_view(("ORB", "NQ"), clock())
    assert view is not None and view.bridge is not None and view.bridge.broker == 2

    fake._execute(ACCOUNT_ID, "NQZ6", "Sell", 1)  # a trade the trader made by hand
    hand = "drift at tv: the broker holds NQ +1 (NQZ6), the books +3"
    await wait_for(lambda: said(run, hand), 10.0, "the hand-made trade's drift")

    await engine.submit_alert(
        alert("close", "NQ1!", None, "21000.75", "ORB", received=clock.tick())
    )
    await run.until(3, OrderState.ACCEPTED)
    assert [(b["action"], b["orderQty"]) for b in placed(fake)] == [
        ("Buy", 2), ("Buy", 1), ("Sell", 2)
    ]  # fmt: skip
    assert len(fake.orders) == 3  # two of tmtui's, one by hand: each placed once

    async def fills() -> int:
        rows = await engine.ledger.fetch("SELECT origin FROM broker_fills")
        return len(rows) if all(r["origin"] == "tv" for r in rows) else -1

    await wait_for(lambda: _at_least(fills, 3), 10.0, "three broker fills")
    assert sum(line.endswith(hand) for line in run.lines()) == 1  # said once

    reads = ReconcileQueries(engine.ledger, config, clock=clock)
    report = json.loads(json.dumps(reads_json := (await reads.reconcile(None, None)).to_json(),
                                   default=str))  # fmt: skip
    signals = {s["signal_id"]: s for s in report["signals"]}
    assert [s["state"] for s in signals.values()] == ["matched", "rejected", "matched"]
    buy, _, close = signals.values()
    assert (buy["fill_qty"], D(buy["fill_price"])) == (2, D("21000.25"))
    assert (D(buy["slippage_ticks"]), D(buy["slippage"])) == (D(1), D(10))  # 1 tick × 2 × $5
    assert (close["fill_qty"], D(close["slippage_ticks"]), D(close["slippage"])) == (2, D(2), D(20))
    (extra,) = report["extra_fills"]
    assert extra["side"] == "sell" and extra["qty"] == 1
    (position,) = report["positions"]
    assert (position["books_qty"], position["broker_qty"]) == (0, -1)
    orders_json = json.dumps([o.message for o in await engine.orders()])
    await run.stop()
    assert_no_secret(fake, tmp_path, "\n".join(run.lines()), json.dumps(report), orders_json)
    assert reads_json


async def _at_least(count: Any, wanted: int) -> bool:
    return bool(await count() >= wanted)


async def test_penalty_tickets_and_429s_are_sat_out_and_the_order_placed_once(
    tmp_path: Path, fake: FakeTradovate
) -> None:
    clock = Clock()
    fake.clock = clock
    run = await started(tv_config(tmp_path, fake, poll=5), clock)
    fake.too_many_next(1, path="/order/placeorder", retry_after="0")
    fake.penalty_next("/order/placeorder", seconds=0.05)
    await run.engine.submit_alert(alert("buy", "NQ1!", 1, "21000", "ORB", received=clock.tick()))
    await run.until(1, OrderState.ACCEPTED)
    bodies = placed(fake)
    assert len(bodies) == 3 and len(fake.orders) == 1
    assert "p-ticket" not in bodies[1] and bodies[2]["p-ticket"].startswith("ticket-")
    await run.stop()


async def test_flatten_all_liquidates_every_contract_the_account_holds(
    tmp_path: Path, fake: FakeTradovate
) -> None:
    clock = Clock()
    fake.clock = clock
    run = await started(tv_config(tmp_path, fake), clock)
    engine = run.engine
    await engine.submit_alert(alert("buy", "NQ1!", 2, "21000", "ORB", received=clock.tick()))
    await run.until(1, OrderState.ACCEPTED)
    fake._execute(ACCOUNT_ID, "ESZ6", "Sell", 3)  # held by hand, not by any strategy
    await engine.flatten({("ORB", "NQ"): ManualPrice(D("21002"), PriceSource.TYPED)})
    await run.until(2, OrderState.ACCEPTED)
    await wait_for(lambda: not any(fake.positions.values()), 10.0, "the account flat")
    liquidated = {r.body["contractId"] for r in fake.requests_to("/order/liquidateposition")}
    assert liquidated == {fake.contracts["NQZ6"], fake.contracts["ESZ6"]}
    assert [b["action"] for b in placed(fake)] == ["Buy"]  # no opposite order on top
    assert engine.bridge_held(("ORB", "NQ")) == 0
    await wait_for(
        lambda: any("liquidate ESZ6 (-3): accepted" in line for line in run.lines()),
        10.0,
        "the liquidation's line",
    )
    await run.stop()


async def test_a_refused_login_is_one_clear_line_and_no_secret_shows(
    tmp_path: Path, fake: FakeTradovate, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock()
    fake.clock = clock
    monkeypatch.setenv("TV_PASSWORD", "wrong-Secret-Password")
    run = await started(tv_config(tmp_path, fake), clock)
    await run.engine.submit_alert(alert("buy", "NQ1!", 1, "21000", "ORB", received=clock.tick()))
    failed = await run.until(1, OrderState.FAILED)
    assert failed.message.startswith("not sent: Tradovate refused the login of 'trader1'")
    assert not fake.requests_to("/order/placeorder")
    reading = "tv: cannot read Tradovate: Tradovate refused the login of 'trader1'"
    await wait_for(lambda: any(reading in line for line in run.lines()), 10.0, "the poll line")
    assert sum(reading in line for line in run.lines()) == 1  # said once
    # the poller does not retry a refused login every `poll` (0.05 s): a few logins an hour
    poller = run.engine.router.tradovate.pollers["tv"]
    await wait_for(lambda: poller.pause is not None, 10.0, "the poller to pause")
    assert poller.pause == AUTH_PAUSE_S and AUTH_PAUSE_S >= 60
    assert len(fake.requests_to("/auth/accesstokenrequest")) == 2  # the order's, the poll's
    text = "\n".join(run.lines())
    await run.stop()
    stored = ledger_bytes(tmp_path)
    for secret in ("wrong-Secret-Password", SEC):
        assert secret not in text and secret.encode() not in stored
    with sqlite3.connect(tmp_path / "ledger.db") as db:
        (message,) = db.execute("SELECT message FROM orders").fetchone()
    assert "Secret" not in message
