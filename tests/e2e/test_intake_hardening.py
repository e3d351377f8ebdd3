"""Nothing a sender does can break the record or silence a real alert (issue 22).

Through the real listener in front of the real engine and ledger: absurd and subtly wrong
numbers are refused 4xx and never recorded as accepted, a price far from the mark is
refused by the price band, strangers cannot use up the trader's rate limit, and every read
command works on the ledger afterwards.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from helpers import make_config
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tmtui.core.models import Outcome
from tmtui.core.quotes import Quote
from tmtui.runtime.engine import Engine
from tmtui.runtime.factory import build_engine

SECRET = "harden-secret"
MARK = Decimal("25600")
READ_COMMANDS = ("positions", "report", "strategies", "trades", "calendar")


async def start_engine(tmp_path: Path, **listener: Any) -> Engine:
    config = make_config(
        tmp_path,
        feed={"source": "replay"},
        listener={"port": 0, "secret": SECRET, "rate_limit_per_min": 0, **listener},
    )
    engine = await build_engine(config, with_feed=False)
    await engine.start()
    engine.on_quote(Quote("CME_MINI:NQ1!", MARK, received=datetime.now(UTC)))
    return engine


async def wait_for_async(
    probe: Callable[[], Awaitable[list[str]]], what: str, timeout: float = 5.0
) -> list[str]:
    """Poll an async probe until it returns something, with a deadline."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not (found := await probe()):
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)
    return found


def read_commands_work(tmp_path: Path) -> None:
    """Every read command, as the trader runs it, on the ledger the engine wrote."""
    config = tmp_path / "config.toml"
    config.write_text(f'[ledger]\npath = "{tmp_path / "ledger.db"}"\n')
    for command in READ_COMMANDS:
        result = subprocess.run(
            [sys.executable, "-m", "tmtui", command, "--json", "--config", str(config)],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert result.returncode == 0, (command, result.stderr)
        assert "Traceback" not in result.stderr
        json.loads(result.stdout)


class Fuzzed:
    """One engine shared by every example, checked by the read commands at the end."""

    def __init__(self, engine: Engine, client: httpx.AsyncClient) -> None:
        self.engine = engine
        self.client = client
        self.examples = 0


@pytest.fixture
async def fuzzed(tmp_path: Path) -> AsyncIterator[Fuzzed]:
    engine = await start_engine(tmp_path)
    async with httpx.AsyncClient(timeout=20, trust_env=False) as client:
        yield Fuzzed(engine, client)
    await engine.stop()
    read_commands_work(tmp_path)


ABSURD = st.sampled_from(
    [
        "1e308",
        "1e26",
        "1E+13",
        "NaN",
        "-NaN",
        "sNaN",
        "Infinity",
        "-Infinity",
        "-0",
        "0",
        "0E-999999",
        "1e-999999999",
        "1e999999999",
        "25600.123456789012345678901234567",
        "25600.2500000000000000000",
        "256000",
        "2560",
        "25600.25",
        "-25600",
        "",
        "abc",
        "1,000",
    ]
)
NUMBERS = st.one_of(
    ABSURD,
    st.integers(min_value=-(10**30), max_value=10**30),
    st.decimals(allow_nan=False, allow_infinity=False, places=4).map(str),
    st.decimals(min_value=20000, max_value=30000, places=2).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.none(),
)
QTYS = st.one_of(ABSURD, st.integers(min_value=-3, max_value=120), st.none())


@pytest.mark.timeout(120)
@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    action=st.sampled_from(["buy", "sell", "close"]),
    price=NUMBERS,
    qty=QTYS,
    position_size=st.one_of(st.none(), QTYS),
)
async def test_fuzzed_intake_answers_200_applied_or_4xx_unrecorded(
    fuzzed: Fuzzed, action: str, price: object, qty: object, position_size: object
) -> None:
    engine = fuzzed.engine
    body: dict[str, Any] = {"secret": SECRET, "action": action, "ticker": "NQ1!", "strategy": "F"}
    for name, value in (("price", price), ("contracts", qty), ("position_size", position_size)):
        if value is not None:
            body[name] = value
    accepted = await engine.ledger.count_signals(Outcome.ACCEPTED)
    reply = await fuzzed.client.post(engine.listener.webhook_url, json=body)
    after = await engine.ledger.count_signals(Outcome.ACCEPTED)
    assert reply.status_code == 200 or 400 <= reply.status_code < 500, reply.text
    if reply.status_code == 200:
        outcome = reply.json()["outcome"]
        assert after == accepted + (1 if outcome == "accepted" else 0), reply.text
    else:
        assert after == accepted, f"refused {reply.status_code} yet recorded: {reply.text}"
        assert reply.json()["error"]
    engine.positions()  # the book stays readable in-process too


