"""Alerts applied to the books before the ledger confirmed them, and how to take them back.

The intake decides an alert, queues its record and applies it at once, so the next alert can
be decided while the ledger commits both in one transaction (group commit); the webhook is
still answered 200 only after that commit. When the ledger refuses a chained write, it also
refuses every chained write queued after it (they were decided on top of it), and this
undoes all of those alerts, newest first: the books end as the ledger has them.

It also knows which idempotency keys are on their way to the ledger, so a resend that
arrives before its original is committed is answered as the duplicate it is.
"""

from __future__ import annotations

import logging
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from tmtui.core.book.book import PositionKey
from tmtui.ledger.pending import PendingWrite

log = logging.getLogger("tmtui.engine")

Undo = Callable[[], PositionKey]
"""Takes one applied alert back; returns the position it touched."""
RECENT_KEYS: Final = 10_000


@dataclass(eq=False, slots=True)
class _Applied:
    write: PendingWrite
    undo: Undo


class PendingAlerts:
    """Applied-but-unconfirmed alerts in decision order, and keys waiting for their commit."""

    def __init__(self, on_undone: Callable[[list[PositionKey]], None]) -> None:
        self._applied: deque[_Applied] = deque()
        self._keys: dict[str, PendingWrite] = {}
        self._committed: OrderedDict[str, int] = OrderedDict()
        self._on_undone = on_undone

    def __len__(self) -> int:
        return len(self._applied)

    def track(self, write: PendingWrite, undo: Undo | None, key: str | None) -> None:
        """Follow a queued write: `undo` takes its alert back should the ledger refuse it."""
        if undo is not None:
            self._applied.append(_Applied(write, undo))
            write.add_done_callback(lambda _write: self.settle())
        if key is not None:
            self._keys[key] = write
            write.add_done_callback(lambda done: self._forget(key, done))

    def waiting_for(self, key: str) -> PendingWrite | None:
        """The queued, not yet committed write of an alert with this key, if any."""
        return self._keys.get(key)

    def committed_as(self, key: str) -> int | None:
        """The signal id of a recently committed alert with this key.

        The engine looks a key up in the ledger before it takes its lock; an original
        committed in between is found here.
        """
        return self._committed.get(key)

    def _forget(self, key: str, write: PendingWrite) -> None:
        if self._keys.get(key) is write:
            del self._keys[key]
        if not write.failed():
            self._committed[key] = int(write.result())
            while len(self._committed) > RECENT_KEYS:
                self._committed.popitem(last=False)

    def settle(self) -> None:
        """Drop committed alerts from the front; undo from the first refused one onwards.

        Cheap and idempotent: called before every decision and whenever a write reports.
        """
        applied = self._applied
        while applied and applied[0].write.done() and not applied[0].write.failed():
            applied.popleft()
        if not applied or not applied[0].write.failed():
            return
        if not all(entry.write.done() for entry in applied):
            return  # the ledger is failing the rest too; settle again when they report
        undone: list[PositionKey] = []
        while applied:
            entry = applied.pop()
            if entry.write.failed():
                undone.append(entry.undo())
            else:
                log.error("an alert committed after one the ledger refused: restart tmtui")
        self._on_undone(undone)
