"""The Tradovate client against a local fake of the REST API: orders placed once with the
documented fields, fills and positions read back, the token renewed, penalty tickets and 429s
sat out (on a fake clock: nothing here really waits), and no secret anywhere.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from fakes.fake_tradovate import ACCOUNT_ID, FakeClock, FakeTradovate

from tmtui.core.broker import Side
from tmtui.services.tradovate_client import (
    TradovateAuthError,
    TradovateClient,
    TradovateCredentials,
    TradovateError,
    TradovateNoAnswer,
    TradovateRateLimited,
    TradovateUnreachable,
)

CREDS = TradovateCredentials(
    username="trader1",
    password="fake-password",
    app_id="tmtui",
    app_version="1.0",
    cid=0,
    sec="fake-sec",
)


class Sleeps:
    """An injected `sleep` that records what it was asked to wait and returns at once."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
async def fake() -> AsyncIterator[FakeTradovate]:
    async with FakeTradovate(clock=FakeClock()) as server:
        yield server


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
async def client(fake: FakeTradovate, sleeps: Sleeps) -> AsyncIterator[TradovateClient]:
    async with _client(fake, sleeps) as c:
        yield c


def _client(fake: FakeTradovate, sleeps: Sleeps, **options: Any) -> TradovateClient:
    return TradovateClient(CREDS, base_url=fake.url, clock=fake.clock, sleep=sleeps, **options)


def _clock(fake: FakeTradovate) -> FakeClock:
    assert isinstance(fake.clock, FakeClock)
    return fake.clock


async def test_a_market_order_is_placed_once_with_the_documented_fields(
    fake: FakeTradovate, client: TradovateClient
) -> None:
    account = await client.account("demo1234")
    result = await client.place_market_order(account, "NQZ6", Side.BUY, 2)
    assert result.accepted and isinstance(result.order_id, int)
    (placed,) = fake.requests_to("/order/placeorder")
    assert placed.body == {
        "accountSpec": "DEMO1234",
        "accountId": ACCOUNT_ID,
        "action": "Buy",
        "symbol": "NQZ6",
        "orderQty": 2,
        "orderType": "Market",
        "isAutomated": True,
    }
    assert placed.authorization is not None and placed.authorization.startswith("Bearer token-")
    assert fake.positions == {(ACCOUNT_ID, 4001): 2}


async def test_a_rejected_order_carries_the_brokers_reason_and_text(
    fake: FakeTradovate, client: TradovateClient
) -> None:
    fake.reject_next("TradingLocked", "Trading is locked for this account")
    account = await client.account("DEMO1234")
    result = await client.place_market_order(account, "NQZ6", Side.SELL, 1)
    assert not result.accepted
    assert (result.order_id, result.failure_reason) == (None, "TradingLocked")
    assert result.message == "TradingLocked: Trading is locked for this account"
    assert fake.fills == [] and fake.positions == {}
    assert len(fake.requests_to("/order/placeorder")) == 1


async def test_fills_and_positions_come_back_as_records(
    fake: FakeTradovate, client: TradovateClient
) -> None:
    account = await client.account("DEMO1234")
    fake.fill_parts = [1, 1]
    await client.place_market_order(account, "NQZ6", Side.BUY, 2)
    fake.fill_parts = None
    fake.prices["NQZ6"] = Decimal("21004.75")
    _clock(fake).advance(seconds=30)
    await client.place_market_order(account, "NQZ6", Side.SELL, 1)

    fills = await client.fills(account)
    assert [(f.account, f.contract, f.root, f.side, f.qty, f.price) for f in fills] == [
        ("DEMO1234", "NQZ6", "NQ", Side.BUY, 1, Decimal("21000.25")),
        ("DEMO1234", "NQZ6", "NQ", Side.BUY, 1, Decimal("21000.25")),
        ("DEMO1234", "NQZ6", "NQ", Side.SELL, 1, Decimal("21004.75")),
    ]
    assert fills[2].time == _clock(fake).now
    assert fills[0].order_id == fills[1].order_id != fills[2].order_id
    assert len({f.key for f in fills}) == 3
    assert all(f.key.startswith("tradovate-api:") for f in fills)

    (position,) = await client.positions(account.id)
    assert (position.contract_id, position.net_pos) == (4001, 1)
    assert await client.positions(account_id=999) == []


