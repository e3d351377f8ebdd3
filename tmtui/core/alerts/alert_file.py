"""A file of webhook-shaped alerts (JSON Lines, or one JSON array) as signals to import.

Each alert is read and validated exactly as the listener reads a webhook body
(`alert_parsing`, then `signal_rules.build_signal`), and must carry its own time (`time`,
`timenow` or `date`, ISO 8601). Its dedupe key is the live one: its id, else the hash of
its exact text, so an alert already received live, or imported before, is not applied twice.

Rows of `tmtui export --what signals --format json` import too: one whose `outcome` says it
was not applied (rejected, ignored, a duplicate) is history, not an instruction, and is
skipped; an `idem_key` column is kept as the dedupe key, so importing an export back into
the ledger it came from adds nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, tzinfo

from tmtui.core.alerts.alert_parsing import (
    check_alert_fields,
    idempotency_key,
    read_alert_fields,
    redact_secret,
)
from tmtui.core.alerts.signal_rules import build_signal
from tmtui.core.contracts import ContractBook
from tmtui.core.history.import_plan import ImportItem, ImportRefused
from tmtui.core.models import AlertFields, InvalidSignal, UnusableSignal

IMPORT_SOURCE = "import"


@dataclass(frozen=True, slots=True)
class AlertRules:
    """What validating an alert needs: the contracts, the size limit, the listener secret
    (only to keep it out of the ledger) and the zone of times written without an offset."""

    contracts: ContractBook
    max_qty: int
    secret: str = ""
    naive_zone: tzinfo | None = None
    default_qty: Callable[[str], int] = lambda _strategy: 1


def alert_items(text: str, rules: AlertRules, what: str) -> tuple[list[ImportItem], int]:
    """The file's alerts in time order (ties in file order), and how many were skipped.

    Raises ImportRefused naming every bad line.
    """
    items: list[ImportItem] = []
    problems: list[str] = []
    skipped = 0
    for line, body in _bodies(text, what):
        try:
            item = _item(line, body, rules)
        except (InvalidSignal, UnusableSignal) as exc:
            problems.append(f"line {line}: {exc}")
            continue
        if item is None:
            skipped += 1
        else:
            items.append(item)
    if problems:
        raise ImportRefused(what, problems)
    items.sort(key=lambda i: (i.signal.time, i.line))
    return items, skipped


def _bodies(text: str, what: str) -> list[tuple[int, bytes]]:
    """(line number, alert text) of each alert: one per non-blank line, or a JSON array's."""
    text = text.lstrip("\ufeff")
    if text.lstrip().startswith("["):
        try:
            return _array_items(text)
        except ValueError as exc:
            raise ImportRefused(what, [f"not a JSON array of alerts: {exc}"]) from None
    return [
        (i, line.strip().encode()) for i, line in enumerate(text.splitlines(), 1) if line.strip()
    ]


def _array_items(text: str) -> list[tuple[int, bytes]]:
    """Each element of a JSON array with the line it starts on, as its exact text."""
    decoder = json.JSONDecoder()
    i = _skip_space(text, text.index("[") + 1)
    items: list[tuple[int, bytes]] = []
    while i < len(text) and text[i] != "]":
        _, end = decoder.raw_decode(text, i)
        items.append((text.count("\n", 0, i) + 1, text[i:end].encode()))
        i = _skip_space(text, end)
        if i < len(text) and text[i] == ",":
            i = _skip_space(text, i + 1)
        elif i >= len(text) or text[i] != "]":
            raise ValueError(f"expected , or ] at line {text.count(chr(10), 0, i) + 1}")
    if i >= len(text) or text[_skip_space(text, i + 1) :].strip():
        raise ValueError("the array is not closed, or text follows it")
    return items


def _skip_space(text: str, i: int) -> int:
    while i < len(text) and text[i] in " \t\r\n":
        i += 1
    return i


def _item(line: int, body: bytes, rules: AlertRules) -> ImportItem | None:
    if not body.startswith(b"{"):
        raise InvalidSignal("each line must be one JSON object (an alert as the webhook gets it)")
    try:
        whole = json.loads(body)
    except ValueError:
        whole = None  # read_alert_fields says what is wrong with it
    extra = whole if isinstance(whole, dict) else {}
    if extra.get("outcome") not in (None, "accepted"):
        return None
    fields = check_alert_fields(read_alert_fields(body))
    when = _time(fields, rules.naive_zone)
    signal = build_signal(
        fields, rules.contracts, rules.max_qty, when, IMPORT_SOURCE, rules.default_qty
    )
    raw = redact_secret(redact_secret(body.decode(), rules.secret), fields.secret or "")
    key = extra.get("idem_key")
    if not isinstance(key, str) or not key:
        key = idempotency_key(fields, body)
    return ImportItem(line, signal, raw, key)


def _time(fields: AlertFields, naive_zone: tzinfo | None) -> datetime:
    if not fields.time:
        raise InvalidSignal(
            'the alert has no time: add "time" (ISO 8601, e.g. 2026-03-02T14:30:00Z)'
        )
    try:
        when = datetime.fromisoformat(fields.time)
    except ValueError:
        raise InvalidSignal(f"time {fields.time!r} is not ISO 8601") from None
    if when.tzinfo is None:
        if naive_zone is None:
            raise InvalidSignal(
                f"time {fields.time!r} has no UTC offset: add one, or pass --timezone"
            )
        when = when.replace(tzinfo=naive_zone)
    return when
