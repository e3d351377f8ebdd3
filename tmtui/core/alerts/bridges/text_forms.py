"""The text forms alerts come in, each split into (key, value) pairs with positions named.

* tmtui's own text form, `ACTION [QTY] TICKER [@ PRICE] [key=value ...]`;
* the comma form of PineConnector and similar bridges,
  `[LICENCE,]ACTION,[QTY,]TICKER[,key=value ...]`, spaces allowed around the commas; the
  leading licence number is the bridge's shared secret (unless a `secret=` field follows,
  which then is);
* CrossTrade's `key=value;` form: pairs ended by `;` and/or line breaks, keys in any case,
  values that may hold spaces (`instrument=NQ 12-24`) and commas (`require_market_position=
  long,flat`);
* the pipe-delimited form `KEY|STRATEGY|ACTION|TICKER[|QTY]`.

Anything else is not a trade instruction, and the reason says what tmtui expected.
"""

from __future__ import annotations

import re
import shlex
from typing import Final

from tmtui.core.alerts.bridges.field_checks import PLACEHOLDER, placeholder_reason, show
from tmtui.core.alerts.bridges.vocabulary import ACTION_HINT, is_action_word
from tmtui.core.models import InvalidSignal

TEXT_FORM_HINT: Final = "ACTION QTY TICKER [@ PRICE] [key=value ...], e.g. 'buy 2 MNQ1! @ 21000.25'"
EXPECTED: Final = (
    "tmtui expected a trade instruction: JSON with an action and a ticker "
    '(e.g. {"ticker": "MNQ1!", "action": "buy"}), a text alert such as \'buy 1 MNQ1!\', or a '
    "bridge's own form (CrossTrade's 'command=PLACE; action=BUY; ...', PineConnector's "
    "'LICENCE,buy,MNQ1!', 'KEY|STRATEGY|ACTION|TICKER'): see docs/alerts.md"
)
COMMA_FORM_HINT: Final = "[ACCOUNT,]ACTION,[QTY,]TICKER[,key=value ...]"
PIPE_FORM_HINT: Final = "KEY|STRATEGY|ACTION|TICKER[|QTY]"

_NUMBER_WORD = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)", re.ASCII)
_KEY = r"[A-Za-z_][\w.]*"
_STARTS_WITH_PAIR = re.compile(rf"\s*{_KEY}\s*=")
_PAIR_END = re.compile(r"[;\r\n]+")
_NEXT_PAIR = re.compile(rf"\s+(?={_KEY}\s*=)")
_KEY_NAME = re.compile(_KEY)
# TradingView's default alert message: "MNQ1!, price = 21034.25, volume = 1532".
_CHART_VALUE = re.compile(r"^(?:price|volume|close|open|high|low|time)\s*=", re.IGNORECASE)


def text_pairs(text: str) -> list[tuple[str, object]]:
    """Split a text body into (key, value) pairs, whichever text form it is in."""
    if _STARTS_WITH_PAIR.match(text):
        return _key_value_pairs(text)
    first_line = text.strip().splitlines()[0]
    if "|" in first_line and not re.search(r"[\s,=]", first_line.split("|", 1)[0].strip()):
        return _pipe_pairs(text)
    first_field = text.split(",", 1)[0].strip()
    if "," in text and first_field and not re.search(r"[\s=]", first_field):
        return _comma_pairs(text)
    return _word_pairs(text)


# --- CrossTrade: key=value; ----------------------------------------------------------------


def _key_value_pairs(text: str) -> list[tuple[str, object]]:
    pairs: list[tuple[str, object]] = []
    for segment in _PAIR_END.split(text):
        for piece in _NEXT_PAIR.split(segment.strip()):
            if not piece:
                continue
            key, sep, value = piece.partition("=")
            if not sep or not _KEY_NAME.fullmatch(key.strip()):
                raise InvalidSignal(
                    f"unexpected {show(piece)} in the key=value alert: expected key=value pairs "
                    "ended by ';' (e.g. 'command=PLACE; instrument=MNQ 06-25; action=BUY; "
                    "qty=1;')"
                )
            pairs.append((key.strip().lower(), _unquote(value.strip())))
    return pairs


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


# --- KEY|STRATEGY|ACTION|TICKER[|QTY] --------------------------------------------------------


def _pipe_pairs(text: str) -> list[tuple[str, object]]:
    parts = [part.strip() for part in text.strip().split("|")]
    if len(parts) not in (4, 5) or not all(parts):
        raise InvalidSignal(
            f"the pipe-delimited alert has {len(parts)} fields: expected {PIPE_FORM_HINT}"
        )
    _require_action(parts[2], f"the third field of {PIPE_FORM_HINT}")
    names = ("secret", "strategy", "action", "ticker", "qty")
    return list(zip(names, parts, strict=False))


# --- LICENCE,ACTION,TICKER,key=value -----------------------------------------------------


def _comma_pairs(text: str) -> list[tuple[str, object]]:
    words = [part.strip() for part in text.split(",")]
    words = [word for word in words if word]
    pairs: list[tuple[str, object]] = []
    if not is_action_word(words[0]):
        if len(words) < 2 or not is_action_word(words[1]):
            raise InvalidSignal(_comma_form_reason(words))
        has_secret = any(w.partition("=")[0].strip().lower() == "secret" for w in words[2:])
        # Not echoed in errors: in this form the leading field is a licence or account number.
        pairs.append(("licence" if has_secret else "secret", words[0]))
        words = words[1:]
    return pairs + _positional_pairs(words, form="comma-separated alert")


def _comma_form_reason(words: list[str]) -> str:
    if any(_CHART_VALUE.match(word) for word in words[1:]):
        return (
            "this looks like TradingView's default alert message (ticker, price, volume), not a "
            f"trade instruction. {EXPECTED}"
        )
    if any(PLACEHOLDER.search(word) for word in words[:2]):
        return placeholder_reason("action", next(w for w in words[:2] if PLACEHOLDER.search(w)))
    return (
        "the comma-separated alert has no action (buy, sell, close...) in its first or second "
        f"field; expected {COMMA_FORM_HINT}. {EXPECTED}"
    )


# --- ACTION QTY TICKER @ PRICE key=value -----------------------------------------------------


def _word_pairs(text: str) -> list[tuple[str, object]]:
    try:
        words = shlex.split(text, posix=True)
    except ValueError as exc:
        raise InvalidSignal(
            f"the text alert cannot be read ({exc}): expected {TEXT_FORM_HINT}"
        ) from None
    return _positional_pairs(words, form="text alert")


def _positional_pairs(words: list[str], *, form: str) -> list[tuple[str, object]]:
    """ACTION [QTY] [TICKER] [@ PRICE | @PRICE] then key=value words."""
    if not words:
        raise InvalidSignal(f"empty alert: expected {TEXT_FORM_HINT}")
    action = words[0]
    _require_action(action, "the first word")
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
            raise InvalidSignal(
                f"unexpected word {show(word)} in the {form}: expected {TEXT_FORM_HINT}"
            )
        pairs.append((key.strip().lower(), value.strip()))
    return pairs


def _require_action(word: str, where: str) -> None:
    if PLACEHOLDER.search(word):
        raise InvalidSignal(placeholder_reason("action", word))
    if not is_action_word(word):
        raise InvalidSignal(
            f"the alert is neither JSON nor a text alert: {show(word)} ({where}) is not an "
            f"action ({ACTION_HINT}). {EXPECTED}"
        )
