"""The reconciliation as the Reconcile screen asks for it (`tmtui.readside.reconcile_reads`).

Kept apart from `core.engine_api.HistoryReads`: the screen reaches the ledger only through
the engine's API, and the broker's side is a read of its own.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Protocol

from tmtui.core.broker.reconciliation import Reconciliation
from tmtui.core.trading_day import TradingCalendar


class ReconcileReads(Protocol):
    calendar: TradingCalendar

    def today(self) -> date: ...
    def tick_size(self, root: str) -> Decimal | None: ...
    async def broker_fills_recorded(self) -> bool: ...
    async def reconcile(
        self, first: date | None, last: date | None, strategy: str | None = None
    ) -> Reconciliation: ...
