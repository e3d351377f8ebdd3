"""An alert without a price before any quote: answered 503 (TradingView resends it), the
feed is asked for its symbol at once, and the resend is priced at the first quote."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from helpers import alert, make_config

from tmtui.core.models import AwaitingQuote, Outcome
from tmtui.ledger.store import Ledger
from tmtui.runtime.engine import Engine
from tmtui.services.feeds.base import Quote, QuoteCallback, QuoteFeed, StatusCallback


class QuietFeed(QuoteFeed):
    """Quotes only what the test hands it; remembers what it was asked to track."""

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None


async def test_a_priceless_alert_is_answered_503_and_its_symbol_tracked(tmp_path: Path) -> None:
    feeds: list[QuietFeed] = []

    def make_feed(on_quote: QuoteCallback, on_status: StatusCallback) -> QuoteFeed:
        feeds.append(QuietFeed(on_quote, on_status))
        return feeds[-1]

    config = make_config(tmp_path)
    engine = Engine(
        config, await Ledger.open(config.ledger.resolved_path()), feed_factory=make_feed
    )
    await engine.start()
    (feed,) = feeds
    assert "COMEX:GC1!" not in feed.symbols
    with pytest.raises(AwaitingQuote):
        await engine.submit_alert(alert("buy", "GC1!", 1, None, alert_id="gc-1"))
    assert "COMEX:GC1!" in feed.symbols  # asked for at once: the resend finds a quote
    assert engine.state.errors == 0 and engine.state.rejected == 1
    engine.on_quote(Quote("COMEX:GC1!", Decimal("4012.3"), received=datetime.now(UTC)))
    reply = await engine.submit_alert(alert("buy", "GC1!", 1, None, alert_id="gc-1"))
    assert reply.outcome is Outcome.ACCEPTED
    assert engine.book.positions[("S", "GC")].avg_price == Decimal("4012.3")
    await engine.stop()
