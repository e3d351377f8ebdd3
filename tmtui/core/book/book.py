"""Signals → fills → positions and round trips: FIFO accounting, pure and exact.

`Book.plan` works out what a signal does without touching the book, so a signal that
cannot be recorded leaves nothing half-applied; `Book.commit` swaps the result in.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal

from tmtui.core.alerts.position_rules import resolve
from tmtui.core.contracts import ContractBook
from tmtui.core.models import Fill, Side, Signal, Trade, UnusableSignal

PositionKey = tuple[str, str]
"""(strategy, root)."""

ZERO = Decimal(0)


@dataclass(slots=True)
class Lot:
    qty: int
    price: Decimal


@dataclass(slots=True)
class Position:
    """An open position: its FIFO lots, the round trip it belongs to, and its latest mark."""

    strategy: str
    root: str
    point_value: Decimal
    sign: int
    lots: deque[Lot]
    trade: Trade
    mark: Decimal | None = None
    mark_time: datetime | None = None

    @property
    def key(self) -> PositionKey:
        return (self.strategy, self.root)

    @property
    def qty(self) -> int:
        """Contracts held, always > 0; the direction is `sign`."""
        return sum(lot.qty for lot in self.lots)

    @property
    def signed_qty(self) -> int:
        return self.sign * self.qty

    @property
    def side(self) -> Side:
        return Side.of(self.sign)

    @property
    def avg_price(self) -> Decimal:
        """Average of the remaining FIFO lots."""
        qty = self.qty
        return sum((lot.qty * lot.price for lot in self.lots), ZERO) / qty

    def pnl_at(self, price: Decimal) -> Decimal:
        """Gross open P&L if marked at `price`: (price − avg) × qty × point value, signed."""
        cost = sum((lot.qty * lot.price for lot in self.lots), ZERO)
        return (price * self.qty - cost) * self.point_value * self.sign

    @property
    def open_pnl(self) -> Decimal | None:
        return None if self.mark is None else self.pnl_at(self.mark)

    def observe(self, price: Decimal) -> None:
        """Fold the round trip's P&L at `price` into its MAE/MFE."""
        trade_pnl = self.trade.gross + self.pnl_at(price)
        self.trade.mae = min(self.trade.mae, trade_pnl)
        self.trade.mfe = max(self.trade.mfe, trade_pnl)

    def copy(self) -> Position:
        """An independent copy for a plan: new lots and a new round trip, shared contract data.

        Cheaper than `copy.deepcopy` (which dominated a replay of years of signals), and
        exact: every mutable part a plan changes (the lots, the trade) is copied.
        """
        return replace(
            self,
            lots=deque(Lot(lot.qty, lot.price) for lot in self.lots),
            trade=replace(self.trade),
        )

    def set_mark(self, price: Decimal, when: datetime) -> None:
        self.mark = price
        self.mark_time = when
        self.observe(price)


class Change:
    """What a signal did to one position, for the log: opened, added, reduced, ..."""

    OPENED = "opened"
    ADDED = "added"
    REDUCED = "reduced"
    REVERSED = "reversed"
    CLOSED = "closed"
    NONE = "unchanged"


@dataclass(slots=True)
class Plan:
    """The result of applying one signal, computed but not yet committed."""

    signal: Signal
    key: PositionKey
    before: int
    after: int
    price: Decimal | None
    position: Position | None
    fills: list[Fill] = field(default_factory=list)
    closed_trades: list[Trade] = field(default_factory=list)
    change: str = Change.NONE
    drift: tuple[int, int] | None = None
    next_trade_id: int = 0
    skipped: str | None = None
    """Why the signal changes nothing (recorded as ignored), from `position_rules`."""
    notes: tuple[str, ...] = ()
    """Drift lines for the log: the strategy's stated state and tmtui's disagreed."""

    @property
    def realized(self) -> Decimal:
        return sum((f.realized for f in self.fills), ZERO)

    @property
    def commission(self) -> Decimal:
        return sum((f.commission for f in self.fills), ZERO)


