"""The trading screen: totals, positions, P&L sparklines, the AutoTrader log and status.

It redraws from one `engine.snapshot()` every `[ui] refresh` seconds and after every
event; the timer callback only asks for a redraw, and a failing redraw is reported, never
allowed to end the app (an exception in a Textual timer would).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable, Footer

from tmtui.config import Config
from tmtui.core.engine_api import EngineApi
from tmtui.core.events import Event, EventKind
from tmtui.core.trading_day import TradingCalendar
from tmtui.core.views import Snapshot
from tmtui.screens.strategies import StrategiesScreen
from tmtui.screens.trading_actions import TradingActions
from tmtui.widgets.event_log import EventLog
from tmtui.widgets.pnl_charts import PnlCharts
from tmtui.widgets.positions_table import PositionKey, PositionsTable
from tmtui.widgets.risk_panel import RiskPanel
from tmtui.widgets.secret_banner import SecretBanner
from tmtui.widgets.status_line import StatusLine
from tmtui.widgets.totals_bar import TotalsBar

log = logging.getLogger("tmtui.ui")

ActionRunner = Callable[[Coroutine[Any, Any, Any], str], None]


@dataclass
class EventLogged(Message):
    """The engine reported an event; never collapsed, since each one is a log line."""

    event: Event


class DashboardScreen(TradingActions):
    """The one main screen; trading keys live here so they are inert under a modal."""

    AUTO_FOCUS = "#positions"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "close_position", "Close", id="close_position"),
        Binding("F", "flatten_all", "Flatten all", id="flatten_all"),
        Binding("S", "flatten_strategy", "Flatten strategy", id="flatten_strategy"),
        Binding("e", "toggle_strategy", "Strategy on/off", id="toggle_strategy"),
        Binding("E", "pick_strategy", "Strategies", id="strategies"),
        Binding("b", "buy", "Buy", id="buy"),
        Binding("s", "sell", "Sell", id="sell"),
        Binding("j,down", "cursor_down", "Cursor down", show=False, id="cursor_down"),
        Binding("k,up", "cursor_up", "Cursor up", show=False, id="cursor_up"),
    ]

    def __init__(self, config: Config, run_action: ActionRunner, *, demo: bool = False) -> None:
        super().__init__()
        self.config = config
        self.demo = demo
        self.engine: EngineApi | None = None
        self.snapshot: Snapshot | None = None
        self._run_action = run_action
        self._refresh_pending = False
        self._last_refresh_error = ""
        self._early_notes: list[str] | None = []

    def compose(self) -> ComposeResult:
        ui, session = self.config.ui, self.config.session
        if not self.config.listener.secret:
            yield SecretBanner(id="no-secret")
        yield TotalsBar(id="totals")
        yield RiskPanel(
            TradingCalendar(session.timezone, session.day_start, session.roll_weekends), id="risk"
        )
        yield PositionsTable(id="positions")
        yield PnlCharts(id="charts")
        yield EventLog(session.timezone, ui.max_log_lines, id="log")
        yield StatusLine(session.timezone, self.config.listener.path, demo=self.demo, id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(PositionsTable).border_title = "Positions"
        self.set_interval(self.config.ui.refresh, self.refresh_view)
        notes, self._early_notes = self._early_notes or [], None
        for message in notes:
            self.note(message)

    # --- wiring from the app ------------------------------------------------------------

    def attach(self, engine: EngineApi) -> None:
        """Show this engine from now on (the app builds it after the screen exists)."""
        self.engine = engine

    def detach(self) -> None:
        """Stop drawing the engine (it is being stopped; its listener URL is gone)."""
        self.engine = None

    def show_history(self, events: Iterable[Event]) -> None:
        self.query_one(EventLog).add_history(events, datetime.now(UTC))

    def note(self, message: str) -> None:
        """A log line from the UI itself, for when there is no engine to report through."""
        if self._early_notes is not None:
            self._early_notes.append(message)
            return
        self.query_one(EventLog).add_note(message)

    def on_event_logged(self, message: EventLogged) -> None:
        self.query_one(EventLog).add_event(message.event)
        self.request_refresh()

    def request_refresh(self) -> None:
        """Redraw soon; a burst of events costs one redraw."""
        if not self._refresh_pending:
            self._refresh_pending = True
            self.call_later(self.refresh_view)

    # --- drawing ------------------------------------------------------------------------

    def refresh_view(self) -> None:
        """Take one snapshot and hand it to every widget, in one batch (no flicker)."""
        self._refresh_pending = False
        if self.engine is None:
            return
        try:
            snapshot = self.engine.snapshot()
            self.snapshot = snapshot
            table = self.query_one(PositionsTable)
            with self.app.batch_update():
                self.query_one(TotalsBar).show(snapshot)
                self.query_one(RiskPanel).show(snapshot)
                table.show(snapshot)
                self.query_one(PnlCharts).show(snapshot, table.selected_key)
                self.query_one(StatusLine).show(snapshot)
        except Exception as exc:
            self._refresh_failed(exc)

    def _refresh_failed(self, exc: Exception) -> None:
        """Report a failing redraw once per distinct error, so a broken tick cannot flood."""
        text = f"screen refresh failed: {exc!r}"
        if text == self._last_refresh_error:
            return
        self._last_refresh_error = text
        if self.engine is not None:
            self.engine.report_error("screen refresh failed", exc)
        else:
            log.exception("screen refresh failed")
            self.note(text)

    def on_data_table_row_highlighted(self, _: DataTable.RowHighlighted) -> None:
        if self.snapshot is not None:
            self.query_one(PnlCharts).show(self.snapshot, self.selected_key)

    # --- actions ------------------------------------------------------------------------

    @property
    def selected_key(self) -> PositionKey | None:
        return self.query_one(PositionsTable).selected_key

    def action_cursor_down(self) -> None:
        self.query_one(PositionsTable).action_cursor_down()

    def action_cursor_up(self) -> None:
        self.query_one(PositionsTable).action_cursor_up()

    def action_toggle_strategy(self) -> None:
        key = self.selected_key
        if self.engine is None or key is None:
            self.notify("No position selected.", severity="warning")
            return
        self._run_action(self._toggle(key[0]), f"switch strategy {key[0]}")

    def action_pick_strategy(self) -> None:
        """Every known strategy, disabled ones included, even with no open position."""
        if self.engine is None:
            return
        key = self.selected_key

        def chosen(strategy: str | None) -> None:
            if strategy:
                self._run_action(self._toggle(strategy), f"switch strategy {strategy}")

        strategies = self.engine.snapshot().strategies
        self.app.push_screen(StrategiesScreen(strategies, key[0] if key else None), chosen)

    async def _toggle(self, strategy: str) -> None:
        assert self.engine is not None
        enabled = not self.engine.strategy_enabled(strategy)
        await self.engine.set_strategy_enabled(strategy, enabled)
        word = "enabled" if enabled else "disabled: its alerts will be ignored"
        self.notify(
            f"Strategy {strategy} {word}.",
            severity="information" if enabled else "warning",
            markup=False,
        )

    def log_action_error(self, what: str, error: BaseException) -> None:
        """An engine action refused or failed: a notification and a line in the log."""
        self.notify(f"{what}: {error}", severity="error", timeout=8, markup=False)
        if self.engine is not None:
            self.engine.emit(Event(EventKind.ERROR, f"{what}: {error}", self.engine.clock()))
        else:
            self.note(f"{what}: {error}")
