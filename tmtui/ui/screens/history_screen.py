"""What the four history screens share: load in a worker, reload when the engine says so.

A screen loads when first shown and again whenever the engine reports something that may
have changed the ledger (a fill, a close, a switch). A hidden screen only notes that it is
stale and reloads when it is shown again, so a burst of alerts costs the hidden screens
nothing. Loads run in exclusive workers: a newer load cancels an older one, and a failure
reaches the app's one `on_worker_state_changed`, never ends the app.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.binding import BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Static

from tmtui.core.engine_api import HistoryReads as Queries
from tmtui.settings.config import Config
from tmtui.ui.screens.history_source import HistorySource
from tmtui.ui.widgets.desk_footer import DeskFooter


@dataclass
class HistoryChanged(Message):
    """The ledger may hold something new; a burst of these collapses into one."""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, HistoryChanged)


class TitleLine(Static):
    """The screen's one-line heading: what it shows and for which range."""

    DEFAULT_CSS = """
    TitleLine { height: 1; background: $panel; padding: 0 1; text-style: bold; }
    """


def history_footer() -> DeskFooter:
    """Compact, without the command palette's hint: the screen keys fit 80 columns."""
    return DeskFooter(compact=True, show_command_palette=False)


class HistoryScreen(Screen[None]):
    """Subclasses implement `load(queries)`; call `reload()` to ask for fresh data."""

    KEYMAP_WIDGETS: ClassVar[tuple[type[Widget], ...]] = ()
    """Widgets of this screen whose bindings `[keymap]` may remap too."""

    @classmethod
    def keymap_bindings(cls) -> list[BindingType]:
        """Every binding of this screen and its widgets, for checking `[keymap]` ids."""
        return [*cls.BINDINGS, *(b for w in cls.KEYMAP_WIDGETS for b in w.BINDINGS)]

    def __init__(self, source: HistorySource, config: Config) -> None:
        super().__init__()
        self.source = source
        self.config = config
        self.stale = True
        self.loads = 0
        """Completed loads (tests wait on it)."""

    def on_mount(self) -> None:
        self.source.listen(self._history_changed)

    def _history_changed(self) -> None:
        self.post_message(HistoryChanged())

    def on_history_changed(self, _: HistoryChanged) -> None:
        if self.is_current:
            self.reload()
        else:
            self.stale = True

    def on_screen_resume(self) -> None:
        if self.stale:
            self.reload()

    def reload(self) -> None:
        """Load again in a worker (cancelling a load still running)."""
        queries = self.source.queries
        if queries is None:
            self.stale = True
            self.waiting()
            return
        self.stale = False
        self.run_worker(
            self._load(queries),
            name=f"load the {self.screen_name} screen",
            group=f"history-{self.screen_name}",
            exclusive=True,
            exit_on_error=False,
        )

    async def _load(self, queries: Queries) -> None:
        await self.load(queries)
        self.loads += 1

    @property
    def screen_name(self) -> str:
        return type(self).__name__.removesuffix("Screen").lower()

    async def load(self, queries: Queries) -> None:
        raise NotImplementedError

    def waiting(self) -> None:
        """Shown until the engine has opened the ledger."""
        self.query_one(TitleLine).update(Text("Opening the ledger…", style="dim"))
