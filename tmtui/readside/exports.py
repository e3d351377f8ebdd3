"""`tmtui export`: trades, signals, fills or day totals as CSV or JSON, streamed.

Rows are read a few thousand at a time and written as they come, so exporting years holds
no more than a page in memory. Money is exact (plain decimals, no thousands separators:
`-1234.5`, `0.625`), times ISO 8601 with the session's UTC offset. A signals export in JSON
is also an import file: `tmtui import` applies its accepted rows and skips the rest.
"""

from __future__ import annotations

import csv
import json as jsonlib
from collections.abc import AsyncIterator, Callable
from datetime import date, datetime, tzinfo
from decimal import Decimal
from typing import Any, TextIO

import simplejson

from tmtui.core.trading_day import TradingCalendar
from tmtui.ledger.rows import iso
from tmtui.ledger.store import Ledger
from tmtui.services.book_restore import make_calendar
from tmtui.settings.config import Config

WHAT = ("trades", "signals", "fills", "daily")
FORMATS = ("csv", "json")

TRADE_COLUMNS = (
    "trade_id", "day", "strategy", "symbol", "side", "qty", "entry_time", "exit_time",
    "duration_s", "entry_price", "exit_price", "pnl", "commission", "net_pnl", "mae", "mfe",
)  # fmt: skip
FILL_COLUMNS = (
    "fill_id", "signal_id", "trade_id", "day", "time", "strategy", "symbol", "qty", "price",
    "commission", "realized", "closing_qty",
)  # fmt: skip
SIGNAL_COLUMNS = (
    "signal_id", "time", "received_at", "source", "outcome", "reason", "strategy", "root",
    "ticker", "action", "qty", "price", "alert_action", "alert_qty", "reported_position",
    "alert_id", "idem_key",
)  # fmt: skip
DAILY_COLUMNS = (
    "day", "strategy", "symbol", "realized", "commission", "net_pnl", "fills", "trades",
    "wins", "losses", "won", "lost",
)  # fmt: skip
COLUMNS = {
    "trades": TRADE_COLUMNS,
    "fills": FILL_COLUMNS,
    "signals": SIGNAL_COLUMNS,
    "daily": DAILY_COLUMNS,
}

Record = dict[str, Any]


