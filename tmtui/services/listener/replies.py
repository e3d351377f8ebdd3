"""What the listener answers: the engine's verdict as HTTP, and its own refusals.

Status codes follow TradingView's retry rule: 2xx once recorded, 5xx only when recording
failed (so the resend delivers it), 4xx for everything a resend would not fix. Every answer
is JSON. The listener's own refusals are reported to the engine in the background, so the
engine's logging can neither slow nor break a reply.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

import simplejson
from aiohttp import web

from tmtui.core.alerts.admission import scrub
from tmtui.core.events import REPEATS_EVENT
from tmtui.core.models import IncomingAlert, InvalidSignal, LedgerUnavailable, UnusableSignal
from tmtui.services.listener.interfaces import AlertSink

log = logging.getLogger("tmtui.listener")

GENERIC_503: Final = "tmtui could not record the alert; TradingView will resend it"
MAX_PENDING_REPORTS: Final = 256
DRAIN_STATUSES: Final = (408, 413)
"""Refusals after which the connection is closed: the body may still be arriving."""


@dataclass(frozen=True, slots=True)
class Refusal:
    """A request the listener turns away: `error` goes to the client, `reason` to the log.

    `raw` (redacted) goes to the engine, which may record it; `report` False keeps it out of
    the engine's log (a repeated 429, a client that hung up); `detail` adds to the log line
    only (a stranger's body prefix).
    """

    status: int
    error: str
    reason: str = ""
    raw: str | None = None
    report: bool = True
    headers: Mapping[str, str] = field(default_factory=dict)
    detail: str = ""

    @property
    def why(self) -> str:
        return self.reason or self.error


def json_response(status: int, body: dict[str, Any]) -> web.Response:
    """JSON with Decimals as exact numbers, the same shape the read commands print."""
    text = simplejson.dumps(body, use_decimal=True, default=_json_default, ensure_ascii=False)
    return web.Response(status=status, text=text, content_type="application/json")


class Replies:
    """Answers alerts with the sink's verdict and refusals with their reason; reports
    refusals to the sink in the background."""

    def __init__(self, sink: AlertSink, secret: str) -> None:
        self._sink = sink
        self._secret = secret
        self._reports: set[asyncio.Task[None]] = set()

    async def submit(self, alert: IncomingAlert) -> web.Response:
        """Hand the alert to the sink and answer with what it did (or why it could not)."""
        peer = alert.peer
        try:
            reply = await self._sink.submit_alert(alert)
        except InvalidSignal as exc:
            return self._engine_refused(peer, 400, str(exc))
        except UnusableSignal as exc:
            return self._engine_refused(peer, 422, str(exc))
        except LedgerUnavailable as exc:
            # The engine reports each alert it could not record itself, loudly (screen,
            # headless): this line is for a log file, not repeated on stderr.
            error = scrub(str(exc), self._secret)
            log.warning("alert from %s not recorded (503): %s", peer, error, extra=REPEATS_EVENT)
            return json_response(503, {"ok": False, "error": error or GENERIC_503})
        except Exception:
            log.exception("alert from %s not recorded (503): unexpected error in the engine", peer)
            return json_response(503, {"ok": False, "error": GENERIC_503})
        message = scrub(reply.message, self._secret)
        log.info(
            "alert from %s: %s signal %s%s: %s",
            peer,
            reply.outcome,
            reply.signal_id,
            " (duplicate)" if reply.duplicate else "",
            message,
        )
        body = {
            "ok": True,
            "signal_id": reply.signal_id,
            "duplicate": reply.duplicate,
            "outcome": str(reply.outcome),
            "message": message,
            "position": reply.position,
        }
        return json_response(200, body)

    def refuse(self, client: str, refused: Refusal) -> web.Response:
        """Answer a refusal the listener decided, log it, and report it to the sink."""
        detail = f"; {refused.detail}" if refused.detail else ""
        # reported as an event (or, a repeated 429, on purpose not): not repeated on stderr
        log.warning(
            "request from %s refused (%d): %s%s",
            client,
            refused.status,
            refused.why,
            detail,
            extra=REPEATS_EVENT,
        )
        if refused.report:
            self._report(client, refused.status, refused.why, refused.raw)
        response = json_response(refused.status, {"ok": False, "error": refused.error})
        response.headers.update(refused.headers)
        if refused.status in DRAIN_STATUSES:
            response.force_close()
        return response

    async def drain(self, timeout: float) -> None:
        """Wait (bounded) for the reports still being delivered."""
        if self._reports:
            await asyncio.wait(set(self._reports), timeout=timeout)

    def _engine_refused(self, peer: str, status: int, error: str) -> web.Response:
        error = scrub(error, self._secret)
        # the engine's alert_rejected event says it on screen: not repeated on stderr
        log.warning(
            "alert from %s refused by the engine (%d): %s", peer, status, error, extra=REPEATS_EVENT
        )
        return json_response(status, {"ok": False, "error": error})

    def _report(self, peer: str, status: int, reason: str, raw: str | None) -> None:
        if len(self._reports) >= MAX_PENDING_REPORTS:
            log.warning("refusal from %s not reported: the engine is behind", peer)
            return
        task = asyncio.get_running_loop().create_task(self._deliver(peer, status, reason, raw))
        self._reports.add(task)
        task.add_done_callback(self._reports.discard)

    async def _deliver(self, peer: str, status: int, reason: str, raw: str | None) -> None:
        try:
            await self._sink.alert_refused(peer=peer, status=status, reason=reason, raw=raw)
        except Exception:
            log.exception("the engine failed to record a refused request from %s", peer)


def _json_default(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)
