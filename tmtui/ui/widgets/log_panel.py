"""The AutoTrader log with its filter box: `/` opens the box, the log shows matching lines.

Typing filters as you type; Enter keeps the filter and hands the keys back to the screen;
Esc (in the box or on the screen) clears it. The panel owns both widgets, so the screen
only forwards the two keys.
"""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input

from tmtui.ui.widgets.event_log import EventLog

PLACEHOLDER = "filter the log: type text · Enter keeps it · Esc clears"


class LogPanel(Vertical):
    """An EventLog over a filter box that shows only while filtering."""

    DEFAULT_CSS = """
    LogPanel { height: 1fr; }
    LogPanel > #log-filter { display: none; height: 1; border: none; padding: 0 1; }
    LogPanel > #log-filter:focus { background: $accent 30%; }
    """

    def __init__(self, tz_name: str, max_lines: int, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._log = EventLog(tz_name, max_lines, id="log")

    def compose(self) -> ComposeResult:
        yield self._log
        yield Input(placeholder=PLACEHOLDER, id="log-filter")

    class FilterClosed(Message):
        """The filter box closed: the screen gives the keys back to where they were."""

    @property
    def event_log(self) -> EventLog:
        return self._log

    @property
    def box(self) -> Input:
        return self.query_one("#log-filter", Input)

    def open_filter(self) -> None:
        """Show the box with the current filter, ready to type."""
        box = self.box
        box.value = self._log.filter_text
        box.display = True
        box.focus()

    def clear_filter(self) -> None:
        self._log.set_filter("")
        self._close_box()

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._log.set_filter(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._close_box()

    def on_key(self, event: events.Key) -> None:
        """Esc in the box clears the filter (an Input has no Esc of its own)."""
        if event.key == "escape" and self.box.has_focus:
            event.stop()
            self.clear_filter()

    def _close_box(self) -> None:
        """Hide the box; the screen decides where the focus goes."""
        if self.box.display:
            self.box.display = False
            self.post_message(self.FilterClosed())
