"""Statistics as the Strategy Tester counts them (core/backtest/tv_stats and lot_trades).

By hand first, then against the real exports: their own trade lists, and the summaries of
the xlsx reports they came from (tests/data/tradingview-exports/summaries.csv).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP
from decimal import Decimal as D
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tmtui.core.backtest.lot_trades import lot_trades
from tmtui.core.backtest.tv_fills import TvFills, read_fills
from tmtui.core.backtest.tv_stats import TvSummary, close_to_close_drawdown, tv_summary
from tmtui.core.book.book import Book
from tmtui.core.contracts import ContractBook
from tmtui.core.history.tv_export import read_rows, tv_items
from tmtui.core.models import Fill

DATA = Path(__file__).parents[1] / "data" / "tradingview-exports"
T0 = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)


# --- by hand -------------------------------------------------------------------------------


def test_the_figures_of_a_few_trades() -> None:
    s = tv_summary([D(100), D(-50), D(0), D(30), D(-80), D(20)])
    t = s.trades
    assert (t.trades, t.wins, t.losses, s.even) == (6, 3, 2, 1)
    assert s.percent_profitable == 50
    assert (t.won, t.lost, t.net) == (D(150), D(-130), D(20))
    assert (t.avg_win, t.avg_loss, t.largest_win, t.largest_loss) == (D(50), D(-65), D(100), D(-80))
    assert t.profit_factor == D(150) / D(130)
    # closes at 100, 50, 50, 80, 0, 20: from the peak 100 down to 0
    assert s.max_drawdown == -100


def test_the_drawdown_is_measured_between_closes_not_from_the_start() -> None:
    # closes at -10, -30, -25: the fall from the first close is 20 (not 30 from zero)
    assert close_to_close_drawdown([D(-10), D(-20), D(5)]) == -20
    assert close_to_close_drawdown([D(5), D(7)]) == 0
    assert close_to_close_drawdown([D(-5)]) == 0


def test_no_trades_is_no_figure_not_zero() -> None:
    s = tv_summary([])
    assert (s.trades.trades, s.max_drawdown, s.even) == (0, D(0), 0)
    assert s.percent_profitable is None and s.trades.avg_win is None
    assert s.trades.profit_factor is None and s.trades.largest_loss is None
    only_wins = tv_summary([D(3), D(4)])
    assert only_wins.trades.profit_factor is None and only_wins.percent_profitable == 100


@dataclass(frozen=True)
class F:
    """A fill as the book records it: signed size, price, minute, total commission."""

    qty: int
    price: D
    minute: int
    commission: D = D(0)

    @property
    def time(self) -> datetime:
        return T0 + timedelta(minutes=self.minute)


def test_a_pyramid_closed_at_once_is_a_trade_per_entry() -> None:
    # MNQ ($2): buy 1 @ 100, buy 2 @ 105, sell 3 @ 110; 0.50 a contract a side
    fills = [F(1, D(100), 0, D("0.50")), F(2, D(105), 1, D("1.00")), F(-3, D(110), 2, D("1.50"))]
    trades = lot_trades(fills, D(2))
    assert [(t.qty, t.entry_price, t.exit_price, t.net) for t in trades] == [
        (1, D(100), D(110), D(20) - D(1)),
        (2, D(105), D(110), D(20) - D(2)),
    ]
    # the round trip is one trade of +37, TradingView counts two
    assert tv_summary([t.net for t in trades]).trades.trades == 2


def test_an_entry_closed_in_parts_is_a_trade_per_part_and_reversals_split() -> None:
    # short 3 @ 50; buy 1 @ 48; buy 4 @ 49 (closes 2, opens long 2); sell 2 @ 52
    fills = [F(-3, D(50), 0), F(1, D(48), 1), F(2, D(49), 2), F(2, D(49), 2), F(-2, D(52), 3)]
    trades = lot_trades(fills, D(5))
    assert [(t.long, t.qty, t.net) for t in trades] == [
        (False, 1, D(10)),
        (False, 2, D(10)),
        (True, 2, D(30)),
    ]
    assert trades[1].exit_time == T0 + timedelta(minutes=2)


def test_lots_still_open_are_not_trades_yet() -> None:
    assert lot_trades([F(1, D(100), 0), F(1, D(101), 1), F(-1, D(99), 2)], D(2)) == [
        lot_trades([F(1, D(100), 0), F(-1, D(99), 2)], D(2))[0]
    ]
    assert lot_trades([F(-2, D(100), 0)], D(2)) == []


# --- the real exports ----------------------------------------------------------------------

COMMISSION = {"sats-ps-mes-2y.csv": D("1.00"), "ema-pullback-mes.csv": D("0.62")}


def read(name: str) -> TvFills:
    path = DATA / name
    with path.open(encoding="utf-8-sig", newline="") as f:
        table = list(csv.reader(f))
    rows = read_rows(table[0], list(enumerate(table[1:], 2)), ZoneInfo("America/New_York"), name)
    return read_fills(rows, name)


def summaries() -> dict[str, dict[str, str]]:
    with (DATA / "summaries.csv").open(newline="") as f:
        return {row["file"]: row for row in csv.DictReader(f)}


def cents(value: D | None, places: str = "0.01") -> D:
    assert value is not None
    return value.quantize(D(places), rounding=ROUND_HALF_UP)


def assert_as_the_report_says(s: TvSummary, report: dict[str, str]) -> None:
    t = s.trades
    assert (t.trades, t.wins, t.losses, s.even) == (
        int(report["Total trades"]),
        int(report["Winning trades"]),
        int(report["Losing trades"]),
        int(report["Even trades"]),
    )
    assert cents(s.percent_profitable) == D(report["Percent profitable"])
    assert (t.net, t.won, -t.lost) == (
        D(report["Net profit"]),
        D(report["Gross profit"]),
        D(report["Gross loss"]),
    )
    assert (cents(t.avg_win), -cents(t.avg_loss), cents(t.expectancy)) == (
        D(report["Avg winning trade"]),
        D(report["Avg losing trade"]),
        D(report["Avg P&L"]),
    )
    assert (t.largest_win, t.largest_loss) == (
        D(report["Largest winning trade"]),
        -D(report["Largest losing trade"]),
    )
    assert cents(t.profit_factor, "0.001") == D(report["Profit factor"])
    assert -s.max_drawdown == D(report["Max equity drawdown (close-to-close)"])


@pytest.mark.parametrize("name", sorted(summaries()))
def test_the_files_trades_give_the_reports_summary(name: str) -> None:
    tv = read(name)
    nets = tv.closed_nets()
    assert nets is not None
    assert_as_the_report_says(tv_summary(nets), summaries()[name])
    assert len(tv.open_trades) == int(summaries()[name]["Total open trades"])


def book_fills(name: str, tv: TvFills) -> list[Fill]:
    root = "MNQ" if "mnq" in name else "MES"
    contracts = ContractBook()
    book = Book(contracts, lambda _root: COMMISSION.get(name, D(0)))
    items = tv_items(tv.fills, "BT", root, root, contracts, name)
    return [fill for item in items for fill in book.apply(item.signal).fills]


@pytest.mark.parametrize("name", sorted(summaries()))
def test_the_imported_fills_counted_per_lot_give_the_reports_summary(name: str) -> None:
    """The live way: tmtui's own fills, split per entry lot, counted the same way."""
    tv = read(name)
    point_value = D(2) if "mnq" in name else D(5)
    nets = [t.net for t in lot_trades(book_fills(name, tv), point_value)]
    assert_as_the_report_says(tv_summary(nets), summaries()[name])


def test_a_file_without_a_report_counts_its_closed_trades() -> None:
    tv = read("sats-ps-mes-2y.csv")
    nets = tv.closed_nets()
    assert nets is not None
    s = tv_summary(nets)
    with (DATA / "sats-ps-mes-2y.csv").open(encoding="utf-8-sig", newline="") as f:
        exits = [r for r in csv.DictReader(f) if r["Type"].startswith("Exit")]
    closed = [r for r in exits if r["Signal"] != "Open"]
    assert s.trades.trades == len(closed) == 2359
    assert s.trades.net == sum(D(r["Net P&L USD"]) for r in closed) == D("5325.75")
    # TradingView's own running total, at the last closed trade
    assert s.trades.net == D(closed[-1]["Cumulative P&L USD"])
