"""Rebuilding state from the ledger, and the per-day history the read commands show.

`rebuild_book` is how both `tmtui run` and the read commands get positions: replay every
accepted signal, then take marks and trade extremes from the newest P&L samples.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

from tmtui.config import Config
from tmtui.core.account import DayAccount, DayCurve
from tmtui.core.book import Book, replay
from tmtui.core.contracts import ContractBook
from tmtui.core.models import Fill, Trade
from tmtui.core.trading_day import TradingCalendar
from tmtui.core.views import CalendarDay
from tmtui.ledger import Ledger

ZERO = Decimal(0)


def make_book(config: Config) -> Book:
    return Book(ContractBook(config.contracts), config.commission_for)


def make_calendar(config: Config) -> TradingCalendar:
    s = config.session
    return TradingCalendar(s.timezone, s.day_start, s.roll_weekends)


async def rebuild_book(ledger: Ledger, config: Config) -> Book:
    """Replay the recorded signals, then restore marks and MAE/MFE from the last samples."""
    book = make_book(config)
    replay(book, await ledger.accepted_signals())
    samples = await ledger.latest_position_samples()
    for pos in book.open_positions():
        sample = samples.get((pos.strategy, pos.root, pos.trade.trade_id))
        if sample is None:
            continue
        pos.trade.mae = min(pos.trade.mae, sample.mae)
        pos.trade.mfe = max(pos.trade.mfe, sample.mfe)
        when = datetime.fromtimestamp(sample.ts, tz=pos.trade.entry_time.tzinfo)
        pos.mark, pos.mark_time = sample.mark, when
    return book


def daily_totals(
    fills: Iterable[Fill], trades: Iterable[Trade], calendar: TradingCalendar
) -> dict[date, CalendarDay]:
    """Net P&L (realized minus every commission charged) and closed trades per trading day."""
    net: dict[date, Decimal] = defaultdict(lambda: ZERO)
    count: dict[date, int] = defaultdict(int)
    for fill in fills:
        net[calendar.day_of(fill.time)] += fill.realized - fill.commission
    for trade in trades:
        assert trade.exit_time is not None
        count[calendar.day_of(trade.exit_time)] += 1
    return {
        day: CalendarDay(day, net.get(day, ZERO), count.get(day, 0))
        for day in sorted(set(net) | set(count))
    }


def realized_curve(fills: Iterable[Fill], curve: DayCurve | None = None) -> DayCurve:
    """The day's curve as seen at its fills alone: used when no live samples exist."""
    curve = curve or DayCurve()
    running = ZERO
    for fill in fills:
        running += fill.realized - fill.commission
        curve.observe(running, fill.time)
    return curve


async def load_day_account(
    ledger: Ledger,
    calendar: TradingCalendar,
    day: date,
    open_pnl: Decimal = ZERO,
    now: datetime | None = None,
) -> DayAccount:
    """A day's account from fills and trades, its curve from the newest live sample.

    Pass `now` for the current day, so the present total counts toward max/min/drawdown.
    """
    start, end = calendar.bounds(day)
    fills = await ledger.fills(start, end)
    trades = await ledger.trades(start, end)
    account = DayAccount(day, trades_closed=len(trades))
    for fill in fills:
        account.add_fill(fill.realized, fill.commission)
    account.open_pnl = open_pnl
    curve = realized_curve(fills)
    sample = await ledger.last_account_sample(day.isoformat())
    if sample is not None:
        _merge_sample(
            curve,
            sample.max_mtm,
            sample.max_time,
            sample.min_mtm,
            sample.min_time,
            sample.peak,
            sample.max_drawdown,
        )
    account.curve = curve
    if now is not None:
        curve.observe(account.total, now)
    return account


def _merge_sample(
    curve: DayCurve,
    max_mtm: Decimal,
    max_time: datetime | None,
    min_mtm: Decimal,
    min_time: datetime | None,
    peak: Decimal,
    max_drawdown: Decimal,
) -> None:
    if max_mtm > curve.max_mtm:
        curve.max_mtm, curve.max_time = max_mtm, max_time
    if min_mtm < curve.min_mtm:
        curve.min_mtm, curve.min_time = min_mtm, min_time
    curve.peak = max(curve.peak, peak)
    curve.max_drawdown = min(curve.max_drawdown, max_drawdown)
