"""The AutoTrader log: every engine event, one colored line, newest at the bottom."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from rich.text import Text
from textual.widgets import RichLog

from tmtui.core.events import Event, EventKind
from tmtui.core.trading_day import zone

KIND_STYLES: dict[EventKind, str] = {
    EventKind.ALERT_ACCEPTED: "green",
    EventKind.MANUAL_CLOSE: "bold green",
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


class EventLog(RichLog):
    """A bounded RichLog of events; the ledger keeps the full history."""

    def __init__(self, tz_name: str, max_lines: int, *, id: str | None = None) -> None:
        super().__init__(
            max_lines=max_lines, auto_scroll=True, wrap=True, markup=False, highlight=False, id=id
        )
        self.tz_name = tz_name
        self.border_title = "AutoTrader log"

    def add_event(self, event: Event) -> None:
        self.write(event_text(event, self.tz_name))

    def add_history(self, events: Iterable[Event], today: datetime) -> None:
        """Earlier sessions' events from the ledger, dated when not from today, then a rule."""
        tz = zone(self.tz_name)
        day = today.astimezone(tz).date()
        count = 0
        for event in events:
            older = event.time.astimezone(tz).date() != day
            self.write(event_text(event, self.tz_name, with_date=older))
            count += 1
        if count:
            self.write(Text(f"── {count} earlier event(s) from the ledger ──", style="dim"))

    def add_note(self, message: str, style: str = "bold red") -> None:
        """A line that did not come from the engine (it was not running, or failed to build)."""
        self.write(Text(message, style=style))
