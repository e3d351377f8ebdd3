"""Turn a webhook body into `AlertFields`, whatever shape the trader's alert message has.

Pure: no I/O, no aiohttp. Every malformed body raises `InvalidSignal` (HTTP 400) with a reason
the trader can act on; nothing else escapes, whatever the bytes. Numbers stay as sent (text,
int or Decimal) except `qty`, which is checked to be a whole number and handed on as an int;
the engine, which knows the contracts and limits, validates ranges (HTTP 422).

Accepted shapes (the Content-Type header is ignored, as TradingView's is unreliable):

* a JSON object, e.g. ``{"ticker": "MNQ1!", "action": "buy", "contracts": "2", ...}``;
* a JSON object whose ``message`` field holds the alert (``{"key": "...", "message": "..."}``);
* the text form ``ACTION [QTY] TICKER [@ PRICE] [key=value ...]``, e.g.
  ``buy 2 MNQ1! @ 21000.25 strategy=ORB secret=abc`` (values may be quoted: ``strategy="My ORB"``);
* the comma form of signal bridges, ``[ACCOUNT,]ACTION,[QTY,]TICKER[,key=value ...]``, e.g.
  ``60123456789,buy,MNQ1!,risk=0.1``. A leading field that is not an action word is the bridge's
  account/licence number, i.e. its shared secret, and is read as ``secret`` (never as an alert
  id: it is the same on every alert, so deduplicating on it would drop real signals).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import shlex
import unicodedata
from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal, InvalidOperation
from typing import Final

from tmtui.core.models import Action, AlertFields, InvalidSignal

MAX_JSON_DEPTH: Final = 20
"""Deepest JSON nesting accepted; an alert needs two levels at most."""

TEXT_FORM_HINT: Final = "ACTION QTY TICKER [@ PRICE] [key=value ...], e.g. 'buy 2 MNQ1! @ 21000.25'"

# Every accepted key (lower case) and the AlertFields field it fills.
FIELD_ALIASES: Final[Mapping[str, str]] = {
    "secret": "secret",
    "passphrase": "secret",
    "token": "secret",
    "key": "secret",
    "apikey": "secret",
    "ticker": "ticker",
    "symbol": "ticker",
    "action": "action",
    "side": "action",
    "data": "action",
    "qty": "qty",
    "quantity": "qty",
    "contracts": "qty",
    "price": "price",
    "close": "price",
    "strategy": "strategy",
    "id": "alert_id",
    "order_id": "alert_id",
    "alert_id": "alert_id",
    "time": "time",
    "timenow": "time",
    "date": "time",
    "position_size": "position_size",
    "market_position": "market_position",
}
SECRET_KEYS: Final = tuple(k for k, v in FIELD_ALIASES.items() if v == "secret")
MARKET_POSITIONS: Final = ("long", "short", "flat")

# Longest text accepted per field: enough for any real alert, short enough for one table cell.
MAX_LENGTHS: Final[Mapping[str, int]] = {
    "action": 32,
    "ticker": 64,
    "strategy": 64,
    "alert_id": 128,
    "time": 64,
    "secret": 256,
    "market_position": 16,
    "qty": 32,
    "price": 64,
    "position_size": 32,
}
_CASELESS_FIELDS: Final = frozenset({"action", "ticker", "market_position"})
STRATEGY_PUNCTUATION: Final = frozenset(" _-.:#+")
# Characters never allowed in a field: controls, surrogates, invisible formatting, line breaks.
_FORBIDDEN_CATEGORIES: Final = frozenset({"Cc", "Cs", "Cf", "Zl", "Zp"})

_JSON_DEPTH_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"?|[\[\]{}]', re.DOTALL)
_NUMBER_WORD = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)", re.ASCII)
_WHOLE_NUMBER = re.compile(r"([+-]?\d{1,18})(?:\.0*)?", re.ASCII)
_PLACEHOLDER = re.compile(r"\{\{.*?\}\}")
_SECRET_KEY_PATTERN = "|".join(sorted(SECRET_KEYS, key=len, reverse=True))
_JSON_SECRET_VALUE = re.compile(
    rf'("(?:{_SECRET_KEY_PATTERN})"\s*:\s*)("(?:[^"\\]|\\.)*"?|[^,}}\s]+)', re.IGNORECASE
)
_TEXT_SECRET_VALUE = re.compile(
    rf"""(?<![\w.-])((?:{_SECRET_KEY_PATTERN})\s*=\s*)("(?:[^"\\]|\\.)*"?|'[^']*'?|[^\s,]+)""",
    re.IGNORECASE,
)


class _Conflict:
    """Marks a JSON key given twice with different values."""


_CONFLICT: Final = _Conflict()


