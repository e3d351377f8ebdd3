"""Masking a route's secrets in anything said about its orders: messages, logs, events."""

from __future__ import annotations

import json
from collections.abc import Iterable
from urllib.parse import quote

from tmtui.core.alerts.bridges.redaction import redact_secret

MASK = "***"


def spellings(secret: str) -> set[str]:
    """A secret as it may appear in text: as is, JSON-escaped, and percent-encoded."""
    return {
        secret,
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        quote(secret, safe=""),
    }


def redact(text: str, secrets: Iterable[str]) -> str:
    """`text` with every secret (in each spelling) and every secret-named field masked.

    The second part (`"token": ...`, `key=...;`) masks values tmtui did not know were secret,
    such as a bridge echoing a wrong token back.
    """
    found = {form for secret in secrets if secret for form in spellings(secret)}
    for form in sorted(found, key=len, reverse=True):
        text = text.replace(form, MASK)
    return redact_secret(text, "")
