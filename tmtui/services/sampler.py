"""The timed writes: P&L samples of what moved, the sparkline points, queued log lines.

The engine calls `flush` once a second (and at stop). One tick is one ledger transaction:
a sample for each position marked since the last tick, the account's figures when they
changed, and the log lines that were not already written with a signal.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from tmtui.core.book.book import PositionKey
from tmtui.core.book.series import PnlSeries
from tmtui.core.book.trading_state import TradingState
from tmtui.core.events import Event
from tmtui.core.history.samples import PositionSample, account_sample, position_sample
from tmtui.core.pipeline import Recorded
from tmtui.ledger.store import Ledger


class Sampler:
    """Knows what changed since the last tick and writes it; feeds the sparkline buffers."""

    def __init__(self, ledger: Ledger, state: TradingState, series: PnlSeries) -> None:
        self.ledger = ledger
        self.state = state
        self.series = series
        self._moved: set[PositionKey] = set()
        self._pending: list[Event] = []
        self._account_written: tuple[object, ...] | None = None

    def moved(self, keys: Iterable[PositionKey]) -> None:
        """These positions were marked or changed: sample them at the next tick."""
        self._moved.update(keys)

    def recorded(self, message: Recorded) -> None:
        """After a commit: sample the position an applied plan moved, or drop a closed one."""
        plan = message.decision.plan
        if plan is None:
            return
        if plan.position is None:
            self.closed(plan.key)
        else:
            self.moved([plan.key])

    def closed(self, key: PositionKey) -> None:
        self._moved.discard(key)
        self.series.drop(key)

    def queue(self, event: Event) -> None:
        """A log line to write with the next tick."""
        self._pending.append(event)

    async def restore(self) -> None:
        """Today's latest account samples back into the sparklines after a restart."""
        day = self.state.account.day.isoformat()
        for sample in await self.ledger.account_samples(day, limit=self.series.points):
            self.series.add_account(sample.total, sample.total - sample.peak)

    async def flush(self, now: datetime, risk_state: dict[str, Any] | None = None) -> None:
        """Write this tick's samples and queued events (the state is already revalued), and
        the risk guard's state when it changed, in the same transaction."""
        ts = int(now.timestamp())
        samples: list[PositionSample] = []
        for pos in self.state.book.open_positions():
            sample = position_sample(pos, ts)
            if sample is None:
                continue
            self.series.add_position(pos.key, sample.open_pnl)
            if pos.key in self._moved:
                samples.append(sample)
        self._moved.clear()
        account = self.state.account
        self.series.add_account(account.total, account.curve.drawdown)
        row = account_sample(account, ts)
        figures = (
            row.day,
            row.realized,
            row.open,
            row.peak,
            row.max_mtm,
            row.min_mtm,
            row.max_drawdown,
        )
        changed = figures != self._account_written
        self._account_written = figures
        events, self._pending = self._pending, []
        await self.ledger.write_samples(
            samples,
            row if changed else None,
            events,
            None if risk_state is None else (risk_state, now),
        )
