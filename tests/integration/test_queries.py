"""The read side: day buckets around the session roll, filters, summaries and curves."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal as D
from pathlib import Path

import pytest
from helpers import alert, make_config
from ledger_support import add_account_sample

from tmtui.core.history.calendar_grid import month_bounds
from tmtui.core.history.history_views import TradeFilter
from tmtui.core.history.stats import stats_of
from tmtui.ledger.store import Ledger
from tmtui.readside.queries import Queries
from tmtui.runtime.engine import Engine
from tmtui.settings.config import Config

pytestmark = pytest.mark.timeout(60)

Step = tuple[datetime, str, str, int | None, str, str]


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


ENGINES: list[Engine] = []


@pytest.fixture(autouse=True)
async def _stop_engines() -> AsyncIterator[None]:
    """Stop every engine a test started, even when an assertion failed half-way."""
    yield
    while ENGINES:
        await ENGINES.pop().stop()


async def engine_with(config: Config, steps: list[Step], now: datetime | None = None) -> Engine:
    engine = Engine(
        config,
        await Ledger.open(config.ledger.resolved_path()),
        clock=lambda: now or datetime.now(UTC),
    )
    ENGINES.append(engine)
    await engine.start()
    for i, (when, action, ticker, qty, price, strategy) in enumerate(steps):
        await engine.submit_alert(
            alert(action, ticker, qty, price, strategy=strategy, alert_id=f"a{i}", received=when)
        )
    return engine


def round_trip(when: datetime, price: str, exit_price: str, strategy: str = "A") -> list[Step]:
    """Long 1 NQ at `when`, closed 30 s later: both on `when`'s trading day."""
    return [
        (when, "buy", "NQ1!", 1, price, strategy),
        (when + timedelta(seconds=30), "close", "NQ1!", None, exit_price, strategy),
    ]


@pytest.mark.parametrize(
    ("closed_at", "day"),
    [
        # Friday before the spring change: 16:59 CST is Friday, 17:00 CST (23:00 UTC) rolls.
        ("2026-03-06 22:59", date(2026, 3, 6)),
        ("2026-03-06 23:00", date(2026, 3, 9)),  # Friday evening -> Monday
        ("2026-03-07 15:00", date(2026, 3, 9)),  # Saturday -> Monday
        ("2026-03-08 22:30", date(2026, 3, 9)),  # Sunday 17:30 CDT -> Monday
        # Monday after it: the roll is 17:00 CDT = 22:00 UTC.
        ("2026-03-09 21:59", date(2026, 3, 9)),
        ("2026-03-09 22:00", date(2026, 3, 10)),
        # Autumn: Friday 30 Oct 17:00 CDT = 22:00 UTC; Monday 2 Nov 17:00 CST = 23:00 UTC.
        ("2026-10-30 21:59", date(2026, 10, 30)),
        ("2026-10-30 22:00", date(2026, 11, 2)),
        ("2026-11-02 22:30", date(2026, 11, 2)),
        ("2026-11-02 23:00", date(2026, 11, 3)),
    ],
)
async def test_calendar_buckets_around_the_chicago_roll(
    tmp_path: Path, closed_at: str, day: date
) -> None:
    config = make_config(tmp_path)
    when = utc(closed_at)
    engine = await engine_with(config, round_trip(when, "25600", "25610"))
    q = Queries(engine.ledger, config)
    first, last = month_bounds(day - timedelta(days=7))[0], month_bounds(day)[1]
    days = await q.calendar_days(first, last)
    assert [(d.day, d.net_pnl, d.trades) for d in days] == [(day, D(200), 1)]
    grid = await q.month(day)
    cell = grid.cell(day)
    assert cell is not None and cell.active and cell.net_pnl == D(200) and cell.trades == 1
    assert grid.net_pnl == D(200)
    trades = await q.trades(TradeFilter(day, day))
    assert len(trades) == 1
    assert await q.trades(TradeFilter(day + timedelta(days=1), None)) == []


