"""The Textual app: a thin shell that builds and runs the engine and shows the dashboard.

Everything runs in one asyncio loop: Textual's, the webhook listener's and the price
feed's. Background failures are caught in one `on_worker_state_changed` and reported to
the log and the status line; they never end the app.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Awaitable, Callable, Coroutine
from functools import partial
from pathlib import Path
from typing import Any, ClassVar

from textual.app import App
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from tmtui.core.engine_api import DRAIN_TIMEOUT_S, ListenerRecord
from tmtui.core.events import Event, EventKind
from tmtui.core.keymap import keymap_problems
from tmtui.core.models import TmtuiError
from tmtui.runtime.demo import run_demo_script
from tmtui.runtime.engine import Engine
from tmtui.runtime.factory import build_engine
from tmtui.settings.config import Config
from tmtui.ui.screens.dashboard import DashboardScreen, EventLogged
from tmtui.ui.screens.help import HelpScreen, key_help
from tmtui.ui.screens.history_keys import (
    CALENDAR,
    CHART,
    DASHBOARD,
    SCREEN_BINDINGS,
    STRATEGIES,
    TRADES,
)
from tmtui.ui.screens.history_screen import HistoryScreen
from tmtui.ui.screens.history_source import HistorySource
from tmtui.ui.screens.pnl_calendar import PnlCalendarScreen
from tmtui.ui.screens.pnl_chart import PnlChartScreen
from tmtui.ui.screens.quit_confirm import QuitRisk, QuitScreen
from tmtui.ui.screens.strategy_board import StrategyBoardScreen
from tmtui.ui.screens.trades import TradesScreen

log = logging.getLogger("tmtui.ui")

EngineFactory = Callable[[], Awaitable[Engine]]
STOP_TIMEOUT_S = DRAIN_TIMEOUT_S + 1.5
"""Upper bound on stopping at quit: the listener answers the alerts in flight (normally
milliseconds, at most DRAIN_TIMEOUT_S), then feed and ledger close (~10 ms)."""
HISTORY_EVENTS = 200
"""How many of the ledger's latest events the log shows at start."""


class ErrorLogBridge(logging.Handler):
    """Puts the services' ERROR log records (an alert answered 503, a failing subscriber or
    quote callback) in the AutoTrader log; otherwise they would only reach the log file.

    Skipped: the engine's `report_error` (it already arrives as an event), the ledger (its
    failures reach the screen through the listener or the action that hit them) and the
    UI's own records.
    """

    def __init__(self, deliver: Callable[[Event], None]) -> None:
        super().__init__(level=logging.ERROR)
        self._deliver = deliver
        self._loop = asyncio.get_running_loop()
        self._thread = threading.get_ident()

    def emit(self, record: logging.LogRecord) -> None:
        if record.name in ("tmtui.ui", "tmtui.ledger") or (
            record.name == "tmtui.engine" and record.funcName == "report_error"
        ):
            return
        text = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            text += f": {record.exc_info[1]!r}"
        event = Event(EventKind.ERROR, text)
        if threading.get_ident() == self._thread:
            self._deliver(event)
        else:
            self._loop.call_soon_threadsafe(self._deliver, event)