class Book:
    """Every open position, keyed by (strategy, root), and the round-trip counter."""

    def __init__(
        self,
        contracts: ContractBook,
        commission_for: Callable[[str], Decimal] = lambda _root: ZERO,
    ) -> None:
        self.contracts = contracts
        self.commission_for = commission_for
        self.positions: dict[PositionKey, Position] = {}
        self.next_trade_id = 1
        self.last_price: dict[str, Decimal] = {}

    def position(self, strategy: str, root: str) -> Position | None:
        return self.positions.get((strategy, root))

    def open_positions(self) -> list[Position]:
        return list(self.positions.values())

    def plan(self, signal: Signal, signal_id: int | None = None) -> Plan:
        """Work out the fills a signal causes; raises UnusableSignal and changes nothing."""
        key = (signal.strategy, signal.root)
        current = self.positions.get(key)
        before = current.signed_qty if current else 0
        resolution = resolve(signal, before)
        after = resolution.after
        plan = Plan(
            signal,
            key,
            before,
            after,
            signal.price,
            current,
            drift=resolution.drift,
            next_trade_id=self.next_trade_id,
            skipped=resolution.skipped,
            notes=resolution.notes,
        )
        if after == before:
            return plan
        price = signal.price if signal.price is not None else self._mark_for(current, signal.root)
        if price is None:
            what = "close" if after == 0 else ("buy" if after > before else "sell")
            raise UnusableSignal(
                f"cannot {what} {signal.root} ({signal.strategy}) without a price: the alert "
                "has none and there is no quote yet",
                rule="no_price",
            )
        plan.price = price
        position = current.copy() if current else None
        plan.position = self._fill(plan, position, after - before, price, signal, signal_id)
        plan.change = _describe(before, after)
        return plan

    def commit(self, plan: Plan) -> None:
        if plan.position is None:
            self.positions.pop(plan.key, None)
        else:
            self.positions[plan.key] = plan.position
        self.next_trade_id = plan.next_trade_id

    def apply(self, signal: Signal, signal_id: int | None = None) -> Plan:
        plan = self.plan(signal, signal_id)
        self.commit(plan)
        return plan

    def mark(
        self, root: str, price_for: Callable[[int], Decimal | None], when: datetime
    ) -> list[Position]:
        """Mark every open position in `root`; `price_for(sign)` picks bid/ask/last/mid."""
        marked = []
        for pos in self.positions.values():
            if pos.root != root:
                continue
            price = price_for(pos.sign)
            if price is not None:
                pos.set_mark(price, when)
                marked.append(pos)
        last = price_for(0)
        if last is not None:
            self.last_price[root] = last
        return marked

    def _mark_for(self, position: Position | None, root: str) -> Decimal | None:
        if position is not None and position.mark is not None:
            return position.mark
        return self.last_price.get(root)

    def _fill(
        self,
        plan: Plan,
        position: Position | None,
        delta: int,
        price: Decimal,
        signal: Signal,
        signal_id: int | None,
    ) -> Position | None:
        """FIFO: close against the oldest lots first, then open the remainder."""
        spec = self.contracts[signal.root]
        per_contract = self.commission_for(signal.root)
        direction = 1 if delta > 0 else -1
        remaining = abs(delta)
        if position is not None and position.sign != direction:
            closing = min(remaining, position.qty)
            realized = ZERO
            left = closing
            while left:
                lot = position.lots[0]
                take = min(lot.qty, left)
                realized += (price - lot.price) * take * spec.point_value * position.sign
                lot.qty -= take
                left -= take
                if lot.qty == 0:
                    position.lots.popleft()
            commission = per_contract * closing
            trade = position.trade
            trade.exit_qty += closing
            trade.exit_value += price * closing
            trade.gross += realized
            trade.commission += commission
            plan.fills.append(
                Fill(
                    signal.strategy,
                    signal.root,
                    direction * closing,
                    price,
                    signal.time,
                    commission,
                    realized,
                    closing,
                    trade.trade_id,
                    signal_id,
                )
            )
            remaining -= closing
            if position.lots:
                position.observe(price)
            else:
                trade.mae = min(trade.mae, trade.gross)
                trade.mfe = max(trade.mfe, trade.gross)
                trade.exit_time = signal.time
                plan.closed_trades.append(trade)
                position = None
        if remaining:
            if position is None:
                trade = Trade(
                    plan.next_trade_id,
                    signal.strategy,
                    signal.root,
                    Side.of(direction),
                    signal.time,
                )
                plan.next_trade_id += 1
                position = Position(
                    signal.strategy, signal.root, spec.point_value, direction, deque(), trade
                )
            trade = position.trade
            commission = per_contract * remaining
            position.lots.append(Lot(remaining, price))
            trade.entry_qty += remaining
            trade.entry_value += price * remaining
            trade.commission += commission
            trade.qty = max(trade.qty, position.qty)
            plan.fills.append(
                Fill(
                    signal.strategy,
                    signal.root,
                    direction * remaining,
                    price,
                    signal.time,
                    commission,
                    ZERO,
                    0,
                    trade.trade_id,
                    signal_id,
                )
            )
            position.observe(price)
        return position


def _describe(before: int, after: int) -> str:
    if before == 0:
        return Change.OPENED
    if after == 0:
        return Change.CLOSED
    if (before > 0) != (after > 0):
        return Change.REVERSED
    return Change.ADDED if abs(after) > abs(before) else Change.REDUCED


def replay(book: Book, signals: Iterable[tuple[int | None, Signal]]) -> list[Plan]:
    """Apply recorded signals in order: how state is rebuilt after a restart."""
    return [book.apply(sig, sid) for sid, sig in signals]
