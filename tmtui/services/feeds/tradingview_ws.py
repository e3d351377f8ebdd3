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
"""

from __future__ import annotations

import asyncio
import logging
import random
import string
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus, InvalidURI
from websockets.typing import Origin
from websockets.uri import parse_uri

from tmtui.services.feeds.base import (
    TRADINGVIEW_ORIGIN,
    Backoff,
    FeedState,
    QuoteCallback,
    QuoteFeed,
    StatusCallback,
    SymbolErrorCallback,
    cancel_task,
    delay_minutes,
)
from tmtui.services.feeds.tv_protocol import (
    UNAUTHORIZED_TOKEN,
    ProtocolError,
    QuoteState,
    decode_frames,
    encode,
    encode_message,
    is_heartbeat,
    is_hello,
    parse_message,
)

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
_SESSION_CHARS = string.ascii_letters + string.digits
# Messages we expect but have nothing to do with; anything else is logged once as unexpected.
_IGNORED_METHODS = frozenset({"quote_completed", "quote_list_fields"})


def new_quote_session(rng: random.Random) -> str:
    """`qs_` + 12 random alphanumerics, as the web client names its quote sessions."""
    return "qs_" + "".join(rng.choice(_SESSION_CHARS) for _ in range(12))


class _Disconnect(Exception):
    """Ends one connection; `reason` is shown to the trader, `kind` picks the retry delay."""

    def __init__(self, reason: str, kind: str = "drop") -> None:
        super().__init__(reason)
        self.reason = reason
        self.kind = kind  # "drop" | "error" (server said so) | "auth" (wait the cap)


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
        try:
            parse_uri(url)  # a malformed URL is a config error: fail now, not on every retry
        except InvalidURI as exc:
            raise ValueError(f"not a websocket URL: {url!r} ({exc})") from exc
        if stale_after <= 0 or idle_timeout <= 0 or open_timeout <= 0:
            raise ValueError("stale_after, idle_timeout and open_timeout must be positive")
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
        self._unexpected_logged: set[str] = set()

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
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._wake.set()
        else:
            loop.call_soon_threadsafe(self._wake.set)

    # Connection lifecycle.

    async def _run(self) -> None:
        while True:
            self._set_status(FeedState.CONNECTING, f"connecting to {self._host()}")
            outcome = await self._connect_once()
            routine = outcome.kind == "drop" and self._healthy  # the server recycles sockets
            if outcome.kind == "auth":
                delay = self._backoff.cap_delay()
            else:
                if routine:
                    self._backoff.reset()
                delay = self._backoff.next_delay()
            level = logging.INFO if routine else logging.WARNING
            log.log(level, "TradingView quote feed down: %s; retrying in %.1f s", outcome, delay)
            self._set_status(FeedState.DOWN, f"{outcome.reason}; retrying in {delay:.1f} s")
            await asyncio.sleep(delay)

    async def _connect_once(self) -> _Disconnect:
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
        except _Disconnect as exc:
            return exc
        except InvalidStatus as exc:
            code = exc.response.status_code
            hint = " (too many connections)" if code == 429 else ""
            return _Disconnect(f"TradingView refused the connection: HTTP {code}{hint}")
        except ConnectionClosed as exc:
            return _Disconnect(_close_text(exc))
        except (OSError, TimeoutError, InvalidHandshake, InvalidURI) as exc:
            return _Disconnect(f"cannot connect to {self._host()}: {exc or type(exc).__name__}")
        except Exception as exc:  # a bug must not end the feed for good
            log.exception("TradingView quote feed: unexpected failure")
            return _Disconnect(f"internal error: {exc!r}", "error")
        finally:
            self._session = None
            self._subscribed.clear()
        return _Disconnect("connection closed")

    async def _open_session(self, ws: ClientConnection) -> None:
        """Read the hello, then authenticate, create a new quote session and subscribe."""
        loop = asyncio.get_running_loop()
        try:
            first = await asyncio.wait_for(ws.recv(), self._open_timeout)
        except TimeoutError as exc:
            raise _Disconnect(f"no hello from TradingView within {self._open_timeout:g} s") from exc
        self._last_frame_at = loop.time()
        pending = self._split(first)
        hello = pending[0] if pending else None
        if isinstance(hello, dict) and is_hello(hello):
            pending.pop(0)
            log.debug("TradingView hello: release %s", hello.get("release"))
        else:
            log.warning("TradingView: first frame was not the hello: %.120r", first)
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
        raise _Disconnect("connection closed")

    # Reading.

    async def _read_loop(self, ws: ClientConnection) -> None:
        loop = asyncio.get_running_loop()
        while True:
            frame = await ws.recv()  # raises ConnectionClosed, which carries the close code
            self._last_frame_at = loop.time()
            for item in self._split(frame):
                await self._handle(ws, item)

    def _split(self, frame: str | bytes) -> list[dict[str, Any] | str]:
        """Decode one websocket frame into messages (dicts) and heartbeats (str)."""
        text = frame if isinstance(frame, str) else frame.decode("utf-8", "replace")
        try:
            payloads = decode_frames(text)
        except ProtocolError as exc:
            log.warning("TradingView: dropped a malformed frame: %s", exc)
            return []
        items: list[dict[str, Any] | str] = []
        for payload in payloads:
            if is_heartbeat(payload):
                items.append(payload)
                continue
            try:
                items.append(parse_message(payload))
            except ProtocolError as exc:
                log.warning("TradingView: dropped a message: %s", exc)
        return items

    async def _handle(self, ws: ClientConnection, item: dict[str, Any] | str) -> None:
        if isinstance(item, str):
            await ws.send(encode(item))  # echo the heartbeat exactly, or the server drops us
            self._healthy = True
            return
        method = item.get("m")
        params = item.get("p")
        params = params if isinstance(params, list) else []
        if method == "qsd":
            self._on_qsd(params)
        elif method == "protocol_error":
            detail = ", ".join(str(p) for p in params) or "no detail"
            hint = " (check the auth token)" if self._auth_token else ""
            raise _Disconnect(f"TradingView protocol error: {detail}{hint}", "auth")
        elif method == "critical_error":
            detail = ": ".join(str(p) for p in params[1:]) or "no detail"
            raise _Disconnect(f"TradingView critical error: {detail}", "error")
        elif method in _IGNORED_METHODS:
            return
        elif is_hello(item):
            log.debug("TradingView: extra hello %.120r", item)
        else:
            self._log_unexpected(str(method), item)

    def _on_qsd(self, params: list[Any]) -> None:
        if len(params) < 2 or not isinstance(params[1], dict):
            self._log_unexpected("qsd (bad shape)", params)
            return
        session, entry = params[0], params[1]
        if session != self._session:
            log.debug("TradingView: qsd for old session %s ignored", session)
            return
        symbol = entry.get("n")
        if not isinstance(symbol, str):
            self._log_unexpected("qsd (no symbol)", entry)
            return
        if entry.get("s") == "error":
            self._symbol_failed(symbol, str(entry.get("errmsg") or "error"))
            return
        if symbol not in self._subscribed:
            return  # late update for a symbol just untracked
        values = entry.get("v")
        if not isinstance(values, dict):
            self._log_unexpected("qsd (no values)", entry)
            return
        if entry.get("s") != "ok":
            self._log_unexpected(f"qsd status {entry.get('s')!r}", entry)
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

    def _log_unexpected(self, what: str, detail: object) -> None:
        """Log each kind of unexpected message once at WARNING, repeats at DEBUG."""
        level = logging.DEBUG if what in self._unexpected_logged else logging.WARNING
        self._unexpected_logged.add(what)
        log.log(level, "TradingView: unexpected message %s: %.200r", what, detail)

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
                raise _Disconnect(f"no data from TradingView for {self._idle_timeout:g} s")
            quiet = now - self._last_quote_at
            if self._subscribed and not self._stale and quiet >= self._stale_after:
                self._stale = True
                self._refresh_status()

    def _refresh_status(self) -> None:
        if self._session is None:
            return
        errors = self._error_note()
        if not self._subscribed:
            self._set_status(FeedState.LIVE, "connected; no symbols tracked" + errors)
        elif self._stale:
            self._set_status(FeedState.STALE, f"no quotes for {self._stale_after:g} s" + errors)
        elif not self._got_quote:
            self._set_status(FeedState.CONNECTING, "subscribed; waiting for quotes" + errors)
        else:
            self._set_live_or_delayed(errors)

    def _set_live_or_delayed(self, errors: str) -> None:
        modes = {self._quotes.update_mode(s) for s in self._subscribed} - {None, "streaming"}
        if not modes:
            self._set_status(FeedState.LIVE, "real-time quotes" + errors)
            return
        delays = [d for d in (delay_minutes(m) for m in modes) if d is not None]
        token_hint = (
            "; does the account have real-time data for this exchange?"
            if self._auth_token
            else "; set an auth token for real-time"
        )
        if delays:
            worst = max(delays)
            reason = f"quotes {worst} min delayed{token_hint}{errors}"
            self._set_status(FeedState.DELAYED, reason, worst)
        else:
            mode_text = ", ".join(sorted(m for m in modes if m))
            reason = f"quotes not real-time ({mode_text}){token_hint}{errors}"
            self._set_status(FeedState.DELAYED, reason)

    def _error_note(self) -> str:
        if not self._symbol_errors:
            return ""
        items = ", ".join(f"{s} ({e})" for s, e in sorted(self._symbol_errors.items()))
        return f"; rejected: {items}"

    def _host(self) -> str:
        return parse_uri(self._url).host


def _close_text(exc: ConnectionClosed) -> str:
    """Human text for a close: the server's code and reason, or an abrupt drop."""
    frame = exc.rcvd
    if frame is None:
        return "connection lost (no close frame)"
    reason = f" {frame.reason}" if frame.reason else ""
    return f"TradingView closed the connection (code {frame.code}{reason})"
