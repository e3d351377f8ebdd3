"""A local TradingView quote websocket speaking the real wire protocol, for feed tests.

It parses the client's frames with its own length-based parser (not tmtui's), so a framing
bug in the client cannot be mirrored here. It sends the hello first, heartbeats on a short
interval and drops a client that does not echo them, answers `quote_add_symbols` with a
snapshot plus `quote_completed` packed in one frame, and lets tests push deltas, errors and
abrupt drops. Everything the client sends is recorded per connection.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

HELLO = {
    "session_id": "<0.2981.1457>_fake-host-1",
    "timestamp": 1787032585,
    "timestampMs": 1787032585123,
    "release": "registry.tradingview.com/tvbs:fake",
    "studies_metadata_hash": "0123456789abcdef",
    "auth_scheme_vsn": 2,
    "protocol": "json",
    "via": "127.0.0.1:443",
    "javastudies": ["3.66"],
}
SESSION_RE = re.compile(r"^qs_[A-Za-z0-9]{12}$")
_FRAME_RE = re.compile(r"~m~(\d+)~m~")


def frame(payload: str) -> str:
    return f"~m~{len(payload)}~m~{payload}"


def message(method: str, params: list[Any]) -> str:
    return frame(json.dumps({"m": method, "p": params}, separators=(",", ":")))


def split_frames(data: str) -> list[str]:
    """The fake's own parser: header by regex, payload by declared length."""
    out: list[str] = []
    pos = 0
    while pos < len(data):
        match = _FRAME_RE.match(data, pos)
        if match is None:
            raise ValueError(f"client sent a malformed frame at {pos}: {data[pos : pos + 20]!r}")
        start = match.end()
        end = start + int(match.group(1))
        if end > len(data):
            raise ValueError(f"client frame truncated: {data!r}")
        out.append(data[start:end])
        pos = end
    return out


@dataclass
class FakeConnection:
    """What one client connection sent and how it ended."""

    ws: ServerConnection
    origin: str | None
    messages: list[dict[str, Any]] = field(default_factory=list)
    heartbeats_sent: list[str] = field(default_factory=list)
    heartbeats_echoed: list[str] = field(default_factory=list)
    auth_token: str | None = None
    session: str | None = None
    fields: list[str] = field(default_factory=list)
    subscribed: list[str] = field(default_factory=list)
    dropped_for_heartbeat: bool = False
    closed: bool = False

    def sent(self, method: str) -> list[list[Any]]:
        """Params of every message `method` this client sent, in order."""
        return [m["p"] for m in self.messages if m.get("m") == method]


