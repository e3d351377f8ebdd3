"""Signals in: alerts, the listener's refusals, manual closes, orders and flattens.

Each goes the same way: look up the dedupe key (alerts only), decide with the pure
`core.intake`, queue the decision's `SignalWrite` as ONE record of the ledger's next group
commit and apply its plan to the book; once it is committed, publish one `Recorded` message
on the engine's bus (the risk guard, sampler, feed symbols, change log and log react to it),
and answer.

Deciding takes microseconds and happens under a lock, one signal at a time; the commit (a
disk sync) is waited for outside it, so alerts arriving together are decided one on top of
the other and committed in one transaction. Should the ledger refuse a write, it refuses
every chained write queued after it too, and `intake_pending` takes all those plans back:
the book ends as the ledger has it, and each alert was answered 503, so TradingView resends
it into a clean book.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from datetime import datetime

from tmtui.core.alerts import intake
from tmtui.core.alerts.alert_rules import EntryCheck
from tmtui.core.alerts.manual_orders import ManualOrder, ManualPrice
from tmtui.core.book.account import DayAccount
from tmtui.core.book.book import Plan, Position, PositionKey
from tmtui.core.book.trading_state import TradingState
from tmtui.core.events import Event, EventKind
from tmtui.core.models import AlertReply, IncomingAlert, LedgerUnavailable, Outcome, TmtuiError
from tmtui.core.pipeline import Logged, NotRecorded, Recorded, TookBack
from tmtui.core.risk.risk_rules import RiskExit
from tmtui.core.views import PositionView, position_json
from tmtui.ledger.pending import PendingWrite
from tmtui.ledger.signal_writes import DuplicateSignal
from tmtui.ledger.store import Ledger
from tmtui.services.bus import Bus
from tmtui.services.intake_pending import PendingAlerts, Undo

log = logging.getLogger("tmtui.engine")

KEYED = (Outcome.ACCEPTED, Outcome.IGNORED)
"""Outcomes whose dedupe key the ledger keeps (a resend of them is a duplicate)."""


class SignalIntake:
    """Decides and queues under one lock, so each decision sees the book the ones before it
    left; answers once the ledger has committed."""

    def __init__(
        self,
        ledger: Ledger,
        state: TradingState,
        bus: Bus,
        *,
        max_qty: int,
        default_qty: Callable[[str], int],
        clock: Callable[[], datetime],
        entry: EntryCheck | None = None,
    ) -> None:
        self.ledger = ledger
        self.state = state
        self.bus = bus
        self.max_qty = max_qty
        self.default_qty = default_qty
        self.clock = clock
        self.last_alert: datetime | None = None
        self._entry = entry
        self._lock = asyncio.Lock()
        self._pending = PendingAlerts(self._took_back)

    async def submit_alert(self, alert: IncomingAlert) -> AlertReply:
        """Decide, record durably, then answer. Raises the typed errors the listener maps."""
        self.last_alert = alert.received  # received, whatever becomes of it (quit asks)
        try:
            key = alert.idem_key
            original = await self.ledger.find_by_idem_key(key) if key else None
            async with self._lock:
                reply = self._intake(alert, original)
            return await reply
        except LedgerUnavailable as exc:
            self.bus.publish(NotRecorded(alert, exc))
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
        self.bus.publish(Logged(event, write is None))
        if write is not None:
            try:
                await self.ledger.record(write).confirmed()
            except LedgerUnavailable:
                log.error("could not record a refused alert: %s", reason)

    async def close_position(
        self, key: PositionKey, price: ManualPrice, reason: str = "manual close"
    ) -> AlertReply:
        """Close one position at the price the trader confirmed, as a manual signal."""
        async with self._lock:
            self._pending.settle()
            book, now = self.state.book, self.clock()
            decision = intake.decide_close(book, key, self._rules(), now, price, reason)
            reply = self._queue(decision, None)
        return await reply

    async def risk_exit(self, exit_: RiskExit) -> AlertReply | None:
        """Close a position a risk rule acted on, at its latest mark; None when it is gone.

        Decided under the lock like any signal: if an alert closed the round trip
        meanwhile, there is nothing left to close (a new round trip is not this exit's).
        """
        async with self._lock:
            self._pending.settle()
            pos = self.state.book.positions.get(exit_.key)
            if pos is None or pos.trade.trade_id != exit_.trade_id:
                return None
            if pos.mark is not None:
                exit_ = replace(exit_, price=pos.mark)
            book, now = self.state.book, self.clock()
            decision = intake.decide_risk_exit(book, exit_, self._rules(), now)
            reply = self._queue(decision, None)
        return await reply

    async def place_order(self, order: ManualOrder) -> AlertReply:
        """Buy or sell at the price the trader confirmed, as a manual signal."""
        async with self._lock:
            self._pending.settle()
            book, now = self.state.book, self.clock()
            decision = intake.decide_order(order, book, self._rules(), now)
            reply = self._queue(decision, None)
        return await reply

    async def flatten(
        self, prices: Mapping[PositionKey, ManualPrice], strategy: str | None = None
    ) -> tuple[list[AlertReply], list[str]]:
        """Close exactly the positions the trader confirmed, each at its confirmed price;
        report those that could not be (closed meanwhile, a price refused)."""
        what = "everything" if strategy is None else f"strategy {strategy}"
        self._say(EventKind.FLATTEN, f"flatten {what}: {len(prices)} position(s)")
        done, refused = [], []
        for key, price in prices.items():
            try:
                done.append(await self.close_position(key, price, reason=f"flatten {what}"))
            except TmtuiError as exc:
                refused.append(str(exc))
                self._say(EventKind.ERROR, f"flatten: {exc}")
        return done, refused

    def _rules(self) -> intake.IntakeRules:
        return intake.IntakeRules(
            self.max_qty,
            self.state.switches,
            self.state.calendar.day_of,
            self._entry,
            self.default_qty,
        )

    def _queue(self, decision: intake.Decision, key: str | None) -> Awaitable[AlertReply]:
        """Queue the decision's write and apply its plan to the book now; the reply (and
        everything that follows a recorded signal) waits for the commit.

        Every write is chained: it was decided on top of the signals queued before it, so
        the ledger fails it when one of them fails (and `_took_back` undoes the plans).

        The plan is applied and the reply's position worked out BEFORE the write is queued:
        should either fail (a bug, a number no book can hold), the plan is taken back and
        nothing is queued, so the 503 the listener answers means "not recorded" — never a
        recorded alert the sender is told to resend.
        """
        decided_on_pending = len(self._pending) > 0
        undo = self._apply(decision.plan) if decision.plan is not None else None
        try:
            view = self.state.position_view(decision.key, self.clock()) if decision.key else None
            if view is not None:
                position_json(view)  # the reply must be writable too
        except Exception:
            if undo is not None:
                undo()
            raise
        write = self.ledger.record(decision.write, chained=True)
        self._pending.track(write, undo, key if decision.outcome in KEYED else None)
        write.add_done_callback(
            lambda done: None if done.failed() else self.bus.publish(Recorded(decision))
        )
        return self._answer(decision, write, view, decided_on_pending)

    async def _answer(
        self,
        decision: intake.Decision,
        write: PendingWrite,
        view: PositionView | None,
        decided_on_pending: bool,
    ) -> AlertReply:
        """The reply once committed. A rejection stays a rejection even if its record
        failed, unless it was decided on signals not yet committed (then 503)."""
        try:
            signal_id = int(await write.confirmed())
        except LedgerUnavailable:
            if decision.error is None or decided_on_pending:
                raise
            log.error("could not record a rejected alert: %s", decision.message)
            for event in decision.events:
                self.bus.publish(Logged(event, False))
            signal_id = 0
        if decision.error is not None:
            raise decision.error
        key = decision.key
        if view is not None and key is not None:
            view = replace(view, drift=self.state.drift.get(key))  # as the commit left it
        return intake.reply_of(decision, signal_id, position_json(view) if view else None)

    def _apply(self, plan: Plan) -> Undo:
        """Apply a plan to the book; return how to take it back (a failure to apply is taken
        back at once, so the book never holds half a plan)."""
        state, key = self.state, plan.key
        position = state.book.positions.get(key)
        next_trade_id = state.book.next_trade_id
        account = replace(state.account, curve=replace(state.account.curve))
        try:
            state.apply(plan)
        except Exception:
            self._restore(key, position, next_trade_id, account)
            raise

        def undo() -> PositionKey:
            self._restore(key, position, next_trade_id, account)
            return key

        return undo

    def _restore(
        self, key: PositionKey, position: Position | None, next_trade_id: int, account: DayAccount
    ) -> None:
        state = self.state
        if position is None:
            state.book.positions.pop(key, None)
        else:
            state.book.positions[key] = position
        state.book.next_trade_id = next_trade_id
        if state.account.day == account.day:
            state.account = account

    def _took_back(self, keys: list[PositionKey]) -> None:
        self.bus.publish(TookBack(tuple(keys)))

    def _say(self, kind: EventKind, message: str) -> None:
        self.bus.publish(Logged(Event(kind, message, self.clock())))
