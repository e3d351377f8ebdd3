"""What the risk rules remember between marks: highs, best prices and lockouts.

Marks come and go, but a trailing drawdown's high, a trailing stop's best price and a
lockout must survive a restart, so this is plain data with an exact JSON form the ledger
stores. `observe` folds a moment's figures in (like a mark, never refused); locks are added
only once the breach that caused them is recorded.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from tmtui.core.book.book import Position, PositionKey
from tmtui.core.book.drift import Drift

STATE_VERSION = 1


@dataclass(frozen=True, slots=True)
class Lock:
    """No new entries (in `strategy`, or anywhere when None) until trading day `day` ends."""

    rule: str
    strategy: str | None
    day: date
    since: datetime
    reason: str
    figures: dict[str, str] = field(default_factory=dict)

    def covers(self, strategy: str) -> bool:
        return self.strategy is None or self.strategy == strategy

    @property
    def scope(self) -> str:
        return "account" if self.strategy is None else f"strategy {self.strategy}"


@dataclass(slots=True)
class RiskState:
    """Highs and locks. Balances are account dollars: start + net realized + open (net).

    `eod_high` is the highest balance seen at a trading day's end, `peak` the highest seen
    at any mark; `last_balance` is the latest of the current `day`, which becomes an
    end-of-day balance when the day rolls. `best` is each open round trip's most favorable
    price, keyed by position and tagged with its trade id. `drift` is the drift guard's
    mark on each position whose last alert disagreed with it.
    """

    day: date | None = None
    eod_high: Decimal | None = None
    peak: Decimal | None = None
    last_balance: Decimal | None = None
    best: dict[PositionKey, tuple[int, Decimal]] = field(default_factory=dict)
    locks: list[Lock] = field(default_factory=list)
    drift: dict[PositionKey, Drift] = field(default_factory=dict)

    def set_drift(self, key: PositionKey, drift: Drift | None) -> None:
        """Mark or (agreeing alert) clear a position's drift."""
        if drift is None:
            self.drift.pop(key, None)
        else:
            self.drift[key] = drift

    def roll(self, day: date) -> list[Lock]:
        """Move to trading day `day`: the last balance becomes an end-of-day balance and
        the locks of earlier days clear. Returns the cleared locks."""
        if self.day is not None and day <= self.day:
            return []
        if self.last_balance is not None:
            self.eod_high = _max(self.eod_high, self.last_balance)
        self.day, self.last_balance = day, None
        cleared = [lock for lock in self.locks if lock.day < day]
        self.locks = [lock for lock in self.locks if lock.day >= day]
        return cleared

    def observe_balance(self, balance: Decimal) -> None:
        self.last_balance = balance
        self.peak = _max(self.peak, balance)

    def observe_positions(self, positions: Iterable[Position]) -> None:
        """Fold each marked position's price into its round trip's best; forget closed ones."""
        seen = {}
        for pos in positions:
            trade_id, best = self.best.get(pos.key, (pos.trade.trade_id, pos.avg_price))
            if trade_id != pos.trade.trade_id:
                best = pos.avg_price
            if pos.mark is not None:
                best = max(best, pos.mark) if pos.sign > 0 else min(best, pos.mark)
            seen[pos.key] = (pos.trade.trade_id, best)
        self.best = seen

    def best_price(self, pos: Position) -> Decimal:
        """The most favorable price of the position's round trip so far (entry at least)."""
        trade_id, best = self.best.get(pos.key, (pos.trade.trade_id, pos.avg_price))
        if trade_id != pos.trade.trade_id:
            return pos.avg_price
        return best

    def lock_for(self, strategy: str, day: date) -> Lock | None:
        """The first lock that stops `strategy` opening positions on trading day `day`
        (a lock of an earlier day has ended, even before `roll` clears it)."""
        return next(
            (lock for lock in self.locks if lock.covers(strategy) and lock.day >= day), None
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "v": STATE_VERSION,
            "day": None if self.day is None else self.day.isoformat(),
            "eod_high": _text(self.eod_high),
            "peak": _text(self.peak),
            "last_balance": _text(self.last_balance),
            "best": [[s, r, tid, str(p)] for (s, r), (tid, p) in sorted(self.best.items())],
            "locks": [_lock_json(lock) for lock in self.locks],
            "drift": [[s, r, d.to_json()] for (s, r), d in sorted(self.drift.items())],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RiskState:
        """Rebuild a stored state; raises ValueError for another version."""
        if data.get("v") != STATE_VERSION:
            raise ValueError(f"stored risk state v{data.get('v')} is not v{STATE_VERSION}")
        return cls(
            day=None if data["day"] is None else date.fromisoformat(data["day"]),
            eod_high=_dec(data["eod_high"]),
            peak=_dec(data["peak"]),
            last_balance=_dec(data["last_balance"]),
            best={(s, r): (int(tid), Decimal(p)) for s, r, tid, p in data["best"]},
            locks=[_lock_from(item) for item in data["locks"]],
            drift={(s, r): Drift.from_json(d) for s, r, d in data.get("drift", [])},
        )


def _max(a: Decimal | None, b: Decimal) -> Decimal:
    return b if a is None else max(a, b)


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _dec(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _lock_json(lock: Lock) -> dict[str, Any]:
    return {
        "rule": lock.rule,
        "strategy": lock.strategy,
        "day": lock.day.isoformat(),
        "since": lock.since.isoformat(),
        "reason": lock.reason,
        "figures": dict(lock.figures),
    }


def _lock_from(item: dict[str, Any]) -> Lock:
    return Lock(
        item["rule"],
        item["strategy"],
        date.fromisoformat(item["day"]),
        datetime.fromisoformat(item["since"]),
        item["reason"],
        dict(item["figures"]),
    )
