"""TradingViewQuoteFeed against a local server speaking the real quote-websocket protocol."""

from __future__ import annotations

import itertools
import logging
import random
import socket
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from fakes.tv_ws_server import SESSION_RE, FakeTradingViewServer, frame, message
from helpers import FeedRecorder as Recorder
from helpers import wait_for
from websockets.asyncio.client import connect

from tmtui.services.feeds.base import TRADINGVIEW_ORIGIN, FeedState
from tmtui.services.feeds.tradingview_ws import QUOTE_FIELDS, TradingViewQuoteFeed

pytestmark = pytest.mark.timeout(20)

NQ = "CME_MINI:NQ1!"
ES = "CME_MINI:ES1!"
XAU = "OANDA:XAUUSD"
BOGUS = "CME_MINI:BOGUS1!"
SNAPSHOTS: dict[str, dict[str, Any]] = {
    NQ: {
        "lp": 25650.25,
        "bid": 25650.0,
        "ask": 25650.5,
        "ch": 12.5,
        "chp": 0.05,
        "lp_time": 1787032585,
        "pricescale": 100,
        "minmov": 25,
        "current_session": "market",
    },
    ES: {"lp": 6900, "bid": 6899.75, "ask": 6900.25, "lp_time": 1787032586},
    # The real capture from tradingview.md (update_mode comes from the fake's default).
    XAU: {
        "pro_name": "OANDA:XAUUSD",
        "minmov": 1,
        "lp": 4396.09,
        "ch": -20.59,
        "chp": -0.47,
        "lp_time": 1787032585,
        "current_session": "market",
        "pricescale": 1000,
        "short_name": "XAUUSD",
        "exchange": "OANDA",
        "type": "commodity",
    },
}


FeedFactory = Callable[..., tuple[TradingViewQuoteFeed, Recorder]]


@pytest.fixture
async def server() -> AsyncIterator[FakeTradingViewServer]:
    async with FakeTradingViewServer(snapshots=SNAPSHOTS) as fake:
        yield fake


@pytest.fixture
async def make_feed() -> AsyncIterator[FeedFactory]:
    feeds: list[TradingViewQuoteFeed] = []

    def factory(url: str, **kwargs: Any) -> tuple[TradingViewQuoteFeed, Recorder]:
        rec = Recorder()
        options: dict[str, Any] = {
            "backoff_initial": 0.05,
            "backoff_cap": 0.5,
            "rng": random.Random(7),
            "on_symbol_error": rec.on_symbol_error,
        }
        options.update(kwargs)
        feed = TradingViewQuoteFeed(rec.on_quote, rec.on_status, url=url, **options)
        feeds.append(feed)
        return feed, rec

    yield factory
    for feed in feeds:
        await feed.stop()


async def started(
    make_feed: FeedFactory, server: FakeTradingViewServer, symbols: list[str], **kwargs: Any
) -> tuple[TradingViewQuoteFeed, Recorder]:
    """A running feed that has received the snapshot of every symbol."""
    feed, rec = make_feed(server.url, **kwargs)
    feed.track(symbols)
    await feed.start()
    await wait_for(lambda: all(rec.last(s) for s in symbols), what=f"snapshots of {symbols}")
    return feed, rec


async def test_handshake_subscribes_and_delivers_exact_snapshot(server, make_feed):
    feed, rec = await started(make_feed, server, [NQ, ES])
    conn = server.current
    methods = [m["m"] for m in conn.messages]
    assert methods[:4] == [
        "set_auth_token",
        "quote_create_session",
        "quote_set_fields",
        "quote_add_symbols",
    ]
    assert conn.origin == TRADINGVIEW_ORIGIN
    assert conn.sent("set_auth_token") == [["unauthorized_user_token"]]
    assert SESSION_RE.match(conn.session or "")
    assert feed.session == conn.session
    assert conn.fields == list(QUOTE_FIELDS)
    assert conn.sent("quote_add_symbols") == [[conn.session, ES, NQ]]
    nq = rec.last(NQ)
    assert nq is not None
    assert (nq.last, nq.bid, nq.ask) == (
        Decimal("25650.25"),
        Decimal("25650.0"),
        Decimal("25650.5"),
    )
    assert nq.trade_time == datetime.fromtimestamp(1787032585, UTC)
    assert nq.update_mode == "streaming"
    es = rec.last(ES)
    assert es is not None and es.last == Decimal(6900) and isinstance(es.last, Decimal)
    await wait_for(lambda: feed.status.state is FeedState.LIVE)
    assert rec.statuses[0].state is FeedState.CONNECTING


