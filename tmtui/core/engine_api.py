"""The narrow interface the UI reaches the engine through: snapshot, commands, queries.

Screens and widgets never touch the engine's ledger or book: they read a `Snapshot` or a
view, send a command, or ask a query. The engine implements this; a test double can too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol

from tmtui.core.alerts.manual_orders import ManualOrder, ManualPrice
from tmtui.core.book.book import PositionKey
from tmtui.core.book.changes import ChangeLog
from tmtui.core.broker.reconcile_reads import ReconcileReads
from tmtui.core.events import Event
from tmtui.core.history.calendar_grid import MonthGrid
from tmtui.core.history.history_views import Bucket, StrategySummary, TradeFilter
from tmtui.core.history.stats import CurvePoint, TradeStats
from tmtui.core.models import AlertReply, Trade
from tmtui.core.orders.states import Order, OrderState
from tmtui.core.trading_day import TradingCalendar
from tmtui.core.views import AccountView, CalendarDay, PositionView, Snapshot, SymbolMark

DRAIN_TIMEOUT_S = 5.0
"""How long the listener's stop lets requests already accepted finish: each is recorded,
then answered. An alert normally takes milliseconds; this bounds a quit behind a stuck disk
(aiohttp's default of 60 s would hang quitting)."""


class HistoryReads(Protocol):
    """The read side as the history screens see it (`tmtui.readside.queries.Queries`).

    `source` picks a book: `live` (the trading account's) or `backtest` (the strategies'
    imported TradingView backtests); None, where allowed, is both.
    """

    calendar: TradingCalendar

    def today(self) -> date: ...
    def root_of(self, symbol: str) -> str: ...
    def tick_size(self, root: str) -> Decimal | None: ...
    async def month(
        self, month: date, strategy: str | None = None, source: str = "live"
    ) -> MonthGrid: ...
    async def trades(
        self, where: TradeFilter, limit: int | None = None, offset: int = 0
    ) -> list[Trade]: ...
    async def trade_stats(self, where: TradeFilter) -> TradeStats: ...
    async def strategies(self, source: str | None = None) -> list[StrategySummary]: ...
    async def strategy_names(self) -> list[str]: ...
    async def equity_curve(
        self,
        first: date | None = None,
        last: date | None = None,
        strategy: str | None = None,
        bucket: Bucket = "day",
        source: str = "live",
    ) -> list[CurvePoint[date]]: ...
    async def intraday_curve(
        self, day: date | None = None, points: int = 1000
    ) -> list[CurvePoint[datetime]]: ...
    async def day_report(
        self, day: date | None = None, strategy: str | None = None, source: str = "live"
    ) -> AccountView: ...
    async def calendar_days(
        self, first: date, last: date, strategy: str | None = None, source: str = "live"
    ) -> list[CalendarDay]: ...


class ListenerRecord(Protocol):
    """Where a running instance writes its listener's URL (the instance lock)."""

    def record_listener(self, url: str) -> None: ...


class EngineApi(Protocol):
    """What a view of tmtui may ask of the engine."""

    clock: Callable[[], datetime]
    changes: ChangeLog
    """Which positions moved since a version: the quote → screen path watches it."""

    # --- snapshot and views
    def snapshot(self) -> Snapshot: ...
    def account_view(self) -> AccountView: ...
    def positions(self) -> list[PositionView]: ...
    def position_view(self, key: PositionKey) -> PositionView | None: ...
    def strategy_enabled(self, strategy: str) -> bool: ...

    # --- commands (manual ones at the price the trader confirmed, with its source)
    async def close_position(
        self, key: PositionKey, *, price: ManualPrice, reason: str = "manual close"
    ) -> AlertReply: ...
    async def flatten(
        self, prices: Mapping[PositionKey, ManualPrice], strategy: str | None = None
    ) -> tuple[list[AlertReply], list[str]]: ...
    async def place_order(self, order: ManualOrder) -> AlertReply: ...
    async def set_strategy_enabled(self, strategy: str, enabled: bool) -> None: ...

    # --- queries
    async def recent_events(self, limit: int) -> list[Event]: ...
    def symbol_mark(self, ticker: str, sign: int) -> SymbolMark: ...
    def pnl_at(self, key: PositionKey, price: Decimal) -> Decimal | None: ...
    def order_refusal(self, strategy: str, ticker: str, change: int) -> str | None: ...
    def alerts_in_flight(self) -> int: ...
    def queries(self) -> HistoryReads: ...
    def reconcile_reads(self) -> ReconcileReads: ...
    async def send_test_alert(self, url: str, secret: str | None) -> tuple[int, Any]:
        """POST the set-up screen's test alert as TradingView would: (status, reply body)."""
        ...

    # --- orders to bridges (routes)
    def destination(self, strategy: str) -> str:
        """`→ TradersPost (tp)` or `books only (paper)`: where a strategy's orders go."""
        ...

    def routed(self, strategy: str) -> bool: ...
    def bridge_held(self, key: PositionKey) -> int | None: ...
    def orders_needing_trader(self) -> list[Order]: ...
    async def orders(
        self, day: date | None = None, state: OrderState | None = None
    ) -> list[Order]: ...
    async def resend_order(self, order_id: int) -> Order: ...
    async def dismiss_order(self, order_id: int) -> Order: ...

    # --- reporting from the view
    def emit(self, event: Event, persist: bool = True) -> None: ...
    def report_error(self, what: str, exc: BaseException | None) -> None: ...
