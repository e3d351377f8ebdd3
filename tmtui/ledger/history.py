"""The read side's questions of history, as SQL: trades by filter, days, strategies.

Every derived row is of one book (`source`: live or backtest); each function here takes the
book to read (None: both), so the account's figures (live) never meet a backtest's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from tmtui.core.models import Fill, Trade
from tmtui.ledger.rows import fill_from_row, iso, trade_from_row
from tmtui.ledger.store import Ledger

EXTREME_CANDIDATES = 8
"""Rows fetched by float order before the exact Decimal pick of a largest win / loss."""


@dataclass(frozen=True, slots=True)
class TradeWhere:
    """Closed round trips exiting in [start, end), of a strategy, root and book."""

    start: datetime | None = None
    end: datetime | None = None
    strategy: str | None = None
    root: str | None = None
    source: str | None = None

    def sql(self, select: str) -> tuple[str, tuple[Any, ...]]:
        clauses: list[str] = []
        args: list[Any] = []
        for column, op, value in (
            ("exit_time", ">=", None if self.start is None else iso(self.start)),
            ("exit_time", "<", None if self.end is None else iso(self.end)),
            ("strategy", "=", self.strategy),
            ("root", "=", self.root),
            ("source", "=", self.source),
        ):
            if value is not None:
                clauses.append(f"{column} {op} ?")
                args.append(value)
        if clauses:
            select += " WHERE " + " AND ".join(clauses)
        return select, tuple(args)


KEYS_PER_QUERY = 500
"""SQLite binds at most 999 parameters per statement in older builds: stay well under."""


async def trade_page(
    ledger: Ledger, where: TradeWhere, limit: int | None = None, offset: int = 0
) -> list[Trade]:
    """Newest exit first."""
    sql, args = where.sql("SELECT * FROM trades")
    sql += " ORDER BY exit_time DESC, trade_id DESC"
    if limit is not None:
        sql += " LIMIT ? OFFSET ?"
        args += (limit, offset)
    return [trade_from_row(r) for r in await ledger.fetch(sql, args)]


async def extreme_net(ledger: Ledger, where: TradeWhere, largest: bool) -> Decimal:
    """The largest (or smallest) net of the trades `where` matches (there is one)."""
    sql, args = where.sql("SELECT gross, commission FROM trades")
    sql += (
        " ORDER BY CAST(gross AS REAL) - CAST(commission AS REAL) "
        f"{'DESC' if largest else 'ASC'} LIMIT {EXTREME_CANDIDATES}"
    )
    nets = [Decimal(r["gross"]) - Decimal(r["commission"]) for r in await ledger.fetch(sql, args)]
    return max(nets) if largest else min(nets)


async def first_day(ledger: Ledger, strategy: str | None, source: str | None) -> str | None:
    """The first trading day (ISO) with anything recorded in the book(s)."""
    clauses, args = [], []
    if strategy is not None:
        clauses.append("strategy = ?")
        args.append(strategy)
    if source is not None:
        clauses.append("source = ?")
        args.append(source)
    where = " WHERE " + " AND ".join(clauses) if clauses else ""
    rows = await ledger.fetch(f"SELECT MIN(day) AS day FROM day_rollups{where}", tuple(args))
    return rows[0]["day"] if rows and rows[0]["day"] else None


async def strategy_names(ledger: Ledger) -> set[str]:
    """Every strategy ever seen: traded (either book), switched, imported or open."""
    rows = await ledger.fetch(
        "SELECT DISTINCT strategy FROM day_rollups UNION SELECT strategy FROM"
        " strategy_switches UNION SELECT strategy FROM strategy_imports UNION"
        " SELECT strategy FROM open_positions"
    )
    return {r["strategy"] for r in rows}


async def strategies_of(ledger: Ledger, source: str) -> set[str]:
    """Strategies with anything in one book."""
    rows = await ledger.fetch(
        "SELECT DISTINCT strategy FROM day_rollups WHERE source = ? UNION"
        " SELECT strategy FROM open_positions WHERE source = ?",
        (source, source),
    )
    return {r["strategy"] for r in rows}


async def import_formats(ledger: Ledger) -> list[tuple[str, str]]:
    """(strategy, format) of every `tmtui import`."""
    rows = await ledger.fetch(
        "SELECT strategy, format FROM strategy_imports ORDER BY strategy, format"
    )
    return [(r["strategy"], r["format"]) for r in rows]


async def strategy_fills(ledger: Ledger, strategy: str, source: str) -> list[Fill]:
    """One strategy's fills in one book, in the order they were made (for its statistics
    per TradingView trade)."""
    rows = await ledger.fetch(
        "SELECT * FROM fills WHERE strategy = ? AND source = ? ORDER BY time, id",
        (strategy, source),
    )
    return [fill_from_row(r) for r in rows]


async def traded_pairs(ledger: Ledger, strategy: str | None) -> list[tuple[str, str]]:
    """(strategy, root) ever traded live (the live book's open P&L probes)."""
    sql = "SELECT DISTINCT strategy, root FROM day_rollups WHERE source = 'live'"
    args: tuple[str, ...] = ()
    if strategy is not None:
        sql, args = sql + " AND strategy = ?", (strategy,)
    return [(r["strategy"], r["root"]) for r in await ledger.fetch(sql, args)]


async def last_sample_before(
    ledger: Ledger, strategy: str, root: str, at: int
) -> tuple[int, Decimal] | None:
    """(trade id, open P&L) of a position's newest P&L sample before `at` (epoch s)."""
    rows = await ledger.fetch(
        "SELECT trade_id, open_pnl FROM position_samples WHERE strategy = ? AND root = ?"
        " AND ts < ? ORDER BY ts DESC LIMIT 1",
        (strategy, root, at),
    )
    return (int(rows[0]["trade_id"]), Decimal(rows[0]["open_pnl"])) if rows else None


async def exit_time_of(ledger: Ledger, trade_id: int) -> str | None:
    rows = await ledger.fetch("SELECT exit_time FROM trades WHERE trade_id = ?", (trade_id,))
    return rows[0]["exit_time"] if rows else None


async def day_samples(ledger: Ledger, day: str, points: int) -> list[dict[str, Any]]:
    """A day's account samples (ts, total, peak), thinned in SQL to about `points` rows:
    each slice's lowest and highest total, and the last sample."""
    span = await ledger.fetch(
        "SELECT MIN(ts) AS lo, MAX(ts) AS hi, COUNT(*) AS n FROM account_samples WHERE day = ?",
        (day,),
    )
    if not span or not span[0]["n"]:
        return []
    lo, hi, n = span[0]["lo"], span[0]["hi"], span[0]["n"]
    if n <= points:
        return await ledger.fetch(
            "SELECT ts, total, peak FROM account_samples WHERE day = ? ORDER BY ts", (day,)
        )
    width = max(1, (hi - lo) // max(1, points // 2) + 1)
    picked: dict[int, dict[str, Any]] = {}
    for pick in ("MIN", "MAX"):
        for r in await ledger.fetch(
            f"SELECT ts, total, peak, {pick}(CAST(total AS REAL)) FROM account_samples"
            " WHERE day = ? GROUP BY (ts - ?) / ?",
            (day, lo, width),
        ):
            picked[r["ts"]] = r
    for r in await ledger.fetch(
        "SELECT ts, total, peak FROM account_samples WHERE day = ? ORDER BY ts DESC LIMIT 1",
        (day,),
    ):
        picked[r["ts"]] = r
    return [picked[ts] for ts in sorted(picked)]


def bounds_sql(column: str, start: str | None, end: str | None) -> tuple[list[str], list[Any]]:
    clauses: list[str] = []
    args: list[Any] = []
    if start is not None:
        clauses.append(f"{column} >= ?")
        args.append(start)
    if end is not None:
        clauses.append(f"{column} {'<=' if column == 'day' else '<'} ?")
        args.append(end)
    return clauses, args


def export_sql(
    what: str, start: str | None, end: str | None, source: str | None
) -> tuple[str, tuple[Any, ...]]:
    """The query `tmtui export` streams for trades, fills, signals or daily (day totals);
    `start`/`end` are ISO times (days for daily), the end exclusive (inclusive for days)."""
    column = {"trades": "exit_time", "fills": "time", "signals": "s.received_at"}.get(what, "day")
    clauses, args = bounds_sql(column, start, end)
    if source is not None and what != "signals":
        clauses.append("source = ?")
        args.append(source)
    where = " WHERE " + " AND ".join(clauses) if clauses else ""
    sql = {
        "trades": f"SELECT * FROM trades{where} ORDER BY exit_time, trade_id",
        "fills": f"SELECT * FROM fills{where} ORDER BY id",
        "signals": (
            "SELECT s.*, SUM(f.qty) AS filled FROM signals s LEFT JOIN fills f"
            f" ON f.signal_id = s.id{where} GROUP BY s.id ORDER BY s.id"
        ),
        "daily": f"SELECT * FROM day_rollups{where} ORDER BY day, strategy, root, source",
    }[what]
    return sql, tuple(args)


async def recorded_keys(ledger: Ledger, keys: Sequence[str]) -> set[str]:
    """Which of these dedupe keys the ledger already keeps (accepted or ignored signals)."""
    found: set[str] = set()
    for start in range(0, len(keys), KEYS_PER_QUERY):
        chunk = keys[start : start + KEYS_PER_QUERY]
        rows = await ledger.fetch(
            f"SELECT idem_key FROM signals WHERE idem_key IN ({','.join('?' * len(chunk))})"
            " AND outcome IN ('accepted', 'ignored')",
            tuple(chunk),
        )
        found.update(r["idem_key"] for r in rows)
    return found


async def last_live_fill(ledger: Ledger, strategy: str, root: str) -> str | None:
    """The time (ledger text) of a strategy's newest live fill in a root, if any."""
    rows = await ledger.fetch(
        "SELECT MAX(time) AS last FROM fills WHERE strategy = ? AND root = ? AND source = 'live'",
        (strategy, root),
    )
    return rows[0]["last"] if rows else None
