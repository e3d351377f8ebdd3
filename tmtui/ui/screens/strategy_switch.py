"""`e` anywhere (dashboard, `E` picker, Strategies screen): switch a strategy on or off.

Switching off a strategy that holds a position asks first, and says what it means: new
entries are ignored, exits and closes of the open position still apply. The same keys and
the same question on every screen (`core.alerts.strategy_switch` holds the rule).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from tmtui.core.alerts.strategy_switch import asks_first, switch_message


def switch_question(strategy: str, legs: Sequence[str]) -> Text:
    """`ORB holds NQ long 1. Switched off, …` — what switching off changes for it."""
    text = Text(f"{strategy} holds {', '.join(legs)}. ", style="bold")
    text.append(
        "Switched off, its new entries are ignored; exits and closes of its open position "
        "still apply (reduce-only).",
        style="bold yellow",
    )
    return text


class SwitchScreen(ModalScreen[bool]):
    """`y` switches the strategy off; `n` or Escape keeps it on."""

    DEFAULT_CSS = """
    SwitchScreen { align: center middle; }
    SwitchScreen > #switch-dialog {
        width: 72;
        max-width: 100%;
        height: auto;
        border: thick $warning;
        background: $surface;
        padding: 1 2;
    }
    SwitchScreen #switch-keys { color: $text-muted; margin: 1 0 0 0; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "confirm_switch", "Switch off", id="confirm_switch"),
        Binding("n,escape", "cancel_switch", "Keep on", id="cancel_switch"),
    ]

    def __init__(self, strategy: str, legs: Sequence[str]) -> None:
        super().__init__()
        self.strategy = strategy
        self.legs = tuple(legs)

    def compose(self) -> ComposeResult:
        with Vertical(id="switch-dialog") as dialog:
            dialog.border_title = f"Switch {self.strategy} off?"
            yield Static(switch_question(self.strategy, self.legs), id="switch-question")
            yield Static(Text("[y] switch off · [n / Esc] keep on"), id="switch-keys")

    def action_confirm_switch(self) -> None:
        self.dismiss(True)

    def action_cancel_switch(self) -> None:
        self.dismiss(False)


def ask_to_switch(
    screen: Screen[Any],
    strategy: str,
    enabled: bool,
    legs: Sequence[str],
    switch: Callable[[bool], None],
) -> None:
    """Call `switch(new_state)` now, or once the trader confirmed switching off a strategy
    that holds `legs` (`NQ long 1`)."""
    if not asks_first(enabled, len(legs)):
        switch(not enabled)
        return

    def answered(yes: bool | None) -> None:
        if yes:
            switch(False)

    screen.app.push_screen(SwitchScreen(strategy, legs), answered)


def switched_note(strategy: str, enabled: bool) -> tuple[str, str]:
    """The notification after a switch, and its severity."""
    text = switch_message(strategy, enabled)
    return text[0].upper() + text[1:] + ".", "information" if enabled else "warning"