class FakeTradingViewServer:
    """Run with `async with FakeTradingViewServer(...) as server:`; connect to `server.url`."""

    def __init__(
        self,
        *,
        snapshots: dict[str, dict[str, Any]] | None = None,
        update_mode: str = "streaming",
        heartbeat_interval: float = 0.2,
        heartbeat_deadline: float = 0.6,
        bad_tokens: frozenset[str] = frozenset({"bad-token"}),
    ) -> None:
        self.snapshots = dict(snapshots or {})
        self.update_mode = update_mode
        self.heartbeat_interval = heartbeat_interval
        self.heartbeat_deadline = heartbeat_deadline
        self.bad_tokens = bad_tokens
        self.attempts = 0
        self.attempt_times: list[float] = []
        self.connections: list[FakeConnection] = []
        self._reject: list[int] = []
        self._heartbeat_counter = 100
        self._server: Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.port = 0

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/socket.io/websocket?from=chart&type=chart"

    @property
    def current(self) -> FakeConnection:
        """The newest connection that is still open."""
        open_ = [c for c in self.connections if not c.closed]
        if not open_:
            raise AssertionError("no open client connection")
        return open_[-1]

    async def __aenter__(self) -> FakeTradingViewServer:
        self._server = await serve(
            self._handler, "127.0.0.1", 0, process_request=self._process_request
        )
        self.port = next(iter(self._server.sockets)).getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    # Scripting from tests.

    def reject_next(self, count: int, status: int = 429) -> None:
        """Refuse the next `count` handshakes with HTTP `status` (429: too many sockets)."""
        self._reject.extend([status] * count)

    async def push(self, symbol: str, values: dict[str, Any]) -> None:
        """Send a qsd delta for `symbol` to every open connection subscribed to it."""
        for conn in self._subscribers(symbol):
            await self._send(conn, self._qsd(conn, symbol, values))

    async def send_packed(self, conn: FakeConnection, *payloads: str) -> None:
        """Several framed messages back to back in ONE websocket frame."""
        await self._send(conn, "".join(payloads))

    def qsd(self, conn: FakeConnection, symbol: str, values: dict[str, Any]) -> str:
        return self._qsd(conn, symbol, values)

    async def send_raw(self, conn: FakeConnection, text: str) -> None:
        await self._send(conn, text)

    async def critical_error(self, conn: FakeConnection, name: str, description: str) -> None:
        await self._send(conn, message("critical_error", [conn.session, name, description]))

    async def drop(self, conn: FakeConnection) -> None:
        """Close the TCP connection with no close frame, as a crashed server or NAT would."""
        conn.closed = True
        transport = conn.ws.transport
        if transport is not None:
            transport.abort()

    # Protocol.

    def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        self.attempts += 1
        self.attempt_times.append(time.monotonic())
        if self._reject:
            status = self._reject.pop(0)
            return connection.respond(HTTPStatus(status), "Too many connections\n")
        return None

    async def _handler(self, ws: ServerConnection) -> None:
        origin = ws.request.headers.get("Origin") if ws.request is not None else None
        conn = FakeConnection(ws=ws, origin=origin)
        self.connections.append(conn)
        heartbeat = asyncio.create_task(self._heartbeats(conn))
        self._tasks.add(heartbeat)
        try:
            await ws.send(frame(json.dumps(HELLO, separators=(",", ":"))))
            async for data in ws:
                text = data if isinstance(data, str) else data.decode()
                for payload in split_frames(text):
                    await self._on_client(conn, payload)
        except ConnectionClosed:
            pass
        finally:
            conn.closed = True
            heartbeat.cancel()
            self._tasks.discard(heartbeat)

    async def _on_client(self, conn: FakeConnection, payload: str) -> None:
        if payload.startswith("~h~"):
            conn.heartbeats_echoed.append(payload)
            return
        msg = json.loads(payload)
        conn.messages.append(msg)
        method, params = msg.get("m"), msg.get("p", [])
        if method == "set_auth_token":
            conn.auth_token = params[0]
            if conn.auth_token in self.bad_tokens:
                await self._send(conn, message("protocol_error", ["bad auth token"]))
                conn.closed = True
                await conn.ws.close()
        elif method == "quote_create_session":
            if not SESSION_RE.match(params[0]):
                await self._send(conn, message("critical_error", [params[0], "bad_session"]))
                return
            conn.session = params[0]
        elif method in (
            "quote_set_fields",
            "quote_add_symbols",
            "quote_remove_symbols",
            "quote_fast_symbols",
        ):
            if params[0] != conn.session:
                err = ["wrong_session", f"unknown session {params[0]}"]
                await self._send(conn, message("critical_error", [params[0], *err]))
                return
            if method == "quote_set_fields":
                conn.fields = list(params[1:])
            elif method == "quote_add_symbols":
                await self._add_symbols(conn, params[1:])
            elif method == "quote_remove_symbols":
                conn.subscribed = [s for s in conn.subscribed if s not in params[1:]]

    async def _add_symbols(self, conn: FakeConnection, symbols: list[str]) -> None:
        for symbol in symbols:
            if symbol not in self.snapshots:
                error = {"n": symbol, "s": "error", "errmsg": "no_such_symbol", "v": {}}
                await self._send(conn, message("qsd", [conn.session, error]))
                continue
            conn.subscribed.append(symbol)
            snapshot = {"update_mode": self.update_mode, **self.snapshots[symbol]}
            await self._send(
                conn,
                self._qsd(conn, symbol, snapshot)
                + message("quote_completed", [conn.session, symbol]),
            )

    def _qsd(self, conn: FakeConnection, symbol: str, values: dict[str, Any]) -> str:
        return message("qsd", [conn.session, {"n": symbol, "s": "ok", "v": values}])

    def _subscribers(self, symbol: str) -> list[FakeConnection]:
        return [c for c in self.connections if not c.closed and symbol in c.subscribed]

    async def _send(self, conn: FakeConnection, text: str) -> None:
        if conn.closed:
            return
        try:
            await conn.ws.send(text)
        except ConnectionClosed:
            conn.closed = True

    async def _heartbeats(self, conn: FakeConnection) -> None:
        """Send `~h~N` and drop the client if one goes unechoed past the deadline."""
        pending: dict[str, float] = {}
        while not conn.closed:
            await asyncio.sleep(self.heartbeat_interval)
            now = time.monotonic()
            for beat in conn.heartbeats_echoed:
                pending.pop(beat, None)
            if any(now - sent > self.heartbeat_deadline for sent in pending.values()):
                conn.dropped_for_heartbeat = True
                await self.drop(conn)
                return
            self._heartbeat_counter += 1
            beat = f"~h~{self._heartbeat_counter}"
            pending[beat] = now
            conn.heartbeats_sent.append(beat)
            await self._send(conn, frame(beat))
