"""The HTTP endpoint TradingView alerts arrive at, served inside the app's own event loop.

The listener only decides whether a request is an authentic, well-formed alert; the sink (the
engine) decides what it means and answers only once the signal is durably recorded. Status
codes follow TradingView's retry rule: 2xx once recorded, 5xx only when recording failed (so
the resend delivers it), 4xx for everything a resend would not fix.

Choices worth knowing:

* Client address: the TCP peer, unless `trust_forwarded`; then the right-most
  `X-Forwarded-For` entry (the one the tunnel itself appended: cloudflared and ngrok both append
  the address that connected to them, so a forged left part is ignored), else
  `CF-Connecting-IP`, else the peer.
* No secret configured: the listener binds 127.0.0.1 whatever `host` says, warns loudly, and
  refuses (401) requests that carry forwarding headers, i.e. came through a tunnel.
* Rate limit: a sliding 60 s window per client address, counted before anything else, so a
  flood costs no parsing; only the first 429 of a run is reported to the sink.
* The secret rides where each bridge keeps it: in the body (`secret`, `token`, `key`...,
  CrossTrade's `key=`, the comma form's licence) or, for formats with no field of their own,
  in the URL: `{path}?secret=...`, `{path}/{secret}` or `{path}/{secret}/{strategy}`. A right
  secret in the URL is enough (the body's own token may then be another bridge's); a wrong one
  there is refused even if the body's is right.
* The secret never leaves this module: the body is redacted in `IncomingAlert.raw`, paths are
  scrubbed before they are logged, and `AlertFields.secret` is cleared before the sink sees
  the alert.

Imports no Textual.
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import logging
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Final, Protocol

import simplejson
from aiohttp import web

from tmtui import __version__
from tmtui.core.alerts.alert_parsing import (
    check_alert_fields,
    idempotency_key,
    read_alert_fields,
    redact_secret,
    validate_strategy_name,
)
from tmtui.core.engine_api import DRAIN_TIMEOUT_S
from tmtui.core.models import (
    AlertFields,
    AlertReply,
    ConfigError,
    IncomingAlert,
    InvalidSignal,
    LedgerUnavailable,
    TmtuiError,
    UnusableSignal,
)

log = logging.getLogger("tmtui.listener")

BODY_READ_TIMEOUT_S: Final = 2.5
"""TradingView gives up after 3 s: a body still arriving after 2.5 s will not be answered."""
IDLE_TIMEOUT_S: Final = 10.0
"""Closes connections idle, or still sending headers, this long after connecting or answering."""
LINGERING_TIME_S: Final = 1.0
"""How long an unread body (after a 413) is drained so the client can read the answer."""
MAX_PENDING_REPORTS: Final = 256
MAX_TRACKED_CLIENTS: Final = 4096
FORWARDING_HEADERS: Final = ("X-Forwarded-For", "CF-Connecting-IP", "Forwarded", "X-Real-IP")
GENERIC_503: Final = "tmtui could not record the alert; TradingView will resend it"
HEALTH_PROBLEM_KEY: Final = "problem"
"""`health_extra()` puts why alerts cannot be recorded under this key: /health is then 503."""


class ListenerSettings(Protocol):
    """The `[listener]` settings the listener reads (config.ListenerConfig satisfies it)."""

    @property
    def host(self) -> str: ...
    @property
    def port(self) -> int: ...
    @property
    def path(self) -> str: ...
    @property
    def secret(self) -> str: ...
    @property
    def allow_ips(self) -> Sequence[str]: ...
    @property
    def trust_forwarded(self) -> bool: ...
    @property
    def max_body_bytes(self) -> int: ...
    @property
    def rate_limit_per_min(self) -> int: ...
    @property
    def max_qty(self) -> int: ...


class AlertSink(Protocol):
    """Where authenticated alerts go (the engine)."""

    async def submit_alert(self, alert: IncomingAlert) -> AlertReply:
        """Record and apply the alert; return only once it is committed.

        Raise InvalidSignal (400), UnusableSignal (422) or LedgerUnavailable (503).
        """
        ...

    async def alert_refused(self, *, peer: str, status: int, reason: str, raw: str | None) -> None:
        """Note a request the listener refused on its own (raw is redacted, or None)."""
        ...


@dataclass(frozen=True, slots=True)
class RateDecision:
    """A refusal from the limiter: when to retry, and whether it is the first of a run."""

    retry_after_s: float
    first_refusal: bool


@dataclass(slots=True)
class _ClientWindow:
    hits: deque[float]
    refusing: bool = False


class SlidingWindowLimiter:
    """At most `per_minute` requests per client in any 60 s; memory bounded by `max_clients`.

    The least recently seen clients are forgotten first: a forgotten client starts afresh,
    which only ever errs towards letting an alert in.
    """

    def __init__(
        self,
        per_minute: int,
        *,
        window_s: float = 60.0,
        max_clients: int = MAX_TRACKED_CLIENTS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_minute = per_minute
        self.window_s = window_s
        self.max_clients = max_clients
        self._clock = clock
        self._clients: OrderedDict[str, _ClientWindow] = OrderedDict()

    def __len__(self) -> int:
        return len(self._clients)

    def hit(self, client: str) -> RateDecision | None:
        """Count one request; None when allowed, else the refusal."""
        if self.per_minute <= 0:
            return None
        now = self._clock()
        window = self._clients.get(client)
        if window is None:
            window = _ClientWindow(deque(maxlen=self.per_minute))
            self._clients[client] = window
            self._evict()
        else:
            self._clients.move_to_end(client)
        while window.hits and window.hits[0] <= now - self.window_s:
            window.hits.popleft()
        if len(window.hits) >= self.per_minute:
            first = not window.refusing
            window.refusing = True
            return RateDecision(window.hits[0] + self.window_s - now, first)
        window.hits.append(now)
        window.refusing = False
        return None

    def _evict(self) -> None:
        while len(self._clients) > self.max_clients:
            self._clients.popitem(last=False)


class _Refused(Exception):
    """A request the listener turns away: `error` goes to the client, `reason` to the log."""

    def __init__(
        self,
        status: int,
        error: str,
        *,
        reason: str | None = None,
        raw: str | None = None,
        report: bool = True,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(error)
        self.status = status
        self.error = error
        self.reason = reason or error
        self.raw = raw
        self.report = report
        self.headers = headers or {}


class WebhookListener:
    """Serves `POST {path}`, `POST {path}/{strategy or secret}`, `POST {path}/{secret}/{strategy}`
    and `GET /health` inside the running loop."""

    def __init__(
        self,
        settings: ListenerSettings,
        sink: AlertSink,
        *,
        version: str = __version__,
        health_extra: Callable[[], dict[str, Any]] | None = None,
        idle_timeout: float = IDLE_TIMEOUT_S,
    ) -> None:
        self._settings = settings
        self._sink = sink
        self._version = version
        self._health_extra = health_extra
        self._idle_timeout = idle_timeout
        self._secret = settings.secret
        self._path = _normalise_path(settings.path)
        self._networks = _parse_networks(settings.allow_ips)
        self._limiter = SlidingWindowLimiter(settings.rate_limit_per_min)
        self._host = settings.host
        if not self._secret and not _is_loopback_host(settings.host):
            self._host = "127.0.0.1"
        self._runner: web.AppRunner | None = None
        self._bound: tuple[str, int] | None = None
        self._started_at = time.monotonic()
        self._reports: set[asyncio.Task[None]] = set()
        self._in_flight = 0

    # --- lifecycle -----------------------------------------------------------------------

    async def start(self) -> None:
        """Bind and serve; raises TmtuiError when the address cannot be bound."""
        if self._runner is not None:
            raise RuntimeError("the webhook listener is already running")
        self._warn_if_open()
        runner = web.AppRunner(
            self._make_app(),
            shutdown_timeout=DRAIN_TIMEOUT_S,
            handle_signals=False,
            access_log=None,
            keepalive_timeout=self._idle_timeout,
            lingering_time=LINGERING_TIME_S,
            handler_cancellation=False,
        )
        await runner.setup()
        site = web.TCPSite(runner, self._host, self._settings.port)
        try:
            await site.start()
        except OSError as exc:
            await runner.cleanup()
            raise TmtuiError(
                f"the webhook listener cannot listen on {self._host}:{self._settings.port}: "
                f"{exc.strerror or exc} (is another tmtui running? change [listener] port)"
            ) from exc
        self._runner = runner
        self._bound = _bound_address(runner, self._host, site.port)
        self._started_at = time.monotonic()
        log.info("webhook listener on %s%s", self.url, self._path)

    async def stop(self) -> None:
        """Stop accepting connections, answer every request already accepted, then stop.

        aiohttp's cleanup closes the listening sockets and idle keep-alive connections
        first, then waits (up to DRAIN_TIMEOUT_S) for the handlers in progress: each alert
        among them is recorded by the sink before it is answered, as always. Safe to call
        twice.
        """
        runner, self._runner = self._runner, None
        if runner is None:
            return
        draining = self.in_flight
        await runner.cleanup()
        if self._reports:
            await asyncio.wait(set(self._reports), timeout=DRAIN_TIMEOUT_S)
        if draining:
            log.info("webhook listener stopped after answering %d request(s) in flight", draining)
        else:
            log.info("webhook listener stopped")

    @property
    def in_flight(self) -> int:
        """Alert requests being handled now (read, recorded, answered)."""
        return self._in_flight

    @property
    def url(self) -> str:
        """Base URL actually bound, e.g. http://127.0.0.1:8787 (the real port when port is 0)."""
        if self._bound is None:
            raise RuntimeError("the webhook listener is not running")
        host, port = self._bound
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{port}"

    @property
    def webhook_url(self) -> str:
        """Where alerts go: `url` plus the configured path."""
        return self.url + self._path

    @property
    def bound_host(self) -> str:
        """The host bound (127.0.0.1 instead of the configured one when no secret is set)."""
        return self._bound[0] if self._bound is not None else self._host

    @property
    def path(self) -> str:
        return self._path

    def _warn_if_open(self) -> None:
        if self._secret:
            return
        if self._host != self._settings.host:
            log.warning(
                "NO WEBHOOK SECRET SET: listening on 127.0.0.1 instead of %s. Set [listener] "
                "secret before exposing the listener.",
                self._settings.host,
            )
        log.warning(
            "NO WEBHOOK SECRET SET: alerts are accepted from local programs only; alerts "
            "through a tunnel are refused until [listener] secret is set."
        )

    def _make_app(self) -> web.Application:
        app = web.Application(
            middlewares=[self._json_errors], client_max_size=self._settings.max_body_bytes
        )
        app.on_response_prepare.append(_hide_server_header)
        app.router.add_get("/health", self._on_health)
        base = "" if self._path == "/" else self._path
        app.router.add_post(self._path, self._on_alert)
        app.router.add_post(base + "/{first}", self._on_alert)
        app.router.add_post(base + "/{first}/{second}", self._on_alert)
        return app

    # --- request handling ----------------------------------------------------------------

    async def _on_alert(self, request: web.Request) -> web.StreamResponse:
        client = self._client_address(request)
        self._in_flight += 1
        try:
            try:
                alert = await self._admit(request, client)
            except _Refused as refused:
                return self._refuse(client, refused)
            return await self._submit(alert)
        finally:
            self._in_flight -= 1

    async def _admit(self, request: web.Request, client: str) -> IncomingAlert:
        """Every check the listener owns, cheapest first; raises _Refused."""
        decision = self._limiter.hit(client)
        if decision is not None:
            raise _Refused(
                429,
                f"too many requests: at most {self._limiter.per_minute} a minute",
                reason=f"rate limit of {self._limiter.per_minute} a minute exceeded",
                report=decision.first_refusal,
                headers={"Retry-After": str(max(1, round(decision.retry_after_s)))},
            )
        if self._networks and not _address_allowed(client, self._networks):
            raise _Refused(403, "forbidden", reason=f"{client} is not in [listener] allow_ips")
        body = await self._read_body(request)
        fields = self._read_fields(body)
        raw = _redacted(_text_of(body), self._secret, fields.secret, fields.licence)
        url_secret, path_strategy = self._url_parts(request)
        self._authenticate(request, fields, raw, url_secret)
        try:
            fields = check_alert_fields(fields)
            fields = self._with_path_strategy(fields, path_strategy)
        except InvalidSignal as exc:
            raise _Refused(400, self._scrub(str(exc)), raw=raw) from None
        return IncomingAlert(
            fields=replace(fields, secret=None, licence=None),
            raw=raw,
            peer=client,
            received=datetime.now(UTC),
            idem_key=idempotency_key(fields, raw.encode()),
        )

    async def _read_body(self, request: web.Request) -> bytes:
        """Read at most max_body_bytes, chunked or not, within BODY_READ_TIMEOUT_S."""
        limit = self._settings.max_body_bytes
        too_big = _Refused(413, f"the alert is larger than {limit} bytes")
        if request.content_length is not None and request.content_length > limit:
            raise too_big
        chunks: list[bytes] = []
        size = 0
        try:
            async with asyncio.timeout(BODY_READ_TIMEOUT_S):
                while chunk := await request.content.readany():
                    size += len(chunk)
                    if size > limit:
                        raise too_big
                    chunks.append(chunk)
        except TimeoutError:
            raise _Refused(
                408, f"the alert body did not arrive within {BODY_READ_TIMEOUT_S} s"
            ) from None
        except web.RequestPayloadError as exc:
            raise _Refused(400, f"the request body is malformed: {exc}") from None
        except ConnectionError:
            # Nobody is left to answer; not worth a report, just the log line.
            raise _Refused(
                400, "the client hung up before the alert arrived", report=False
            ) from None
        return b"".join(chunks)

    def _read_fields(self, body: bytes) -> AlertFields:
        try:
            return read_alert_fields(body)
        except InvalidSignal as exc:
            raw = redact_secret(_text_of(body), self._secret)
            raise _Refused(400, self._scrub(str(exc)), raw=raw) from None

    def _url_parts(self, request: web.Request) -> tuple[str | None, str | None]:
        """(the secret the URL carries, if any; the strategy named in the path, if any).

        One path segment is the secret when it matches it, else a strategy name; of two, the
        first is the secret and the second the strategy. `?secret=` is read too.
        """
        first = request.match_info.get("first")
        second = request.match_info.get("second")
        from_query = request.query.get("secret")
        if second is not None:
            return first, second
        if first is not None and self._secret and _same_secret(first, self._secret):
            return first, None
        return from_query, first

    def _authenticate(
        self, request: web.Request, fields: AlertFields, raw: str, url_secret: str | None
    ) -> None:
        """Constant-time secret check; the reply never says whether it was missing or wrong."""
        if not self._secret:
            if any(name in request.headers for name in FORWARDING_HEADERS):
                raise _Refused(
                    401,
                    "unauthorized",
                    reason="no [listener] secret is set, so alerts through a tunnel are refused",
                    raw=raw,
                )
            return
        if url_secret is not None:
            if _same_secret(url_secret, self._secret):
                return
            raise _Refused(401, "unauthorized", reason="wrong secret in the URL", raw=raw)
        if not _same_secret(fields.secret or "", self._secret):
            wrong = "wrong secret" if fields.secret else "no secret in the alert"
            raise _Refused(401, "unauthorized", reason=wrong, raw=raw)

    @staticmethod
    def _with_path_strategy(fields: AlertFields, from_path: str | None) -> AlertFields:
        """A strategy in the URL names alerts whose body has none; the body's name wins."""
        if from_path is None:
            return fields
        name = validate_strategy_name(from_path)
        return fields if fields.strategy is not None else replace(fields, strategy=name)

    async def _submit(self, alert: IncomingAlert) -> web.Response:
        peer = alert.peer
        try:
            reply = await self._sink.submit_alert(alert)
        except InvalidSignal as exc:
            return self._fail(peer, 400, str(exc))
        except UnusableSignal as exc:
            return self._fail(peer, 422, str(exc))
        except LedgerUnavailable as exc:
            # A warning: the engine reports each refused alert itself, loudly (screen, headless).
            log.warning("alert from %s not recorded (503): %s", peer, self._scrub(str(exc)))
            return _json(503, {"ok": False, "error": self._scrub(str(exc)) or GENERIC_503})
        except Exception:
            log.exception("alert from %s not recorded (503): unexpected error in the engine", peer)
            return _json(503, {"ok": False, "error": GENERIC_503})
        message = self._scrub(reply.message)
        log.info(
            "alert from %s: %s signal %s%s: %s",
            peer,
            reply.outcome,
            reply.signal_id,
            " (duplicate)" if reply.duplicate else "",
            message,
        )
        return _json(
            200,
            {
                "ok": True,
                "signal_id": reply.signal_id,
                "duplicate": reply.duplicate,
                "outcome": str(reply.outcome),
                "message": message,
                "position": reply.position,
            },
        )

    def _fail(self, peer: str, status: int, error: str) -> web.Response:
        error = self._scrub(error)
        log.warning("alert from %s refused by the engine (%d): %s", peer, status, error)
        return _json(status, {"ok": False, "error": error})

    def _refuse(self, client: str, refused: _Refused) -> web.Response:
        log.warning("request from %s refused (%d): %s", client, refused.status, refused.reason)
        if refused.report:
            self._report(client, refused.status, refused.reason, refused.raw)
        response = _json(refused.status, {"ok": False, "error": refused.error})
        response.headers.update(refused.headers)
        if refused.status in (408, 413):
            response.force_close()
        return response

    def _report(self, peer: str, status: int, reason: str, raw: str | None) -> None:
        """Tell the sink in the background: its logging must not slow or break the reply."""
        if len(self._reports) >= MAX_PENDING_REPORTS:
            log.warning("refusal from %s not reported: the engine is behind", peer)
            return
        task = asyncio.get_running_loop().create_task(
            self._deliver_report(peer, status, reason, raw)
        )
        self._reports.add(task)
        task.add_done_callback(self._reports.discard)

    async def _deliver_report(self, peer: str, status: int, reason: str, raw: str | None) -> None:
        try:
            await self._sink.alert_refused(peer=peer, status=status, reason=reason, raw=raw)
        except Exception:
            log.exception("the engine failed to record a refused request from %s", peer)

    @web.middleware
    async def _json_errors(
        self, request: web.Request, handler: Callable[[web.Request], Any]
    ) -> web.StreamResponse:
        """Every answer is JSON, including aiohttp's own 404/405/413 and our own bugs (500)."""
        try:
            response: web.StreamResponse = await handler(request)
        except web.HTTPException as exc:
            if exc.status >= 400:
                return self._http_error(request, exc)
            raise
        except Exception:
            log.exception(
                "bug in the webhook listener handling %s %s",
                request.method,
                self._scrub(request.path),
            )
            return _json(500, {"ok": False, "error": "internal error in tmtui's listener"})
        return response

    def _http_error(self, request: web.Request, exc: web.HTTPException) -> web.Response:
        client = self._client_address(request)
        error = exc.reason.lower() if exc.reason else "error"
        on_webhook = request.path == self._path or request.path.startswith(
            self._path.rstrip("/") + "/"
        )
        if exc.status == 405 and on_webhook:
            reason = f"method {request.method} not allowed on the webhook path (use POST)"
            response = self._refuse(client, _Refused(405, error, reason=reason))
        else:
            path = self._scrub(request.path)
            log.info("request from %s: %d %s %s", client, exc.status, request.method, path)
            response = _json(exc.status, {"ok": False, "error": error})
        if "Allow" in exc.headers:
            response.headers["Allow"] = exc.headers["Allow"]
        return response

    async def _on_health(self, request: web.Request) -> web.Response:
        """Liveness for the trader's monitor: no secret, no positions.

        503 whenever alerts cannot be recorded (the sink's `health_extra` names the problem
        under `HEALTH_PROBLEM_KEY`: ledger locked past the write budget, gone, disk full), so
        a monitor sees what TradingView would get.
        """
        body: dict[str, Any] = {}
        problem: str | None = None
        if self._health_extra is not None:
            try:
                extra = self._health_extra()
            except Exception:
                log.exception("health_extra failed")
                extra = {}
            if isinstance(extra, dict):
                problem = extra.pop(HEALTH_PROBLEM_KEY, None)
                body.update(extra)
        body.update(
            status="ok" if problem is None else "unavailable",
            version=self._version,
            uptime_s=round(time.monotonic() - self._started_at, 1),
            listener=self._describe(),
        )
        if problem is not None:
            body["error"] = self._scrub(str(problem))
            return _json(503, body)
        return _json(200, body)

    def _describe(self) -> dict[str, Any]:
        return {
            "url": self.url if self._bound is not None else None,
            "path": self._path,
            "auth": "secret" if self._secret else "none (local only)",
            "allow_ips": [str(net) for net in self._networks],
            "trust_forwarded": self._settings.trust_forwarded,
            "max_body_bytes": self._settings.max_body_bytes,
            "rate_limit_per_min": self._settings.rate_limit_per_min,
            "max_qty": self._settings.max_qty,
        }

    # --- helpers -------------------------------------------------------------------------

    def _client_address(self, request: web.Request) -> str:
        """See the module docstring for which header is believed, and why."""
        peer = request.remote or "unknown"
        if not self._settings.trust_forwarded:
            return _normalise_address(peer)
        forwarded = [
            entry.strip()
            for header in request.headers.getall("X-Forwarded-For", [])
            for entry in header.split(",")
            if entry.strip()
        ]
        if forwarded:
            return _normalise_address(forwarded[-1])
        connecting = request.headers.get("CF-Connecting-IP", "").strip()
        return _normalise_address(connecting or peer)

    def _scrub(self, text: str) -> str:
        """Last line of defence: no message leaves with the configured secret in it."""
        return redact_secret(text, self._secret) if self._secret else text


