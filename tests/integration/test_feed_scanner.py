"""TradingViewScannerFeed against a local aiohttp server answering like the real scanner."""

from __future__ import annotations

import itertools
import random
import socket
import time
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from typing import Any

import httpx
import pytest
from fakes.tv_scanner_server import FakeScannerServer
from helpers import FeedRecorder as Recorder
from helpers import wait_for

from tmtui.services.feeds.base import FeedState
from tmtui.services.feeds.scanner import MISSING_ERROR, TradingViewScannerFeed

pytestmark = pytest.mark.timeout(20)

NQ = "CME_MINI:NQ1!"
ES = "CME_MINI:ES1!"
GC = "COMEX:GC1!"
BOGUS = "CME_MINI:BOGUS1!"
PRICES = {NQ: Decimal("25650.25"), ES: Decimal("6900"), GC: Decimal("4012.3")}


FeedFactory = Callable[..., tuple[TradingViewScannerFeed, Recorder]]


@pytest.fixture
async def scanner() -> AsyncIterator[FakeScannerServer]:
    async with FakeScannerServer(PRICES) as fake:
        yield fake


@pytest.fixture
async def make_feed() -> AsyncIterator[FeedFactory]:
    feeds: list[TradingViewScannerFeed] = []

    def factory(url: str, **kwargs: Any) -> tuple[TradingViewScannerFeed, Recorder]:
        rec = Recorder()
        options: dict[str, Any] = {
            "poll_interval": 0.05,
            "backoff_initial": 0.05,
            "backoff_cap": 1.0,
            "rng": random.Random(3),
            "on_symbol_error": rec.on_symbol_error,
        }
        options.update(kwargs)
        feed = TradingViewScannerFeed(rec.on_quote, rec.on_status, url=url, **options)
        feeds.append(feed)
        return feed, rec

    yield factory
    for feed in feeds:
        await feed.stop()


def gaps(scanner: FakeScannerServer) -> list[float]:
    times = [r.at for r in scanner.requests]
    return [b - a for a, b in itertools.pairwise(times)]


async def test_one_request_per_poll_carries_every_ticker(scanner, make_feed):
    feed, rec = make_feed(scanner.url)
    feed.track([NQ, ES, GC])
    await feed.start()
    await wait_for(lambda: len(scanner.requests) >= 4)
    for request in scanner.requests:
        assert request.body == {
            "symbols": {"tickers": [ES, NQ, GC], "query": {"types": []}},
            "columns": ["close", "update_mode"],
        }
    assert all(gap >= 0.04 for gap in gaps(scanner))  # one request per poll_interval
    nq = rec.last(NQ)
    assert nq is not None
    assert nq.last == Decimal("25650.25") and isinstance(nq.last, Decimal)
    assert nq.bid is None and nq.ask is None
    assert nq.update_mode == "streaming"
    es, gc = rec.last(ES), rec.last(GC)
    assert es is not None and es.last == Decimal(6900)
    assert gc is not None and gc.last == Decimal("4012.3")
    assert len(rec.quotes) == 3  # unchanged prices are not re-emitted every poll
    await wait_for(lambda: feed.status.state is FeedState.LIVE)


async def test_price_changes_are_emitted(scanner, make_feed):
    feed, rec = make_feed(scanner.url)
    feed.track([NQ])
    await feed.start()
    await wait_for(lambda: rec.last(NQ) is not None)
    scanner.prices[NQ] = Decimal("25651.75")
    await wait_for(lambda: rec.last(NQ) is not None and rec.last(NQ).last == Decimal("25651.75"))


async def test_delayed_update_mode_sets_delayed_status(make_feed):
    async with FakeScannerServer(PRICES, update_mode="delayed_streaming_600") as fake:
        feed, rec = make_feed(fake.url)
        feed.track([NQ])
        await feed.start()
        await wait_for(lambda: feed.status.state is FeedState.DELAYED)
        assert feed.status.delay_minutes == 10
        last = rec.last(NQ)
        assert last is not None and last.update_mode == "delayed_streaming_600"


async def test_missing_tickers_reported_once_until_they_reappear(scanner, make_feed):
    feed, rec = make_feed(scanner.url)
    feed.track([NQ, BOGUS])
    await feed.start()
    await wait_for(lambda: len(scanner.requests) >= 4)
    assert rec.symbol_errors == [(BOGUS, MISSING_ERROR)]
    assert "not found: " + BOGUS in feed.status.reason
    assert feed.status.state is FeedState.LIVE

    scanner.prices[BOGUS] = Decimal(1)
    await wait_for(lambda: rec.last(BOGUS) is not None)
    await wait_for(lambda: "not found" not in feed.status.reason)
    del scanner.prices[BOGUS]
    await wait_for(lambda: len(rec.symbol_errors) == 2)
    seen = len(scanner.requests)
    await wait_for(lambda: len(scanner.requests) >= seen + 3)
    assert len(rec.symbol_errors) == 2


async def test_fake_rejects_bid_column_like_the_real_scanner(scanner):
    body = {"symbols": {"tickers": [NQ], "query": {"types": []}}, "columns": ["close", "bid"]}
    async with httpx.AsyncClient() as client:
        response = await client.post(scanner.url, json=body)
    assert response.status_code == 400
    assert response.json() == {"totalCount": 0, "error": 'Unknown field "bid"', "data": None}


