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
from typing import Any

from tmtui.core.book.book import Book
from tmtui.core.book.rollups import DayRollup
from tmtui.core.contracts import ContractBook
from tmtui.core.events import Event
from tmtui.core.history.calendar_grid import MonthGrid, month_bounds, month_grid
from tmtui.core.history.history_views import (
    Bucket,
    OpenLeg,
    PeriodReport,
    StrategySummary,
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
from tmtui.ledger.rows import iso, trade_from_row
from tmtui.ledger.store import Ledger
from tmtui.services.book_restore import load_book, load_day_account, make_calendar, open_at
from tmtui.services.risk_store import load_drift
from tmtui.settings.config import Config

ZERO = Decimal(0)
EXTREME_CANDIDATES = 8
"""Rows fetched by float order before the exact Decimal pick of a largest win / loss."""


def utcnow() -> datetime:
    return datetime.now(UTC)


class Queries:
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

    async def open_positions(self, strategy: str | None = None) -> list[PositionView]:
        """Open positions with marks and per-trade drawdown, and the drift guard's view of
        each (as the running tmtui last saved it)."""
        book = await self.book()
        drift = await load_drift(self.ledger)
        now, stale = self.clock(), self.config.feed.stale_after
        return [
            replace(position_view(p, now, stale), drift=drift.get(p.key))
            for p in book.open_positions()
            if strategy in (None, p.strategy)
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

    async def day_report(self, day: date | None = None, strategy: str | None = None) -> AccountView:
        """A trading day: realized (net), trades, the open P&L it made (carry-forward: from
        the marks at the previous close to its own close, or to now) and its curve."""
        today = self.today()
        day = day or today
        unmarked = 0
        if day == today:
            positions = await self.open_positions(strategy)
            open_pnl, now = _known_sum(p.open_pnl for p in positions), self.clock()
            unmarked = sum(1 for p in positions if p.open_pnl is None)
        elif day < today:
            end = self.calendar.bounds(day)[1]
            open_pnl, now = _known_sum((await self.open_at(end, strategy)).values()), end
        else:
            open_pnl, now = ZERO, None
        account = await load_day_account(
            self.ledger, self.calendar, day, open_pnl, now, strategy=strategy
        )
        return account_view(account, unmarked)

    async def open_at(
        self, moment: datetime, strategy: str | None = None
    ) -> dict[tuple[str, str, int], Decimal]:
        """Open P&L of each round trip open at `moment`, at its last mark before it."""
        return await open_at(self.ledger, moment, strategy)

    async def first_day(self, strategy: str | None = None) -> date | None:
        """The first trading day with anything recorded (of one strategy), if any."""
        sql = "SELECT MIN(day) AS day FROM day_rollups"
        args: tuple[str, ...] = ()
        if strategy is not None:
            sql, args = sql + " WHERE strategy = ?", (strategy,)
        rows = await self.ledger.fetch(sql, args)
        return date.fromisoformat(rows[0]["day"]) if rows and rows[0]["day"] else None

    async def period_report(
        self, first: date | None, last: date | None, strategy: str | None = None
    ) -> PeriodReport:
        """Several trading days: realized (net) summed from rollups, plus the open P&L the
        period made (carry-forward: from the marks at its start to its end, or now);
        max/min/drawdown of the cumulative net at each day's close, the open P&L last.

        An open end is the first recorded day, or today.
        """
        today = self.today()
        last = last or today
        first = first or await self.first_day(strategy) or min(today, last)
        rollups = await self.ledger.rollups(first.isoformat(), last.isoformat(), strategy)
        closes = _daily_nets(rollups)
        start_of = self.calendar.bounds(first)[0]
        carried_in = _known_sum((await self.open_at(start_of, strategy)).values())
        unmarked = 0
        if first <= today <= last:
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
        self, first: date, last: date, strategy: str | None = None
    ) -> list[CalendarDay]:
        """Net P&L (realized minus commissions charged) and closed trades per trading day."""
        rollups = await self.ledger.rollups(first.isoformat(), last.isoformat(), strategy)
        net: dict[str, Decimal] = defaultdict(lambda: ZERO)
        trades: dict[str, int] = defaultdict(int)
        for r in rollups:
            net[r.day] += r.net
            trades[r.day] += r.trades
        return [CalendarDay(date.fromisoformat(d), net[d], trades[d]) for d in sorted(net)]

    async def month(self, month: date, strategy: str | None = None) -> MonthGrid:
        """The month containing `month` as a grid of weeks, with weekly and month totals."""
        first, last = month_bounds(month)
        days = await self.calendar_days(first, last, strategy)
        return month_grid(first, days, weekends=not self.calendar.roll_weekends)

    # --- trades -------------------------------------------------------------------------

    async def trades(
        self, where: TradeFilter, limit: int | None = None, offset: int = 0
    ) -> list[Trade]:
        """Closed round trips, newest exit first; `limit`/`offset` page through them."""
        sql, args = self._trade_sql("SELECT * FROM trades", where)
        sql += " ORDER BY exit_time DESC, trade_id DESC"
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            args += (limit, offset)
        return [trade_from_row(r) for r in await self.ledger.fetch(sql, args)]

    async def trade_stats(self, where: TradeFilter) -> TradeStats:
        """Statistics of every trade the filter matches: counts and sums from day rollups
        (a trade counts on its exit day, as the filter does), extremes from two indexed picks."""
        first = None if where.first is None else where.first.isoformat()
        last = None if where.last is None else where.last.isoformat()
        rollups = await self.ledger.rollups(first, last, where.strategy)
        if where.root is not None:
            rollups = [r for r in rollups if r.root == where.root]
        stats = stats_of_rollups(rollups)
        best = await self._extreme(where, "DESC") if stats.wins else None
        worst = await self._extreme(where, "ASC") if stats.losses else None
        return stats.with_extremes(best, worst)

    async def _extreme(self, where: TradeFilter, order: str) -> Decimal:
        sql, args = self._trade_sql("SELECT gross, commission FROM trades", where)
        sql += (
            " ORDER BY CAST(gross AS REAL) - CAST(commission AS REAL) "
            f"{'DESC' if order == 'DESC' else 'ASC'} LIMIT {EXTREME_CANDIDATES}"
        )
        nets = [
            Decimal(r["gross"]) - Decimal(r["commission"])
            for r in await self.ledger.fetch(sql, args)
        ]
        return max(nets) if order == "DESC" else min(nets)

    def _trade_sql(self, select: str, where: TradeFilter) -> tuple[str, tuple[Any, ...]]:
        clauses: list[str] = []
        args: list[Any] = []
        if where.first is not None:
            clauses.append("exit_time >= ?")
            args.append(iso(self.calendar.bounds(where.first)[0]))
        if where.last is not None:
            clauses.append("exit_time < ?")
            args.append(iso(self.calendar.bounds(where.last)[1]))
        if where.strategy is not None:
            clauses.append("strategy = ?")
            args.append(where.strategy)
        if where.root is not None:
            clauses.append("root = ?")
            args.append(where.root)
        if clauses:
            select += " WHERE " + " AND ".join(clauses)
        return select, tuple(args)

    # --- strategies ---------------------------------------------------------------------

    async def strategy_names(self) -> list[str]:
        """Every strategy ever seen: traded, switched, imported, open or disabled in config."""
        rows = await self.ledger.fetch(
            "SELECT DISTINCT strategy FROM day_rollups UNION SELECT strategy FROM"
            " strategy_switches UNION SELECT strategy FROM strategy_imports UNION"
            " SELECT strategy FROM open_positions"
        )
        return sorted({r["strategy"] for r in rows} | set(self.config.strategies.disabled))

    async def strategies(self) -> list[StrategySummary]:
        """One summary per strategy ever seen, from its day rollups (a few rows a day)."""
        names = await self.strategy_names()
        by_strategy: dict[str, list[DayRollup]] = defaultdict(list)
        for r in await self.ledger.rollups():
            by_strategy[r.strategy].append(r)
        switches = await self.ledger.strategy_switches()
        imports = await self.imported_strategies()
        book = await self.book()
        today = self.today()
        return [
            summarize(
                name,
                by_strategy.get(name, []),
                switches.get(name, name not in self.config.strategies.disabled),
                imports.get(name, ()),
                book,
                today,
            )
            for name in names
        ]

    async def imported_strategies(self) -> dict[str, tuple[str, ...]]:
        """Strategies recorded by `tmtui import`, with the formats they came in."""
        rows = await self.ledger.fetch(
            "SELECT strategy, format FROM strategy_imports ORDER BY strategy, format"
        )
        out: dict[str, list[str]] = defaultdict(list)
        for r in rows:
            if r["format"] not in out[r["strategy"]]:
                out[r["strategy"]].append(r["format"])
        return {k: tuple(v) for k, v in out.items()}

    # --- curves -------------------------------------------------------------------------

    async def equity_curve(
        self,
        first: date | None = None,
        last: date | None = None,
        strategy: str | None = None,
        bucket: Bucket = "day",
    ) -> list[CurvePoint[date]]:
        """Cumulative net P&L at each day's (week's, month's) close over a range of trading
        days, from 0 at the range's start, with its drawdown from the running peak."""
        rollups = await self.ledger.rollups(
            None if first is None else first.isoformat(),
            None if last is None else last.isoformat(),
            strategy,
        )
        changes: dict[date, Decimal] = defaultdict(lambda: ZERO)
        for day, net in _daily_nets(rollups):
            changes[bucket_start(day, bucket)] += net
        return equity_curve(sorted(changes.items()))

    async def intraday_curve(
        self, day: date | None = None, points: int = 1000
    ) -> list[CurvePoint[datetime]]:
        """A day's total P&L (realized + open) from its live samples, with its drawdown.

        A long day is thinned to about `points` points in SQL, keeping each slice's lowest
        and highest total, so the extremes stay on the chart exactly.
        """
        rows = await day_samples(self.ledger, (day or self.today()).isoformat(), points)
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


def summarize(
    name: str,
    rollups: list[DayRollup],
    enabled: bool,
    sources: tuple[str, ...],
    book: Book,
    today: date,
) -> StrategySummary:
    """One strategy's standing from its day rollups and its open positions."""
    month = today.replace(day=1).isoformat()
    positions = [p for p in book.open_positions() if p.strategy == name]
    days = sorted({r.day for r in rollups})
    return StrategySummary(
        strategy=name,
        enabled=enabled,
        imported=bool(sources),
        positions=tuple(OpenLeg(p.root, p.side.value, p.qty) for p in positions),
        open_pnl=_sum_or_none(p.open_pnl for p in positions),
        realized_today=sum((r.net for r in rollups if r.day == today.isoformat()), ZERO),
        realized_month=sum((r.net for r in rollups if r.day >= month), ZERO),
        realized_all=sum((r.net for r in rollups), ZERO),
        stats=stats_of_rollups(rollups),
        max_drawdown=max_drawdown(equity_curve(_daily_nets(rollups))),
        first_day=date.fromisoformat(days[0]) if days else None,
        last_day=date.fromisoformat(days[-1]) if days else None,
        sources=sources,
    )


async def day_samples(ledger: Ledger, day: str, points: int) -> list[dict[str, Any]]:
    """A day's account samples (ts, total, peak), thinned in SQL to about `points` rows:
    each slice's lowest and highest total, and the last sample."""
    span = await ledger.fetch(
        "SELECT MIN(ts) AS lo, MAX(ts) AS hi, COUNT(*) AS n FROM account_samples WHERE day = ?",
        (day,),
    )
    if not span or not span[0]["n"]:
        return []
    lo, hi, n = span[0]["lo"], span[0]["hi"], span[0]["n"]
    if n <= points:
        return await ledger.fetch(
            "SELECT ts, total, peak FROM account_samples WHERE day = ? ORDER BY ts", (day,)
        )
    width = max(1, (hi - lo) // max(1, points // 2) + 1)
    picked: dict[int, dict[str, Any]] = {}
    for pick in ("MIN", "MAX"):
        for r in await ledger.fetch(
            f"SELECT ts, total, peak, {pick}(CAST(total AS REAL)) FROM account_samples"
            " WHERE day = ? GROUP BY (ts - ?) / ?",
            (day, lo, width),
        ):
            picked[r["ts"]] = r
    for r in await ledger.fetch(
        "SELECT ts, total, peak FROM account_samples WHERE day = ? ORDER BY ts DESC LIMIT 1",
        (day,),
    ):
        picked[r["ts"]] = r
    return [picked[ts] for ts in sorted(picked)]


def bucket_start(day: date, bucket: Bucket) -> date:
    """The first date of the week (Monday) or month a trading day falls in."""
    if bucket == "week":
        return date.fromordinal(day.toordinal() - day.weekday())
    if bucket == "month":
        return day.replace(day=1)
    return day


def _daily_nets(rollups: Iterable[DayRollup]) -> list[tuple[date, Decimal]]:
    nets: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for r in rollups:
        nets[r.day] += r.net
    return [(date.fromisoformat(d), nets[d]) for d in sorted(nets)]


def _known_sum(values: Iterable[Decimal | None]) -> Decimal:
    """Sum of the known values: an unmarked position adds nothing rather than a guess."""
    return sum((v for v in values if v is not None), ZERO)


def _sum_or_none(values: Iterable[Decimal | None]) -> Decimal | None:
    """Sum, or None if any value is unknown (never show unknown as zero)."""
    total = ZERO
    for v in values:
        if v is None:
            return None
        total += v
    return total
