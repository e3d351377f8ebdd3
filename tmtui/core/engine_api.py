"""The narrow interface the UI reaches the engine through: snapshot, commands, queries.

Screens and widgets never touch the engine's ledger or book: they read a `Snapshot` or a
view, send a command, or ask a query. The engine implements this; a test double can too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from tmtui.core.book import PositionKey
from tmtui.core.changes import ChangeLog
from tmtui.core.events import Event
from tmtui.core.manual_orders import ManualOrder, ManualPrice
from tmtui.core.models import AlertReply
from tmtui.core.views import AccountView, PositionView, Snapshot, SymbolMark


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
    def alerts_in_flight(self) -> int: ...

    # --- reporting from the view
    def emit(self, event: Event, persist: bool = True) -> None: ...
    def report_error(self, what: str, exc: BaseException | None) -> None: ...
