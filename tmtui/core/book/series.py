"""The sparkline buffers: the last N points of the account, its drawdown and each position.

Bounded deques, one point per sample tick; the screen gets copies in every snapshot (a
Textual Sparkline only redraws when it is handed a new list).
"""

from __future__ import annotations

from collections import deque
from decimal import Decimal

from tmtui.core.book.book import PositionKey


class PnlSeries:
    """Recent points of the day's total, its drawdown from peak, and each open P&L."""

    def __init__(self, points: int) -> None:
        self.points = points
        self.account: deque[float] = deque(maxlen=points)
        self.drawdown: deque[float] = deque(maxlen=points)
        self.positions: dict[PositionKey, deque[float]] = {}

    def add_account(self, total: Decimal, drawdown: Decimal) -> None:
        self.account.append(float(total))
        self.drawdown.append(float(drawdown))

    def add_position(self, key: PositionKey, open_pnl: Decimal) -> None:
        self.positions.setdefault(key, deque(maxlen=self.points)).append(float(open_pnl))

    def drop(self, key: PositionKey) -> None:
        """A closed position's line goes with it."""
        self.positions.pop(key, None)

    def new_day(self) -> None:
        """The account lines start again at the roll; open positions keep theirs."""
        self.account.clear()
        self.drawdown.clear()

    def account_points(self) -> list[float]:
        return list(self.account)

    def drawdown_points(self) -> list[float]:
        return list(self.drawdown)

    def position_points(self) -> dict[PositionKey, list[float]]:
        return {k: list(v) for k, v in self.positions.items()}
