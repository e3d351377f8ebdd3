"""The bottom line: can the figures be trusted (feed, delay, quote age), where alerts go, errors.

Segments come in priority order: the feed's state, the alert listener and the error count
first; the ledger path last. When the line is too narrow, the lowest-priority segments are
shortened first, then dropped, so the feed state is the last thing to go.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from rich.text import Text
from textual import events
from textual.widgets import Static

from tmtui.core.formatting import seconds_text
from tmtui.core.trading_day import zone
from tmtui.core.views import Snapshot
from tmtui.ui.widgets.figure_style import GAIN, LOSS, WARN, clock_text, duration_text

FEED_STYLES = {
    "live": f"bold {GAIN}",
    "connecting": WARN,
    "delayed": f"bold {WARN}",
    "stale": f"bold {WARN}",
    "down": f"bold {LOSS}",
}
DELAY_BADGE = f"bold black on {WARN}"
LEDGER_BADGE = f"bold white on {LOSS}"
SEPARATOR = " │ "


@dataclass(frozen=True, slots=True)
class Segment:
    """One part of the line: its full text, a shorter one, and whether it may go."""

    full: Text
    short: Text | None = None
    droppable: bool = True


def short_path(path: str) -> str:
    """The ledger path with the home directory written `~`, so it fits."""
    home = str(Path.home())
    return "~" + path[len(home) :] if home != "/" and path.startswith(home + "/") else path


def quote_age_text(age: float | None, short: bool = False) -> str:
    """How old the freshest quote is: `quote 0.4s old` (`0.4s`), `quote 0:02:10 old`."""
    if age is None:
        return "no quotes"
    shown = f"{seconds_text(max(age, 0.0))}s" if age < 60 else duration_text(timedelta(seconds=age))
    return shown if short else f"quote {shown} old"


def fit(segments: Sequence[Segment], width: int) -> Text:
    """Join segments with separators, shortening then dropping from the end until it fits;
    what a drop frees goes back to the most important segments' full text."""
    chosen: list[Text | None] = [s.full for s in segments]

    def total() -> int:
        shown = [t for t in chosen if t is not None]
        return sum(len(t.plain) for t in shown) + len(SEPARATOR) * max(len(shown) - 1, 0)

    for index in reversed(range(len(segments))):
        if total() <= width:
            break
        chosen[index] = segments[index].short or segments[index].full
    for index in reversed(range(len(segments))):
        if total() <= width:
            break
        if segments[index].droppable:
            chosen[index] = None
    dropped = any(text is None for text in chosen)
    for index, segment in enumerate(segments):  # room freed by a drop: full text again
        if dropped and chosen[index] is not None and chosen[index] is not segment.full:
            shorter, chosen[index] = chosen[index], segment.full
            if total() > width:
                chosen[index] = shorter
    text = Text(no_wrap=True, overflow="ellipsis")
    for part in (t for t in chosen if t is not None):
        if text.plain:
            text.append(SEPARATOR, style="dim")
        text.append_text(part)
    return text


