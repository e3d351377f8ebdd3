"""The replay feed accepts the tickers alerts accept: `NQ1!`, `NQ`, `CME_MINI:NQ1!`."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from helpers import wait_for

from tmtui.core.contracts import ContractBook
from tmtui.runtime.factory import feed_symbol
from tmtui.services.feeds.base import FeedStatus, Quote
from tmtui.services.feeds.tick_file import ReplayFeed

pytestmark = pytest.mark.timeout(30)


def test_feed_symbol_resolves_as_alerts_do() -> None:
    book = ContractBook()
    nq = book["NQ"].tv_symbol
    assert [feed_symbol(book, t) for t in ("NQ1!", "NQ", "CME_MINI:NQ1!", "nqz5")] == [nq] * 4
    assert feed_symbol(book, "NOPE1!") == "NOPE1!"  # unknown: played as written


async def test_a_tick_file_written_with_alert_tickers_marks_the_tracked_symbol(
    tmp_path: Path,
) -> None:
    book = ContractBook()
    nq, es = book["NQ"].tv_symbol, book["ES"].tv_symbol
    ticks = tmp_path / "ticks.csv"
    ticks.write_text(
        "time,symbol,lp\n2026-03-02T14:30:00Z,NQ1!,25598.25\n2026-03-02T14:30:00Z,ES,6800.50\n"
    )
    quotes: list[Quote] = []
    statuses: list[FeedStatus] = []
    feed = ReplayFeed(
        quotes.append,
        statuses.append,
        path=ticks,
        speed=1000,
        resolve=lambda t: feed_symbol(book, t),
    )
    feed.track({nq, es})
    await feed.start()
    try:
        await wait_for(lambda: len(quotes) == 2, what="both quotes")
    finally:
        await feed.stop()
    assert {(q.symbol, q.last) for q in quotes} == {
        (nq, Decimal("25598.25")),
        (es, Decimal("6800.50")),
    }
