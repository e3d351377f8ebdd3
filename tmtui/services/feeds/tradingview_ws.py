"""TradingView quote websocket feed: bid/ask/last for every tracked symbol.

One background task owns the connection. Each connection gets a new quote session and
re-subscribes every tracked symbol, because the server closes long-lived sockets on its own
and reconnecting is normal operation. While connected, three tasks share the socket: a
reader (frames, heartbeats, quotes), a sender that reconciles subscriptions with
`self.symbols` whenever track()/untrack() poke it, and a watchdog for staleness and silence.

Retry policy: drops, HTTP 429 and `critical_error` reconnect with exponential backoff
(jittered, capped, reset after a healthy connection). A `protocol_error` (in practice a bad
auth token) cannot be fixed by retrying soon, so the feed reports it as DOWN and waits the
full backoff cap before each further try: one attempt per ~30 s, never a tight loop, and it
recovers by itself if the server-side problem clears.

A symbol the server rejects (`no_such_symbol`) is reported once and not re-subscribed on
later connections; untrack() then track() it again to retry.

This module holds the connection's lifecycle only; turning frames into messages and a close
into words lives in tv_messages.py, and the status line's wording in tv_status.py.
"""

from __future__ import annotations

import asyncio
import logging
import random
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus, InvalidURI
from websockets.typing import Origin
from websockets.uri import parse_uri

from tmtui.core.formatting import seconds_text
from tmtui.services.feeds.base import (
    TRADINGVIEW_ORIGIN,
    Backoff,
    FeedState,
    QuoteCallback,
    QuoteFeed,
    StatusCallback,
    SymbolErrorCallback,
    cancel_task,
)
from tmtui.services.feeds.tv_messages import (
    Disconnect,
    Item,
    UnexpectedLog,
    close_text,
    new_quote_session,
    qsd_entry,
    read_hello,
    server_error,
    split_frame,
)
from tmtui.services.feeds.tv_protocol import (
    UNAUTHORIZED_TOKEN,
    QuoteState,
    encode,
    encode_message,
    is_hello,
)
from tmtui.services.feeds.tv_status import SessionFacts, session_status

log = logging.getLogger("tmtui.feeds")

QUOTE_FIELDS = (
    "lp",
    "bid",
    "ask",
    "ch",
    "chp",
    "lp_time",
    "update_mode",
    "pricescale",
    "minmov",
    "current_session",
)
# Messages we expect but have nothing to do with; anything else is logged once as unexpected.
_IGNORED_METHODS = frozenset({"quote_completed", "quote_list_fields"})


