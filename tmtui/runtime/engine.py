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
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Protocol

from tmtui import __version__
from tmtui.core.alerts.alert_setup import TEST_STRATEGY, TEST_TICKER
from tmtui.core.alerts.manual_orders import ManualOrder, ManualPrice
from tmtui.core.book.account import DayAccount
from tmtui.core.book.book import Book, Plan, PositionKey
from tmtui.core.book.changes import ChangeLog
from tmtui.core.book.series import PnlSeries
from tmtui.core.events import Event, EventKind
from tmtui.core.models import AlertReply, IncomingAlert, LedgerUnavailable, TmtuiError
from tmtui.core.risk.risk_rules import RiskExit
from tmtui.core.views import AccountView, PositionView, Snapshot, SymbolMark
from tmtui.core.views import account_view as account_figures
from tmtui.ledger.guard import LedgerStatus
from tmtui.ledger.store import Ledger
from tmtui.readside.queries import Queries
from tmtui.services.book_restore import load_book, load_day_account, make_state
from tmtui.services.feeds.base import FeedStatus, Quote, QuoteFeed
from tmtui.services.retention import Housekeeper
from tmtui.services.risk_guard import RiskGuard
from tmtui.services.sampler import Sampler
from tmtui.services.signal_client import build_alert_payload, post_signal
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


