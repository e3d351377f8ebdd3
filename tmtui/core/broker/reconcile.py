"""Matching each routed signal to the broker fills it caused: the part no journal or bridge does.

Rules, in order (`match_signals`):

1. A signal whose route knows the broker's order id(s) takes every fill of those orders.
2. Any other signal (a bridge that does not report the broker's order id, or an order id no
   fill carries) takes fills of its side and contract (its root when the route does not know
   the month) at its account, from `window.before` before the signal to `window.after` after
   it; signals are served in time order, each taking the earliest single fill of its whole
   quantity if there is one (an order filled at once), else the earliest fills that still fit
   in the quantity it asked for. A fill serves one signal at most.
3. A signal the broker rejected takes nothing: `rejected`, whatever fills are near it.

Each signal ends `matched` (all its quantity filled), `partial`, `missed` (nothing filled: an
alert that never became an order, an order lost on the way) or `rejected`. Fills left over are
*extra*: a trade made by hand at the broker, a bridge's own stop or target.

Slippage is positive when it cost the trader: a buy filled above the signal's price, a sell
below it. Dollars are exact (each fill's price difference x its quantity x the point value);
ticks are per contract, to 0.01 tick; latency is from the signal to its first fill, to the
millisecond. A figure that cannot be known (no signal price, no fill, no tick size for the
root) is None, never zero.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any, Protocol

from tmtui.core.broker.fills import BrokerFill, Side

TICKS_PLACES = Decimal("0.01")
SECONDS_PLACES = Decimal("0.001")
PRICE_PLACES = Decimal("1e-8")


class FillState(StrEnum):
    MATCHED = "matched"
    PARTIAL = "partial"
    MISSED = "missed"
    REJECTED = "rejected"


class TickTerms(Protocol):
    """What slippage needs of a contract (a `ContractSpec` has both)."""

    @property
    def tick_size(self) -> Decimal: ...

    @property
    def point_value(self) -> Decimal: ...


@dataclass(frozen=True, slots=True)
class RoutedSignal:
    """A recorded signal of a routed strategy, as its route sent it to the broker.

    `side` and `qty` are what the broker was asked to do (a reversal from long 2 to short 2 is
    a sell of 4, however many orders the route used); `action` is the signal's own word, shown
    as is. `contract` (`NQZ6`), `account` and `order_ids` are filled in where the route knows
    them; `rejected` is the route's verdict on the order(s).
    """

    signal_id: int | str
    strategy: str
    symbol: str
    action: str
    side: Side
    qty: int
    time: datetime
    route: str
    signal_price: Decimal | None = None
    contract: str | None = None
    account: str | None = None
    order_ids: tuple[str, ...] = ()
    rejected: bool = False
    books_change: int | None = None
    """The signal's signed change to the books, where it differs from what the broker was
    asked (a close sized from what the strategy holds at the broker); None: the same."""

    @property
    def books_net(self) -> int:
        """What the signal did in the books, signed."""
        return self.books_change if self.books_change is not None else self.side.sign * self.qty


@dataclass(frozen=True, slots=True)
class MatchWindow:
    """How far from a signal a fill may be and still be its, when no order id links them.

    `before` allows for the broker's clock running ahead of tmtui's.
    """

    before: timedelta = timedelta(seconds=5)
    after: timedelta = timedelta(seconds=120)


@dataclass(frozen=True, slots=True)
class SignalOutcome:
    """One signal with the fills it caused and what they cost."""

    signal: RoutedSignal
    fills: tuple[BrokerFill, ...]
    state: FillState
    fill_qty: int
    fill_price: Decimal | None
    slippage_ticks: Decimal | None
    slippage: Decimal | None
    latency_s: Decimal | None
    tick_cost: Decimal | None = None
    """Exact ticks of cost over all contracts filled (slippage_ticks x fill_qty, unrounded)."""

    def to_json(self) -> dict[str, Any]:
        """The `signals[]` entry of `tmtui reconcile --json` (a contract: these names only)."""
        s = self.signal
        return {
            "signal_id": s.signal_id,
            "strategy": s.strategy,
            "symbol": s.symbol,
            "action": s.action,
            "qty": s.qty,
            "signal_price": s.signal_price,
            "fill_qty": self.fill_qty,
            "fill_price": self.fill_price,
            "slippage_ticks": self.slippage_ticks,
            "slippage": self.slippage,
            "latency_s": self.latency_s,
            "state": self.state.value,
        }


@dataclass(slots=True)
class _Ledger:
    """Which fills are taken, and by which signal (a working state of one matching run)."""

    fills: Sequence[BrokerFill]
    taken: set[int] = field(default_factory=set)
    by_signal: dict[int, list[int]] = field(default_factory=dict)

    def take(self, signal_index: int, fill_index: int) -> None:
        self.taken.add(fill_index)
        self.by_signal.setdefault(signal_index, []).append(fill_index)


def match_signals(
    signals: Sequence[RoutedSignal],
    fills: Sequence[BrokerFill],
    terms: Mapping[str, TickTerms],
    window: MatchWindow = MatchWindow(),
) -> tuple[list[SignalOutcome], list[BrokerFill]]:
    """Each signal's outcome (in the order given) and the fills no signal explains (by time)."""
    ledger = _Ledger(fills)
    order = sorted(range(len(signals)), key=lambda i: (signals[i].time, str(signals[i].signal_id)))
    for i in order:
        _match_by_order_id(i, signals[i], ledger)
    for i in order:
        if i not in ledger.by_signal and not signals[i].rejected:
            _match_by_window(i, signals[i], ledger, window)
    outcomes = [
        _outcome(s, [fills[j] for j in ledger.by_signal.get(i, [])], terms)
        for i, s in enumerate(signals)
    ]
    extra = sorted(
        (f for j, f in enumerate(fills) if j not in ledger.taken), key=lambda f: (f.time, f.key)
    )
    return outcomes, extra


