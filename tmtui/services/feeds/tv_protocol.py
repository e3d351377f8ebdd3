"""TradingView quote-websocket wire format: `~m~LEN~m~PAYLOAD` framing and qsd merging.

Pure (no I/O, no clock reads except a default `received` time) so it can be unit-tested and
benchmarked on its own. The server packs several messages into one websocket frame and the
payload may itself contain `~m~`, so frames are parsed by their declared length, never split.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from tmtui.core.quotes import Quote, utcnow

PREFIX = "~m~"
HEARTBEAT_PREFIX = "~h~"
UNAUTHORIZED_TOKEN = "unauthorized_user_token"
PRICE_FIELDS = ("lp", "bid", "ask")
"""qsd fields that move a mark; a delta touching one of these yields a new Quote."""

_MAX_LEN_DIGITS = 10  # a 10-digit length is already far beyond any websocket frame
_HEADER = re.compile(r"~m~([0-9]{1,10})~m~")


class ProtocolError(Exception):
    """The server sent something that does not follow the framing or message shape."""


def encode(msg: Mapping[str, Any] | str) -> str:
    """Frame one message: a dict becomes compact ASCII JSON; a str (a heartbeat) is sent as is."""
    if isinstance(msg, str):
        payload = msg
    else:
        payload = json.dumps(msg, ensure_ascii=True, separators=(",", ":"))
    return f"{PREFIX}{len(payload)}{PREFIX}{payload}"


def encode_message(method: str, params: list[Any]) -> str:
    """Frame a `{"m": method, "p": params}` call, the only shape the client sends."""
    return encode({"m": method, "p": params})


def decode_frames(data: str) -> list[str]:
    """Split one websocket frame into its payloads, by declared length.

    Raises ProtocolError naming the offset and what was found when the frame is malformed.
    """
    payloads: list[str] = []
    pos = 0
    size = len(data)
    while pos < size:
        header = _HEADER.match(data, pos)
        if header is None:
            raise ProtocolError(_header_problem(data, pos))
        start = header.end()
        end = _payload_end(data, pos, start, int(header.group(1)))
        payloads.append(data[start:end])
        pos = end
    return payloads


def _header_problem(data: str, pos: int) -> str:
    """Say precisely what is wrong with the `~m~LEN~m~` header expected at `pos`."""
    if not data.startswith(PREFIX, pos):
        return f"expected '~m~' at offset {pos}, found {data[pos : pos + 16]!r}"
    len_start = pos + len(PREFIX)
    len_end = data.find(PREFIX, len_start, len_start + _MAX_LEN_DIGITS + len(PREFIX))
    if len_end < 0:
        return (
            f"length at offset {len_start} is not closed by '~m~': "
            f"{data[len_start : len_start + 16]!r}"
        )
    return f"length {data[len_start:len_end]!r} at offset {len_start} is not a number"


def _at_boundary(data: str, pos: int) -> bool:
    """A payload may end only at the end of the frame or right before another header."""
    return pos == len(data) or _HEADER.match(data, pos) is not None


def _payload_end(data: str, frame_start: int, start: int, length: int) -> int:
    """Where a payload of `length` ends; lenient about LEN counted in UTF-16 units or bytes."""
    size = len(data)
    end = start + length
    if end <= size and _at_boundary(data, end):
        return end
    # The server's LEN is ASCII in practice; if a payload is not, it may count UTF-16 code
    # units (a JavaScript string length) or UTF-8 bytes. Accept whichever lands on a boundary.
    for counter in (_utf16_units, _utf8_bytes):
        alt = _end_by_units(data, start, length, counter)
        if alt is not None and alt != end and _at_boundary(data, alt):
            return alt
    if end > size:
        raise ProtocolError(
            f"frame at offset {frame_start} declares {length} characters "
            f"but only {size - start} remain (truncated)"
        )
    raise ProtocolError(
        f"frame at offset {frame_start} declares {length} characters but is followed by "
        f"{data[end : end + 16]!r} instead of '~m~LEN~m~' (wrong length)"
    )


def _utf16_units(ch: str) -> int:
    return 2 if ord(ch) > 0xFFFF else 1


def _utf8_bytes(ch: str) -> int:
    code = ord(ch)
    return 1 if code < 0x80 else 2 if code < 0x800 else 3 if code < 0x10000 else 4


def _end_by_units(data: str, start: int, length: int, counter: Callable[[str], int]) -> int | None:
    """Index where `length` units (as counted by `counter`) end, or None if none lines up."""
    count = 0
    pos = start
    size = len(data)
    while count < length and pos < size:
        count += counter(data[pos])
        pos += 1
    return pos if count == length else None


def is_heartbeat(payload: str) -> bool:
    """Heartbeat payloads (`~h~42`) must be echoed back unchanged, framed."""
    return payload.startswith(HEARTBEAT_PREFIX)


def parse_message(payload: str) -> dict[str, Any]:
    """Decode one JSON payload with exact Decimal floats; raise ProtocolError if it is not one."""
    try:
        obj = json.loads(payload, parse_float=Decimal)
    except ValueError as exc:
        raise ProtocolError(f"payload is not JSON ({exc}): {payload[:80]!r}") from exc
    if not isinstance(obj, dict):
        raise ProtocolError(f"payload is JSON but not an object: {payload[:80]!r}")
    return obj


def is_hello(msg: Mapping[str, Any]) -> bool:
    """The server's first message: JSON without `m` (session_id, release, protocol...)."""
    return "m" not in msg


