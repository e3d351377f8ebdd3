"""The ranges the P&L chart offers: today from live samples, longer ones from day closes.

Pure: a range and today's trading day give the first trading day to read from (None for
all of history). Every range but today plots the cumulative net at each day's close.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True, slots=True)
class ChartRange:
    """One choice of the chart: its key, its label and how far back it reaches."""

    key: str
    label: str
    days: int = 0
    weeks: int = 0
    months: int = 0
    everything: bool = False

    @property
    def intraday(self) -> bool:
        return not (self.days or self.weeks or self.months or self.everything)

    def first_day(self, today: date) -> date | None:
        """The first trading day in range (None: from the first recorded day)."""
        if self.everything:
            return None
        if self.days:
            return today - timedelta(days=self.days - 1)
        if self.weeks:
            monday = today - timedelta(days=today.weekday())
            return monday - timedelta(weeks=self.weeks - 1)
        if self.months:
            index = today.year * 12 + today.month - 1 - (self.months - 1)
            return date(index // 12, index % 12 + 1, 1)
        return today


TODAY = ChartRange("today", "Today")
RANGES: tuple[ChartRange, ...] = (
    TODAY,
    ChartRange("days", "30 days", days=30),
    ChartRange("weeks", "13 weeks", weeks=13),
    ChartRange("months", "12 months", months=12),
    ChartRange("all", "All", everything=True),
)
