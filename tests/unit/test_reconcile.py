"""Routed signals matched to broker fills, against figures worked out by hand.

NQ: tick 0.25, $20 a point ($5 a tick). ES: tick 0.25, $50 a point ($12.50 a tick).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import count

import pytest

from tmtui.core.broker import (
    BooksPosition,
    BrokerFill,
    FillState,
    MatchWindow,
    RoutedSignal,
    Side,
    reconcile,
)
from tmtui.core.contracts import BUILTIN_CONTRACTS

T0 = datetime(2026, 12, 8, 14, 30, tzinfo=UTC)
BUY, SELL = Side.BUY, Side.SELL
_ids = count(1)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def fill(
    side: Side,
    qty: int,
    price: str,
    seconds: float,
    *,
    order: str | None = None,
    contract: str = "NQZ6",
    account: str = "DEMO1",
) -> BrokerFill:
    root = contract[:-2]
    return BrokerFill(
        "tradovate-api", account, str(next(_ids)), order, contract, root, side, qty,
        Decimal(price), at(seconds),
    )  # fmt: skip


def signal(
    sid: int,
    strategy: str,
    side: Side,
    qty: int,
    price: str | None,
    seconds: float,
    *,
    symbol: str = "NQ",
    route: str = "tv",
    action: str | None = None,
    contract: str | None = "NQZ6",
    account: str | None = "DEMO1",
    orders: tuple[str, ...] = (),
    rejected: bool = False,
) -> RoutedSignal:
    return RoutedSignal(
        sid, strategy, symbol, action or side.value, side, qty, at(seconds), route,
        Decimal(price) if price is not None else None, contract, account, orders, rejected,
    )  # fmt: skip


# A day on two routes: "tv" (Tradovate, order ids known) and "tp" (a bridge, none known).
SIGNALS = [
    signal(1, "ORB", BUY, 3, "21000.00", 0, orders=("101",)),
    signal(2, "ORB", SELL, 3, "21010.00", 900, orders=("102",)),
    signal(3, "Mean Rev", BUY, 1, "21020.00", 1800, route="tp", contract=None),
    signal(4, "ORB", BUY, 1, "21030.00", 2400, rejected=True),
    # a reversal from long 2 to short 2: one sell of 4, filled as two orders at the bridge
    signal(
        5,
        "Mean Rev",
        SELL,
        4,
        "21050.00",
        3600,
        route="tp",
        contract=None,
        account=None,
        action="reverse",
    ),
    signal(6, "Gap", BUY, 1, "6000.00", 5399, symbol="ES", contract="ESZ6", orders=("301",)),
]
FILLS = [
    fill(BUY, 2, "21000.50", 0.4, order="101"),
    fill(BUY, 1, "21000.75", 0.9, order="101"),
    fill(SELL, 2, "21009.75", 901, order="102"),  # one contract of three never filled
    fill(BUY, 1, "21021.00", 2100, order="900"),  # 300 s after signal 3: outside its window
    fill(BUY, 1, "21030.25", 2405, order="901"),  # near the rejected buy: a hand-made trade
    fill(SELL, 2, "21049.75", 3601, order="201"),
    fill(SELL, 2, "21049.50", 3602, order="202"),
    fill(BUY, 1, "6000.25", 5400, order="301", contract="ESZ6"),
    fill(SELL, 1, "6001.00", 6600, order="902", contract="ESZ6"),  # a bridge's own target
]
BOOKS = [
    BooksPosition("tv", "ORB", "NQ", 1),
    BooksPosition("tp", "Mean Rev", "NQ", -3),
    BooksPosition("tv", "Gap", "ES", 1),
]
BROKER = {"tv": {"NQZ6": 2, "ESZ6": 0}}


def day() -> dict[str, object]:
    return reconcile(SIGNALS, FILLS, terms=BUILTIN_CONTRACTS, books=BOOKS, broker=BROKER).to_json()


def test_each_signal_with_its_fills_slippage_and_latency() -> None:
    rows = day()["signals"]
    assert isinstance(rows, list)
    by_id = {r["signal_id"]: r for r in rows}
    # 1: buy 3 at 21000: 2 @ .50 and 1 @ .75 → 1.75 points = 7 ticks = $35; avg 63001.75 / 3
    assert by_id[1] == {
        "signal_id": 1, "strategy": "ORB", "symbol": "NQ", "action": "buy", "qty": 3,
        "signal_price": Decimal("21000.00"), "fill_qty": 3,
        "fill_price": Decimal("21000.58333333"), "slippage_ticks": Decimal("2.33"),
        "slippage": Decimal("35"), "latency_s": Decimal("0.400"), "state": "matched",
    }  # fmt: skip
    # 2: sell 3 at 21010, 2 filled @ 21009.75: 0.25 x 2 = 0.5 points = 2 ticks = $10
    assert (by_id[2]["state"], by_id[2]["fill_qty"], by_id[2]["fill_price"]) == (
        "partial", 2, Decimal("21009.75")
    )  # fmt: skip
    assert (by_id[2]["slippage_ticks"], by_id[2]["slippage"], by_id[2]["latency_s"]) == (
        Decimal("1.00"), Decimal("10"), Decimal("1.000")
    )  # fmt: skip
    # 3: nothing within two minutes: missed, and nothing unknown shown as zero
    assert {k: by_id[3][k] for k in ("state", "fill_qty", "fill_price", "slippage_ticks",
                                     "slippage", "latency_s")} == {
        "state": "missed", "fill_qty": 0, "fill_price": None, "slippage_ticks": None,
        "slippage": None, "latency_s": None,
    }  # fmt: skip
    # 4: the broker refused it; the buy right after it is not its fill
    assert (by_id[4]["state"], by_id[4]["fill_qty"]) == ("rejected", 0)
    # 5: the reversal, by account/contract/side/time: 2 @ .75 + 2 @ .50 below 21050
    #    → 0.5 + 1.0 = 1.5 points = 6 ticks over 4 contracts = 1.50; $30; avg 21049.625
    assert {k: by_id[5][k] for k in ("action", "qty", "state", "fill_qty", "fill_price",
                                     "slippage_ticks", "slippage", "latency_s")} == {
        "action": "reverse", "qty": 4, "state": "matched", "fill_qty": 4,
        "fill_price": Decimal("21049.625"), "slippage_ticks": Decimal("1.50"),
        "slippage": Decimal("30"), "latency_s": Decimal("1.000"),
    }  # fmt: skip
    # 6: ES, one tick above: $12.50
    assert (by_id[6]["slippage_ticks"], by_id[6]["slippage"]) == (Decimal("1.00"), Decimal("12.5"))


def test_extra_fills_are_the_ones_no_signal_explains() -> None:
    extras = day()["extra_fills"]
    assert isinstance(extras, list)
    assert [(e["order_id"], e["symbol"], e["side"], e["qty"], e["price"]) for e in extras] == [
        ("900", "NQ", "buy", 1, Decimal("21021.00")),
        ("901", "NQ", "buy", 1, Decimal("21030.25")),
        ("902", "ES", "sell", 1, Decimal("6001.00")),
    ]
    assert extras[0]["time"] == "2026-12-08T15:05:00+00:00"
    assert extras[0]["contract"] == "NQZ6"


def test_positions_show_drift_and_unknown_broker_as_null() -> None:
    assert day()["positions"] == [
        {"route": "tp", "symbol": "NQ", "books_qty": -3, "broker_qty": None, "drift": None},
        {"route": "tv", "symbol": "ES", "books_qty": 1, "broker_qty": 0, "drift": -1},
        {"route": "tv", "symbol": "NQ", "books_qty": 1, "broker_qty": 2, "drift": 1},
    ]


def test_totals_per_strategy() -> None:
    totals = day()["by_strategy"]
    assert totals == [
        # Gap: the ES target fill is its extra (the only strategy trading ES at DEMO1)
        {"strategy": "Gap", "signals": 1, "matched": 1, "missed": 0, "extra": 1,
         "slippage": Decimal("12.5"), "avg_slippage_ticks": Decimal("1.00"),
         "avg_latency_s": Decimal("1.000"), "books_net": 1, "broker_net": 1},
        # Mean Rev: 6 ticks over 4 contracts; books +1 -4, broker only -4 (the buy was missed)
        {"strategy": "Mean Rev", "signals": 2, "matched": 1, "missed": 1, "extra": 0,
         "slippage": Decimal("30"), "avg_slippage_ticks": Decimal("1.50"),
         "avg_latency_s": Decimal("1.000"), "books_net": -3, "broker_net": -4},
        # ORB: (7 + 2) ticks over 5 contracts = 1.80; $35 + $10; (0.4 + 1.0) / 2 s;
        # books +3 -3 +1 (the books applied the rejected buy), broker +3 -2
        {"strategy": "ORB", "signals": 3, "matched": 1, "missed": 0, "extra": 0,
         "slippage": Decimal("45"), "avg_slippage_ticks": Decimal("1.80"),
         "avg_latency_s": Decimal("0.700"), "books_net": 1, "broker_net": 1},
        # the two NQ extras: ORB and Mean Rev both trade NQ at DEMO1
        {"strategy": None, "signals": 0, "matched": 0, "missed": 0, "extra": 2,
         "slippage": None, "avg_slippage_ticks": None, "avg_latency_s": None,
         "books_net": 0, "broker_net": 0},
    ]  # fmt: skip


def test_the_json_shape_is_the_contract() -> None:
    doc = day()
    assert list(doc) == ["signals", "extra_fills", "positions", "by_strategy"]
    signals, positions, totals = doc["signals"], doc["positions"], doc["by_strategy"]
    assert isinstance(signals, list) and isinstance(positions, list) and isinstance(totals, list)
    assert {tuple(s) for s in signals} == {
        ("signal_id", "strategy", "symbol", "action", "qty", "signal_price", "fill_qty",
         "fill_price", "slippage_ticks", "slippage", "latency_s", "state"),
    }  # fmt: skip
    assert {tuple(p) for p in positions} == {
        ("route", "symbol", "books_qty", "broker_qty", "drift")
    }
    assert {tuple(t) for t in totals} == {
        ("strategy", "signals", "matched", "missed", "extra", "slippage", "avg_slippage_ticks",
         "avg_latency_s", "books_net", "broker_net"),
    }  # fmt: skip


def test_a_close_after_a_rejected_buy_holds_what_was_filled() -> None:
    signals = [
        signal(1, "ORB", BUY, 2, "21000", 0, orders=("1",)),
        signal(2, "ORB", BUY, 1, "21001", 60, rejected=True),
    ]
    fills = [fill(BUY, 2, "21000", 0.2, order="1")]
    totals = reconcile(signals, fills, terms=BUILTIN_CONTRACTS).by_strategy
    assert [(t.books_net, t.broker_net) for t in totals] == [(3, 2)]


def test_window_matching_respects_side_contract_account_and_time() -> None:
    s = signal(1, "S", BUY, 2, "100", 0, contract=None)
    fills = [
        fill(SELL, 2, "100", 1),  # wrong side
        fill(BUY, 2, "100", 2, contract="ESZ6"),  # other root
        fill(BUY, 2, "100", 3, account="OTHER"),  # other account
        fill(BUY, 2, "100", 121),  # too late
        fill(BUY, 2, "100", -6),  # too early
        fill(BUY, 2, "100", 4, contract="NQH7"),  # the route did not say the month: any NQ
    ]
    result = reconcile([s], fills, terms=BUILTIN_CONTRACTS)
    assert [f.key for f in result.signals[0].fills] == [fills[5].key]
    assert [f.key for f in result.extra_fills] == [fills[i].key for i in (4, 0, 1, 2, 3)]


def test_window_prefers_one_fill_of_the_whole_quantity() -> None:
    s = signal(1, "S", BUY, 2, "100", 0, contract=None)
    one, two = fill(BUY, 1, "100", 0.5), fill(BUY, 2, "100", 1)
    result = reconcile([s], [one, two], terms=BUILTIN_CONTRACTS)
    assert [f.key for f in result.signals[0].fills] == [two.key]
    assert [f.key for f in result.extra_fills] == [one.key]


def test_window_else_takes_the_earliest_fills_that_fit() -> None:
    s = signal(1, "S", BUY, 2, "100", 0, contract=None)
    # 4 s early (the broker's clock runs ahead), a 3 lot that does not fit, a later 1 lot
    early, big, late = fill(BUY, 1, "100", -4), fill(BUY, 3, "100", 1), fill(BUY, 1, "100", 2)
    result = reconcile([s], [late, big, early], terms=BUILTIN_CONTRACTS)
    assert [f.key for f in result.signals[0].fills] == [early.key, late.key]
    assert [f.key for f in result.extra_fills] == [big.key]


def test_two_close_signals_each_get_their_own_fills() -> None:
    signals = [
        signal(2, "B", BUY, 1, "100", 1, contract=None),
        signal(1, "A", BUY, 1, "100", 0, contract=None),
    ]
    first, second = fill(BUY, 1, "100.25", 0.5), fill(BUY, 1, "100.50", 1.5)
    result = reconcile(signals, [second, first], terms=BUILTIN_CONTRACTS)
    # outcomes keep the input order; the earlier signal took the earlier fill
    assert [o.signal.signal_id for o in result.signals] == [2, 1]
    assert [o.fills[0].key for o in result.signals] == [second.key, first.key]


def test_an_order_id_no_fill_carries_falls_back_to_the_window() -> None:
    s = signal(1, "S", SELL, 1, "100", 0, orders=("lost",))
    f = fill(SELL, 1, "99.75", 0.3, order="other")
    assert reconcile([s], [f], terms=BUILTIN_CONTRACTS).signals[0].state is FillState.MATCHED


def test_order_ids_win_over_the_window() -> None:
    a = signal(1, "A", BUY, 1, "100", 0, orders=("B-ORDER",))
    b = signal(2, "B", BUY, 1, "100", 0.1, orders=("A-ORDER",))
    fa, fb = fill(BUY, 1, "100", 0.2, order="A-ORDER"), fill(BUY, 1, "100", 0.3, order="B-ORDER")
    result = reconcile([a, b], [fa, fb], terms=BUILTIN_CONTRACTS)
    assert [o.fills[0].key for o in result.signals] == [fb.key, fa.key]


def test_unknown_price_or_contract_terms_leave_slippage_unknown() -> None:
    no_price = signal(1, "S", BUY, 1, None, 0, orders=("1",))
    no_terms = signal(2, "S", BUY, 1, "50", 10, symbol="XYZ", contract="XYZZ6", orders=("2",))
    fills = [fill(BUY, 1, "100", 1, order="1"), fill(BUY, 1, "51", 11, order="2", contract="XYZZ6")]
    result = reconcile([no_price, no_terms], fills, terms=BUILTIN_CONTRACTS)
    for outcome in result.signals:
        assert outcome.state is FillState.MATCHED
        assert outcome.fill_price is not None
        assert (outcome.slippage, outcome.slippage_ticks) == (None, None)
    (totals,) = result.by_strategy
    assert (totals.slippage, totals.avg_slippage_ticks) == (None, None)
    assert totals.avg_latency_s == Decimal("1.000")


@pytest.mark.parametrize(("side", "price", "cost"), [(BUY, "99.50", "-2"), (SELL, "99.50", "2")])
def test_slippage_is_positive_when_it_costs_the_trader(side: Side, price: str, cost: str) -> None:
    s = signal(1, "S", side, 1, "100", 0, orders=("1",))
    outcome = reconcile([s], [fill(side, 1, price, 1, order="1")], terms=BUILTIN_CONTRACTS)
    assert outcome.signals[0].slippage_ticks == Decimal(cost).quantize(Decimal("0.01"))
    assert outcome.signals[0].slippage == Decimal(cost) * 5


def test_a_wider_window() -> None:
    s = signal(1, "S", BUY, 1, "100", 0, contract=None)
    late = fill(BUY, 1, "100", 300)
    narrow = reconcile([s], [late], terms=BUILTIN_CONTRACTS)
    wide = reconcile(
        [s], [late], terms=BUILTIN_CONTRACTS, window=MatchWindow(after=timedelta(minutes=10))
    )
    assert (narrow.signals[0].state, wide.signals[0].state) == (
        FillState.MISSED,
        FillState.MATCHED,
    )
