"""`E`: every strategy ever seen with its switch, on or off, flat or not (j/k, Enter or e)."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from tmtui.core.formatting import name_order


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
        Binding("escape,E", "dismiss_picker", "Close", id="close_strategies"),
        Binding("e", "pick", "On/off", id="toggle_strategy"),
        Binding("j,down", "move(1)", "Down", show=False, id="cursor_down"),
        Binding("k,up", "move(-1)", "Up", show=False, id="cursor_up"),
    ]

    def __init__(self, strategies: dict[str, bool], selected: str | None = None) -> None:
        super().__init__()
        self.strategies = dict(sorted(strategies.items(), key=lambda kv: name_order(kv[0])))
        self.selected = selected

    def compose(self) -> ComposeResult:
        options = [
            Option(f"{'ON ' if on else 'OFF'}  {name}", id=name)
            for name, on in self.strategies.items()
        ]
        with Vertical(id="strategies"):
            if options:
                yield Static("j/k move · Enter or e switches on/off · Esc closes.")
                yield OptionList(*options, id="strategy-list")
            else:
                yield Static("No strategies yet: they appear with their first alert. Esc closes.")

    def on_mount(self) -> None:
        if self.selected in self.strategies:
            options = self.query_one(OptionList)
            options.highlighted = list(self.strategies).index(self.selected)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_move(self, step: int) -> None:
        options = self.query(OptionList)
        if options:
            (options.first().action_cursor_down if step > 0 else options.first().action_cursor_up)()

    def action_pick(self) -> None:
        options = self.query(OptionList)
        if options and options.first().highlighted is not None:
            option = options.first().get_option_at_index(options.first().highlighted or 0)
            self.dismiss(option.id)

    def action_dismiss_picker(self) -> None:
        self.dismiss(None)
