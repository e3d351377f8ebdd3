"""A period's reconciliation from what the ledger holds: `tmtui reconcile` and screen `6`.

The read side hands in rows over a span wider than the period (a signal just before it may
be filled inside it, a fill just after it may be a signal's inside it); matching runs over
the whole span, then only the period's signals and unexplained fills are kept. Which
signals were sent where is `signal_routes`' business; the matching and the figures are
`reconcile`'s and `reconciliation`'s.

Positions compare, per route and root at the period's end, the books' net of the strategies
routed there with the broker's net by its recorded fills (all of them up to that moment: a
broker history imported from a day the account was flat gives the broker's position). A
route whose account is not known shows the broker's side as unknown, never 0.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from tmtui.core.broker.contract_months import split_contract_code
from tmtui.core.broker.fills import BrokerFill
from tmtui.core.broker.reconcile import (
    MatchWindow,
    RoutedSignal,
    SignalOutcome,
    TickTerms,
    match_signals,
    same_account,
)
from tmtui.core.broker.reconciliation import (
    BooksPosition,
    Reconciliation,
    position_rows,
    strategy_totals,
)
from tmtui.core.broker.signal_routes import (
    UNKNOWN_ROUTE,
    BooksChange,
    OrderRow,
    accounts_by_match,
    route_accounts,
    routed_signals,
    with_accounts,
)


@dataclass(frozen=True, slots=True)
class Period:
    """[start, end) (either end open) and an optional strategy to show alone."""

    start: datetime | None
    end: datetime | None
    strategy: str | None = None

    def holds(self, moment: datetime) -> bool:
        return (self.start is None or moment >= self.start) and (
            self.end is None or moment < self.end
        )

    def span(self, window: MatchWindow) -> tuple[datetime | None, datetime | None]:
        """The rows to read: wide enough for every match that touches the period."""
        reach = window.before + window.after
        return (
            None if self.start is None else self.start - reach,
            None if self.end is None else self.end + reach,
        )


@dataclass(frozen=True, slots=True)
class LedgerSide:
    """What the ledger holds for a period's span (see `Period.span`)."""

    changes: Sequence[BooksChange]
    fills: Sequence[BrokerFill]
    orders: Mapping[int, Sequence[OrderRow]]
    order_routes: Mapping[tuple[str, str], str]
    """(strategy, root) → its latest order's route: the strategies the routes send for."""
    accounts_by_root: Mapping[str, set[str]]
    """Root → accounts whose recorded fills trade it (ever)."""
    books_nets: Mapping[tuple[str, str], int]
    """(strategy, root) → the books' net at the period's end."""
    broker_nets: Mapping[tuple[str, str], int]
    """(account, contract) → the broker's net at the period's end, by its recorded fills."""


def reconcile_period(
    side: LedgerSide,
    period: Period,
    terms: Mapping[str, TickTerms],
    window: MatchWindow | None = None,
) -> Reconciliation:
    """The period's reconciliation, with the issue's JSON (`.to_json()`)."""
    window = window or MatchWindow()
    explicit = {strategy for strategy, _ in side.order_routes}
    signals = routed_signals(side.changes, side.orders, explicit, side.accounts_by_root)
    first, _ = match_signals(signals, side.fills, terms, window)
    signals = with_accounts(signals, accounts_by_match(first), explicit)
    outcomes, extra = match_signals(signals, side.fills, terms, window)
    kept = [o for o in outcomes if period.holds(o.signal.time)]
    extras = [f for f in extra if period.holds(f.time)]
    accounts = route_accounts(outcomes, side.accounts_by_root)
    books = _books(side, signals, accounts, explicit)
    rows = position_rows(books, _broker(side, accounts, books, outcomes))
    totals = strategy_totals(kept, extras)
    if period.strategy is not None:
        name = period.strategy
        legs = {(b.route, b.symbol) for b in books if b.strategy == name}
        legs |= {
            (o.signal.route, o.signal.symbol.upper()) for o in kept if o.signal.strategy == name
        }
        extras = [f for f in extras if _owner(f, kept) == name]
        kept = [o for o in kept if o.signal.strategy == name]
        rows = [r for r in rows if (r.route, r.symbol) in legs]
        totals = [t for t in totals if t.strategy == name]
    return Reconciliation(tuple(kept), tuple(extras), tuple(rows), tuple(totals))


def _books(
    side: LedgerSide,
    signals: Sequence[RoutedSignal],
    accounts: Mapping[str, str],
    explicit: set[str],
) -> list[BooksPosition]:
    """Each routed (strategy, root)'s books net, on its route."""
    inferred_routes = {
        (s.strategy, s.symbol.upper()): s.route for s in signals if s.strategy not in explicit
    }
    out = []
    for (strategy, root), qty in sorted(side.books_nets.items()):
        route = _route_of(strategy, root.upper(), side, inferred_routes)
        if route is not None:
            out.append(BooksPosition(route, strategy, root.upper(), qty))
    return out


def _route_of(
    strategy: str,
    root: str,
    side: LedgerSide,
    inferred: Mapping[tuple[str, str], str],
) -> str | None:
    explicit = {s for s, _ in side.order_routes}
    if strategy in explicit:
        return side.order_routes.get((strategy, root))
    if (strategy, root) in inferred:
        return inferred[(strategy, root)]
    accounts = side.accounts_by_root.get(root, set())
    if not accounts:
        return None  # paper: no broker fill trades this root
    return next(iter(accounts)) if len(accounts) == 1 else UNKNOWN_ROUTE


def _broker(
    side: LedgerSide,
    accounts: Mapping[str, str],
    books: Sequence[BooksPosition],
    outcomes: Sequence[SignalOutcome],
) -> dict[str, dict[str, int]]:
    """Route → contract → the broker's net, for each route whose account is known.

    An account's position in a root goes to the routes trading that root there (by their
    books or signals); a root no route trades there (a hand-made position) to a route named
    by the account. An inferred route is named by its account.
    """
    account_of = dict(accounts)
    known = set().union(*side.accounts_by_root.values()) if side.accounts_by_root else set()
    for b in books:
        if b.route not in account_of and b.route in known:
            account_of[b.route] = b.route
    claims: dict[tuple[str, str], set[str]] = defaultdict(set)
    for route, root in [(b.route, b.symbol) for b in books] + [
        (o.signal.route, o.signal.symbol) for o in outcomes
    ]:
        if route in account_of:
            claims[(account_of[route], root.upper())].add(route)
    out: dict[str, dict[str, int]] = {route: {} for route in account_of}
    for (account, contract), qty in side.broker_nets.items():
        code = split_contract_code(contract)
        root = code.root if code else contract.upper()
        for route in claims.get((account, root)) or {account}:
            held = out.setdefault(route, {})
            held[contract] = held.get(contract, 0) + qty
    return out


def _owner(fill: BrokerFill, outcomes: Sequence[SignalOutcome]) -> str | None:
    """The one strategy trading this root at this account (the totals' rule for extras)."""
    names = {
        o.signal.strategy
        for o in outcomes
        if o.signal.symbol.upper() == fill.root.upper() and same_account(o.signal, fill)
    }
    return names.pop() if len(names) == 1 else None