class Engine:
    """Owns the ledger, the live state, the sampler, the feed and the listener."""

    def __init__(
        self,
        config: Config,
        ledger: Ledger,
        *,
        feed_factory: FeedFactory | None = None,
        listener_factory: ListenerFactory | None = None,
        clock: Callable[[], datetime] = utcnow,
        sample_interval: float = 1.0,
    ) -> None:
        self.config = config
        self.ledger = ledger
        self.clock = clock
        self.state = make_state(config, clock())
        self.series = PnlSeries(config.ui.sparkline_points)
        self.sampler = Sampler(ledger, self.state, self.series)
        self.guard = RiskGuard(
            ledger,
            self.state,
            config,
            clock=clock,
            emit=self.emit,
            spawn=self.spawn,
            close=self._risk_exit,
        )
        self.intake = SignalIntake(
            ledger,
            self.state,
            max_qty=config.listener.max_qty,
            default_qty=config.strategies.default_qty_for,
            clock=clock,
            applied=self._applied,
            emit=self.emit,
            entry=self.guard.entry,
            drifted=self.guard.drifted,
            drift_of=self.guard.drift_of,
            undone=self._undone,
            not_recorded=self._not_recorded,
        )
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
        ledger.on_status(self._ledger_status)

    @property
    def book(self) -> Book:
        return self.state.book

    @property
    def account(self) -> DayAccount:
        return self.state.account

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
        await self.sampler.restore()
        await self.guard.restore()

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
        self.spawn(self.tidy(), "housekeeping")

    async def stop(self) -> None:
        """Stop listener, feed and tasks; flush the last samples. Safe to call twice."""
        if self._stopped:
            return
        self._stopped = True
        if self.listener is not None:
            await _quietly(self.listener.stop())
        if self.feed is not None:
            await _quietly(self.feed.stop())
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
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
        log.error("%s: %r", what, exc, exc_info=exc)
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

    # --- signals in (see `signal_intake`) ---------------------------------------------------

    async def submit_alert(self, alert: IncomingAlert) -> AlertReply:
        return await self.intake.submit_alert(alert)

    async def alert_refused(self, *, peer: str, status: int, reason: str, raw: str | None) -> None:
        await self.intake.alert_refused(peer=peer, status=status, reason=reason, raw=raw)

    async def close_position(
        self, key: PositionKey, *, price: ManualPrice, reason: str = "manual close"
    ) -> AlertReply:
        return await self.intake.close_position(key, price, reason)

    async def flatten(
        self, prices: Mapping[PositionKey, ManualPrice], strategy: str | None = None
    ) -> tuple[list[AlertReply], list[str]]:
        return await self.intake.flatten(prices, strategy)

    async def place_order(self, order: ManualOrder) -> AlertReply:
        return await self.intake.place_order(order)

    def _applied(self, plan: Plan) -> None:
        """After a plan is recorded: sample it, follow its symbol, revalue, and let the risk
        guard count its money and check the rules. The feed's symbols change only when a
        position opens or closes (adding to or reducing one costs no watchlist walk)."""
        if plan.position is None:
            self.sampler.closed(plan.key)
        else:
            self.sampler.moved([plan.key])
        if plan.before == 0 or plan.position is None:
            self._sync_symbols()
        now = self.clock()
        self._revalue(now)
        self.guard.applied(plan)
        self.guard.check(now)
        self.changes.filled(plan.key, plan.position is not None)

    async def _risk_exit(self, exit_: RiskExit) -> None:
        await self.intake.risk_exit(exit_)

    def _undone(self, keys: list[PositionKey]) -> None:
        """After plans the ledger refused were taken back (see intake_pending)."""
        for key in keys:
            if key in self.book.positions:
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

    def _not_recorded(self, alert: IncomingAlert, exc: LedgerUnavailable) -> None:
        """Every alert answered 503 gets its own line on the screen and in headless output."""
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

    # --- strategies -----------------------------------------------------------------------

    def strategy_enabled(self, strategy: str) -> bool:
        return self.state.strategy_enabled(strategy)

    async def set_strategy_enabled(self, strategy: str, enabled: bool) -> None:
        self.state.switches[strategy] = enabled
        await self.ledger.set_strategy_enabled(strategy, enabled, self.clock())
        word = "enabled" if enabled else "disabled: its alerts will be ignored"
        self.say(EventKind.STRATEGY, f"strategy {strategy} {word}")

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

    def health(self) -> dict[str, Any]:
        """For `/health`: a `problem` makes it answer 503 (alerts cannot be recorded)."""
        feed, ledger = self.state.feed_status, self.ledger.status()
        body: dict[str, Any] = {
            "feed": {"state": feed.state.value, "delay_minutes": feed.delay_minutes},
            "ledger": ledger.as_json(self.ledger.path),
        }
        if not ledger.ok:
            body["problem"] = ledger.message
        return body

    def _wanted_symbols(self) -> set[str]:
        symbols, errors = self.state.wanted_symbols(self.config.feed.watchlist)
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

    def position_view(self, key: PositionKey) -> PositionView | None:
        view = self.state.position_view(key, self.clock())
        return None if view is None else replace(view, drift=self.guard.drift_of(key))

    def positions(self) -> list[PositionView]:
        views = self.state.positions(self.clock())
        return [replace(v, drift=self.guard.drift_of(v.key)) for v in views]

    def snapshot(self) -> Snapshot:
        now = self.clock()
        snap = self.state.snapshot(
            now,
            self.series,
            listener_url=self.listener.url if self.listener else None,
            last_alert=self.intake.last_alert,
            ledger_path=str(self.ledger.path),
            secret_set=bool(self.config.listener.secret),
            version=self.changes.version,
        )
        positions = [replace(p, drift=self.guard.drift_of(p.key)) for p in snap.positions]
        status = self.ledger.status()
        problem = None if status.ok or status.closed else status.message
        return replace(snap, positions=positions, risk=self.guard.view(now), ledger=problem)

    def account_view(self) -> AccountView:
        """Today's figures alone (cheaper than a snapshot, for the quote → screen path)."""
        unmarked = sum(1 for p in self.book.open_positions() if p.mark is None)
        return account_figures(self.state.account, unmarked)

    async def recent_events(self, limit: int) -> list[Event]:
        """The ledger's latest log lines, oldest first (the log at start)."""
        return await self.ledger.events(limit)

    def queries(self) -> Queries:
        """The read side of this ledger, with the live book for open positions and marks
        (the history screens' figures: the same answers as the read commands)."""
        return Queries(self.ledger, self.config, live_book=lambda: self.book, clock=self.clock)

    async def send_test_alert(self, url: str, secret: str | None) -> tuple[int, Any]:
        """The set-up screen's test alert: a `close` under the test strategy, POSTed to the
        listener as TradingView would send it (recorded as ignored, nothing traded)."""
        payload = build_alert_payload(
            "close",
            TEST_TICKER,
            strategy=TEST_STRATEGY,
            alert_id=f"tmtui-test-{datetime.now(UTC):%Y%m%dT%H%M%S.%f}",
            secret=secret,
        )
        return await post_signal(url, payload)

    def symbol_mark(self, ticker: str, sign: int) -> SymbolMark:
        """The mark an order in `ticker` would be prefilled with; raises UnknownContract."""
        return self.state.symbol_mark(ticker, sign, self.clock())

    def pnl_at(self, key: PositionKey, price: Decimal) -> Decimal | None:
        return self.state.pnl_at(key, price)

    def alerts_in_flight(self) -> int:
        """Alert requests the listener is handling now (answered before it stops)."""
        return int(getattr(self.listener, "in_flight", 0))

    def last_price(self, ticker: str) -> Decimal | None:
        """The last price quoted for a ticker, None if never quoted (raises for unknown)."""
        return self.state.last_price(ticker)


async def _quietly(awaitable: Awaitable[Any]) -> None:
    try:
        await awaitable
    except Exception:
        log.exception("error while stopping")
