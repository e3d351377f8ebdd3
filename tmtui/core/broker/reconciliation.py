"""The whole reconciliation of a period: signals with their fills, extras, drift, strategy totals.

`reconcile()` is what `tmtui reconcile` and the Reconcile screen show. Its `to_json()` is a
contract: an object with `signals`, `extra_fills`, `positions` and `by_strategy`, each entry
with exactly the issue's field names.

- `positions`: per route and symbol, `books_qty` (the sum of the strategies routed there, from
  the books) beside `broker_qty` (the broker's net position in that root, all months summed)
  and `drift` = broker - books. A route whose broker position is not known has `broker_qty`
  and `drift` null, never 0.
- `by_strategy`: the period's counts, slippage (dollars, summed; ticks, per filled contract),
  average latency, and two nets over the period: `books_net` (what the strategy's signals did
  in the books, a rejected order's signal included, because the books applied it) and
  `broker_net` (what its own filled orders did at the broker). An extra fill counts toward the
  one strategy trading that root at that account; when several share it, toward a row with
  `strategy` null.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tmtui.core.broker.contract_months import split_contract_code
from tmtui.core.broker.fills import BrokerFill
from tmtui.core.broker.reconcile import (
    SECONDS_PLACES,
    TICKS_PLACES,
    FillState,
    MatchWindow,
    RoutedSignal,
    SignalOutcome,
    TickTerms,
    match_signals,
    same_account,
    tidy,
)


@dataclass(frozen=True, slots=True)
class BooksPosition:
    """A strategy's net position in the books (signed), on the route it is routed to."""

    route: str
    strategy: str
    symbol: str
    qty: int


@dataclass(frozen=True, slots=True)
class PositionRow:
    route: str
    symbol: str
    books_qty: int
    broker_qty: int | None
    drift: int | None

    def to_json(self) -> dict[str, Any]:
        return {
            "route": self.route,
            "symbol": self.symbol,
            "books_qty": self.books_qty,
            "broker_qty": self.broker_qty,
            "drift": self.drift,
        }


@dataclass(frozen=True, slots=True)
class StrategyTotals:
    strategy: str | None
    signals: int
    matched: int
    missed: int
    extra: int
    slippage: Decimal | None
    avg_slippage_ticks: Decimal | None
    avg_latency_s: Decimal | None
    books_net: int
    broker_net: int

    def to_json(self) -> dict[str, Any]:
        return {
            "strategy": self.strategy,
            "signals": self.signals,
            "matched": self.matched,
            "missed": self.missed,
            "extra": self.extra,
            "slippage": self.slippage,
            "avg_slippage_ticks": self.avg_slippage_ticks,
            "avg_latency_s": self.avg_latency_s,
            "books_net": self.books_net,
            "broker_net": self.broker_net,
        }


@dataclass(frozen=True, slots=True)
class Reconciliation:
    signals: tuple[SignalOutcome, ...]
    extra_fills: tuple[BrokerFill, ...]
    positions: tuple[PositionRow, ...]
    by_strategy: tuple[StrategyTotals, ...]

    def to_json(self) -> dict[str, Any]:
        """The `tmtui reconcile --json` document (Decimals for simplejson's use_decimal)."""
        return {
            "signals": [o.to_json() for o in self.signals],
            "extra_fills": [fill_json(f) for f in self.extra_fills],
            "positions": [p.to_json() for p in self.positions],
            "by_strategy": [t.to_json() for t in self.by_strategy],
        }


def fill_json(fill: BrokerFill) -> dict[str, Any]:
    """An `extra_fills[]` entry: the broker's fill as recorded."""
    return {
        "key": fill.key,
        "source": fill.source,
        "account": fill.account,
        "fill_id": fill.fill_id,
        "order_id": fill.order_id,
        "contract": fill.contract,
        "symbol": fill.root,
        "side": fill.side.value,
        "qty": fill.qty,
        "price": fill.price,
        "time": fill.time.isoformat(),
        "commission": fill.commission,
    }


