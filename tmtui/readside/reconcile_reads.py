"""`tmtui reconcile` and the Reconcile screen: the ledger's two sides read for a period.

The signals side is the books' fills of the period's accepted signals (indexed by time), the
broker side the recorded broker fills; the routes' orders outbox says which signals were
sent where when the ledger has one. The matching and the figures are the pure core's
(`core.broker.period`); this module only reads (SQL in `ledger.broker_fills`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal

from tmtui.core.broker.period import LedgerSide, Period, reconcile_period
from tmtui.core.broker.reconcile import MatchWindow
from tmtui.core.broker.reconciliation import Reconciliation
from tmtui.core.broker.signal_routes import OrderRow, books_changes
from tmtui.core.contracts import ContractBook
from tmtui.core.trading_day import TradingCalendar
from tmtui.ledger.broker_fills import (
    books_fills_between,
    books_nets,
    broker_accounts,
    broker_fills_between,
    broker_nets,
    has_broker_fills,
    order_routes,
    orders_of_signals,
)
from tmtui.ledger.store import Ledger
from tmtui.services.book_restore import make_calendar
from tmtui.settings.config import Config


def utcnow() -> datetime:
    return datetime.now(UTC)


class ReconcileQueries:
    """Reconciliation reads over one ledger (implements `core.broker.ReconcileReads`)."""

    def __init__(
        self,
        ledger: Ledger,
        config: Config,
        *,
        clock: Callable[[], datetime] = utcnow,
        window: MatchWindow | None = None,
    ) -> None:
        self.ledger = ledger
        self.calendar: TradingCalendar = make_calendar(config)
        self.contracts = ContractBook(config.contracts)
        self.clock = clock
        self.window = window or MatchWindow()

    def today(self) -> date:
        return self.calendar.day_of(self.clock())

    def tick_size(self, root: str) -> Decimal | None:
        spec = self.contracts.specs.get(root.upper())
        return None if spec is None else spec.tick_size

    async def broker_fills_recorded(self) -> bool:
        """Has any broker fill been recorded (else every routed signal would read missed)?"""
        return await has_broker_fills(self.ledger)

    def period(self, first: date | None, last: date | None, strategy: str | None) -> Period:
        """Trading days first..last (inclusive; either end open) as moments."""
        start = None if first is None else self.calendar.bounds(first)[0]
        end = None if last is None else self.calendar.bounds(last)[1]
        return Period(start, end, strategy)

    async def reconcile(
        self, first: date | None, last: date | None, strategy: str | None = None
    ) -> Reconciliation:
        """Trading days first..last: each routed signal with its fills, the extras, the
        positions at the period's end, each strategy's totals."""
        period = self.period(first, last, strategy)
        side = await self.ledger_side(period)
        return reconcile_period(side, period, self.contracts.specs, self.window)

    async def ledger_side(self, period: Period) -> LedgerSide:
        lo, hi = period.span(self.window)
        changes = books_changes(await books_fills_between(self.ledger, lo, hi))
        orders: dict[int, list[OrderRow]] = defaultdict(list)
        for r in await orders_of_signals(self.ledger, [c.signal_id for c in changes]):
            orders[int(r["signal_id"])].append(_order(r))
        return LedgerSide(
            changes=changes,
            fills=await broker_fills_between(self.ledger, lo, hi),
            orders=orders,
            order_routes=await order_routes(self.ledger),
            accounts_by_root=await broker_accounts(self.ledger),
            books_nets=await books_nets(self.ledger, period.end),
            broker_nets=await broker_nets(self.ledger, period.end),
        )


def _order(r: dict[str, object]) -> OrderRow:
    bridge_id = r.get("bridge_id")
    return OrderRow(
        signal_id=int(str(r["signal_id"])),
        route=str(r["route"]),
        kind=str(r["kind"]),
        action=str(r["action"]),
        qty=int(str(r["qty"])),
        effect=str(r["effect"] or ""),
        held_before=int(str(r["held_before"] or 0)),
        state=str(r["state"]),
        bridge_id=None if bridge_id is None else str(bridge_id),
    )
