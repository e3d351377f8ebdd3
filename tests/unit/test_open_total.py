"""The account's running open P&L equals a fresh sum, to the cent, whatever happens in between."""

from __future__ import annotations

import contextlib
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

from tmtui.core.book.book import Book
from tmtui.core.book.open_total import OpenTotal
from tmtui.core.contracts import ContractBook
from tmtui.core.models import Action, Signal, UnusableSignal

T0 = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)
ROOTS = {
    "NQ": (D("25600"), D("0.25")),
    "CL": (D("70.50"), D("0.01")),
    "6E": (D("1.16"), D("0.00005")),
}


def full_sum(book: Book) -> D:
    return sum((p.open_pnl or D(0) for p in book.positions.values()), D(0))


def at(price: D) -> Callable[[int], D]:
    return lambda _sign: price


def signal(rng: random.Random, n: int) -> Signal:
    root = rng.choice(list(ROOTS))
    price, tick = ROOTS[root]
    action = Action(rng.choice(("buy", "sell", "close")))
    qty = None if action is Action.CLOSE else rng.randint(1, 3)
    fill = price + rng.randint(-20, 20) * tick
    return Signal(f"S{rng.randint(1, 4)}", root, action, qty, fill, T0 + timedelta(seconds=n))


def test_marks_and_fills_keep_the_running_sum_exact() -> None:
    rng = random.Random(11)
    book = Book(ContractBook())
    total = OpenTotal()
    for n in range(3000):
        if rng.random() < 0.1:
            with contextlib.suppress(UnusableSignal):  # a close when flat changes nothing
                book.apply(signal(rng, n))
        else:
            root = rng.choice(list(ROOTS))
            price, tick = ROOTS[root]
            mark = price + rng.randint(-400, 400) * tick
            total.marked(book, book.mark(root, at(mark), T0))
        assert total.value(book) == full_sum(book), n
    assert total.value(book) != 0  # positions were open and marked at the end


def test_a_position_put_back_behind_its_back_is_counted() -> None:
    """The intake takes back a refused plan by assigning the old position directly."""
    book = Book(ContractBook())
    total = OpenTotal()
    book.apply(Signal("S", "NQ", Action.BUY, 1, D("25600"), T0))
    before = book.positions[("S", "NQ")]
    book.mark("NQ", at(D("25610")), T0)
    assert total.value(book) == D("200")
    book.apply(Signal("S", "NQ", Action.BUY, 1, D("25610"), T0))
    total.marked(book, book.mark("NQ", at(D("25620")), T0))
    assert total.value(book) == D("600")
    book.positions[("S", "NQ")] = before  # taken back: 1 contract, still marked at 25610
    assert total.value(book) == full_sum(book) == D("200")
    book.positions.pop(("S", "NQ"))
    assert total.value(book) == D(0)
