"""Ask before closing anything, and show the exact price each position will close at.

One row per position: what it is, the price it will use and where that price came from
(live (age), STALE (age), DELAYED 10 min, none), an editable price field prefilled with the
mark, and the estimated P&L at that price. With marks it works as a yes/no question (`y`
or Enter closes, `n` or Escape cancels, Tab reaches the price fields); with no mark the
empty field is focused, the trader types the fill price and presses Enter. There is no
dead end: a feed down since start still lets every position be closed from the keyboard.

Untouched fields follow the mark while the dialog is open, so the price used is the one
on screen when the trader confirms; a typed price is kept as typed.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar, Protocol

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from tmtui.core.alerts.manual_orders import ManualPrice, PriceSource, parse_price
from tmtui.core.alerts.order_checks import band_question
from tmtui.core.formatting import row_order
from tmtui.core.models import TmtuiError
from tmtui.core.views import MarkState, PositionView
from tmtui.ui.screens.price_labels import mark_label, mark_warning, price_source
from tmtui.ui.widgets.figure_style import money_text, price_text

PositionKey = tuple[str, str]
ClosePrices = dict[PositionKey, ManualPrice]
MARK_REFRESH_S = 0.5


class CloseSource(Protocol):
    """Where the dialog reads fresh marks and P&L (the engine)."""

    def position_view(self, key: PositionKey) -> PositionView | None: ...
    def pnl_at(self, key: PositionKey, price: Decimal) -> Decimal | None: ...


@dataclass(frozen=True, slots=True)
class CloseRequest:
    """The positions one confirmation is about (one for `c`, several for a flatten)."""

    title: str
    positions: tuple[PositionView, ...]
    destinations: tuple[str, ...] = ()
    """Where the close goes, one line per strategy when they differ: `→ TradersPost (tp)`
    or `books only (paper)` (nobody may think a paper close reached a broker)."""

    @property
    def closable(self) -> tuple[PositionView, ...]:
        """Those with a mark to prefill; the others need a typed price."""
        return tuple(p for p in self.positions if p.last_price is not None)

    @property
    def unpriced(self) -> tuple[PositionView, ...]:
        return tuple(p for p in self.positions if p.last_price is None)


def describe(p: PositionView) -> Text:
    """`long 1 NQ (ORB) avg 25600`."""
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(p.side, style="bold green" if p.side == "long" else "bold red")
    text.append(f" {p.qty} ")
    text.append(p.symbol, style="bold")
    text.append(f" ({p.strategy})")
    text.append(f" avg {price_text(p.avg_price, p.tick)}", style="dim")
    return text


class PriceRow(Horizontal):
    """One position's line: description, price source, price field, estimated P&L."""

    def __init__(self, view: PositionView, index: int) -> None:
        super().__init__(classes="price-row")
        self.view = view
        self.key = view.key
        self.prefill = price_text(view.last_price, view.tick) if view.last_price is not None else ""
        self.gone = False
        self.copied = False
        """The field holds a price typed on another row of the same symbol (no mark here)."""
        self.set_by_dialog: str | None = self.prefill
        """The value the dialog itself last put in the field, to tell it from typing."""
        self.field_id = f"price-{index}"

    def compose(self) -> ComposeResult:
        yield Static(describe(self.view), classes="what")
        yield Static(self._label(), classes="source")
        yield Input(self.prefill, placeholder="type price", id=self.field_id, classes="price")
        yield Static(Text("—", justify="right"), classes="pnl")

    @property
    def field(self) -> Input:
        return self.query_one(Input)

    @property
    def touched(self) -> bool:
        """The trader typed something other than the mark shown."""
        return self.field.value.strip() != self.prefill

    def _label(self) -> Text:
        """Where the price in the field comes from: `typed` once the trader typed one (or
        copied from a row of the same symbol), else the mark's source and age."""
        v = self.view
        fields = self.query(Input)
        value = fields.first().value.strip() if fields else ""
        if value and (value != self.prefill or v.mark_state is MarkState.NONE):
            return Text("typed", style="bold cyan")
        return mark_label(v.mark_state, v.mark_age, v.delay_minutes)

    def relabel(self) -> None:
        if not self.gone:
            self.query_one(".source", Static).update(self._label())

    def follow(self, view: PositionView | None) -> None:
        """Take a fresh view: the age ticks, an untouched field follows the mark.

        Not while the field has focus: the trader is about to type over the selected
        price, and a new value would drop the selection and mix the two.
        """
        if view is None:
            self.gone = True
            self.field.disabled = True
            self.query_one(".source", Static).update(Text("closed meanwhile", style="dim"))
            return
        untouched = not self.touched and not self.field.has_focus
        self.view = view
        self.query_one(".source", Static).update(self._label())
        if untouched and view.last_price is not None:
            self.prefill = price_text(view.last_price, view.tick)
            self.set_value(self.prefill)

    def set_value(self, value: str) -> None:
        if self.field.value != value:
            self.set_by_dialog = value
            self.field.value = value

    def show_pnl(self, pnl: Decimal | None) -> None:
        self.query_one(".pnl", Static).update(money_text(pnl))

    def chosen(self) -> ManualPrice:
        """The price to close at and its source; raises TmtuiError for a bad field."""
        price = parse_price(self.field.value, self.key[1])
        if self.touched or self.view.mark_state is MarkState.NONE:
            return ManualPrice(price, PriceSource.TYPED)
        return ManualPrice(price, price_source(self.view.mark_state))


