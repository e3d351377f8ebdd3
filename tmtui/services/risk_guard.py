"""The risk guard on the live state: every rule on every mark, in the engine, never the UI.

The engine calls `check` after each quote, each applied signal and each sampler tick (so
time rules and the day's roll act without a quote). The pure core decides; the guard
records: a new lockout is saved and logged at once, an exit goes to the intake (which
records it as a signal from source "risk" before applying it), an exit waiting for a
fresh quote is logged once. Alerts ask `entry` how much they may open.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Coroutine
from datetime import datetime
from typing import Any

from tmtui.core.alerts.entry_rules import EntryVerdict, check_entry
from tmtui.core.book.book import Plan, PositionKey
from tmtui.core.book.trading_state import TradingState
from tmtui.core.events import Event, EventKind
from tmtui.core.models import TmtuiError
from tmtui.core.pipeline import Logged, Recorded
from tmtui.core.risk.risk_checks import RiskInputs
from tmtui.core.risk.risk_rules import Evaluation, RiskExit, evaluate, observe
from tmtui.core.risk.risk_state import Lock, RiskState
from tmtui.core.views import RiskView
from tmtui.ledger.store import Ledger
from tmtui.services.bus import Bus
from tmtui.services.risk_store import RiskFigures, load_risk
from tmtui.settings.config import Config

log = logging.getLogger("tmtui.risk")

Closer = Callable[[RiskExit], Awaitable[object]]
Spawn = Callable[[Coroutine[Any, Any, Any], str], None]


class RiskGuard:
    """Holds the rules' memory and the day's realized money; acts on what the core decides."""

    def __init__(
        self,
        ledger: Ledger,
        state: TradingState,
        config: Config,
        bus: Bus,
        *,
        clock: Callable[[], datetime],
        spawn: Spawn,
        close: Closer,
    ) -> None:
        self.ledger = ledger
        self.state = state
        self.config = config
        self.limits = config.risk
        self.clock = clock
        self.figures = RiskFigures(RiskState(), state.account.day)
        state.drift = self.figures.state.drift
        self.last: Evaluation | None = None
        td = config.risk.trailing_drawdown
        self._since = None if td is None else td.since
        self._bus, self._spawn, self._close = bus, spawn, close
        self._exiting: set[PositionKey] = set()
        self._waiting: dict[PositionKey, str] = {}
        self._saved: dict[str, Any] | None = None

    async def restore(self) -> None:
        """The stored memory and today's realized money, at start."""
        self.figures = await load_risk(self.ledger, self.config, self.state.account.day)
        self.state.drift = self.figures.state.drift  # kept with this memory, read by the views
        self._saved = self.figures.state.to_json()

    # --- what the intake asks ------------------------------------------------------------

    def inputs(self, now: datetime) -> RiskInputs:
        f = self.figures
        return RiskInputs(
            now=now,
            day=f.day,
            positions=self.state.book.open_positions(),
            contracts=self.state.book.contracts,
            commission_for=self.state.book.commission_for,
            calendar=self.state.calendar,
            realized_today=dict(f.realized_today),
            realized_balance=f.realized_balance,
            stale_after=self.state.stale_after,
        )

    def entry(self, strategy: str, root: str, before: int, wanted: int) -> EntryVerdict:
        """How much of an alert's move the lockouts, entry times and max_position allow."""
        if self.limits.empty and not self.figures.state.locks:
            return EntryVerdict(before, wanted, wanted)
        now = self.clock()
        self._roll(now)
        return check_entry(
            self.limits, self.figures.state, self.inputs(now), strategy, root, before, wanted
        )

    def recorded(self, message: Recorded) -> None:
        """After a commit: count an applied plan's money, then measure every rule."""
        plan = message.decision.plan
        if plan is not None:
            self.applied(plan)
            self.check(self.clock())

    def applied(self, plan: Plan) -> None:
        """Count a recorded plan's fills toward the day's and the balance's realized money."""
        day_of = self.state.calendar.day_of
        for fill in plan.fills:
            fill_day = day_of(fill.time)
            self.figures.roll(fill_day)
            self.figures.add(fill.strategy, fill_day, fill.realized - fill.commission, self._since)

    # --- acting on marks ----------------------------------------------------------------

    def check(self, now: datetime) -> None:
        """Measure every rule now; lock, close and log as the rules say.

        With no rule configured and no lockout left over, there is nothing to measure: a
        mark or an alert then costs nothing here (it runs on every one of them).
        """
        if self.limits.empty and not self.figures.state.locks:
            return
        self._roll(now)
        inputs = self.inputs(now)
        for lock in observe(self.limits, self.figures.state, inputs):
            self._say(
                EventKind.RISK,
                f"lockout by {lock.rule} ({lock.scope}) cleared: new trading day",
                now,
            )
        result = evaluate(self.limits, self.figures.state, inputs)
        self.last = result
        for lock in result.new_locks:
            self._locked(lock, now)
        live = set()
        for exit_ in result.exits:
            live.add(exit_.key)
            if exit_.waiting is not None:
                self._wait(exit_, now)
            elif exit_.key not in self._exiting:
                self._exiting.add(exit_.key)
                self._spawn(self._exit(exit_), f"risk-exit-{exit_.key[0]}-{exit_.key[1]}")
        for key in set(self._waiting) - live:
            del self._waiting[key]

    def view(self, now: datetime) -> RiskView:
        """The rules as of `now` for the screen (measured afresh, deciding nothing)."""
        if self.limits.empty and not self.figures.state.locks:
            return RiskView((), ())
        result = evaluate(self.limits, self.figures.state, self.inputs(now))
        return RiskView(result.checks, tuple(self.figures.state.locks))

    def unsaved(self) -> dict[str, Any] | None:
        """The guard's memory when it changed since last written (the sampler's tick writes
        it with the samples), else None."""
        data = self.figures.state.to_json()
        return None if data == self._saved else data

    def saved(self, data: dict[str, Any]) -> None:
        self._saved = data

    async def save(self) -> None:
        """Write the guard's memory now if it changed (a lockout does not wait a tick)."""
        data = self.unsaved()
        if data is not None:
            await self.ledger.save_risk_state(data, self.clock())
            self._saved = data

    def announce_locks(self) -> None:
        """At start: every lockout still in force, said at once (not first when an alert is
        refused), so a trader restarting during a lockout knows the desk is locked."""
        now = self.clock()
        self._roll(now)
        today = self.state.calendar.day_of(now)
        for lock in self.figures.state.locks:
            if lock.day >= today:
                text = (
                    f"LOCKED OUT ({lock.scope}): {lock.reason};"
                    " no new entries until the next trading day"
                )
                data = {"rule": lock.rule, "strategy": lock.strategy, "figures": lock.figures}
                self._bus.publish(Logged(Event(EventKind.RISK_LOCK, text, now, data)))

    def _roll(self, now: datetime) -> None:
        self.figures.roll(self.state.calendar.day_of(now))

    def _locked(self, lock: Lock, now: datetime) -> None:
        self.figures.state.locks.append(lock)
        data = {"rule": lock.rule, "strategy": lock.strategy, "figures": lock.figures}
        text = f"LOCKED OUT: {lock.reason}; no new entries until the next trading day"
        self._bus.publish(Logged(Event(EventKind.RISK_LOCK, text, now, data)))
        log.warning("risk lockout: %s", lock.reason)
        self._spawn(self._save_now(), "risk-save")

    def _wait(self, exit_: RiskExit, now: datetime) -> None:
        if self._waiting.get(exit_.key) == exit_.rule:
            return
        self._waiting[exit_.key] = exit_.rule
        strategy, root = exit_.key
        text = f"{exit_.rule}: close {root} ({strategy}) waits: {exit_.waiting} ({exit_.reason})"
        self._say(EventKind.RISK, text, now)

    async def _exit(self, exit_: RiskExit) -> None:
        try:
            await self._close(exit_)
        except TmtuiError as exc:
            self._say(
                EventKind.ERROR, f"risk exit {exit_.rule} {exit_.key[1]}: {exc}", self.clock()
            )
        finally:
            self._exiting.discard(exit_.key)

    async def _save_now(self) -> None:
        try:
            await self.save()
        except TmtuiError as exc:
            self._say(EventKind.ERROR, f"could not save the risk lockout: {exc}", self.clock())

    def _say(self, kind: EventKind, message: str, now: datetime) -> None:
        self._bus.publish(Logged(Event(kind, message, now)))
