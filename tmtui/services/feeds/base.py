"""The one interface every price feed implements (the quote/status types live in core).

Feeds call back into their owner (the engine) from the event loop: `on_quote` for every
merged quote, `on_status` on every status change. They never import Textual.
"""

from __future__ import annotations

import abc
import asyncio
import logging
import random
from collections.abc import Callable, Iterable

from tmtui.core.quotes import FeedState, FeedStatus, Quote, delay_minutes, utcnow

__all__ = [
    "TRADINGVIEW_ORIGIN",
    "Backoff",
    "FeedState",
    "FeedStatus",
    "Quote",
    "QuoteFeed",
    "delay_minutes",
    "utcnow",
]


TRADINGVIEW_ORIGIN = "https://www.tradingview.com"
"""The Origin header TradingView's quote websocket and scanner expect from a browser."""


QuoteCallback = Callable[[Quote], None]
StatusCallback = Callable[[FeedStatus], None]
SymbolErrorCallback = Callable[[str, str], None]
"""`(symbol, error)`: the source rejected or does not know a symbol (e.g. `no_such_symbol`)."""


class Backoff:
    """Exponential retry delays with jitter, so a flapping server is not hammered.

    `next_delay()` gives initial, 2x, 4x... capped at `cap`, each scaled by a random factor
    in [0.8, 1.2] (never above `cap`); `reset()` after a healthy run starts over.
    """

    def __init__(
        self, initial: float = 1.0, cap: float = 30.0, rng: random.Random | None = None
    ) -> None:
        if initial <= 0 or cap < initial:
            raise ValueError(f"backoff needs 0 < initial <= cap, got {initial} and {cap}")
        self.initial = initial
        self.cap = cap
        self.failures = 0
        self._rng = rng or random.Random()

    def next_delay(self) -> float:
        """Delay before the next attempt; each call counts one more failure."""
        nominal = min(self.cap, self.initial * 2 ** min(self.failures, 32))
        self.failures += 1
        return self._jitter(nominal)

    def cap_delay(self) -> float:
        """The longest delay, for errors that retrying soon cannot fix (a rejected token)."""
        self.failures += 1
        return self._jitter(self.cap)

    def reset(self) -> None:
        self.failures = 0

    def _jitter(self, nominal: float) -> float:
        return min(self.cap, nominal * self._rng.uniform(0.8, 1.2))


async def cancel_task(task: asyncio.Task[None] | None, what: str) -> None:
    """Cancel a feed's background task and wait briefly, so quitting never hangs."""
    if task is None or task.done():
        return
    task.cancel()
    done, _ = await asyncio.wait({task}, timeout=0.9)
    if not done:
        logging.getLogger("tmtui.feeds").warning("%s did not stop within 0.9 s", what)


class QuoteFeed(abc.ABC):
    """Start/stop, track/untrack symbols, report quotes and status through callbacks."""

    def __init__(self, on_quote: QuoteCallback, on_status: StatusCallback) -> None:
        self._on_quote = on_quote
        self._on_status = on_status
        self._status = FeedStatus(FeedState.DOWN, "not started")
        self.symbols: set[str] = set()

    @property
    def status(self) -> FeedStatus:
        return self._status

    def _set_status(self, state: FeedState, reason: str = "", delay: int | None = None) -> None:
        """Report a status only when it changed, so the log gets one line per change."""
        new = FeedStatus(state, reason, delay)
        old = self._status
        if (old.state, old.reason, old.delay_minutes) == (state, reason, delay):
            return
        self._status = new
        self._on_status(new)

    def track(self, symbols: Iterable[str]) -> None:
        """Subscribe to more symbols; safe to call before start and while running."""
        new = set(symbols) - self.symbols
        if new:
            self.symbols |= new
            self._symbols_added(new)

    def untrack(self, symbols: Iterable[str]) -> None:
        gone = set(symbols) & self.symbols
        if gone:
            self.symbols -= gone
            self._symbols_removed(gone)

    def _symbols_added(self, symbols: set[str]) -> None:  # noqa: B027 - optional hook
        """Hook: a running feed subscribes them now."""

    def _symbols_removed(self, symbols: set[str]) -> None:  # noqa: B027 - optional hook
        """Hook: a running feed unsubscribes them now."""

    @abc.abstractmethod
    async def start(self) -> None:
        """Begin in the background (own task); return promptly."""

    @abc.abstractmethod
    async def stop(self) -> None:
        """Stop the background task and close connections; safe to call twice."""
