"""`o`: the orders tmtui sent to bridges, newest first, and the trader's way out of trouble.

An order whose fate is unknown is never sent again by itself (a second send could double the
position), so this is where the trader deals with it once they have looked at the broker:
`r` resends the highlighted rejected / unknown / failed order, `d` dismisses it (it stops
being shown loudly). The list follows the engine while it is open.
"""

from __future__ import annotations

from typing import ClassVar, Protocol

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from tmtui.core.models import TmtuiError
from tmtui.core.orders.states import Order, OrderState
from tmtui.core.orders.views import state_label
from tmtui.core.trading_day import zone

REFRESH_S = 1.0
SHOWN = 300
"""The newest orders listed (the CLI's `tmtui orders` has every one)."""
LOUD = {OrderState.REJECTED: "bold red", OrderState.UNKNOWN: "bold red", OrderState.FAILED: "red"}
HELP = "[r] resend · [d] dismiss (rejected, unknown or failed orders) · [Esc / o] close"


class OrdersSource(Protocol):
    async def orders(self) -> list[Order]: ...
    async def resend_order(self, order_id: int) -> Order: ...
    async def dismiss_order(self, order_id: int) -> Order: ...


def order_cells(order: Order, tz_name: str) -> tuple[str | Text, ...]:
    intent = order.intent
    qty = "all" if intent.action.value == "exit" else str(intent.qty)
    style = LOUD.get(order.state, "") if order.needs_trader else ""
    return (
        str(order.id),
        order.created.astimezone(zone(tz_name)).strftime("%m-%d %H:%M:%S"),
        intent.strategy,
        intent.symbol,
        f"{intent.action.value} {qty}",
        f"{order.route} ({order.kind.value})",
        Text(state_label(order), style=style),
        Text(order.message, overflow="ellipsis", no_wrap=True),
    )


class OrdersScreen(ModalScreen[None]):
    """Every order's state; resend or dismiss the highlighted one."""

    DEFAULT_CSS = """
    OrdersScreen { align: center middle; }
    OrdersScreen > #orders-box {
        width: 96%;
        height: 85%;
        border: thick $accent;
        background: $surface;
        padding: 0 1;
    }
    OrdersScreen DataTable { height: 1fr; }
    OrdersScreen #orders-note { height: auto; color: $warning; }
    OrdersScreen #orders-help { height: 1; color: $text-muted; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "resend_order", "Resend", id="resend_order"),
        Binding("d", "dismiss_order", "Dismiss", id="dismiss_order"),
        Binding("escape,o", "close_orders", "Close", id="close_orders"),
    ]

    def __init__(self, source: OrdersSource, tz_name: str) -> None:
        super().__init__()
        self.source = source
        self.tz_name = tz_name
        self.shown: list[Order] | None = None
        """What the table shows (None: not loaded yet, so an empty first load says so)."""

    def compose(self) -> ComposeResult:
        with Vertical(id="orders-box") as box:
            box.border_title = "Orders to bridges"
            table: DataTable[str | Text] = DataTable(id="orders-table", cursor_type="row")
            table.add_columns("id", "time", "strategy", "symbol", "order", "route", "state", "")
            yield table
            yield Static(id="orders-note")
            yield Static(Text(HELP), id="orders-help")

    async def on_mount(self) -> None:
        await self.reload()
        self.set_interval(REFRESH_S, self.reload)

    async def reload(self) -> None:
        """The newest orders, the highlighted one kept highlighted."""
        orders = (await self.source.orders())[-SHOWN:][::-1]
        if orders == self.shown:
            return
        table = self.query_one(DataTable)
        keep = self.highlighted
        self.shown = orders
        table.clear()
        for order in orders:
            table.add_row(*order_cells(order, self.tz_name), key=str(order.id))
        if not orders:
            self.note(
                "No orders yet: orders appear here when a routed strategy trades; "
                "strategies on paper (the default) send nothing, their closes stay in the books."
            )
        ids = [o.id for o in orders]
        if keep is not None and keep.id in ids:
            table.move_cursor(row=ids.index(keep.id))

    @property
    def highlighted(self) -> Order | None:
        if not self.shown:
            return None
        row = self.query_one(DataTable).cursor_row
        return self.shown[row] if 0 <= row < len(self.shown) else None

    def note(self, text: str) -> None:
        self.query_one("#orders-note", Static).update(Text(text))

    async def action_resend_order(self) -> None:
        await self._act("resend")

    async def action_dismiss_order(self) -> None:
        await self._act("dismiss")

    async def _act(self, what: str) -> None:
        order = self.highlighted
        if order is None:
            self.note("No order highlighted.")
            return
        act = self.source.resend_order if what == "resend" else self.source.dismiss_order
        try:
            await act(order.id)
        except TmtuiError as exc:
            self.note(str(exc))
            return
        self.note(f"order {order.id}: {'resent' if what == 'resend' else 'dismissed'}")
        await self.reload()

    def action_close_orders(self) -> None:
        self.dismiss(None)
