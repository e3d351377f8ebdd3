"""Which recorded signals went to a broker, where, and what the broker was asked to do.

Two ways to know, per strategy:

- **Explicit**, from the routes' orders outbox (`orders`), for a strategy that has orders:
  only its signals with orders were sent; the route is the orders' route; what the broker was
  asked is the orders' own change (a close sends what the strategy held *at the bridge*,
  which a rejected order makes differ from the books); a Tradovate route's order ids link
  fills exactly; a signal whose every order the bridge rejected is `rejected`.
- **Inferred**, for a strategy without orders (no route sends for it: a bridge fed by its own
  TradingView alert, or a ledger before routes): each of its signals in a root the broker's
  recorded fills trade is taken as sent, asking for the books' change, at the account those
  fills are at. Where several accounts trade the root, the account is the one its matched fills
  come from (`accounts_by_match`). A root no recorded broker fill trades is paper.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from tmtui.core.broker.fills import Side
from tmtui.core.broker.reconcile import RoutedSignal, SignalOutcome

UNKNOWN_ROUTE = "?"
"""The route of an inferred signal whose account cannot be told (several trade its root)."""
TRADOVATE = "tradovate"
"""The route kind whose orders' ids are the broker's own (the others are the bridge's ids)."""


class BooksFillLike(Protocol):
    """One of the books' fills with its signal (the ledger's `BooksFillRow`)."""

    @property
    def signal_id(self) -> int: ...
    @property
    def time(self) -> datetime: ...
    @property
    def strategy(self) -> str: ...
    @property
    def root(self) -> str: ...
    @property
    def qty(self) -> int: ...
    @property
    def price(self) -> Decimal: ...
    @property
    def action(self) -> str | None: ...
    @property
    def signal_price(self) -> Decimal | None: ...


@dataclass(frozen=True, slots=True)
class BooksChange:
    """One accepted signal's change to the books (signed), at its price."""

    signal_id: int
    strategy: str
    root: str
    action: str
    time: datetime
    change: int
    signal_price: Decimal | None


@dataclass(frozen=True, slots=True)
class OrderRow:
    """One order of the routes' outbox, as far as reconciliation needs it."""

    signal_id: int
    route: str
    kind: str
    action: str
    qty: int
    effect: str
    held_before: int
    state: str
    bridge_id: str | None = None

    @property
    def change(self) -> int:
        """What the order does to the strategy's position at the broker, signed."""
        sign = {"buy": 1, "sell": -1}.get(self.action.lower(), 0)
        if self.effect == "close" or self.action.lower() == "exit":
            return -self.held_before
        if self.effect == "reverse":
            return sign * (abs(self.held_before) + self.qty)
        return sign * self.qty


def books_changes(rows: Iterable[BooksFillLike]) -> list[BooksChange]:
    """Each signal's net change to the books, in time order; a signal's own price, else its
    fills' average price (the books' price for it). A signal that changed nothing is left out."""
    grouped: dict[int, list[BooksFillLike]] = defaultdict(list)
    for row in rows:
        grouped[row.signal_id].append(row)
    out = []
    for signal_id, fills in grouped.items():
        change = sum(f.qty for f in fills)
        if change == 0:
            continue
        first = min(fills, key=lambda f: f.time)
        moved = sum(abs(f.qty) for f in fills)
        price = first.signal_price
        if price is None:
            price = sum((f.price * abs(f.qty) for f in fills), Decimal(0)) / moved
        out.append(
            BooksChange(
                signal_id,
                first.strategy,
                first.root,
                first.action or ("buy" if change > 0 else "sell"),
                first.time,
                change,
                price,
            )
        )
    out.sort(key=lambda c: (c.time, c.signal_id))
    return out


def routed_signals(
    changes: Sequence[BooksChange],
    orders: Mapping[int, Sequence[OrderRow]],
    explicit: Iterable[str],
    accounts_by_root: Mapping[str, set[str]],
) -> list[RoutedSignal]:
    """The signals sent to a broker (see the module's two rules). `explicit` names the
    strategies that have orders; an inferred signal's account is set when only one account
    trades its root (else it is None, matching any, until `accounts_by_match`)."""
    with_orders = set(explicit)
    out = []
    for c in changes:
        if c.strategy in with_orders:
            signal = _from_orders(c, orders.get(c.signal_id, ()))
        else:
            signal = _inferred(c, accounts_by_root.get(c.root.upper(), set()))
        if signal is not None:
            out.append(signal)
    return out


def _from_orders(c: BooksChange, orders: Sequence[OrderRow]) -> RoutedSignal | None:
    if not orders:
        return None  # sent nowhere (the strategy was on paper then)
    live = [o for o in orders if o.state != "rejected"]
    change = sum(o.change for o in (live or orders))
    if change == 0:
        return None
    ids = tuple(o.bridge_id for o in live if o.kind == TRADOVATE and o.bridge_id)
    signal = _signal(c, change, orders[0].route, None, ids, rejected=not live)
    return replace(signal, books_change=c.change) if change != c.change else signal


def _inferred(c: BooksChange, accounts: set[str]) -> RoutedSignal | None:
    if not accounts:
        return None  # no broker fill ever traded this root: paper
    account = next(iter(accounts)) if len(accounts) == 1 else None
    return _signal(c, c.change, account or UNKNOWN_ROUTE, account, (), rejected=False)


def _signal(
    c: BooksChange,
    change: int,
    route: str,
    account: str | None,
    order_ids: tuple[str, ...],
    *,
    rejected: bool,
) -> RoutedSignal:
    return RoutedSignal(
        signal_id=c.signal_id,
        strategy=c.strategy,
        symbol=c.root,
        action=c.action,
        side=Side.BUY if change > 0 else Side.SELL,
        qty=abs(change),
        time=c.time,
        route=route,
        signal_price=c.signal_price,
        account=account,
        order_ids=order_ids,
        rejected=rejected,
    )


def accounts_by_match(outcomes: Sequence[SignalOutcome]) -> dict[tuple[str, str], str]:
    """(strategy, root) → the account most of its matched fills are at."""
    counts: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for o in outcomes:
        for f in o.fills:
            counts[(o.signal.strategy, o.signal.symbol.upper())][f.account] += f.qty
    return {key: c.most_common(1)[0][0] for key, c in counts.items() if c}


def with_accounts(
    signals: Sequence[RoutedSignal], accounts: Mapping[tuple[str, str], str], explicit: set[str]
) -> list[RoutedSignal]:
    """Inferred signals whose account was unknown take the account their matches point to."""
    out = []
    for s in signals:
        account = accounts.get((s.strategy, s.symbol.upper()))
        if s.strategy in explicit or s.account is not None or account is None:
            out.append(s)
        else:
            out.append(replace(s, account=account, route=account))
    return out


def route_accounts(
    outcomes: Sequence[SignalOutcome], accounts_by_root: Mapping[str, set[str]]
) -> dict[str, str]:
    """Route → the broker account it trades: where most of its matched fills are, else the one
    account trading all its roots. A route none of whose fills is known has no entry."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    roots: dict[str, set[str]] = defaultdict(set)
    for o in outcomes:
        roots[o.signal.route].add(o.signal.symbol.upper())
        for f in o.fills:
            counts[o.signal.route][f.account] += f.qty
    out = {}
    for route in roots:
        if counts[route]:
            out[route] = counts[route].most_common(1)[0][0]
            continue
        candidates = set.union(*(accounts_by_root.get(r, set()) for r in roots[route]))
        if len(candidates) == 1:
            out[route] = next(iter(candidates))
    out.pop(UNKNOWN_ROUTE, None)
    return out
