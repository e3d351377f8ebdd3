"""The engine: one object that owns the state and every background task.

It takes alerts (from the listener or the keyboard), records them in the ledger before
applying them, marks positions on every quote, samples P&L to the ledger once a second and
tells its subscribers (the screen or the headless printer) about every event. The UI and
`--headless` are two views of it; it never imports Textual.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Protocol

from tmtui import __version__
from tmtui.config import Config
from tmtui.core.account import DayAccount
from tmtui.core.alert_parsing import validate_strategy_name
from tmtui.core.book import Book, Plan, PositionKey
from tmtui.core.book_state import delta_of
from tmtui.core.events import Event, EventKind
from tmtui.core.manual_orders import ManualPrice, PriceSource, manual_raw
from tmtui.core.marking import mark_price
from tmtui.core.models import (
    Action,
    AlertFields,
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
from tmtui.core.signal_rules import build_signal, signal_text, validate_price
from tmtui.core.views import (
    MarkState,
    PositionView,
    Snapshot,
    SymbolMark,
    account_view,
    mark_state,
    position_json,
    position_view,
)
from tmtui.feeds.base import FeedState, FeedStatus, Quote, QuoteFeed, delay_minutes
from tmtui.history import load_book, load_day_account, make_book, make_calendar
from tmtui.ledger import AccountSample, Ledger, PositionSample, SignalRecord

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
        self.rejected = 0
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
        self.emit(
            Event(
                EventKind.INFO,
                f"tmtui {__version__}: ledger {self.ledger.path}, "
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
        if event.kind is EventKind.ALERT_REJECTED:
            self.rejected += 1  # counted apart from internal errors
        if persist:
            self._pending_events.append(event)
        for subscriber in list(self._subscribers):
            try:
                subscriber(event)
            except Exception:  # a broken view must not stop the engine
                log.exception("event subscriber failed")

    # --- alerts (the listener's AlertSink) -----------------------------------------------

    async def submit_alert(self, alert: IncomingAlert) -> AlertReply:
        """Validate, record durably, then apply. Raises the typed errors the listener maps."""
        async with self._lock:
            self.last_alert = alert.received
            if alert.idem_key:
                original = await self.ledger.find_by_idem_key(alert.idem_key)
                if original is not None:
                    return await self._record_duplicate(alert, original)
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
                    return await self._record_ignored(
                        alert, signal, f"strategy {signal.strategy!r} is disabled"
                    )
                plan = self.book.plan(signal)
            except (InvalidSignal, UnusableSignal) as exc:
                await self._record_rejection(alert, str(exc))
                raise
            if plan.skipped is not None:
                return await self._record_ignored(alert, signal, plan.skipped)
            if plan.before == 0 and plan.after == 0:
                return await self._record_ignored(
                    alert, signal, f"nothing open to close for {signal.root} ({signal.strategy})"
                )
            return await self._commit(plan, alert)

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
        return {
            "feed": {
                "state": self.feed_status.state.value,
                "delay_minutes": self.feed_status.delay_minutes,
            }
        }

    async def _commit(
        self,
        plan: Plan,
        alert: IncomingAlert | None = None,
        source: str = "webhook",
        raw: str | None = None,
        price_source: PriceSource | None = None,
    ) -> AlertReply:
        signal = replace(plan.signal, price=plan.price)
        events = self._describe(plan, price_source)
        record = SignalRecord(
            received=alert.received if alert else signal.time,
            source=alert.source if alert else source,
            outcome=Outcome.ACCEPTED,
            raw=alert.raw if alert else raw,
            peer=alert.peer if alert else None,
            signal=signal,
            idem_key=alert.idem_key if alert else None,
        )
        signal_id = await self.ledger.record_signal(
            record,
            plan.fills,
            plan.closed_trades,
            events,
            book=delta_of(plan),
            rollups=rollups_of(plan.fills, plan.closed_trades, self.calendar.day_of),
        )
        self._apply(plan)
        for event in events:
            self.emit(event, persist=False)
        view = self.position_view(plan.key)
        return AlertReply(
            signal_id,
            False,
            Outcome.ACCEPTED,
            events[0].message,
            position_json(view) if view else None,
        )

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

    async def _record_ignored(
        self, alert: IncomingAlert, signal: Signal, reason: str
    ) -> AlertReply:
        event = Event(
            EventKind.ALERT_IGNORED,
            f"{_signal_text(signal)}: ignored, {reason}",
            self.clock(),
            {"peer": alert.peer},
        )
        signal_id = await self.ledger.record_signal(
            SignalRecord(
                alert.received,
                alert.source,
                Outcome.IGNORED,
                alert.raw,
                alert.peer,
                signal,
                alert.idem_key,
                reason,
            ),
            events=[event],
        )
        self.emit(event, persist=False)
        view = self.position_view((signal.strategy, signal.root))
        return AlertReply(
            signal_id, False, Outcome.IGNORED, event.message, position_json(view) if view else None
        )

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

    def _describe(self, plan: Plan, price_source: PriceSource | None = None) -> list[Event]:
        s = plan.signal
        after = plan.after
        state = "flat" if after == 0 else f"{'long' if after > 0 else 'short'} {abs(after)}"
        price_text = f" @ {plan.price}" if plan.price is not None else ""
        text = f"{_signal_text(s, with_price=False)}{price_text} ({s.strategy}) → {state}"
        if plan.closed_trades:
            net = sum((t.net for t in plan.closed_trades), Decimal(0))
            text += f", P&L {net:+,.2f}"
        data: dict[str, Any] = {
            "strategy": s.strategy,
            "symbol": s.root,
            "change": plan.change,
            "before": plan.before,
            "after": after,
        }
        if price_source is not None:
            text += f" (price {price_source.value})"
            data["price_source"] = price_source.value
        kind = _manual_kind(s) if s.source == "manual" else EventKind.ALERT_ACCEPTED
        events = [Event(kind, text, self.clock(), data)]
        drift = {"expected": plan.drift[0], "target": plan.drift[1]} if plan.drift else {}
        events.extend(Event(EventKind.DRIFT, note, self.clock(), drift) for note in plan.notes)
        return events

    # --- manual actions (the keyboard) -------------------------------------------------------

    async def close_position(
        self, key: PositionKey, *, price: ManualPrice, reason: str = "manual close"
    ) -> AlertReply:
        """Close one position at the price the trader saw or typed, as a manual signal."""
        async with self._lock:
            pos = self.book.positions.get(key)
            if pos is None:
                raise UnusableSignal(f"no open position for {key[1]} ({key[0]})")
            spec = self.book.contracts[pos.root]
            validate_price(price.price, pos.root, spec.allow_negative)
            signal = Signal(
                pos.strategy,
                pos.root,
                Action.CLOSE,
                None,
                price.price,
                self.clock(),
                source="manual",
            )
            return await self._commit_manual(signal, price, reason)

    async def place_order(
        self, strategy: str, ticker: str, action: Action, qty: int, price: ManualPrice
    ) -> AlertReply:
        """Buy or sell at a price (to mirror a fill the alerts missed), as a manual signal.

        Validated like an alert (contract, qty limit, price); applied even when the strategy
        is disabled, since the switch is for alerts, not for the trader.
        """
        fields = AlertFields(
            action=action.value,
            ticker=ticker,
            qty=qty,
            price=price.price,
            strategy=validate_strategy_name(strategy),
        )
        async with self._lock:
            signal = build_signal(
                fields, self.book.contracts, self.config.listener.max_qty, self.clock(), "manual"
            )
            return await self._commit_manual(signal, price, "manual order")

    async def _commit_manual(self, signal: Signal, price: ManualPrice, reason: str) -> AlertReply:
        plan = self.book.plan(signal)
        raw = manual_raw(signal.action, signal.strategy, signal.root, signal.qty, price, reason)
        return await self._commit(plan, source="manual", raw=raw, price_source=price.source)

    async def flatten(
        self, prices: Mapping[PositionKey, ManualPrice], strategy: str | None = None
    ) -> tuple[list[AlertReply], list[str]]:
        """Close exactly the positions the trader confirmed, each at its confirmed price."""
        what = "everything" if strategy is None else f"strategy {strategy}"
        self.emit(
            Event(EventKind.FLATTEN, f"flatten {what}: {len(prices)} position(s)", self.clock())
        )
        done, refused = [], []
        for key, price in prices.items():
            try:
                done.append(await self.close_position(key, price=price, reason=f"flatten {what}"))
            except TmtuiError as exc:
                refused.append(str(exc))
                self.emit(Event(EventKind.ERROR, f"flatten: {exc}", self.clock()))
        return done, refused

    def symbol_mark(self, ticker: str, sign: int) -> SymbolMark:
        """The mark an order in `ticker` would be prefilled with; raises UnknownContract."""
        spec = self.book.contracts.resolve(ticker)
        now, stale_after = self.clock(), self.config.feed.stale_after
        quote = self.quotes.get(spec.tv_symbol)
        if quote is not None:
            price = mark_price(quote, sign, self.config.feed.mark)
            if price is not None:
                age = (now - quote.received).total_seconds()
                delay = self._delay_for(spec.root)
                return SymbolMark(spec.root, price, age, mark_state(age, stale_after, delay), delay)
        for view in self.positions():
            if view.symbol == spec.root and view.last_price is not None:
                return SymbolMark(
                    spec.root, view.last_price, view.mark_age, view.mark_state, view.delay_minutes
                )
        return SymbolMark(spec.root, None, None, MarkState.NONE)

    def pnl_at(self, key: PositionKey, price: Decimal) -> Decimal | None:
        """A position's gross open P&L if closed at `price` (for the close dialog)."""
        pos = self.book.positions.get(key)
        return None if pos is None else pos.pnl_at(price)

    def _delay_for(self, root: str) -> int | None:
        """Minutes the quotes marking `root` are late: the quote's own mode, else the feed's."""
        spec = self.book.contracts.specs.get(root)
        quote = self.quotes.get(spec.tv_symbol) if spec is not None else None
        if quote is not None and quote.update_mode:
            return delay_minutes(quote.update_mode)
        return self.feed_status.delay_minutes

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
        stale = self.config.feed.stale_after
        return position_view(pos, self.clock(), stale, self._delay_for(pos.root))

    def positions(self) -> list[PositionView]:
        now, stale = self.clock(), self.config.feed.stale_after
        return [
            position_view(p, now, stale, self._delay_for(p.root))
            for p in self.book.open_positions()
        ]

    def snapshot(self) -> Snapshot:
        now = self.clock()
        ages = [(now - q.received).total_seconds() for q in self.quotes.values()]
        strategies = dict.fromkeys(sorted({k[0] for k in self.book.positions}), True)
        strategies.update(self.switches)
        positions = self.positions()
        unmarked = sum(1 for p in positions if p.last_price is None)
        return Snapshot(
            time=now,
            positions=positions,
            account=account_view(self.account, unmarked),
            feed_state=self.feed_status.state.value,
            feed_reason=self.feed_status.reason,
            delay_minutes=self.feed_status.delay_minutes,
            quote_age=min(ages) if ages else None,
            listener_url=self.listener.url if self.listener else None,
            last_alert=self.last_alert,
            ledger_path=str(self.ledger.path),
            account_series=list(self.account_series),
            drawdown_series=list(self.drawdown_series),
            position_series={k: list(v) for k, v in self.position_series.items()},
            strategies=strategies,
            errors=self.errors,
            rejected=self.rejected,
            secret_set=bool(self.config.listener.secret),
        )


def _manual_kind(signal: Signal) -> EventKind:
    return EventKind.MANUAL_CLOSE if signal.action is Action.CLOSE else EventKind.MANUAL_ORDER


def _signal_text(signal: Signal, with_price: bool = True) -> str:
    return signal_text(signal, with_price)


async def _quietly(awaitable: Any) -> None:
    try:
        await awaitable
    except Exception:
        log.exception("error while stopping")
