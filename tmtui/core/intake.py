"""The intake decision: what an alert or a manual close does, worked out without I/O.

The engine looks up the alert's dedupe key, asks `decide_alert` (or `decide_close`) what
to do, writes the one `SignalWrite` it returns in one ledger transaction and only then
applies the plan. An alert therefore costs one read and one write whatever its outcome,
and a write that fails leaves nothing applied.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from tmtui.core.book import Book, Plan, PositionKey
from tmtui.core.book_state import delta_of
from tmtui.core.events import Event, EventKind
from tmtui.core.models import (
    Action,
    AlertReply,
    IncomingAlert,
    InvalidSignal,
    Outcome,
    Signal,
    TmtuiError,
    UnusableSignal,
)
from tmtui.core.records import SignalRecord, SignalWrite
from tmtui.core.rollups import rollups_of
from tmtui.core.signal_rules import build_signal, signal_text


@dataclass(frozen=True, slots=True)
class IntakeRules:
    """What the decision needs besides the book: limits, switches and the trading day.

    `switches` holds the strategies switched off or on; a strategy not in it is enabled.
    """

    max_qty: int
    switches: Mapping[str, bool]
    day_of: Callable[[datetime], date]
    default_qty: Callable[[str], int] = lambda _strategy: 1
    """Contracts for an entry whose alert gives none, per strategy (`[strategies]`)."""

    def enabled(self, strategy: str) -> bool:
        return self.switches.get(strategy, True)


@dataclass(frozen=True, slots=True)
class Decision:
    """An outcome, the records to write for it and, when accepted, the plan to apply.

    `key` is the position the reply shows; `original` the signal a duplicate repeats;
    `error` the refusal the caller raises once the rejection is recorded.
    """

    outcome: Outcome
    write: SignalWrite
    message: str
    plan: Plan | None = None
    key: PositionKey | None = None
    original: int | None = None
    error: TmtuiError | None = None

    @property
    def events(self) -> tuple[Event, ...]:
        return self.write.events


def decide_alert(
    alert: IncomingAlert, book: Book, rules: IntakeRules, original: int | None, now: datetime
) -> Decision:
    """Decide an alert: duplicate, ignored, rejected (with the reason) or accepted.

    `original` is the signal an earlier alert with the same dedupe key was recorded as
    (looked up before deciding), or None.
    """
    if original is not None:
        return _duplicate(alert, original, now)
    try:
        signal = build_signal(
            alert.fields,
            book.contracts,
            rules.max_qty,
            alert.received,
            alert.source,
            rules.default_qty,
        )
        if not rules.enabled(signal.strategy):
            return _ignored(alert, signal, f"strategy {signal.strategy!r} is disabled", now)
        plan = book.plan(signal)
    except (InvalidSignal, UnusableSignal) as exc:
        return _rejected(alert, exc, now)
    if plan.skipped is not None:
        return _ignored(alert, signal, plan.skipped, now)
    if plan.before == 0 and plan.after == 0:
        reason = f"nothing open to close for {signal.root} ({signal.strategy})"
        return _ignored(alert, signal, reason, now)
    record = SignalRecord(
        alert.received,
        alert.source,
        Outcome.ACCEPTED,
        alert.raw,
        alert.peer,
        idem_key=alert.idem_key,
    )
    return accept(plan, record, rules.day_of, now)


def decide_close(
    book: Book,
    key: PositionKey,
    rules: IntakeRules,
    now: datetime,
    reason: str = "manual close",
    price: Decimal | None = None,
) -> Decision:
    """Close one position at `price` (default: its mark), as a manual signal.

    Raises UnusableSignal, recording nothing, when it is not open or has no price.
    """
    pos = book.positions.get(key)
    if pos is None:
        raise UnusableSignal(f"no open position for {key[1]} ({key[0]})")
    price = pos.mark if price is None else price
    if price is None:
        raise UnusableSignal(f"cannot close {pos.root} ({pos.strategy}): no price yet")
    signal = Signal(pos.strategy, pos.root, Action.CLOSE, None, price, now, source="manual")
    raw = json.dumps(
        {
            "action": "close",
            "strategy": pos.strategy,
            "symbol": pos.root,
            "price": str(price),
            "reason": reason,
        }
    )
    record = SignalRecord(now, "manual", Outcome.ACCEPTED, raw=raw)
    return accept(book.plan(signal), record, rules.day_of, now)


def accept(
    plan: Plan, record: SignalRecord, day_of: Callable[[datetime], date], now: datetime
) -> Decision:
    """An accepted plan and its write: signal at its fill price, fills, trades, book, rollups."""
    events = describe(plan, now)
    write = SignalWrite(
        replace(record, signal=replace(plan.signal, price=plan.price)),
        tuple(plan.fills),
        tuple(plan.closed_trades),
        tuple(events),
        delta_of(plan),
        tuple(rollups_of(plan.fills, plan.closed_trades, day_of)),
    )
    return Decision(Outcome.ACCEPTED, write, events[0].message, plan, plan.key)


def decide_refusal(
    peer: str, status: int, reason: str, raw: str | None, now: datetime
) -> tuple[Event, SignalWrite | None]:
    """A refusal the listener decided itself: its log line, and a row for a malformed body.

    Only a 400 with a body is recorded as a signal (the trader may want to see what their
    alert sent); auth, size and rate refusals are log lines only.
    """
    event = Event(
        EventKind.ALERT_REJECTED,
        f"alert rejected ({status}): {reason} from {peer}",
        now,
        {"status": status, "peer": peer},
    )
    if status != 400 or raw is None:
        return event, None
    record = SignalRecord(now, "webhook", Outcome.REJECTED, raw=raw, peer=peer, reason=reason)
    return event, SignalWrite(record, events=(event,))


def reply_of(decision: Decision, signal_id: int, position: dict[str, Any] | None) -> AlertReply:
    """The listener's answer once the decision is recorded (and applied)."""
    if decision.outcome is Outcome.DUPLICATE:
        assert decision.original is not None
        return AlertReply(decision.original, True, Outcome.DUPLICATE, decision.message, None)
    return AlertReply(signal_id, False, decision.outcome, decision.message, position)


