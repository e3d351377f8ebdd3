"""The intake decision: what an alert, a manual close or order does, worked out without I/O.

The engine looks up the alert's dedupe key, asks `decide_alert` (or `decide_close`,
`decide_order` for the trader's own closes and orders, at the price they confirmed) what
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

from tmtui.core.alerts.alert_parsing import validate_strategy_name
from tmtui.core.alerts.alert_rules import EntryCheck, screen
from tmtui.core.alerts.manual_orders import ManualOrder, ManualPrice, PriceSource, manual_raw
from tmtui.core.alerts.order_checks import order_refusal
from tmtui.core.alerts.price_band import DEFAULT_PRICE_BAND, check_price_band
from tmtui.core.alerts.signal_rules import build_signal, signal_text, validate_price
from tmtui.core.book.book import Book, Plan, PositionKey
from tmtui.core.book.book_state import delta_of
from tmtui.core.book.drift import DriftUpdate, drift_after
from tmtui.core.book.records import SignalRecord, SignalWrite
from tmtui.core.book.rollups import rollups_of
from tmtui.core.events import Event, EventKind
from tmtui.core.formatting import price_text, signed_money
from tmtui.core.models import (
    Action,
    AlertFields,
    AlertReply,
    AwaitingQuote,
    IncomingAlert,
    InvalidSignal,
    Outcome,
    RuleRefusal,
    Signal,
    TmtuiError,
    UnusableSignal,
)
from tmtui.core.orders.desk import reason_of
from tmtui.core.orders.intents import Reason
from tmtui.core.orders.states import Order
from tmtui.core.risk.risk_rules import RiskExit
from tmtui.core.risk.rule_hits import RuleHit

OrderPlanner = Callable[[Plan, Reason, datetime], tuple[Order, ...]]
"""The bridge orders an applied plan causes (`core.orders.desk.OrderDesk.orders_for`)."""


@dataclass(frozen=True, slots=True)
class IntakeRules:
    """What the decision needs besides the book: limits, switches and the trading day.

    `switches` holds the strategies switched off or on; a strategy not in it is enabled.
    `entry` is the risk guard's entry check (None: no risk rules).
    """

    max_qty: int
    switches: Mapping[str, bool]
    day_of: Callable[[datetime], date]
    entry: EntryCheck | None = None
    default_qty: Callable[[str], int] = lambda _strategy: 1
    """Contracts for an entry whose alert gives none, per strategy (`[strategies]`)."""
    price_band: Decimal = DEFAULT_PRICE_BAND
    """`[listener] price_band`: how far (a fraction) an alert's price may be from the mark."""
    orders: OrderPlanner | None = None
    """Plans the orders a routed strategy's bridge gets (None: every strategy on paper)."""

    def enabled(self, strategy: str) -> bool:
        return self.switches.get(strategy, True)


@dataclass(frozen=True, slots=True)
class Decision:
    """An outcome, the records to write for it and, when accepted, the plan to apply.

    `key` is the position the reply shows; `original` the signal a duplicate repeats;
    `error` the refusal the caller raises once the rejection is recorded; `drift` what the
    alert does to its position's drift mark (None: the alert told nothing about it).
    """

    outcome: Outcome
    write: SignalWrite
    message: str
    plan: Plan | None = None
    key: PositionKey | None = None
    original: int | None = None
    error: TmtuiError | None = None
    drift: tuple[PositionKey, DriftUpdate] | None = None

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
        check_price_band(signal, book, rules.price_band)
        screening = screen(signal, book, rules.enabled, rules.entry)
        plan = screening.plan if screening.stop is None else None
    except UnusableSignal as exc:
        if exc.rule == "no_price":  # a real signal: 503, so TradingView sends it again
            raise AwaitingQuote(
                f"not recorded: {signal.root} has no quote yet and the alert no price; "
                f"TradingView resends it in 5 s, when it is priced at the mark",
                signal.root,
            ) from exc
        return _rejected(alert, exc, now)
    except InvalidSignal as exc:
        return _rejected(alert, exc, now)
    key = (signal.strategy, signal.root)
    current = book.positions.get(key)
    before = current.signed_qty if current else 0
    tick = _tick(book, signal.root)
    if plan is None:
        assert screening.stop is not None
        decision = _ignored(alert, signal, tick, screening.stop, now)
        update = drift_after(signal, before, before, now, screening.stop.message)
        return replace(decision, drift=None if update is None else (key, update))
    record = SignalRecord(
        alert.received,
        alert.source,
        Outcome.ACCEPTED,
        alert.raw,
        alert.peer,
        idem_key=alert.idem_key,
        reason="; ".join(hit.message for hit in screening.trims) or None,
    )
    decision = routed(accept(plan, tick, record, rules.day_of, now, screening.trims), rules, now)
    why = "; ".join(hit.rule for hit in screening.trims)
    update = drift_after(signal, before, plan.after, now, why)
    return replace(decision, drift=None if update is None else (key, update))


