"""One place that builds the engine with its ledger, feed and listener.

The app, `--headless`, `--demo` and the tests all go through `build_engine`, so they run
the same wiring.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from tmtui import __version__
from tmtui.core.contracts import ContractBook
from tmtui.core.models import UnknownContract
from tmtui.ledger.store import Ledger
from tmtui.runtime.engine import Engine, FeedFactory, utcnow
from tmtui.services.book_restore import make_calendar
from tmtui.services.feeds.base import FeedStatus, Quote, QuoteFeed
from tmtui.settings.config import Config

DEMO_START_PRICES = {
    "NQ": Decimal("25600"),
    "MNQ": Decimal("25600"),
    "ES": Decimal("6800"),
    "MES": Decimal("6800"),
    "CL": Decimal("70.50"),
    "GC": Decimal("4050.0"),
    "YM": Decimal("47000"),
    "RTY": Decimal("2450.0"),
    "6E": Decimal("1.08750"),
}


def feed_factory(config: Config, seed: int | None = None) -> FeedFactory:
    """A function that makes the configured feed once the engine has its callbacks."""
    feed = config.feed
    contracts = ContractBook(config.contracts)

    def make(
        on_quote: Callable[[Quote], None], on_status: Callable[[FeedStatus], None]
    ) -> QuoteFeed:
        if feed.source == "tradingview-ws":
            from tmtui.services.feeds.tradingview_ws import TradingViewQuoteFeed

            return TradingViewQuoteFeed(
                on_quote,
                on_status,
                url=feed.ws_url,
                auth_token=feed.auth_token,
                stale_after=feed.stale_after,
            )
        if feed.source == "tradingview-scanner":
            from tmtui.services.feeds.scanner import TradingViewScannerFeed

            return TradingViewScannerFeed(
                on_quote,
                on_status,
                url=feed.scanner_url,
                poll_interval=feed.poll_interval,
                stale_after=feed.stale_after,
            )
        from tmtui.services.feeds.tick_file import ReplayFeed

        specs = contracts.specs.values()
        return ReplayFeed(
            on_quote,
            on_status,
            path=feed.replay_file or None,
            speed=feed.replay_speed,
            seed=seed,
            interval=min(feed.poll_interval, 0.5),
            start_prices={s.tv_symbol: DEMO_START_PRICES.get(s.root, Decimal(100)) for s in specs},
            tick_sizes={s.tv_symbol: s.tick_size for s in specs},
            resolve=lambda ticker: feed_symbol(contracts, ticker),
        )

    return make


def feed_symbol(contracts: ContractBook, ticker: str) -> str:
    """The feed symbol a tick file's ticker means, resolved as an alert's would be
    (`NQ1!`, `NQ`, `CME_MINI:NQ1!` → `CME_MINI:NQ1!`); an unknown one is kept as written."""
    try:
        return contracts.resolve(ticker).tv_symbol
    except UnknownContract:
        return ticker


def listener_factory(config: Config) -> Callable[[Engine], object]:
    def make(engine: Engine) -> object:
        from tmtui.services.webhook_listener import WebhookListener

        return WebhookListener(
            config.listener, engine, version=__version__, health_extra=engine.health
        )

    return make


async def build_engine(
    config: Config,
    *,
    ledger_path: Path | None = None,
    with_feed: bool = True,
    with_listener: bool = True,
    seed: int | None = None,
    clock: Callable[[], datetime] = utcnow,
    sample_interval: float = 1.0,
    daily_backups: bool = False,
) -> Engine:
    """Open the ledger and assemble the engine; call `await engine.start()` to run it.

    `daily_backups`: `tmtui run` keeps one backup per trading day ([ledger] backup_dir,
    backups_kept); the demo and tests do not.
    """
    settings = config.ledger
    ledger = await Ledger.open(
        ledger_path or settings.resolved_path(), write_budget=settings.write_budget
    )
    if daily_backups:
        day_of = make_calendar(config).day_of
        ledger.keep_daily_backups(settings.resolved_backup_dir(), settings.backups_kept, day_of)
    return Engine(
        config,
        ledger,
        feed_factory=feed_factory(config, seed) if with_feed else None,
        listener_factory=listener_factory(config) if with_listener else None,  # type: ignore[arg-type]
        clock=clock,
        sample_interval=sample_interval,
    )