# --- module helpers ---------------------------------------------------------------------


def _json(status: int, body: dict[str, Any]) -> web.Response:
    """JSON with Decimals as exact numbers, the same shape the read commands print."""
    text = simplejson.dumps(body, use_decimal=True, default=_json_default, ensure_ascii=False)
    return web.Response(status=status, text=text, content_type="application/json")


def _json_default(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


async def _hide_server_header(request: web.Request, response: web.StreamResponse) -> None:
    response.headers["Server"] = "tmtui"


def _text_of(body: bytes) -> str:
    return body.decode("utf-8", errors="replace")


def _same_secret(given: str, secret: str) -> bool:
    return hmac.compare_digest(given.encode(), secret.encode())


def _redacted(text: str, *secrets: str | None) -> str:
    """The body as it may be recorded: every secret it carries, right or wrong, masked."""
    for secret in secrets:
        text = redact_secret(text, secret or "")
    return text


def _normalise_path(path: str) -> str:
    cleaned = "/" + path.strip().strip("/")
    if cleaned == "/health":
        raise ConfigError("[listener] path may not be /health: that is the health check")
    if any(ch in cleaned for ch in "{}?#"):
        raise ConfigError(f"[listener] path {path!r} may not contain braces, ? or #")
    return cleaned


def _parse_networks(
    allow_ips: Sequence[str],
) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    networks = []
    for entry in allow_ips:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            raise ConfigError(
                f"[listener] allow_ips: {entry!r} is not an IP address or CIDR range"
            ) from None
    return networks


def _is_loopback_host(host: str) -> bool:
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False


def _normalise_address(text: str) -> str:
    """An address as one canonical string: ports and brackets dropped, IPv4-in-IPv6 unwrapped.

    Anything unparseable is kept (printable, short) so it is rate-limited and refused by
    allow_ips rather than mistaken for the peer.
    """
    candidate = text.strip()
    if candidate.startswith("[") and "]" in candidate:
        candidate = candidate[1 : candidate.index("]")]
    elif candidate.count(":") == 1:
        candidate = candidate.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(candidate)
    except ValueError:
        return "".join(ch if ch.isprintable() else "?" for ch in text.strip()[:64]) or "unknown"
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return str(address)


def _address_allowed(
    client: str, networks: Sequence[ipaddress.IPv4Network | ipaddress.IPv6Network]
) -> bool:
    try:
        address = ipaddress.ip_address(client)
    except ValueError:
        return False
    return any(address in network for network in networks)


def _bound_address(runner: web.AppRunner, host: str, port: int) -> tuple[str, int]:
    """The address really listened on, read from the server sockets (port 0 becomes real)."""
    for address in runner.addresses:
        if isinstance(address, tuple) and len(address) >= 2:
            return str(address[0]), int(address[1])
    return host, port