def decide_close(
    book: Book,
    key: PositionKey,
    rules: IntakeRules,
    now: datetime,
    price: ManualPrice,
    reason: str = "manual close",
) -> Decision:
    """Close one position at the price the trader saw or typed, as a manual signal.

    Raises UnusableSignal, recording nothing, when it is not open or the price is unusable.
    """
    pos = book.positions.get(key)
    if pos is None:
        raise UnusableSignal(f"no open position for {key[1]} ({key[0]})")
    validate_price(price.price, book.contracts[pos.root])
    signal = Signal(pos.strategy, pos.root, Action.CLOSE, None, price.price, now, source="manual")
    return _manual(book.plan(signal), _tick(book, pos.root), price, reason, rules, now)


def decide_order(order: ManualOrder, book: Book, rules: IntakeRules, now: datetime) -> Decision:
    """Buy or sell at a price (to mirror a fill the alerts missed), as a manual signal.

    Validated like an alert (contract, qty limit, price) and applied even when the strategy
    is switched off, since the switch is for alerts, not for the trader; an entry the risk
    guard's entry rules forbid (a lockout) is refused, an exit passes. Raises the alert's
    errors, recording nothing: the form shows the reason and keeps what was typed.
    """
    fields = AlertFields(
        action=order.action.value,
        ticker=order.ticker,
        qty=order.qty,
        price=order.price.price,
        strategy=validate_strategy_name(order.strategy),
    )
    signal = build_signal(fields, book.contracts, rules.max_qty, now, "manual")
    plan = book.plan(signal)
    if rules.entry is not None:  # a lockout stops new exposure, whoever asks
        verdict = rules.entry(signal.strategy, signal.root, plan.before, plan.after)
        refusal = order_refusal(verdict)
        if refusal is not None:
            raise UnusableSignal(refusal, rule=verdict.hits[0].rule if verdict.hits else None)
    return _manual(plan, _tick(book, signal.root), order.price, "manual order", rules, now)


def _tick(book: Book, root: str) -> Decimal:
    """The contract's tick: every price on a log line is written with its decimals."""
    return book.contracts[root].tick_size


def _manual(
    plan: Plan,
    tick: Decimal,
    price: ManualPrice,
    reason: str,
    rules: IntakeRules,
    now: datetime,
) -> Decision:
    """A manual plan accepted with the raw the ledger keeps: what, at what price, from where."""
    if plan.skipped is not None:
        raise UnusableSignal(plan.skipped)
    s = plan.signal
    raw = manual_raw(s.action, s.strategy, s.root, s.qty, price, reason)
    record = SignalRecord(now, "manual", Outcome.ACCEPTED, raw=raw)
    decision = accept(plan, tick, record, rules.day_of, now, price_source=price.source)
    return routed(decision, rules, now, reason_of("manual", s.action, reason))


def decide_risk_exit(book: Book, exit_: RiskExit, rules: IntakeRules, now: datetime) -> Decision:
    """Close a position at the mark a risk rule acted on, as a signal from source "risk".

    The rule, its reason and the figures go in the signal's raw text and on its log line,
    so the ledger says why; replay closes it at the same price. Raises UnusableSignal,
    recording nothing, when the position is no longer open or there is no price.
    """
    strategy, root = exit_.key
    if exit_.key not in book.positions:
        raise UnusableSignal(f"no open position for {root} ({strategy})")
    if exit_.price is None:
        raise UnusableSignal(f"cannot close {root} ({strategy}): no price yet", rule="no_price")
    signal = Signal(strategy, root, Action.CLOSE, None, exit_.price, now, source="risk")
    raw = json.dumps(
        {
            "action": "close",
            "strategy": strategy,
            "symbol": root,
            "price": str(exit_.price),
            "rule": exit_.rule,
            "reason": exit_.reason,
            "figures": exit_.figures,
        },
        sort_keys=True,
    )
    reason = f"{exit_.rule}: {exit_.reason}"
    record = SignalRecord(now, "risk", Outcome.ACCEPTED, raw=raw, reason=reason)
    hit = RuleHit(exit_.rule, exit_.reason, exit_.figures)
    decision = accept(book.plan(signal), _tick(book, root), record, rules.day_of, now, (hit,))
    return routed(decision, rules, now, Reason.RISK)