async def test_real_capture_snapshot_is_exact(server, make_feed):
    _, rec = await started(make_feed, server, [XAU])
    quote = rec.last(XAU)
    assert quote is not None
    assert quote.last == Decimal("4396.09")
    assert quote.bid is None and quote.ask is None
    assert quote.trade_time == datetime(2026, 8, 18, 5, 56, 25, tzinfo=UTC)


async def test_auth_token_is_sent_instead_of_anonymous(server, make_feed):
    await started(make_feed, server, [NQ], auth_token="user-token-123")
    assert server.current.sent("set_auth_token") == [["user-token-123"]]


async def test_partial_deltas_merge_into_full_quotes(server, make_feed):
    _, rec = await started(make_feed, server, [NQ])
    await server.push(NQ, {"bid": 25650.25})
    await wait_for(lambda: rec.count(NQ) == 2)
    q = rec.last(NQ)
    assert q is not None
    assert (q.last, q.bid, q.ask) == (Decimal("25650.25"), Decimal("25650.25"), Decimal("25650.5"))

    await server.push(NQ, {"lp": 25651, "lp_time": 1787032590})
    await wait_for(lambda: rec.count(NQ) == 3)
    q = rec.last(NQ)
    assert q is not None
    assert (q.last, q.bid, q.ask) == (Decimal(25651), Decimal("25650.25"), Decimal("25650.5"))
    assert q.trade_time == datetime.fromtimestamp(1787032590, UTC)

    # A delta without a price field (or repeating the same price) is merged but not emitted:
    # the next price delta is the 4th quote, not the 5th.
    await server.push(NQ, {"ch": 13.25, "chp": 0.06})
    await server.push(NQ, {"ask": 25650.5})
    await server.push(NQ, {"ask": 25651.5})
    await wait_for(lambda: rec.last(NQ) is not None and rec.last(NQ).ask == Decimal("25651.5"))
    assert rec.count(NQ) == 4


async def test_several_messages_in_one_frame_and_heartbeat_echo(server, make_feed):
    _, rec = await started(make_feed, server, [NQ, ES])
    conn = server.current
    await server.send_packed(
        conn,
        server.qsd(conn, NQ, {"lp": 25700.5}),
        frame("~h~7"),
        server.qsd(conn, ES, {"bid": 6901}),
        message("quote_completed", [conn.session, ES]),
    )
    await wait_for(lambda: rec.last(ES) is not None and rec.last(ES).bid == Decimal(6901))
    nq = rec.last(NQ)
    assert nq is not None and nq.last == Decimal("25700.5")
    await wait_for(lambda: "~h~7" in conn.heartbeats_echoed)


async def test_delayed_update_mode_reports_minutes(make_feed):
    async with FakeTradingViewServer(
        snapshots=SNAPSHOTS, update_mode="delayed_streaming_600"
    ) as fake:
        feed, _ = await started(make_feed, fake, [NQ])
        await wait_for(lambda: feed.status.state is FeedState.DELAYED)
        assert feed.status.delay_minutes == 10
        assert "10 min delayed" in feed.status.reason
        assert "auth token" in feed.status.reason
        await fake.push(NQ, {"update_mode": "streaming"})
        await wait_for(lambda: feed.status.state is FeedState.LIVE)
        assert feed.status.delay_minutes is None


async def test_no_such_symbol_reported_once_and_not_resubscribed(server, make_feed):
    feed, rec = await started(make_feed, server, [NQ])
    feed.track([BOGUS])
    await wait_for(lambda: rec.symbol_errors == [(BOGUS, "no_such_symbol")])
    await wait_for(lambda: BOGUS in feed.status.reason)
    assert feed.status.state is FeedState.LIVE

    first = server.current
    await server.drop(first)
    await wait_for(lambda: len(server.connections) == 2 and server.current.subscribed == [NQ])
    second = server.current
    assert second.sent("quote_add_symbols") == [[second.session, NQ]]
    assert rec.symbol_errors == [(BOGUS, "no_such_symbol")]

    # untrack + track asks again (and fails again, reported again).
    feed.untrack([BOGUS])
    feed.track([BOGUS])
    await wait_for(lambda: len(rec.symbol_errors) == 2)