def reconcile(
    signals: Sequence[RoutedSignal],
    fills: Sequence[BrokerFill],
    *,
    terms: Mapping[str, TickTerms],
    books: Iterable[BooksPosition] = (),
    broker: Mapping[str, Mapping[str, int]] | None = None,
    window: MatchWindow | None = None,
) -> Reconciliation:
    """Reconcile a period's routed signals with its broker fills.

    `terms` maps a root to its tick size and point value; `books` are the strategies' current
    positions; `broker` maps each route whose broker position is known to its net position
    per contract (`{"tv": {"NQZ6": 2}}`).
    """
    outcomes, extra = match_signals(signals, fills, terms, window or MatchWindow())
    return Reconciliation(
        signals=tuple(outcomes),
        extra_fills=tuple(extra),
        positions=tuple(position_rows(books, broker or {})),
        by_strategy=tuple(strategy_totals(outcomes, extra)),
    )


def position_rows(
    books: Iterable[BooksPosition], broker: Mapping[str, Mapping[str, int]]
) -> list[PositionRow]:
    """Books beside broker per (route, symbol), sorted; broker months summed per root."""
    books_qty: dict[tuple[str, str], int] = defaultdict(int)
    for p in books:
        books_qty[(p.route, p.symbol.upper())] += p.qty
    broker_qty: dict[tuple[str, str], int] = defaultdict(int)
    for route, contracts in broker.items():
        for contract, qty in contracts.items():
            broker_qty[(route, _root(contract))] += qty
    rows = []
    for route, symbol in sorted(set(books_qty) | set(broker_qty)):
        books_net = books_qty.get((route, symbol), 0)
        known = route in broker
        at_broker = broker_qty.get((route, symbol), 0) if known else None
        drift = at_broker - books_net if at_broker is not None else None
        rows.append(PositionRow(route, symbol, books_net, at_broker, drift))
    return rows


def _root(contract: str) -> str:
    code = split_contract_code(contract)
    return code.root if code else contract.upper()


def strategy_totals(
    outcomes: Sequence[SignalOutcome], extra: Sequence[BrokerFill]
) -> list[StrategyTotals]:
    """Each strategy's totals (sorted by name), then the extras no single strategy owns."""
    by_name: dict[str, list[SignalOutcome]] = defaultdict(list)
    for o in outcomes:
        by_name[o.signal.strategy].append(o)
    extras: dict[str | None, int] = defaultdict(int)
    for fill in extra:
        extras[_owner(fill, outcomes)] += 1
    rows = [_totals(name, by_name[name], extras.get(name, 0)) for name in sorted(by_name)]
    if extras.get(None):
        rows.append(_totals(None, [], extras[None]))
    return rows


def _owner(fill: BrokerFill, outcomes: Sequence[SignalOutcome]) -> str | None:
    """The one strategy trading this root at this account in the period, if only one does."""
    names = {
        o.signal.strategy
        for o in outcomes
        if o.signal.symbol.upper() == fill.root.upper() and same_account(o.signal, fill)
    }
    return names.pop() if len(names) == 1 else None


def _totals(name: str | None, outcomes: Sequence[SignalOutcome], extra: int) -> StrategyTotals:
    costed = [o.slippage for o in outcomes if o.slippage is not None]
    ticked = [o for o in outcomes if o.tick_cost is not None and o.fill_qty]
    timed = [o.latency_s for o in outcomes if o.latency_s is not None]
    ticked_qty = sum(o.fill_qty for o in ticked)
    tick_cost = sum((o.tick_cost or Decimal(0) for o in ticked), Decimal(0))
    return StrategyTotals(
        strategy=name,
        signals=len(outcomes),
        matched=sum(1 for o in outcomes if o.state is FillState.MATCHED),
        missed=sum(1 for o in outcomes if o.state is FillState.MISSED),
        extra=extra,
        slippage=tidy(sum(costed, Decimal(0))) if costed else None,
        avg_slippage_ticks=(tick_cost / ticked_qty).quantize(TICKS_PLACES) if ticked_qty else None,
        avg_latency_s=(sum(timed, Decimal(0)) / len(timed)).quantize(SECONDS_PLACES)
        if timed
        else None,
        books_net=sum(o.signal.books_net for o in outcomes),
        broker_net=sum(f.signed_qty for o in outcomes for f in o.fills),
    )
