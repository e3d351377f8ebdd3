from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from tmtui.core.trading_day import TradingCalendar

CHI = ZoneInfo("America/Chicago")


@pytest.mark.parametrize(
    ("local", "day"),
    [
        (datetime(2026, 11, 17, 16, 59, tzinfo=CHI), date(2026, 11, 17)),  # Tue before roll
        (datetime(2026, 11, 17, 17, 0, tzinfo=CHI), date(2026, 11, 18)),  # Tue at roll → Wed
        (datetime(2026, 11, 15, 18, 0, tzinfo=CHI), date(2026, 11, 16)),  # Sun evening → Mon
        (datetime(2026, 11, 20, 17, 30, tzinfo=CHI), date(2026, 11, 23)),  # Fri evening → Mon
        (datetime(2026, 11, 21, 12, 0, tzinfo=CHI), date(2026, 11, 23)),  # Saturday → Mon
    ],
)
def test_cme_roll(local: datetime, day: date) -> None:
    assert TradingCalendar().day_of(local) == day


def test_roll_is_dst_aware() -> None:
    cal = TradingCalendar()
    # 2026-03-08 is the US DST change: 17:00 CDT is 22:00 UTC, the day before 23:00 UTC.
    assert cal.day_of(datetime(2026, 3, 9, 22, 0, tzinfo=UTC)) == date(2026, 3, 10)
    assert cal.day_of(datetime(2026, 3, 9, 21, 59, tzinfo=UTC)) == date(2026, 3, 9)
    assert cal.day_of(datetime(2026, 3, 5, 23, 0, tzinfo=UTC)) == date(2026, 3, 6)


def test_bounds_cover_the_day() -> None:
    cal = TradingCalendar()
    start, end = cal.bounds(date(2026, 11, 18))
    assert start == datetime(2026, 11, 17, 17, 0, tzinfo=CHI)
    assert end == datetime(2026, 11, 18, 17, 0, tzinfo=CHI)
    monday_start, _ = cal.bounds(date(2026, 11, 23))
    assert monday_start == datetime(2026, 11, 20, 17, 0, tzinfo=CHI)


def test_configurable_session() -> None:
    cal = TradingCalendar("Europe/London", "00:00", roll_weekends=False)
    assert cal.day_of(datetime(2026, 11, 21, 23, 30, tzinfo=UTC)) == date(2026, 11, 21)


def test_naive_time_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        TradingCalendar().day_of(datetime(2026, 1, 1))