class RowList(VerticalScroll, can_focus=False):
    """Scrolls when a flatten has many positions; Tab goes straight to the price fields."""


class ConfirmScreen(ModalScreen[ClosePrices | None]):
    """Dismisses with the price for each position to close, or None when cancelled."""

    AUTO_FOCUS = ""  # with marks, y / n act at once; a price field gets focus only when empty

    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    ConfirmScreen > #dialog {
        width: 100;
        max-width: 100%;
        height: auto;
        max-height: 90%;
        border: thick $warning;
        background: $surface;
        padding: 0 1;
    }
    ConfirmScreen #rows { height: auto; max-height: 12; }
    ConfirmScreen .price-row { height: 1; }
    ConfirmScreen .what { width: 1fr; }
    ConfirmScreen .source { width: 17; }
    ConfirmScreen .price-head { width: 14; }
    ConfirmScreen .pnl { width: 12; }
    ConfirmScreen Input.price {
        width: 14; height: 1; border: none; padding: 0 1; background: $boost;
    }
    ConfirmScreen Input.price:focus { border: none; background: $accent 40%; }
    ConfirmScreen #destination { height: auto; color: $accent; }
    ConfirmScreen #header { height: 1; color: $text-muted; margin: 1 0 0 0; }
    ConfirmScreen #warnings { color: $warning; margin: 1 0 0 0; height: auto; }
    ConfirmScreen #error { color: $error; height: auto; }
    ConfirmScreen #keys { color: $text-muted; margin: 1 0 0 0; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "confirm", "Yes, close", id="confirm"),
        Binding("enter", "confirm", "Close", show=False),
        Binding("n,escape", "cancel", "Cancel", id="cancel"),
    ]

    def __init__(
        self, request: CloseRequest, source: CloseSource, price_band: Decimal = Decimal(0)
    ) -> None:
        super().__init__()
        self.request = request
        self.source = source
        self.price_band = price_band
        """`[ui] order_price_band` (percent): a typed price farther from the mark is asked
        again (a typo such as 25480 for 25540 would book a loss at the next mark)."""
        self._asked: ClosePrices | None = None
        views = sorted(request.positions, key=lambda p: row_order(*p.key))  # the table's order
        self.rows = [PriceRow(view, i) for i, view in enumerate(views)]

    @property
    def can_close(self) -> bool:
        """Every position has a price: a mark, or one typed in its field."""
        return all(row.gone or row.field.value.strip() for row in self.rows)

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog") as dialog:
            dialog.border_title = self.request.title
            yield Static(self._question(), id="question")
            yield Static(self._destination(), id="destination")
            with Horizontal(id="header"):
                yield Static("Position", classes="what")
                yield Static("Price source", classes="source")
                yield Static("Close at", classes="price-head")
                yield Static(Text("Est. P&L", justify="right"), classes="pnl")
            with RowList(id="rows"):
                yield from self.rows
            yield Static(id="warnings")
            yield Static(id="error")
            yield Static(self._keys(), id="keys")

    def on_mount(self) -> None:
        for row in self.rows:
            self._show_pnl(row)
        self._show_warnings()
        empty = next((row for row in self.rows if not row.prefill), None)
        if empty is not None:
            empty.field.focus()
        self.set_interval(MARK_REFRESH_S, self._follow_marks)

    def _question(self) -> Text:
        positions = self.request.positions
        if len(positions) == 1:
            p = positions[0]
            text = Text(f"Close {p.side} {p.qty} {p.symbol} ({p.strategy})", style="bold")
            text.append(" at the price below?" if p.last_price is not None else ":", style="bold")
            return text
        return Text(f"Close these {len(positions)} positions at the prices below?", style="bold")

    def _destination(self) -> Text:
        return Text("\n".join(self.request.destinations), style="bold")

    def _keys(self) -> Text:
        if self.request.unpriced:
            return Text("Type the fill price · [Enter] close · [Tab] next field · [Esc] cancel")
        return Text("[y / Enter] close at these prices · [Tab] edit a price · [n / Esc] cancel")

    def _show_warnings(self) -> None:
        """One line per doubtful mark, one for every symbol with no price (not one per row)."""
        live = [r for r in self.rows if not r.gone and not r.touched]
        lines = [
            mark_warning(r.view.mark_state, r.key[1], r.view.mark_age, r.view.delay_minutes)
            for r in live
            if r.view.mark_state is not MarkState.NONE
        ]
        unpriced = dict.fromkeys(r.key[1] for r in live if r.view.mark_state is MarkState.NONE)
        if unpriced:
            lines.append(mark_warning(MarkState.NONE, ", ".join(unpriced), None, None))
        self.query_one("#warnings", Static).update(Text("\n".join(dict.fromkeys(lines))))

    def _show_pnl(self, row: PriceRow) -> None:
        try:
            price = parse_price(row.field.value, row.key[1])
        except TmtuiError:
            row.show_pnl(None)
            return
        row.show_pnl(self.source.pnl_at(row.key, price))

    def _follow_marks(self) -> None:
        for row in self.rows:
            if not row.gone:
                row.follow(self.source.position_view(row.key))
        self._show_warnings()

    def on_input_changed(self, event: Input.Changed) -> None:
        for row in self.rows:
            if row.field is event.input:
                self._show_pnl(row)
                row.relabel()
                if event.value != row.set_by_dialog:  # the trader typed it
                    self._copy_to_same_symbol(row)
        self.query_one("#error", Static).update("")
        self._show_warnings()

    def _copy_to_same_symbol(self, typed: PriceRow) -> None:
        """A price typed for NQ fills the other NQ rows that have no mark and no own price,
        on screen before Enter: one fill price per instrument is what a flatten usually got."""
        typed.copied = False
        typed.set_by_dialog = None
        value = typed.field.value
        for row in self.rows:
            blank = not row.field.value or row.copied
            if row is typed or row.gone or row.prefill or not blank:
                continue
            if row.key[1] == typed.key[1]:
                row.set_value(value)
                row.copied = bool(value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_confirm()

    def action_confirm(self) -> None:
        """Close at the prices shown; a missing or bad price keeps the dialog open."""
        prices: ClosePrices = {}
        for row in self.rows:
            if row.gone:
                continue
            try:
                prices[row.key] = row.chosen()
            except TmtuiError as exc:
                self.query_one("#error", Static).update(Text(str(exc)))
                row.field.focus()
                return
        if not prices:
            self.notify("Every position was closed meanwhile: nothing to close.", markup=False)
        question = self._band_question(prices)
        if question is not None and prices != self._asked:
            self._asked = prices  # the same prices confirmed again: the trader means them
            self.query_one("#error", Static).update(Text(question, style="bold yellow"))
            return
        self.dismiss(prices or None)

    def _band_question(self, prices: ClosePrices) -> str | None:
        """The first typed price beyond the band from its position's mark, asked about."""
        for row in self.rows:
            chosen = prices.get(row.key)
            if chosen is None or chosen.source is not PriceSource.TYPED:
                continue
            question = band_question(
                chosen.price, row.view.last_price, self.price_band, row.view.tick
            )
            if question is not None:
                return f"{row.key[1]} ({row.key[0]}): {question}"
        return None

    def action_cancel(self) -> None:
        self.dismiss(None)