async def test_critical_error_goes_down_then_reconnects(server, make_feed):
    feed, rec = await started(make_feed, server, [NQ])
    await server.critical_error(server.current, "invalid_parameters", "bad arguments")
    await wait_for(lambda: rec.saw(FeedState.DOWN, "critical error: invalid_parameters"))
    await wait_for(lambda: len(server.connections) == 2 and rec.count(NQ) == 2)
    await wait_for(lambda: feed.status.state is FeedState.LIVE)


async def test_protocol_error_is_not_retried_in_a_tight_loop(server, make_feed):
    feed, rec = make_feed(server.url, auth_token="bad-token", backoff_initial=0.01, backoff_cap=1.0)
    feed.track([NQ])
    await feed.start()
    await wait_for(lambda: rec.saw(FeedState.DOWN, "bad auth token"))
    assert "check the auth token" in feed.status.reason
    # With backoff_initial=0.01 a naive retry would have made dozens of attempts by now.
    await wait_for(lambda: server.attempts == 2, timeout=3)
    gap = server.attempt_times[1] - server.attempt_times[0]
    assert gap >= 0.8  # the cap (1.0) less at most 20 % jitter
    assert rec.quotes == []


async def test_drop_reconnects_with_new_session_and_all_symbols(server, make_feed):
    feed, rec = await started(make_feed, server, [NQ, ES])
    first = server.current
    await server.drop(first)
    await wait_for(lambda: rec.saw(FeedState.DOWN, "no close frame"))
    await wait_for(lambda: len(server.connections) == 2 and len(server.current.subscribed) == 2)
    second = server.current
    assert second.session != first.session
    assert second.sent("quote_create_session") == [[second.session]]
    assert second.sent("quote_add_symbols") == [[second.session, ES, NQ]]
    await server.push(NQ, {"lp": 25999.75})
    await wait_for(lambda: rec.last(NQ) is not None and rec.last(NQ).last == Decimal("25999.75"))
    await wait_for(lambda: feed.status.state is FeedState.LIVE)
    states = [s.state for s in rec.statuses]
    down = states.index(FeedState.DOWN)
    assert FeedState.CONNECTING in states[down:]


async def test_handshake_429_backs_off_exponentially_then_recovers(server, make_feed):
    server.reject_next(3, 429)
    feed, rec = make_feed(server.url, backoff_initial=0.05, backoff_cap=5.0)
    feed.track([NQ])
    await feed.start()
    await wait_for(lambda: rec.last(NQ) is not None)
    assert rec.saw(FeedState.DOWN, "HTTP 429")
    assert server.attempts == 4
    t = server.attempt_times
    gaps = [b - a for a, b in itertools.pairwise(t)]
    # nominal 0.05, 0.1, 0.2 with ±20 % jitter
    assert gaps[0] < gaps[2]
    assert 0.16 <= gaps[2] < 0.5


async def test_backoff_resets_after_a_healthy_connection(server, make_feed):
    _, rec = await started(make_feed, server, [NQ], backoff_initial=0.2, backoff_cap=5.0)
    for n in range(1, 4):
        await server.drop(server.current)
        await wait_for(lambda n=n: rec.count(NQ) == n + 1)
    t = server.attempt_times
    gaps = [b - a for a, b in itertools.pairwise(t)]
    # Without a reset the third reconnect would wait ~0.8 s.
    assert all(gap < 0.6 for gap in gaps), gaps


async def test_heartbeats_are_echoed_so_the_server_keeps_us(make_feed):
    async with FakeTradingViewServer(
        snapshots=SNAPSHOTS, heartbeat_interval=0.05, heartbeat_deadline=0.2
    ) as fake:
        await started(make_feed, fake, [NQ])
        conn = fake.current
        await wait_for(lambda: len(conn.heartbeats_echoed) >= 10)  # ≥ 0.5 s, past the deadline
        assert not conn.dropped_for_heartbeat
        assert len(fake.connections) == 1
        assert conn.heartbeats_echoed == conn.heartbeats_sent[: len(conn.heartbeats_echoed)]


