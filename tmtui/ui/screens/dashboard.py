"""The trading screen: totals, positions, P&L charts, the AutoTrader log and status.

Two ways in. A quote moves positions: the engine's change log says which, and at most
every LIVE_INTERVAL the screen redraws just their cells and the totals (a quiet market
schedules nothing). Everything else (fills, the clock in "In trade", quote age, charts)
comes from one `engine.snapshot()` every `[ui] refresh` seconds and after every event.
Timer callbacks only redraw; a failing redraw is reported, never allowed to end the app
(an exception in a Textual timer would).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Footer

from tmtui.core.contracts import ContractBook
from tmtui.core.engine_api import EngineApi
from tmtui.core.events import Event, EventKind
from tmtui.core.formatting import name_order
from tmtui.core.trading_day import TradingCalendar
from tmtui.core.views import Snapshot
from tmtui.settings.config import Config
from tmtui.ui.screens.coalesce import Coalescer
from tmtui.ui.screens.strategy_actions import StrategyActions
from tmtui.ui.screens.webhook_setup import WebhookSetupScreen, listener_info
from tmtui.ui.widgets.desk_footer import DeskFooter
from tmtui.ui.widgets.event_log import EventLog
from tmtui.ui.widgets.log_panel import LogPanel
from tmtui.ui.widgets.orders_banner import OrdersBanner
from tmtui.ui.widgets.panel_heights import plan_heights
from tmtui.ui.widgets.pnl_charts import PnlCharts
from tmtui.ui.widgets.positions_table import PositionKey, PositionsTable
from tmtui.ui.widgets.risk_panel import RiskPanel
from tmtui.ui.widgets.secret_banner import SecretBanner
from tmtui.ui.widgets.status_line import StatusLine
from tmtui.ui.widgets.totals_bar import TotalsBar

log = logging.getLogger("tmtui.ui")

ActionRunner = Callable[[Coroutine[Any, Any, Any], str], None]
LIVE_INTERVAL = 0.2
"""Quote→screen coalescing: a burst of quotes redraws at most this often, and the first
quote after a quiet spell redraws at once, so a price change shows within ~0.2 s."""


@dataclass
class EventLogged(Message):
    """The engine reported an event; never collapsed, since each one is a log line."""

    event: Event


class DashboardScreen(StrategyActions):
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
        Binding("w", "webhook_setup", "Webhook", id="webhook_setup"),
        Binding("o", "show_orders", "Orders", id="show_orders"),
        Binding("slash", "filter_log", "Filter log", id="filter_log"),
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
        self._seen_version = -1
        self._planned: tuple[int, int, int] | None = None
        self._held_back: set[PositionKey] = set()
        """Positions a quote moved while their rows were scrolled out of view."""
        self.live = Coalescer(self.live_redraw, self._later, LIVE_INTERVAL)
        """The quote → cell path: engine changes in, at most one redraw per interval out."""

    def compose(self) -> ComposeResult:
        ui, session = self.config.ui, self.config.session
        if not self.config.listener.secret:
            yield SecretBanner(id="no-secret")
        yield OrdersBanner(id="orders-banner")
        yield TotalsBar(id="totals")
        yield RiskPanel(
            TradingCalendar(session.timezone, session.day_start, session.roll_weekends), id="risk"
        )
        yield PositionsTable(ContractBook(self.config.contracts), id="positions")
        yield PnlCharts(id="charts")
        yield LogPanel(session.timezone, ui.max_log_lines, id="log-panel")
        yield StatusLine(session.timezone, self.config.listener.path, demo=self.demo, id="status")
        yield DeskFooter(show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one(PositionsTable).border_title = "Positions"
        self.set_interval(self.config.ui.refresh, self.refresh_view)
        notes, self._early_notes = self._early_notes or [], None
        for message in notes:
            self.note(message)
        self._plan_heights(0)

    # --- wiring from the app ------------------------------------------------------------

    def attach(self, engine: EngineApi) -> None:
        """Show this engine from now on (the app builds it after the screen exists)."""
        self.engine = engine
        engine.changes.watch(self.live.poke)

    def detach(self) -> None:
        """Stop drawing the engine (it is being stopped; its listener URL is gone)."""
        if self.engine is not None:
            self.engine.changes.unwatch(self.live.poke)
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
            self._seen_version = snapshot.version
            self._held_back.clear()  # every row is drawn from this snapshot
            table = self.query_one(PositionsTable)
            with self.app.batch_update():
                self.query_one(TotalsBar).show(snapshot.account, self._disabled(snapshot))
                self.query_one(RiskPanel).show(snapshot)
                table.show(snapshot)
                self.query_one(PnlCharts).show(snapshot, table.selected_key)
                self.query_one(StatusLine).show(snapshot)
                self.query_one(OrdersBanner).show(self.engine.orders_needing_trader())
                self._plan_heights(len(snapshot.positions))
            self.call_after_refresh(self._replan)  # the header or risk panel may have resized
        except Exception as exc:
            self._refresh_failed(exc)

    @staticmethod
    def _disabled(snapshot: Snapshot) -> list[str]:
        return sorted((s for s, on in snapshot.strategies.items() if not on), key=name_order)

    # --- the quote → cell path -----------------------------------------------------------

    def _later(self, delay: float, callback: Callable[[], None]) -> None:
        if delay > 0:
            self.set_timer(delay, callback)
        else:
            self.call_later(callback)

    @property
    def live_redraws(self) -> int:
        """How many quote-driven partial redraws ran (for tests and the bench)."""
        return self.live.runs

    def live_redraw(self) -> None:
        """Redraw the cells of the positions quotes moved since the last draw, and the totals."""
        engine = self.engine
        if engine is None:
            return
        changes = engine.changes
        if changes.structure_version > self._seen_version:
            self.refresh_view()  # a fill opened or closed something: re-list the rows
            return
        table = self.query_one(PositionsTable)
        selected = table.selected_key
        keys = self._held_back.union(changes.changed_since(self._seen_version))
        self._seen_version = changes.version
        shown = table.visible_keys()
        now = {k for k in keys if k in shown or k == selected}
        self._held_back = keys - now  # drawn when scrolled into view or at the next refresh
        try:
            views = [v for v in map(engine.position_view, now) if v is not None]
            account = engine.account_view()
            charts = self.query_one(PnlCharts)
            with self.app.batch_update():
                table.update_positions(views, engine.clock())
                disabled = self._disabled(self.snapshot) if self.snapshot else []
                self.query_one(TotalsBar).show(account, disabled)
                charts.show_account(account)
                for view in views:
                    if view.key == selected:
                        charts.show_position(view, None)
        except Exception as exc:
            self._refresh_failed(exc)

    # --- layout ---------------------------------------------------------------------------

    def on_resize(self, _: events.Resize) -> None:
        self.call_after_refresh(self._replan)

    def _replan(self) -> None:
        rows = len(self.snapshot.positions) if self.snapshot else 0
        self._plan_heights(rows)

    def _plan_heights(self, rows: int) -> None:
        """Positions by need, charts and log share the rest (see `panel_heights`).

        The rows left are the screen's minus the secret warning, the header, the risk panel,
        the status line and the footer as last laid out; a change in any of them plans again.
        """
        fixed = sum(
            w.outer_size.height if w.display else 0
            for w in (
                *self.query(SecretBanner),
                self.query_one(OrdersBanner),
                self.query_one(TotalsBar),
                self.query_one(RiskPanel),
                self.query_one(StatusLine),
                self.query_one(Footer),
            )
        )
        key = (rows, fixed, self.size.height)
        if key == self._planned or not self.size.height:
            return
        self._planned = key
        heights = plan_heights(self.size.height - fixed, rows)
        self.query_one(PositionsTable).styles.height = heights.positions
        self.query_one(PnlCharts).styles.height = heights.charts
        # The log keeps `1fr`: it takes what is left.

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

    def on_positions_table_scrolled(self, _: PositionsTable.Scrolled) -> None:
        if self._held_back:
            self.live.poke()

    def on_positions_table_highlighted(self, _: PositionsTable.Highlighted) -> None:
        if self.snapshot is not None:
            self.query_one(PnlCharts).show(self.snapshot, self.selected_key)

    # --- the log filter and the webhook set-up ---------------------------------------

    def action_filter_log(self) -> None:
        """`/`: a box under the log; the log shows only lines containing what is typed."""
        self.query_one(LogPanel).open_filter()

    def action_clear_filter(self) -> None:
        self.query_one(LogPanel).clear_filter()

    def on_log_panel_filter_closed(self, _: LogPanel.FilterClosed) -> None:
        self.query_one(PositionsTable).focus()

    def action_webhook_setup(self) -> None:
        """`w`: listener URL, secret, the alert message to paste, tunnels, a test alert."""
        key = self.selected_key
        info = listener_info(self.config.listener, self.engine)
        self.app.push_screen(WebhookSetupScreen(info, key[0] if key else None, self.engine))

    # --- actions ------------------------------------------------------------------------

    @property
    def selected_key(self) -> PositionKey | None:
        return self.query_one(PositionsTable).selected_key

    def action_cursor_down(self) -> None:
        self.query_one(PositionsTable).action_cursor_down()

    def action_cursor_up(self) -> None:
        self.query_one(PositionsTable).action_cursor_up()

    def log_action_error(self, what: str, error: BaseException) -> None:
        """An engine action refused or failed: a notification and a line in the log."""
        self.notify(f"{what}: {error}", severity="error", timeout=8, markup=False)
        if self.engine is not None:
            self.engine.emit(Event(EventKind.ERROR, f"{what}: {error}", self.engine.clock()))
        else:
            self.note(f"{what}: {error}")
