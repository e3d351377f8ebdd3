"""The bottom line: is the data trustworthy (feed, delay, quote age), where alerts go, errors."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from rich.text import Text
from textual.widgets import Static

from tmtui.core.trading_day import zone
from tmtui.core.views import Snapshot
from tmtui.widgets.formatting import clock_text, duration_text

FEED_STYLES = {
    "live": "bold green",
    "connecting": "yellow",
    "delayed": "bold yellow",
    "stale": "bold yellow",
    "down": "bold red",
}
DELAY_BADGE = "bold yellow on red"
LEDGER_BADGE = "bold white on red"


def short_path(path: str) -> str:
    """The ledger path with the home directory written `~`, so it fits."""
    home = str(Path.home())
    return "~" + path[len(home) :] if home != "/" and path.startswith(home + "/") else path


def quote_age_text(age: float | None) -> str:
    """How old the freshest quote is: `quote 0.4s old`, `quote 0:02:10 old`."""
    if age is None:
        return "no quotes"
    if age < 60:
        return f"quote {max(age, 0.0):.1f}s old"
    return f"quote {duration_text(timedelta(seconds=age))} old"


class StatusLine(Static):
    """Feed state (a loud DELAYED badge), listener URL and last alert, ledger, error count."""

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

    def show(self, snapshot: Snapshot) -> None:
        text = self.render_status(snapshot)
        if text.markup != self.shown.markup:
            self.shown = text
            self.update(text)

    def render_status(self, s: Snapshot) -> Text:
        tz = zone(self.tz_name)
        text = Text(no_wrap=True, overflow="ellipsis")
        if self.demo:
            text.append(" DEMO ", style="bold black on cyan")
            text.append(" ")
        if s.delay_minutes:
            text.append(f" DELAYED {s.delay_minutes} min ", style=DELAY_BADGE)
            text.append(" ")
        text.append("Feed ", style="dim")
        text.append(s.feed_state, style=FEED_STYLES.get(s.feed_state, ""))
        if s.feed_reason and s.feed_state != "live":
            text.append(f" ({s.feed_reason})", style="dim")
        text.append(f" · {quote_age_text(s.quote_age)}")
        text.append(" │ Alerts ", style="dim")
        text.append(s.listener_url + self.webhook_path if s.listener_url else "listener off")
        if not s.secret_set:
            text.append(" ")
            text.append(" NO SECRET ", style=DELAY_BADGE)
        last = "none yet" if s.last_alert is None else clock_text(s.last_alert, tz)
        text.append(f" · last {last}")
        text.append(" │ Rejected ", style="dim")
        text.append(str(s.rejected), style="bold yellow" if s.rejected else "")
        text.append(" · Errors ", style="dim")
        text.append(str(s.errors), style="bold red" if s.errors else "")
        if s.ledger is not None:
            text.append(" │ ")
            text.append(f" LEDGER: {s.ledger} ", style=LEDGER_BADGE)
            return text
        text.append(" │ Ledger ", style="dim")
        text.append(short_path(s.ledger_path))
        return text
