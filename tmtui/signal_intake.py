"""Signals in: alerts, the listener's refusals, manual closes, orders and flattens.

Each goes the same way, one at a time: look up the dedupe key (alerts only), decide with
the pure `core.intake`, record the decision's `SignalWrite` in ONE ledger transaction,
and only then apply the plan and tell the subscribers. A write that fails leaves the
state untouched, so the webhook's 503 makes TradingView resend into a clean book.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime

from tmtui.core import intake
from tmtui.core.alert_rules import EntryCheck
from tmtui.core.book import Plan, PositionKey
from tmtui.core.drift import Drift
from tmtui.core.events import Event, EventKind
from tmtui.core.manual_orders import ManualOrder, ManualPrice
from tmtui.core.models import AlertReply, IncomingAlert, LedgerUnavailable, TmtuiError
from tmtui.core.risk_rules import RiskExit
from tmtui.core.trading_state import TradingState
from tmtui.core.views import position_json
from tmtui.ledger import Ledger

log = logging.getLogger("tmtui.engine")

Emit = Callable[[Event, bool], None]
"""emit(event, persist): persist=False for events the signal's own write already holds."""


class SignalIntake:
    """Decides, records once, then applies, under one lock so decisions see a settled book."""

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
        entry: EntryCheck | None = None,
        drifted: Callable[[PositionKey, Drift | None], None] | None = None,
        drift_of: Callable[[PositionKey], Drift | None] = lambda _key: None,
    ) -> None:
        self.ledger = ledger
        self.state = state
        self.max_qty = max_qty
        self.default_qty = default_qty
        self.clock = clock
        self.last_alert: datetime | None = None
        self._applied = applied
        self._emit = emit
        self._entry = entry
        self._drifted = drifted
        self._drift_of = drift_of
        self._lock = asyncio.Lock()

    async def submit_alert(self, alert: IncomingAlert) -> AlertReply:
        """Decide, record durably, then apply. Raises the typed errors the listener maps."""
        async with self._lock:
            self.last_alert = alert.received
            key = alert.idem_key
            original = await self.ledger.find_by_idem_key(key) if key else None
            book, now = self.state.book, self.clock()
            return await self._carry_out(
                intake.decide_alert(alert, book, self._rules(), original, now)
            )

    async def alert_refused(self, *, peer: str, status: int, reason: str, raw: str | None) -> None:
        """Refusals the listener decided itself (auth, size, rate, parse): log them."""
        event, write = intake.decide_refusal(peer, status, reason, raw, self.clock())
        self._emit(event, write is None)
        if write is not None:
            try:
                await self.ledger.record_write(write)
            except LedgerUnavailable:
                log.error("could not record a refused alert: %s", reason)

    async def close_position(
        self, key: PositionKey, price: ManualPrice, reason: str = "manual close"
    ) -> AlertReply:
        """Close one position at the price the trader confirmed, as a manual signal."""
        async with self._lock:
            book, now = self.state.book, self.clock()
            decision = intake.decide_close(book, key, self._rules(), now, price, reason)
            return await self._carry_out(decision)

    async def risk_exit(self, exit_: RiskExit) -> AlertReply | None:
        """Close a position a risk rule acted on, at its latest mark; None when it is gone.

        Decided under the lock like any signal: if an alert closed the round trip
        meanwhile, there is nothing left to close (a new round trip is not this exit's).
        """
        async with self._lock:
            pos = self.state.book.positions.get(exit_.key)
            if pos is None or pos.trade.trade_id != exit_.trade_id:
                return None
            if pos.mark is not None:
                exit_ = replace(exit_, price=pos.mark)
            book, now = self.state.book, self.clock()
            return await self._carry_out(intake.decide_risk_exit(book, exit_, self._rules(), now))

    async def place_order(self, order: ManualOrder) -> AlertReply:
        """Buy or sell at the price the trader confirmed, as a manual signal."""
        async with self._lock:
            book, now = self.state.book, self.clock()
            return await self._carry_out(intake.decide_order(order, book, self._rules(), now))

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

    async def _carry_out(self, decision: intake.Decision) -> AlertReply:
        """Record the decision in one transaction; only then apply it and tell everyone."""
        try:
            signal_id = await self.ledger.record_write(decision.write)
        except LedgerUnavailable:
            if decision.error is None:
                raise
            log.error("could not record a rejected alert: %s", decision.message)
            signal_id = 0
        if decision.drift is not None and self._drifted is not None:
            where, update = decision.drift
            self._drifted(where, update.drift)
        if decision.plan is not None:
            self.state.apply(decision.plan)
        for event in decision.events:
            self._emit(event, False)
        if decision.plan is not None:
            self._applied(decision.plan)  # after its log lines: what follows reads in order
        if decision.error is not None:
            raise decision.error
        key = decision.key
        view = self.state.position_view(key, self.clock()) if key else None
        if view is not None and key is not None:
            view = replace(view, drift=self._drift_of(key))
        return intake.reply_of(decision, signal_id, position_json(view) if view else None)

    def _say(self, kind: EventKind, message: str) -> None:
        self._emit(Event(kind, message, self.clock()), True)
