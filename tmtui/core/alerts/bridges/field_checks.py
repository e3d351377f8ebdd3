"""Checks on one alert value at a time: text, whole numbers, prices, sides, flags.

Each check returns the value as tmtui keeps it or raises `InvalidSignal` (HTTP 400) with a
reason naming the field, so a bad alert is answered in one readable line.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Final

from tmtui.core.models import InvalidSignal

MARKET_POSITIONS: Final = ("long", "short", "flat")
SENTIMENTS: Final[Mapping[str, str]] = {
    "long": "long",
    "bullish": "long",
    "short": "short",
    "bearish": "short",
    "flat": "flat",
}

# Longest text accepted per field: enough for any real alert, short enough for one table cell.
MAX_LENGTHS: Final[Mapping[str, int]] = {
    "action": 32,
    "ticker": 64,
    "strategy": 64,
    "alert_id": 128,
    "time": 64,
    "secret": 256,
    "market_position": 16,
    "prev_market_position": 16,
    "sentiment": 16,
    "qty": 32,
    "price": 64,
    "position_size": 32,
    "market_position_size": 32,
    "prev_market_position_size": 32,
    "prev_position_size": 32,
    "command": 32,
    "flatten_first": 8,
    "reverse_order_close": 8,
    "pyramid": 8,
    "require_market_position": 64,
    "exchange": 64,
    "licence": 256,
}
DEFAULT_MAX_LENGTH: Final = 64
# Characters never allowed in a field: controls, surrogates, invisible formatting, line breaks.
_FORBIDDEN_CATEGORIES: Final = frozenset({"Cc", "Cs", "Cf", "Zl", "Zp"})
_WHOLE_NUMBER = re.compile(r"([+-]?\d{1,18})(?:\.0*)?", re.ASCII)
PLACEHOLDER: Final = re.compile(r"\{\{.*?\}\}")
_TRUE: Final = frozenset({"true", "yes", "1", "on"})
_FALSE: Final = frozenset({"false", "no", "0", "off"})


def text_field(name: str, value: object) -> str | None:
    """A text field, as sent but trimmed; a number is taken as its text (ids, secrets)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise InvalidSignal(f"the alert's {show(name)} must be text, not {json_type(value)}")
    result = str(value).strip()
    check_characters(name, result)
    return result


def side_field(name: str, value: object) -> str | None:
    """long, short or flat, in any case (TradingView's {{strategy.market_position}})."""
    text = text_field(name, value)
    if text is None:
        return None
    word = text.lower()
    if word not in MARKET_POSITIONS:
        raise InvalidSignal(f"{name} {show(text)} is not long, short or flat")
    return word


def sentiment_field(value: object) -> str | None:
    """TradersPost's sentiment, folded to the side it names (bullish is long)."""
    text = text_field("sentiment", value)
    if text is None:
        return None
    word = SENTIMENTS.get(text.lower())
    if word is None:
        raise InvalidSignal(f"sentiment {show(text)} is not long, bullish, short, bearish or flat")
    return word


def sides_field(name: str, value: object) -> tuple[str, ...] | None:
    """A list of sides, as CrossTrade writes it (`long,flat`, `flat/short`) or a JSON list."""
    if value is None:
        return None
    items = value if isinstance(value, list) else re.split(r"[,/|]", str(text_field(name, value)))
    sides: list[str] = []
    for item in items:
        side = side_field(name, item)
        if side is not None and side not in sides:
            sides.append(side)
    if not sides:
        raise InvalidSignal(f"{name} names no side: use long, short or flat")
    return tuple(sides)


def flag_field(name: str, value: object) -> bool | None:
    """true/false, also as text ("true", "false") as TradingView sends it."""
    if value is None or isinstance(value, bool):
        return value
    text = text_field(name, value)
    word = (text or "").lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise InvalidSignal(f"{name} {show(text or '')} is not true or false")


def qty_field(value: object) -> int | None:
    """Contracts must be a whole number; 0, negatives and the maximum are the engine's call."""
    if value is None:
        return None
    whole = whole_number(value)
    if whole is None:
        raise InvalidSignal(f"qty {show(str(value).strip())} is not a whole number of contracts")
    return whole


def whole_number(value: object) -> int | None:
    """The whole number `value` spells ("2", 2, "2.0"), None when it is not one."""
    check_number_type("qty", value)
    text = str(value).strip()
    check_characters("qty", text)
    match = _WHOLE_NUMBER.fullmatch(text)
    return None if match is None else int(match.group(1))


def number_field(name: str, value: object) -> object:
    """A price or position size: kept as sent, but it has to be a finite number."""
    if value is None:
        return None
    check_number_type(name, value)
    if isinstance(value, int):
        return value
    text = str(value).strip()
    check_characters(name, text)
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise InvalidSignal(f"{name} {show(text)} is not a number") from None
    if not number.is_finite():
        raise InvalidSignal(f"{name} {show(text)} is not a usable number")
    return value.strip() if isinstance(value, str) else value


def check_number_type(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise InvalidSignal(f"the alert's {show(name)} must be a number, not {json_type(value)}")


def check_characters(name: str, text: str) -> None:
    if PLACEHOLDER.search(text):
        raise InvalidSignal(placeholder_reason(name, text if name != "secret" else "{{…}}"))
    limit = MAX_LENGTHS.get(name, DEFAULT_MAX_LENGTH)
    if len(text) > limit:
        raise InvalidSignal(f"the alert's {show(name)} is longer than {limit} chars")
    for ch in text:
        if unicodedata.category(ch) in _FORBIDDEN_CATEGORIES:
            raise InvalidSignal(
                f"the alert's {show(name)} contains a control or invisible character "
                f"(U+{ord(ch):04X})"
            )


def placeholder_reason(name: str, text: str) -> str:
    return (
        f"the alert's {show(name)} still holds the placeholder {show(text)}: TradingView did not "
        "fill it in (strategy.* placeholders only work in alerts created on a strategy)"
    )


def is_absent(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def same_value(a: object, b: object, fold_case: bool = False) -> bool:
    """Whether two spellings of one field agree ("1" and 1 do; "Buy" and "buy" when caseless)."""
    if isinstance(a, dict | list) or isinstance(b, dict | list):
        return a == b
    left, right = str(a).strip(), str(b).strip()
    return left.lower() == right.lower() if fold_case else left == right


def json_type(value: object) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def show(text: str) -> str:
    """Quote a value for an error message, cut short so a reason stays one readable line."""
    return repr(text if len(text) <= 40 else text[:37] + "...")
