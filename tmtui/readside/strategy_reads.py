"""The read side's strategies: every strategy ever seen, its switch, money and statistics.

A row per strategy and book (live, backtest), statistics counted per TradingView trade
(each entry lot), and a strategy's backtest beside its live trading over the days they
overlap. A mixin of `Queries`, which owns the ledger, the config and the live book.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace
from datetime import date
from decimal import Decimal

from tmtui.core.backtest.lot_trades import LotTrade
from tmtui.core.backtest.side_by_side import side_by_side, strategy_trades, summary_of
from tmtui.core.book.book import Book
from tmtui.core.book.rollups import DayRollup
from tmtui.core.contracts import ContractBook
from tmtui.core.formatting import name_order
from tmtui.core.history.history_views import (
    OpenLeg,
    StrategySummary,
)
from tmtui.core.history.stats import (
    equity_curve,
    max_drawdown,
    stats_of_rollups,
)
from tmtui.core.trading_day import TradingCalendar
from tmtui.core.views import PositionView
from tmtui.ledger import history
from tmtui.ledger.rows import BACKTEST, LIVE
from tmtui.ledger.store import Ledger
from tmtui.settings.config import Config

ZERO = Decimal(0)


class StrategyReads:
    """`Queries`' strategy questions (it provides the ledger, config and books)."""

    ledger: Ledger
    config: Config
    contracts: ContractBook
    calendar: TradingCalendar

    def today(self) -> date:
        raise NotImplementedError

    async def book(self) -> Book:
        raise NotImplementedError

    async def backtest_positions(self, strategy: str | None = None) -> list[PositionView]:
        raise NotImplementedError

    async def strategy_names(self) -> list[str]:
        """Every strategy ever seen: traded, switched, imported, open or disabled in config."""
        names = await history.strategy_names(self.ledger)
        return sorted(names | set(self.config.strategies.disabled), key=name_order)

    async def strategies(self, source: str | None = None) -> list[StrategySummary]:
        """One summary per strategy and book ever seen (`source`: one book's rows only).

        Realized money from the day rollups; the statistics per TradingView trade (each
        entry lot, `lot_trades`), as the Strategy Tester counts them, for both books; a live
        row of a strategy with a backtest too carries both over the days they overlap."""
        names = await self.strategy_names()
        tested = await history.strategies_of(self.ledger, BACKTEST)
        live = await history.strategies_of(self.ledger, LIVE)
        switches = await self.ledger.strategy_switches()
        imports = await self.imported_strategies()
        book = await self.book()
        tested_positions = await self.backtest_positions()
        out: list[StrategySummary] = []
        for name in names:
            books = [b for b, has in ((LIVE, name in live), (BACKTEST, name in tested)) if has]
            books = books or [LIVE]  # switched or configured, never traded
            trades = {b: await self._tv_trades(name, b) for b in books}
            for b in books:
                if source not in (None, b):
                    continue
                rollups = await self.ledger.rollups(strategy=name, source=b)
                if b == LIVE:
                    legs = [p for p in book.open_positions() if p.strategy == name]
                    positions = tuple(OpenLeg(p.root, p.side.value, p.qty) for p in legs)
                    open_pnl = _sum_or_none(p.open_pnl for p in legs)
                else:
                    views = [v for v in tested_positions if v.strategy == name]
                    positions = tuple(OpenLeg(v.symbol, v.side, v.qty) for v in views)
                    open_pnl = _sum_or_none(v.open_pnl for v in views)
                enabled = switches.get(name, name not in self.config.strategies.disabled)
                summary = summarize(name, rollups, enabled, imports.get(name, ()), self.today())
                tv = summary_of(trades[b])
                compare = None
                if b == LIVE and BACKTEST in trades:
                    compare = side_by_side(trades[LIVE], trades[BACKTEST], self.calendar.day_of)
                out.append(
                    replace(
                        summary,
                        positions=positions,
                        open_pnl=open_pnl,
                        stats=tv.trades,
                        max_drawdown=tv.max_drawdown,
                        source=b,
                        backtest=compare,
                    )
                )
        return out

    async def _tv_trades(self, strategy: str, source: str) -> list[LotTrade]:
        fills = await history.strategy_fills(self.ledger, strategy, source)
        return strategy_trades(fills, self._point_value)

    def _point_value(self, root: str) -> Decimal:
        return self.contracts[root].point_value

    async def imported_strategies(self) -> dict[str, tuple[str, ...]]:
        """Strategies recorded by `tmtui import`, with the formats they came in."""
        out: dict[str, list[str]] = defaultdict(list)
        for strategy, fmt in await history.import_formats(self.ledger):
            if fmt not in out[strategy]:
                out[strategy].append(fmt)
        return {k: tuple(v) for k, v in out.items()}


def summarize(
    name: str,
    rollups: list[DayRollup],
    enabled: bool,
    sources: tuple[str, ...],
    today: date,
) -> StrategySummary:
    """One strategy's realized standing in one book from its day rollups (no positions)."""
    month = today.replace(day=1).isoformat()
    days = sorted({r.day for r in rollups})
    return StrategySummary(
        strategy=name,
        enabled=enabled,
        imported=bool(sources),
        positions=(),
        open_pnl=None,
        realized_today=sum((r.net for r in rollups if r.day == today.isoformat()), ZERO),
        realized_month=sum((r.net for r in rollups if r.day >= month), ZERO),
        realized_all=sum((r.net for r in rollups), ZERO),
        stats=stats_of_rollups(rollups),
        max_drawdown=max_drawdown(equity_curve(daily_nets(rollups))),
        first_day=date.fromisoformat(days[0]) if days else None,
        last_day=date.fromisoformat(days[-1]) if days else None,
        sources=sources,
    )


def _sum_or_none(values: Iterable[Decimal | None]) -> Decimal | None:
    """Sum, or None if any value is unknown (never show unknown as zero)."""
    total = ZERO
    for v in values:
        if v is None:
            return None
        total += v
    return total


def daily_nets(rollups: Iterable[DayRollup]) -> list[tuple[date, Decimal]]:
    nets: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for r in rollups:
        nets[r.day] += r.net
    return [(date.fromisoformat(d), nets[d]) for d in sorted(nets)]
