"""A restart says when tmtui last stopped and how long the listener was down; the Rejected
and Errors counters count the trading day, restored from the ledger's log of today."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from helpers import make_config

from tmtui.core.downtime import LastRun, downtime_lines, span_text
from tmtui.core.events import Event, EventKind
from tmtui.ledger.store import Ledger
from tmtui.runtime.engine import Engine
from tmtui.settings.config import Config

START = datetime(2026, 11, 18, 20, 2, 0, tzinfo=UTC)  # 14:02:00 in Chicago


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def run(config: Config, clock: Clock) -> tuple[Engine, list[Event]]:
    lines: list[Event] = []
    engine = Engine(config, await Ledger.open(config.ledger.resolved_path()), clock=clock)
    engine.subscribe(lines.append)
    await engine.start()
    return engine, lines


def said(lines: list[Event]) -> str:
    return "\n".join(e.message for e in lines)


async def test_a_clean_stop_then_a_restart_says_the_gap(tmp_path: Path) -> None:
    config, clock = make_config(tmp_path), Clock(START)
    engine, lines = await run(config, clock)
    assert "listener down" not in said(lines)  # a new ledger: no earlier run
    clock.now = START + timedelta(seconds=11)
    engine.emit(Event(EventKind.ALERT_REJECTED, "alert rejected (401): bad secret", clock.now))
    await engine.stop()
    clock.now = START + timedelta(seconds=45)
    engine, lines = await run(config, clock)
    text = said(lines)
    assert "tmtui last stopped 14:02:11 (clean stop)" in text
    assert (
        "listener down 14:02:11–14:02:45 (34 s): alerts TradingView sent then were not "
        "received — check its alert log" in text
    )
    assert engine.state.rejected == 1  # today's, from the ledger
    await engine.stop()


async def test_a_crash_is_placed_at_the_last_heartbeat(tmp_path: Path) -> None:
    config, clock = make_config(tmp_path), Clock(START)
    engine, _ = await run(config, clock)
    for step in range(1, 13):  # the sampler runs; the account does not change
        clock.now = START + timedelta(seconds=step)
        await engine.flush()
    for task in list(engine._tasks):  # kill -9: no stop, no 'stopped' line
        task.cancel()
    await engine.ledger.close()
    clock.now = START + timedelta(minutes=3)
    engine, lines = await run(config, clock)
    text = said(lines)
    assert "tmtui did not stop cleanly: last seen running 14:02:1" in text
    assert "listener down 14:02:11–14:05:00 (2 min 49 s)" in text  # the heartbeat at :11
    await engine.stop()


def test_the_lines_name_the_date_across_days() -> None:
    last = LastRun(START - timedelta(days=1), START - timedelta(days=1))
    lines = downtime_lines(last, START, UTC)
    assert "2026-11-17" in lines[0] and "(24 h 0 min)" in lines[1]
    assert downtime_lines(LastRun(None), START, UTC) == []
    assert span_text(34) == "34 s" and span_text(125) == "2 min 5 s"
    assert span_text(3 * 3600 + 120) == "3 h 2 min"
    assert span_text(331 * 86400 + 11 * 3600 + 5) == "331 d 11 h"  # not "7955 h 0 min"
