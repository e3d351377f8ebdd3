"""Run a redraw at most once per interval, however many changes ask for it.

The first change after a quiet spell runs at once (the next loop turn), so a lone quote
shows immediately; changes inside the interval wait for its end and share one run. No
change, no run: nothing is polled.
"""

from __future__ import annotations

import time
from collections.abc import Callable

Later = Callable[[float, Callable[[], None]], None]
"""Schedules a callback after a delay in seconds (0: the next loop turn)."""


class Coalescer:
    """Calls `run` at most once per `interval` seconds after `poke()`s."""

    def __init__(
        self,
        run: Callable[[], None],
        later: Later,
        interval: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._run = run
        self._later = later
        self.interval = interval
        self._clock = clock
        self._pending = False
        self._last = float("-inf")
        self.runs = 0
        self.last_delay = 0.0
        """The delay the last scheduled run was given: the app's own share of a quote's latency."""

    def poke(self) -> None:
        """Something changed: make sure one run is scheduled (cheap; called per quote)."""
        if self._pending:
            return
        self._pending = True
        self.last_delay = max(self._last + self.interval - self._clock(), 0.0)
        self._later(self.last_delay, self._fire)

    def _fire(self) -> None:
        self._pending = False
        self._last = self._clock()
        self.runs += 1
        self._run()
