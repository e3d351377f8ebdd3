"""A backtest's still-open trades: stored as TradingView left them, shown as a position.

Pure. The trades an export leaves open (`OpenTrade`) belong to the backtest's own book, never
the live one; they are stored as JSON (one state per strategy and symbol, all its open trades
in it) and read back as a `PositionView` whose open P&L is TradingView's own (unknown if the
file did not give it: never zero).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from tmtui.core.backtest.tv_fills import OpenTrade
from tmtui.core.book.book_state import restore_position
from tmtui.core.views import MarkState, PositionView, position_view

STATE_KEY = "tv_open"


def open_trades_state(trades: Sequence[OpenTrade]) -> dict[str, Any]:
    """The open trades of one strategy and symbol as JSON-able data."""
    return {
        STATE_KEY: [
            {
                "trade": t.trade,
                "long": t.long,
                "qty": t.qty,
                "entry_time": t.entry_time.isoformat(),
                "entry_price": str(t.entry_price),
                "last_time": None if t.last_time is None else t.last_time.isoformat(),
                "last_price": None if t.last_price is None else str(t.last_price),
                "open_pnl": None if t.open_pnl is None else str(t.open_pnl),
            }
            for t in trades
        ]
    }


def backtest_position(
    strategy: str, root: str, state: dict[str, Any], point_value: Decimal, now: datetime
) -> PositionView:
    """The position a backtest holds at its end. A state stored before v6 (the live book's
    format, moved to the backtest by the upgrade) has no TradingView prices: unmarked."""
    if STATE_KEY not in state:
        pos = restore_position(strategy, root, state, point_value)
        return position_view(pos, now, 0)
    trades = state[STATE_KEY]
    qty = sum(int(t["qty"]) for t in trades)
    cost = sum((Decimal(t["entry_price"]) * int(t["qty"]) for t in trades), Decimal(0))
    nets = [None if t["open_pnl"] is None else Decimal(t["open_pnl"]) for t in trades]
    last = trades[-1]
    last_time = None if last["last_time"] is None else datetime.fromisoformat(last["last_time"])
    return PositionView(
        strategy=strategy,
        symbol=root,
        side="long" if trades[0]["long"] else "short",
        qty=qty,
        avg_price=cost / qty,
        last_price=None if last["last_price"] is None else Decimal(last["last_price"]),
        open_pnl=None if None in nets else sum((n for n in nets if n is not None), Decimal(0)),
        trade_drawdown=Decimal(0),
        trade_runup=Decimal(0),
        stale=False,
        opened_at=datetime.fromisoformat(trades[0]["entry_time"]),
        trade_id=int(trades[0]["trade"]),
        mark_time=last_time,
        mark_state=MarkState.NONE,
    )
