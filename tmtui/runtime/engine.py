"""The engine: the lifecycle of tmtui's state and of every background task.

It wires the pieces and decides when each runs: intake (look up the dedupe key, decide
with `core.intake`, record in one ledger transaction, then apply), marking on quotes, the
sampler's tick, the housekeeping at start and at each new trading day, the feed and the
listener. The UI and `--headless` are two views of it (through `core.engine_api`); it
never imports Textual.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from datetime import UTC, date, datetime
from typing import Any, Protocol

from tmtui import __version__
from tmtui.core.book.changes import ChangeLog
from tmtui.core.book.series import PnlSeries
from tmtui.core.downtime import STOPPED, LastRun, downtime_lines
from tmtui.core.events import REPEATS_EVENT, Event, EventKind
from tmtui.core.models import TmtuiError
from tmtui.core.pipeline import Logged, NotRecorded, Recorded, TookBack
from tmtui.core.risk.risk_rules import RiskExit
from tmtui.ledger.store import Ledger
from tmtui.runtime.engine_orders import EngineOrders, OrderTransport, make_router
from tmtui.runtime.engine_views import EngineViews
from tmtui.runtime.reactions import EngineReactions
from tmtui.services.book_restore import load_book, load_day_account, make_state
from tmtui.services.bus import Bus
from tmtui.services.feeds.base import FeedStatus, Quote, QuoteFeed
from tmtui.services.retention import Housekeeper
from tmtui.services.risk_guard import RiskGuard
from tmtui.services.sampler import Sampler
from tmtui.services.signal_intake import SignalIntake
from tmtui.settings.config import Config

log = logging.getLogger("tmtui.engine")

EventSubscriber = Callable[[Event], None]
FeedFactory = Callable[[Callable[[Quote], None], Callable[[FeedStatus], None]], QuoteFeed]


class Listener(Protocol):
    url: str
    webhook_url: str

    async def start(self) -> None: ...
    async def stop(self) -> None: ...


ListenerFactory = Callable[["Engine"], Listener]


def utcnow() -> datetime:
    return datetime.now(UTC)


class Engine(EngineReactions, EngineViews, EngineOrders):
    """Owns the ledger, the live state, the sampler, the feed and the listener; wires what
    follows a commit as subscribers on one bus (see `_wire`)."""

    def __init__(
        self,
        config: Config,
        ledger: Ledger,
        *,
        feed_factory: FeedFactory | None = None,
        listener_factory: ListenerFactory | None = None,
        clock: Callable[[], datetime] = utcnow,
        sample_interval: float = 1.0,
        orders: OrderTransport | None = None,
    ) -> None:
        self.config = config
        self.ledger = ledger
        self.clock = clock
        self.state = make_state(config, clock())
        self.series = PnlSeries(config.ui.sparkline_points)
        self.sampler = Sampler(ledger, self.state, self.series)
        self.bus = Bus()
        self.guard = RiskGuard(
            ledger,
            self.state,
            config,
            self.bus,
            clock=clock,
            spawn=self.spawn,
            close=self.risk_exit,
        )
        self.intake = SignalIntake(
            ledger,
            self.state,
            self.bus,
            max_qty=config.listener.max_qty,
            default_qty=config.strategies.default_qty_for,
            clock=clock,
            entry=self.guard.entry,
            price_band=config.listener.price_band,
        )
        self.router = make_router(self, orders)
        self.housekeeper = Housekeeper(ledger, self.state.calendar, config.ledger.keep_event_days)
        self.feed: QuoteFeed | None = None
        self.listener: Listener | None = None
        self.changes = ChangeLog()
        """Which positions moved since a view last drew (the screen's quote→cell path)."""
        self._feed_factory = feed_factory
        self._listener_factory = listener_factory
        self._subscribers: list[EventSubscriber] = []
        self._tasks: set[asyncio.Task[Any]] = set()
        self._sample_interval = sample_interval
        self._started = False
        self._stopped = False
        self._last_run = LastRun(None)
        self._awaited: set[str] = set()
        """Roots an alert without a price waits for (answered 503): the feed quotes them."""
        ledger.on_status(self._ledger_status)
        self._wire()

    def _wire(self) -> None:
        """What follows a commit, in this order: the drift mark and the log lines, then for
        an applied plan the sampler, the feed's symbols, the account's value, the risk guard
        (its money, then every rule), the change log the screen redraws from, the orders."""
        bus, state = self.bus, self.state
        bus.subscribe(Logged, lambda m: self.emit(m.event, m.persist))
        bus.subscribe(Recorded, state.recorded)
        bus.subscribe(Recorded, self._log_recorded)
        bus.subscribe(Recorded, self.sampler.recorded)
        bus.subscribe(Recorded, self._follow_symbols)
        bus.subscribe(Recorded, lambda m: self._revalue(self.clock()) if m.decision.plan else None)
        bus.subscribe(Recorded, self.guard.recorded)
        bus.subscribe(Recorded, self._relist)
        self._wire_orders(bus)
        bus.subscribe(TookBack, self._took_back)
        bus.subscribe(NotRecorded, self._not_recorded)

    # --- lifecycle ----------------------------------------------------------------------

    def subscribe(self, subscriber: EventSubscriber) -> None:
        self._subscribers.append(subscriber)

    async def restore(self) -> None:
        """Positions, today's account, switches and sparklines from the ledger."""
        state, now = self.state, self.clock()
        state.book = await load_book(self.ledger, self.config, checkpoint=True)
        today = state.calendar.day_of(now)
        state.account = await load_day_account(
            self.ledger, state.calendar, today, state.open_pnl(), now
        )
        state.switches.update(await self.ledger.strategy_switches())
        await self._restore_counters(today)
        await self.sampler.restore()
        await self.guard.restore()
        await self._start_orders()

    async def _restore_counters(self, today: date) -> None:
        """The previous run's end (the downtime line), and today's Rejected / Errors
        counters from today's log lines: they count the trading day, not the process."""
        last_up, last_event = await self.ledger.last_run()
        clean = last_event.time if last_event and last_event.data.get(STOPPED) else None
        self._last_run = LastRun(last_up, clean)
        counts = await self.ledger.event_counts(self.state.calendar.bounds(today)[0])
        self.state.rejected = counts.get(EventKind.ALERT_REJECTED.value, 0)
        self.state.errors = counts.get(EventKind.ERROR.value, 0)

    async def start(self) -> None:
        """Restore, then start the feed, the sampler, the listener and the housekeeping."""
        if self._started:
            return
        self._started = True
        await self.restore()
        count = len(self.book.positions)
        new = " (new: created now)" if self.ledger.created else ""
        self.say(
            EventKind.INFO,
            f"tmtui {__version__}: ledger {self.ledger.path}{new}, {count} open position(s)",
        )
        if self._feed_factory is not None:
            self.feed = self._feed_factory(self.on_quote, self.on_feed_status)
            self.feed.track(self._wanted_symbols())
            await self.feed.start()
        self.spawn(self._every(self._sample_interval, self.flush, "write P&L samples"), "sampler")
        if self._listener_factory is not None:
            listener = self._listener_factory(self)
            try:
                await listener.start()
            except (OSError, TmtuiError) as exc:
                self.say(EventKind.ERROR, f"listener could not start: {exc}")
                raise
            self.listener = listener
            self.say(EventKind.LISTENER, f"listening on {listener.webhook_url}")
        self._say_downtime()
        self.spawn(self.tidy(), "housekeeping")

    def _say_downtime(self) -> None:
        """When the last run stopped and how long no alert could be received."""
        tz = self.state.calendar.tz
        lines = downtime_lines(self._last_run, self.clock(), tz)
        for kind, line in zip((EventKind.INFO, EventKind.LISTENER), lines, strict=False):
            self.say(kind, line)

    async def stop(self) -> None:
        """Stop listener, feed and tasks; flush the last samples. Safe to call twice."""
        if self._stopped:
            return
        self._stopped = True
        if self._started:  # a clean stop: the next start says when (see core.downtime)
            self.emit(Event(EventKind.INFO, "tmtui stopped", self.clock(), {STOPPED: True}))
        if self.listener is not None:
            await _quietly(self.listener.stop())
        if self.feed is not None:
            await _quietly(self.feed.stop())
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await _quietly(self._stop_orders())
        await _quietly(self.flush())
        await _quietly(self.ledger.close())

    async def force_close(self) -> None:
        """Last resort when `stop` hangs: close the ledger (its thread keeps the process)."""
        await self.ledger.close()

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> None:
        """Run `coro` as a task the engine keeps, reports on failure and cancels at stop."""
        if self._stopped:  # e.g. the last flush at stop rolled the day: too late for tasks
            coro.close()
            return
        task = asyncio.create_task(coro, name=f"tmtui-{name}")
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            self.report_error(f"background task {task.get_name()} failed", task.exception())

    async def _every(self, seconds: float, work: Callable[[], Awaitable[None]], what: str) -> None:
        while True:
            await asyncio.sleep(seconds)
            try:
                await work()
            except Exception as exc:
                self.report_error(f"could not {what}", exc)

    def report_error(self, what: str, exc: BaseException | None) -> None:
        """An error in background work goes to the log and the status line, never kills us."""
        self.state.errors += 1
        log.error("%s: %r", what, exc, exc_info=exc, extra=REPEATS_EVENT)  # the event is said
        self.say(EventKind.ERROR, f"{what}: {exc}")

    # --- events ---------------------------------------------------------------------------

    def emit(self, event: Event, persist: bool = True) -> None:
        """Tell every subscriber; `persist` queues it for the ledger with the next tick."""
        self.state.count(event)
        if persist:
            self.sampler.queue(event)
        for subscriber in list(self._subscribers):
            try:
                subscriber(event)
            except Exception:  # a broken view must not stop the engine
                log.exception("event subscriber failed")

    def say(self, kind: EventKind, message: str) -> None:
        """Emit (and queue for the ledger) a log line stamped now."""
        self.emit(Event(kind, message, self.clock()))

    # --- risk exits go through the intake like any signal -------------------------------

    async def risk_exit(self, exit_: RiskExit) -> None:
        await self.intake.risk_exit(exit_)

    # --- strategies -----------------------------------------------------------------------

    # --- prices and the trading day ---------------------------------------------------------

    def on_quote(self, quote: Quote) -> None:
        """Mark every open position in the quote's instrument, and the account."""
        marked = self.state.mark(quote)
        if marked:
            self.sampler.moved(marked)
            self._revalue(quote.received)
            self.guard.check(self.clock())
            self.changes.touch(marked)

    def on_feed_status(self, status: FeedStatus) -> None:
        event = self.state.set_feed_status(status, self.clock())
        if event is not None:
            self.emit(event)

    def _wanted_symbols(self) -> set[str]:
        symbols, errors = self.state.wanted_symbols(self.config.feed.watchlist)
        contracts = self.book.contracts
        self._awaited -= set(self.book.last_price)  # quoted now: the resend finds a price
        symbols |= {contracts[root].tv_symbol for root in self._awaited}
        for error in errors:
            self.say(EventKind.ERROR, error)
        return symbols

    def _sync_symbols(self) -> None:
        if self.feed is None:
            return
        wanted = self._wanted_symbols()
        self.feed.untrack(self.feed.symbols - wanted)
        self.feed.track(wanted)

    def _revalue(self, when: datetime) -> None:
        day = self.state.revalue(when)
        if day is not None:
            self.state.rejected = self.state.errors = 0  # the counters count the trading day
            self.emit(Event(EventKind.INFO, f"new trading day {day.isoformat()}", when))
            self.series.new_day()
            self.spawn(self.tidy(), "housekeeping")

    async def flush(self) -> None:
        """Revalue at the clock, then write the sampler's tick."""
        now = self.clock()
        self._revalue(now)
        self.guard.check(now)
        risk_state = self.guard.unsaved()
        await self.sampler.flush(now, risk_state)
        if risk_state is not None:
            self.guard.saved(risk_state)

    async def tidy(self) -> None:
        """Compact finished days' samples and drop log lines past their retention."""
        await self.housekeeper.run(self.state.account.day, self.clock())

    # --- views and queries (the UI's side of `core.engine_api.EngineApi`) -------------------


async def _quietly(awaitable: Awaitable[Any]) -> None:
    try:
        await awaitable
    except Exception:
        log.exception("error while stopping")
