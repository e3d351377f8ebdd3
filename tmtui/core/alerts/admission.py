"""Whether a webhook request is an authentic, well-formed alert: decided once, without I/O.

The listener reads the bytes and the URL; this module alone parses the body, finds the
secret wherever the sender's bridge keeps it, authenticates and checks what every alert
needs. `admit` is the one call between them, so the body is parsed exactly once and the
rules can be tested without a socket.

Choices worth knowing:

* The secret rides where each bridge keeps it: in the body (`secret`, `token`, `key`...,
  CrossTrade's `key=`, the comma form's licence) or, for formats with no field of their own,
  in the URL: `{path}?secret=...`, `{path}/{secret}` or `{path}/{secret}/{strategy}`. A right
  secret in the URL is enough (the body's own token may then be another bridge's); a wrong one
  there is refused even if the body's is right.
* No secret configured: requests that came through a tunnel (they carry forwarding headers)
  are refused 401; everything else is taken as local.
* A refusal says whether the sender proved the secret. Only an authenticated sender's body
  is kept (`Refused.raw`, redacted): a stranger's body is never stored, only counted, with a
  short redacted prefix for the log (`Refused.prefix`).
* The secret never leaves: the body is redacted in `IncomingAlert.raw`, messages are
  scrubbed, and `AlertFields.secret` is cleared before the engine sees the alert.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Final

from tmtui.core.alerts.alert_parsing import (
    check_alert_fields,
    idempotency_key,
    read_alert_fields,
    redact_secret,
    validate_strategy_name,
)
from tmtui.core.models import AlertFields, IncomingAlert, InvalidSignal

FORWARDING_HEADERS: Final = ("X-Forwarded-For", "CF-Connecting-IP", "Forwarded", "X-Real-IP")
PREFIX_CHARS: Final = 40
"""How much of a refused stranger's body the log line shows (redacted, printable)."""


@dataclass(frozen=True, slots=True)
class AlertRequest:
    """What the listener hands over: the body, where it came from, the URL's parts.

    `segments` are the path segments after the webhook path (none, one or two);
    `query_secret` is `?secret=`; `headers` only decide whether it came through a tunnel.
    """

    body: bytes
    peer: str
    received: datetime
    segments: tuple[str, ...] = ()
    query_secret: str | None = None
    headers: Mapping[str, str] | None = None


@dataclass(frozen=True, slots=True)
class Admitted:
    """An authentic, well-formed alert, secret cleared, ready for the engine."""

    alert: IncomingAlert


@dataclass(frozen=True, slots=True)
class Refused:
    """A request turned away: `error` goes to the sender, `reason` to the log and the engine.

    `authenticated` says whether the sender proved the secret (it decides the rate-limit
    bucket); `raw` is the redacted body to record, kept for authenticated senders only;
    `prefix` is a short redacted start of the body for the log line.
    """

    status: int
    error: str
    reason: str
    authenticated: bool
    raw: str | None = None
    prefix: str = ""


def admit(request: AlertRequest, secret: str) -> Admitted | Refused:
    """Parse, authenticate and check one request; every outcome is a value, never a raise."""
    text = _text_of(request.body)
    url_secret, path_strategy = url_parts(request.segments, request.query_secret, secret)
    url_ok = bool(secret) and url_secret is not None and same_secret(url_secret, secret)
    try:
        fields = read_alert_fields(request.body)
    except InvalidSignal as exc:
        raw = redact_secret(text, secret)
        local = not secret and not _tunnelled(request)
        # A body that cannot be read field by field (a NaN price, broken JSON) still proves
        # the sender when it carries the secret itself: the trader's own typo is kept.
        carried = bool(secret) and secret in text
        authenticated = url_ok or local or carried
        return _refused(400, scrub(str(exc), secret), raw, authenticated=authenticated)
    raw = _redacted(text, secret, fields.secret, fields.licence)
    why_not = _unauthenticated(request, fields, secret, url_secret)
    if why_not is not None:
        return _refused(401, "unauthorized", raw, authenticated=False, reason=why_not)
    try:
        fields = with_path_strategy(check_alert_fields(fields), path_strategy)
    except InvalidSignal as exc:
        return _refused(400, scrub(str(exc), secret), raw, authenticated=True)
    alert = IncomingAlert(
        fields=replace(fields, secret=None, licence=None),
        raw=raw,
        peer=request.peer,
        received=request.received,
        idem_key=idempotency_key(fields, raw.encode()),
    )
    return Admitted(alert)


def url_parts(
    segments: tuple[str, ...], query_secret: str | None, secret: str
) -> tuple[str | None, str | None]:
    """(the secret the URL carries, if any; the strategy named in the path, if any).

    One path segment is the secret when it matches it, else a strategy name; of two, the
    first is the secret and the second the strategy. `?secret=` is read too.
    """
    if len(segments) >= 2:
        return segments[0], segments[1]
    if segments and secret and same_secret(segments[0], secret):
        return segments[0], None
    return query_secret, segments[0] if segments else None


def with_path_strategy(fields: AlertFields, from_path: str | None) -> AlertFields:
    """A strategy in the URL names alerts whose body has none; the body's name wins."""
    if from_path is None:
        return fields
    name = validate_strategy_name(from_path)
    return fields if fields.strategy is not None else replace(fields, strategy=name)


def same_secret(given: str, secret: str) -> bool:
    """Constant time, so the reply's timing says nothing about how much of it was right."""
    return hmac.compare_digest(given.encode(), secret.encode())


def scrub(text: str, secret: str) -> str:
    """Last line of defence: no message leaves with the configured secret in it."""
    return redact_secret(text, secret) if secret else text


def log_prefix(text: str, secret: str) -> str:
    """A short, printable, redacted start of a body, for the log line of a refusal."""
    shown = redact_secret(text, secret)[:PREFIX_CHARS]
    shown = "".join(ch if ch.isprintable() else "?" for ch in shown)
    return shown + ("…" if len(text) > PREFIX_CHARS else "")


def _unauthenticated(
    request: AlertRequest, fields: AlertFields, secret: str, url_secret: str | None
) -> str | None:
    """Why the request is not authentic, or None. The reply never says which (only the log)."""
    if not secret:
        if _tunnelled(request):
            return "no [listener] secret is set, so alerts through a tunnel are refused"
        return None
    if url_secret is not None:
        return None if same_secret(url_secret, secret) else "wrong secret in the URL"
    if same_secret(fields.secret or "", secret):
        return None
    return "wrong secret" if fields.secret else "no secret in the alert"


def _tunnelled(request: AlertRequest) -> bool:
    headers = request.headers or {}
    return any(name in headers for name in FORWARDING_HEADERS)


def _refused(
    status: int,
    error: str,
    raw: str,
    *,
    authenticated: bool,
    reason: str | None = None,
) -> Refused:
    """Keep the body only for a sender who proved the secret; a stranger's is not stored."""
    return Refused(
        status,
        error,
        reason or error,
        authenticated,
        raw if authenticated else None,
        "" if authenticated else log_prefix(raw, ""),
    )


def _text_of(body: bytes) -> str:
    return body.decode("utf-8", errors="replace")


def _redacted(text: str, *secrets: str | None) -> str:
    """The body as it may be recorded: every secret it carries, right or wrong, masked."""
    for secret in secrets:
        text = redact_secret(text, secret or "")
    return text
