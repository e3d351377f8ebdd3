"""`tmtui export`: trades, signals, fills or day totals as CSV or JSON, streamed.

Rows are read a few thousand at a time and written as they come, so exporting years holds
no more than a page in memory. Money is exact (plain decimals, no thousands separators:
`-1234.5`, `0.625`), times ISO 8601 with the session's UTC offset. A signals export in JSON
is also an import file: `tmtui import` applies its accepted rows and skips the rest.
"""

from __future__ import annotations

import contextlib
import csv
import json as jsonlib
from collections.abc import AsyncIterator, Callable
from datetime import date, datetime, tzinfo
from decimal import Decimal
from typing import Any, TextIO

import simplejson

from tmtui.core.trading_day import TradingCalendar
from tmtui.ledger.history import export_sql
from tmtui.ledger.rows import iso
from tmtui.ledger.store import Ledger
from tmtui.services.book_restore import make_calendar
from tmtui.settings.config import Config

WHAT = ("trades", "signals", "fills", "daily")
FORMATS = ("csv", "json")

TRADE_COLUMNS = (
    "trade_id", "day", "strategy", "symbol", "side", "qty", "entry_time", "exit_time",
    "duration_s", "entry_price", "exit_price", "pnl", "commission", "net_pnl", "mae", "mfe",
    "source",
)  # fmt: skip
FILL_COLUMNS = (
    "fill_id", "signal_id", "trade_id", "day", "time", "strategy", "symbol", "qty", "price",
    "commission", "realized", "closing_qty", "source",
)  # fmt: skip
SIGNAL_COLUMNS = (
    "signal_id", "time", "received_at", "source", "outcome", "reason", "strategy", "root",
    "ticker", "action", "qty", "price", "alert_action", "alert_qty", "reported_position",
    "alert_id", "idem_key",
)  # fmt: skip
DAILY_COLUMNS = (
    "day", "strategy", "symbol", "realized", "commission", "net_pnl", "fills", "trades",
    "wins", "losses", "won", "lost", "source",
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
        self,
        ledger: Ledger,
        config: Config,
        first: date | None,
        last: date | None,
        source: str | None = None,
    ) -> None:
        """`source`: the live book's or the backtests' rows, None for both (signals are
        the live book's input: all of them, whatever `source`)."""
        self.ledger = ledger
        self.source = source
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

    def _sql(self, what: str) -> tuple[str, tuple[Any, ...]]:
        if what == "daily":
            lo = None if self.first is None else self.first.isoformat()
            hi = None if self.last is None else self.last.isoformat()
        else:
            lo = None if self.first is None else iso(self.calendar.bounds(self.first)[0])
            hi = None if self.last is None else iso(self.calendar.bounds(self.last)[1])
        return export_sql(what, lo, hi, self.source)

    def _time(self, text: str | None) -> str | None:
        return (
            None if text is None else datetime.fromisoformat(text).astimezone(self.tz).isoformat()
        )

    def _day(self, text: str) -> str:
        return self.calendar.day_of(datetime.fromisoformat(text)).isoformat()

    async def trades(self) -> AsyncIterator[Record]:
        async for r in self.ledger.stream(*self._sql("trades")):
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
                "source": r["source"],
            }

    async def fills(self) -> AsyncIterator[Record]:
        async for r in self.ledger.stream(*self._sql("fills")):
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
                "source": r["source"],
            }

    async def signals(self) -> AsyncIterator[Record]:
        """Every signal, whatever its outcome. `action`/`qty`/`price` are the order the book
        filled (the sum of its fills), so an export re-imports to the same book whatever the
        alert's words were; `alert_action`/`alert_qty` are what the alert asked."""
        async for r in self.ledger.stream(*self._sql("signals")):
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
        async for r in self.ledger.stream(*self._sql("daily")):
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
                "source": r["source"],
            }


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""What makes a spreadsheet run a cell as a formula (OWASP's CSV injection list)."""


def plain(value: Any) -> str:
    """A CSV cell: Decimals as plain decimals (never 1E+1), None as empty, text safe to open.

    A text cell starting like a formula (a strategy named `-1+1` or `=HYPERLINK(...)`) gets a
    leading `'`, so a spreadsheet shows it as text instead of running it (OWASP); numbers
    are never text here, so `-1234.5` stays a number.
    """
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, bool | int | float):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


async def write_csv(records: AsyncIterator[Record], columns: tuple[str, ...], out: TextIO) -> int:
    """Header and rows; the rows' query is closed even when the reader goes away (`| head`)."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    count = 0
    async with _closing(records) as rows:
        async for record in rows:
            writer.writerow([plain(record[c]) for c in columns])
            count += 1
    return count


async def write_json(records: AsyncIterator[Record], out: TextIO) -> int:
    """One JSON array, written record by record; Decimals as exact JSON numbers."""
    count = 0
    out.write("[")
    async with _closing(records) as rows:
        async for record in rows:
            out.write(",\n  " if count else "\n  ")
            out.write(simplejson.dumps(record, use_decimal=True))
            count += 1
    out.write("\n]\n" if count else "]\n")
    return count


@contextlib.asynccontextmanager
async def _closing(records: AsyncIterator[Record]) -> AsyncIterator[AsyncIterator[Record]]:
    """Close the rows' generator (and its cursor) before the ledger is closed, whatever
    ends the export: otherwise the loop closes it later, on a closed connection."""
    try:
        yield records
    finally:
        close = getattr(records, "aclose", None)
        if close is not None:
            await close()
