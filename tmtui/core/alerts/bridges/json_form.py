"""Reading a JSON alert body into key/value pairs, safely.

Keys are folded to lower case at every level; a key given twice with different values is
marked so the alert is refused rather than read one way or the other. Nesting is checked
before `json` recurses into it, and NaN/Infinity are refused.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Final

from tmtui.core.alerts.bridges.field_checks import same_value
from tmtui.core.models import InvalidSignal

MAX_JSON_DEPTH: Final = 20
"""Deepest JSON nesting accepted; an alert needs three levels at most (3Commas nests two)."""

_JSON_DEPTH_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"?|[\[\]{}]', re.DOTALL)


class Conflict:
    """Marks a JSON key given twice with different values."""


CONFLICT: Final = Conflict()


def load_json_object(text: str) -> dict[str, object]:
    """The alert's JSON object, numbers with decimals as Decimal; anything else is a 400."""
    check_json_depth(text)
    try:
        value = json.loads(
            text,
            parse_float=Decimal,
            parse_constant=_reject_constant,
            object_pairs_hook=_fold_duplicate_keys,
        )
    except InvalidSignal:
        raise
    except json.JSONDecodeError as exc:
        raise InvalidSignal(
            f"the alert looks like JSON but is not valid JSON ({exc.msg} at line {exc.lineno} "
            f"column {exc.colno}): put every {{{{placeholder}}}} in double quotes"
        ) from None
    except (ValueError, RecursionError):
        raise InvalidSignal("the alert is not valid JSON (a number is too long)") from None
    if not isinstance(value, dict):
        raise InvalidSignal("the alert is JSON but not an object: wrap the fields in { }")
    return value


def check_json_depth(text: str) -> None:
    """Refuse deep nesting before `json` recurses into it (10k levels would overflow)."""
    depth = 0
    for match in _JSON_DEPTH_TOKENS.finditer(text):
        token = match.group()
        if token in "{[":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                raise InvalidSignal(f"the alert JSON is nested deeper than {MAX_JSON_DEPTH} levels")
        elif token in "}]":
            depth -= 1


def _reject_constant(name: str) -> object:
    raise InvalidSignal(f"the alert contains {name}, which is not a usable number")


def _fold_duplicate_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    """Lower-case the keys; a key given twice with different values becomes a conflict."""
    folded: dict[str, object] = {}
    for key, value in pairs:
        name = key.strip().lower()
        if name in folded and not same_value(folded[name], value):
            folded[name] = CONFLICT
        else:
            folded.setdefault(name, value)
    return folded
