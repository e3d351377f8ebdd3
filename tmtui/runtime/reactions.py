"""What the engine does after the ledger has spoken: the bus's subscribers that belong to it.

A committed plan re-lists the screen's rows, its log lines reach the views, and the feed
follows the symbols; plans taken back and alerts answered 503 each get their line; the
ledger's trouble is said loudly, and when it is over. `Engine._wire` subscribes these in
order beside the risk guard's and the sampler's.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from tmtui.core.book.changes import ChangeLog
from tmtui.core.book.trading_state import TradingState
from tmtui.core.events import Event, EventKind
from tmtui.core.models import AwaitingQuote
from tmtui.core.pipeline import NotRecorded, Recorded, TookBack
from tmtui.ledger.guard import LedgerStatus
from tmtui.services.sampler import Sampler


class EngineReactions:
    """The engine's own reactions to the pipeline's messages (`Engine` has the state)."""

    changes: ChangeLog
    sampler: Sampler
    state: TradingState
    clock: Callable[[], datetime]
    _awaited: set[str]

    def emit(self, event: Event, persist: bool = True) -> None:
        raise NotImplementedError

    def say(self, kind: EventKind, message: str) -> None:
        raise NotImplementedError

    def _sync_symbols(self) -> None:
        raise NotImplementedError

    def _revalue(self, when: datetime) -> None:
        raise NotImplementedError

    def _relist(self, message: Recorded) -> None:
        plan = message.decision.plan
        if plan is not None:
            self.changes.filled(plan.key, plan.position is not None)

    def _log_recorded(self, message: Recorded) -> None:
        for event in message.decision.events:
            self.emit(event, persist=False)  # the signal's own write holds them

    def _follow_symbols(self, message: Recorded) -> None:
        """The feed's symbols change only when a position opens or closes (adding to or
        reducing one costs no watchlist walk)."""
        plan = message.decision.plan
        if plan is not None and (plan.before == 0 or plan.position is None):
            self._sync_symbols()

    def _took_back(self, message: TookBack) -> None:
        """After plans the ledger refused were taken back (see intake_pending)."""
        keys = message.keys
        for key in keys:
            if key in self.state.book.positions:
                self.sampler.moved([key])
            else:
                self.sampler.closed(key)
        self._sync_symbols()
        self._revalue(self.clock())
        self.emit(
            Event(
                EventKind.ERROR,
                f"took back {len(keys)} alert(s) the ledger did not record "
                "(TradingView resends them)",
                self.clock(),
            ),
            persist=False,
        )

    def _not_recorded(self, message: NotRecorded) -> None:
        """Every alert answered 503 gets its own line on the screen and in headless output."""
        alert, exc = message.alert, message.error
        if isinstance(exc, AwaitingQuote):  # not our failure: ask the feed for its symbol
            self._awaited.add(exc.root)
            self._sync_symbols()
            self.emit(
                Event(
                    EventKind.ALERT_REJECTED,
                    f"alert from {alert.peer} answered 503: {exc}",
                    self.clock(),
                    {"peer": alert.peer, "status": 503, "rule": "no_price"},
                )
            )
            return
        self.state.errors += 1
        self.emit(
            Event(
                EventKind.ERROR,
                f"alert from {alert.peer} answered 503 (TradingView resends it): {exc}",
                self.clock(),
                {"peer": alert.peer, "status": 503},
            )
        )

    def _ledger_status(self, status: LedgerStatus) -> None:
        """The ledger's trouble, loudly; and when it is over."""
        if status.ok:
            self.say(EventKind.INFO, "ledger OK again: alerts are recorded")
        elif not status.closed:
            self.state.errors += 1
            event = Event(
                EventKind.ERROR, f"LEDGER: {status.message}", self.clock(), {"state": status.state}
            )
            self.emit(event)
