"""TradingView scanner feed: last prices by polling `/futures/scan`, for when the websocket
is unwanted or blocked.

One POST per poll carries every tracked ticker; the next poll is scheduled only after the
last one finished (so a slow answer never stacks requests). Failures (429, 5xx, 4xx,
timeouts, connection errors) back off exponentially up to the cap and polling returns to
`poll_interval` after the first success. The scanner has no bid/ask columns for futures, so
quotes carry `last` only.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from decimal import Decimal
from typing import Any

import httpx

from tmtui.core.formatting import seconds_text
from tmtui.services.feeds.base import (
    TRADINGVIEW_ORIGIN,
    Backoff,
    FeedState,
    Quote,
    QuoteCallback,
    QuoteFeed,
    StatusCallback,
    SymbolErrorCallback,
    cancel_task,
    delay_minutes,
)
from tmtui.services.feeds.tv_protocol import as_price

log = logging.getLogger("tmtui.feeds")

COLUMNS = ("close", "update_mode")
"""`close` is the latest price on the scanner (there is no `lp` column)."""
MISSING_ERROR = "not returned by the scanner (unknown symbol?)"


class _PollFailed(Exception):
    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class TradingViewScannerFeed(QuoteFeed):
    """Polls TradingView's scanner for the last price of every tracked ticker."""

    def __init__(
        self,
        on_quote: QuoteCallback,
        on_status: StatusCallback,
        *,
        url: str,
        poll_interval: float = 1.0,
        stale_after: float = 10.0,
        timeout: float = 5.0,
        client: httpx.AsyncClient | None = None,
        backoff_cap: float = 30.0,
        on_symbol_error: SymbolErrorCallback | None = None,
        backoff_initial: float = 1.0,
        rng: random.Random | None = None,
        origin: str = TRADINGVIEW_ORIGIN,
    ) -> None:
        super().__init__(on_quote, on_status)
        if poll_interval <= 0 or stale_after <= 0 or timeout <= 0:
            raise ValueError("poll_interval, stale_after and timeout must be positive")
        self._url = url
        self._poll_interval = poll_interval
        self._stale_after = stale_after
        self._timeout = timeout
        self._client = client
        self._owns_client = client is None
        self._origin = origin
        self._backoff = Backoff(backoff_initial, max(backoff_cap, backoff_initial), rng)
        self._on_symbol_error = on_symbol_error
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._latest: dict[str, Quote] = {}
        self._missing: set[str] = set()
        self._last_change_at = 0.0
        self._bad_rows_logged = False

    async def start(self) -> None:
        if self._task is not None and not self._task.done():
            return
        self._loop = asyncio.get_running_loop()
        if self._client is None:
            self._client = httpx.AsyncClient(
                timeout=self._timeout, headers={"Origin": self._origin}
            )
        self._task = asyncio.create_task(self._run(), name="tmtui-tv-scanner-feed")

    async def stop(self) -> None:
        task, self._task = self._task, None
        await cancel_task(task, "TradingView scanner feed")
        if self._owns_client and self._client is not None:
            client, self._client = self._client, None
            await client.aclose()
        self._set_status(FeedState.DOWN, "stopped")

    def _symbols_added(self, symbols: set[str]) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._wake.set)

    def _symbols_removed(self, symbols: set[str]) -> None:
        for symbol in symbols:
            self._latest.pop(symbol, None)
            self._missing.discard(symbol)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        self._last_change_at = loop.time()
        while True:
            tickers = sorted(self.symbols)
            if not tickers:
                self._set_status(FeedState.LIVE, "idle: no symbols tracked")
                self._wake.clear()
                await self._wake.wait()
                self._last_change_at = loop.time()
                continue
            if self._status.state is FeedState.DOWN and self._backoff.failures == 0:
                self._set_status(FeedState.CONNECTING, "polling the TradingView scanner")
            try:
                await self._poll(tickers)
            except _PollFailed as exc:
                delay = self._backoff.next_delay()
                if exc.retry_after is not None:
                    delay = max(delay, min(exc.retry_after, self._backoff.cap))
                log.warning("TradingView scanner: %s; retrying in %.1f s", exc.reason, delay)
                self._set_status(
                    FeedState.DOWN, f"{exc.reason}; retrying in {seconds_text(delay)} s"
                )
                await asyncio.sleep(delay)
                continue
            self._backoff.reset()
            self._refresh_status(loop.time())
            await asyncio.sleep(self._poll_interval)

    async def _poll(self, tickers: list[str]) -> None:
        """One POST for all tickers; emit changed quotes and note missing tickers."""
        assert self._client is not None
        body = {"symbols": {"tickers": tickers, "query": {"types": []}}, "columns": list(COLUMNS)}
        try:
            response = await self._client.post(self._url, json=body, timeout=self._timeout)
        except httpx.TimeoutException as exc:
            raise _PollFailed(f"scanner timed out after {self._timeout:g} s") from exc
        except httpx.HTTPError as exc:
            raise _PollFailed(f"cannot reach the scanner: {exc or type(exc).__name__}") from exc
        answer = self._check(response)
        rows = answer.get("data")
        if not isinstance(rows, list):
            raise _PollFailed(f"scanner answer has no data list: {response.text[:200]!r}")
        seen = self._apply_rows(rows, set(tickers))
        self._note_missing(set(tickers) - seen)

    def _check(self, response: httpx.Response) -> dict[str, Any]:
        """The decoded JSON answer of a 200, or _PollFailed saying what went wrong."""
        status = response.status_code
        if status == 429:
            raise _PollFailed("scanner rate limit (HTTP 429)", _retry_after(response))
        if status >= 500:
            raise _PollFailed(f"scanner server error (HTTP {status})", _retry_after(response))
        try:
            answer: Any = json.loads(response.content, parse_float=Decimal)
        except ValueError:
            answer = None
        error = answer.get("error") if isinstance(answer, dict) else None
        if status != 200 or error:
            text = error or response.text[:200].strip() or "no detail"
            raise _PollFailed(f"scanner rejected the request (HTTP {status}): {text}")
        if not isinstance(answer, dict):
            raise _PollFailed(f"scanner answer is not a JSON object: {response.text[:200]!r}")
        return answer

    def _apply_rows(self, rows: list[Any], asked: set[str]) -> set[str]:
        seen: set[str] = set()
        for row in rows:
            symbol = row.get("s") if isinstance(row, dict) else None
            values = row.get("d") if isinstance(row, dict) else None
            if (
                not isinstance(symbol, str)
                or not isinstance(values, list)
                or len(values) != len(COLUMNS)
            ):
                if not self._bad_rows_logged:
                    log.warning("TradingView scanner: unexpected row %.200r", row)
                    self._bad_rows_logged = True
                continue
            if symbol not in asked or symbol not in self.symbols:
                continue
            seen.add(symbol)
            fields = dict(zip(COLUMNS, values, strict=True))
            mode = fields["update_mode"]
            self._update(symbol, as_price(fields["close"]), mode if isinstance(mode, str) else None)
        return seen

    def _update(self, symbol: str, last: Decimal | None, mode: str | None) -> None:
        old = self._latest.get(symbol)
        if old is not None and (old.last, old.update_mode) == (last, mode):
            return
        quote = Quote(symbol=symbol, last=last, update_mode=mode)
        self._latest[symbol] = quote
        if last is not None and (old is None or old.last != last):
            self._last_change_at = asyncio.get_running_loop().time()
        try:
            self._on_quote(quote)
        except Exception:
            log.exception("on_quote callback failed for %s", symbol)

    def _note_missing(self, missing: set[str]) -> None:
        """Report each missing ticker once, until it comes back."""
        self._missing &= missing
        for symbol in sorted(missing - self._missing):
            self._missing.add(symbol)
            log.warning("TradingView scanner: %s %s", symbol, MISSING_ERROR)
            if self._on_symbol_error is not None:
                try:
                    self._on_symbol_error(symbol, MISSING_ERROR)
                except Exception:
                    log.exception("on_symbol_error callback failed for %s", symbol)

    def _refresh_status(self, now: float) -> None:
        note = f"; not found: {', '.join(sorted(self._missing))}" if self._missing else ""
        if now - self._last_change_at >= self._stale_after:
            reason = f"no price change for {self._stale_after:g} s{note}"
            self._set_status(FeedState.STALE, reason)
            return
        modes = {q.update_mode for s, q in self._latest.items() if s in self.symbols}
        modes -= {None, "streaming"}
        if not modes:
            self._set_status(FeedState.LIVE, f"scanner every {self._poll_interval:g} s{note}")
            return
        delays = [d for d in (delay_minutes(m) for m in modes) if d is not None]
        if delays:
            worst = max(delays)
            self._set_status(FeedState.DELAYED, f"quotes {worst} min delayed{note}", worst)
        else:
            text = ", ".join(sorted(m for m in modes if m))
            self._set_status(FeedState.DELAYED, f"quotes not real-time ({text}){note}")


def _retry_after(response: httpx.Response) -> float | None:
    """Seconds from a numeric Retry-After header, if the server sent one."""
    value = response.headers.get("Retry-After", "")
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None
