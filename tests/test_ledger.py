"""The ledger under concurrent writers: transactions never interleave or undo each other."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from decimal import Decimal as D
from pathlib import Path

from tmtui.core.events import Event, EventKind
from tmtui.core.models import Action, Outcome, Signal
from tmtui.ledger import Ledger, PositionSample, SignalRecord


def record(n: int) -> SignalRecord:
    now = datetime.now(UTC)
    signal = Signal("S", "NQ", Action.BUY, 1, D("25600"), now)
    return SignalRecord(
        now, "webhook", Outcome.ACCEPTED, raw=f"#{n}", signal=signal, idem_key=f"id:{n}"
    )


async def test_concurrent_signal_and_sample_writes_all_commit(tmp_path: Path) -> None:
    ledger = await Ledger.open(tmp_path / "l.db")

    async def signals() -> None:
        for n in range(100):
            await ledger.record_signal(record(n), events=[Event(EventKind.INFO, f"e{n}")])

    async def samples() -> None:
        for ts in range(100):
            await ledger.add_position_samples(
                [PositionSample(ts, "S", "NQ", 1, D("25600"), D(0), D(0), D(0))]
            )
            await ledger.add_events([Event(EventKind.FEED, f"f{ts}")])

    await asyncio.gather(signals(), samples(), samples())
    assert await ledger.count_signals(Outcome.ACCEPTED) == 100
    assert len(await ledger.events(limit=1000)) == 300
    await ledger.close()


async def test_cancelled_writer_still_commits_whole_transaction(tmp_path: Path) -> None:
    ledger = await Ledger.open(tmp_path / "l.db")
    task = asyncio.create_task(ledger.record_signal(record(1)))
    await asyncio.sleep(0)
    task.cancel()
    await ledger.close()  # waits for the shielded write
    again = await Ledger.open(tmp_path / "l.db")
    assert await again.count_signals() == 1
    assert await again.record_signal(record(2)) == 2  # no transaction left open
    await again.close()