class Exporter:
    """Streams one kind of record from the ledger for trading days `first`..`last`."""

    def __init__(
        self, ledger: Ledger, config: Config, first: date | None, last: date | None
    ) -> None:
        self.ledger = ledger
        self.calendar: TradingCalendar = make_calendar(config)
        self.tz: tzinfo = self.calendar.tz
        self.first, self.last = first, last

    def records(self, what: str) -> AsyncIterator[Record]:
        readers: dict[str, Callable[[], AsyncIterator[Record]]] = {
            "trades": self.trades,
            "fills": self.fills,
            "signals": self.signals,
            "daily": self.daily,
        }
        return readers[what]()

    def _bounds(self, column: str) -> tuple[str, tuple[Any, ...]]:
        clauses, args = [], []
        if self.first is not None:
            clauses.append(f"{column} >= ?")
            args.append(iso(self.calendar.bounds(self.first)[0]))
        if self.last is not None:
            clauses.append(f"{column} < ?")
            args.append(iso(self.calendar.bounds(self.last)[1]))
        return (" WHERE " + " AND ".join(clauses) if clauses else ""), tuple(args)

    def _time(self, text: str | None) -> str | None:
        return (
            None if text is None else datetime.fromisoformat(text).astimezone(self.tz).isoformat()
        )

    def _day(self, text: str) -> str:
        return self.calendar.day_of(datetime.fromisoformat(text)).isoformat()

    async def trades(self) -> AsyncIterator[Record]:
        where, args = self._bounds("exit_time")
        sql = f"SELECT * FROM trades{where} ORDER BY exit_time, trade_id"
        async for r in self.ledger.stream(sql, args):
            gross, commission = Decimal(r["gross"]), Decimal(r["commission"])
            entry, exit_ = (
                datetime.fromisoformat(r["entry_time"]),
                datetime.fromisoformat(r["exit_time"]),
            )
            yield {
                "trade_id": r["trade_id"],
                "day": self._day(r["exit_time"]),
                "strategy": r["strategy"],
                "symbol": r["root"],
                "side": r["side"],
                "qty": r["qty"],
                "entry_time": self._time(r["entry_time"]),
                "exit_time": self._time(r["exit_time"]),
                "duration_s": int((exit_ - entry).total_seconds()),
                "entry_price": Decimal(r["entry_price"]),
                "exit_price": Decimal(r["exit_price"]),
                "pnl": gross,
                "commission": commission,
                "net_pnl": gross - commission,
                "mae": Decimal(r["mae"]),
                "mfe": Decimal(r["mfe"]),
            }

    async def fills(self) -> AsyncIterator[Record]:
        where, args = self._bounds("time")
        async for r in self.ledger.stream(f"SELECT * FROM fills{where} ORDER BY id", args):
            yield {
                "fill_id": r["id"],
                "signal_id": r["signal_id"],
                "trade_id": r["trade_id"],
                "day": self._day(r["time"]),
                "time": self._time(r["time"]),
                "strategy": r["strategy"],
                "symbol": r["root"],
                "qty": r["qty"],
                "price": Decimal(r["price"]),
                "commission": Decimal(r["commission"]),
                "realized": Decimal(r["realized"]),
                "closing_qty": r["closing_qty"],
            }

    async def signals(self) -> AsyncIterator[Record]:
        """Every signal, whatever its outcome. `action`/`qty`/`price` are the order the book
        filled (the sum of its fills), so an export re-imports to the same book whatever the
        alert's words were; `alert_action`/`alert_qty` are what the alert asked."""
        where, args = self._bounds("s.received_at")
        sql = (
            "SELECT s.*, SUM(f.qty) AS filled FROM signals s LEFT JOIN fills f"
            f" ON f.signal_id = s.id{where} GROUP BY s.id ORDER BY s.id"
        )
        async for r in self.ledger.stream(sql, args):
            parsed = jsonlib.loads(r["parsed"]) if r["parsed"] else {}
            price = parsed.get("price")
            action, qty = parsed.get("action"), parsed.get("qty")
            if r["filled"]:
                action, qty = ("buy" if r["filled"] > 0 else "sell"), abs(r["filled"])
            yield {
                "signal_id": r["id"],
                "time": self._time(parsed.get("time") or r["received_at"]),
                "received_at": self._time(r["received_at"]),
                "source": r["source"],
                "outcome": r["outcome"],
                "reason": r["reason"],
                "strategy": parsed.get("strategy"),
                "root": parsed.get("root"),
                "ticker": parsed.get("ticker") or parsed.get("root"),
                "action": action,
                "qty": qty,
                "price": None if price is None else Decimal(price),
                "alert_action": parsed.get("action"),
                "alert_qty": parsed.get("qty"),
                "reported_position": parsed.get("target"),
                "alert_id": parsed.get("alert_id"),
                "idem_key": r["idem_key"],
            }

    async def daily(self) -> AsyncIterator[Record]:
        clauses, args = [], []
        if self.first is not None:
            clauses.append("day >= ?")
            args.append(self.first.isoformat())
        if self.last is not None:
            clauses.append("day <= ?")
            args.append(self.last.isoformat())
        where = " WHERE " + " AND ".join(clauses) if clauses else ""
        sql = f"SELECT * FROM day_rollups{where} ORDER BY day, strategy, root"
        async for r in self.ledger.stream(sql, tuple(args)):
            realized, commission = Decimal(r["realized"]), Decimal(r["commission"])
            yield {
                "day": r["day"],
                "strategy": r["strategy"],
                "symbol": r["root"],
                "realized": realized,
                "commission": commission,
                "net_pnl": realized - commission,
                "fills": r["fills"],
                "trades": r["trades"],
                "wins": r["wins"],
                "losses": r["losses"],
                "won": Decimal(r["won"]),
                "lost": Decimal(r["lost"]),
            }


def plain(value: Any) -> str:
    """A CSV cell: Decimals as plain decimals (never 1E+1), None as empty."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


async def write_csv(records: AsyncIterator[Record], columns: tuple[str, ...], out: TextIO) -> int:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    count = 0
    async for record in records:
        writer.writerow([plain(record[c]) for c in columns])
        count += 1
    return count


async def write_json(records: AsyncIterator[Record], out: TextIO) -> int:
    """One JSON array, written record by record; Decimals as exact JSON numbers."""
    count = 0
    out.write("[")
    async for record in records:
        out.write(",\n  " if count else "\n  ")
        out.write(simplejson.dumps(record, use_decimal=True))
        count += 1
    out.write("\n]\n" if count else "]\n")
    return count
