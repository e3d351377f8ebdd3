"""Which trading day a moment belongs to: the exchange session rolls at `day_start`.

CME futures trade from 17:00 America/Chicago to 16:00 the next day, so an alert at
18:30 Chicago time on a Tuesday counts toward Wednesday.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


@lru_cache(maxsize=16)
def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {name!r} (use an IANA name like America/Chicago)"
        ) from None


def parse_day_start(text: str) -> time:
    """Parse "HH:MM"; the session's first minute."""
    try:
        hours, minutes = text.split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        raise ValueError(f"expected HH:MM like 17:00, got {text!r}") from None


class TradingCalendar:
    """Maps aware datetimes to trading days and back, in the exchange's time zone."""

    def __init__(
        self,
        timezone: str = "America/Chicago",
        day_start: str = "17:00",
        roll_weekends: bool = True,
    ) -> None:
        self.tz = zone(timezone)
        self.start = parse_day_start(day_start)
        self.roll_weekends = roll_weekends

    def day_of(self, moment: datetime) -> date:
        """The trading day of `moment`; a session opening before midnight belongs to the next."""
        if moment.tzinfo is None:
            raise ValueError("naive datetime: times must be timezone-aware")
        local = moment.astimezone(self.tz)
        day = local.date()
        if self.start != time(0, 0) and local.time() >= self.start:
            day += timedelta(days=1)
        if self.roll_weekends and day.weekday() >= 5:
            day += timedelta(days=7 - day.weekday())
        return day

    def bounds(self, day: date) -> tuple[datetime, datetime]:
        """[start, end) of a trading day as aware datetimes (DST-correct via zoneinfo)."""
        end_date = day if self.start != time(0, 0) else day + timedelta(days=1)
        end = datetime.combine(end_date, self.start, self.tz)
        start_date = end_date - timedelta(days=1)
        if self.roll_weekends and day.weekday() == 0:
            start_date = end_date - timedelta(days=3)
        return datetime.combine(start_date, self.start, self.tz), end

    def moment(self, day: date, clock: time) -> datetime:
        """When the clock reads `clock` in trading day `day`: its last time before the
        session ends, so "15:55" is Monday 15:55 for Monday's session that opened Friday."""
        _, end = self.bounds(day)
        when = datetime.combine(end.date(), clock, self.tz)
        if when >= end:
            when = datetime.combine(end.date() - timedelta(days=1), clock, self.tz)
        return when
