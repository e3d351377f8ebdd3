"""Today's account at a glance: realized, open, total, max drawdown, trades."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from tmtui.core.views import Snapshot
from tmtui.widgets.formatting import money_text


class TotalsBar(Static):
    """One line of the day's figures; the engine computes them, this only lays them out."""

    DEFAULT_CSS = """
    TotalsBar {
        height: 3;
        border: round $primary;
        padding: 0 1;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("starting…", id=id)
        self.border_title = "Today"
        self._shown: tuple[str, str] | None = None

    def show(self, snapshot: Snapshot) -> None:
        """Redraw only when the text changed, so an idle market costs nothing."""
        a = snapshot.account
        text = Text()
        for label, value, bold in (
            ("Realized (net)", a.realized, False),
            ("Open P&L", a.known_open, False),
            ("Total", a.known_total, True),
            ("Max drawdown", a.max_drawdown, False),
        ):
            text.append(f"{label} ", style="dim")
            text.append_text(money_text(value, bold=bold, justify="left"))
            if label == "Open P&L" and a.unmarked:
                text.append(f", {a.unmarked} unmarked", style="bold yellow")
            text.append("    ")
        text.append("Trades ", style="dim")
        text.append(str(a.trades), style="bold")
        disabled = sorted(s for s, on in snapshot.strategies.items() if not on)
        if disabled:
            text.append("    ")
            text.append(f" OFF: {', '.join(disabled)} ", style="bold black on yellow")
        title = f"Today · trading day {a.day.isoformat()}"
        key = (text.markup, title)
        if key != self._shown:
            self._shown = key
            self.border_title = title
            self.update(text)
