"""What a restart says about the time tmtui was not running: when it stopped, and how long
the listener was down (TradingView does not queue webhooks: alerts sent then are lost).

The last moment the listener was known up is the newest of the ledger's event times and
sample times (the sampler writes a heartbeat sample at least every HEARTBEAT_S while it
runs); a clean stop writes a `stopped` event. Pure: the engine reads the ledger and says
these lines at start, on screen and in `--headless` alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

HEARTBEAT_S = 5
"""The sampler writes the account's sample at least this often, changed or not: a crash
is then placed within this many seconds of when it happened."""

STOPPED = "stopped"
"""The `data` flag of the event a clean stop writes."""


@dataclass(frozen=True, slots=True)
class LastRun:
    """What the ledger says of the previous run: its last sign of life, and whether its
    last event was a clean stop (None: no previous run in this ledger)."""

    last_up: datetime | None
    clean_stop: datetime | None = None


def _clock(moment: datetime, other: datetime, tz: tzinfo) -> str:
    """`14:02:11`, with the date when the two moments fall on different days."""
    local = moment.astimezone(tz)
    if local.date() != other.astimezone(tz).date():
        return local.strftime("%Y-%m-%d %H:%M:%S")
    return local.strftime("%H:%M:%S")


def span_text(seconds: float) -> str:
    """`34 s`, `12 min 5 s`, `3 h 2 min`, `331 d 11 h` (a downtime of days reads in days)."""
    whole = max(round(seconds), 0)
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        return f"{whole // 60} min {whole % 60} s"
    if whole < 2 * 86400:
        return f"{whole // 3600} h {whole % 3600 // 60} min"
    return f"{whole // 86400} d {whole % 86400 // 3600} h"


def downtime_lines(last: LastRun, listening_since: datetime, tz: tzinfo) -> list[str]:
    """The lines a start says: how the last run ended, and the listener's gap.

    Empty for a ledger with no earlier run.
    """
    if last.last_up is None:
        return []
    down_from = last.clean_stop or last.last_up
    if last.clean_stop is not None:
        first = f"tmtui last stopped {_clock(last.clean_stop, listening_since, tz)} (clean stop)"
    else:
        first = (
            f"tmtui did not stop cleanly: last seen running "
            f"{_clock(last.last_up, listening_since, tz)}"
        )
    gap = (listening_since - down_from).total_seconds()
    second = (
        f"listener down {_clock(down_from, listening_since, tz)}–"
        f"{_clock(listening_since, listening_since, tz)} ({span_text(gap)}): alerts "
        "TradingView sent then were not received — check its alert log"
    )
    return [first, second]
