"""The engine as its views see it: positions, snapshots, queries and the trader's commands.

`core.engine_api.EngineApi` is this surface. It reads the trading state and hands commands
to the intake; the engine (its subclass) owns the pieces and their lifecycle. Keeping the
two apart keeps the wiring short enough to read at once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from tmtui.core.alerts.alert_setup import TEST_STRATEGY, TEST_TICKER
from tmtui.core.alerts.manual_orders import ManualOrder, ManualPrice
from tmtui.core.alerts.order_checks import order_refusal
from tmtui.core.alerts.strategy_switch import switch_message
from tmtui.core.book.account import DayAccount
from tmtui.core.book.book import Book, PositionKey
from tmtui.core.book.changes import ChangeLog
from tmtui.core.book.series import PnlSeries
from tmtui.core.book.trading_state import TradingState
from tmtui.core.events import Event, EventKind
from tmtui.core.models import AlertReply, IncomingAlert
from tmtui.core.views import AccountView, PositionView, Snapshot, SymbolMark
from tmtui.core.views import account_view as account_figures
from tmtui.ledger.store import Ledger
from tmtui.readside.queries import Queries
from tmtui.readside.reconcile_reads import ReconcileQueries
from tmtui.services.risk_guard import RiskGuard
from tmtui.services.signal_client import build_alert_payload, post_signal
from tmtui.services.signal_intake import SignalIntake
from tmtui.settings.config import Config

if TYPE_CHECKING:
    from tmtui.runtime.engine import Listener


class EngineViews:
    """Views and commands over the state the engine owns (see `Engine`)."""

    config: Config
    ledger: Ledger
    state: TradingState
    series: PnlSeries
    changes: ChangeLog
    guard: RiskGuard
    intake: SignalIntake
    listener: Listener | None
    clock: Callable[[], datetime]
    flatten_accounts: Callable[[], None]  # EngineOrders': `F` at the Tradovate accounts

    def say(self, kind: EventKind, message: str) -> None:
        raise NotImplementedError  # the engine's

    @property
    def book(self) -> Book:
        return self.state.book

    @property
    def account(self) -> DayAccount:
        return self.state.account

    async def submit_alert(self, alert: IncomingAlert) -> AlertReply:
        return await self.intake.submit_alert(alert)

    async def alert_refused(self, *, peer: str, status: int, reason: str, raw: str | None) -> None:
        await self.intake.alert_refused(peer=peer, status=status, reason=reason, raw=raw)

    async def close_position(
        self, key: PositionKey, *, price: ManualPrice, reason: str = "manual close"
    ) -> AlertReply:
        return await self.intake.close_position(key, price, reason)

    async def flatten(
        self, prices: Mapping[PositionKey, ManualPrice], strategy: str | None = None
    ) -> tuple[list[AlertReply], list[str]]:
        done = await self.intake.flatten(prices, strategy)
        if strategy is None:
            self.flatten_accounts()
        return done

    async def place_order(self, order: ManualOrder) -> AlertReply:
        return await self.intake.place_order(order)

    def strategy_enabled(self, strategy: str) -> bool:
        return self.state.strategy_enabled(strategy)

    async def set_strategy_enabled(self, strategy: str, enabled: bool) -> None:
        self.state.switches[strategy] = enabled
        await self.ledger.set_strategy_enabled(strategy, enabled, self.clock())
        self.say(EventKind.STRATEGY, switch_message(strategy, enabled))

    def health(self) -> dict[str, Any]:
        """For `/health`: a `problem` makes it answer 503 (alerts cannot be recorded)."""
        feed, ledger = self.state.feed_status, self.ledger.status()
        body: dict[str, Any] = {
            "feed": {"state": feed.state.value, "delay_minutes": feed.delay_minutes},
            "ledger": ledger.as_json(self.ledger.path),
        }
        if not ledger.ok:
            body["problem"] = ledger.message
        return body

    def position_view(self, key: PositionKey) -> PositionView | None:
        return self.state.position_view(key, self.clock())

    def positions(self) -> list[PositionView]:
        return self.state.positions(self.clock())

    def snapshot(self) -> Snapshot:
        now = self.clock()
        snap = self.state.snapshot(
            now,
            self.series,
            listener_url=self.listener.url if self.listener else None,
            last_alert=self.intake.last_alert,
            ledger_path=str(self.ledger.path),
            secret_set=bool(self.config.listener.secret),
            version=self.changes.version,
        )
        status = self.ledger.status()
        problem = None if status.ok or status.closed else status.message
        return replace(snap, risk=self.guard.view(now), ledger=problem)

    def account_view(self) -> AccountView:
        """Today's figures alone (cheaper than a snapshot, for the quote → screen path)."""
        unmarked = sum(1 for p in self.book.open_positions() if p.mark is None)
        return account_figures(self.state.account, unmarked)

    async def recent_events(self, limit: int) -> list[Event]:
        """The ledger's latest log lines, oldest first (the log at start)."""
        return await self.ledger.events(limit)

    def queries(self) -> Queries:
        """The read side of this ledger, with the live book for open positions and marks
        (the history screens' figures: the same answers as the read commands)."""
        return Queries(self.ledger, self.config, live_book=lambda: self.book, clock=self.clock)

    def reconcile_reads(self) -> ReconcileQueries:
        """The signals beside the broker's fills (the Reconcile screen)."""
        return ReconcileQueries(self.ledger, self.config, clock=self.clock)

    async def send_test_alert(self, url: str, secret: str | None) -> tuple[int, Any]:
        """The set-up screen's test alert: a `close` under the test strategy, POSTed to the
        listener as TradingView would send it (recorded as ignored, nothing traded)."""
        payload = build_alert_payload(
            "close",
            TEST_TICKER,
            strategy=TEST_STRATEGY,
            alert_id=f"tmtui-test-{datetime.now(UTC):%Y%m%dT%H%M%S.%f}",
            secret=secret,
        )
        return await post_signal(url, payload)

    def symbol_mark(self, ticker: str, sign: int) -> SymbolMark:
        """The mark an order in `ticker` would be prefilled with; raises UnknownContract."""
        return self.state.symbol_mark(ticker, sign, self.clock())

    def order_refusal(self, strategy: str, ticker: str, change: int) -> str | None:
        """Why the risk guard would refuse a manual order now (a lockout), None if it passes;
        raises UnknownContract. The form says it before the trader presses Enter."""
        root = self.book.contracts.resolve(ticker).root
        current = self.book.positions.get((strategy, root))
        before = current.signed_qty if current else 0
        return order_refusal(self.guard.entry(strategy, root, before, before + change))

    def pnl_at(self, key: PositionKey, price: Decimal) -> Decimal | None:
        return self.state.pnl_at(key, price)

    def alerts_in_flight(self) -> int:
        """Alert requests the listener is handling now (answered before it stops)."""
        return int(getattr(self.listener, "in_flight", 0))

    def last_price(self, ticker: str) -> Decimal | None:
        """The last price quoted for a ticker, None if never quoted (raises for unknown)."""
        return self.state.last_price(ticker)
