"""Fills split into TradingView's trades: each entry lot matched first in, first out.

Pure. tmtui's round trip runs flat to flat; TradingView's Strategy Tester counts a trade per
entry order instead, split where exits close it in parts (a pyramid of three entries closed
at once is three trades; one entry of 14 closed 7 and 7 is two). Its statistics (trade count,
percent profitable, average win) are of those trades, so a strategy's figures computed from
`lot_trades` of its fills (live or imported) read as the Strategy Tester's do.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol


class Execution(Protocol):
    """A fill as the book records it (`models.Fill` is one): signed size, price, time and
    the commission charged for all of it."""

    @property
    def qty(self) -> int: ...

    @property
    def price(self) -> Decimal: ...

    @property
    def time(self) -> datetime: ...

    @property
    def commission(self) -> Decimal: ...


@dataclass(frozen=True, slots=True)
class LotTrade:
    """One TradingView trade: `qty` of one entry closed by one exit, net of both sides'
    commission on that qty."""

    long: bool
    qty: int
    entry_time: datetime
    entry_price: Decimal
    exit_time: datetime
    exit_price: Decimal
    net: Decimal


@dataclass(slots=True)
class _Lot:
    order: int
    left: int
    fill: Execution


def lot_trades(fills: Iterable[Execution], point_value: Decimal) -> list[LotTrade]:
    """The closed TradingView trades of one strategy's fills in one symbol (in time order),
    in TradingView's trade order: by entry, one entry's parts in the order they closed.
    Lots still open at the end are not trades yet."""
    lots: deque[_Lot] = deque()
    done: list[tuple[int, int, LotTrade]] = []
    entries = 0
    for fill in fills:
        left = abs(fill.qty)
        while left and lots and (lots[0].fill.qty > 0) != (fill.qty > 0):
            lot = lots[0]
            take = min(lot.left, left)
            done.append((lot.order, len(done), _trade(lot.fill, fill, take, point_value)))
            lot.left -= take
            left -= take
            if not lot.left:
                lots.popleft()
        if left:
            lots.append(_Lot(entries, left, fill))
            entries += 1
    return [trade for _order, _seq, trade in sorted(done, key=lambda d: d[:2])]


def _trade(entry: Execution, exit_: Execution, qty: int, point_value: Decimal) -> LotTrade:
    long = entry.qty > 0
    points = (exit_.price - entry.price) * (1 if long else -1)
    commission = _share(entry, qty) + _share(exit_, qty)
    return LotTrade(
        long=long,
        qty=qty,
        entry_time=entry.time,
        entry_price=entry.price,
        exit_time=exit_.time,
        exit_price=exit_.price,
        net=points * qty * point_value - commission,
    )


def _share(fill: Execution, qty: int) -> Decimal:
    """The part of a fill's commission that `qty` of its contracts bear."""
    return fill.commission * qty / abs(fill.qty)
