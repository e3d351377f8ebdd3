"""The engine: one object that owns the state and every background task.

It takes alerts (from the listener or the keyboard), records them in the ledger before
applying them, marks positions on every quote, samples P&L to the ledger once a second and
tells its subscribers (the screen or the headless printer) about every event. The UI and
`--headless` are two views of it; it never imports Textual.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Protocol

from tmtui import __version__
from tmtui.config import Config
from tmtui.core.account import DayAccount
from tmtui.core.book import Book, Plan, PositionKey
from tmtui.core.book_state import delta_of
from tmtui.core.events import Event, EventKind
from tmtui.core.marking import mark_price
from tmtui.core.models import (
    Action,
    AlertReply,
    IncomingAlert,
    InvalidSignal,
    LedgerUnavailable,
    Outcome,
    Signal,
    TmtuiError,
    UnusableSignal,
)
from tmtui.core.rollups import rollups_of
from tmtui.core.signal_rules import build_signal, signal_text
from tmtui.core.views import (
    PositionView,
    Snapshot,
    account_view,
    position_json,
    position_view,
)
from tmtui.engine_pending import PendingAlerts
from tmtui.feeds.base import FeedState, FeedStatus, Quote, QuoteFeed
from tmtui.history import load_book, load_day_account, make_book, make_calendar
from tmtui.ledger import AccountSample, DuplicateSignal, Ledger, PositionSample, SignalRecord
from tmtui.ledger_guard import LedgerStatus
from tmtui.ledger_writer import PendingWrite

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
    """Owns the ledger, the book, the day's account, the feed and the listener."""

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
        self.calendar = make_calendar(config)
        self.book: Book = make_book(config)
        self.account = DayAccount(self.calendar.day_of(clock()))
        self.feed: QuoteFeed | None = None
        self.listener: Listener | None = None
        self.feed_status = FeedStatus(FeedState.DOWN, "no feed")
        self.quotes: dict[str, Quote] = {}
        self.last_alert: datetime | None = None
        self.errors = 0
        self.switches: dict[str, bool] = {s: False for s in config.strategies.disabled}
        self._feed_factory = feed_factory
        self._listener_factory = listener_factory
        self._subscribers: list[EventSubscriber] = []
        self._lock = asyncio.Lock()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._sample_interval = sample_interval
        self._pending_events: list[Event] = []
        self._dirty_positions: set[PositionKey] = set()
        self._account_written: tuple[object, ...] | None = None
        points = config.ui.sparkline_points
        self.account_series: deque[float] = deque(maxlen=points)
        self.drawdown_series: deque[float] = deque(maxlen=points)
        self.position_series: dict[PositionKey, deque[float]] = {}
        self._started = False
        self._stopped = False
        self._pending = PendingAlerts(self._undone)
        ledger.on_status(self._ledger_status)

    # --- lifecycle ----------------------------------------------------------------------

    def subscribe(self, subscriber: EventSubscriber) -> None:
        self._subscribers.append(subscriber)

    async def restore(self) -> None:
        """Rebuild positions and today's account from the ledger (also used by tests)."""
        self.book = await load_book(self.ledger, self.config, checkpoint=True)
        now = self.clock()
        self.account = await load_day_account(
            self.ledger, self.calendar, self.calendar.day_of(now), self._open_pnl(), now
        )
        self.switches.update(await self.ledger.strategy_switches())
        for sample in await self.ledger.account_samples(
            self.account.day.isoformat(), limit=self.config.ui.sparkline_points
        ):
            self.account_series.append(float(sample.total))
            self.drawdown_series.append(float(sample.total - sample.peak))

    async def start(self) -> None:
        """Restore, then start the feed, the listener and the sampler."""
        if self._started:
            return
        self._started = True
        await self.restore()
        positions = self.book.open_positions()
        new = " (new: created now)" if self.ledger.created else ""
        self.emit(
            Event(
                EventKind.INFO,
                f"tmtui {__version__}: ledger {self.ledger.path}{new}, "
                f"{len(positions)} open position(s)",
                self.clock(),
            )
        )
        if self._feed_factory is not None:
            self.feed = self._feed_factory(self.on_quote, self.on_feed_status)
            self.feed.track(self._wanted_symbols())
            await self.feed.start()
        self.spawn(self._sampler(), "sampler")
        if self._listener_factory is not None:
            listener = self._listener_factory(self)
            try:
                await listener.start()
            except (OSError, TmtuiError) as exc:
                self.emit(Event(EventKind.ERROR, f"listener could not start: {exc}", self.clock()))
                raise
            self.listener = listener
            self.emit(
                Event(EventKind.LISTENER, f"listening on {listener.webhook_url}", self.clock())
            )

    async def stop(self) -> None:
        """Stop listener, feed and sampler; flush the last samples. Safe to call twice."""
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

    def spawn(self, coro: Any, name: str) -> None:
        task = asyncio.create_task(coro, name=f"tmtui-{name}")
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            self.report_error(f"background task {task.get_name()} failed", task.exception())

    def report_error(self, what: str, exc: BaseException | None) -> None:
        """An error in background work goes to the log and the status line, never kills us."""
        self.errors += 1
        log.error("%s: %r", what, exc, exc_info=exc)
        self.emit(Event(EventKind.ERROR, f"{what}: {exc}", self.clock()))

    # --- events ---------------------------------------------------------------------------

    def emit(self, event: Event, persist: bool = True) -> None:
        if persist:
            self._pending_events.append(event)
        for subscriber in list(self._subscribers):
            try:
                subscriber(event)
            except Exception:  # a broken view must not stop the engine
                log.exception("event subscriber failed")

    # --- alerts (the listener's AlertSink) -----------------------------------------------

    async def submit_alert(self, alert: IncomingAlert) -> AlertReply:
        """Validate, record durably, then answer. Raises the typed errors the listener maps.

        Deciding happens under the lock and takes microseconds; the commit (a disk sync)
        is awaited outside it, so alerts arriving together are decided one on top of the
        other and committed in one transaction. Each is applied when queued and taken back
        if the ledger refuses it (see engine_pending); the answer waits for the commit.
        """
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
        """Decide what the alert is and queue its record; returns what waits for the commit.

        Synchronous, so the decision sees one state. `original` is what the ledger said of
        the alert's key just before; a resend whose original is queued or was committed
        since is caught by `_pending`.
        """
        if alert.idem_key:
            waiting = self._pending.waiting_for(alert.idem_key)
            if waiting is not None:
                return self._duplicate_of_waiting(alert, waiting)
            original = original or self._pending.committed_as(alert.idem_key)
            if original is not None:
                return self._record_duplicate(alert, original)
        self._pending.settle()
        try:
            signal = build_signal(
                alert.fields,
                self.book.contracts,
                self.config.listener.max_qty,
                alert.received,
                alert.source,
                self.config.strategies.default_qty_for,
            )
            if not self.strategy_enabled(signal.strategy):
                return self._queue_ignored(
                    alert, signal, f"strategy {signal.strategy!r} is disabled"
                )
            plan = self.book.plan(signal)
        except (InvalidSignal, UnusableSignal) as exc:
            return self._reject(alert, exc)
        if plan.skipped is not None:
            return self._queue_ignored(alert, signal, plan.skipped)
        if plan.before == 0 and plan.after == 0:
            return self._queue_ignored(
                alert, signal, f"nothing open to close for {signal.root} ({signal.strategy})"
            )
        return self._queue_commit(plan, alert)

    def _not_recorded(self, alert: IncomingAlert, exc: LedgerUnavailable) -> None:
        """Every alert answered 503 gets its own line on the screen and in headless output."""
        self.errors += 1
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
            self.emit(Event(EventKind.INFO, "ledger OK again: alerts are recorded", self.clock()))
        elif not status.closed:
            self.errors += 1
            self.emit(
                Event(
                    EventKind.ERROR,
                    f"LEDGER: {status.message}",
                    self.clock(),
                    {"state": status.state},
                )
            )

    def _undone(self, count: int) -> None:
        self._sync_symbols()
        self._revalue(self.clock())
        self.emit(
            Event(
                EventKind.ERROR,
                f"took back {count} alert(s) the ledger did not record (TradingView resends them)",
                self.clock(),
            ),
            persist=False,
        )

    async def alert_refused(self, *, peer: str, status: int, reason: str, raw: str | None) -> None:
        """Refusals the listener decided itself (auth, size, rate, parse): log them."""
        self.emit(
            Event(
                EventKind.ALERT_REJECTED,
                f"alert rejected ({status}): {reason} from {peer}",
                self.clock(),
                {"status": status, "peer": peer},
            )
        )
        if status == 400 and raw is not None:
            with contextlib.suppress(LedgerUnavailable):
                await self.ledger.record_signal(
                    SignalRecord(
                        self.clock(), "webhook", Outcome.REJECTED, raw=raw, peer=peer, reason=reason
                    )
                )

    def health(self) -> dict[str, Any]:
        """For `/health`: a `problem` makes it answer 503 (alerts cannot be recorded)."""
        status = self.ledger.status()
        body: dict[str, Any] = {
            "feed": {
                "state": self.feed_status.state.value,
                "delay_minutes": self.feed_status.delay_minutes,
            },
            "ledger": status.as_json(self.ledger.path),
        }
        if not status.ok:
            body["problem"] = status.message
        return body

    def _queue_commit(
        self,
        plan: Plan,
        alert: IncomingAlert | None = None,
        source: str = "webhook",
        raw: str | None = None,
    ) -> Awaitable[AlertReply]:
        """Queue the plan's record, apply it now; the returned reply waits for the commit."""
        signal = replace(plan.signal, price=plan.price)
        events = self._describe(plan)
        record = SignalRecord(
            received=alert.received if alert else signal.time,
            source=alert.source if alert else source,
            outcome=Outcome.ACCEPTED,
            raw=alert.raw if alert else raw,
            peer=alert.peer if alert else None,
            signal=signal,
            idem_key=alert.idem_key if alert else None,
        )
        write = self.ledger.queue_signal(
            record,
            plan.fills,
            plan.closed_trades,
            events,
            book=delta_of(plan),
            rollups=rollups_of(plan.fills, plan.closed_trades, self.calendar.day_of),
            chained=True,
        )
        undo = self._apply_pending(plan)
        self._pending.track(write, undo, record.idem_key)
        view = self.position_view(plan.key)
        return self._committed(write, events, position_json(view) if view else None)

    async def _committed(
        self, write: PendingWrite, events: list[Event], position: dict[str, Any] | None
    ) -> AlertReply:
        signal_id = int(await write.confirmed())
        for event in events:
            self.emit(event, persist=False)
        return AlertReply(signal_id, False, Outcome.ACCEPTED, events[0].message, position)

    def _apply_pending(self, plan: Plan) -> Callable[[], None]:
        """Apply a plan whose record is queued; return how to take it back (engine_pending)."""
        key = plan.key
        position = self.book.positions.get(key)
        next_trade_id = self.book.next_trade_id
        account = replace(self.account, curve=replace(self.account.curve))
        series = self.position_series.get(key)
        self._apply(plan)

        def undo() -> None:
            if position is None:
                self.book.positions.pop(key, None)
            else:
                self.book.positions[key] = position
            self.book.next_trade_id = next_trade_id
            if self.account.day == account.day:
                self.account = account
            if series is not None:
                self.position_series[key] = series

        return undo

    def _apply(self, plan: Plan) -> None:
        self.book.commit(plan)
        for fill in plan.fills:
            if self.calendar.day_of(fill.time) == self.account.day:
                self.account.add_fill(fill.realized, fill.commission)
        for trade in plan.closed_trades:
            assert trade.exit_time is not None
            if self.calendar.day_of(trade.exit_time) == self.account.day:
                self.account.trades_closed += 1
        if plan.position is None:
            self.position_series.pop(plan.key, None)
        else:
            self._dirty_positions.add(plan.key)
        self._sync_symbols()
        self._revalue(self.clock())

    async def _duplicate_of_waiting(
        self, alert: IncomingAlert, waiting: PendingWrite
    ) -> AlertReply:
        """A resend that arrived before its original was committed."""
        try:
            original = int(await waiting.confirmed())
        except DuplicateSignal as dup:
            original = dup.original
        except LedgerUnavailable as exc:
            raise LedgerUnavailable(
                f"not recorded: the alert it resends was not recorded either ({exc})"
            ) from exc
        return await self._record_duplicate(alert, original)

    async def _record_duplicate(self, alert: IncomingAlert, original: int) -> AlertReply:
        message = f"duplicate alert (key already applied as signal #{original}): ignored"
        event = Event(
            EventKind.ALERT_DUPLICATE,
            message,
            self.clock(),
            {"peer": alert.peer, "original": original},
        )
        await self.ledger.record_signal(
            SignalRecord(
                alert.received,
                alert.source,
                Outcome.DUPLICATE,
                alert.raw,
                alert.peer,
                idem_key=alert.idem_key,
                reason=message,
            ),
            events=[event],
        )
        self.emit(event, persist=False)
        return AlertReply(original, True, Outcome.DUPLICATE, message, None)

    def _queue_ignored(
        self, alert: IncomingAlert, signal: Signal, reason: str
    ) -> Awaitable[AlertReply]:
        event = Event(
            EventKind.ALERT_IGNORED,
            f"{_signal_text(signal)}: ignored, {reason}",
            self.clock(),
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
        write = self.ledger.queue_signal(record, events=[event], chained=True)
        self._pending.track(write, None, alert.idem_key)
        view = self.position_view((signal.strategy, signal.root))
        return self._ignored(write, event, position_json(view) if view else None)

    async def _ignored(
        self, write: PendingWrite, event: Event, position: dict[str, Any] | None
    ) -> AlertReply:
        signal_id = int(await write.confirmed())
        self.emit(event, persist=False)
        return AlertReply(signal_id, False, Outcome.IGNORED, event.message, position)

    async def _reject(self, alert: IncomingAlert, error: TmtuiError) -> AlertReply:
        await self._record_rejection(alert, str(error))
        raise error

    async def _record_rejection(self, alert: IncomingAlert, reason: str) -> None:
        event = Event(
            EventKind.ALERT_REJECTED,
            f"alert rejected: {reason} from {alert.peer}",
            self.clock(),
            {"peer": alert.peer},
        )
        try:
            await self.ledger.record_signal(
                SignalRecord(
                    alert.received,
                    alert.source,
                    Outcome.REJECTED,
                    alert.raw,
                    alert.peer,
                    reason=reason,
                ),
                events=[event],
            )
        except LedgerUnavailable:
            log.error("could not record a rejected alert: %s", reason)
        self.emit(event, persist=False)

    def _describe(self, plan: Plan) -> list[Event]:
        s = plan.signal
        after = plan.after
        state = "flat" if after == 0 else f"{'long' if after > 0 else 'short'} {abs(after)}"
        price_text = f" @ {plan.price}" if plan.price is not None else ""
        text = f"{_signal_text(s, with_price=False)}{price_text} ({s.strategy}) → {state}"
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
        events = [Event(kind, text, self.clock(), data)]
        drift = {"expected": plan.drift[0], "target": plan.drift[1]} if plan.drift else {}
        events.extend(Event(EventKind.DRIFT, note, self.clock(), drift) for note in plan.notes)
        return events

    # --- manual actions -----------------------------------------------------------------------

    async def close_position(self, key: PositionKey, reason: str = "manual close") -> AlertReply:
        """Close one position at its current mark, recorded as a manual signal."""
        async with self._lock:
            self._pending.settle()
            pos = self.book.positions.get(key)
            if pos is None:
                raise UnusableSignal(f"no open position for {key[1]} ({key[0]})")
            if pos.mark is None:
                raise UnusableSignal(f"cannot close {pos.root} ({pos.strategy}): no price yet")
            now = self.clock()
            signal = Signal(
                pos.strategy, pos.root, Action.CLOSE, None, pos.mark, now, source="manual"
            )
            plan = self.book.plan(signal)
            raw = json.dumps(
                {
                    "action": "close",
                    "strategy": pos.strategy,
                    "symbol": pos.root,
                    "price": str(pos.mark),
                    "reason": reason,
                }
            )
            reply = self._queue_commit(plan, source="manual", raw=raw)
        return await reply

    async def flatten(self, strategy: str | None = None) -> tuple[list[AlertReply], list[str]]:
        """Close every position (or one strategy's) at its mark; report what could not be."""
        keys = [k for k in list(self.book.positions) if strategy is None or k[0] == strategy]
        what = "everything" if strategy is None else f"strategy {strategy}"
        self.emit(
            Event(EventKind.FLATTEN, f"flatten {what}: {len(keys)} position(s)", self.clock())
        )
        done, refused = [], []
        for key in keys:
            try:
                done.append(await self.close_position(key, reason=f"flatten {what}"))
            except TmtuiError as exc:
                refused.append(str(exc))
                self.emit(Event(EventKind.ERROR, f"flatten: {exc}", self.clock()))
        return done, refused

    def strategy_enabled(self, strategy: str) -> bool:
        return self.switches.get(strategy, True)

    async def set_strategy_enabled(self, strategy: str, enabled: bool) -> None:
        self.switches[strategy] = enabled
        await self.ledger.set_strategy_enabled(strategy, enabled, self.clock())
        word = "enabled" if enabled else "disabled: its alerts will be ignored"
        self.emit(Event(EventKind.STRATEGY, f"strategy {strategy} {word}", self.clock()))

    # --- prices -------------------------------------------------------------------------------

    def on_quote(self, quote: Quote) -> None:
        """Mark every open position in the quote's instrument, and the account."""
        self.quotes[quote.symbol] = quote
        spec = self.book.contracts.by_tv_symbol(quote.symbol)
        if spec is None:
            return
        mode = self.config.feed.mark
        when = quote.received
        marked = self.book.mark(
            spec.root,
            lambda sign: mark_price(quote, sign, mode if sign else "last"),
            when,
        )
        if marked:
            self._dirty_positions.update(p.key for p in marked)
            self._revalue(when)

    def on_feed_status(self, status: FeedStatus) -> None:
        previous = self.feed_status
        self.feed_status = status
        text = f"feed {status.state.value}"
        if status.delay_minutes:
            text += f": quotes DELAYED {status.delay_minutes} min"
        if status.reason:
            text += f" ({status.reason})"
        if previous.state != status.state or previous.reason != status.reason:
            self.emit(
                Event(
                    EventKind.FEED,
                    text,
                    self.clock(),
                    {"state": status.state.value, "delay": status.delay_minutes},
                )
            )

    def _wanted_symbols(self) -> set[str]:
        symbols = {self.book.contracts[p.root].tv_symbol for p in self.book.open_positions()}
        for ticker in self.config.feed.watchlist:
            try:
                symbols.add(self.book.contracts.resolve(ticker).tv_symbol)
            except TmtuiError as exc:
                self.emit(Event(EventKind.ERROR, f"watchlist: {exc}", self.clock()))
        return symbols

    def _sync_symbols(self) -> None:
        if self.feed is None:
            return
        wanted = self._wanted_symbols()
        self.feed.untrack(self.feed.symbols - wanted)
        self.feed.track(wanted)

    def _open_pnl(self) -> Decimal:
        return sum((p.open_pnl or Decimal(0) for p in self.book.open_positions()), Decimal(0))

    def _revalue(self, when: datetime) -> None:
        self._roll_day(when)
        self.account.set_open(self._open_pnl(), when)

    def _roll_day(self, when: datetime) -> None:
        day = self.calendar.day_of(when)
        if day != self.account.day:
            self.emit(Event(EventKind.INFO, f"new trading day {day.isoformat()}", when))
            self.account = DayAccount(day)
            self.account_series.clear()
            self.drawdown_series.clear()

    # --- sampling -----------------------------------------------------------------------------

    async def _sampler(self) -> None:
        """Once a second: samples to the ledger, sparkline points, queued events."""
        while True:
            await asyncio.sleep(self._sample_interval)
            try:
                await self.flush()
            except Exception as exc:
                self.report_error("could not write P&L samples", exc)

    async def flush(self) -> None:
        now = self.clock()
        self._revalue(now)
        ts = int(now.timestamp())
        samples = []
        for pos in self.book.open_positions():
            pnl = pos.open_pnl
            if pnl is None:
                continue
            self.position_series.setdefault(
                pos.key, deque(maxlen=self.config.ui.sparkline_points)
            ).append(float(pnl))
            if pos.key in self._dirty_positions:
                assert pos.mark is not None
                samples.append(
                    PositionSample(
                        ts,
                        pos.strategy,
                        pos.root,
                        pos.trade.trade_id,
                        pos.mark,
                        pnl,
                        pos.trade.mae,
                        pos.trade.mfe,
                    )
                )
        self._dirty_positions.clear()
        await self.ledger.add_position_samples(samples)
        a, c = self.account, self.account.curve
        self.account_series.append(float(a.total))
        self.drawdown_series.append(float(c.drawdown))
        figures = (a.day, a.realized, a.open_pnl, c.peak, c.max_mtm, c.min_mtm, c.max_drawdown)
        if figures != self._account_written:
            self._account_written = figures
            await self.ledger.add_account_sample(
                AccountSample(
                    ts,
                    a.day.isoformat(),
                    a.realized,
                    a.open_pnl,
                    a.total,
                    c.peak,
                    c.max_mtm,
                    c.min_mtm,
                    c.max_drawdown,
                    c.max_time,
                    c.min_time,
                )
            )
        events, self._pending_events = self._pending_events, []
        await self.ledger.add_events(events)

    # --- views -------------------------------------------------------------------------------

    def position_view(self, key: PositionKey) -> PositionView | None:
        pos = self.book.positions.get(key)
        if pos is None:
            return None
        return position_view(pos, self.clock(), self.config.feed.stale_after)

    def positions(self) -> list[PositionView]:
        now, stale = self.clock(), self.config.feed.stale_after
        return [position_view(p, now, stale) for p in self.book.open_positions()]

    def _ledger_problem(self) -> str | None:
        status = self.ledger.status()
        return None if status.ok or status.closed else status.message

    def snapshot(self) -> Snapshot:
        now = self.clock()
        ages = [(now - q.received).total_seconds() for q in self.quotes.values()]
        strategies = dict.fromkeys(sorted({k[0] for k in self.book.positions}), True)
        strategies.update(self.switches)
        return Snapshot(
            time=now,
            positions=self.positions(),
            account=account_view(self.account),
            feed_state=self.feed_status.state.value,
            feed_reason=self.feed_status.reason,
            delay_minutes=self.feed_status.delay_minutes,
            quote_age=min(ages) if ages else None,
            listener_url=self.listener.url if self.listener else None,
            last_alert=self.last_alert,
            ledger_path=str(self.ledger.path),
            ledger=self._ledger_problem(),
            account_series=list(self.account_series),
            drawdown_series=list(self.drawdown_series),
            position_series={k: list(v) for k, v in self.position_series.items()},
            strategies=strategies,
            errors=self.errors,
        )


def _signal_text(signal: Signal, with_price: bool = True) -> str:
    return signal_text(signal, with_price)


async def _quietly(awaitable: Any) -> None:
    try:
        await awaitable
    except Exception:
        log.exception("error while stopping")