async def test_fake_drops_a_client_that_does_not_echo():
    """The check above means something only if the fake really enforces the heartbeat."""
    fake = FakeTradingViewServer(heartbeat_interval=0.05, heartbeat_deadline=0.2)
    async with fake, connect(fake.url) as ws:
        await ws.recv()  # the hello; heartbeats are then read by nobody
        await wait_for(
            lambda: fake.connections and fake.connections[0].dropped_for_heartbeat, timeout=3
        )


async def test_track_and_untrack_while_connected(server, make_feed):
    feed, rec = await started(make_feed, server, [NQ])
    conn = server.current
    feed.track([ES])
    await wait_for(lambda: rec.last(ES) is not None)
    assert conn.sent("quote_add_symbols") == [[conn.session, NQ], [conn.session, ES]]
    feed.untrack([NQ])
    await wait_for(lambda: conn.sent("quote_remove_symbols") == [[conn.session, NQ]])
    assert conn.subscribed == [ES]
    assert len(server.connections) == 1


async def test_no_symbols_then_track(server, make_feed):
    feed, rec = make_feed(server.url)
    await feed.start()
    await wait_for(lambda: feed.status.state is FeedState.LIVE)
    assert "no symbols" in feed.status.reason
    conn = server.current
    assert conn.sent("quote_add_symbols") == []
    feed.track([NQ])
    await wait_for(lambda: rec.last(NQ) is not None)
    assert conn.sent("quote_add_symbols") == [[conn.session, NQ]]


async def test_stale_without_quotes_then_live_again(server, make_feed):
    feed, _ = await started(make_feed, server, [NQ], stale_after=0.2)
    await wait_for(lambda: feed.status.state is FeedState.STALE)  # heartbeats are not quotes
    assert "no quotes for 0.2 s" in feed.status.reason
    await server.push(NQ, {"lp": 25660})
    await wait_for(lambda: feed.status.state is FeedState.LIVE)


async def test_silent_socket_is_dropped_and_reopened(make_feed):
    async with FakeTradingViewServer(snapshots=SNAPSHOTS, heartbeat_interval=30) as fake:
        _, rec = await started(make_feed, fake, [NQ], idle_timeout=0.3)
        await wait_for(lambda: rec.saw(FeedState.DOWN, "no data from TradingView"))
        await wait_for(lambda: len(fake.connections) >= 2 and rec.count(NQ) >= 2)


async def test_unexpected_and_malformed_messages_are_logged_not_fatal(server, make_feed, caplog):
    caplog.set_level(logging.WARNING, logger="tmtui.feeds")
    _, rec = await started(make_feed, server, [NQ])
    conn = server.current
    await server.send_raw(conn, message("brand_new_method", [conn.session, 1]))
    await server.send_raw(conn, "~m~99~m~{}")  # length says 99, only 2 follow
    await server.send_raw(conn, frame("not json"))
    await server.push(NQ, {"lp": 25655})
    await wait_for(lambda: rec.count(NQ) == 2)
    text = caplog.text
    assert "brand_new_method" in text
    assert "truncated" in text
    assert "not JSON" in text
    assert all(r.name == "tmtui.feeds" for r in caplog.records)
    assert len(server.connections) == 1


async def test_stop_is_prompt_and_safe_twice(server, make_feed):
    feed, _ = await started(make_feed, server, [NQ])
    began = time.monotonic()
    await feed.stop()
    assert time.monotonic() - began < 1.0
    await feed.stop()
    assert feed.status.state is FeedState.DOWN and feed.status.reason == "stopped"
    await wait_for(lambda: server.connections[0].closed)


async def test_unreachable_server_goes_down_and_stop_interrupts_backoff(make_feed):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    feed, rec = make_feed(f"ws://127.0.0.1:{port}/", backoff_initial=0.05, backoff_cap=5.0)
    feed.track([NQ])
    await feed.start()
    await wait_for(lambda: rec.saw(FeedState.DOWN, "cannot connect"))
    began = time.monotonic()
    await feed.stop()
    assert time.monotonic() - began < 1.0


def test_malformed_url_is_rejected_at_construction():
    with pytest.raises(ValueError):
        TradingViewQuoteFeed(lambda q: None, lambda s: None, url="http://not-a-websocket")
