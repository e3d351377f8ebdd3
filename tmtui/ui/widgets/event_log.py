"""The AutoTrader log: every engine event, one line colored by what it means.

Winning closes are green, losing closes red, entries plain; refusals and errors in bright
colors that read on a dark panel; anything the trader did from the keyboard says `manual`.
The log keeps its own lines, so it can be filtered (`/`) and re-wrapped after a resize,
staying scrolled to the newest line. A flapping feed (connecting, down, connecting ...)
would push the alerts out of view, so consecutive feed events rewrite one line with a
count instead of adding lines.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from rich.text import Text
from textual import events
from textual.strip import Strip
from textual.timer import Timer
from textual.widgets import RichLog

from tmtui.core.events import Event, EventKind
from tmtui.core.trading_day import zone
from tmtui.ui.widgets.figure_style import GAIN, LOSS, WARN

REJECTED = "bold #ff8787"
ERROR = f"bold {LOSS}"
FEED = "#5fd7ff"
DRIFT = "bold #d7afff"
MANUAL_TAG = "bold black on #87afd7"
KIND_STYLES: dict[EventKind, str] = {
    EventKind.ALERT_ACCEPTED: "",
    EventKind.MANUAL_CLOSE: "",
    EventKind.MANUAL_ORDER: "",
    EventKind.ALERT_REJECTED: REJECTED,
    EventKind.ALERT_DUPLICATE: WARN,
    EventKind.ALERT_IGNORED: WARN,
    EventKind.POSITION: "",
    EventKind.DRIFT: DRIFT,
    EventKind.FLATTEN: f"bold {WARN}",
    EventKind.RISK_EXIT: DRIFT,
    EventKind.RISK_LOCK: f"bold white on {LOSS}",
    EventKind.RISK: DRIFT,
    EventKind.ORDER: FEED,
    EventKind.STRATEGY: "bold",
    EventKind.FEED: FEED,
    EventKind.LISTENER: FEED,
    EventKind.ERROR: ERROR,
    EventKind.INFO: "dim",
}
MANUAL_KINDS = frozenset(
    {EventKind.MANUAL_CLOSE, EventKind.MANUAL_ORDER, EventKind.FLATTEN, EventKind.STRATEGY}
)
"""Kinds only the trader's own keys produce."""
REWRAP_DELAY = 0.15
"""After a resize, wait this long for the next one before re-wrapping every line."""


def closed_pnl(event: Event) -> Decimal | None:
    """The net P&L a closing fill realized, when the event carries one."""
    value = event.data.get("pnl")
    if value is None:
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def message_style(event: Event) -> str:
    """Green for a winning close, red for a losing one; the kind's color otherwise."""
    if event.kind is EventKind.ORDER and event.data.get("loud"):
        return f"bold white on {LOSS}"
    pnl = closed_pnl(event)
    if pnl is not None and pnl:
        return f"bold {GAIN}" if pnl > 0 else f"bold {LOSS}"
    return KIND_STYLES.get(event.kind, "")


def event_text(event: Event, tz_name: str, *, with_date: bool = False) -> Text:
    """`12:31:07 buy 1 NQ @ 25600.25 (ORB) → long 1`, colored by what it means."""
    local = event.time.astimezone(zone(tz_name))
    stamp = local.strftime("%Y-%m-%d %H:%M:%S" if with_date else "%H:%M:%S")
    text = Text.assemble((stamp, "dim"))
    text.append(" ")
    if event.kind in MANUAL_KINDS:
        text.append(" manual ", style=MANUAL_TAG)
        text.append(" ")
    text.append(event.message, style=message_style(event))
    return text


@dataclass(frozen=True, slots=True)
class LogLine:
    text: Text
    folded: str
    """The plain text, case-folded, for the filter."""

    @classmethod
    def of(cls, text: Text) -> LogLine:
        return cls(text, text.plain.casefold())


@dataclass(slots=True)
class FeedRun:
    """Consecutive feed state changes shown as one line: how many, since when, and where."""

    first: datetime
    count: int
    line: LogLine
    last_strip: Strip | None
    """The last strip the line was drawn as (None: not drawn, e.g. filtered out)."""
    strips: int


