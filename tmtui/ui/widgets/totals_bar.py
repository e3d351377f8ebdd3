"""Today's account at a glance: realized, open, total, max drawdown, trades.

Each figure sits in a slot of fixed width, right-aligned, so nothing moves left or right as
values change. When they do not all fit on one line the slots become a grid of equal
columns over two lines (still fixed places) instead of being cut.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from textual import events
from textual.widgets import Static

from tmtui.core.views import AccountView
from tmtui.ui.widgets.figure_style import WARN, money_text

MONEY_WIDTH = 11
"""`+123,456.00`; a wider figure widens its slot (rare; it never shrinks back)."""
GAP = 2


@dataclass(frozen=True, slots=True)
class Field:
    label: str
    value: Text
    width: int

    @property
    def slot(self) -> int:
        return len(self.label) + 1 + self.width


def account_fields(account: AccountView, widths: dict[str, int]) -> list[Field]:
    """The figures in reading order; `widths` remembers each slot's widest value."""
    values = (
        ("Realized", money_text(account.realized)),
        ("Open P&L", money_text(account.known_open)),
        ("Total", money_text(account.known_total, bold=True)),
        ("Max DD", money_text(account.max_drawdown)),
        ("Trades", Text(str(account.trades), style="bold")),
    )
    fields = []
    for label, value in values:
        base = MONEY_WIDTH if label != "Trades" else 3
        width = widths[label] = max(widths.get(label, base), base, len(value.plain))
        fields.append(Field(label, value, width))
    return fields


def lay_out(fields: Sequence[Field], width: int, extra: Text | None = None) -> Text:
    """Fields on one line at their own widths if they fit, else in a grid of equal slots."""
    natural = sum(f.slot for f in fields) + GAP * (len(fields) - 1)
    grid = natural > width
    slot = max(f.slot for f in fields) if fields else 0
    per_line = max(1, (width + GAP) // (slot + GAP)) if grid else len(fields)
    text = Text(no_wrap=True, overflow="ellipsis")
    for index, field in enumerate(fields):
        column = index % per_line
        if index and column == 0:
            text.append("\n")
        elif column:
            text.append(" " * GAP)
        size = slot if grid else field.slot
        text.append(field.label, style="dim")
        text.append(" " * (size - len(field.label) - len(field.value.plain)))
        text.append_text(field.value)
    if extra is not None and extra.plain:
        used = len(text.plain.rsplit("\n", 1)[-1])
        text.append("\n" if used + GAP + len(extra.plain) > width else " " * GAP)
        text.append_text(extra)
    return text


class TotalsBar(Static):
    """The day's figures over the positions; the engine computes them, this lays them out."""

    DEFAULT_CSS = """
    TotalsBar {
        height: auto;
        background: $panel;
        padding: 0 1;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("starting…", id=id)
        self._widths: dict[str, int] = {}
        self._account: AccountView | None = None
        self._disabled: tuple[str, ...] = ()
        self._shown = ""
        self._rows = -1

    def show(self, account: AccountView, disabled: Sequence[str] = ()) -> None:
        """Redraw only when the text changed, so an idle market costs nothing."""
        self._account, self._disabled = account, tuple(disabled)
        self._draw()

    def on_resize(self, _: events.Resize) -> None:
        self._draw()

    def _draw(self) -> None:
        if self._account is None:
            return
        extra = Text()
        if self._account.unmarked:  # why Open and Total read "—": unknown is not zero
            extra.append(f"{self._account.unmarked} unmarked", style=f"bold {WARN}")
        if self._disabled:
            if extra:
                extra.append("  ")
            extra.append(f" OFF: {', '.join(self._disabled)} ", style=f"bold black on {WARN}")
        width = max(self.size.width, 20)
        text = lay_out(account_fields(self._account, self._widths), width, extra)
        if text.markup != self._shown:
            # A layout pass of the whole screen only when the bar's height changes, not for
            # every new figure in it (a quote moves them several times a second).
            rows = text.plain.count("\n")
            self._shown = text.markup
            self.update(text, layout=rows != self._rows)
            self._rows = rows

    @property
    def shown(self) -> str:
        """The bar's plain text (for tests and the headless check)."""
        return Text.from_markup(self._shown).plain if self._shown else ""
