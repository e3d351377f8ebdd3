"""`q` with positions open or an alert just received: say what stopping costs, then ask.

While tmtui is stopped no alert is received (TradingView does not queue webhooks), so the
open positions stop following their strategies; the dialog says so before the trader goes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

RECENT_ALERT_S = 30.0
"""An alert this recent suggests a strategy is active: quitting asks first."""


@dataclass(frozen=True, slots=True)
class QuitRisk:
    """What quitting now leaves behind."""

    open_positions: int
    last_alert_age: float | None
    in_flight: int = 0

    @property
    def worth_asking(self) -> bool:
        """Positions open, or an alert received (answered or still being recorded) lately."""
        recent = self.last_alert_age is not None and self.last_alert_age <= RECENT_ALERT_S
        return self.open_positions > 0 or recent or self.in_flight > 0


def quit_question(risk: QuitRisk) -> Text:
    """`2 positions are open. Alerts will not be received while tmtui is stopped.`"""
    n = risk.open_positions
    text = Text()
    if n:
        text.append(f"{n} position{'s are' if n != 1 else ' is'} open. ", style="bold")
    if risk.in_flight:
        many = "alerts are" if risk.in_flight != 1 else "alert is"
        text.append(f"{risk.in_flight} {many} being recorded now. ", style="bold")
    elif risk.last_alert_age is not None and risk.last_alert_age <= RECENT_ALERT_S:
        text.append(f"An alert arrived {int(risk.last_alert_age)} s ago. ", style="bold")
    text.append(
        "\nAlerts will not be received while tmtui is stopped: TradingView does not queue "
        "them, so open positions stop following their strategies until you start it again.",
        style="bold yellow",
    )
    text.append("\nAlerts already received are recorded and answered before it stops.")
    return text


class QuitScreen(ModalScreen[bool]):
    """`y` quits; `n` or Escape stays."""

    DEFAULT_CSS = """
    QuitScreen { align: center middle; }
    QuitScreen > #quit-dialog {
        width: 76;
        max-width: 100%;
        height: auto;
        border: thick $error;
        background: $surface;
        padding: 1 2;
    }
    QuitScreen #quit-keys { color: $text-muted; margin: 1 0 0 0; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "confirm_quit", "Quit", id="confirm_quit"),
        Binding("n,escape", "cancel_quit", "Stay", id="cancel_quit"),
    ]

    def __init__(self, risk: QuitRisk) -> None:
        super().__init__()
        self.risk = risk

    def compose(self) -> ComposeResult:
        with Vertical(id="quit-dialog") as dialog:
            dialog.border_title = "Quit tmtui?"
            yield Static(quit_question(self.risk), id="quit-question")
            yield Static(Text("[y] quit · [n / Esc] stay"), id="quit-keys")

    def action_confirm_quit(self) -> None:
        self.dismiss(True)

    def action_cancel_quit(self) -> None:
        self.dismiss(False)
