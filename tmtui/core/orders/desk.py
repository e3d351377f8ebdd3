"""The orders one change of the books causes, with the ids they will have in the outbox.

The intake decides a signal and, for a routed strategy, asks `OrderDesk.orders_for` what the
bridge must do; the orders go into the signal's own write (same transaction) and are
`planned` at once, so the next signal, decided before this one is committed, is sized from
them (an exit right behind its entry is not trimmed to nothing). Should the ledger refuse
the write, `taken_back` forgets them again. Ids are handed out here, like trade ids in the
book, so a two-order reversal's entry can name the exit it `follows` in the same write.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from tmtui.core.book.book import Plan
from tmtui.core.models import Action, UnknownContract
from tmtui.core.orders.holdings import BridgeHoldings
from tmtui.core.orders.intents import Reason
from tmtui.core.orders.planning import orders_for_change
from tmtui.core.orders.routing import Route, Routing
from tmtui.core.orders.states import Order
from tmtui.core.orders.tradovate_route import is_contract_of


def reason_of(source: str, action: Action, why: str = "") -> Reason:
    """Why an order goes out, from its signal: an alert, the trader's close / flatten / order,
    or a risk exit."""
    if source == "risk":
        return Reason.RISK
    if source != "manual":
        return Reason.SIGNAL
    if why.startswith("flatten everything"):
        return Reason.FLATTEN_ALL
    if why.startswith("flatten"):
        return Reason.FLATTEN
    return Reason.CLOSE if action is Action.CLOSE else Reason.MANUAL


@dataclass
class OrderDesk:
    """The routing, what each strategy holds at each bridge, and the next order id."""

    routing: Routing
    holdings: BridgeHoldings = field(default_factory=BridgeHoldings)
    next_id: int = 1
    tickers: dict[tuple[str, str], str] = field(default_factory=dict)
    """The last ticker each (strategy, root) was sent as: a manual close or a risk exit,
    which has none of its own, goes out under the ticker its entry went out under."""
    day_of: Callable[[datetime], date] | None = None
    """The trading day of a moment (a Tradovate route's front month is that day's)."""

    def routed(self, strategy: str) -> bool:
        return self.routing.route_for(strategy) is not None

    def orders_for(self, plan: Plan, reason: Reason, now: datetime) -> tuple[Order, ...]:
        """The outbox rows for an applied plan (none on paper or when the bridge has nothing
        to do); does not change the desk: `planned` does once they are queued."""
        signal = plan.signal
        ticker = signal.ticker or self.tickers.get((signal.strategy, signal.root), "")
        route = self.routing.route_for(signal.strategy)
        if route is not None and route.tradovate is not None:
            ticker = self.contract_for(route, signal.strategy, signal.root, plan.before, now)
        route, intents = orders_for_change(
            self.routing,
            self.holdings,
            strategy=signal.strategy,
            root=signal.root,
            ticker=ticker,
            before=plan.before,
            after=plan.after,
            reason=reason,
            price=plan.price,
        )
        if route is None or not intents:
            return ()
        orders: list[Order] = []
        for number, intent in enumerate(intents):
            follows = orders[-1].id if orders else None
            orders.append(
                Order(self.next_id + number, route.name, route.kind, intent, now, follows=follows)
            )
        return tuple(orders)

    def contract_for(
        self, route: Route, strategy: str, root: str, before: int, now: datetime
    ) -> str:
        """The contract month a Tradovate route's order trades: a position already held stays
        in the month its orders went out in (it rolls by being closed); from flat, the
        route's `symbols` or the front month of the trading day. '' when the root has no
        listing cycle (the order then fails with the reason, naming `symbols`)."""
        held = self.tickers.get((strategy, root), "")
        if before != 0 and is_contract_of(held, root):
            return held
        assert route.tradovate is not None
        day = self.day_of(now) if self.day_of is not None else now.date()
        try:
            return route.tradovate.contract(root, day)
        except UnknownContract:
            return ""

    def planned(self, orders: Iterable[Order]) -> None:
        """Orders queued for the ledger: count them as on their way."""
        for order in orders:
            self.next_id = max(self.next_id, order.id + 1)
            self.holdings.update(order)
            if order.intent.ticker:
                self.tickers[(order.intent.strategy, order.intent.root)] = order.intent.ticker

    def taken_back(self, orders: Iterable[Order]) -> None:
        """Orders whose signal the ledger refused: they never existed."""
        for order in orders:
            self.holdings.forget(order.id)

    def replayed(self, orders: Iterable[Order]) -> None:
        """At start: holdings and the next id from every order in the outbox."""
        orders = sorted(orders, key=lambda o: o.id)
        self.holdings = BridgeHoldings()
        self.planned(orders)
