"""Signals in: alerts, the listener's refusals, manual closes and flattens.

Each goes the same way: look up the dedupe key (alerts only), decide with the pure
`core.intake`, queue the decision's `SignalWrite` as ONE record of the ledger's next group
commit, apply the plan, and answer (and tell the subscribers) only once it is committed.

Deciding takes microseconds and happens under a lock, one alert at a time; the commit (a
disk sync) is waited for outside it, so alerts arriving together are decided one on top of
the other and committed in one transaction. Should the ledger refuse a write, it refuses
every chained write queued after it too, and `intake_pending` takes all those alerts back:
the book ends as the ledger has it, and each of them was answered 503, so TradingView
resends it into a clean book.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

from tmtui.core import intake
from tmtui.core.book import Plan, PositionKey
from tmtui.core.events import Event, EventKind
from tmtui.core.models import AlertReply, IncomingAlert, LedgerUnavailable, Outcome, TmtuiError
from tmtui.core.trading_state import TradingState
from tmtui.core.views import position_json
from tmtui.intake_pending import PendingAlerts, Undo
from tmtui.ledger import DuplicateSignal, Ledger
from tmtui.ledger_writer import PendingWrite

log = logging.getLogger("tmtui.engine")

Emit = Callable[[Event, bool], None]
"""emit(event, persist): persist=False for events the signal's own write already holds."""
KEYED = (Outcome.ACCEPTED, Outcome.IGNORED)
"""Outcomes whose dedupe key the ledger keeps (a resend of them is a duplicate)."""