def parse_alert_body(body: bytes) -> AlertFields:
    """Read and check a webhook body: the one call for callers that need no step in between."""
    return check_alert_fields(read_alert_fields(body))


def read_alert_fields(body: bytes) -> AlertFields:
    """Decode the body and fold its aliases, checking syntax only.

    Split from `check_alert_fields` so the listener can authenticate (the secret rides in the
    body) before telling a caller what its alert lacks.
    """
    text = _decode(body)
    stripped = text.strip()
    if not stripped:
        raise InvalidSignal(f"empty alert: send a JSON object or a text alert ({TEXT_FORM_HINT})")
    if stripped[0] in "{[":
        return _fields_from_pairs(_load_json_object(stripped), allow_message=True)
    return _fields_from_pairs(_text_pairs(stripped), allow_message=False)


def check_alert_fields(fields: AlertFields) -> AlertFields:
    """Require what every alert needs (an action and a ticker) and check the strategy name.

    A body with no action but `market_position` "flat" is a close. Returns the fields with the
    action filled in that case and the strategy name trimmed.
    """
    if fields.action is None:
        if fields.market_position != "flat":
            raise InvalidSignal(
                'the alert has no action: add "action": "{{strategy.order.action}}" '
                "(buy, sell, long, short, close, exit or flatten)"
            )
        fields = replace(fields, action=Action.CLOSE.value)
    else:
        Action.parse(fields.action)
    if fields.ticker is None:
        raise InvalidSignal('the alert has no ticker: add "ticker": "{{ticker}}"')
    if fields.strategy is not None:
        fields = replace(fields, strategy=validate_strategy_name(fields.strategy))
    return fields


def validate_strategy_name(name: object) -> str:
    """Return the trimmed strategy name, or raise: names become table keys and log labels."""
    if not isinstance(name, str):
        raise InvalidSignal("the strategy name must be text")
    trimmed = name.strip(" ")
    if not trimmed:
        raise InvalidSignal("the strategy name is empty")
    if len(trimmed) > 64:
        raise InvalidSignal(f"the strategy name is longer than 64 characters: {_show(trimmed)}")
    if ".." in trimmed:
        raise InvalidSignal(f"the strategy name may not contain '..': {_show(trimmed)}")
    for ch in trimmed:
        if not (ch.isalnum() or ch in STRATEGY_PUNCTUATION):
            raise InvalidSignal(
                f"the strategy name {_show(trimmed)} contains {_show(ch)}: use letters, digits, "
                "spaces and _ - . : # + only"
            )
    return trimmed


def idempotency_key(fields: AlertFields, body: bytes) -> str | None:
    """Key under which a resent alert is recognised, or None when it cannot be told apart.

    An explicit id wins. Otherwise an alert carrying a fire time ({{timenow}}) is keyed by the
    hash of its exact body, which TradingView resends byte for byte; without a time, two
    identical alerts may be two real signals, so there is no key.
    """
    if fields.alert_id is not None:
        return f"id:{fields.alert_id}"
    if fields.time is not None:
        return "sha256:" + hashlib.sha256(body).hexdigest()
    return None


def redact_secret(raw: str, secret: str) -> str:
    """Replace `secret` wherever it appears in `raw`, and every secret-like field's value, by ***.

    The second part masks a wrong secret too (often a typo of the right one). JSON-escaped
    spellings of `secret` are covered.
    """
    redacted = raw
    if secret:
        spellings = {secret, json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1]}
        for spelling in sorted(spellings, key=len, reverse=True):
            redacted = redacted.replace(spelling, "***")
    redacted = _JSON_SECRET_VALUE.sub(r'\1"***"', redacted)
    return _TEXT_SECRET_VALUE.sub(r"\1***", redacted)


# --- decoding -----------------------------------------------------------------------------


def _decode(body: bytes) -> str:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidSignal(
            f"the alert is not valid UTF-8 text (bad byte at position {exc.start})"
        ) from None
    return text.removeprefix("\ufeff")


def _load_json_object(text: str) -> dict[str, object]:
    _check_json_depth(text)
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


def _check_json_depth(text: str) -> None:
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
        if name in folded and not _same_value(folded[name], value):
            folded[name] = _CONFLICT
        else:
            folded.setdefault(name, value)
    return folded


# --- text and comma forms -------------------------------------------------------------------


