"""ReplayFeed: tick files (CSV, JSONL) in recorded time order, and the seeded random walk."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from helpers import wait_for

from tmtui.services.feeds.base import FeedState, FeedStatus, Quote
from tmtui.services.feeds.tick_file import RandomWalk, ReplayFeed, ReplayFileError, load_ticks

pytestmark = pytest.mark.timeout(20)

NQ = "CME_MINI:NQ1!"
ES = "CME_MINI:ES1!"
T0 = datetime(2025, 11, 21, 14, 30, tzinfo=UTC)

CSV = """time,symbol,lp,bid,ask
2025-11-21T14:30:00Z,CME_MINI:NQ1!,25600.25,25600.00,25600.50
2025-11-21T14:30:00.5Z,CME_MINI:ES1!,6900.00,6899.75,6900.25
2025-11-21T14:30:01Z,CME_MINI:NQ1!,25601.00,,
2025-11-21T14:30:02Z,CME_MINI:NQ1!,,25601.25,25601.75
"""


class Recorder:
    def __init__(self) -> None:
        self.quotes: list[Quote] = []
        self.arrivals: list[float] = []
        self.statuses: list[FeedStatus] = []

    def on_quote(self, quote: Quote) -> None:
        self.quotes.append(quote)
        self.arrivals.append(time.monotonic())

    def on_status(self, status: FeedStatus) -> None:
        self.statuses.append(status)

    def of(self, symbol: str) -> list[Quote]:
        return [q for q in self.quotes if q.symbol == symbol]


FeedFactory = Callable[..., tuple[ReplayFeed, Recorder]]


@pytest.fixture
async def make_feed() -> AsyncIterator[FeedFactory]:
    feeds: list[ReplayFeed] = []

    def factory(**kwargs: Any) -> tuple[ReplayFeed, Recorder]:
        rec = Recorder()
        feed = ReplayFeed(rec.on_quote, rec.on_status, **kwargs)
        feeds.append(feed)
        return feed, rec

    yield factory
    for feed in feeds:
        await feed.stop()


def prices(quotes: list[Quote]) -> list[tuple[Decimal | None, Decimal | None, Decimal | None]]:
    return [(q.last, q.bid, q.ask) for q in quotes]


async def test_csv_replays_tracked_symbols_with_scaled_gaps(tmp_path, make_feed):
    path = tmp_path / "ticks.csv"
    path.write_text(CSV)
    feed, rec = make_feed(path=path, speed=10)
    feed.track([NQ])
    await feed.start()
    await wait_for(lambda: feed.status.state is FeedState.STALE)  # finished
    assert "finished" in feed.status.reason
    assert [s.state for s in rec.statuses[:2]] == [FeedState.CONNECTING, FeedState.LIVE]
    assert "replay" in rec.statuses[1].reason
    assert [q.symbol for q in rec.quotes] == [NQ, NQ, NQ]  # ES is not tracked
    assert prices(rec.quotes) == [
        (Decimal("25600.25"), Decimal("25600.00"), Decimal("25600.50")),
        (Decimal("25601.00"), Decimal("25600.00"), Decimal("25600.50")),  # empty cells carry
        (Decimal("25601.00"), Decimal("25601.25"), Decimal("25601.75")),
    ]
    assert [q.trade_time for q in rec.quotes] == [
        T0,
        datetime(2025, 11, 21, 14, 30, 1, tzinfo=UTC),
        datetime(2025, 11, 21, 14, 30, 2, tzinfo=UTC),
    ]
    a = rec.arrivals
    assert a[1] - a[0] >= 0.09 and a[2] - a[1] >= 0.09  # 1 s gaps at 10x


async def test_jsonl_with_unix_seconds_and_missing_bid(tmp_path, make_feed):
    path = tmp_path / "ticks.jsonl"
    start = T0.timestamp()
    path.write_text(
        f'{{"time": {start}, "symbol": "{ES}", "lp": 6900.25}}\n'
        "\n"
        f'{{"time": {start + 0.2}, "symbol": "{ES}", "lp": "6900.50", "bid": 6900.25,'
        ' "ask": 6900.75}\n'
    )
    feed, rec = make_feed(path=path, speed=2)
    feed.track([ES])
    await feed.start()
    await wait_for(lambda: len(rec.quotes) == 2)
    assert prices(rec.quotes) == [
        (Decimal("6900.25"), None, None),
        (Decimal("6900.50"), Decimal("6900.25"), Decimal("6900.75")),
    ]
    assert rec.quotes[0].trade_time == T0
    assert rec.arrivals[1] - rec.arrivals[0] >= 0.09  # 0.2 s at 2x


async def test_symbol_tracked_mid_replay_gets_its_latest_quote(tmp_path, make_feed):
    path = tmp_path / "ticks.csv"
    path.write_text(CSV)
    feed, rec = make_feed(path=path, speed=1)
    feed.track([NQ])
    await feed.start()
    await wait_for(lambda: len(rec.of(NQ)) == 1)
    await wait_for(lambda: len(rec.quotes) == 1 and time.monotonic() - rec.arrivals[0] > 0.6)
    feed.track([ES])
    es = rec.of(ES)
    assert prices(es) == [(Decimal("6900.00"), Decimal("6899.75"), Decimal("6900.25"))]


async def test_loop_file_plays_again(tmp_path, make_feed):
    path = tmp_path / "ticks.csv"
    path.write_text(CSV)
    feed, rec = make_feed(path=path, speed=50, interval=0.01, loop_file=True)
    feed.track([NQ])
    await feed.start()
    await wait_for(lambda: len(rec.quotes) >= 6)
    assert prices(rec.quotes[3:6]) == prices(rec.quotes[:3])
    assert feed.status.state is FeedState.LIVE


async def test_bad_file_reports_down_with_line(tmp_path, make_feed):
    path = tmp_path / "bad.csv"
    path.write_text("time,symbol,lp\n2025-11-21T14:30:00Z,NQ,25600\nyesterday,NQ,25601\n")
    feed, _ = make_feed(path=path)
    feed.track(["NQ"])
    await feed.start()
    await wait_for(lambda: feed.status.state is FeedState.DOWN and "line" in feed.status.reason)
    assert "line 3" in feed.status.reason and "yesterday" in feed.status.reason


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("when,what\n1,2\n", "header must be"),
        ("time,symbol,lp\n1700000000,NQ,abc\n", "lp is not a price"),
        ("time,symbol,lp\n1700000000,,1\n", "no symbol"),
        ("time,symbol,lp,bid,ask\n1700000000,NQ,,,\n", "no lp, bid or ask"),
    ],
)
def test_load_ticks_errors_name_the_problem(tmp_path, content, message):
    path = tmp_path / "t.csv"
    path.write_text(content)
    with pytest.raises(ReplayFileError, match=message):
        load_ticks(path)


def test_load_ticks_jsonl_errors_and_sorting(tmp_path):
    bad = tmp_path / "t.jsonl"
    bad.write_text('{"time": 1, "symbol": "NQ", "lp": 1}\n[1, 2]\n')
    with pytest.raises(ReplayFileError, match="line 2: expected a JSON object"):
        load_ticks(bad)
    unsorted = tmp_path / "u.jsonl"
    unsorted.write_text(
        '{"time": "2025-11-21T14:30:02", "symbol": "NQ", "lp": 2}\n'
        '{"time": "2025-11-21T14:30:01+00:00", "symbol": "NQ", "lp": 1}\n'
    )
    ticks = load_ticks(unsorted)
    assert [t.last for t in ticks] == [Decimal(1), Decimal(2)]
    assert ticks[1].time == datetime(2025, 11, 21, 14, 30, 2, tzinfo=UTC)  # naive = UTC


def test_load_ticks_missing_file(tmp_path):
    with pytest.raises(ReplayFileError, match="cannot read"):
        load_ticks(tmp_path / "nope.csv")


def test_random_walk_is_seeded_per_symbol_in_whole_ticks():
    ticks = {NQ: Decimal("0.25"), "NYMEX:CL1!": Decimal("0.01")}
    starts = {NQ: Decimal(25600), "NYMEX:CL1!": Decimal("60.00")}
    a = RandomWalk(42, starts, ticks)
    b = RandomWalk(42, starts, ticks)
    path_a = [a.next_quote(NQ) for _ in range(50)]
    # b also walks another symbol in between: NQ's path must not change.
    path_b = []
    for _ in range(50):
        b.next_quote("NYMEX:CL1!")
        path_b.append(b.next_quote(NQ))
    assert prices(path_a) == prices(path_b)
    assert path_a[0].last == Decimal(25600)
    for quote in path_a:
        assert quote.last is not None and quote.bid is not None and quote.ask is not None
        assert (quote.last - Decimal(25600)) % Decimal("0.25") == 0
        assert quote.bid == quote.last - Decimal("0.25")
        assert quote.ask == quote.last + Decimal("0.25")
    assert len({q.last for q in path_a}) > 3  # it does move
    other = RandomWalk(43, starts, ticks)
    assert prices([other.next_quote(NQ) for _ in range(50)]) != prices(path_a)


def test_random_walk_defaults_and_stays_positive():
    walk = RandomWalk(1, {"X": Decimal("0.25")})
    first = walk.next_quote("Y")
    assert (first.last, first.bid, first.ask) == (Decimal(100), Decimal("99.75"), Decimal("100.25"))
    lows = [walk.next_quote("X").last for _ in range(200)]
    assert all(p is not None and p >= Decimal("0.25") for p in lows)


async def test_random_walk_feed_is_deterministic_with_a_seed(make_feed):
    options = {"seed": 7, "interval": 0.01, "start_prices": {NQ: Decimal(25600)}}
    feed_a, rec_a = make_feed(**options)
    feed_b, rec_b = make_feed(**options)
    for feed in (feed_a, feed_b):
        feed.track([NQ, ES])
        await feed.start()
    await wait_for(lambda: min(len(rec_a.of(ES)), len(rec_b.of(ES))) >= 10)
    await wait_for(lambda: min(len(rec_a.of(NQ)), len(rec_b.of(NQ))) >= 10)
    for symbol in (NQ, ES):
        assert prices(rec_a.of(symbol)[:10]) == prices(rec_b.of(symbol)[:10])
    assert rec_a.of(NQ)[0].last == Decimal(25600)
    assert rec_a.of(ES)[0].last == Decimal(100)
    assert feed_a.status.state is FeedState.LIVE and "replay" in feed_a.status.reason


async def test_stop_is_prompt_and_idempotent(make_feed):
    feed, rec = make_feed(seed=1, interval=0.01)
    feed.track([NQ])
    await feed.start()
    await wait_for(lambda: len(rec.quotes) >= 2)
    began = time.monotonic()
    await feed.stop()
    await feed.stop()
    assert time.monotonic() - began < 1.0
    count = len(rec.quotes)
    assert feed.status.state is FeedState.DOWN
    began = time.monotonic()
    await wait_for(lambda: time.monotonic() - began > 0.05)
    assert len(rec.quotes) == count


def test_rejects_nonpositive_speed():
    with pytest.raises(ValueError):
        ReplayFeed(lambda q: None, lambda s: None, path=Path("x.csv"), speed=0)
