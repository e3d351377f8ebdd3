"""Read-only views of the state, shared by the screen, `--headless` and the read commands.

Widgets and commands read these; they never compute money themselves. `*_json` give the
public JSON shapes (a contract traders script against): money rounded to cents as numbers,
prices exact, times ISO 8601 with offset.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from tmtui.core.book.account import DayAccount
from tmtui.core.book.book import Position
from tmtui.core.book.drift import Drift
from tmtui.core.formatting import CENT, average_price, money
from tmtui.core.models import Trade
from tmtui.core.risk.risk_checks import Level, RuleCheck
from tmtui.core.risk.risk_state import Lock

__all__ = ["CENT", "money"]  # re-exported: money's rule lives in core.formatting


def price(value: Decimal) -> Decimal:
    """An exact price: trailing zeros of long divisions trimmed, never rounded to cents."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


class MarkState(StrEnum):
    """Where a mark stands: fresh, too old, from a delayed feed, or not there at all."""

    LIVE = "live"
    STALE = "stale"
    DELAYED = "delayed"
    NONE = "none"


def mark_state(age: float | None, stale_after: float, delay_minutes: int | None) -> MarkState:
    """No mark is NONE; an old one STALE (whatever its feed); else DELAYED or LIVE."""
    if age is None:
        return MarkState.NONE
    if age > stale_after:
        return MarkState.STALE
    return MarkState.DELAYED if delay_minutes else MarkState.LIVE


@dataclass(frozen=True, slots=True)
class BridgeMark:
    """A routed position's bridge: the route's name and what the strategy holds there (signed,
    by its accepted and in-flight orders). `held` unlike the books' qty is drift."""

    route: str
    held: int
    broker: int | None = None
    """A Tradovate account's net in the root when it differs from the books of the
    strategies routed there (live drift); None when they agree or nobody polls."""


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
    drift: Drift | None = None
    mark_age: float | None = None
    mark_state: MarkState = MarkState.NONE
    delay_minutes: int | None = None
    bridge: BridgeMark | None = None
    """Where its orders go when its strategy is routed (None: books only)."""
    tick: Decimal | None = None
    """The contract's tick, so every view writes its prices with the tick's decimals."""

    @property
    def key(self) -> tuple[str, str]:
        return (self.strategy, self.symbol)

    @property
    def signed_qty(self) -> int:
        return self.qty if self.side == "long" else -self.qty

    @property
    def bridge_drift(self) -> bool:
        """The bridge holds something else than the books (an entry it rejected, say)."""
        return self.bridge is not None and self.bridge.held != self.signed_qty


def position_view(
    pos: Position,
    now: datetime,
    stale_after: float,
    delay_minutes: int | None = None,
    tick: Decimal | None = None,
) -> PositionView:
    """`delay_minutes`: how late the feed that marks this position is (None: real time)."""
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
        mark_age=age,
        mark_state=mark_state(age if pos.mark is not None else None, stale_after, delay_minutes),
        delay_minutes=delay_minutes,
        tick=tick,
    )


@dataclass(frozen=True, slots=True)
class SymbolMark:
    """The mark a manual order would be prefilled with, for one contract root."""

    root: str
    price: Decimal | None
    age: float | None
    state: MarkState
    delay_minutes: int | None = None
    tick: Decimal | None = None


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
    unmarked: int = 0
    """Open positions with no mark: while any, the open P&L and the total are unknown."""

    @property
    def known_open(self) -> Decimal | None:
        """The open P&L, or None while a position has no mark (unknown is not zero)."""
        return None if self.unmarked else self.open

    @property
    def known_total(self) -> Decimal | None:
        return None if self.unmarked else self.total


def account_view(account: DayAccount, unmarked: int = 0) -> AccountView:
    c = account.curve
    return AccountView(
        account.day,
        account.realized,
        account.open_change,
        account.total,
        c.max_mtm,
        c.min_mtm,
        c.max_drawdown,
        c.drawdown,
        account.trades_closed,
        c.max_time,
        c.min_time,
        unmarked,
    )


def _time(moment: datetime | None, tz: Any) -> str | None:
    return None if moment is None else moment.astimezone(tz).isoformat()


def position_json(p: PositionView) -> dict[str, Any]:
    return {
        "strategy": p.strategy,
        "symbol": p.symbol,
        "side": p.side,
        "qty": p.qty,
        "avg_price": average_price(p.avg_price),
        "last_price": None if p.last_price is None else price(p.last_price),
        "open_pnl": None if p.open_pnl is None else money(p.open_pnl),
        "trade_drawdown": money(p.trade_drawdown),
        "trade_runup": money(p.trade_runup),
        "stale": p.stale,
        "drift": None if p.drift is None else drift_json(p.drift),
    }


def drift_json(d: Drift) -> dict[str, Any]:
    return {"reported": d.reported, "held": d.held, "reason": d.reason}


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
        "source": t.source,
    }


def report_json(a: AccountView) -> dict[str, Any]:
    """`open` and `total` are null while `unmarked` positions have no price: never 0."""
    known_open, known_total = a.known_open, a.known_total
    return {
        "day": a.day.isoformat(),
        "realized": money(a.realized),
        "open": None if known_open is None else money(known_open),
        "total": None if known_total is None else money(known_total),
        "max_mtm": money(a.max_mtm),
        "min_mtm": money(a.min_mtm),
        "max_drawdown": money(a.max_drawdown),
        "trades": a.trades,
        "unmarked": a.unmarked,
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
    risk: RiskView | None = None
    rejected: int = 0
    secret_set: bool = True
    version: int = 0
    """The engine's change version this snapshot shows (see `tmtui.core.book.changes`)."""
    unquoted: tuple[str, ...] = ()
    """Roots of open positions no quote has marked yet, in row order: the status line
    names them so a feed that never quotes a symbol is not mistaken for a quiet market."""


@dataclass(frozen=True, slots=True)
class RiskView:
    """The risk guard as of one moment: every rule's check and the lockouts in force."""

    checks: tuple[RuleCheck, ...]
    locks: tuple[Lock, ...]

    @property
    def banner(self) -> str | None:
        """One line for the top of the screen while a lockout holds, else None."""
        if not self.locks:
            return None
        parts = [f"{lock.rule} ({lock.scope})" for lock in self.locks]
        return "LOCKED OUT by " + ", ".join(parts) + ": no new entries until the next trading day"

    @property
    def worst(self) -> Level:
        """The nearest any rule is to its breach, for one warning color."""
        order = [Level.OK, Level.WARNING, Level.DANGER, Level.BREACHED]
        return max((c.level for c in self.checks), key=order.index, default=Level.OK)