def _text_pairs(text: str) -> list[tuple[str, object]]:
    """Split the text or comma form into (key, value) pairs, positional words named."""
    first_word = text.split(None, 1)[0]
    if "," in first_word:
        words = [part.strip() for part in text.split(",")]
        words = [word for word in words if word]
        pairs: list[tuple[str, object]] = []
        if words and not _is_action_word(words[0]):
            if len(words) < 2 or not _is_action_word(words[1]):
                # Not echoing words[0]: in this form it is usually an account number.
                raise InvalidSignal(
                    "the comma-separated alert has no action (buy, sell, close...) in its first "
                    "or second field; expected [ACCOUNT,]ACTION,[QTY,]TICKER[,key=value ...]"
                )
            pairs.append(("secret", words[0]))
            words = words[1:]
        return pairs + _positional_pairs(words, comma_form=True)
    try:
        words = shlex.split(text, posix=True)
    except ValueError as exc:
        raise InvalidSignal(
            f"the text alert cannot be read ({exc}): expected {TEXT_FORM_HINT}"
        ) from None
    return _positional_pairs(words, comma_form=False)


def _positional_pairs(words: list[str], *, comma_form: bool) -> list[tuple[str, object]]:
    """ACTION [QTY] [TICKER] [@ PRICE | @PRICE] then key=value words."""
    if not words:
        raise InvalidSignal(f"empty alert: expected {TEXT_FORM_HINT}")
    action = words[0]
    if _PLACEHOLDER.search(action):
        raise InvalidSignal(_placeholder_reason("action", action))
    if not _is_action_word(action):
        raise InvalidSignal(
            f"the alert is neither JSON nor a text alert: {_show(action)} is not an action "
            f"(buy, sell, long, short, close, exit, flatten); expected {TEXT_FORM_HINT}"
        )
    pairs: list[tuple[str, object]] = [("action", action)]
    rest = words[1:]
    if rest and "=" not in rest[0] and _NUMBER_WORD.fullmatch(rest[0]):
        pairs.append(("qty", rest.pop(0)))
    if rest and "=" not in rest[0] and not rest[0].startswith("@"):
        pairs.append(("ticker", rest.pop(0)))
    if rest and rest[0] == "@":
        if len(rest) < 2:
            raise InvalidSignal("the text alert ends with '@' but gives no price after it")
        pairs.append(("price", rest[1]))
        rest = rest[2:]
    elif rest and rest[0].startswith("@"):
        pairs.append(("price", rest.pop(0)[1:]))
    for word in rest:
        key, sep, value = word.partition("=")
        if not sep or not key.strip():
            form = "comma-separated alert" if comma_form else "text alert"
            raise InvalidSignal(
                f"unexpected word {_show(word)} in the {form}: expected {TEXT_FORM_HINT}"
            )
        pairs.append((key.strip().lower(), value.strip()))
    return pairs


def _is_action_word(word: str) -> bool:
    try:
        Action.parse(word)
    except InvalidSignal:
        return False
    return True


# --- alias folding and field checks --------------------------------------------------------


def _fields_from_pairs(
    pairs: Mapping[str, object] | list[tuple[str, object]], *, allow_message: bool
) -> AlertFields:
    items = list(pairs.items()) if isinstance(pairs, Mapping) else pairs
    values: dict[str, object] = {}
    given_as: dict[str, str] = {}
    sentiment: object = None
    message: object = None
    for key, value in items:
        name = key.strip().lower()
        if name == "sentiment":
            sentiment = value
            continue
        if name == "message":
            message = value
            continue
        field_name = FIELD_ALIASES.get(name)
        if field_name is None:
            continue  # bridges add their own keys (exchange, interval, risk...): ignore them
        if value is _CONFLICT:
            raise InvalidSignal(f"the alert gives {_show(name)} twice with different values")
        if _is_absent(value):
            continue
        fold_case = field_name in _CASELESS_FIELDS
        if field_name in values and not _same_value(values[field_name], value, fold_case):
            raise InvalidSignal(
                f"the alert gives {_show(given_as[field_name])} and {_show(name)} with different "
                "values: keep one"
            )
        values.setdefault(field_name, value)
        given_as.setdefault(field_name, name)

    if allow_message and not ({"action", "ticker"} & values.keys()) and not _is_absent(message):
        return _merge_message(values, message)

    _fold_sentiment(values, sentiment)
    return _build_fields(values)


def _merge_message(outer: dict[str, object], message: object) -> AlertFields:
    """Read the alert held in a `message` field; the outer fields (the secret) fill it in."""
    if isinstance(message, dict):
        inner = _fields_from_pairs(message, allow_message=False)
    elif isinstance(message, str):
        text = message.strip()
        if text.startswith("{"):
            inner = _fields_from_pairs(_load_json_object(text), allow_message=False)
        else:
            inner = _fields_from_pairs(_text_pairs(text), allow_message=False)
    else:
        raise InvalidSignal("the alert's 'message' must be text or a JSON object")
    outer_fields = _build_fields(outer)
    merged: dict[str, object] = {}
    for name in (f.name for f in dataclasses.fields(AlertFields)):
        mine, theirs = getattr(inner, name), getattr(outer_fields, name)
        fold_case = name in _CASELESS_FIELDS
        if mine is not None and theirs is not None and not _same_value(mine, theirs, fold_case):
            raise InvalidSignal(
                f"the alert gives {_show(name)} both inside 'message' and outside it, "
                "with different values"
            )
        merged[name] = mine if mine is not None else theirs
    return AlertFields(**merged)  # type: ignore[arg-type]