async def test_liquidate_closes_the_contract(fake: FakeTradovate, client: TradovateClient) -> None:
    account = await client.account("DEMO1234")
    await client.place_market_order(account, "NQZ6", Side.SELL, 3)
    contract = await client.find_contract("NQZ6")
    result = await client.liquidate_position(account.id, contract.id)
    assert result.accepted
    assert fake.requests_to("/order/liquidateposition")[0].body == {
        "accountId": ACCOUNT_ID,
        "contractId": 4001,
        "admin": False,
        "isAutomated": True,
    }
    assert [p.net_pos for p in await client.positions(account.id)] == [0]
    assert [f.side for f in await client.fills()] == [Side.SELL, Side.BUY]


async def test_unknown_contract_and_account_are_one_line(client: TradovateClient) -> None:
    with pytest.raises(TradovateError, match=r"^Tradovate has no contract 'XXZ6'$"):
        await client.find_contract("XXZ6")
    with pytest.raises(TradovateError) as raised:
        await client.account("LIVE9")
    assert str(raised.value) == "no Tradovate account named 'LIVE9' (this login has: DEMO1234)"


async def test_the_token_is_renewed_before_it_expires(
    fake: FakeTradovate, client: TradovateClient
) -> None:
    await client.accounts()
    first = fake.requests_to("/account/list")[-1].authorization
    expires = client.token_expires
    assert expires == _clock(fake).now + timedelta(minutes=80)
    _clock(fake).advance(minutes=64)  # 16 minutes left: not yet
    await client.accounts()
    assert fake.renewals == 0
    _clock(fake).advance(minutes=2)  # 14 minutes left: renew
    await client.accounts()
    assert (fake.logins, fake.renewals) == (1, 1)
    assert fake.requests_to("/account/list")[-1].authorization != first
    assert client.token_expires == _clock(fake).now + timedelta(minutes=80)


async def test_an_expired_token_means_a_new_login(
    fake: FakeTradovate, client: TradovateClient
) -> None:
    await client.accounts()
    _clock(fake).advance(minutes=81)
    await client.accounts()
    assert (fake.logins, fake.renewals) == (2, 0)


async def test_a_closed_session_logs_in_once_more(
    fake: FakeTradovate, client: TradovateClient
) -> None:
    account = await client.account("DEMO1234")
    fake.kill_sessions()  # e.g. a third login elsewhere closed this one
    result = await client.place_market_order(account, "NQZ6", Side.BUY, 1)
    assert result.accepted
    assert fake.logins == 2
    assert len(fake.orders) == 1  # the refused request was not handled; the resend was


async def test_calls_made_at_once_log_in_once(fake: FakeTradovate, client: TradovateClient) -> None:
    await asyncio.gather(*(client.accounts() for _ in range(5)))
    assert fake.logins == 1
    fake.kill_sessions()
    await asyncio.gather(*(client.positions() for _ in range(3)))
    assert fake.logins == 2
    _clock(fake).advance(minutes=70)
    await asyncio.gather(*(client.positions() for _ in range(3)))
    assert (fake.logins, fake.renewals) == (2, 1)


async def test_a_refused_login_is_one_clear_line_without_secrets(
    fake: FakeTradovate, sleeps: Sleeps
) -> None:
    wrong = TradovateCredentials("trader1", "hunter2-wrong", "tmtui", "1.0", 0, "sec-wrong")
    async with TradovateClient(wrong, base_url=fake.url, clock=fake.clock, sleep=sleeps) as client:
        with pytest.raises(TradovateAuthError) as raised:
            await client.accounts()
    message = str(raised.value)
    assert message == (
        "Tradovate refused the login of 'trader1': Incorrect username or password. "
        "Please try again, noting that passwords are case-sensitive."
    )
    assert "hunter2" not in message and "sec-wrong" not in message
    assert "\n" not in message


