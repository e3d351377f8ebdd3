"""The real listener in front of the real engine and ledger."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from helpers import make_config

from tmtui.core.models import Outcome
from tmtui.runtime.engine import Engine
from tmtui.runtime.factory import build_engine

SECRET = "engine-secret"


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[Engine]:
    config = make_config(
        tmp_path,
        feed={"source": "replay"},
        listener={"port": 0, "secret": SECRET, "rate_limit_per_min": 0},
    )
    engine = await build_engine(config, with_feed=False)
    await engine.start()
    yield engine
    await engine.stop()


@pytest.mark.timeout(60)
async def test_100_concurrent_distinct_alerts_make_100_signals(engine: Engine) -> None:
    url = engine.listener.webhook_url
    async with httpx.AsyncClient(timeout=20) as client:
        replies = await asyncio.gather(
            *(
                client.post(
                    url,
                    json={
                        "secret": SECRET,
                        "action": "buy",
                        "ticker": "MES1!",
                        "qty": 1,
                        "price": "6800.25",
                        "strategy": f"S{n % 7}",
                        "id": f"alert-{n}",
                    },
                )
                for n in range(100)
            )
        )
    assert [r.status_code for r in replies] == [200] * 100
    assert len({r.json()["signal_id"] for r in replies}) == 100
    assert await engine.ledger.count_signals(Outcome.ACCEPTED) == 100
    assert sum(v.qty for v in engine.positions()) == 100
    assert len(await engine.ledger.fills()) == 100


@pytest.mark.timeout(60)
async def test_tradingview_resends_apply_once(engine: Engine) -> None:
    url = engine.listener.webhook_url
    body = (
        f'{{"secret":"{SECRET}","ticker":"NQ1!","action":"buy","quantity":"2",'
        '"price":"25600.25","time":"2026-11-20T14:30:00Z"}'
    )
    async with httpx.AsyncClient() as client:
        first = await client.post(url, content=body, headers={"Content-Type": "text/plain"})
        resends = [await client.post(url, content=body) for _ in range(3)]
    assert first.json()["duplicate"] is False
    assert all(r.status_code == 200 and r.json()["duplicate"] for r in resends)
    assert engine.position_view(("default", "NQ")).qty == 2
    assert await engine.ledger.count_signals(Outcome.DUPLICATE) == 3


@pytest.mark.timeout(60)
async def test_rejections_reach_no_position(engine: Engine) -> None:
    url = engine.listener.webhook_url
    async with httpx.AsyncClient() as client:
        statuses = [
            (
                await client.post(
                    url, json={"secret": "nope", "action": "buy", "ticker": "NQ1!", "qty": 1}
                )
            ).status_code,
            (
                await client.post(
                    url,
                    json={
                        "secret": SECRET,
                        "action": "buy",
                        "ticker": "NQ1!",
                        "qty": 1000,
                        "price": 1,
                    },
                )
            ).status_code,
            (
                await client.post(
                    url,
                    json={
                        "secret": SECRET,
                        "action": "buy",
                        "ticker": "ZZZ1!",
                        "qty": 1,
                        "price": 1,
                    },
                )
            ).status_code,
            (await client.post(url, content=b"not an alert")).status_code,
        ]
    assert statuses == [401, 422, 422, 400]
    assert engine.book.positions == {}
    assert await engine.ledger.fills() == []
    assert await engine.ledger.count_signals(Outcome.ACCEPTED) == 0