class TradingViewQuoteFeed(QuoteFeed):
    """Streams merged quotes from TradingView's quote websocket; see the module docstring."""

    def __init__(
        self,
        on_quote: QuoteCallback,
        on_status: StatusCallback,
        *,
        url: str,
        auth_token: str = "",
        origin: str = TRADINGVIEW_ORIGIN,
        backoff_initial: float = 1.0,
        backoff_cap: float = 30.0,
        stale_after: float = 10.0,
        rng: random.Random | None = None,
        on_symbol_error: SymbolErrorCallback | None = None,
        idle_timeout: float = 45.0,
        open_timeout: float = 10.0,
    ) -> None:
        super().__init__(on_quote, on_status)
        _check_settings(url, stale_after, idle_timeout, open_timeout)
        self._url = url
        self._auth_token = auth_token
        self._origin = origin
        self._stale_after = stale_after
        self._idle_timeout = idle_timeout
        self._open_timeout = open_timeout
        self._rng = rng or random.Random()
        self._backoff = Backoff(backoff_initial, backoff_cap, self._rng)
        self._on_symbol_error = on_symbol_error
        self._task: asyncio.Task[None] | None = None
        self._conn_tasks: list[asyncio.Task[None]] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake = asyncio.Event()
        # Per-connection state, reset in _open_session().
        self._session: str | None = None
        self._subscribed: set[str] = set()
        self._quotes = QuoteState()
        self._got_quote = False
        self._stale = False
        self._healthy = False
        self._last_quote_at = 0.0
        self._last_frame_at = 0.0
        # Feed-lifetime state.
        self._symbol_errors: dict[str, str] = {}
        self._log_unexpected = UnexpectedLog()

    @property
    def session(self) -> str | None:
        """Current quote session id, None while disconnected."""
        return self._session

    async def start(self) -> None:
        if self._task is not None and not self._task.done():
            return
        self._loop = asyncio.get_running_loop()
        self._task = asyncio.create_task(self._run(), name="tmtui-tv-quote-feed")

    async def stop(self) -> None:
        task, self._task = self._task, None
        await cancel_task(task, "TradingView quote feed")
        self._set_status(FeedState.DOWN, "stopped")

    # track()/untrack() hooks: sync, called from the event loop; the sender does the I/O.

    def _symbols_added(self, symbols: set[str]) -> None:
        for symbol in symbols:
            self._symbol_errors.pop(symbol, None)
        self._poke()

    def _symbols_removed(self, symbols: set[str]) -> None:
        for symbol in symbols:
            self._symbol_errors.pop(symbol, None)
            self._quotes.forget(symbol)
        self._poke()

    def _poke(self) -> None:
        """Wake the sender, from the loop's thread or (defensively) from another thread."""
        _wake_from_any_thread(self._loop, self._wake)

    # Connection lifecycle.

    async def _run(self) -> None:
        while True:
            self._set_status(FeedState.CONNECTING, f"connecting to {_host_of(self._url)}")
            outcome = await self._connect_once()
            routine = outcome.kind == "drop" and self._healthy  # the server recycles sockets
            delay = _retry_delay(self._backoff, outcome, routine)
            level = logging.INFO if routine else logging.WARNING
            log.log(level, "TradingView quote feed down: %s; retrying in %.1f s", outcome, delay)
            self._set_status(
                FeedState.DOWN, f"{outcome.reason}; retrying in {seconds_text(delay)} s"
            )
            await asyncio.sleep(delay)

    async def _connect_once(self) -> Disconnect:
        """One connection from handshake to drop; returns why it ended."""
        self._healthy = False
        try:
            async with connect(
                self._url,
                origin=Origin(self._origin),
                open_timeout=self._open_timeout,
                # Browsers never send websocket pings; the TradingView heartbeat plus our idle
                # timeout already prove liveness.
                ping_interval=None,
                close_timeout=0.5,
                max_size=8 * 2**20,
            ) as ws:
                await self._open_session(ws)
                await self._serve(ws)
        except Disconnect as exc:
            return exc
        except InvalidStatus as exc:
            code = exc.response.status_code
            hint = " (too many connections)" if code == 429 else ""
            return Disconnect(f"TradingView refused the connection: HTTP {code}{hint}")
        except ConnectionClosed as exc:
            return Disconnect(close_text(exc))
        except (OSError, TimeoutError, InvalidHandshake, InvalidURI) as exc:
            return Disconnect(
                f"cannot connect to {_host_of(self._url)}: {exc or type(exc).__name__}"
            )
        except Exception as exc:  # a bug must not end the feed for good
            log.exception("TradingView quote feed: unexpected failure")
            return Disconnect(f"internal error: {exc!r}", "error")
        finally:
            self._session = None
            self._subscribed.clear()
        return Disconnect("connection closed")

    async def _open_session(self, ws: ClientConnection) -> None:
        """Read the hello, then authenticate, create a new quote session and subscribe."""
        pending = await read_hello(ws, self._open_timeout)
        self._last_frame_at = asyncio.get_running_loop().time()
        self._session = new_quote_session(self._rng)
        self._quotes = QuoteState()
        self._subscribed = set()
        self._got_quote = False
        self._stale = False
        token = self._auth_token or UNAUTHORIZED_TOKEN
        await ws.send(encode_message("set_auth_token", [token]))
        await ws.send(encode_message("quote_create_session", [self._session]))
        await ws.send(encode_message("quote_set_fields", [self._session, *QUOTE_FIELDS]))
        self._wake.clear()
        await self._sync_subscriptions(ws)
        for item in pending:
            await self._handle(ws, item)

    async def _serve(self, ws: ClientConnection) -> None:
        """Run reader, sender and watchdog until one of them ends the connection."""
        self._conn_tasks = [
            asyncio.create_task(self._read_loop(ws), name="tmtui-tv-read"),
            asyncio.create_task(self._send_loop(ws), name="tmtui-tv-send"),
            asyncio.create_task(self._watchdog(), name="tmtui-tv-watchdog"),
        ]
        try:
            done, _ = await asyncio.wait(self._conn_tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in self._conn_tasks:
                task.cancel()
            await asyncio.gather(*self._conn_tasks, return_exceptions=True)
        for task in done:
            exc = task.exception()
            if exc is not None:
                raise exc
        raise Disconnect("connection closed")

    # Reading.

    async def _read_loop(self, ws: ClientConnection) -> None:
        loop = asyncio.get_running_loop()
        while True:
            frame = await ws.recv()  # raises ConnectionClosed, which carries the close code
            self._last_frame_at = loop.time()
            for item in split_frame(frame):
                await self._handle(ws, item)

    async def _handle(self, ws: ClientConnection, item: Item) -> None:
        if isinstance(item, str):
            await ws.send(encode(item))  # echo the heartbeat exactly, or the server drops us
            self._healthy = True
            return
        method = item.get("m")
        params = item.get("p")
        params = params if isinstance(params, list) else []
        failure = server_error(method, params, bool(self._auth_token))
        if failure is not None:
            raise failure
        if method == "qsd":
            self._on_qsd(params)
        elif method in _IGNORED_METHODS:
            return
        elif is_hello(item):
            log.debug("TradingView: extra hello %.120r", item)
        else:
            self._log_unexpected(str(method), item)

    def _on_qsd(self, params: list[Any]) -> None:
        entry = qsd_entry(params, self._log_unexpected)
        if entry is None:
            return
        if entry.session != self._session:
            log.debug("TradingView: qsd for old session %s ignored", entry.session)
            return
        symbol, values = entry.symbol, entry.values
        if entry.status == "error":
            self._symbol_failed(symbol, entry.errmsg)
            return
        if symbol not in self._subscribed:
            return  # late update for a symbol just untracked
        if values is None:
            self._log_unexpected("qsd (no values)", params[1])
            return
        if entry.status != "ok":
            self._log_unexpected(f"qsd status {entry.status!r}", params[1])
        self._last_quote_at = asyncio.get_running_loop().time()
        self._healthy = True
        quote = self._quotes.apply(symbol, values)
        if quote is not None:
            try:
                self._on_quote(quote)
            except Exception:
                log.exception("on_quote callback failed for %s", symbol)
        if not self._got_quote or self._stale or "update_mode" in values:
            self._got_quote = True
            self._stale = False
            self._refresh_status()

    def _symbol_failed(self, symbol: str, errmsg: str) -> None:
        if symbol not in self.symbols:
            return
        first = symbol not in self._symbol_errors
        self._symbol_errors[symbol] = errmsg
        self._subscribed.discard(symbol)
        self._quotes.forget(symbol)
        if first:
            log.warning("TradingView rejected symbol %s: %s", symbol, errmsg)
            if self._on_symbol_error is not None:
                try:
                    self._on_symbol_error(symbol, errmsg)
                except Exception:
                    log.exception("on_symbol_error callback failed for %s", symbol)
        self._refresh_status()

    # Writing.

    async def _send_loop(self, ws: ClientConnection) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            await self._sync_subscriptions(ws)

    async def _sync_subscriptions(self, ws: ClientConnection) -> None:
        """Make the server's symbol set match `self.symbols` (less rejected ones)."""
        session = self._session
        if session is None:
            return
        wanted = self.symbols - self._symbol_errors.keys()
        remove = sorted(self._subscribed - wanted)
        add = sorted(wanted - self._subscribed)
        if remove:
            self._subscribed -= set(remove)
            await ws.send(encode_message("quote_remove_symbols", [session, *remove]))
        if add:
            if not self._subscribed:
                self._last_quote_at = asyncio.get_running_loop().time()
            self._subscribed |= set(add)
            await ws.send(encode_message("quote_add_symbols", [session, *add]))
            # The web client marks on-screen symbols "fast" so updates are not throttled.
            fast = sorted(self._subscribed)
            await ws.send(encode_message("quote_fast_symbols", [session, *fast]))
        if add or remove or self._status.state is FeedState.CONNECTING:
            self._refresh_status()

    # Status.

    async def _watchdog(self) -> None:
        """Flag STALE quotes; drop a silent socket (the server heartbeats every ~10 s)."""
        loop = asyncio.get_running_loop()
        period = max(0.01, min(self._stale_after, self._idle_timeout) / 4)
        while True:
            await asyncio.sleep(period)
            now = loop.time()
            if now - self._last_frame_at >= self._idle_timeout:
                raise Disconnect(f"no data from TradingView for {self._idle_timeout:g} s")
            quiet = now - self._last_quote_at
            if self._subscribed and not self._stale and quiet >= self._stale_after:
                self._stale = True
                self._refresh_status()

    def _refresh_status(self) -> None:
        if self._session is None:
            return
        facts = SessionFacts(
            subscribed=bool(self._subscribed),
            stale=self._stale,
            stale_after=self._stale_after,
            got_quote=self._got_quote,
            update_modes=[self._quotes.update_mode(s) for s in self._subscribed],
            symbol_errors=self._symbol_errors,
            has_token=bool(self._auth_token),
        )
        self._set_status(*session_status(facts))


def _named(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


def _host_of(url: str) -> str:
    return parse_uri(url).host


def _retry_delay(backoff: Backoff, outcome: Disconnect, routine: bool) -> float:
    """How long to wait before the next connection (see the module docstring's policy)."""
    if outcome.kind == "auth":
        return backoff.cap_delay()
    if routine:
        backoff.reset()
    return backoff.next_delay()


def _check_settings(url: str, stale_after: float, idle_timeout: float, open_timeout: float) -> None:
    """A malformed URL or a non-positive timeout is a config error: fail now, not on every retry."""
    try:
        parse_uri(url)
    except InvalidURI as exc:
        raise ValueError(f"not a websocket URL: {url!r} ({exc})") from exc
    if stale_after <= 0 or idle_timeout <= 0 or open_timeout <= 0:
        raise ValueError("stale_after, idle_timeout and open_timeout must be positive")


def _wake_from_any_thread(loop: asyncio.AbstractEventLoop | None, wake: asyncio.Event) -> None:
    """Set `wake` on `loop`: directly from the loop's own thread, else thread-safely."""
    if loop is None or loop.is_closed():
        return
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is loop:
        wake.set()
    else:
        loop.call_soon_threadsafe(wake.set)
