"""The live state the engine owns, and every pure thing done to it.

The book, today's account, the latest quote of each symbol, the strategy switches, the
feed's status and the counters the status line shows. Applying a committed plan, marking
on a quote, rolling the trading day and building the screen's snapshot happen here without
I/O; the engine decides when.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal

from tmtui.core.book.account import DayAccount
from tmtui.core.book.book import Book, Plan, PositionKey
from tmtui.core.book.drift import Drift
from tmtui.core.book.marking import mark_price
from tmtui.core.book.open_total import OpenTotal
from tmtui.core.book.series import PnlSeries
from tmtui.core.events import Event, EventKind
from tmtui.core.formatting import row_order
from tmtui.core.models import TmtuiError
from tmtui.core.pipeline import Recorded
from tmtui.core.quotes import FeedState, FeedStatus, Quote, delay_minutes
from tmtui.core.trading_day import TradingCalendar
from tmtui.core.views import (
    BridgeMark,
    MarkState,
    PositionView,
    Snapshot,
    SymbolMark,
    account_view,
    mark_state,
    position_view,
)

ZERO = Decimal(0)


class TradingState:
    """Positions, today's money, quotes, switches and feed status, as of the last event."""

    def __init__(
        self,
        book: Book,
        calendar: TradingCalendar,
        account: DayAccount,
        *,
        mark_mode: str = "last",
        stale_after: float = 15.0,
        switches: dict[str, bool] | None = None,
    ) -> None:
        self.book = book
        self.calendar = calendar
        self.account = account
        self.mark_mode = mark_mode
        self.stale_after = stale_after
        self.switches: dict[str, bool] = dict(switches or {})
        self.quotes: dict[str, Quote] = {}
        self.feed_status = FeedStatus(FeedState.DOWN, "no feed")
        self.errors = 0
        """Internal failures (background work, a broken redraw)."""
        self.rejected = 0
        """Alerts refused for what they said or how they came: the sender's problem, not ours."""
        self.drift: dict[PositionKey, Drift] = {}
        """The drift guard's marks: where a strategy's alert and the book disagree. Saved
        with the risk guard's memory (the same dict), shown by every view of a position."""
        self._open_total = OpenTotal()
        self.bridge: Callable[[PositionKey], BridgeMark | None] | None = None
        """A routed position's bridge and what it holds there (None: every strategy on
        paper); set by the engine when routes are configured."""

    # --- strategies -------------------------------------------------------------------

    def strategy_enabled(self, strategy: str) -> bool:
        return self.switches.get(strategy, True)

    def strategies(self) -> dict[str, bool]:
        """Every strategy with an open position or a switch, and whether it is enabled."""
        known = dict.fromkeys(sorted({k[0] for k in self.book.positions}), True)
        known.update(self.switches)
        return known

    def recorded(self, message: Recorded) -> None:
        """After a commit: what the signal did to its position's drift mark."""
        if message.decision.drift is not None:
            key, update = message.decision.drift
            self.set_drift(key, update.drift)

    def set_drift(self, key: PositionKey, drift: Drift | None) -> None:
        """Mark or (an agreeing alert) clear a position's drift."""
        if drift is None:
            self.drift.pop(key, None)
        else:
            self.drift[key] = drift

    # --- changes ----------------------------------------------------------------------

    def apply(self, plan: Plan) -> None:
        """Swap in a recorded plan and count its fills and closed trades toward today."""
        self.book.commit(plan)
        day_of, today = self.calendar.day_of, self.account.day
        for fill in plan.fills:
            if day_of(fill.time) == today:
                self.account.add_fill(fill.realized, fill.commission)
        for trade in plan.closed_trades:
            assert trade.exit_time is not None
            if day_of(trade.exit_time) == today:
                self.account.trades_closed += 1

    def mark(self, quote: Quote) -> list[PositionKey]:
        """Keep the quote; mark every open position in its instrument. Returns those marked."""
        self.quotes[quote.symbol] = quote
        spec = self.book.contracts.by_tv_symbol(quote.symbol)
        if spec is None:
            return []
        mode = self.mark_mode
        marked = self.book.mark(
            spec.root,
            lambda sign: mark_price(quote, sign, mode if sign else "last"),
            quote.received,
        )
        self._open_total.marked(self.book, marked)
        return [p.key for p in marked]

    def revalue(self, when: datetime) -> date | None:
        """Fold the open P&L into today's curve; returns the new day if `when` rolled it."""
        day = self.calendar.day_of(when)
        rolled = None
        if day != self.account.day:
            # carry-forward: the new day starts from the open P&L at the last marks
            self.account = DayAccount(day, open_base=self.account.open_pnl)
            rolled = day
        self.account.set_open(self.open_pnl(), when)
        return rolled

    def count(self, event: Event) -> None:
        """Count a rejected alert apart from internal errors (`Rejected 3 · Errors 0`)."""
        if event.kind is EventKind.ALERT_REJECTED:
            self.rejected += 1

    def set_feed_status(self, status: FeedStatus, now: datetime) -> Event | None:
        """Keep the feed's status; a log line when its state or reason changed."""
        previous, self.feed_status = self.feed_status, status
        if previous.state == status.state and previous.reason == status.reason:
            return None
        text = f"feed {status.state.value}"
        if status.delay_minutes:
            text += f": quotes DELAYED {status.delay_minutes} min"
        if status.reason:
            text += f" ({status.reason})"
        data = {"state": status.state.value, "delay": status.delay_minutes}
        return Event(EventKind.FEED, text, now, data)

    # --- reads ------------------------------------------------------------------------

    def open_pnl(self) -> Decimal:
        """Every open position's P&L at its mark: a running sum a quote adjusts (open_total)."""
        return self._open_total.value(self.book)

    def position_view(self, key: PositionKey, now: datetime) -> PositionView | None:
        pos = self.book.positions.get(key)
        if pos is None:
            return None
        view = position_view(
            pos, now, self.stale_after, self.delay_for(pos.root), self.tick_of(pos.root)
        )
        drift = self.drift.get(key)
        view = view if drift is None else replace(view, drift=drift)
        return view if self.bridge is None else replace(view, bridge=self.bridge(key))

    def positions(self, now: datetime) -> list[PositionView]:
        views = [
            position_view(p, now, self.stale_after, self.delay_for(p.root), self.tick_of(p.root))
            for p in self.book.open_positions()
        ]
        if self.drift:
            views = [replace(v, drift=self.drift.get(v.key)) for v in views]
        if self.bridge is not None:
            views = [replace(v, bridge=self.bridge(v.key)) for v in views]
        return views

    def tick_of(self, root: str) -> Decimal | None:
        spec = self.book.contracts.specs.get(root)
        return spec.tick_size if spec is not None else None

    def delay_for(self, root: str) -> int | None:
        """Minutes the quotes marking `root` are late: the quote's own mode, else the feed's."""
        spec = self.book.contracts.specs.get(root)
        quote = self.quotes.get(spec.tv_symbol) if spec is not None else None
        if quote is not None and quote.update_mode:
            return delay_minutes(quote.update_mode)
        return self.feed_status.delay_minutes

    def symbol_mark(self, ticker: str, sign: int, now: datetime) -> SymbolMark:
        """The mark an order in `ticker` would be prefilled with; raises UnknownContract.

        The latest quote at the side the order would trade, else the mark of a position
        held in that contract, else none (the trader types the price).
        """
        spec = self.book.contracts.resolve(ticker)
        quote = self.quotes.get(spec.tv_symbol)
        if quote is not None:
            price = mark_price(quote, sign, self.mark_mode)
            if price is not None:
                age = (now - quote.received).total_seconds()
                delay = self.delay_for(spec.root)
                state = mark_state(age, self.stale_after, delay)
                return SymbolMark(spec.root, price, age, state, delay, spec.tick_size)
        for view in self.positions(now):
            if view.symbol == spec.root and view.last_price is not None:
                return SymbolMark(
                    spec.root,
                    view.last_price,
                    view.mark_age,
                    view.mark_state,
                    view.delay_minutes,
                    spec.tick_size,
                )
        return SymbolMark(spec.root, None, None, MarkState.NONE, tick=spec.tick_size)

    def pnl_at(self, key: PositionKey, price: Decimal) -> Decimal | None:
        """A position's gross open P&L if closed at `price` (the close dialog's estimate)."""
        pos = self.book.positions.get(key)
        return None if pos is None else pos.pnl_at(price)

    def wanted_symbols(self, watchlist: tuple[str, ...]) -> tuple[set[str], list[str]]:
        """The feed symbols to quote (open positions and the watchlist), and watchlist errors."""
        contracts = self.book.contracts
        symbols = {contracts[p.root].tv_symbol for p in self.book.open_positions()}
        errors = []
        for ticker in watchlist:
            try:
                symbols.add(contracts.resolve(ticker).tv_symbol)
            except TmtuiError as exc:
                errors.append(f"watchlist: {exc}")
        return symbols, errors

    def last_price(self, ticker: str) -> Decimal | None:
        """The last traded price quoted for a ticker; None when unknown or never quoted."""
        spec = self.book.contracts.resolve(ticker)
        quote = self.quotes.get(spec.tv_symbol)
        return None if quote is None else quote.last

    def snapshot(
        self,
        now: datetime,
        series: PnlSeries,
        *,
        listener_url: str | None,
        last_alert: datetime | None,
        ledger_path: str,
        secret_set: bool,
        version: int = 0,
    ) -> Snapshot:
        ages = [(now - q.received).total_seconds() for q in self.quotes.values()]
        status = self.feed_status
        positions = self.positions(now)
        unmarked = sum(1 for p in positions if p.last_price is None)
        return Snapshot(
            time=now,
            positions=positions,
            account=account_view(self.account, unmarked),
            feed_state=status.state.value,
            feed_reason=status.reason,
            delay_minutes=status.delay_minutes,
            quote_age=min(ages) if ages else None,
            listener_url=listener_url,
            last_alert=last_alert,
            ledger_path=ledger_path,
            account_series=series.account_points(),
            drawdown_series=series.drawdown_points(),
            position_series=series.position_points(),
            strategies=self.strategies(),
            errors=self.errors,
            rejected=self.rejected,
            secret_set=secret_set,
            version=version,
            unquoted=unquoted_roots(positions),
        )


def unquoted_roots(positions: Iterable[PositionView]) -> tuple[str, ...]:
    """The roots of open positions without a mark, each once, in row order."""
    roots = {p.symbol for p in positions if p.last_price is None}
    return tuple(sorted(roots, key=lambda root: row_order(root, "")))
