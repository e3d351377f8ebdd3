"""The history screens' one way to the engine: its read side, its strategy switch, its news.

Screens ask `queries` (tmtui.readside.queries, the one read side) and never add money themselves.
The engine is reached only through `core.engine_api.EngineApi`; the app, which built the
engine, hands over the read side of its ledger and forwards its events.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from tmtui.core.engine_api import EngineApi
from tmtui.core.engine_api import HistoryReads as Queries
from tmtui.core.events import Event, EventKind

log = logging.getLogger("tmtui.ui")

CHANGING_EVENTS = frozenset(
    {EventKind.ALERT_ACCEPTED, EventKind.MANUAL_CLOSE, EventKind.DRIFT, EventKind.STRATEGY}
)
"""Events after which a trade, a fill or a strategy switch may be new in the ledger."""

Listener = Callable[[], None]


class HistorySource:
    """Built before the engine exists; `attach` connects it once the engine has started."""

    def __init__(self) -> None:
        self._engine: EngineApi | None = None
        self._queries: Queries | None = None
        self._listeners: list[Listener] = []

    @property
    def queries(self) -> Queries | None:
        """The read side, or None while the ledger is not open yet (or closing)."""
        return self._queries

    def attach(self, engine: EngineApi, queries: Queries) -> None:
        """Show this engine's history: `queries` reads its ledger with its live book."""
        self._engine = engine
        self._queries = queries
        self._changed()

    def detach(self) -> None:
        """The engine is stopping: its ledger is about to close."""
        self._engine = None
        self._queries = None

    def listen(self, listener: Listener) -> None:
        """Call `listener` whenever the history may have changed (same loop, never blocks)."""
        self._listeners.append(listener)

    def on_event(self, event: Event) -> None:
        """Every engine event comes here; those that may change the history reload."""
        if self._engine is not None and event.kind in CHANGING_EVENTS:
            self._changed()

    def _changed(self) -> None:
        for listener in list(self._listeners):
            try:
                listener()
            except Exception:  # a broken screen must not break the engine's subscribers
                log.exception("history listener failed")

    # --- commands ---------------------------------------------------------

    def strategy_enabled(self, strategy: str) -> bool:
        return self._engine is not None and self._engine.strategy_enabled(strategy)

    async def set_strategy_enabled(self, strategy: str, enabled: bool) -> None:
        if self._engine is None:
            raise RuntimeError("the engine is not running")
        await self._engine.set_strategy_enabled(strategy, enabled)
