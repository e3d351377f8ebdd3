"""Request admission, cheapest check first: allow list, body size and time, then the pure
`admit` (parse, secret, required fields), then the rate limit of the sender's bucket.

Secrets before limits: a request is counted only once it is known whether it proved the
secret, in one of two buckets per client address. Behind a tunnel every sender arrives as
the tunnel's address, so a stranger's junk (its own bucket) can never use up the allowance
of the trader's real alerts; the cost is reading and parsing a junk body of at most
`max_body_bytes`, which is cheap. Only the first 429 of a run is reported to the engine.
Strangers' bodies are never handed on to be recorded: they are counted, and the log line
shows a short redacted prefix.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Final

from aiohttp import web

from tmtui.core.alerts.admission import Admitted, AlertRequest, Refused, admit
from tmtui.core.models import IncomingAlert
from tmtui.services.listener.addresses import address_allowed, parse_networks
from tmtui.services.listener.interfaces import ListenerSettings
from tmtui.services.listener.rate_limit import SlidingWindowLimiter
from tmtui.services.listener.replies import Refusal

BODY_READ_TIMEOUT_S: Final = 2.5
"""TradingView gives up after 3 s: a body still arriving after 2.5 s will not be answered."""


class Gate:
    """Decides whether a request's alert goes to the engine; counts strangers' requests."""

    def __init__(self, settings: ListenerSettings) -> None:
        self._secret = settings.secret
        self._max_body = settings.max_body_bytes
        self.networks = parse_networks(settings.allow_ips)
        self.senders = SlidingWindowLimiter(settings.rate_limit_per_min)
        """The bucket of requests that proved the secret (all requests when none is set)."""
        self.strangers = SlidingWindowLimiter(settings.rate_limit_per_min)
        """The bucket of requests that did not: junk, probes, wrong secrets, bad bodies."""
        self.unauthenticated = 0
        """Requests refused without proving the secret, since start (their bodies are not kept)."""

    async def admit(self, request: web.Request, client: str) -> IncomingAlert | Refusal:
        """The alert to submit, or why not."""
        if self.networks and not address_allowed(client, self.networks):
            return Refusal(403, "forbidden", f"{client} is not in [listener] allow_ips")
        body = await read_body(request, self._max_body)
        if isinstance(body, Refusal):
            return self._limited(client, self.strangers) or body
        verdict = admit(_alert_request(request, body, client), self._secret)
        if isinstance(verdict, Admitted):
            return self._limited(client, self.senders) or verdict.alert
        bucket = self.senders if verdict.authenticated else self.strangers
        return self._limited(client, bucket) or self._refusal(verdict, body)

    def _refusal(self, verdict: Refused, body: bytes) -> Refusal:
        if verdict.authenticated:
            return Refusal(verdict.status, verdict.error, verdict.reason, verdict.raw)
        self.unauthenticated += 1
        detail = f"{len(body)} bytes, not kept: {verdict.prefix!r}" if body else ""
        return Refusal(verdict.status, verdict.error, verdict.reason, detail=detail)

    def _limited(self, client: str, bucket: SlidingWindowLimiter) -> Refusal | None:
        decision = bucket.hit(client)
        if decision is None:
            return None
        who = "" if bucket is self.senders else " (requests without the secret)"
        return Refusal(
            429,
            f"too many requests: at most {bucket.per_minute} a minute",
            f"rate limit of {bucket.per_minute} a minute exceeded{who}",
            report=decision.first_refusal,
            headers={"Retry-After": str(max(1, round(decision.retry_after_s)))},
        )


async def read_body(request: web.Request, limit: int) -> bytes | Refusal:
    """Read at most `limit` bytes, chunked or not, within BODY_READ_TIMEOUT_S."""
    too_big = Refusal(413, f"the alert is larger than {limit} bytes")
    if request.content_length is not None and request.content_length > limit:
        return too_big
    chunks: list[bytes] = []
    size = 0
    try:
        async with asyncio.timeout(BODY_READ_TIMEOUT_S):
            while chunk := await request.content.readany():
                size += len(chunk)
                if size > limit:
                    return too_big
                chunks.append(chunk)
    except TimeoutError:
        return Refusal(408, f"the alert body did not arrive within {BODY_READ_TIMEOUT_S} s")
    except web.RequestPayloadError as exc:
        return Refusal(400, f"the request body is malformed: {exc}")
    except ConnectionError:
        # Nobody is left to answer; not worth a report, just the log line.
        return Refusal(400, "the client hung up before the alert arrived", report=False)
    return b"".join(chunks)


def _alert_request(request: web.Request, body: bytes, client: str) -> AlertRequest:
    segments = tuple(
        value
        for value in (request.match_info.get("first"), request.match_info.get("second"))
        if value is not None
    )
    return AlertRequest(
        body=body,
        peer=client,
        received=datetime.now(UTC),
        segments=segments,
        query_secret=request.query.get("secret"),
        headers=request.headers,
    )
