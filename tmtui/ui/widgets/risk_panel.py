"""The risk guard at a glance: a lockout banner, and each active limit with its distance.

One line per rule: where it stands, the dollars (contracts, time) left and, for account
limits, the price at which each open position alone would breach; colored as it nears.
Hidden while no rule is configured, so a screen without `[risk]` looks as it always did.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from tmtui.core.risk.risk_report import CheckText, check_text
from tmtui.core.trading_day import TradingCalendar
from tmtui.core.views import Snapshot

LEVEL_STYLES = {
    "ok": "green",
    "warning": "bold yellow",
    "danger": "bold red",
    "breached": "bold white on red",
}
BANNER_STYLE = "bold white on red"


class RiskPanel(Static):
    """Draws `snapshot.risk`; the engine measured it, this only lays it out."""

    DEFAULT_CSS = """
    RiskPanel {
        height: auto;
        max-height: 10;
        border: round $primary;
        padding: 0 1;
    }
    """

    def __init__(self, calendar: TradingCalendar, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self.calendar = calendar
        self.border_title = "Risk"
        self.display = False
        self._shown: str | None = None

    def show(self, snapshot: Snapshot) -> None:
        """Redraw only when the text changed; hide when there is nothing to guard."""
        risk = snapshot.risk
        if risk is None or (not risk.checks and not risk.locks):
            self.display = False
            return
        text = Text()
        if risk.banner:
            text.append(f" {risk.banner} ", style=BANNER_STYLE)
        for check in risk.checks:
            if text:
                text.append("\n")
            text.append_text(self._line(check_text(check, self.calendar)))
        if text.markup != self._shown:
            self._shown = text.markup
            self.update(text)
        self.display = True

    @staticmethod
    def _line(t: CheckText) -> Text:
        line = Text()
        line.append(f"{t.rule} ", style="bold")
        line.append(f"{t.scope}  ", style="dim")
        line.append(f"{t.value} / {t.limit}  ")
        line.append(
            f"{t.distance} left" if t.level != "breached" else "BREACHED",
            style=LEVEL_STYLES.get(t.level, ""),
        )
        if t.breach:
            line.append("  breach " + ", ".join(t.breach.splitlines()), style="dim")
        if t.note:
            line.append(f"  ({t.note})", style="dim")
        return line
