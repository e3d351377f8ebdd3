"""The history screens' one way to the engine: its read side, its strategy switch, its news.

Screens ask `queries` (tmtui.queries, the one read side) and never add money themselves.
This is the only module of the history screens that touches the engine object, so moving
to a narrower engine interface changes this file and nothing else.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from tmtui.core.events import Event, EventKind
from tmtui.engine import Engine
from tmtui.queries import Queries

log = logging.getLogger("tmtui.ui")

CHANGING_EVENTS = frozenset(
    {EventKind.ALERT_ACCEPTED, EventKind.MANUAL_CLOSE, EventKind.DRIFT, EventKind.STRATEGY}
)
"""Events after which a trade, a fill or a strategy switch may be new in the ledger."""

Listener = Callable[[], None]


class HistorySource:
    """Built before the engine exists; `attach` connects it once the engine has started."""

    def __init__(self) -> None:
        self._engine: Engine | None = None
        self._queries: Queries | None = None
        self._listeners: list[Listener] = []

    @property
    def queries(self) -> Queries | None:
        """The read side, or None while the ledger is not open yet (or closing)."""
        return self._queries

    def attach(self, engine: Engine) -> None:
        """Read this engine's ledger, with its live book for open positions and marks."""
        self._engine = engine
        self._queries = Queries(
            engine.ledger, engine.config, live_book=lambda: engine.book, clock=engine.clock
        )
        engine.subscribe(self._on_event)
        self._changed()

    def detach(self) -> None:
        """The engine is stopping: its ledger is about to close."""
        self._engine = None
        self._queries = None

    def listen(self, listener: Listener) -> None:
        """Call `listener` whenever the history may have changed (same loop, never blocks)."""
        self._listeners.append(listener)

    def _on_event(self, event: Event) -> None:
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
