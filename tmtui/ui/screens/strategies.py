"""`E`: every known strategy with its switch, so one with no open position can be re-enabled."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option


class StrategiesScreen(ModalScreen[str | None]):
    """Pick a strategy to switch on or off (Enter); Escape closes without a change."""

    DEFAULT_CSS = """
    StrategiesScreen { align: center middle; }
    StrategiesScreen > #strategies {
        width: 60;
        height: auto;
        max-height: 80%;
        border: thick $primary;
        background: $surface;
        padding: 1 2;
    }
    StrategiesScreen OptionList { height: auto; max-height: 20; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,E", "dismiss_picker", "Close", id="close_strategies")
    ]

    def __init__(self, strategies: dict[str, bool], selected: str | None = None) -> None:
        super().__init__()
        self.strategies = dict(sorted(strategies.items()))
        self.selected = selected

    def compose(self) -> ComposeResult:
        options = [
            Option(f"{'ON ' if on else 'OFF'}  {name}", id=name)
            for name, on in self.strategies.items()
        ]
        with Vertical(id="strategies"):
            if options:
                yield Static("Enter switches the strategy on or off; Esc closes.")
                yield OptionList(*options, id="strategy-list")
            else:
                yield Static("No strategies yet: they appear with their first alert. Esc closes.")

    def on_mount(self) -> None:
        if self.selected in self.strategies:
            options = self.query_one(OptionList)
            options.highlighted = list(self.strategies).index(self.selected)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_dismiss_picker(self) -> None:
        self.dismiss(None)