async def test_a_penalty_ticket_is_waited_out_and_sent_back(
    fake: FakeTradovate, client: TradovateClient, sleeps: Sleeps
) -> None:
    fake.penalty_next("/auth/accesstokenrequest", 7)
    await client.accounts()
    first, second = fake.requests_to("/auth/accesstokenrequest")
    assert "p-ticket" not in first.body
    assert second.body["p-ticket"].startswith("ticket-")
    assert {k: v for k, v in second.body.items() if k != "p-ticket"} == first.body
    assert sleeps.waits == [7]
    assert fake.logins == 1


async def test_a_penalised_order_is_sent_again_with_its_ticket_and_placed_once(
    fake: FakeTradovate, client: TradovateClient, sleeps: Sleeps
) -> None:
    account = await client.account("DEMO1234")
    fake.penalty_next("/order/placeorder", 3)
    result = await client.place_market_order(account, "NQZ6", Side.BUY, 1)
    assert result.accepted
    assert sleeps.waits == [3]
    assert [("p-ticket" in r.body) for r in fake.requests_to("/order/placeorder")] == [False, True]
    assert len(fake.orders) == 1


async def test_a_captcha_cannot_be_answered(fake: FakeTradovate, client: TradovateClient) -> None:
    fake.penalty_next("/auth/accesstokenrequest", 3600, captcha=True)
    with pytest.raises(TradovateRateLimited, match="captcha.*about an hour"):
        await client.connect()


async def test_429_backs_off_and_tries_again(
    fake: FakeTradovate, client: TradovateClient, sleeps: Sleeps
) -> None:
    await client.connect()
    fake.too_many_next(2, path="/position/list")
    assert await client.positions() == []
    assert sleeps.waits == [1.0, 2.0]
    fake.too_many_next(1, path="/position/list", retry_after="5")
    await client.positions()
    assert sleeps.waits == [1.0, 2.0, 5.0]


async def test_429_without_end_is_one_error(
    fake: FakeTradovate, client: TradovateClient, sleeps: Sleeps
) -> None:
    await client.connect()
    fake.too_many_next(10, path="/fill/list")
    with pytest.raises(TradovateRateLimited, match=r"429 Too Many Requests to /fill/list 5 times"):
        await client.fills()
    assert sleeps.waits == [1.0, 2.0, 4.0, 8.0]


async def test_an_unreachable_server_is_told_apart_from_no_answer(sleeps: Sleeps) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    async with TradovateClient(CREDS, base_url=f"http://127.0.0.1:{port}/v1", sleep=sleeps) as c:
        with pytest.raises(TradovateUnreachable, match="cannot reach Tradovate"):
            await c.connect()

    def timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    async with TradovateClient(
        CREDS, base_url="http://tradovate.invalid/v1", transport=httpx.MockTransport(timeout)
    ) as c:
        with pytest.raises(TradovateNoAnswer, match="no answer from Tradovate"):
            await c.connect()

    def error_500(request: httpx.Request) -> httpx.Response:
        return httpx.Response(500, text="<html>oops</html>")

    async with TradovateClient(
        CREDS, base_url="http://tradovate.invalid/v1", transport=httpx.MockTransport(error_500)
    ) as c:
        with pytest.raises(TradovateNoAnswer, match="answered 500"):
            await c.connect()


async def test_no_secret_in_reprs_logs_or_errors(
    fake: FakeTradovate, sleeps: Sleeps, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with _client(fake, sleeps) as client:
        account = await client.account("DEMO1234")
        await client.place_market_order(account, "NQZ6", Side.BUY, 1)
        tokens = {r.authorization.removeprefix("Bearer ") for r in fake.requests if r.authorization}
        shown = " ".join([repr(CREDS), repr(client), caplog.text])
        fake.kill_sessions()
        fake.password = "changed"  # the next login is refused
        with pytest.raises(TradovateAuthError) as raised:
            await client.accounts()
    shown += str(raised.value)
    assert tokens
    for secret in ("fake-password", "fake-sec", *tokens):
        assert secret not in shown
