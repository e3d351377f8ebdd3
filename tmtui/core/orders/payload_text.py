"""Bodies in and out: JSON with exact decimals, a reply read as an object, a reply as one line."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import simplejson

MAX_MESSAGE = 200


def json_body(document: Mapping[str, Any]) -> bytes:
    """UTF-8 JSON with `Decimal` prices written exactly (`21000.25`, never a binary float)."""
    text: str = simplejson.dumps(document, use_decimal=True, ensure_ascii=False)
    return text.encode()


def json_object(text: str) -> dict[str, Any] | None:
    """The reply as a JSON object, or None when it is not one (HTML error pages, plain text)."""
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def one_line(text: str, limit: int = MAX_MESSAGE) -> str:
    """Whitespace folded to single spaces, cut to `limit` characters with an ellipsis."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def text_field(document: Mapping[str, Any], *names: str) -> str:
    """The first of `names` holding a non-empty string or number, as text; '' when none."""
    for name in names:
        value = document.get(name)
        if isinstance(value, str | int | float) and not isinstance(value, bool) and value != "":
            return str(value)
    return ""