class StatusLine(Static):
    """Feed state (a loud DELAYED badge), listener URL and last alert, errors, ledger."""

    DEFAULT_CSS = """
    StatusLine {
        height: 1;
        background: $panel;
        padding: 0 1;
    }
    """

    def __init__(
        self, tz_name: str, webhook_path: str, *, demo: bool = False, id: str | None = None
    ) -> None:
        super().__init__("starting…", id=id)
        self.demo = demo
        self.tz_name = tz_name
        self.webhook_path = webhook_path
        self.shown = Text("starting…")
        """What the line shows now; lets a test read it without rendering."""
        self._snapshot: Snapshot | None = None

    def show(self, snapshot: Snapshot) -> None:
        self._snapshot = snapshot
        self._draw()

    def on_resize(self, _: events.Resize) -> None:
        self._draw()

    def _draw(self) -> None:
        if self._snapshot is None:
            return
        width = self.size.width or 200
        text = fit(self.segments(self._snapshot), width)
        if text.markup != self.shown.markup:
            self.shown = text
            # One row whatever it says: no layout pass of the whole screen (the clock and
            # the ages in it change every second).
            self.update(text, layout=False)

    def render_status(self, s: Snapshot) -> Text:
        """The whole line with every segment at full length."""
        return fit(self.segments(s), 10_000)

    def segments(self, s: Snapshot) -> list[Segment]:
        """The line's parts, most important first."""
        return [self._feed(s), self._alerts(s), self._errors(s), self._ledger(s)]

    def _feed(self, s: Snapshot) -> Segment:
        full, short = Text(), Text()
        if self.demo:
            for t in (full, short):
                t.append(" DEMO ", style="bold black on cyan")
                t.append(" ")
        if s.delay_minutes:
            full.append(f" DELAYED {s.delay_minutes} min ", style=DELAY_BADGE)
            full.append(" ")
            short.append(f" DELAYED {s.delay_minutes}m ", style=DELAY_BADGE)
            short.append(" ")
        state = Text(s.feed_state, style=FEED_STYLES.get(s.feed_state, ""))
        full.append("Feed ", style="dim")
        full.append_text(state)
        if s.feed_reason and s.feed_state != "live":
            full.append(f" ({s.feed_reason})", style="dim")
        full.append(f" · {quote_age_text(s.quote_age)}")
        short.append("Feed ", style="dim")
        short.append_text(state)
        short.append(f" {quote_age_text(s.quote_age, short=True)}")
        if s.unquoted:  # positions waiting for a first quote: say which
            names = ", ".join(s.unquoted)
            lead = ": " if s.quote_age is None else " · no quotes: "
            full.append(lead + names, style=f"bold {WARN}")
            short.append((": " if s.quote_age is None else " · no quotes: ") + names, style=WARN)
        return Segment(full, short, droppable=False)

    def _alerts(self, s: Snapshot) -> Segment:
        tz = zone(self.tz_name)
        last = "none yet" if s.last_alert is None else clock_text(s.last_alert, tz)
        url = s.listener_url + self.webhook_path if s.listener_url else "listener off"
        full = Text.assemble(("Alerts ", "dim"))
        full.append(url, style="" if s.listener_url else f"bold {LOSS}")
        short = Text.assemble(("Alerts ", "dim"))
        port = f":{urlsplit(s.listener_url).port}" if s.listener_url else "off"
        short.append(port, style="" if s.listener_url else f"bold {LOSS}")
        if not s.secret_set:  # alerts through a tunnel are refused: say so where they arrive
            for t in (full, short):
                t.append(" ")
                t.append(" NO SECRET ", style=DELAY_BADGE)
        full.append(f" · last {last}")
        short.append(f" last {last}")
        return Segment(full, short, droppable=s.secret_set)

    def _errors(self, s: Snapshot) -> Segment:
        """`Rejected 2 · Errors 0`: alerts refused and things that went wrong, never hidden."""
        text = Text.assemble(("Rejected ", "dim"))
        text.append(str(s.rejected), style=f"bold {WARN}" if s.rejected else "")
        text.append(" · Errors ", style="dim")
        text.append(str(s.errors), style=f"bold {LOSS}" if s.errors else "")
        short = Text.assemble(("Rej ", "dim"))
        short.append(str(s.rejected), style=f"bold {WARN}" if s.rejected else "")
        short.append(" Err ", style="dim")
        short.append(str(s.errors), style=f"bold {LOSS}" if s.errors else "")
        return Segment(text, short, droppable=False)

    def _ledger(self, s: Snapshot) -> Segment:
        """The ledger's path, or loudly what is wrong with it: then the other parts shorten
        first, it is never dropped, and a long reason runs to the edge of the line."""
        if s.ledger is not None:
            return Segment(Text(f" LEDGER: {s.ledger} ", style=LEDGER_BADGE), droppable=False)
        path = short_path(s.ledger_path)
        full = Text.assemble(("Ledger ", "dim"))
        full.append(path)
        name = Path(path).name
        short = Text.assemble(("Ledger ", "dim"))
        short.append(name if name == path else f"…/{name}")
        return Segment(full, short)
