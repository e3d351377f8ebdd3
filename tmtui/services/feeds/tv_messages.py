"""What one TradingView websocket frame holds, and how a connection's end is told.

Kept apart from the feed's connection lifecycle (tradingview_ws.py) so the lifecycle reads as
connect / serve / retry: here are the pieces that turn bytes into messages (dropping what is
malformed with one warning), that decide how a message repeats itself in the log, and that
put a close or a failure into words the trader sees in the status bar.
"""

from __future__ import annotations

import asyncio
import logging
import random
import string
from dataclasses import dataclass
from typing import Any

from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from tmtui.services.feeds.tv_protocol import (
    ProtocolError,
    decode_frames,
    is_heartbeat,
    is_hello,
    parse_message,
)

log = logging.getLogger("tmtui.feeds")
"""The feed's logger: the same name as the feed's own, since traders filter on it."""

_SESSION_CHARS = string.ascii_letters + string.digits

Item = dict[str, Any] | str
"""One decoded message (a dict) or a heartbeat (its text, to be echoed exactly)."""


def new_quote_session(rng: random.Random) -> str:
    """`qs_` + 12 random alphanumerics, as the web client names its quote sessions."""
    return "qs_" + "".join(rng.choice(_SESSION_CHARS) for _ in range(12))


class Disconnect(Exception):
    """Ends one connection; `reason` is shown to the trader, `kind` picks the retry delay."""

    def __init__(self, reason: str, kind: str = "drop") -> None:
        super().__init__(reason)
        self.reason = reason
        self.kind = kind  # "drop" | "error" (server said so) | "auth" (wait the cap)


def split_frame(frame: str | bytes) -> list[Item]:
    """Decode one websocket frame into messages (dicts) and heartbeats (str).

    A malformed frame or message is dropped with a warning rather than ending the connection:
    one bad message must not cost the trader every quote that follows it.
    """
    text = frame if isinstance(frame, str) else frame.decode("utf-8", "replace")
    try:
        payloads = decode_frames(text)
    except ProtocolError as exc:
        log.warning("TradingView: dropped a malformed frame: %s", exc)
        return []
    items: list[Item] = []
    for payload in payloads:
        if is_heartbeat(payload):
            items.append(payload)
            continue
        try:
            items.append(parse_message(payload))
        except ProtocolError as exc:
            log.warning("TradingView: dropped a message: %s", exc)
    return items


class UnexpectedLog:
    """Logs each kind of unexpected message once at WARNING, repeats at DEBUG.

    A server change that adds a message would otherwise fill the log at quote rate.
    """

    def __init__(self) -> None:
        self._seen: set[str] = set()

    def __call__(self, what: str, detail: object) -> None:
        level = logging.DEBUG if what in self._seen else logging.WARNING
        self._seen.add(what)
        log.log(level, "TradingView: unexpected message %s: %.200r", what, detail)


def close_text(exc: ConnectionClosed) -> str:
    """Human text for a close: the server's code and reason, or an abrupt drop."""
    frame = exc.rcvd
    if frame is None:
        return "connection lost (no close frame)"
    reason = f" {frame.reason}" if frame.reason else ""
    return f"TradingView closed the connection (code {frame.code}{reason})"


@dataclass(frozen=True, slots=True)
class QsdEntry:
    """One quote update (`qsd`) whose shape has been checked: the feed acts on nothing else."""

    session: object
    symbol: str
    status: object
    values: dict[str, Any] | None
    """None when the server sent none (an error entry, or a malformed one)."""
    errmsg: str


def qsd_entry(params: list[Any], unexpected: UnexpectedLog) -> QsdEntry | None:
    """The update's parts, or None (logged once) when its shape is not TradingView's."""
    if len(params) < 2 or not isinstance(params[1], dict):
        unexpected("qsd (bad shape)", params)
        return None
    entry = params[1]
    symbol = entry.get("n")
    if not isinstance(symbol, str):
        unexpected("qsd (no symbol)", entry)
        return None
    values = entry.get("v")
    return QsdEntry(
        session=params[0],
        symbol=symbol,
        status=entry.get("s"),
        values=values if isinstance(values, dict) else None,
        errmsg=str(entry.get("errmsg") or "error"),
    )


def server_error(method: object, params: list[Any], has_token: bool) -> Disconnect | None:
    """The disconnect a server error message calls for, or None for any other message.

    A `protocol_error` is in practice a bad auth token, which retrying soon cannot fix (kind
    "auth": wait the backoff cap); a `critical_error` is retried with the normal backoff.
    """
    if method == "protocol_error":
        detail = ", ".join(str(p) for p in params) or "no detail"
        hint = " (check the auth token)" if has_token else ""
        return Disconnect(f"TradingView protocol error: {detail}{hint}", "auth")
    if method == "critical_error":
        detail = ": ".join(str(p) for p in params[1:]) or "no detail"
        return Disconnect(f"TradingView critical error: {detail}", "error")
    return None


async def read_hello(ws: ClientConnection, open_timeout: float) -> list[Item]:
    """Wait for the server's hello; what else its frame held, to handle once subscribed.

    A first frame that is not the hello is logged and kept: the connection may still work, and
    dropping it would only turn a server quirk into a reconnect loop.
    """
    try:
        first = await asyncio.wait_for(ws.recv(), open_timeout)
    except TimeoutError as exc:
        raise Disconnect(f"no hello from TradingView within {open_timeout:g} s") from exc
    pending = split_frame(first)
    hello = pending[0] if pending else None
    if isinstance(hello, dict) and is_hello(hello):
        pending.pop(0)
        log.debug("TradingView hello: release %s", hello.get("release"))
    else:
        log.warning("TradingView: first frame was not the hello: %.120r", first)
    return pending
