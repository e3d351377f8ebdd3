"""Which signals were sent where (`signal_routes`) and a period's reconciliation (`period`).

Hand-built rows, hand-computed answers: the explicit route of a strategy with orders, the
inferred account of one without, the period's edges, the positions per route.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

import pytest

from tmtui.core.broker.fills import BrokerFill, Side
from tmtui.core.broker.period import LedgerSide, Period, reconcile_period
from tmtui.core.broker.reconcile import FillState
from tmtui.core.broker.signal_routes import (
    UNKNOWN_ROUTE,
    BooksChange,
    OrderRow,
    books_changes,
    routed_signals,
)
from tmtui.core.contracts import ContractBook

T0 = datetime(2026, 12, 8, 15, 30, tzinfo=UTC)
TERMS = ContractBook().specs


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


@dataclass(frozen=True)
class Row:
    signal_id: int
    time: datetime
    strategy: str
    root: str
    qty: int
    price: D
    action: str | None
    signal_price: D | None


def change(signal_id: int, strategy: str, root: str, qty: int, t: float, price: str) -> BooksChange:
    action = "buy" if qty > 0 else "sell"
    return BooksChange(signal_id, strategy, root, action, at(t), qty, D(price))


def fill(account: str, contract: str, side: Side, qty: int, price: str, t: float,
         order: str | None = None) -> BrokerFill:  # fmt: skip
    root = contract[:-2]
    return BrokerFill("ninjatrader-executions", account, f"{account}{t}{side}", order, contract,
                      root, side, qty, D(price), at(t))  # fmt: skip


def test_books_changes_net_a_reversal_and_take_the_fill_price_without_a_signal_price() -> None:
    rows = [
        Row(7, at(0), "ORB", "NQ", -2, D("21000"), "sell", None),  # closes long 2
        Row(7, at(0), "ORB", "NQ", -2, D("21000.5"), "sell", None),  # opens short 2
        Row(8, at(5), "ORB", "NQ", 1, D("21001"), "close", D("21002")),
        Row(9, at(9), "ORB", "NQ", 0, D("21001"), "buy", None),  # moved nothing
    ]
    assert books_changes(rows) == [
        BooksChange(7, "ORB", "NQ", "sell", at(0), -4, D("21000.25")),
        BooksChange(8, "ORB", "NQ", "close", at(5), 1, D("21002")),
    ]


def test_orders_decide_for_a_strategy_that_has_them() -> None:
    changes = [
        change(1, "ORB", "NQ", 2, 0, "21000"),
        change(2, "ORB", "NQ", 3, 10, "21001"),  # rejected at the bridge
        change(3, "ORB", "NQ", -5, 20, "21002"),  # the books close 5; the bridge held 2
        change(4, "ORB", "NQ", 1, 30, "21003"),  # no order: sent nowhere
        change(5, "Trend", "MES", 1, 40, "6000"),  # no orders at all: inferred
        change(6, "Paper", "CL", 1, 50, "70"),  # a root no broker fill trades
    ]
    orders = {
        1: [OrderRow(1, "tv", "tradovate", "buy", 2, "open", 0, "accepted", "901")],
        2: [OrderRow(2, "tv", "tradovate", "buy", 3, "add", 2, "rejected")],
        3: [OrderRow(3, "tv", "tradovate", "exit", 2, "close", 2, "accepted", "903")],
    }
    accounts = {"NQ": {"DEMO1"}, "MES": {"DEMO1", "APEX"}}
    signals = routed_signals(changes, orders, {"ORB"}, accounts)
    got = [(s.signal_id, s.route, s.side, s.qty, s.order_ids, s.rejected, s.account,
            s.books_net) for s in signals]  # fmt: skip
    assert got == [
        (1, "tv", Side.BUY, 2, ("901",), False, None, 2),
        (2, "tv", Side.BUY, 3, (), True, None, 3),
        (3, "tv", Side.SELL, 2, ("903",), False, None, -5),
        (5, UNKNOWN_ROUTE, Side.BUY, 1, (), False, None, 1),  # two accounts trade MES
    ]


def test_a_reversal_order_asks_for_both_legs() -> None:
    order = OrderRow(1, "tp", "traderspost", "sell", 2, "reverse", 3, "accepted")
    assert order.change == -5


def side_of(**kw: object) -> LedgerSide:
    base: dict[str, object] = {
        "changes": [], "fills": [], "orders": {}, "order_routes": {}, "accounts_by_root": {},
        "books_nets": {}, "broker_nets": {},
    }  # fmt: skip
    base.update(kw)
    return LedgerSide(**base)  # type: ignore[arg-type]


def test_an_inferred_account_comes_from_where_the_fills_are() -> None:
    """Two accounts trade NQ: ORB's signal takes the fill at APEX, so ORB is routed there,
    and the DEMO1 fill is an extra at an account of its own."""
    side = side_of(
        changes=[change(1, "ORB", "NQ", 1, 0, "21000")],
        fills=[
            fill("APEX", "NQZ6", Side.BUY, 1, "21000.25", 1),
            fill("DEMO1", "NQZ6", Side.SELL, 2, "21000", 1),
        ],
        accounts_by_root={"NQ": {"APEX", "DEMO1"}},
        books_nets={("ORB", "NQ"): 1},
        broker_nets={("APEX", "NQZ6"): 1, ("DEMO1", "NQZ6"): -2},
    )
    r = reconcile_period(side, Period(at(-60), at(3600)), TERMS)
    [o] = r.signals
    assert (o.signal.route, o.signal.account, o.state, o.slippage_ticks) == (
        "APEX", "APEX", FillState.MATCHED, D("1.00"),
    )  # fmt: skip
    assert [f.account for f in r.extra_fills] == ["DEMO1"]
    assert [(p.route, p.symbol, p.books_qty, p.broker_qty, p.drift) for p in r.positions] == [
        ("APEX", "NQ", 1, 1, 0),
        ("DEMO1", "NQ", 0, -2, -2),
    ]


def test_the_period_keeps_its_own_signals_and_extras_but_matches_across_its_edges() -> None:
    """A signal a minute before the period, filled inside it, is neither shown nor leaves
    its fill as an extra; a fill after the period's end is not the period's."""
    side = side_of(
        changes=[change(1, "ORB", "NQ", 1, -30, "21000"), change(2, "ORB", "NQ", -1, 60, "21004")],
        fills=[
            fill("DEMO1", "NQZ6", Side.BUY, 1, "21000", 5),
            fill("DEMO1", "NQZ6", Side.SELL, 1, "21003.75", 61),
            fill("DEMO1", "NQZ6", Side.BUY, 1, "21010", 4000),
        ],
        accounts_by_root={"NQ": {"DEMO1"}},
        broker_nets={("DEMO1", "NQZ6"): 0},
    )
    r = reconcile_period(side, Period(at(0), at(3600)), TERMS)
    assert [o.signal.signal_id for o in r.signals] == [2]
    assert r.signals[0].slippage == D("5")  # a sell 0.25 below: 1 tick x $20 x 1
    assert r.extra_fills == ()
    [totals] = r.by_strategy
    assert (totals.signals, totals.matched, totals.books_net, totals.broker_net) == (1, 1, -1, -1)


def test_a_route_without_a_known_account_shows_the_broker_as_unknown() -> None:
    side = side_of(
        changes=[change(1, "ORB", "NQ", 1, 0, "21000")],
        orders={1: [OrderRow(1, "tp", "traderspost", "buy", 1, "open", 0, "accepted", "x")]},
        order_routes={("ORB", "NQ"): "tp"},
        books_nets={("ORB", "NQ"): 1},
    )
    r = reconcile_period(side, Period(at(-60), at(3600)), TERMS)
    assert r.signals[0].state is FillState.MISSED
    [row] = r.positions
    assert (row.route, row.books_qty, row.broker_qty, row.drift) == ("tp", 1, None, None)


@pytest.mark.parametrize("strategy", ["ORB", "Trend"])
def test_one_strategy_alone_keeps_its_extras_and_routes(strategy: str) -> None:
    side = side_of(
        changes=[change(1, "ORB", "NQ", 1, 0, "21000"), change(2, "Trend", "MES", 1, 0, "6000")],
        fills=[
            fill("DEMO1", "NQZ6", Side.BUY, 1, "21000", 1),
            fill("DEMO1", "MESZ6", Side.BUY, 1, "6000", 900),
        ],
        accounts_by_root={"NQ": {"DEMO1"}, "MES": {"DEMO1"}},
        books_nets={("ORB", "NQ"): 1, ("Trend", "MES"): 1},
        broker_nets={("DEMO1", "NQZ6"): 1, ("DEMO1", "MESZ6"): 1},
    )
    r = reconcile_period(side, Period(at(-60), at(3600), strategy), TERMS)
    assert {o.signal.strategy for o in r.signals} == {strategy}
    assert len(r.extra_fills) == (1 if strategy == "Trend" else 0)
    assert [t.strategy for t in r.by_strategy] == [strategy]
    assert [p.symbol for p in r.positions] == ["NQ" if strategy == "ORB" else "MES"]
