"""A TradingView "List of trades" read back into the fills TradingView made, in its order.

Pure. TradingView writes a trade as two rows (its exit, then its entry) and numbers trades in
entry order; one order often fills several trades, and times have minute resolution. So the
rows are not the fills; these rules, which every real export follows, make them so:

- Within one time, fills happened in trade-number order: an exit comes right after the last
  entry it closes (a reversal's exit before the new side's entry; a same-bar round trip's
  entry before its own exit).
- Trades that exit together (same time, price and side, next to each other in that order)
  were closed by one order: one fill of their summed size (a pyramid closed at once).
- Trades that enter together (same time and price) were one order split across lots. Each
  lot stays a fill of its own, as TradingView keeps it a trade of its own: first in, first
  out, the book then closes the same lots TradingView did, and the trades `lot_trades` makes
  of its fills are the file's, one for one (so the statistics equal the Strategy Tester's).
- A trade whose exit row's `Signal` is `Open` (or that has no exit row) is still open: its
  "exit" price is the last close, not a fill. It is no fill at all here but an `OpenTrade`,
  which belongs to the backtest's own book, never to the live one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from tmtui.core.history.import_plan import ImportRefused


@dataclass(frozen=True, slots=True)
class TvRow:
    """One row of the list: an entry or an exit of TradingView trade `trade`.

    `still_open` marks the exit row of a trade not closed yet (`Signal` = `Open`): its time
    and price are the last bar's and its net is the open P&L.
    """

    line: int
    trade: int
    entry: bool
    long: bool
    time: datetime
    price: Decimal
    qty: int
    net_pnl: Decimal | None
    name: str
    still_open: bool = False

    @property
    def buys(self) -> bool:
        """An entry long or an exit short buys."""
        return self.entry == self.long

    @property
    def kind(self) -> str:
        return f"{'Entry' if self.entry else 'Exit'} {'long' if self.long else 'short'}"


@dataclass(frozen=True, slots=True)
class TvFill:
    """One fill as TradingView made it: an entry lot (one trade's entry row), or an exit
    order (the exit rows of the trades it closed, at one time and price, in trade order)."""

    rows: tuple[TvRow, ...]

    @property
    def first(self) -> TvRow:
        return self.rows[0]

    @property
    def line(self) -> int:
        """The file line of its first row (for errors)."""
        return self.first.line

    @property
    def entry(self) -> bool:
        return self.first.entry

    @property
    def long(self) -> bool:
        return self.first.long

    @property
    def buys(self) -> bool:
        return self.first.buys

    @property
    def time(self) -> datetime:
        return self.first.time

    @property
    def price(self) -> Decimal:
        return self.first.price

    @property
    def qty(self) -> int:
        return sum(r.qty for r in self.rows)

    @property
    def trades(self) -> tuple[int, ...]:
        """TradingView's numbers of the trades this order entered or exited."""
        return tuple(r.trade for r in self.rows)

    @property
    def kind(self) -> str:
        return self.first.kind

    @property
    def names(self) -> str:
        """The rows' distinct signal names, `+`-joined (one name for a single-row order)."""
        return "+".join(dict.fromkeys(r.name for r in self.rows))


@dataclass(frozen=True, slots=True)
class OpenTrade:
    """A trade still open at the end of the backtest: its entry, and TradingView's last
    close and open P&L for it (None when the file has no `Open` row for it)."""

    trade: int
    long: bool
    qty: int
    entry_time: datetime
    entry_price: Decimal
    line: int
    last_time: datetime | None = None
    last_price: Decimal | None = None
    open_pnl: Decimal | None = None


@dataclass(frozen=True, slots=True)
class TvFills:
    """A list of trades read as TradingView filled it."""

    fills: tuple[TvFill, ...]
    """The closed trades' fills, in the order they were made (open trades have none)."""
    open_trades: tuple[OpenTrade, ...]
    closed: tuple[int, ...]
    """Numbers of the closed trades, ascending (TradingView's trade order)."""
    nets: Mapping[int, Decimal]
    """TradingView's Net P&L of each closed trade that has one, by trade number."""

    def closed_nets(self) -> list[Decimal] | None:
        """Every closed trade's Net P&L in trade order; None if the file lacks one (unknown
        is not zero)."""
        if any(n not in self.nets for n in self.closed):
            return None
        return [self.nets[n] for n in self.closed]


def read_fills(rows: Sequence[TvRow], what: str) -> TvFills:
    """The fills behind `rows` (any row order), the open trades apart.

    Raises ImportRefused naming every row that cannot be part of a TradingView list: a
    trade with two entry (or exit) rows, or whose exit differs from its entry in side or
    size, or an `Open` row without its entry.
    """
    entries, exits = _pair(rows, what)
    still_open = {n for n in entries if n not in exits or exits[n].still_open}
    closed = sorted(n for n, row in exits.items() if not row.still_open)
    fills = [TvFill((row,)) for n, row in entries.items() if n not in still_open]
    fills += _exit_orders(exits[n] for n in closed)
    return TvFills(
        fills=tuple(sorted(fills, key=_fill_order)),
        open_trades=tuple(_open_trade(entries[n], exits.get(n)) for n in sorted(still_open)),
        closed=tuple(closed),
        nets=_nets(closed, entries, exits),
    )


def _pair(rows: Sequence[TvRow], what: str) -> tuple[dict[int, TvRow], dict[int, TvRow]]:
    entries: dict[int, TvRow] = {}
    exits: dict[int, TvRow] = {}
    problems: list[str] = []
    for row in sorted(rows, key=lambda r: r.line):
        side = entries if row.entry else exits
        if row.trade in side:
            problems.append(
                f"line {row.line}: trade #{row.trade} has a second {_which(row)} row (the "
                f"first is line {side[row.trade].line})"
            )
            continue
        side[row.trade] = row
    for n, exit_row in sorted(exits.items()):
        entry_row = entries.get(n)
        if entry_row is None:
            if exit_row.still_open:
                problems.append(f"line {exit_row.line}: open trade #{n} has no entry row")
            continue  # a closed exit without its entry: the position check names it
        if (entry_row.long, entry_row.qty) != (exit_row.long, exit_row.qty):
            problems.append(
                f"line {exit_row.line}: {exit_row.kind} {exit_row.qty} of trade #{n} does not "
                f"match its {entry_row.kind} {entry_row.qty} (line {entry_row.line})"
            )
    if problems:
        raise ImportRefused(what, problems)
    return entries, exits


def _which(row: TvRow) -> str:
    return "entry" if row.entry else "exit"


def _exit_orders(exits: Iterable[TvRow]) -> list[TvFill]:
    """Exits grouped into orders: next to each other in (time, trade) order, at the same time,
    price and side."""
    orders: list[list[TvRow]] = []
    for row in sorted(exits, key=lambda r: (r.time, r.trade)):
        last = orders[-1][-1] if orders else None
        if last is not None and _together(last, row):
            orders[-1].append(row)
        else:
            orders.append([row])
    return [TvFill(tuple(rows)) for rows in orders]


def _together(a: TvRow, b: TvRow) -> bool:
    return (a.time, a.price, a.long) == (b.time, b.price, b.long)


def _fill_order(fill: TvFill) -> tuple[datetime, int, int]:
    """By time; within one time in trade-number order, an exit order right after the entry
    of the last trade it closes."""
    return (fill.time, fill.rows[-1].trade, 0 if fill.entry else 1)


def _open_trade(entry: TvRow, last: TvRow | None) -> OpenTrade:
    return OpenTrade(
        trade=entry.trade,
        long=entry.long,
        qty=entry.qty,
        entry_time=entry.time,
        entry_price=entry.price,
        line=entry.line,
        last_time=last.time if last else None,
        last_price=last.price if last else None,
        open_pnl=(last.net_pnl if last and last.net_pnl is not None else entry.net_pnl),
    )


def _nets(
    closed: Sequence[int], entries: dict[int, TvRow], exits: dict[int, TvRow]
) -> dict[int, Decimal]:
    """Net P&L from the exit row (the entry row repeats it, or leaves it empty)."""
    nets: dict[int, Decimal] = {}
    for n in closed:
        net = exits[n].net_pnl
        if net is None and n in entries:
            net = entries[n].net_pnl
        if net is not None:
            nets[n] = net
    return nets