class TmtuiApp(App[None]):
    """Builds the engine (unless given one), starts it in this loop and stops it on quit."""

    CSS_PATH = Path(__file__).with_name("app.tcss")
    TITLE = "tmtui"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", id="quit"),
        Binding("question_mark", "help", "Keys", id="help"),
        *SCREEN_BINDINGS,
    ]
    DEFAULT_MODE = DASHBOARD
    HISTORY_SCREENS: ClassVar[dict[str, type[HistoryScreen]]] = {
        TRADES: TradesScreen,
        STRATEGIES: StrategyBoardScreen,
        CALENDAR: PnlCalendarScreen,
        CHART: PnlChartScreen,
    }
    """One mode per screen: each keeps its state, and the dashboard stays alive."""

    def __init__(
        self,
        config: Config,
        *,
        demo: bool = False,
        engine: Engine | None = None,
        engine_factory: EngineFactory | None = None,
        instance_lock: ListenerRecord | None = None,
    ) -> None:
        super().__init__()
        self.config = config
        self.demo = demo
        self.engine = engine
        self.engine_started = False
        self.instance_lock = instance_lock
        self.start_error: str | None = None
        """Why the engine could not start (ledger, listener port): the app exits with it."""
        self._engine_factory = engine_factory or partial(build_engine, config)
        self._quitting = False
        self._stop_task: asyncio.Task[None] | None = None
        self._log_bridge: ErrorLogBridge | None = None
        self.dashboard = DashboardScreen(config, self.run_engine_action, demo=demo)
        self.history = HistorySource()
        self.add_mode(DASHBOARD, lambda: self.dashboard)
        for mode, screen in self.HISTORY_SCREENS.items():
            self.add_mode(mode, partial(screen, self.history, config))

    def get_default_screen(self) -> Screen[Any]:
        return self.dashboard

    def on_mount(self) -> None:
        self._apply_keymap()
        self._log_bridge = ErrorLogBridge(self._forward_event)
        logging.getLogger("tmtui").addHandler(self._log_bridge)
        self.run_worker(
            self._start_engine(), name="start engine", group="engine", exit_on_error=False
        )

    def _apply_keymap(self) -> None:
        """`[keymap]` remaps binding ids (the config loader already refused bad entries)."""
        keymap = dict(self.config.keymap)
        if not keymap:
            return
        for problem in keymap_problems(keymap):  # a Config built in code skips the loader
            self.dashboard.note(f"[keymap] {problem}")
        self.set_keymap(keymap)

    async def _start_engine(self) -> None:
        """Build and start the engine; if it cannot start, the app ends with the reason.

        A screen without its ledger or its listener would look alive while it cannot keep
        the books or receive alerts, so any failure here is fatal (exit code 1).
        """
        try:
            await self._build_and_start()
        except Exception as exc:
            log.error("tmtui could not start", exc_info=exc)
            self.start_error = str(exc) if isinstance(exc, TmtuiError) else f"{exc!r}"
            await self.stop_engine()
            self.exit(return_code=1)

    async def _build_and_start(self) -> None:
        engine = self.engine or await self._engine_factory()
        self.engine = engine
        if self._quitting:  # quit while the ledger was opening
            await engine.stop()
            return
        limit = min(HISTORY_EVENTS, self.config.ui.max_log_lines)
        self.dashboard.show_history(await engine.recent_events(limit))
        engine.subscribe(self._forward_event)
        await engine.start()
        if self._quitting:
            return
        # Drawn only once start() is over: its snapshot is not consistent before.
        self.dashboard.attach(engine)
        self.dashboard.refresh_view()
        self.history.attach(engine, engine.queries())
        if self.instance_lock is not None and engine.listener is not None:
            self.instance_lock.record_listener(engine.listener.webhook_url)
        self.engine_started = True
        if self.demo:
            engine.spawn(run_demo_script(engine), "demo-script")

    def _forward_event(self, event: Event) -> None:
        """Engine subscriber: hand the event to the screen as a message (same loop)."""
        if not self._quitting:
            self.dashboard.post_message(EventLogged(event))
            self.history.on_event(event)

    def run_engine_action(self, work: Coroutine[Any, Any, Any], what: str) -> None:
        """Run an engine call in a worker, so its failure lands in `on_worker_state_changed`."""
        self.run_worker(work, name=what, group="actions", exit_on_error=False)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place background failures go: the log, the status line, a notification."""
        if event.state != WorkerState.ERROR:
            return
        worker = event.worker
        error = worker.error
        if error is None:
            return
        if worker.group == "actions" and isinstance(error, TmtuiError):
            self.dashboard.log_action_error(worker.name, error)
            return
        self.notify(f"{worker.name} failed: {error}", severity="error", timeout=10, markup=False)
        if self.engine is not None and not self._quitting:
            self.engine.report_error(f"{worker.name} failed", error)
        else:
            log.error("%s failed", worker.name, exc_info=error)
            self.dashboard.note(f"{worker.name} failed: {error}")

    def action_help(self) -> None:
        """Show the keys bound right now (remaps included)."""
        bindings = self.screen.active_bindings
        display = {key: self.get_key_display(active.binding) for key, active in bindings.items()}
        self.push_screen(HelpScreen(key_help(bindings, display)))

    async def action_show_screen(self, mode: str) -> None:
        """`1`-`5`: show a screen; the one left keeps its state (and the dashboard runs on)."""
        await self.switch_mode(mode)

    async def action_quit(self) -> None:
        """Ask first when positions are open or an alert just arrived; otherwise stop now."""
        if isinstance(self.screen, QuitScreen) or self._quitting:
            return
        risk = self.quit_risk()
        if risk.worth_asking:
            self.push_screen(QuitScreen(risk), self._quit_answered)
        else:
            self.run_worker(self.shut_down(), name="quit", group="quit", exit_on_error=False)

    def quit_risk(self) -> QuitRisk:
        engine = self.engine
        if engine is None or not self.engine_started:
            return QuitRisk(0, None)
        snapshot = engine.snapshot()
        last = snapshot.last_alert
        age = None if last is None else (snapshot.time - last).total_seconds()
        return QuitRisk(len(snapshot.positions), age, engine.alerts_in_flight())

    def _quit_answered(self, quit_now: bool | None) -> None:
        if quit_now:
            self.run_worker(self.shut_down(), name="quit", group="quit", exit_on_error=False)

    async def shut_down(self) -> None:
        """Stop accepting alerts, answer those in flight, then close feed and ledger; exit."""
        inflight = self.engine.alerts_in_flight() if self.engine is not None else 0
        note = f": answering {inflight} alert(s) in flight" if inflight else ""
        self.notify(f"Stopping{note}…", timeout=STOP_TIMEOUT_S, markup=False)
        await self.stop_engine()
        self.exit()

    async def on_unmount(self) -> None:
        await self.stop_engine()

    async def stop_engine(self) -> None:
        """Stop the engine once, however the app ends; bounded so quitting never hangs."""
        self._quitting = True
        self.dashboard.detach()
        self.history.detach()
        if self._log_bridge is not None:
            logging.getLogger("tmtui").removeHandler(self._log_bridge)
        if self.engine is None:
            return
        if self._stop_task is None:
            self._stop_task = asyncio.create_task(self.engine.stop(), name="tmtui-stop")
        try:
            await asyncio.wait_for(asyncio.shield(self._stop_task), STOP_TIMEOUT_S)
        except TimeoutError:
            log.error("the engine did not stop within %s s; closing the ledger", STOP_TIMEOUT_S)
            await self._force_close(self.engine)
        except Exception:
            log.exception("error while stopping the engine")

    async def _force_close(self, engine: Engine) -> None:
        """Last resort: close the ledger ourselves (its open connection would keep the
        process alive after the screen is gone)."""
        if self._stop_task is not None:
            self._stop_task.cancel()
        try:
            await asyncio.wait_for(engine.force_close(), STOP_TIMEOUT_S)
        except Exception:
            log.exception("could not close the ledger")
