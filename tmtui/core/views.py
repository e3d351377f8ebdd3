"""Read-only views of the state, shared by the screen, `--headless` and the read commands.

Widgets and commands read these; they never compute money themselves. `*_json` give the
public JSON shapes (a contract traders script against): money rounded to cents as numbers,
prices exact, times ISO 8601 with offset.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from tmtui.core.account import DayAccount
from tmtui.core.book import Position
from tmtui.core.models import Trade

CENT = Decimal("0.01")


def money(value: Decimal) -> Decimal:
    """Round to cents (banker's rounding, as accounting does); `-0.00` becomes `0.00`."""
    rounded = value.quantize(CENT, rounding=ROUND_HALF_EVEN)
    return rounded if rounded else Decimal("0.00")


def price(value: Decimal) -> Decimal:
    """An exact price: trailing zeros of long divisions trimmed, never rounded to cents."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


@dataclass(frozen=True, slots=True)
class PositionView:
    strategy: str
    symbol: str
    side: str
    qty: int
    avg_price: Decimal
    last_price: Decimal | None
    open_pnl: Decimal | None
    trade_drawdown: Decimal
    trade_runup: Decimal
    stale: bool
    opened_at: datetime
    trade_id: int
    mark_time: datetime | None

    @property
    def key(self) -> tuple[str, str]:
        return (self.strategy, self.symbol)


def position_view(pos: Position, now: datetime, stale_after: float) -> PositionView:
    age = (now - pos.mark_time).total_seconds() if pos.mark_time else None
    return PositionView(
        strategy=pos.strategy,
        symbol=pos.root,
        side=pos.side.value,
        qty=pos.qty,
        avg_price=pos.avg_price,
        last_price=pos.mark,
        open_pnl=pos.open_pnl,
        trade_drawdown=min(pos.trade.mae, Decimal(0)),
        trade_runup=max(pos.trade.mfe, Decimal(0)),
        stale=age is None or age > stale_after,
        opened_at=pos.trade.entry_time,
        trade_id=pos.trade.trade_id,
        mark_time=pos.mark_time,
    )


@dataclass(frozen=True, slots=True)
class AccountView:
    day: date
    realized: Decimal
    open: Decimal
    total: Decimal
    max_mtm: Decimal
    min_mtm: Decimal
    max_drawdown: Decimal
    drawdown: Decimal
    trades: int
    max_time: datetime | None = None
    min_time: datetime | None = None


def account_view(account: DayAccount) -> AccountView:
    c = account.curve
    return AccountView(
        account.day,
        account.realized,
        account.open_pnl,
        account.total,
        c.max_mtm,
        c.min_mtm,
        c.max_drawdown,
        c.drawdown,
        account.trades_closed,
        c.max_time,
        c.min_time,
    )


def _time(moment: datetime | None, tz: Any) -> str | None:
    return None if moment is None else moment.astimezone(tz).isoformat()


def position_json(p: PositionView) -> dict[str, Any]:
    return {
        "strategy": p.strategy,
        "symbol": p.symbol,
        "side": p.side,
        "qty": p.qty,
        "avg_price": price(p.avg_price),
        "last_price": None if p.last_price is None else price(p.last_price),
        "open_pnl": None if p.open_pnl is None else money(p.open_pnl),
        "trade_drawdown": money(p.trade_drawdown),
        "trade_runup": money(p.trade_runup),
        "stale": p.stale,
    }


def trade_json(t: Trade, tz: Any) -> dict[str, Any]:
    exit_price = t.exit_price
    return {
        "strategy": t.strategy,
        "symbol": t.root,
        "side": t.side.value,
        "qty": t.qty,
        "entry_time": _time(t.entry_time, tz),
        "exit_time": _time(t.exit_time, tz),
        "entry_price": price(t.entry_price),
        "exit_price": None if exit_price is None else price(exit_price),
        "pnl": money(t.gross),
        "commission": money(t.commission),
        "net_pnl": money(t.net),
        "mae": money(t.mae),
        "mfe": money(t.mfe),
    }


def report_json(a: AccountView) -> dict[str, Any]:
    return {
        "day": a.day.isoformat(),
        "realized": money(a.realized),
        "open": money(a.open),
        "total": money(a.total),
        "max_mtm": money(a.max_mtm),
        "min_mtm": money(a.min_mtm),
        "max_drawdown": money(a.max_drawdown),
        "trades": a.trades,
    }


@dataclass(frozen=True, slots=True)
class CalendarDay:
    day: date
    net_pnl: Decimal
    trades: int


def calendar_json(days: list[CalendarDay]) -> list[dict[str, Any]]:
    return [
        {"day": d.day.isoformat(), "net_pnl": money(d.net_pnl), "trades": d.trades} for d in days
    ]


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything the screen shows, as of one moment; built by the engine, read by widgets."""

    time: datetime
    positions: list[PositionView]
    account: AccountView
    feed_state: str
    feed_reason: str
    delay_minutes: int | None
    quote_age: float | None
    listener_url: str | None
    last_alert: datetime | None
    ledger_path: str
    account_series: list[float]
    drawdown_series: list[float]
    position_series: dict[tuple[str, str], list[float]]
    strategies: dict[str, bool]
    errors: int = 0
    ledger: str | None = None
    """Why alerts cannot be recorded right now (ledger locked, gone, disk full); None when
    they can."""
