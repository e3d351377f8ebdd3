"""One Tradovate login's session: the token, and requests sent the way the API asks.

What the API asks of a client, and how this one answers (partner.tradovate.com; the official
examples in github.com/tradovate/example-api-js):

- Login: `POST /auth/accesstokenrequest {name, password, appId, appVersion, cid, sec}` → an
  `accessToken` and its `expirationTime` (about 80-90 minutes), or `{errorText}` in a 200.
  The token is renewed with `GET /auth/renewaccesstoken` once less than `renew_before` (15
  minutes, as Tradovate's own example does) is left, so a long session never logs in again
  (a third login closes the oldest of two sessions). The token lives in this object only:
  never logged, stored or put in a message. A 401 (the session was closed elsewhere) logs in
  once more; a second 401 is a `TradovateAuthError`.
- Penalty tickets: a 200 whose body holds `p-ticket` and `p-time` was not handled: wait
  `p-time` seconds and send the same body again with `p-ticket` added. With `p-captcha` no
  program can go on ("try again in an hour"), so that is an error at once.
- 429: the request was not handled either: wait (`Retry-After`, else 1, 2, 4... seconds) and
  send again, at most `max_429` times, then a `TradovateRateLimited`.
- A request that never left (refused, DNS, TLS) is `TradovateUnreachable`: safe to retry. One
  sent but unanswered (timeout, 5xx) is `TradovateNoAnswer`: for an order its fate is unknown,
  and nothing here sends it again.

Every wait goes through the `sleep` given to the constructor, and every expiry test through
`clock`, so tests run without waiting.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

import httpx

from tmtui.core.broker.tradovate_records import TradovateReplyError, parse_timestamp
from tmtui.core.orders.tradovate_route import BASE_URLS as BASE_URLS

RENEW_BEFORE = timedelta(minutes=15)
MAX_BACKOFF_S = 60.0

Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], datetime]
R = TypeVar("R")


class TradovateError(Exception):
    """One line for the screen and `--headless`; it never holds a password, `sec` or token."""


class TradovateAuthError(TradovateError):
    """The login or the token was refused."""


class TradovateRateLimited(TradovateError):
    """Tradovate keeps refusing for too many requests (429, penalty tickets, a captcha)."""


class TradovateRefused(TradovateError):
    """A 4xx other than 401 and 429: Tradovate said no to the request (an order is rejected)."""


class TradovateUnreachable(TradovateError):
    """The request never reached Tradovate (refused, DNS, TLS): sending it again is safe."""


class TradovateNoAnswer(TradovateError):
    """The request went out and no usable answer came back: an order's fate is unknown."""


class _Unauthorized(Exception):
    """A 401: the token was refused."""


@dataclass(frozen=True)
class TradovateCredentials:
    """The login's fields; `password` and `sec` are left out of repr."""

    username: str
    password: str = field(repr=False)
    app_id: str
    app_version: str
    cid: int
    sec: str = field(repr=False)
    device_id: str | None = None

    def body(self) -> dict[str, Any]:
        """The `accesstokenrequest` body, in the API's names."""
        body: dict[str, Any] = {
            "name": self.username,
            "password": self.password,
            "appId": self.app_id,
            "appVersion": self.app_version,
            "cid": self.cid,
            "sec": self.sec,
        }
        if self.device_id:
            body["deviceId"] = self.device_id
        return body


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class SessionLimits:
    """How long before expiry to renew, and how much refusing to sit out before giving up."""

    renew_before: timedelta = RENEW_BEFORE
    max_penalties: int = 3
    max_429: int = 4
    backoff_429: float = 1.0


