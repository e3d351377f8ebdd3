"""A trading day's account as two narrow reads: its fills' money in order, its trade count.

A busy day holds ten thousand fills; the account and its realized curve need three columns
of each (when, realized, commission) and only the number of round trips closed, so neither
a `Fill` nor a `Trade` is built for them.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from tmtui.ledger.history import TradeWhere
from tmtui.ledger.rows import parse_time, time_range
from tmtui.ledger.store import Ledger

FillMoney = tuple[datetime, Decimal, Decimal]
"""(time, realized, commission) of one fill."""


async def fill_money(
    ledger: Ledger, start: datetime, end: datetime, source: str, strategy: str | None = None
) -> list[FillMoney]:
    """Each fill's time, realized and commission in [start, end) of one book (and one
    strategy), in the order the fills were made."""
    sql, args = time_range(
        "SELECT time, realized, commission FROM fills", "time", start, end, source
    )
    if strategy is not None:
        sql, args = sql + " AND strategy = ?", (*args, strategy)
    rows = await ledger.rows(sql + " ORDER BY id", args)
    return [(parse_time(t), Decimal(r), Decimal(c)) for t, r, c in rows]


async def trades_closed(
    ledger: Ledger, start: datetime, end: datetime, source: str, strategy: str | None = None
) -> int:
    """How many round trips of one book (and one strategy) exited in [start, end)."""
    sql, args = TradeWhere(start, end, strategy, source=source).sql("SELECT COUNT(*) FROM trades")
    rows = await ledger.rows(sql, args)
    return int(rows[0][0])