async def test_unknown_field_400_is_reported_with_its_text(make_feed):
    async with FakeScannerServer(PRICES, unknown_columns=frozenset({"update_mode"})) as fake:
        feed, rec = make_feed(fake.url, backoff_initial=0.05)
        feed.track([NQ])
        await feed.start()
        await wait_for(lambda: rec.saw(FeedState.DOWN, 'Unknown field "update_mode"'))
        assert "HTTP 400" in feed.status.reason
        await wait_for(lambda: len(fake.requests) >= 3)
        g = gaps(fake)
        assert g[1] > g[0]  # backing off, not polling a request the server keeps refusing
        assert rec.quotes == []


async def test_429_burst_backs_off_then_recovers(scanner, make_feed):
    scanner.fail_next(429, 429, 429)
    feed, rec = make_feed(scanner.url, backoff_initial=0.1)
    feed.track([NQ])
    await feed.start()
    await wait_for(lambda: rec.last(NQ) is not None)
    assert rec.saw(FeedState.DOWN, "HTTP 429")
    await wait_for(lambda: feed.status.state is FeedState.LIVE)
    await wait_for(lambda: len(scanner.requests) >= 7)
    g = gaps(scanner)
    # nominal 0.1, 0.2, 0.4 (±20 % jitter), then back to poll_interval 0.05.
    assert 0.08 <= g[0] < 0.2
    assert 0.16 <= g[1] < 0.3
    assert 0.32 <= g[2] < 0.55
    assert all(gap < 0.15 for gap in g[3:6])


async def test_server_errors_honour_retry_after(scanner, make_feed):
    scanner.fail_next(500, retry_after=0.3)
    feed, rec = make_feed(scanner.url, backoff_initial=0.02)
    feed.track([NQ])
    await feed.start()
    await wait_for(lambda: rec.last(NQ) is not None)
    assert rec.saw(FeedState.DOWN, "HTTP 500")
    assert gaps(scanner)[0] >= 0.29


async def test_timeout_goes_down_then_recovers(scanner, make_feed):
    scanner.delay = 0.5
    feed, rec = make_feed(scanner.url, timeout=0.1)
    feed.track([NQ])
    await feed.start()
    await wait_for(lambda: rec.saw(FeedState.DOWN, "timed out"))
    scanner.delay = 0
    await wait_for(lambda: rec.last(NQ) is not None)
    await wait_for(lambda: feed.status.state is FeedState.LIVE)


async def test_unreachable_scanner_goes_down(make_feed):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    feed, rec = make_feed(f"http://127.0.0.1:{port}/futures/scan")
    feed.track([NQ])
    await feed.start()
    await wait_for(lambda: rec.saw(FeedState.DOWN, "cannot reach the scanner"))


async def test_no_requests_while_nothing_is_tracked(scanner, make_feed):
    feed, rec = make_feed(scanner.url)
    await feed.start()
    await wait_for(lambda: feed.status.state is FeedState.LIVE)
    assert "no symbols" in feed.status.reason
    began = time.monotonic()
    await wait_for(lambda: time.monotonic() - began > 0.3)  # several poll intervals pass
    assert scanner.requests == []
    feed.track([NQ])
    await wait_for(lambda: rec.last(NQ) is not None, timeout=1)
    feed.untrack([NQ])
    seen = len(scanner.requests)
    began = time.monotonic()
    await wait_for(lambda: time.monotonic() - began > 0.2)
    assert len(scanner.requests) <= seen + 1  # at most the one already in flight


async def test_next_poll_waits_for_the_last_to_finish(scanner, make_feed):
    scanner.delay = 0.15
    feed, _ = make_feed(scanner.url, poll_interval=0.05)
    feed.track([NQ])
    await feed.start()
    await wait_for(lambda: len(scanner.requests) >= 3)
    assert all(gap >= 0.19 for gap in gaps(scanner))


async def test_untracked_ticker_leaves_the_next_request(scanner, make_feed):
    feed, rec = make_feed(scanner.url)
    feed.track([NQ, ES])
    await feed.start()
    await wait_for(lambda: rec.last(ES) is not None)
    feed.untrack([ES])
    await wait_for(lambda: scanner.requests[-1].tickers == [NQ])


async def test_stale_when_prices_stop_changing(scanner, make_feed):
    feed, _ = make_feed(scanner.url, stale_after=0.2)
    feed.track([NQ])
    await feed.start()
    await wait_for(lambda: feed.status.state is FeedState.STALE)
    scanner.prices[NQ] = Decimal("25700")
    await wait_for(lambda: feed.status.state is FeedState.LIVE)


async def test_stop_is_prompt_twice_and_leaves_a_given_client_open(scanner, make_feed):
    async with httpx.AsyncClient() as client:
        feed, rec = make_feed(scanner.url, client=client)
        feed.track([NQ])
        await feed.start()
        await wait_for(lambda: rec.last(NQ) is not None)
        began = time.monotonic()
        await feed.stop()
        await feed.stop()
        assert time.monotonic() - began < 1.0
        assert feed.status.state is FeedState.DOWN
        assert not client.is_closed
