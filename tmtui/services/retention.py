"""Keeping the ledger bounded: finished days' samples thinned to minutes, old log lines gone.

Runs in the background at start (for every older day not yet compacted, found through the
partial index of raw samples) and at each roll of the trading day. Each step is one short
transaction, so alerts keep being recorded meanwhile. Signals, fills and trades are never
touched: they are the record, kept forever.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from tmtui.core.history.samples import MINUTE
from tmtui.core.trading_day import TradingCalendar
from tmtui.ledger.store import Ledger

log = logging.getLogger("tmtui.retention")

CHUNK_SECONDS = 600
"""Samples compacted per transaction: ten minutes (~40 ms with a few positions marked each
second), so an alert arriving at the session's open waits for one step at most."""


@dataclass(slots=True)
class Tidied:
    """What one housekeeping run did."""

    days: list[date] = field(default_factory=list)
    samples_removed: int = 0
    events_removed: int = 0


async def compact_finished_days(ledger: Ledger, calendar: TradingCalendar, today: date) -> Tidied:
    """Compact every trading day before `today` that still has 1 s samples, hour by hour."""
    result = Tidied()
    while (oldest := await ledger.oldest_raw_sample()) is not None:
        day = calendar.day_of(datetime.fromtimestamp(oldest, UTC))
        if day >= today:
            break
        end = int(calendar.bounds(day)[1].timestamp())
        start = oldest - oldest % MINUTE
        result.samples_removed += await ledger.compact_samples(
            start, min(start + CHUNK_SECONDS, end)
        )
        if day not in result.days:
            result.days.append(day)
    return result


async def prune_events(ledger: Ledger, keep_days: int, now: datetime) -> int:
    """Delete log lines older than `keep_days` days; 0 keeps them all."""
    if keep_days <= 0:
        return 0
    return await ledger.prune_events(now - timedelta(days=keep_days))


class Housekeeper:
    """One housekeeping run at a time (a roll during the start's run waits for it)."""

    def __init__(self, ledger: Ledger, calendar: TradingCalendar, keep_event_days: int) -> None:
        self.ledger = ledger
        self.calendar = calendar
        self.keep_event_days = keep_event_days
        self.runs = 0
        """Runs finished so far (tests wait on it)."""
        self._lock = asyncio.Lock()

    async def run(self, today: date, now: datetime) -> Tidied:
        async with self._lock:
            result = await compact_finished_days(self.ledger, self.calendar, today)
            result.events_removed = await prune_events(self.ledger, self.keep_event_days, now)
            self.runs += 1
        if result.days or result.events_removed:
            log.info(
                "ledger housekeeping: compacted %d day(s) (%d sample rows removed), "
                "%d old event(s) removed",
                len(result.days),
                result.samples_removed,
                result.events_removed,
            )
        return result