def describe(plan: Plan, now: datetime) -> list[Event]:
    """The log lines of an accepted plan: what it did, and any position drift it corrected."""
    s = plan.signal
    after = plan.after
    state = "flat" if after == 0 else f"{'long' if after > 0 else 'short'} {abs(after)}"
    price_text = f" @ {plan.price}" if plan.price is not None else ""
    text = f"{signal_text(s, with_price=False)}{price_text} ({s.strategy}) → {state}"
    if plan.closed_trades:
        net = sum((t.net for t in plan.closed_trades), Decimal(0))
        text += f", P&L {net:+,.2f}"
    kind = EventKind.MANUAL_CLOSE if s.source == "manual" else EventKind.ALERT_ACCEPTED
    data = {
        "strategy": s.strategy,
        "symbol": s.root,
        "change": plan.change,
        "before": plan.before,
        "after": after,
    }
    events = [Event(kind, text, now, data)]
    drift = {"expected": plan.drift[0], "target": plan.drift[1]} if plan.drift else {}
    events.extend(Event(EventKind.DRIFT, note, now, drift) for note in plan.notes)
    return events


def _duplicate(alert: IncomingAlert, original: int, now: datetime) -> Decision:
    message = f"duplicate alert (key already applied as signal #{original}): ignored"
    event = Event(
        EventKind.ALERT_DUPLICATE, message, now, {"peer": alert.peer, "original": original}
    )
    record = SignalRecord(
        alert.received,
        alert.source,
        Outcome.DUPLICATE,
        alert.raw,
        alert.peer,
        idem_key=alert.idem_key,
        reason=message,
    )
    return Decision(
        Outcome.DUPLICATE, SignalWrite(record, events=(event,)), message, original=original
    )


def _ignored(alert: IncomingAlert, signal: Signal, reason: str, now: datetime) -> Decision:
    event = Event(
        EventKind.ALERT_IGNORED,
        f"{signal_text(signal)}: ignored, {reason}",
        now,
        {"peer": alert.peer},
    )
    record = SignalRecord(
        alert.received,
        alert.source,
        Outcome.IGNORED,
        alert.raw,
        alert.peer,
        signal,
        alert.idem_key,
        reason,
    )
    write = SignalWrite(record, events=(event,))
    return Decision(Outcome.IGNORED, write, event.message, key=(signal.strategy, signal.root))


def _rejected(alert: IncomingAlert, error: TmtuiError, now: datetime) -> Decision:
    reason = str(error)
    event = Event(
        EventKind.ALERT_REJECTED,
        f"alert rejected: {reason} from {alert.peer}",
        now,
        {"peer": alert.peer},
    )
    record = SignalRecord(
        alert.received, alert.source, Outcome.REJECTED, alert.raw, alert.peer, reason=reason
    )
    return Decision(Outcome.REJECTED, SignalWrite(record, events=(event,)), reason, error=error)
