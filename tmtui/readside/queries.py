"""The read side: every question the CLI, the screens and `--headless` ask of the ledger.

Each query reads indexed tables within its range — day rollups for money over days, the
trades of a filter page by page, one day's fills for a day's curve — and never the whole
history, so a read stays fast after years. The arithmetic lives in the pure core
(`core.stats`, `core.rollups`, `core.account`); this module does the I/O and picks rows.

Strategies, roots and trading days filter alike everywhere: a day range is of trading days
(`session.day_start` in `session.timezone`), inclusive at both ends.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

from tmtui.core.backtest.open_book import backtest_position
from tmtui.core.book.account import DayAccount
from tmtui.core.book.book import Book
from tmtui.core.contracts import ContractBook
from tmtui.core.events import Event
from tmtui.core.history.calendar_grid import MonthGrid, month_bounds, month_grid
from tmtui.core.history.history_views import (
    Bucket,
    PeriodReport,
    TradeFilter,
)
from tmtui.core.history.stats import (
    CurvePoint,
    TradeStats,
    equity_curve,
    max_drawdown,
    stats_of_rollups,
)
from tmtui.core.models import Trade, UnknownContract
from tmtui.core.trading_day import TradingCalendar
from tmtui.core.views import AccountView, CalendarDay, PositionView, account_view, position_view
from tmtui.ledger import history
from tmtui.ledger.backtests import open_backtest_trades
from tmtui.ledger.rows import BACKTEST, LIVE
from tmtui.ledger.store import Ledger
from tmtui.readside.strategy_reads import StrategyReads, daily_nets
from tmtui.services.book_restore import load_book, load_day_account, make_calendar, open_at
from tmtui.services.risk_store import load_drift
from tmtui.settings.config import Config

ZERO = Decimal(0)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Queries(StrategyReads):
    """Read queries over one ledger; `live_book` gives the running engine's book, if any.

    Without `live_book` (a CLI command), open positions are the stored book plus its tail,
    marked at the newest P&L samples.
    """

    def __init__(
        self,
        ledger: Ledger,
        config: Config,
        *,
        live_book: Callable[[], Book] | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.ledger = ledger
        self.config = config
        self.calendar: TradingCalendar = make_calendar(config)
        self.contracts = ContractBook(config.contracts)
        self.clock = clock
        self._live_book = live_book

    # --- positions ----------------------------------------------------------------------

    async def book(self) -> Book:
        if self._live_book is not None:
            return self._live_book()
        return await load_book(self.ledger, self.config)

    async def open_positions(
        self, strategy: str | None = None, source: str = LIVE
    ) -> list[PositionView]:
        """Open positions with marks and per-trade drawdown, and the drift guard's view of
        each (as the running tmtui last saved it). `source="backtest"`: the trades the
        backtests left open, at TradingView's last close and open P&L."""
        if source == BACKTEST:
            return await self.backtest_positions(strategy)
        book = await self.book()
        drift = await load_drift(self.ledger)
        now, stale = self.clock(), self.config.feed.stale_after
        return [
            replace(position_view(p, now, stale), drift=drift.get(p.key))
            for p in book.open_positions()
            if strategy in (None, p.strategy)
        ]

    async def backtest_positions(self, strategy: str | None = None) -> list[PositionView]:
        now = self.clock()
        return [
            backtest_position(t.strategy, t.root, t.state, self.contracts[t.root].point_value, now)
            for t in await open_backtest_trades(self.ledger, strategy)
        ]

    # --- days ---------------------------------------------------------------------------

    def today(self) -> date:
        return self.calendar.day_of(self.clock())

    def root_of(self, symbol: str) -> str:
        """The root a symbol filter means: `NQ1!`, `CME_MINI:NQ1!` and `nq` are all NQ."""
        try:
            return self.contracts.resolve(symbol).root
        except UnknownContract:
            return symbol.strip().upper()

    def tick_size(self, root: str) -> Decimal | None:
        """The contract's tick (None for a root the table does not know): prices' decimals."""
        spec = self.contracts.specs.get(root)
        return None if spec is None else spec.tick_size

    async def day_report(
        self, day: date | None = None, strategy: str | None = None, source: str = LIVE
    ) -> AccountView:
        """A trading day: realized (net), trades, the open P&L it made (carry-forward: from
        the marks at the previous close to its own close, or to now) and its curve. The
        backtests' day (`source="backtest"`) is realized only: their books are not marked."""
        today = self.today()
        day = day or today
        unmarked = 0
        if source == BACKTEST:
            open_pnl, now = ZERO, None
        elif day == today:
            positions = await self.open_positions(strategy)
            open_pnl, now = _known_sum(p.open_pnl for p in positions), self.clock()
            unmarked = sum(1 for p in positions if p.open_pnl is None)
        elif day < today:
            end = self.calendar.bounds(day)[1]
            open_pnl, now = _known_sum((await self.open_at(end, strategy)).values()), end
        else:
            # A day not yet traded has nothing in it: not today's open P&L carried in and
            # taken off again (which showed as the negative of it).
            return account_view(DayAccount(day), 0)
        account = await load_day_account(
            self.ledger, self.calendar, day, open_pnl, now, strategy=strategy, source=source
        )
        return account_view(account, unmarked)

    async def open_at(
        self, moment: datetime, strategy: str | None = None
    ) -> dict[tuple[str, str, int], Decimal]:
        """Open P&L of each round trip open at `moment`, at its last mark before it."""
        return await open_at(self.ledger, moment, strategy)

    async def first_day(
        self, strategy: str | None = None, source: str | None = LIVE
    ) -> date | None:
        """The first trading day with anything recorded (of one strategy), if any."""
        day = await history.first_day(self.ledger, strategy, source)
        return None if day is None else date.fromisoformat(day)

    async def period_report(
        self,
        first: date | None,
        last: date | None,
        strategy: str | None = None,
        source: str = LIVE,
    ) -> PeriodReport:
        """Several trading days: realized (net) summed from rollups, plus the open P&L the
        period made (carry-forward: from the marks at its start to its end, or now);
        max/min/drawdown of the cumulative net at each day's close, the open P&L last.

        An open end is the first recorded day, or today.
        """
        today = self.today()
        last = last or today
        first = first or await self.first_day(strategy, source) or min(today, last)
        rollups = await self.ledger.rollups(first.isoformat(), last.isoformat(), strategy, source)
        closes = daily_nets(rollups)
        start_of = self.calendar.bounds(first)[0]
        live = source == LIVE
        carried_in = _known_sum((await self.open_at(start_of, strategy)).values()) if live else ZERO
        unmarked = 0
        if not live:
            open_end = ZERO
        elif first <= today <= last:
            positions = await self.open_positions(strategy)
            open_end = _known_sum(p.open_pnl for p in positions)
            unmarked = sum(1 for p in positions if p.open_pnl is None)
        else:
            end_of = self.calendar.bounds(last)[1]
            open_end = _known_sum((await self.open_at(end_of, strategy)).values())
        open_now = open_end - carried_in
        if open_now:
            closes.append((min(today, last), open_now))
        points = equity_curve(closes)
        equities = [p.equity for p in points]
        return PeriodReport(
            first,
            last,
            sum((r.net for r in rollups), ZERO),
            open_now,
            max([ZERO, *equities]),
            min([ZERO, *equities]),
            max_drawdown(points),
            sum(r.trades for r in rollups),
            unmarked,
        )

    async def calendar_days(
        self, first: date, last: date, strategy: str | None = None, source: str = LIVE
    ) -> list[CalendarDay]:
        """Net P&L (realized minus commissions charged) and closed trades per trading day."""
        rollups = await self.ledger.rollups(first.isoformat(), last.isoformat(), strategy, source)
        net: dict[str, Decimal] = defaultdict(lambda: ZERO)
        trades: dict[str, int] = defaultdict(int)
        for r in rollups:
            net[r.day] += r.net
            trades[r.day] += r.trades
        return [CalendarDay(date.fromisoformat(d), net[d], trades[d]) for d in sorted(net)]

    async def month(
        self, month: date, strategy: str | None = None, source: str = LIVE
    ) -> MonthGrid:
        """The month containing `month` as a grid of weeks, with weekly and month totals."""
        first, last = month_bounds(month)
        days = await self.calendar_days(first, last, strategy, source)
        return month_grid(first, days, weekends=not self.calendar.roll_weekends)

    # --- trades -------------------------------------------------------------------------

    async def trades(
        self, where: TradeFilter, limit: int | None = None, offset: int = 0
    ) -> list[Trade]:
        """Closed round trips, newest exit first; `limit`/`offset` page through them."""
        return await history.trade_page(self.ledger, self._where(where), limit, offset)

    async def trade_stats(self, where: TradeFilter) -> TradeStats:
        """Statistics of every trade the filter matches: counts and sums from day rollups
        (a trade counts on its exit day, as the filter does), extremes from two indexed picks."""
        first = None if where.first is None else where.first.isoformat()
        last = None if where.last is None else where.last.isoformat()
        rollups = await self.ledger.rollups(first, last, where.strategy, where.source)
        if where.root is not None:
            rollups = [r for r in rollups if r.root == where.root]
        stats = stats_of_rollups(rollups)
        best = (
            await history.extreme_net(self.ledger, self._where(where), True) if stats.wins else None
        )
        worst = (
            await history.extreme_net(self.ledger, self._where(where), False)
            if stats.losses
            else None
        )
        return stats.with_extremes(best, worst)

    def _where(self, where: TradeFilter) -> history.TradeWhere:
        return history.TradeWhere(
            None if where.first is None else self.calendar.bounds(where.first)[0],
            None if where.last is None else self.calendar.bounds(where.last)[1],
            where.strategy,
            where.root,
            where.source,
        )

    # --- strategies ---------------------------------------------------------------------

    # --- curves -------------------------------------------------------------------------

    async def equity_curve(
        self,
        first: date | None = None,
        last: date | None = None,
        strategy: str | None = None,
        bucket: Bucket = "day",
        source: str = LIVE,
    ) -> list[CurvePoint[date]]:
        """Cumulative net P&L at each day's (week's, month's) close over a range of trading
        days, from 0 at the range's start, with its drawdown from the running peak; of the
        live book, or of the backtests'."""
        rollups = await self.ledger.rollups(
            None if first is None else first.isoformat(),
            None if last is None else last.isoformat(),
            strategy,
            source,
        )
        changes: dict[date, Decimal] = defaultdict(lambda: ZERO)
        for day, net in daily_nets(rollups):
            changes[bucket_start(day, bucket)] += net
        return equity_curve(sorted(changes.items()))

    async def intraday_curve(
        self, day: date | None = None, points: int = 1000
    ) -> list[CurvePoint[datetime]]:
        """A day's total P&L (realized + open) from its live samples, with its drawdown.

        A long day is thinned to about `points` points in SQL, keeping each slice's lowest
        and highest total, so the extremes stay on the chart exactly.
        """
        rows = await history.day_samples(self.ledger, (day or self.today()).isoformat(), points)
        return [
            CurvePoint(
                datetime.fromtimestamp(r["ts"], UTC).astimezone(self.calendar.tz),
                Decimal(r["total"]),
                Decimal(r["total"]) - Decimal(r["peak"]),
            )
            for r in rows
        ]

    # --- events -------------------------------------------------------------------------

    async def recent_events(self, limit: int = 200) -> list[Event]:
        return await self.ledger.events(limit)


def bucket_start(day: date, bucket: Bucket) -> date:
    """The first date of the week (Monday) or month a trading day falls in."""
    if bucket == "week":
        return date.fromordinal(day.toordinal() - day.weekday())
    if bucket == "month":
        return day.replace(day=1)
    return day


def _known_sum(values: Iterable[Decimal | None]) -> Decimal:
    """Sum of the known values: an unmarked position adds nothing rather than a guess."""
    return sum((v for v in values if v is not None), ZERO)
