"""Ask before closing anything: what will be closed, at what price, for roughly what P&L.

A position with no mark yet cannot be closed at a price, so the modal says so and offers
only a way back instead of a `y`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.console import JustifyMethod
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from tmtui.core.views import PositionView
from tmtui.widgets.formatting import money_text, price_text


@dataclass(frozen=True, slots=True)
class CloseRequest:
    """The positions one confirmation is about (one for `c`, several for a flatten)."""

    title: str
    positions: tuple[PositionView, ...]

    @property
    def closable(self) -> tuple[PositionView, ...]:
        return tuple(p for p in self.positions if p.last_price is not None)

    @property
    def unpriced(self) -> tuple[PositionView, ...]:
        return tuple(p for p in self.positions if p.last_price is None)


def positions_table(request: CloseRequest) -> Table:
    """One line per position: side, qty, symbol, strategy, the mark and the estimated P&L."""
    table = Table(box=None, padding=(0, 1), show_edge=False)
    columns: tuple[tuple[str, JustifyMethod], ...] = (
        ("Strategy", "left"),
        ("Symbol", "left"),
        ("Side", "left"),
        ("Qty", "right"),
        ("Avg", "right"),
        ("Mark", "right"),
        ("Est. P&L (gross)", "right"),
    )
    for name, justify in columns:
        table.add_column(name, justify=justify, style="bold" if name == "Symbol" else "")
    for p in request.positions:
        if p.last_price is None:
            mark: Text | str = Text("no price", style="bold red")
            pnl: Text = Text("cannot close", style="bold red")
        else:
            mark, pnl = price_text(p.last_price), money_text(p.open_pnl)
        table.add_row(p.strategy, p.symbol, p.side, str(p.qty), price_text(p.avg_price), mark, pnl)
    return table


def summary(request: CloseRequest) -> Text:
    """The question, or why there is nothing that can be closed."""
    closable, unpriced = request.closable, request.unpriced
    if not closable:
        what = "This position has" if len(request.positions) == 1 else "None of these has"
        return Text(
            f"{what} no price yet, so it cannot be closed at a mark.\n"
            "Wait for the feed to quote it.",
            style="bold red",
        )
    if len(request.positions) == 1:
        p = closable[0]
        text = Text(
            f"Close {p.side} {p.qty} {p.symbol} ({p.strategy}) at "
            f"{price_text(p.last_price)}, estimated P&L ",
            style="bold",
        )
        text.append_text(money_text(p.open_pnl, bold=True, justify="left"))
        text.append("?", style="bold")
    else:
        text = Text(f"Close these {len(closable)} positions at their marks?", style="bold")
    text.append(
        "\nIt closes at the mark when you press y; the mark shown is the latest.", style="dim"
    )
    if unpriced:
        text.append(
            f"\n{len(unpriced)} position(s) have no price yet and will stay open.", style="bold red"
        )
    return text


class ConfirmScreen(ModalScreen[bool]):
    """`y` closes, `n` or Escape cancels; dismisses with True only on `y`."""

    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    ConfirmScreen > #dialog {
        width: 96;
        height: auto;
        max-height: 90%;
        border: thick $warning;
        background: $surface;
        padding: 1 2;
    }
    ConfirmScreen #positions-to-close { margin: 1 0; height: auto; }
    ConfirmScreen #keys { color: $text-muted; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "confirm", "Yes, close", id="confirm"),
        Binding("n,escape", "cancel", "Cancel", id="cancel"),
    ]

    def __init__(self, request: CloseRequest) -> None:
        super().__init__()
        self.request = request

    @property
    def can_close(self) -> bool:
        return bool(self.request.closable)

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog") as dialog:
            dialog.border_title = self.request.title
            yield Static(summary(self.request), id="question")
            yield Static(positions_table(self.request), id="positions-to-close")
            keys = "[y] close   [n / Esc] cancel" if self.can_close else "[Esc] back"
            yield Static(Text(keys), id="keys")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """`y` does nothing when there is nothing with a price to close."""
        return self.can_close if action == "confirm" else True

    def action_confirm(self) -> None:
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)
