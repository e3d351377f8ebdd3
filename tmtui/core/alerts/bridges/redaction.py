"""Masking secrets in anything tmtui writes down: records, log lines, error replies."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Final

SECRET_FIELD_NAMES: Final = ("secret", "passphrase", "token", "key", "apikey", "pointer")
"""Fields whose value is masked wherever they appear, right or wrong: the secret aliases and
Tickerly's exchange `pointer`, which is as good as a key to the trader's account."""

_NAMES = "|".join(sorted(SECRET_FIELD_NAMES, key=len, reverse=True))
_JSON_SECRET_VALUE = re.compile(
    rf'("(?:{_NAMES})"\s*:\s*)("(?:[^"\\]|\\.)*"?|[^,}}\s]+)', re.IGNORECASE
)
_TEXT_SECRET_VALUE = re.compile(
    rf"""(?<![\w.-])((?:{_NAMES})\s*=\s*)("(?:[^"\\]|\\.)*"?|'[^']*'?|[^\s,;&]+)""",
    re.IGNORECASE,
)


def redact_secret(raw: str, secret: str) -> str:
    """Replace `secret` wherever it appears in `raw`, and every secret-like field's value, by ***.

    The second part masks a wrong secret too (often a typo of the right one), in JSON, in
    `key=value` text (CrossTrade's `key=...;`) and in a URL query (`?secret=...`). JSON-escaped
    spellings of `secret` are covered.
    """
    redacted = raw
    if secret:
        for spelling in _spellings(secret):
            redacted = redacted.replace(spelling, "***")
    # Each pattern is run only where it could match: a JSON field needs a quote and a colon,
    # a `key=value` one an equals sign (a JSON alert has none: half the cost of each alert's
    # redaction).
    if '"' in redacted and ":" in redacted:
        redacted = _JSON_SECRET_VALUE.sub(r'\1"***"', redacted)
    if "=" in redacted:
        redacted = _TEXT_SECRET_VALUE.sub(r"\1***", redacted)
    return redacted


@lru_cache(maxsize=64)
def _spellings(secret: str) -> tuple[str, ...]:
    """The ways `secret` can appear in a body, longest first (worked out once per secret:
    the configured one is asked for on every alert)."""
    spellings = {secret, json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1]}
    return tuple(sorted(spellings, key=len, reverse=True))
