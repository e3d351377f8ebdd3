"""Account figures for one trading day: realized, open, total, and drawdown from peak.

Pure: the engine feeds it fills and marks; the ledger stores its samples.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

ZERO = Decimal(0)


@dataclass(slots=True)
class DayCurve:
    """The day's total-P&L path folded into max, min and the worst drop from a running peak.

    The day opens at 0 (nothing realized, nothing marked), so a first losing trade shows as
    drawdown from that starting peak.
    """

    peak: Decimal = ZERO
    max_mtm: Decimal = ZERO
    min_mtm: Decimal = ZERO
    max_drawdown: Decimal = ZERO
    max_time: datetime | None = None
    min_time: datetime | None = None
    last: Decimal = ZERO

    def observe(self, total: Decimal, when: datetime) -> None:
        self.last = total
        if total > self.max_mtm or (self.max_time is None and total == self.max_mtm):
            self.max_mtm, self.max_time = total, when
        if total < self.min_mtm or (self.min_time is None and total == self.min_mtm):
            self.min_mtm, self.min_time = total, when
        self.peak = max(self.peak, total)
        self.max_drawdown = min(self.max_drawdown, total - self.peak)

    @property
    def drawdown(self) -> Decimal:
        """Current distance below the running peak (≤ 0)."""
        return self.last - self.peak


@dataclass(slots=True)
class DayAccount:
    """One trading day's money: realized (net of every commission charged today) and open.

    Carry-forward: a position open across the day roll brings the open P&L it had at the
    previous day's closing mark as `open_base`; the day counts only the movement after it.
    So the day opens at 0 at an unchanged price, a round trip held for days spreads its
    result over them (each day's total is its own movement, and the totals of the days sum
    to the trade's net), and a closed day's figures stay as they were.
    """

    day: date
    realized_gross: Decimal = ZERO
    commissions: Decimal = ZERO
    open_pnl: Decimal = ZERO
    trades_closed: int = 0
    curve: DayCurve = field(default_factory=DayCurve)
    open_base: Decimal = ZERO

    @property
    def realized(self) -> Decimal:
        return self.realized_gross - self.commissions

    @property
    def open_change(self) -> Decimal:
        """The day's open P&L: the open P&L now less what was carried in at the roll."""
        return self.open_pnl - self.open_base

    @property
    def total(self) -> Decimal:
        return self.realized + self.open_change

    def add_fill(self, realized: Decimal, commission: Decimal) -> None:
        self.realized_gross += realized
        self.commissions += commission

    def set_open(self, open_pnl: Decimal, when: datetime) -> None:
        """Record the open P&L at the marks and fold the new total into the curve."""
        self.open_pnl = open_pnl
        self.curve.observe(self.total, when)
