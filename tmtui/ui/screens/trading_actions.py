"""The trading screen's money keys: close (`c`), flatten (`F`, `S`), buy (`b`), sell (`s`).

Each opens a dialog that shows the price it will use and where that price came from; the
engine call runs only once the trader confirmed, with exactly the prices confirmed. Kept
apart from the layout of the dashboard, which mixes this in.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from functools import partial
from typing import Any

from textual.screen import Screen

from tmtui.core.alerts.manual_orders import ManualOrder
from tmtui.core.engine_api import EngineApi
from tmtui.core.formatting import name_order
from tmtui.core.models import Action
from tmtui.core.views import PositionView
from tmtui.settings.config import Config
from tmtui.ui.screens.confirm import ClosePrices, CloseRequest, ConfirmScreen
from tmtui.ui.screens.order_form import OrderScreen
from tmtui.ui.screens.orders_view import OrdersScreen

PositionKey = tuple[str, str]
ActionRunner = Callable[[Coroutine[Any, Any, Any], str], None]


def destinations(engine: EngineApi, views: tuple[PositionView, ...]) -> tuple[str, ...]:
    """Where a flatten's closes go: one line when every strategy's go the same way, else one
    per strategy (`ORB: → TradersPost (tp)`, `Paper: books only (paper)`)."""
    where = {p.strategy: engine.destination(p.strategy) for p in views}
    if len(set(where.values())) == 1:
        return (f"flatten: {next(iter(where.values()))}",)
    ordered = sorted(where.items(), key=lambda item: name_order(item[0]))
    return tuple(f"{strategy}: {text}" for strategy, text in ordered)


class TradingActions(Screen[None]):
    """Mixed into the dashboard, which provides the engine, the config, the selection and the
    runner. The engine is reached through `EngineApi` only."""

    engine: EngineApi | None
    config: Config
    _run_action: ActionRunner

    @property
    def selected_key(self) -> PositionKey | None:
        raise NotImplementedError

    def action_close_position(self) -> None:
        engine, key = self.engine, self.selected_key
        if engine is None or key is None:
            self.notify("No position selected.", severity="warning")
            return
        view = engine.position_view(key)
        if view is None:
            self.notify(f"{key[1]} ({key[0]}) is no longer open.", severity="warning", markup=False)
            return
        where = (f"close: {engine.destination(view.strategy)}",)
        request = CloseRequest(f"Close {view.symbol} ({view.strategy})", (view,), where)
        self.app.push_screen(
            ConfirmScreen(request, engine, self.config.ui.order_price_band),
            partial(self._close_confirmed, key),
        )

    def _close_confirmed(self, key: PositionKey, prices: ClosePrices | None) -> None:
        if prices and self.engine is not None and key in prices:
            self._run_action(
                self.engine.close_position(key, price=prices[key]), f"close {key[1]} ({key[0]})"
            )

    def action_flatten_all(self) -> None:
        self._ask_flatten(None)

    def action_flatten_strategy(self) -> None:
        key = self.selected_key
        if key is None:
            self.notify("No position selected: nothing to tell which strategy.", severity="warning")
            return
        self._ask_flatten(key[0])

    def _ask_flatten(self, strategy: str | None) -> None:
        engine = self.engine
        if engine is None:
            return
        views = tuple(p for p in engine.positions() if strategy is None or p.strategy == strategy)
        if not views:
            self.notify("Nothing open to flatten.", severity="warning")
            return
        title = "Flatten everything" if strategy is None else f"Flatten strategy {strategy}"
        self.app.push_screen(
            ConfirmScreen(
                CloseRequest(title, views, destinations(engine, views)),
                engine,
                self.config.ui.order_price_band,
            ),
            partial(self._flatten_confirmed, strategy),
        )

    def _flatten_confirmed(self, strategy: str | None, prices: ClosePrices | None) -> None:
        if prices:
            what = "everything" if strategy is None else f"strategy {strategy}"
            self._run_action(self._flatten(prices, strategy), f"flatten {what}")

    async def _flatten(self, prices: ClosePrices, strategy: str | None) -> None:
        assert self.engine is not None
        done, refused = await self.engine.flatten(prices, strategy)
        if refused:
            self.notify(
                f"Closed {len(done)}; {len(refused)} could not be closed: " + "; ".join(refused),
                severity="error",
                timeout=10,
                markup=False,
            )
        else:
            self.notify(f"Closed {len(done)} position(s).")

    def action_show_orders(self) -> None:
        """`o`: the orders sent to bridges; resend or dismiss one that needs the trader."""
        if self.engine is None:
            self.notify("Not started yet.", severity="warning")
            return
        self.app.push_screen(OrdersScreen(self.engine, self.config.session.timezone))

    def action_buy(self) -> None:
        self._ask_order(Action.BUY)

    def action_sell(self) -> None:
        self._ask_order(Action.SELL)

    def _ask_order(self, action: Action) -> None:
        engine = self.engine
        if engine is None:
            self.notify("Not started yet.", severity="warning")
            return
        key = self.selected_key
        form = OrderScreen(
            action,
            engine,
            max_qty=self.config.listener.max_qty,
            strategy=key[0] if key else None,
            symbol=key[1] if key else "",
            price_band=self.config.ui.order_price_band,
        )
        self.app.push_screen(form, self._order_confirmed)

    def _order_confirmed(self, order: ManualOrder | None) -> None:
        if order is None or self.engine is None:
            return
        what = f"{order.action.value} {order.qty} {order.ticker} ({order.strategy})"
        self._run_action(self.engine.place_order(order), what)