async def test_weekend_sessions_stand_alone_without_roll_weekends(tmp_path: Path) -> None:
    config = make_config(tmp_path, session={"roll_weekends": False})
    engine = await engine_with(config, round_trip(utc("2026-03-06 23:30"), "25600", "25590"))
    q = Queries(engine.ledger, config)
    days = await q.calendar_days(date(2026, 3, 1), date(2026, 3, 31))
    assert [(d.day, d.net_pnl) for d in days] == [(date(2026, 3, 7), D(-200))]  # Saturday
    grid = await q.month(date(2026, 3, 7))
    assert len(grid.weekdays) == 7 and grid.net_pnl == D(-200)


def month_of_trading(config: Config) -> list[Step]:
    """Two strategies over March 2026; B is still long at the end."""
    steps: list[Step] = []
    results = [("A", "25610"), ("A", "25590"), ("B", "25650"), ("A", "25600"), ("B", "25580")]
    for i, (strategy, exit_price) in enumerate(results):
        when = utc("2026-03-02 15:00") + timedelta(days=i)
        steps += round_trip(when, "25600", exit_price, strategy)
    steps.append((utc("2026-03-09 15:00"), "buy", "ES1!", 2, "6800", "B"))
    return steps


async def test_trades_filters_and_statistics(tmp_path: Path) -> None:
    config = replace(make_config(tmp_path), commissions={"default": D("1.25")})
    engine = await engine_with(config, month_of_trading(config))
    q = Queries(engine.ledger, config)
    every = await q.trades(TradeFilter())
    assert [t.exit_time for t in every] == sorted((t.exit_time for t in every), reverse=True)
    nets = [t.net for t in every]
    assert sorted(nets) == sorted([D("197.5"), D("-202.5"), D("997.5"), D("-2.5"), D("-402.5")])
    stats = await q.trade_stats(TradeFilter())
    assert stats == stats_of(nets)
    assert (stats.largest_win, stats.largest_loss) == (D("997.5"), D("-402.5"))
    b = await q.trade_stats(TradeFilter(strategy="B"))
    assert (b.trades, b.wins, b.losses, b.net) == (2, 1, 1, D(595))
    assert [t.strategy for t in await q.trades(TradeFilter(strategy="B"))] == ["B", "B"]
    tuesday = date(2026, 3, 3)
    one = await q.trades(TradeFilter(tuesday, tuesday, root=q.root_of("CME_MINI:NQ1!")))
    assert [t.net for t in one] == [D("-202.5")]
    assert await q.trades(TradeFilter(root=q.root_of("ES1!"))) == []
    page = await q.trades(TradeFilter(), limit=2, offset=1)
    assert page == every[1:3]


async def test_strategies_summary(tmp_path: Path) -> None:
    config = replace(make_config(tmp_path), commissions={"default": D("1.25")})
    now = utc("2026-03-09 16:00")
    engine = await engine_with(config, month_of_trading(config), now=now)
    await engine.set_strategy_enabled("A", False)
    q = Queries(engine.ledger, config, clock=lambda: now)
    rows = {s.strategy: s for s in await q.strategies()}
    assert set(rows) == {"A", "B"}
    a, b = rows["A"], rows["B"]
    assert not a.enabled and b.enabled and not a.imported
    assert a.positions == () and a.open_pnl == 0
    assert [(p.symbol, p.side, p.qty) for p in b.positions] == [("ES", "long", 2)]
    assert b.open_pnl is None  # never marked: unknown, not zero
    assert a.realized_all == D("197.5") - D("202.5") - D("2.5")
    assert (a.stats.trades, a.stats.wins) == (3, 1)
    # A's days: +197.5, -202.5, -2.5 -> equity 197.5, -5, -7.5; deepest fall from 197.5
    assert a.max_drawdown == D("-205")
    # B: +997.5 on 4 Mar, -402.5 on 6 Mar, and the ES entry's commission (2.50) on 9 Mar
    assert b.realized_all == D("997.5") - D("402.5") - D("2.5")
    assert b.realized_today == D("-2.5") and b.realized_month == b.realized_all
    # close-to-close per trade, as TradingView counts it: the open ES entry is no close
    assert b.max_drawdown == D("-402.5")
    assert b.stats.profit_factor == D("997.5") / D("402.5")


