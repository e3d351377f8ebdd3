"""The HTTP endpoint TradingView alerts arrive at, served inside the app's own event loop.

This module owns the aiohttp application and its lifecycle (bind, serve, drain on stop);
the `Gate` decides whether a request is an authentic, well-formed alert, the sink (the
engine) decides what it means and answers only once the signal is durably recorded, and
`Replies` turns that into HTTP.

No secret configured: the listener binds 127.0.0.1 whatever `host` says, warns loudly, and
refuses (401) requests that came through a tunnel. Imports no Textual.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, Final

from aiohttp import web

from tmtui import __version__
from tmtui.core.alerts.admission import scrub
from tmtui.core.engine_api import DRAIN_TIMEOUT_S
from tmtui.core.models import TmtuiError
from tmtui.services.listener.addresses import (
    bound_address,
    client_address,
    is_loopback_host,
    normalise_path,
)
from tmtui.services.listener.gate import Gate
from tmtui.services.listener.health import HealthView
from tmtui.services.listener.interfaces import AlertSink, ListenerSettings
from tmtui.services.listener.replies import Refusal, Replies, json_response

log = logging.getLogger("tmtui.listener")

IDLE_TIMEOUT_S: Final = 10.0
"""Closes connections idle, or still sending headers, this long after connecting or answering."""
LINGERING_TIME_S: Final = 1.0
"""How long an unread body (after a 413) is drained so the client can read the answer."""


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
        self._idle_timeout = idle_timeout
        self._secret = settings.secret
        self._path = normalise_path(settings.path)
        self._gate = Gate(settings)
        self._replies = Replies(sink, self._secret)
        self._health = HealthView(self._secret, version, health_extra, self._describe)
        self._host = settings.host
        if not self._secret and not is_loopback_host(settings.host):
            self._host = "127.0.0.1"
        self._runner: web.AppRunner | None = None
        self._bound: tuple[str, int] | None = None
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
        self._bound = bound_address(runner, self._host, site.port)
        self._health.started_at = time.monotonic()
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
        await self._replies.drain(DRAIN_TIMEOUT_S)
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

    @property
    def unauthenticated(self) -> int:
        """Requests refused without the secret since start (counted; bodies not kept)."""
        return self._gate.unauthenticated

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
        app.router.add_get("/health", self._health.answer)
        base = "" if self._path == "/" else self._path
        app.router.add_post(self._path, self._on_alert)
        app.router.add_post(base + "/{first}", self._on_alert)
        app.router.add_post(base + "/{first}/{second}", self._on_alert)
        return app

    # --- request handling ----------------------------------------------------------------

    async def _on_alert(self, request: web.Request) -> web.StreamResponse:
        client = client_address(request, self._settings.trust_forwarded)
        self._in_flight += 1
        try:
            admitted = await self._gate.admit(request, client)
            if isinstance(admitted, Refusal):
                return self._replies.refuse(client, admitted)
            return await self._replies.submit(admitted)
        finally:
            self._in_flight -= 1

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
                scrub(request.path, self._secret),
            )
            return json_response(500, {"ok": False, "error": "internal error in tmtui's listener"})
        return response

    def _http_error(self, request: web.Request, exc: web.HTTPException) -> web.Response:
        client = client_address(request, self._settings.trust_forwarded)
        error = exc.reason.lower() if exc.reason else "error"
        on_webhook = request.path == self._path or request.path.startswith(
            self._path.rstrip("/") + "/"
        )
        if exc.status == 405 and on_webhook:
            reason = f"method {request.method} not allowed on the webhook path (use POST)"
            response = self._replies.refuse(client, Refusal(405, error, reason))
        else:
            path = scrub(request.path, self._secret)
            log.info("request from %s: %d %s %s", client, exc.status, request.method, path)
            response = json_response(exc.status, {"ok": False, "error": error})
        if "Allow" in exc.headers:
            response.headers["Allow"] = exc.headers["Allow"]
        return response

    def _describe(self) -> dict[str, Any]:
        """The listener's settings, for /health's details (never the secret)."""
        return {
            "url": self.url if self._bound is not None else None,
            "path": self._path,
            "auth": "secret" if self._secret else "none (local only)",
            "allow_ips": [str(net) for net in self._gate.networks],
            "trust_forwarded": self._settings.trust_forwarded,
            "max_body_bytes": self._settings.max_body_bytes,
            "rate_limit_per_min": self._settings.rate_limit_per_min,
            "max_qty": self._settings.max_qty,
            "unauthenticated": self._gate.unauthenticated,
        }


async def _hide_server_header(request: web.Request, response: web.StreamResponse) -> None:
    response.headers["Server"] = "tmtui"
