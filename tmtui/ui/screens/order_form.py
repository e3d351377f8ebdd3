"""`b` / `s`: buy or sell at a price, to mirror a fill the alerts missed (as Trade Manager does).

Strategy (the selected row's, else `manual`, where the cursor starts), symbol, qty and a
price prefilled with the mark, whose value, age and source are shown beside it. An entry the
risk guard forbids now (a lockout) is refused in the form, an exit passes; a price farther
than `[ui] order_price_band` percent from the mark needs a second Enter.
The order is recorded as a manual signal and applied to the same books as an alert. Enter
places it, Escape cancels; a bad field keeps the form open with a one-line reason.
"""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar, Protocol

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from tmtui.core.alerts.alert_parsing import validate_strategy_name
from tmtui.core.alerts.manual_orders import ManualOrder, ManualPrice, PriceSource, parse_price
from tmtui.core.alerts.order_checks import band_question
from tmtui.core.alerts.signal_rules import to_whole
from tmtui.core.models import Action, InvalidSignal, TmtuiError
from tmtui.core.views import MarkState, PositionView, SymbolMark
from tmtui.ui.screens.price_labels import mark_label, mark_warning, price_source
from tmtui.ui.widgets.figure_style import price_text

PositionKey = tuple[str, str]
DEFAULT_STRATEGY = "manual"
MARK_REFRESH_S = 0.5


class OrderSource(Protocol):
    """Where the form reads marks and positions (the engine)."""

    def symbol_mark(self, ticker: str, sign: int) -> SymbolMark: ...
    def position_view(self, key: PositionKey) -> PositionView | None: ...
    def destination(self, strategy: str) -> str: ...
    def order_refusal(self, strategy: str, ticker: str, change: int) -> str | None: ...


def position_text(view: PositionView | None) -> str:
    return "flat" if view is None else f"{view.side} {view.qty}"