async def test_reports_and_curves(tmp_path: Path) -> None:
    config = replace(make_config(tmp_path), commissions={"default": D("1.25")})
    now = utc("2026-03-09 16:00")
    engine = await engine_with(config, month_of_trading(config), now=now)
    q = Queries(engine.ledger, config, clock=lambda: now)
    day = await q.day_report(date(2026, 3, 4))
    assert (day.realized, day.trades, day.open) == (D("997.5"), 1, 0)
    assert day.max_mtm == D("997.5")
    only_a = await q.day_report(date(2026, 3, 4), strategy="A")
    assert (only_a.realized, only_a.trades) == (0, 0)
    period = await q.period_report(date(2026, 3, 2), date(2026, 3, 6))
    assert period.realized == D("197.5") - D("202.5") + D("997.5") - D("2.5") - D("402.5")
    assert period.trades == 5 and period.open == 0
    # closes: 197.5, -5, 992.5, 990, 587.5
    assert (period.max_mtm, period.min_mtm, period.max_drawdown) == (
        D("992.5"),
        D(-5),
        D("-405"),
    )
    curve = await q.equity_curve()
    assert [p.equity for p in curve][-1] == sum(
        (d.net_pnl for d in await q.calendar_days(date(2026, 3, 1), date(2026, 3, 31))), D(0)
    )
    weekly = await q.equity_curve(bucket="week")
    assert [p.at for p in weekly] == [date(2026, 3, 2), date(2026, 3, 9)]
    assert weekly[-1].equity == curve[-1].equity
    monthly = await q.equity_curve(bucket="month")
    assert len(monthly) == 1 and monthly[0].equity == curve[-1].equity


async def test_intraday_curve_thins_but_keeps_extremes(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    ledger = await Ledger.open(config.ledger.resolved_path())
    from tmtui.core.history.samples import AccountSample

    start = int(utc("2026-03-09 14:00").timestamp())
    totals = [D(i % 50) - 25 for i in range(3000)]
    totals[1234] = D("777.77")
    totals[2345] = D("-888.88")
    peak = D(0)
    for i, total in enumerate(totals):
        peak = max(peak, total)
        await add_account_sample(
            ledger,
            AccountSample(
                start + i, "2026-03-09", total, D(0), total, peak, peak, D(0), D(0), None, None
            ),
        )
    q = Queries(ledger, config)
    full = await q.intraday_curve(date(2026, 3, 9), points=5000)
    assert len(full) == 3000
    thin = await q.intraday_curve(date(2026, 3, 9), points=200)
    assert 50 < len(thin) <= 400
    equities = [p.equity for p in thin]
    assert D("777.77") in equities and D("-888.88") in equities
    assert thin[-1].equity == totals[-1]
    assert await q.intraday_curve(date(2026, 3, 10)) == []
    await ledger.close()


async def test_strategy_names_ignore_case_as_every_list_does(tmp_path: Path) -> None:
    """`strategy_names` (the `E` picker, `3`, the chart's strategy key) in `row_order`."""
    config = make_config(tmp_path)
    when = utc("2026-03-09 15:00")
    steps = [
        s for name in ("orb", "beta", "ORB", "Alpha") for s in round_trip(when, "1", "2", name)
    ]
    engine = await engine_with(config, [(w, a, t, q, "25600", s) for w, a, t, q, _, s in steps])
    q = Queries(engine.ledger, config)
    expected = ["Alpha", "beta", "ORB", "orb"]
    assert await q.strategy_names() == expected
    assert [s.strategy for s in await q.strategies()] == expected