@pytest.mark.timeout(60)
async def test_absurd_numbers_are_refused_with_the_reason_and_recorded_as_rejected(
    tmp_path: Path,
) -> None:
    engine = await start_engine(tmp_path)
    try:
        async with httpx.AsyncClient(timeout=20, trust_env=False) as client:
            replies = {}
            for price in ("1e308", "1e26", "NaN", "Infinity", "25600.1234567890123"):
                body = {"secret": SECRET, "strategy": "HX", "ticker": "ES1!", "action": "buy"}
                body |= {"contracts": "1", "price": price}
                replies[price] = await client.post(engine.listener.webhook_url, json=body)
            normal = await client.post(
                engine.listener.webhook_url,
                json={"secret": SECRET, "strategy": "HX", "ticker": "ES1!", "action": "buy"}
                | {"contracts": "1", "price": "6800"},
            )
        for price, reply in replies.items():
            assert 400 <= reply.status_code < 500, (price, reply.text)
            assert reply.json()["error"], price
        assert "out of range" in replies["1e308"].json()["error"]
        assert "precision" in replies["25600.1234567890123"].json()["error"]
        assert normal.status_code == 200 and normal.json()["outcome"] == "accepted"
        assert await engine.ledger.count_signals(Outcome.ACCEPTED) == 1
        assert await engine.ledger.count_signals(Outcome.REJECTED) == len(replies)
    finally:
        await engine.stop()
    read_commands_work(tmp_path)


@pytest.mark.timeout(60)
async def test_a_price_far_from_the_mark_is_refused_by_the_band(tmp_path: Path) -> None:
    engine = await start_engine(tmp_path)
    try:
        url = engine.listener.webhook_url
        async with httpx.AsyncClient(timeout=20, trust_env=False) as client:

            async def buy(ticker: str, price: str) -> httpx.Response:
                body = {"secret": SECRET, "strategy": "B", "ticker": ticker, "action": "buy"}
                return await client.post(url, json=body | {"contracts": "1", "price": price})

            typo = await buy("NQ1!", "256000")
            inside = await buy("NQ1!", "27000")  # 5.5% away: within the default 10%
            unmarked = await buy("ES1!", "68000")  # no mark for ES: no band
        assert typo.status_code == 422
        error = typo.json()["error"]
        assert "PRICE BAND" in error and "256000" in error and "25600" in error
        assert "10%" in error
        assert inside.status_code == 200 and unmarked.status_code == 200
        assert await engine.ledger.count_signals(Outcome.REJECTED) == 1
        assert engine.position_view(("B", "NQ")).qty == 1
    finally:
        await engine.stop()


@pytest.mark.timeout(60)
async def test_a_stated_size_beyond_max_qty_is_refused(tmp_path: Path) -> None:
    engine = await start_engine(tmp_path, max_qty=100)
    try:
        body = {"secret": SECRET, "ticker": "NQ1!", "action": "buy", "contracts": "1"}
        async with httpx.AsyncClient(timeout=20, trust_env=False) as client:
            beyond = await client.post(
                engine.listener.webhook_url, json=body | {"position_size": "1000"}
            )
            within = await client.post(
                engine.listener.webhook_url, json=body | {"position_size": "100"}
            )
        assert beyond.status_code == 422 and "max_qty" in beyond.json()["error"]
        assert within.status_code == 200
        assert engine.position_view(("default", "NQ")).qty == 100
    finally:
        await engine.stop()


@pytest.mark.timeout(60)
async def test_strangers_never_use_up_the_senders_rate_limit(tmp_path: Path) -> None:
    engine = await start_engine(tmp_path, rate_limit_per_min=5)
    try:
        url = engine.listener.webhook_url
        junk = {"action": "buy", "ticker": "NQ1!", "pad": "x" * 60_000}
        async with httpx.AsyncClient(timeout=20, trust_env=False) as client:
            strangers = [(await client.post(url, json=junk)).status_code for _ in range(8)]
            real = await client.post(
                url, json={"secret": SECRET, "action": "buy", "ticker": "NQ1!", "contracts": 1}
            )
        assert strangers[:5] == [401] * 5 and strangers[5:] == [429] * 3
        assert real.status_code == 200, real.text
        assert engine.listener.unauthenticated == 5
        signals = await engine.ledger.fetch("SELECT raw FROM signals")
        assert all("x" * 100 not in (row["raw"] or "") for row in signals), "a body was kept"
        assert await engine.ledger.count_signals(Outcome.REJECTED) == 0
    finally:
        await engine.stop()


@pytest.mark.timeout(60)
async def test_a_malformed_body_is_kept_only_for_a_sender_with_the_secret(
    tmp_path: Path,
) -> None:
    engine = await start_engine(tmp_path)
    try:
        url = engine.listener.webhook_url
        async with httpx.AsyncClient(timeout=20, trust_env=False) as client:
            stranger = await client.post(url, content=b"not an alert at all")
            trader = await client.post(url + f"/{SECRET}", content=b"not an alert either")

        async def rejected() -> list[str]:
            rows = await engine.ledger.fetch("SELECT raw FROM signals WHERE outcome = 'rejected'")
            return [row["raw"] for row in rows]

        assert stranger.status_code == trader.status_code == 400
        await wait_for_async(rejected, what="the trader's rejected row")
        assert await rejected() == ["not an alert either"]
    finally:
        await engine.stop()