def as_price(value: Any) -> Decimal | None:
    """An exact Decimal from a JSON price (Decimal, int, numeric str); None if not a number."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value)) if value == value and abs(value) != float("inf") else None
    if isinstance(value, str):
        try:
            price = Decimal(value.strip())
        except InvalidOperation:
            return None
        return price if price.is_finite() else None
    return None


def as_utc_time(seconds: Any) -> datetime | None:
    """Aware UTC datetime from Unix seconds (`lp_time`); None if absent or out of range."""
    if isinstance(seconds, bool) or not isinstance(seconds, int | float | Decimal | str):
        return None
    try:
        return datetime.fromtimestamp(float(seconds), UTC)
    except (ValueError, OverflowError, OSError):
        return None


class QuoteState:
    """Per-symbol merged qsd fields: TradingView sends a snapshot once, then only changes."""

    __slots__ = ("_fields",)

    def __init__(self) -> None:
        self._fields: dict[str, dict[str, Any]] = {}

    def apply(
        self, symbol: str, values: Mapping[str, Any], received: datetime | None = None
    ) -> Quote | None:
        """Merge one qsd `v` object; return the merged Quote if lp, bid or ask changed."""
        fields = self._fields.get(symbol)
        if fields is None:
            fields = self._fields[symbol] = {}
        changed = False
        prices: dict[str, Decimal | None] = {}
        for key in PRICE_FIELDS:
            if key in values:
                price = prices[key] = as_price(values[key])
                changed = changed or price != fields.get(key)
        fields.update(values)
        fields.update(prices)
        return self._quote(symbol, fields, received) if changed else None

    def get(self, symbol: str, received: datetime | None = None) -> Quote | None:
        """The merged Quote so far, or None before the first qsd for `symbol`."""
        fields = self._fields.get(symbol)
        return None if fields is None else self._quote(symbol, fields, received)

    def update_mode(self, symbol: str) -> str | None:
        fields = self._fields.get(symbol)
        mode = fields.get("update_mode") if fields else None
        return mode if isinstance(mode, str) else None

    def forget(self, symbol: str) -> None:
        self._fields.pop(symbol, None)

    def clear(self) -> None:
        self._fields.clear()

    def __contains__(self, symbol: object) -> bool:
        return symbol in self._fields

    @staticmethod
    def _quote(symbol: str, fields: Mapping[str, Any], received: datetime | None) -> Quote:
        mode = fields.get("update_mode")
        return Quote(
            symbol=symbol,
            last=fields.get("lp"),
            bid=fields.get("bid"),
            ask=fields.get("ask"),
            received=received or utcnow(),
            trade_time=as_utc_time(fields.get("lp_time")),
            update_mode=mode if isinstance(mode, str) else None,
        )