class SignalIntake:
    """Decides and queues under one lock, so each decision sees the book the ones before it
    left; answers once the ledger has committed."""

    def __init__(
        self,
        ledger: Ledger,
        state: TradingState,
        *,
        max_qty: int,
        default_qty: Callable[[str], int],
        clock: Callable[[], datetime],
        applied: Callable[[Plan], None],
        # what the engine does after a plan is applied (samples, feed symbols, revalue)
        emit: Emit,
        undone: Callable[[list[PositionKey]], None] = lambda _keys: None,
        # after alerts the ledger refused were taken back: those positions changed again
        not_recorded: Callable[[IncomingAlert, LedgerUnavailable], None] = lambda _a, _e: None,
        # an alert answered 503: the engine says so on the screen and in headless output
    ) -> None:
        self.ledger = ledger
        self.state = state
        self.max_qty = max_qty
        self.default_qty = default_qty
        self.clock = clock
        self.last_alert: datetime | None = None
        self._applied = applied
        self._emit = emit
        self._undone = undone
        self._not_recorded = not_recorded
        self._lock = asyncio.Lock()
        self._pending = PendingAlerts(self._took_back)

    async def submit_alert(self, alert: IncomingAlert) -> AlertReply:
        """Decide, record durably, then answer. Raises the typed errors the listener maps."""
        try:
            key = alert.idem_key
            original = await self.ledger.find_by_idem_key(key) if key else None
            async with self._lock:
                self.last_alert = alert.received
                reply = self._intake(alert, original)
            return await reply
        except LedgerUnavailable as exc:
            self._not_recorded(alert, exc)
            raise

    def _intake(self, alert: IncomingAlert, original: int | None) -> Awaitable[AlertReply]:
        """Decide and queue (synchronous: the decision sees one state); returns the reply
        that waits for the commit.

        `original` is what the ledger said of the alert's key just before the lock; a
        resend whose original is still queued, or was committed since, is caught here.
        """
        key = alert.idem_key
        if key is not None:
            waiting = self._pending.waiting_for(key)
            if waiting is not None:
                return self._duplicate_of_waiting(alert, waiting)
            original = original or self._pending.committed_as(key)
        self._pending.settle()
        book, now = self.state.book, self.clock()
        return self._queue(intake.decide_alert(alert, book, self._rules(), original, now), key)

    async def _duplicate_of_waiting(
        self, alert: IncomingAlert, waiting: PendingWrite
    ) -> AlertReply:
        """A resend that arrived before its original was committed: a duplicate of it."""
        try:
            original = int(await waiting.confirmed())
        except DuplicateSignal as dup:
            original = dup.original
        except LedgerUnavailable as exc:
            raise LedgerUnavailable(
                f"not recorded: the alert it resends was not recorded either ({exc})"
            ) from exc
        async with self._lock:
            decision = intake.decide_alert(
                alert, self.state.book, self._rules(), original, self.clock()
            )
            reply = self._queue(decision, None)
        return await reply

    async def alert_refused(self, *, peer: str, status: int, reason: str, raw: str | None) -> None:
        """Refusals the listener decided itself (auth, size, rate, parse): log them."""
        event, write = intake.decide_refusal(peer, status, reason, raw, self.clock())
        self._emit(event, write is None)
        if write is not None:
            try:
                await self.ledger.record_write(write)
            except LedgerUnavailable:
                log.error("could not record a refused alert: %s", reason)

    async def close_position(self, key: PositionKey, reason: str = "manual close") -> AlertReply:
        """Close one position at its current mark, recorded as a manual signal."""
        async with self._lock:
            self._pending.settle()
            book, now = self.state.book, self.clock()
            decision = intake.decide_close(book, key, self._rules(), now, reason)
            reply = self._queue(decision, None)
        return await reply

    async def flatten(self, strategy: str | None = None) -> tuple[list[AlertReply], list[str]]:
        """Close every position (or one strategy's) at its mark; report what could not be."""
        keys = [k for k in self.state.book.positions if strategy is None or k[0] == strategy]
        what = "everything" if strategy is None else f"strategy {strategy}"
        self._say(EventKind.FLATTEN, f"flatten {what}: {len(keys)} position(s)")
        done, refused = [], []
        for key in keys:
            try:
                done.append(await self.close_position(key, reason=f"flatten {what}"))
            except TmtuiError as exc:
                refused.append(str(exc))
                self._say(EventKind.ERROR, f"flatten: {exc}")
        return done, refused

    def _rules(self) -> intake.IntakeRules:
        day_of = self.state.calendar.day_of
        return intake.IntakeRules(self.max_qty, self.state.switches, day_of, self.default_qty)

    def _queue(self, decision: intake.Decision, key: str | None) -> Awaitable[AlertReply]:
        """Queue the decision's write and apply its plan now; the reply waits for the commit.

        Every write is chained: it was decided on top of the alerts queued before it, so the
        ledger fails it when one of them fails (and `_took_back` undoes the plans).
        """
        decided_on_pending = len(self._pending) > 0
        write = self.ledger.queue_write(decision.write, chained=True)
        undo = self._apply(decision.plan) if decision.plan is not None else None
        self._pending.track(write, undo, key if decision.outcome in KEYED else None)
        view = self.state.position_view(decision.key, self.clock()) if decision.key else None
        position = position_json(view) if view else None
        return self._answer(decision, write, position, decided_on_pending)

    async def _answer(
        self,
        decision: intake.Decision,
        write: PendingWrite,
        position: dict[str, Any] | None,
        decided_on_pending: bool,
    ) -> AlertReply:
        """Once committed: tell everyone and answer. A rejection stays a rejection even if
        its record failed, unless it was decided on alerts not yet committed (then 503)."""
        try:
            signal_id = int(await write.confirmed())
        except LedgerUnavailable:
            if decision.error is None or decided_on_pending:
                raise
            log.error("could not record a rejected alert: %s", decision.message)
            signal_id = 0
        for event in decision.events:
            self._emit(event, False)
        if decision.error is not None:
            raise decision.error
        return intake.reply_of(decision, signal_id, position)

    def _apply(self, plan: Plan) -> Undo:
        """Apply a plan whose record is queued; return how to take it back."""
        state, key = self.state, plan.key
        position = state.book.positions.get(key)
        next_trade_id = state.book.next_trade_id
        account = replace(state.account, curve=replace(state.account.curve))
        state.apply(plan)
        self._applied(plan)

        def undo() -> PositionKey:
            if position is None:
                state.book.positions.pop(key, None)
            else:
                state.book.positions[key] = position
            state.book.next_trade_id = next_trade_id
            if state.account.day == account.day:
                state.account = account
            return key

        return undo

    def _took_back(self, keys: list[PositionKey]) -> None:
        self._undone(keys)

    def _say(self, kind: EventKind, message: str) -> None:
        self._emit(Event(kind, message, self.clock()), True)
