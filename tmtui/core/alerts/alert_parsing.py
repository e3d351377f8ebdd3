"""Turn a webhook body into `AlertFields`, whatever shape the trader's alert message has.

Pure: no I/O, no aiohttp. Every malformed body raises `InvalidSignal` (HTTP 400) with a reason
the trader can act on; nothing else escapes, whatever the bytes. Numbers stay as sent (text,
int or Decimal) except `qty`, which is checked to be a whole number and handed on as an int;
the engine, which knows the contracts and limits, validates ranges (HTTP 422).

Accepted shapes (the Content-Type header is ignored, as TradingView's is unreliable), each as
its bridge documents it (the parts live in `tmtui.core.alerts.bridges`):

* a JSON object: tmtui's template, TradersPost, PickMyTrade, Tickerly, the open-source
  Tradovate bridges, 3Commas' nested signal JSON, e.g.
  ``{"ticker": "MNQ1!", "action": "buy", "contracts": "2", ...}``;
* a JSON object whose ``message`` field holds the alert (``{"key": "...", "message": "..."}``);
* the text form ``ACTION [QTY] TICKER [@ PRICE] [key=value ...]``, e.g.
  ``buy 2 MNQ1! @ 21000.25 strategy=ORB secret=abc`` (values may be quoted: ``strategy="My ORB"``);
* the comma form of PineConnector and similar bridges,
  ``[LICENCE,]ACTION,[QTY,]TICKER[,key=value ...]``, e.g. ``60123456789, buy, MNQ1!, risk=1``.
  A leading field that is not an action word is the bridge's licence number, i.e. its shared
  secret, and is read as ``secret`` (never as an alert id: it is the same on every alert);
* CrossTrade's ``key=value;`` form, e.g. ``key=...; command=PLACE; instrument=MNQ 06-25; ...``;
* the pipe form ``KEY|STRATEGY|ACTION|TICKER[|QTY]``.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace

from tmtui.core.alerts.bridges.field_checks import show
from tmtui.core.alerts.bridges.field_names import FIELD_ALIASES, SECRET_KEYS, fields_from_pairs
from tmtui.core.alerts.bridges.json_form import MAX_JSON_DEPTH, load_json_object
from tmtui.core.alerts.bridges.redaction import SECRET_FIELD_NAMES, redact_secret
from tmtui.core.alerts.bridges.text_forms import EXPECTED, TEXT_FORM_HINT, text_pairs
from tmtui.core.alerts.bridges.vocabulary import (
    ACTION_HINT,
    action_instruction,
    command_instruction,
)
from tmtui.core.models import AlertFields, InvalidSignal

__all__ = [
    "FIELD_ALIASES",
    "MAX_JSON_DEPTH",
    "SECRET_FIELD_NAMES",
    "SECRET_KEYS",
    "TEXT_FORM_HINT",
    "check_alert_fields",
    "idempotency_key",
    "parse_alert_body",
    "read_alert_fields",
    "redact_secret",
    "validate_strategy_name",
]

STRATEGY_PUNCTUATION = frozenset(" _-.:#+")


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
        raise InvalidSignal(f"empty alert. {EXPECTED}")
    if stripped[0] in "{[":
        return fields_from_pairs(load_json_object(stripped), allow_message=True)
    return fields_from_pairs(text_pairs(stripped), allow_message=False)


def check_alert_fields(fields: AlertFields) -> AlertFields:
    """Require what every alert needs (an action or command, a ticker); check the strategy name.

    A body with no action but a flat `market_position` or `sentiment` is a close. Returns the
    fields with the action filled in that case and the strategy name trimmed.
    """
    if fields.command is not None:
        command_instruction(fields.command, fields.action)
    elif fields.action is None:
        if "flat" not in (fields.market_position, fields.sentiment):
            raise InvalidSignal(
                'the alert has no action: add "action": "{{strategy.order.action}}" '
                f"({ACTION_HINT})"
            )
        fields = replace(fields, action="close")
    else:
        action_instruction(fields.action)
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
        raise InvalidSignal(f"the strategy name is longer than 64 characters: {show(trimmed)}")
    if ".." in trimmed:
        raise InvalidSignal(f"the strategy name may not contain '..': {show(trimmed)}")
    for ch in trimmed:
        if not (ch.isalnum() or ch in STRATEGY_PUNCTUATION):
            raise InvalidSignal(
                f"the strategy name {show(trimmed)} contains {show(ch)}: use letters, digits, "
                "spaces and _ - . : # + only"
            )
    return trimmed


def idempotency_key(fields: AlertFields, body: bytes) -> str | None:
    """Key under which a resent alert is recognised, or None when it cannot be told apart.

    A resend is byte-identical, so the key always includes the hash of the body: an explicit
    id alone is not enough, because templates put `{{strategy.order.id}}` there ("Long",
    "Exit"), which repeats on every trade. With an id the key is the id plus the body hash;
    without one, an alert carrying a fire time ({{timenow}}) is keyed by the body hash alone;
    without either, two identical alerts may be two real signals, so there is no key. Pass
    the body with the secret redacted: the hash is stored, the secret must not be.
    """
    digest = hashlib.sha256(body).hexdigest()
    if fields.alert_id is not None:
        return f"id:{fields.alert_id}|sha256:{digest}"
    if fields.time is not None:
        return "sha256:" + digest
    return None


def _decode(body: bytes) -> str:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidSignal(
            f"the alert is not valid UTF-8 text (bad byte at position {exc.start})"
        ) from None
    return text.removeprefix("\ufeff")
