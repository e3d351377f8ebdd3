"""`?`: the keys as they are bound now (after any `[keymap]` remaps), with their binding ids."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import ActiveBinding, Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static


@dataclass(frozen=True, slots=True)
class KeyHelp:
    keys: str
    description: str
    binding_id: str


def key_help(bindings: dict[str, ActiveBinding], display: dict[str, str]) -> list[KeyHelp]:
    """Group the active bindings that have an id (the remappable ones) by action."""
    grouped: dict[str, tuple[list[str], Binding]] = {}
    for key, active in bindings.items():
        binding = active.binding
        if not binding.id:
            continue
        keys, _ = grouped.setdefault(binding.id, ([], binding))
        keys.append(display.get(key, key))
    return [
        KeyHelp(" / ".join(keys), b.description or b.action, bid)
        for bid, (keys, b) in grouped.items()
    ]


class HelpScreen(ModalScreen[None]):
    """A table of keys; any of Escape, `?` or `q` closes it."""

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > #help {
        width: 72;
        height: auto;
        border: thick $primary;
        background: $surface;
        padding: 1 2;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "dismiss_help", "Close", id="close_help")
    ]

    def __init__(self, keys: list[KeyHelp]) -> None:
        super().__init__()
        self.keys = keys

    def compose(self) -> ComposeResult:
        table = Table(box=None, padding=(0, 2), show_edge=False)
        table.add_column("Key", style="bold")
        table.add_column("Does")
        table.add_column(Text("[keymap] id"), style="dim")  # Text: the brackets are literal
        for k in self.keys:
            table.add_row(k.keys, k.description, k.binding_id)
        with Vertical(id="help") as box:
            box.border_title = "Keys"
            yield Static(table)
            yield Static(
                Text(
                    'Remap in config.toml: [keymap] close_position = "x"\nEsc closes this help.',
                    style="dim",
                )
            )

    def action_dismiss_help(self) -> None:
        self.dismiss(None)