def _match_by_order_id(index: int, signal: RoutedSignal, ledger: _Ledger) -> None:
    if signal.rejected or not signal.order_ids:
        return
    wanted = set(signal.order_ids)
    for j, fill in enumerate(ledger.fills):
        if j not in ledger.taken and fill.order_id in wanted and same_account(signal, fill):
            ledger.take(index, j)


def _match_by_window(
    index: int, signal: RoutedSignal, ledger: _Ledger, window: MatchWindow
) -> None:
    start, end = signal.time - window.before, signal.time + window.after
    candidates = sorted(
        (
            j
            for j, f in enumerate(ledger.fills)
            if j not in ledger.taken
            and f.side is signal.side
            and start <= f.time <= end
            and same_contract(signal, f)
            and same_account(signal, f)
        ),
        key=lambda j: (ledger.fills[j].time, ledger.fills[j].key),
    )
    whole = next((j for j in candidates if ledger.fills[j].qty == signal.qty), None)
    if whole is not None:
        ledger.take(index, whole)
        return
    remaining = signal.qty
    for j in candidates:
        if ledger.fills[j].qty <= remaining:
            ledger.take(index, j)
            remaining -= ledger.fills[j].qty
        if remaining == 0:
            break


def same_account(signal: RoutedSignal, fill: BrokerFill) -> bool:
    """An account the route does not know matches any."""
    if not signal.account or not fill.account:
        return True
    return signal.account.strip().lower() == fill.account.strip().lower()


def same_contract(signal: RoutedSignal, fill: BrokerFill) -> bool:
    """The month when the route knows it, else the root."""
    if signal.contract:
        return signal.contract.strip().upper() == fill.contract.upper()
    return signal.symbol.strip().upper() == fill.root.upper()


def _outcome(
    signal: RoutedSignal, fills: list[BrokerFill], terms: Mapping[str, TickTerms]
) -> SignalOutcome:
    fills.sort(key=lambda f: (f.time, f.key))
    qty = sum(f.qty for f in fills)
    if signal.rejected:
        state = FillState.REJECTED
    elif qty == 0:
        state = FillState.MISSED
    else:
        state = FillState.PARTIAL if qty < signal.qty else FillState.MATCHED
    cost = _cost_in_points(signal, fills)
    spec = terms.get(signal.symbol.upper())
    tick_cost: Decimal | None = None
    dollars: Decimal | None = None
    if cost is not None and spec is not None:
        tick_cost, dollars = cost / spec.tick_size, tidy(cost * spec.point_value)
    return SignalOutcome(
        signal=signal,
        fills=tuple(fills),
        state=state,
        fill_qty=qty,
        fill_price=tidy(sum((f.price * f.qty for f in fills), Decimal(0)) / qty) if qty else None,
        slippage_ticks=(tick_cost / qty).quantize(TICKS_PLACES) if tick_cost is not None else None,
        slippage=dollars,
        latency_s=seconds(fills[0].time - signal.time) if fills else None,
        tick_cost=tick_cost,
    )


def _cost_in_points(signal: RoutedSignal, fills: Iterable[BrokerFill]) -> Decimal | None:
    """Σ (fill price - signal price) x qty, signed so that a cost to the trader is positive."""
    listed = list(fills)
    if signal.signal_price is None or not listed:
        return None
    sign = signal.side.sign
    return sum(
        (sign * (f.price - signal.signal_price) * f.qty for f in listed),
        Decimal(0),
    )


def tidy(value: Decimal) -> Decimal:
    """At most 8 decimal places, no trailing zeros, never an exponent (21000.25, not 2.1E+4)."""
    rounded = value.quantize(PRICE_PLACES)
    if rounded == rounded.to_integral_value():
        return rounded.quantize(Decimal(1))
    return rounded.normalize()


def seconds(delta: timedelta) -> Decimal:
    """A time difference in seconds, to the millisecond."""
    micros = delta // timedelta(microseconds=1)
    return (Decimal(micros) / 1_000_000).quantize(SECONDS_PLACES)