class OrderScreen(ModalScreen[ManualOrder | None]):
    """Dismisses with the order to place, or None when cancelled."""

    AUTO_FOCUS = ""

    DEFAULT_CSS = """
    OrderScreen { align: center middle; }
    OrderScreen > #order {
        width: 76;
        max-width: 100%;
        height: auto;
        border: thick $accent;
        background: $surface;
        padding: 0 1;
    }
    OrderScreen .field-row { height: 1; margin: 1 0 0 0; }
    OrderScreen .field-label { width: 10; color: $text-muted; }
    OrderScreen Input { height: 1; border: none; padding: 0 1; background: $boost; }
    OrderScreen Input:focus { border: none; background: $accent 40%; }
    OrderScreen #strategy { width: 26; }
    OrderScreen #symbol { width: 14; }
    OrderScreen #qty { width: 8; }
    OrderScreen #price { width: 16; }
    OrderScreen #mark { width: 1fr; padding: 0 1; }
    OrderScreen #summary { margin: 1 0 0 0; }
    OrderScreen #destination { color: $accent; }
    OrderScreen #order-warning { color: $warning; height: auto; }
    OrderScreen #order-error { color: $error; height: auto; }
    OrderScreen #order-keys { color: $text-muted; margin: 1 0 0 0; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel_order", "Cancel", id="cancel_order"),
    ]

    def __init__(
        self,
        action: Action,
        source: OrderSource,
        *,
        max_qty: int,
        strategy: str | None = None,
        symbol: str = "",
        price_band: Decimal = Decimal(0),
    ) -> None:
        super().__init__()
        self.action = action
        self.source = source
        self.max_qty = max_qty
        self.sign = 1 if action is Action.BUY else -1
        self._strategy = strategy or DEFAULT_STRATEGY
        self._chosen = strategy is not None
        self._symbol = symbol
        self.price_band = price_band
        self._band_ok: Decimal | None = None
        """A price outside the band the trader already confirmed with a second Enter."""
        self.mark: SymbolMark | None = None
        self.prefill = ""

    def compose(self) -> ComposeResult:
        verb = "Buy" if self.action is Action.BUY else "Sell"
        with Vertical(id="order") as box:
            box.border_title = f"{verb} at a price (manual order)"
            with Horizontal(classes="field-row"):
                yield Static("Strategy", classes="field-label")
                yield Input(self._strategy, id="strategy")
                yield Static("  Symbol ", classes="field-label")
                yield Input(self._symbol, placeholder="e.g. NQ1!", id="symbol")
            with Horizontal(classes="field-row"):
                yield Static("Qty", classes="field-label")
                yield Input("1", id="qty")
                yield Static("  Price ", classes="field-label")
                yield Input(placeholder="type price", id="price")
                yield Static(id="mark")
            yield Static(id="summary")
            yield Static(id="destination")
            yield Static(id="order-warning")
            yield Static(id="order-error")
            yield Static(
                Text(f"[Enter] {verb.lower()} · [Tab] next field · [Esc] cancel"), id="order-keys"
            )

    def on_mount(self) -> None:
        self._follow_mark()
        focus = (
            "#strategy"
            if not self._chosen
            else "#symbol"
            if not self._symbol
            else "#price"
            if not self.prefill
            else "#qty"
        )
        self.query_one(focus, Input).focus()
        self.set_interval(MARK_REFRESH_S, self._follow_mark)

    def _value(self, field: str) -> str:
        return self.query_one(f"#{field}", Input).value.strip()

    def _follow_mark(self) -> None:
        """Look up the symbol's mark; an untouched price field follows it."""
        price = self.query_one("#price", Input)
        untouched = price.value.strip() == self.prefill and not price.has_focus
        try:
            self.mark = self.source.symbol_mark(self._value("symbol"), self.sign)
        except TmtuiError:
            self.mark = None
        new = self.mark.price if self.mark is not None else None
        if untouched or price.value.strip() != self.prefill:
            self.prefill = price_text(new, self._tick()) if new is not None else ""
        if untouched and price.value != self.prefill:
            price.value = self.prefill
        self._describe()

    def _tick(self) -> Decimal | None:
        return self.mark.tick if self.mark is not None else None

    def _describe(self) -> None:
        mark, label = self.mark, Text("")
        warning = ""
        if mark is not None:
            label = Text("mark ", style="dim")
            if mark.price is not None:
                label.append(f"{price_text(mark.price, mark.tick)} ", style="bold")
            label.append_text(mark_label(mark.state, mark.age, mark.delay_minutes))
            if not self._touched():
                warning = mark_warning(mark.state, mark.root, mark.age, mark.delay_minutes)
        self.query_one("#mark", Static).update(label)
        refusal = self._refusal()
        if refusal:
            warning = refusal
        self.query_one("#order-warning", Static).update(Text(warning))
        self.query_one("#summary", Static).update(self._summary())
        self.query_one("#destination", Static).update(self._destination())

    def _refusal(self) -> str | None:
        """What the risk guard says of the order as typed (a lockout), None if it passes."""
        try:
            order = self._order()
            return self.source.order_refusal(order.strategy, order.ticker, self.sign * order.qty)
        except TmtuiError:
            return None

    def _touched(self) -> bool:
        return self._value("price") != self.prefill

    def _summary(self) -> Text:
        """`Buy 1 NQ for ORB at 25600: ORB goes from flat to long 1.`"""
        try:
            order = self._order()
        except TmtuiError:
            return Text("")
        root = self.mark.root if self.mark is not None else order.ticker
        view = self.source.position_view((order.strategy, root))
        before = 0 if view is None else view.qty * (1 if view.side == "long" else -1)
        after = before + self.sign * order.qty
        side = "flat" if after == 0 else f"{'long' if after > 0 else 'short'} {abs(after)}"
        verb = "Buy" if self.action is Action.BUY else "Sell"
        at = price_text(order.price.price, self._tick())
        return Text(
            f"{verb} {order.qty} {root} for {order.strategy} at {at}: "
            f"{order.strategy} goes from {position_text(view)} to {side}.",
            style="bold",
        )

    def _destination(self) -> Text:
        """Where the order goes: `→ TradersPost (tp)` or `books only (paper)`."""
        strategy = self._value("strategy")
        if not strategy:
            return Text("")
        return Text(f"order: {self.source.destination(strategy)}", style="bold")

    def _order(self) -> ManualOrder:
        """The order the fields describe; raises TmtuiError naming the first bad field."""
        strategy = validate_strategy_name(self._value("strategy"))
        ticker = self._value("symbol")
        if not ticker:
            raise InvalidSignal("type a symbol, e.g. NQ1! or MNQ")
        mark = self.source.symbol_mark(ticker, self.sign)  # raises for an unknown contract
        qty = to_whole(self._value("qty") or "", "qty")
        if not 1 <= qty <= self.max_qty:
            raise InvalidSignal(f"qty must be 1..{self.max_qty} (listener.max_qty)")
        price = parse_price(self._value("price"), mark.root)
        untouched = not self._touched() and self.mark is not None
        source = price_source(mark.state) if untouched else PriceSource.TYPED
        if mark.state is MarkState.NONE:
            source = PriceSource.TYPED
        return ManualOrder(strategy, ticker, self.action, qty, ManualPrice(price, source))

    def on_input_changed(self, event: Input.Changed) -> None:
        self.query_one("#order-error", Static).update("")
        if event.input.id == "symbol":
            self._follow_mark()
        else:
            self._describe()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        try:
            order = self._order()
        except TmtuiError as exc:
            self.query_one("#order-error", Static).update(Text(str(exc)))
            return
        refusal = self.source.order_refusal(order.strategy, order.ticker, self.sign * order.qty)
        if refusal is not None:
            self.query_one("#order-error", Static).update(Text(refusal))
            return
        price = order.price.price
        mark = self.mark.price if self.mark is not None else None
        question = band_question(price, mark, self.price_band, self._tick())
        if question is not None and self._band_ok != price:
            self._band_ok = price
            self.query_one("#order-error", Static).update(Text(question))
            return
        self.dismiss(order)

    def action_cancel_order(self) -> None:
        self.dismiss(None)
