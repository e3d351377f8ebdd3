"""TradingView "List of trades" exports written by hand, with their Net P&L worked out.

MNQ ($2 a point), commission 0.62 per side per contract, times in America/New_York.
Net P&L of a TradingView trade = points × qty × 2 − 2 × 0.62 × qty.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal as D
from pathlib import Path


@dataclass(frozen=True)
class Leg:
    trade: int
    entry: bool
    long: bool
    time: str
    price: str
    qty: int
    net: str
    signal: str = ""

    @property
    def type(self) -> str:
        return f"{'Entry' if self.entry else 'Exit'} {'long' if self.long else 'short'}"


def trade(
    n: int, long: bool, entry: tuple[str, str], exit_: tuple[str, str], qty: int
) -> list[Leg]:
    points = (D(exit_[1]) - D(entry[1])) * (1 if long else -1)
    net = points * qty * 2 - D("1.24") * qty
    name = "Long" if long else "Short"
    return [
        Leg(n, True, long, entry[0], entry[1], qty, str(net), name),
        Leg(n, False, long, exit_[0], exit_[1], qty, str(net), f"Exit {name}"),
    ]


LEGS: list[Leg] = [
    # a plain long: 10.5 points
    *trade(1, True, ("2026-01-05 09:30", "21000.00"), ("2026-01-05 10:00", "21010.50"), 1),
    # pyramiding: 1 then 2 more, all out at once (FIFO: #2 closes first)
    *trade(2, True, ("2026-01-05 11:00", "21000.00"), ("2026-01-05 12:00", "21020.00"), 1),
    *trade(3, True, ("2026-01-05 11:15", "21005.00"), ("2026-01-05 12:00", "21020.00"), 2),
    # a reversal at 13:30: the short's exit, then the long's entry, same bar and price
    *trade(4, False, ("2026-01-05 13:00", "21030.00"), ("2026-01-05 13:30", "21040.00"), 1),
    *trade(5, True, ("2026-01-05 13:30", "21040.00"), ("2026-01-05 14:00", "21035.00"), 1),
    # a same-bar round trip
    *trade(6, True, ("2026-01-05 14:30", "21050.00"), ("2026-01-05 14:30", "21052.25"), 1),
    # one entry of 3, partial exits: TradingView splits it into #7 (1) and #8 (2)
    *trade(7, True, ("2026-01-05 15:00", "21000.00"), ("2026-01-05 15:10", "21008.00"), 1),
    *trade(8, True, ("2026-01-05 15:00", "21000.00"), ("2026-01-05 15:20", "20990.00"), 2),
    # a short held across the 17:00 Chicago roll
    *trade(9, False, ("2026-01-05 16:30", "21000.00"), ("2026-01-06 09:45", "20980.75"), 1),
]
OPEN_ENTRY = Leg(10, True, True, "2026-01-06 10:00", "21100.00", 1, "15.76", "Long")
OPEN_ROW = Leg(10, False, True, "2026-01-06 15:59", "21108.50", 1, "15.76", "Open")
CLOSED_LATER = Leg(10, False, True, "2026-01-07 10:30", "21110.00", 1, "18.76", "Exit Long")

ROUND_TRIPS = [[1], [2, 3], [4], [5], [6], [7, 8], [9]]
"""tmtui's round trips (flat to flat) as TradingView trade numbers."""


def tv_net(numbers: list[int]) -> D:
    return sum((D(leg.net) for leg in LEGS if not leg.entry and leg.trade in numbers), D(0))


NEW_HEADER = [
    "\ufeffTrade #", "Type", "Date and time", "Signal", "Price USD", "Size (qty)",
    "Size (value)", "Net P&L USD", "Net P&L %", "Run-up USD", "Run-up %", "Drawdown USD",
    "Drawdown %", "Cumulative P&L USD", "Cumulative P&L %",
]  # fmt: skip
OLD_HEADER = [
    "Trade #", "Type", "Signal", "Date/Time", "Price USD", "Contracts", "Profit USD",
    "Profit %", "Cum. Profit USD", "Cum. Profit %", "Run-up USD", "Run-up %", "Drawdown USD",
    "Drawdown %",
]  # fmt: skip


def new_row(leg: Leg) -> list[str]:
    value = str(D(leg.price) * 2 * leg.qty)
    return [str(leg.trade), leg.type, leg.time, leg.signal, leg.price, str(leg.qty), value,
            leg.net, "0.01", "1", "0.01", "-1", "-0.01", "0", "0"]  # fmt: skip


def old_row(leg: Leg) -> list[str]:
    return [str(leg.trade), leg.type, leg.signal, leg.time, leg.price, str(leg.qty), leg.net,
            "0.01", "0", "0", "1", "0.01", "-1", "-0.01"]  # fmt: skip


def write_new(path: Path, legs: list[Leg]) -> Path:
    """Current layout: BOM, oldest trade first, entry row then exit row, P&L on both."""
    lines = [",".join(NEW_HEADER)] + [",".join(new_row(leg)) for leg in legs]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_old(path: Path, legs: list[Leg]) -> Path:
    """Older layout: newest trade first, each trade's exit row above its entry row."""
    ordered = sorted(legs, key=lambda leg: (-leg.trade, leg.entry))
    lines = [",".join(OLD_HEADER)] + [",".join(old_row(leg)) for leg in ordered]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_xlsx(path: Path, legs: list[Leg]) -> Path:
    """The xlsx report: a Performance sheet, then List of trades with real datetimes."""
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "Performance"
    book.active.append(["Net Profit", 1])
    sheet = book.create_sheet("List of trades")
    header = [h.lstrip("\ufeff") for h in NEW_HEADER]
    header[5] = "Position size (qty)"
    sheet.append(header)
    for leg in legs:
        row: list[object] = list(new_row(leg))
        row[0] = leg.trade
        row[2] = datetime.strptime(leg.time, "%Y-%m-%d %H:%M")
        row[4], row[5], row[7] = float(leg.price), leg.qty, float(leg.net)
        sheet.append(row)
    book.save(path)
    return path