class TradovateSession:
    """The token and the request loop of one login; `TradovateClient` holds one."""

    def __init__(
        self,
        credentials: TradovateCredentials,
        base_url: str,
        *,
        timeout: float = 10.0,
        clock: Clock = utcnow,
        sleep: Sleep = asyncio.sleep,
        limits: SessionLimits = SessionLimits(),
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._base = base_url.rstrip("/")
        self._creds = credentials
        self._timeout = timeout
        self._clock = clock
        self._sleep = sleep
        self._limits = limits
        self._http = httpx.AsyncClient(base_url=self._base, timeout=timeout, transport=transport)
        self._token: str | None = None
        self._expires: datetime | None = None
        self._token_lock = asyncio.Lock()

    def __repr__(self) -> str:
        return f"TradovateSession({self._base!r}, user={self._creds.username!r})"

    @property
    def base_url(self) -> str:
        return self._base

    @property
    def token_expires(self) -> datetime | None:
        """When the current token expires (None before the first login)."""
        return self._expires

    async def aclose(self) -> None:
        self._token = None
        await self._http.aclose()

    # --- the token ---------------------------------------------------------------------------

    async def log_in(self) -> None:
        """Log in now (a route's start), whatever token is held."""
        async with self._token_lock:
            await self._log_in()

    async def _log_in(self) -> None:
        reply = await self._send("POST", "/auth/accesstokenrequest", body=self._creds.body())
        self._take_token(reply, "login")

    async def _ensure_token(self) -> None:
        """A live token, got under a lock: calls made at once log in (or renew) once."""
        async with self._token_lock:
            if self._token is None or self._expires is None:
                await self._log_in()
            elif self._clock() >= self._expires - self._limits.renew_before:
                await self._renew()

    async def _renew(self) -> None:
        """Renew the session's token; an expired or refused one means a fresh login."""
        if self._expires is not None and self._clock() >= self._expires:
            await self._log_in()
            return
        try:
            reply = await self._send("GET", "/auth/renewaccesstoken", auth=True)
        except _Unauthorized:
            await self._log_in()
            return
        self._take_token(reply, "token renewal")

    async def _replace_refused(self, refused: str | None) -> None:
        """Log in again after a 401, unless a call made at the same time already has."""
        async with self._token_lock:
            if self._token is None or self._token == refused:
                self._token = None
                await self._log_in()

    def _take_token(self, reply: Any, what: str) -> None:
        user = self._creds.username
        if not isinstance(reply, Mapping):
            raise TradovateAuthError(f"Tradovate's answer to the {what} of {user!r} is not JSON")
        if reply.get("errorText"):
            text = self._redact(str(reply["errorText"]))
            raise TradovateAuthError(f"Tradovate refused the {what} of {user!r}: {text}")
        token, expires = reply.get("accessToken"), reply.get("expirationTime")
        if not isinstance(token, str) or not token or not isinstance(expires, str):
            raise TradovateAuthError(f"Tradovate's answer to the {what} of {user!r} has no token")
        try:
            self._expires = parse_timestamp(expires)
        except TradovateReplyError:
            raise TradovateAuthError(
                f"Tradovate's {what} gave an unreadable expiry {expires!r}"
            ) from None
        self._token = token

    # --- requests ----------------------------------------------------------------------------

    async def call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        body: Mapping[str, Any] | None = None,
        missing_ok: bool = False,
    ) -> Any:
        """An authenticated request; a refused token logs in once more and resends."""
        await self._ensure_token()
        used = self._token
        try:
            return await self._send(method, path, params, body, auth=True, missing_ok=missing_ok)
        except _Unauthorized:
            pass
        await self._replace_refused(used)
        try:
            return await self._send(method, path, params, body, auth=True, missing_ok=missing_ok)
        except _Unauthorized:
            raise TradovateAuthError(
                f"Tradovate refused the token of {self._creds.username!r} for {path}"
            ) from None

    async def _send(
        self,
        method: str,
        path: str,
        params: Mapping[str, str] | None = None,
        body: Mapping[str, Any] | None = None,
        *,
        auth: bool = False,
        missing_ok: bool = False,
    ) -> Any:
        """One request, resent after penalty tickets and 429s as the API asks."""
        payload = dict(body) if body is not None else None
        penalties = refusals = 0
        while True:
            response = await self._request(method, path, params, payload, auth)
            status = response.status_code
            if status == 429:
                refusals += 1
                if refusals > self._limits.max_429:
                    raise TradovateRateLimited(
                        f"Tradovate answered 429 Too Many Requests to {path} {refusals} times "
                        "in a row: it may refuse this login for up to an hour"
                    )
                await self._sleep(self._retry_after(response, refusals))
                continue
            if status == 401:
                raise _Unauthorized
            if status == 404 and missing_ok:
                return None
            if status >= 500:
                raise TradovateNoAnswer(f"Tradovate answered {status} to {path}")
            if status >= 400:
                raise TradovateRefused(
                    f"Tradovate answered {status} to {path}: {self._excerpt(response)}"
                )
            data = self._decode(response, path)
            if isinstance(data, Mapping) and "p-ticket" in data:
                penalties += 1
                await self._serve_penalty(data, path, penalties)
                if payload is not None:
                    payload["p-ticket"] = data["p-ticket"]
                continue
            return data

    async def _serve_penalty(self, data: Mapping[str, Any], path: str, count: int) -> None:
        if data.get("p-captcha"):
            raise TradovateRateLimited(
                f"Tradovate asks for a captcha after too many requests to {path}: "
                "no program can answer it; try again in about an hour"
            )
        if count > self._limits.max_penalties:
            raise TradovateRateLimited(
                f"Tradovate gave {count} penalty tickets in a row for {path}: giving up"
            )
        try:
            wait = float(data.get("p-time", 0))
        except (TypeError, ValueError):
            wait = 0.0
        await self._sleep(max(wait, 0.0))

    async def _request(
        self,
        method: str,
        path: str,
        params: Mapping[str, str] | None,
        payload: Mapping[str, Any] | None,
        auth: bool,
    ) -> httpx.Response:
        headers = {"Accept": "application/json"}
        if auth and self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        url = self._base + path
        try:
            return await self._http.request(
                method, url, params=params, json=payload, headers=headers
            )
        except (httpx.ConnectError, httpx.ConnectTimeout) as error:
            raise TradovateUnreachable(
                f"cannot reach Tradovate at {self._base}: {type(error).__name__}"
            ) from None
        except httpx.TimeoutException:
            raise TradovateNoAnswer(
                f"no answer from Tradovate to {path} within {self._timeout:g} s"
            ) from None
        except httpx.HTTPError as error:
            raise TradovateNoAnswer(
                f"the connection to Tradovate broke during {path}: {type(error).__name__}"
            ) from None

    def _retry_after(self, response: httpx.Response, refusals: int) -> float:
        header = str(response.headers.get("Retry-After", ""))
        try:
            return max(float(header), 0.0)
        except ValueError:
            return min(self._limits.backoff_429 * float(2 ** (refusals - 1)), MAX_BACKOFF_S)

    def _decode(self, response: httpx.Response, path: str) -> Any:
        if not response.content:
            return None
        try:
            return json.loads(response.text, parse_float=Decimal)
        except ValueError:
            raise TradovateError(f"Tradovate's answer to {path} is not JSON") from None

    def _excerpt(self, response: httpx.Response) -> str:
        try:
            data = json.loads(response.text)
        except ValueError:
            data = None
        text = (
            str(data.get("errorText") or data.get("message") or data)
            if isinstance(data, Mapping)
            else response.text
        )
        line = " ".join(text.split())[:200] or response.reason_phrase
        return self._redact(line)

    def _redact(self, text: str) -> str:
        """Whatever Tradovate echoes, the password, `sec` and token never leave this object."""
        for secret in (self._creds.password, self._creds.sec, self._token):
            if secret:
                text = text.replace(secret, "***")
        return text

    def read(self, reader: Callable[..., R], *args: Any) -> R:
        """A reply read by a `tradovate_records` reader; a reply without its fields is one line."""
        try:
            return reader(*args)
        except (TradovateReplyError, KeyError, TypeError, ValueError) as error:
            raise TradovateError(
                f"unexpected Tradovate reply: {self._redact(str(error))}"
            ) from None
