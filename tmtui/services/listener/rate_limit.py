"""A sliding-window rate limit per client address, with bounded memory.

The listener keeps two of them: one for senders that proved the secret and one for the
rest, so a stranger flooding the tunnel (where every sender arrives as 127.0.0.1) can never
use up the trader's own alerts' allowance.
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

MAX_TRACKED_CLIENTS: Final = 4096


@dataclass(frozen=True, slots=True)
class RateDecision:
    """A refusal from the limiter: when to retry, and whether it is the first of a run."""

    retry_after_s: float
    first_refusal: bool


@dataclass(slots=True)
class _ClientWindow:
    hits: deque[float]
    refusing: bool = False


class SlidingWindowLimiter:
    """At most `per_minute` requests per client in any 60 s; memory bounded by `max_clients`.

    The least recently seen clients are forgotten first: a forgotten client starts afresh,
    which only ever errs towards letting an alert in.
    """

    def __init__(
        self,
        per_minute: int,
        *,
        window_s: float = 60.0,
        max_clients: int = MAX_TRACKED_CLIENTS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_minute = per_minute
        self.window_s = window_s
        self.max_clients = max_clients
        self._clock = clock
        self._clients: OrderedDict[str, _ClientWindow] = OrderedDict()

    def __len__(self) -> int:
        return len(self._clients)

    def hit(self, client: str) -> RateDecision | None:
        """Count one request; None when allowed, else the refusal."""
        if self.per_minute <= 0:
            return None
        now = self._clock()
        window = self._clients.get(client)
        if window is None:
            window = _ClientWindow(deque(maxlen=self.per_minute))
            self._clients[client] = window
            self._evict()
        else:
            self._clients.move_to_end(client)
        while window.hits and window.hits[0] <= now - self.window_s:
            window.hits.popleft()
        if len(window.hits) >= self.per_minute:
            first = not window.refusing
            window.refusing = True
            return RateDecision(window.hits[0] + self.window_s - now, first)
        window.hits.append(now)
        window.refusing = False
        return None

    def _evict(self) -> None:
        while len(self._clients) > self.max_clients:
            self._clients.popitem(last=False)
