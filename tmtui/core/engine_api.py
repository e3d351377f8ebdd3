"""The narrow interface the UI reaches the engine through: snapshot, commands, queries.

Screens and widgets never touch the engine's ledger or book: they read a `Snapshot` or a
view, send a command, or ask a query. The engine implements this; a test double can too.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from tmtui.core.book import PositionKey
from tmtui.core.events import Event
from tmtui.core.models import AlertReply
from tmtui.core.views import PositionView, Snapshot


class EngineApi(Protocol):
    """What a view of tmtui may ask of the engine."""

    clock: Callable[[], datetime]

    # --- snapshot and views
    def snapshot(self) -> Snapshot: ...
    def positions(self) -> list[PositionView]: ...
    def position_view(self, key: PositionKey) -> PositionView | None: ...
    def strategy_enabled(self, strategy: str) -> bool: ...

    # --- commands
    async def close_position(
        self, key: PositionKey, reason: str = "manual close"
    ) -> AlertReply: ...
    async def flatten(self, strategy: str | None = None) -> tuple[list[AlertReply], list[str]]: ...
    async def set_strategy_enabled(self, strategy: str, enabled: bool) -> None: ...

    # --- queries
    async def recent_events(self, limit: int) -> list[Event]: ...

    # --- reporting from the view
    def emit(self, event: Event, persist: bool = True) -> None: ...
    def report_error(self, what: str, exc: BaseException | None) -> None: ...
