"""The screen's test harness: a desk engine, the app started under Pilot, and reading the screen.

Shared by the tests in tests/ui (and only there); the generic waits (`until`, `wait_for`) are in
`helpers`. Two setups live here: the *desk* (a real engine with its listener on a loopback port
and the replay feed, alerts sent over HTTP) and the *snapshot* clock (no feed, no listener,
time frozen at NOW, quotes fed by hand), so every snapshot draws the same pixels.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from helpers import until
from textual.pilot import Pilot

from tmtui.runtime.engine import Engine
from tmtui.runtime.factory import build_engine
from tmtui.services.feeds.base import Quote
from tmtui.services.signal_client import build_alert_payload, post_signal
from tmtui.settings.config import Config
from tmtui.ui.app import TmtuiApp
from tmtui.ui.screens.history_screen import HistoryScreen
from tmtui.ui.widgets.event_log import EventLog
from tmtui.ui.widgets.positions_table import PositionsTable
from tmtui.ui.widgets.status_line import StatusLine

SIZE = (160, 45)
DESK_SECRET = "test-secret-123"
_ids = itertools.count()

# --- the desk: a real engine, listener and replay feed ------------------------------------------


def desk_config(**keymap: str) -> Config:
    """Replay feed, listener on a free loopback port with DESK_SECRET, a fast refresh."""
    base = Config()
    return replace(
        base,
        feed=replace(base.feed, source="replay", replay_file="", poll_interval=0.1),
        listener=replace(base.listener, host="127.0.0.1", port=0, secret=DESK_SECRET),
        ui=replace(base.ui, refresh=0.2),
        keymap=dict(keymap),
    )


async def desk_engine(tmp_path: Path, config: Config | None = None, *, feed: bool = True) -> Engine:
    """An engine on a ledger in tmp_path with its listener (and the feed unless `feed=False`)."""
    return await build_engine(
        config or desk_config(),
        ledger_path=tmp_path / "t.db",
        with_feed=feed,
        with_listener=True,
        seed=1,
        sample_interval=0.1,
    )


async def started(pilot: Pilot[Any]) -> Engine:
    """Wait until the app under `pilot` has started its engine; return that engine."""
    app = pilot.app
    assert isinstance(app, TmtuiApp)
    await until(pilot, lambda: app.engine_started, "the engine to start")
    assert app.engine is not None
    return app.engine


async def send_alert(
    engine: Engine,
    action: str,
    ticker: str,
    qty: int | None = None,
    price: str | None = None,
    strategy: str = "ORB",
) -> dict[str, Any]:
    """Post a TradingView-shaped alert to the running listener; expect 200."""
    assert engine.listener is not None
    url = engine.listener.url + engine.config.listener.path
    payload = build_alert_payload(
        action, ticker, qty, price, strategy, f"t-{next(_ids)}", DESK_SECRET
    )
    status, body = await post_signal(url, payload)
    assert status == 200, body
    assert isinstance(body, dict)
    return body


# --- reading the dashboard ----------------------------------------------------------------------


def table(app: TmtuiApp) -> PositionsTable:
    return app.dashboard.query_one(PositionsTable)


def cell(app: TmtuiApp, key: str, column: str) -> str:
    return table(app).get_cell(key, column).plain


def has_row(app: TmtuiApp, key: str) -> bool:
    return key in table(app).rows


def log_text(app: TmtuiApp) -> str:
    return "\n".join(line.text for line in app.dashboard.query_one(EventLog).lines)


def status_text(app: TmtuiApp) -> str:
    return app.dashboard.query_one(StatusLine).shown.plain


# --- history screens ----------------------------------------------------------------------------

S = TypeVar("S", bound=HistoryScreen)


async def shown(pilot: Pilot[Any], kind: type[S], loads: int = 1) -> S:
    """Wait until a screen of `kind` is shown with at least `loads` loads done, none running."""
    app = pilot.app

    def ready() -> bool:
        screen = app.screen
        return (
            isinstance(screen, kind)
            and screen.loads >= loads
            and not any(w.group.startswith("history") for w in app.workers)
        )

    await until(pilot, ready, f"the {kind.__name__}")
    screen = app.screen
    assert isinstance(screen, kind)
    return screen


# --- snapshots: a frozen clock ------------------------------------------------------------------

NOW = datetime(2025, 3, 4, 15, 30, tzinfo=UTC)  # 09:30 in Chicago, trading day 2025-03-04
SnapCompare = Callable[..., bool]


class FrozenDatetime(datetime):
    """Events stamped with the wall clock (the engine's start line) get NOW instead."""

    @classmethod
    def now(cls, tz: Any = None) -> FrozenDatetime:
        return cls.fromtimestamp(NOW.timestamp(), tz)


def quote(engine: Engine, root: str, last: str) -> None:
    """A quote for `root`'s front month, received at NOW."""
    symbol = engine.book.contracts[root].tv_symbol
    engine.on_quote(Quote(symbol, Decimal(last), received=NOW))