def _fold_sentiment(values: dict[str, object], sentiment: object) -> None:
    """`sentiment` means market_position only when it says long, short or flat."""
    if not isinstance(sentiment, str) or sentiment.strip().lower() not in MARKET_POSITIONS:
        return
    word = sentiment.strip().lower()
    current = values.get("market_position")
    if current is None:
        values["market_position"] = word
    elif not isinstance(current, str) or current.strip().lower() != word:
        raise InvalidSignal("the alert's 'sentiment' and 'market_position' disagree")


def _build_fields(values: Mapping[str, object]) -> AlertFields:
    def text(name: str) -> str | None:
        return _text_field(name, values.get(name))

    market_position = text("market_position")
    if market_position is not None:
        market_position = market_position.lower()
        if market_position not in MARKET_POSITIONS:
            raise InvalidSignal(
                f"market_position {_show(market_position)} is not long, short or flat"
            )
    return AlertFields(
        action=text("action"),
        ticker=text("ticker"),
        qty=_qty_field(values.get("qty")),
        price=_number_field("price", values.get("price")),
        strategy=text("strategy"),
        alert_id=text("alert_id"),
        time=text("time"),
        secret=text("secret"),
        position_size=_number_field("position_size", values.get("position_size")),
        market_position=market_position,
    )


def _text_field(name: str, value: object) -> str | None:
    """A text field, as sent but trimmed; a number is taken as its text (ids, secrets)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise InvalidSignal(f"the alert's {_show(name)} must be text, not {_json_type(value)}")
    result = str(value).strip()
    _check_characters(name, result)
    return result


def _qty_field(value: object) -> int | None:
    """Contracts must be a whole number; 0, negatives and the maximum are the engine's call."""
    if value is None:
        return None
    _check_number_type("qty", value)
    text = str(value).strip()
    _check_characters("qty", text)
    match = _WHOLE_NUMBER.fullmatch(text)
    if match is None:
        raise InvalidSignal(f"qty {_show(text)} is not a whole number of contracts")
    return int(match.group(1))


def _number_field(name: str, value: object) -> object:
    """A price or position size: kept as sent, but it has to be a finite number."""
    if value is None:
        return None
    _check_number_type(name, value)
    if isinstance(value, int):
        return value
    text = str(value).strip()
    _check_characters(name, text)
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise InvalidSignal(f"{name} {_show(text)} is not a number") from None
    if not number.is_finite():
        raise InvalidSignal(f"{name} {_show(text)} is not a usable number")
    return value.strip() if isinstance(value, str) else value


def _check_number_type(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise InvalidSignal(f"the alert's {_show(name)} must be a number, not {_json_type(value)}")


def _check_characters(name: str, text: str) -> None:
    if _PLACEHOLDER.search(text):
        raise InvalidSignal(_placeholder_reason(name, text if name != "secret" else "{{…}}"))
    if len(text) > MAX_LENGTHS[name]:
        raise InvalidSignal(f"the alert's {_show(name)} is longer than {MAX_LENGTHS[name]} chars")
    for ch in text:
        if unicodedata.category(ch) in _FORBIDDEN_CATEGORIES:
            raise InvalidSignal(
                f"the alert's {_show(name)} contains a control or invisible character "
                f"(U+{ord(ch):04X})"
            )


def _placeholder_reason(name: str, text: str) -> str:
    return (
        f"the alert's {_show(name)} still holds the placeholder {_show(text)}: TradingView did not "
        "fill it in (strategy.* placeholders only work in alerts created on a strategy)"
    )


def _is_absent(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _same_value(a: object, b: object, fold_case: bool = False) -> bool:
    """Whether two spellings of one field agree ("1" and 1 do; "Buy" and "buy" when caseless)."""
    if isinstance(a, dict | list) or isinstance(b, dict | list):
        return a == b
    left, right = str(a).strip(), str(b).strip()
    return left.lower() == right.lower() if fold_case else left == right


def _json_type(value: object) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def _show(text: str) -> str:
    """Quote a value for an error message, cut short so a reason stays one readable line."""
    return repr(text if len(text) <= 40 else text[:37] + "...")