class EventLog(RichLog):
    """A bounded log of events; the ledger keeps the full history."""

    def __init__(self, tz_name: str, max_lines: int, *, id: str | None = None) -> None:
        super().__init__(
            max_lines=max_lines, auto_scroll=True, wrap=True, markup=False, highlight=False, id=id
        )
        self.tz_name = tz_name
        self.filter_text = ""
        self.kept: deque[LogLine] = deque(maxlen=max_lines)
        self._wrapped_width = 0
        self._rewrap: Timer | None = None
        self._feed_run: FeedRun | None = None
        self._show_title()

    # --- adding -------------------------------------------------------------------------

    def add_event(self, event: Event, *, with_date: bool = False) -> None:
        text = event_text(event, self.tz_name, with_date=with_date)
        if event.kind is not EventKind.FEED:
            self._add(text)
            return
        run, first, count, redraw = self._feed_run, event.time, 1, False
        if run is not None and self.kept and self.kept[-1] is run.line:
            self.kept.pop()
            if run.last_strip is not None and self.lines and self.lines[-1] is run.last_strip:
                del self.lines[-run.strips :]
                self.notify_style_update()  # drops the cached renders of the removed lines
            else:
                redraw = self._matches(run.line)  # drawn, but re-wrapped since: redraw all
            first, count = run.first, run.count + 1
            since = first.astimezone(zone(self.tz_name)).strftime("%H:%M:%S")
            text.append(f"  ×{count} since {since}", style=f"bold {FEED}")
        self._feed_run = self._add_tracked(text, first, count)
        if redraw:
            self.rewrite()

    def _add_tracked(self, text: Text, first: datetime, count: int) -> FeedRun:
        """Add `text` and remember its strips, so the next feed event can replace them."""
        previous = self.lines[-1] if self.lines else None
        line = self._add(text, keep_run=True)
        if not self.lines or self.lines[-1] is previous:
            return FeedRun(first, count, line, None, 0)  # filtered out, or not drawn yet
        strips = 0
        for strip in reversed(self.lines):
            if strip is previous:
                break
            strips += 1
        return FeedRun(first, count, line, self.lines[-1], strips)

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
            self._add(Text(f"── {count} earlier event(s) from the ledger ──", style="dim"))

    def add_note(self, message: str, style: str = ERROR) -> None:
        """A line that did not come from the engine (it was not running, or failed to build)."""
        self._add(Text(message, style=style))

    def _add(self, text: Text, *, keep_run: bool = False) -> LogLine:
        if not keep_run:
            self._feed_run = None
        line = LogLine.of(text)
        self.kept.append(line)
        if self._matches(line):
            self.write(text)
        self._show_title()
        return line

    # --- filtering and re-wrapping ------------------------------------------------------

    def set_filter(self, text: str) -> None:
        """Show only lines containing `text` (any case); empty shows every line."""
        if text != self.filter_text:
            self.filter_text = text
            self.rewrite()

    @property
    def shown_lines(self) -> list[str]:
        """The plain text of the lines the filter lets through, oldest first."""
        return [line.text.plain for line in self.kept if self._matches(line)]

    def _matches(self, line: LogLine) -> bool:
        return not self.filter_text or self.filter_text.casefold() in line.folded

    def rewrite(self) -> None:
        """Write the kept lines again (at the current width), scrolled to the newest."""
        if self._feed_run is not None:
            self._feed_run.last_strip = None  # its strips are gone: the next run line appends
        self.clear()
        for line in self.kept:
            if self._matches(line):
                self.write(line.text, scroll_end=False)
        self._wrapped_width = self.size.width
        self.scroll_end(animate=False, immediate=True)
        self._show_title()

    def on_resize(self, event: events.Resize) -> None:
        """RichLog wraps a line once, when written: re-wrap after the width settles."""
        super().on_resize(event)
        if self._wrapped_width and event.size.width != self._wrapped_width:
            if self._rewrap is not None:
                self._rewrap.stop()
            self._rewrap = self.set_timer(REWRAP_DELAY, self.rewrite)
        elif not self._wrapped_width:
            self._wrapped_width = event.size.width
        self.call_after_refresh(self.scroll_end, animate=False)

    def _show_title(self) -> None:
        title = "AutoTrader log"
        if self.filter_text:
            shown = sum(1 for line in self.kept if self._matches(line))
            title += f" · filter “{self.filter_text}”: {shown} of {len(self.kept)} (Esc clears)"
        self.border_title = title
