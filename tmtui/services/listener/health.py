"""`GET /health`: liveness for the trader's monitor, and why alerts cannot be recorded.

It needs no secret, so without one it answers only what a monitor needs and a stranger may
know: the status, the version and the reasons (why alerts cannot be recorded now). With the
secret (`?secret=...` or `Authorization: Bearer ...`), or from a local program when no
secret is set, it adds the details: the feed, the ledger, uptime and the listener's
settings. It is 503 whenever alerts cannot be recorded (the sink's `health_extra` names the
problem under `HEALTH_PROBLEM_KEY`: ledger locked past the write budget, gone, disk full),
so a monitor sees what TradingView would get. Never positions, never the secret.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, Final

from aiohttp import web

from tmtui.core.alerts.admission import FORWARDING_HEADERS, same_secret, scrub
from tmtui.services.listener.replies import json_response

log = logging.getLogger("tmtui.listener")

HEALTH_PROBLEM_KEY: Final = "problem"
"""`health_extra()` puts why alerts cannot be recorded under this key: /health is then 503."""


class HealthView:
    """Builds the /health answer from the sink's extra facts and the listener's own."""

    def __init__(
        self,
        secret: str,
        version: str,
        extra: Callable[[], dict[str, Any]] | None,
        describe: Callable[[], dict[str, Any]],
    ) -> None:
        self._secret = secret
        self._version = version
        self._extra = extra
        self._describe = describe
        self.started_at = time.monotonic()

    async def answer(self, request: web.Request) -> web.Response:
        """The /health reply: public, or with the details for who proved the secret."""
        extra = self._read_extra()
        problem = extra.pop(HEALTH_PROBLEM_KEY, None)
        reasons = [] if problem is None else [scrub(str(problem), self._secret)]
        body: dict[str, Any] = {}
        if self._may_see_details(request):
            body.update(extra)
            body.update(
                uptime_s=round(time.monotonic() - self.started_at, 1),
                listener=self._describe(),
            )
            if reasons:
                body["error"] = reasons[0]
        body.update(
            status="ok" if problem is None else "unavailable",
            version=self._version,
            reasons=reasons,
        )
        return json_response(200 if problem is None else 503, body)

    def _read_extra(self) -> dict[str, Any]:
        if self._extra is None:
            return {}
        try:
            extra = self._extra()
        except Exception:
            log.exception("health_extra failed")
            return {}
        return dict(extra) if isinstance(extra, dict) else {}

    def _may_see_details(self, request: web.Request) -> bool:
        """The secret, or a local program when none is set (it then listens on loopback)."""
        if not self._secret:
            return not any(name in request.headers for name in FORWARDING_HEADERS)
        given = request.query.get("secret")
        bearer = request.headers.get("Authorization", "")
        if bearer.lower().startswith("bearer "):
            given = bearer[7:].strip()
        return given is not None and same_secret(given, self._secret)
