"""The AutoTrader log: every engine event, one colored line, newest at the bottom."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from rich.text import Text
from textual.strip import Strip
from textual.widgets import RichLog

from tmtui.core.events import Event, EventKind
from tmtui.core.trading_day import zone

KIND_STYLES: dict[EventKind, str] = {
    EventKind.ALERT_ACCEPTED: "green",
    EventKind.MANUAL_CLOSE: "bold green",
    EventKind.MANUAL_ORDER: "bold green",
    EventKind.ALERT_REJECTED: "red",
    EventKind.ALERT_DUPLICATE: "yellow",
    EventKind.ALERT_IGNORED: "yellow",
    EventKind.POSITION: "",
    EventKind.DRIFT: "magenta",
    EventKind.FLATTEN: "bold yellow",
    EventKind.RISK_EXIT: "bold magenta",
    EventKind.RISK_LOCK: "bold white on red",
    EventKind.RISK: "magenta",
    EventKind.STRATEGY: "blue",
    EventKind.FEED: "cyan",
    EventKind.LISTENER: "cyan",
    EventKind.ERROR: "bold red",
    EventKind.INFO: "dim",
}


def event_text(event: Event, tz_name: str, *, with_date: bool = False) -> Text:
    """`12:31:07 buy 1 NQ @ 25600.25 (ORB) → long 1`, colored by the event's kind."""
    local = event.time.astimezone(zone(tz_name))
    stamp = local.strftime("%Y-%m-%d %H:%M:%S" if with_date else "%H:%M:%S")
    text = Text(stamp, style="dim")
    text.append(" ")
    text.append(event.message, style=KIND_STYLES.get(event.kind, ""))
    return text


@dataclass(slots=True)
class FeedRun:
    """Consecutive feed state changes shown as one line: how many, since when, its strips."""

    first: datetime
    count: int
    last_strip: Strip
    strips: int


class EventLog(RichLog):
    """A bounded RichLog of events; the ledger keeps the full history.

    A flapping feed (connecting, down, connecting ...) would push the alerts out of view,
    so consecutive feed events rewrite one line with a count instead of adding lines.
    """

    def __init__(self, tz_name: str, max_lines: int, *, id: str | None = None) -> None:
        super().__init__(
            max_lines=max_lines, auto_scroll=True, wrap=True, markup=False, highlight=False, id=id
        )
        self.tz_name = tz_name
        self.border_title = "AutoTrader log"
        self._feed_run: FeedRun | None = None

    def add_event(self, event: Event, *, with_date: bool = False) -> None:
        text = event_text(event, self.tz_name, with_date=with_date)
        if event.kind is not EventKind.FEED:
            self._feed_run = None
            self.write(text)
            return
        run = self._feed_run
        first, count = event.time, 1
        if run is not None and self.lines and self.lines[-1] is run.last_strip:
            del self.lines[-run.strips :]
            self.notify_style_update()  # drops the cached renders of the removed lines
            first, count = run.first, run.count + 1
            since = first.astimezone(zone(self.tz_name)).strftime("%H:%M:%S")
            text.append(f"  ×{count} since {since}", style="bold cyan")
        self._feed_run = self._write_tracked(text, first, count)

    def _write_tracked(self, text: Text, first: datetime, count: int) -> FeedRun | None:
        """Write `text` and remember its strips, so the next feed event can replace them."""
        previous = self.lines[-1] if self.lines else None
        self.write(text)
        if not self.lines or self.lines[-1] is previous:
            return None  # deferred until the log has a size: nothing to replace later
        strips = 0
        for strip in reversed(self.lines):
            if strip is previous:
                break
            strips += 1
        return FeedRun(first, count, self.lines[-1], strips)

    def add_history(self, events: Iterable[Event], today: datetime) -> None:
        """Earlier sessions' events from the ledger, dated when not from today, then a rule."""
        tz = zone(self.tz_name)
        day = today.astimezone(tz).date()
        count = 0
        for event in events:
            older = event.time.astimezone(tz).date() != day
            self.add_event(event, with_date=older)
            count += 1
        if count:
            self._feed_run = None
            self.write(Text(f"── {count} earlier event(s) from the ledger ──", style="dim"))

    def add_note(self, message: str, style: str = "bold red") -> None:
        """A line that did not come from the engine (it was not running, or failed to build)."""
        self._feed_run = None
        self.write(Text(message, style=style))
