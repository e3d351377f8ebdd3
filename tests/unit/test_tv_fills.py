"""TradingView trade lists read back into the orders TradingView filled (core/backtest).

The five real exports in tests/data/tradingview-exports are the ground truth: every row's
`Net P&L USD` is TradingView's own, so the fills read from a file, run through tmtui's book
and split per entry lot, must give back every trade's net to the cent.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal as D
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tmtui.core.backtest.lot_trades import lot_trades
from tmtui.core.backtest.tv_fills import OpenTrade, TvFills, TvRow, read_fills
from tmtui.core.book.book import Book
from tmtui.core.contracts import ContractBook
from tmtui.core.history.import_plan import ImportRefused
from tmtui.core.history.tv_export import read_rows, tv_items
from tmtui.core.models import Fill

DATA = Path(__file__).parents[1] / "data" / "tradingview-exports"
NY = ZoneInfo("America/New_York")


@dataclass(frozen=True)
class Export:
    """One real export, with what its source says about it (SOURCES.md)."""

    name: str
    root: str
    point_value: D
    commission: D

    @property
    def path(self) -> Path:
        return DATA / self.name


EXPORTS = [
    Export("nqstats-playbook-mnq-5m.csv", "MNQ", D(2), D(0)),
    Export("orb-v7.1-mnq-1m.csv", "MNQ", D(2), D(0)),
    Export("ml-r1.3-orb-retest-mes.csv", "MES", D(5), D(0)),
    Export("sats-ps-mes-2y.csv", "MES", D(5), D("1.00")),
    Export("ema-pullback-mes.csv", "MES", D(5), D("0.62")),
]
BY_NAME = {e.name: e for e in EXPORTS}


def rows_of(path: Path) -> list[TvRow]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        table = list(csv.reader(f))
    return read_rows(table[0], list(enumerate(table[1:], 2)), NY, path.name)


def fills_of(name: str) -> TvFills:
    return read_fills(rows_of(DATA / name), name)


def csv_trades(path: Path) -> tuple[dict[int, D], set[int]]:
    """The file's own closed trades' nets by number, and its open trades' numbers: read
    with the csv module alone, to check the reading against."""
    nets: dict[int, D] = {}
    still_open: set[int] = set()
    with path.open(encoding="utf-8-sig", newline="") as f:
        for row in csv.DictReader(f):
            if row["Type"].startswith("Exit"):
                if row["Signal"] == "Open":
                    still_open.add(int(row["Trade #"]))
                else:
                    nets[int(row["Trade #"])] = D(row["Net P&L USD"])
    return nets, still_open


def book_fills(export: Export, tv: TvFills) -> list[Fill]:
    """The fills tmtui's own book makes of the file's orders (as the importer plans them)."""
    contracts = ContractBook()
    items = tv_items(tv.fills, "BT", export.root, export.root, contracts, export.name)
    book = Book(contracts, lambda _root: export.commission)
    fills: list[Fill] = []
    for item in items:
        plan = book.apply(item.signal)
        assert plan.after == item.expected_after, f"line {item.line}"
        fills.extend(plan.fills)
    assert book.open_positions() == []  # the open trade is no fill: nothing left live
    return fills


def when(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=NY)


# --- the real files ------------------------------------------------------------------------


@pytest.mark.parametrize("export", EXPORTS, ids=lambda e: e.name)
def test_every_closed_trade_is_in_exactly_one_entry_and_one_exit_order(export: Export) -> None:
    tv = fills_of(export.name)
    nets, still_open = csv_trades(export.path)
    assert tv.closed == tuple(sorted(nets)) and tv.nets == nets
    assert {t.trade for t in tv.open_trades} == still_open
    for entry in (True, False):
        numbers = [n for f in tv.fills if f.entry == entry for n in f.trades]
        assert sorted(numbers) == sorted(nets)
    times = [f.time for f in tv.fills]
    assert times == sorted(times)


@pytest.mark.parametrize("export", EXPORTS, ids=lambda e: e.name)
def test_the_books_fills_split_per_lot_are_the_files_trades_one_for_one(export: Export) -> None:
    tv = fills_of(export.name)
    trades = lot_trades(book_fills(export, tv), export.point_value)
    assert [t.net for t in trades] == tv.closed_nets()


def test_the_open_trades_are_reported_not_filled() -> None:
    (nq,) = fills_of("nqstats-playbook-mnq-5m.csv").open_trades
    assert nq == OpenTrade(
        trade=738,
        long=True,
        qty=1,
        entry_time=when("2025-12-30 13:25"),
        entry_price=D("25737.25"),
        line=1477,
        last_time=when("2026-01-02 16:55"),
        last_price=D("25393.75"),
        open_pnl=D(-687),
    )
    sats = fills_of("sats-ps-mes-2y.csv")
    (open_short,) = sats.open_trades
    assert (open_short.trade, open_short.long, open_short.qty) == (2360, False, 1)
    assert (open_short.entry_time, open_short.entry_price) == (when("2026-04-17 13:30"), D(7160))
    # the stop-and-reverse order at 13:30 only closes #2359 here: its entry part is the open trade
    last = sats.fills[-1]
    assert (last.trades, last.entry, last.time, last.qty) == (
        (2359,),
        False,
        open_short.entry_time,
        1,
    )
    for name in ("orb-v7.1-mnq-1m.csv", "ml-r1.3-orb-retest-mes.csv", "ema-pullback-mes.csv"):
        assert fills_of(name).open_trades == ()


def test_a_pyramid_closed_and_reversed_by_one_order() -> None:
    tv = fills_of("nqstats-playbook-mnq-5m.csv")
    noon = [f for f in tv.fills if f.time == when("2025-01-03 12:10")]
    # long 2 (#1, #2) sold at once, then the short #3 opened: 2 exits as one order, 1 entry
    assert [(f.trades, f.entry, f.buys, f.qty) for f in noon] == [
        ((1, 2), False, False, 2),
        ((3,), True, False, 1),
    ]
    assert noon[0].names == "Noon Curve (S)"


def test_margin_call_exits_of_several_trades_are_one_order() -> None:
    tv = fills_of("nqstats-playbook-mnq-5m.csv")
    (call,) = [f for f in tv.fills if f.time == when("2025-01-30 13:55") and not f.entry]
    assert (call.trades, call.qty, call.price, call.names) == (
        (58, 59),
        4,
        D("22524.5"),
        "Margin call",
    )


def test_one_entry_order_split_across_lots_keeps_its_lots() -> None:
    tv = fills_of("orb-v7.1-mnq-1m.csv")
    assert [(f.trades, f.entry, f.qty, f.names) for f in tv.fills[:4]] == [
        ((1,), True, 7, "BO Short"),
        ((2,), True, 7, "BO Short"),
        ((1,), False, 7, "TP1"),
        ((2,), False, 7, "MAE Filter Hit"),
    ]
    # two lots of one entry that also exit together: one exit order, two trades
    (stopped,) = [f for f in tv.fills if f.trades == (68, 69)]
    assert (stopped.qty, stopped.names, tv.nets[68], tv.nets[69]) == (
        20,
        "TP1+TP2",
        D(-935),
        D(-935),
    )


def test_a_same_bar_round_trip_then_a_new_entry_in_that_minute() -> None:
    tv = fills_of("ml-r1.3-orb-retest-mes.csv")
    bar = [f for f in tv.fills if f.time == when("2025-12-23 09:30")]
    assert [(f.trades, f.entry, f.qty) for f in bar] == [
        ((12,), True, 1),
        ((12,), False, 1),
        ((13,), True, 1),
    ]
    assert tv.nets[12] == 0


def test_the_position_size_header_is_read() -> None:
    header = next(csv.reader((DATA / "orb-v7.1-mnq-1m.csv").open(encoding="utf-8-sig")))
    assert "Position size (qty)" in header
    assert [f.qty for f in fills_of("orb-v7.1-mnq-1m.csv").fills[:2]] == [7, 7]


@pytest.mark.parametrize("export", EXPORTS, ids=lambda e: e.name)
def test_every_fill_has_its_own_dedupe_key(export: Export) -> None:
    tv = fills_of(export.name)
    items = tv_items(tv.fills, "BT", export.root, export.root, ContractBook(), export.name)
    keys = [i.idem_key for i in items]
    assert len(set(keys)) == len(keys) == len(tv.fills)


def test_identical_fills_in_one_minute_are_told_apart_by_their_rank() -> None:
    tv = fills_of("orb-v7.1-mnq-1m.csv")
    items = tv_items(tv.fills[:2], "BT", "MNQ", "MNQ1!", ContractBook(), "orb")
    first, second = (i.idem_key for i in items)
    assert second == f"{first}#2"
    assert first == "tv:BT:MNQ:2024-12-30T14:34:00+00:00:entry short:7:22269.75:BO Short"


# --- the rules, by hand ---------------------------------------------------------------------


def row(
    line: int, trade: int, kind: str, at: str, price: str, qty: int = 1, name: str = ""
) -> TvRow:
    entry, side = kind.split()
    return TvRow(
        line,
        trade,
        entry == "Entry",
        side == "long",
        when(f"2026-01-05 {at}"),
        D(price),
        qty,
        None,
        name,
    )


def test_an_exit_order_comes_right_after_the_entry_of_the_last_trade_it_closes() -> None:
    rows = [
        row(2, 1, "Entry long", "10:00", "100"),
        row(3, 2, "Entry long", "10:05", "101"),  # added in the bar the whole pyramid exits
        row(4, 1, "Exit long", "10:05", "103"),
        row(5, 2, "Exit long", "10:05", "103"),
    ]
    fills = read_fills(list(reversed(rows)), "t").fills
    assert [(f.trades, f.entry) for f in fills] == [((1,), True), ((2,), True), ((1, 2), False)]


def test_exits_at_one_price_and_time_are_not_one_order_across_a_side_change() -> None:
    rows = [
        row(2, 1, "Entry long", "10:00", "100"),
        row(3, 1, "Exit long", "10:05", "103"),
        row(4, 2, "Entry short", "10:05", "103"),
        row(5, 2, "Exit short", "10:05", "103"),
        row(6, 3, "Entry long", "10:05", "103"),
        row(7, 3, "Exit long", "10:05", "103"),
    ]
    fills = read_fills(rows, "t").fills
    assert [(f.trades, f.entry, f.buys) for f in fills] == [
        ((1,), True, True),
        ((1,), False, False),
        ((2,), True, False),
        ((2,), False, True),
        ((3,), True, True),
        ((3,), False, False),
    ]


def test_rows_that_cannot_be_a_tradingview_list_are_refused_by_line() -> None:
    rows = [
        row(2, 1, "Entry long", "10:00", "100"),
        row(3, 1, "Entry long", "10:00", "100"),
        row(4, 2, "Entry long", "10:01", "100", qty=2),
        row(5, 2, "Exit long", "10:02", "101", qty=1),
        row(6, 3, "Exit short", "10:03", "99", name="Open"),
    ]
    rows[-1] = TvRow(6, 3, False, False, rows[-1].time, D(99), 1, None, "Open", still_open=True)
    with pytest.raises(ImportRefused) as refused:
        read_fills(rows, "t")
    assert refused.value.problems == [
        "line 3: trade #1 has a second entry row (the first is line 2)",
        "line 5: Exit long 1 of trade #2 does not match its Entry long 2 (line 4)",
        "line 6: open trade #3 has no entry row",
    ]


def test_an_entry_without_an_exit_row_is_an_open_trade() -> None:
    tv = read_fills([row(2, 1, "Entry short", "10:00", "100", qty=3)], "t")
    assert tv.fills == () and tv.closed == ()
    (still_open,) = tv.open_trades
    assert (still_open.trade, still_open.long, still_open.qty, still_open.last_price) == (
        1,
        False,
        3,
        None,
    )