def routed(
    decision: Decision, rules: IntakeRules, now: datetime, reason: Reason = Reason.SIGNAL
) -> Decision:
    """An accepted decision with the orders its strategy's bridge must get, in its write (so
    they are recorded in the signal's own transaction: the outbox)."""
    if rules.orders is None or decision.plan is None:
        return decision
    orders = rules.orders(decision.plan, reason, now)
    if not orders:
        return decision
    return replace(decision, write=replace(decision.write, orders=orders))


def with_hits(events: list[Event], hits: list[RuleHit] | tuple[RuleHit, ...]) -> list[Event]:
    """Name the rules that shaped a signal on its first log line, figures in its data."""
    if not hits:
        return events
    first = events[0]
    words = [h.message if h.message.startswith(h.rule) else f"{h.rule}: {h.message}" for h in hits]
    text = first.message + " [" + "; ".join(words) + "]"
    data = {**first.data, "rules": [{"rule": h.rule, "figures": h.figures} for h in hits]}
    return [replace(first, message=text, data=data), *events[1:]]


def accept(
    plan: Plan,
    tick: Decimal,
    record: SignalRecord,
    day_of: Callable[[datetime], date],
    now: datetime,
    hits: list[RuleHit] | tuple[RuleHit, ...] = (),
    price_source: PriceSource | None = None,
) -> Decision:
    """An accepted plan and its write: signal at its fill price, fills, trades, book, rollups.

    `hits` are the rules that shaped it (a trim, a risk exit): named on its log line; a
    manual signal's `price_source` says where its price came from; `tick` is the contract's,
    for the prices on the log line.
    """
    events = with_hits(describe(plan, tick, now, price_source), hits)
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


def describe(
    plan: Plan, tick: Decimal | None, now: datetime, price_source: PriceSource | None = None
) -> list[Event]:
    """The log lines of an accepted plan: what it did, and any position drift it corrected;
    its price with the contract's `tick` decimals (`close ES @ 6800.00`).

    A manual signal says where its price came from (live, stale, delayed, typed).
    """
    s = plan.signal
    after = plan.after
    state = "flat" if after == 0 else f"{'long' if after > 0 else 'short'} {abs(after)}"
    at = f" @ {price_text(plan.price, tick)}" if plan.price is not None else ""
    text = f"{signal_text(s, tick, with_price=False)}{at} ({s.strategy}) → {state}"
    data: dict[str, Any] = {
        "strategy": s.strategy,
        "symbol": s.root,
        "change": plan.change,
        "before": plan.before,
        "after": after,
    }
    if plan.closed_trades:
        net = sum((t.net for t in plan.closed_trades), Decimal(0))
        text += f", P&L {signed_money(net)}"
        data["pnl"] = str(net)  # the log colors a winning or losing close by it
    if price_source is not None:
        text += f" (price {price_source.value})"
        data["price_source"] = price_source.value
    kind = EventKind.ALERT_ACCEPTED
    if s.source == "manual":
        kind = EventKind.MANUAL_CLOSE if s.action is Action.CLOSE else EventKind.MANUAL_ORDER
    elif s.source == "risk":
        kind = EventKind.RISK_EXIT
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


def _ignored(
    alert: IncomingAlert, signal: Signal, tick: Decimal, hit: RuleHit, now: datetime
) -> Decision:
    """Recorded, not applied: the rule that stopped it, its figures, a 200 for the sender."""
    event = Event(
        EventKind.ALERT_IGNORED,
        f"{signal_text(signal, tick)}: ignored: {hit.message}",
        now,
        {"peer": alert.peer, "rule": hit.rule, "figures": hit.figures},
    )
    record = SignalRecord(
        alert.received,
        alert.source,
        Outcome.IGNORED,
        alert.raw,
        alert.peer,
        signal,
        alert.idem_key,
        hit.message,
    )
    write = SignalWrite(record, events=(event,))
    return Decision(Outcome.IGNORED, write, event.message, key=(signal.strategy, signal.root))


def _rejected(alert: IncomingAlert, error: RuleRefusal, now: datetime) -> Decision:
    reason = str(error)
    event = Event(
        EventKind.ALERT_REJECTED,
        f"alert rejected: {reason} from {alert.peer}",
        now,
        {"peer": alert.peer, "rule": error.rule, "figures": error.figures},
    )
    record = SignalRecord(
        alert.received, alert.source, Outcome.REJECTED, alert.raw, alert.peer, reason=reason
    )
    return Decision(Outcome.REJECTED, SignalWrite(record, events=(event,)), reason, error=error)
