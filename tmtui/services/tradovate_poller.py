"""Every `poll` seconds, a Tradovate route's positions and fills: recorded, and compared.

Each poll reads the account's positions and fills (`TradovateLink.snapshot`). The fills go
to the ledger's `broker_fills` (their origin is the route; the broker's fill id keeps a
fill read twice from being recorded twice), beside the signals and never changing them. The
positions are compared with the books of the strategies routed there: a difference is live
drift (`tmtui.core.broker.live_drift`), said once in the log and shown on the rows.

While an order is on its way the two sides differ for a moment, so drift is only judged
when no order is in flight, and only when the same difference is seen on two polls in a row.
A failed read (a refused login, Tradovate unreachable) is one line, said again only when
the reason changes, and a line when reading works again; after a refused login the next
try waits `AUTH_PAUSE_S`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from datetime import datetime

from tmtui.core.broker.live_drift import LiveDrift, agree_line, drift_line, live_drifts
from tmtui.core.events import Event, EventKind
from tmtui.ledger.broker_fills import record_broker_fills
from tmtui.ledger.store import Ledger
from tmtui.services.tradovate_client import TradovateAuthError, TradovateError
from tmtui.services.tradovate_link import TradovateLink

Say = Callable[[Event], None]
AUTH_PAUSE_S = 300.0
"""After a refused login, the next try waits this long: Tradovate allows only a few logins an
hour, and a refused password does not get better by being sent every `poll`."""


class TradovatePoller:
    """One route's poll loop; `drift` is what the rows show."""

    def __init__(
        self,
        link: TradovateLink,
        ledger: Ledger,
        *,
        books: Callable[[], Mapping[str, int]],
        busy: Callable[[], bool],
        say: Say,
        clock: Callable[[], datetime],
    ) -> None:
        self.link = link
        self.ledger = ledger
        self.books = books
        self.busy = busy
        self.say = say
        self.clock = clock
        self.drift: dict[str, LiveDrift] = {}
        """Roots whose account position differs from the books, as last said."""
        self.held: dict[str, int] = {}
        """The account's nets per contract at the last good read."""
        self.polls = 0
        self.fills_recorded = 0
        self._seen: dict[str, LiveDrift] | None = None
        self._problem = ""
        self._refused = False
        self.pause: float | None = None
        """How long the loop now waits before its next poll (a refused login: AUTH_PAUSE_S,
        Tradovate allows a few logins an hour; otherwise the route's `poll`)."""

    @property
    def route(self) -> str:
        return self.link.route.name

    async def run(self) -> None:
        """Poll until cancelled; nothing a poll meets ends the loop."""
        while True:
            try:
                await self.poll_once()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a ledger fault, a bug: said, and the next poll tries
                self._failed(self.link.safe(f"{type(exc).__name__}: {exc}"))
            self.pause = AUTH_PAUSE_S if self._refused else self.link.spec.poll
            await asyncio.sleep(self.pause)

    async def poll_once(self) -> None:
        try:
            snapshot = await self.link.snapshot()
        except TradovateError as exc:
            self._refused = isinstance(exc, TradovateAuthError)
            self._failed(self.link.safe(str(exc)))
            return
        self._refused = False
        if self._problem:
            self._problem = ""
            self._line(EventKind.INFO, f"{self.route}: reading Tradovate again")
        if snapshot.fills:
            added = await record_broker_fills(self.ledger, snapshot.fills, self.route, self.clock())
            self.fills_recorded += added
        self.held = dict(snapshot.positions)
        self.polls += 1
        if not self.busy():
            books = self.books()
            self._judge(live_drifts(books, self.held), books)

    def _judge(self, found: dict[str, LiveDrift], books: Mapping[str, int]) -> None:
        """Say a drift seen twice in a row once; say when a said one is gone."""
        confirmed = self._seen is not None and found == self._seen
        self._seen = found
        if not confirmed:
            return
        for root, drift in found.items():
            if self.drift.get(root) != drift:
                self._line(EventKind.DRIFT, drift_line(self.route, drift))
        for root in self.drift:
            if root not in found:
                self._line(EventKind.DRIFT, agree_line(self.route, root, books.get(root, 0)))
        self.drift = dict(found)

    def _failed(self, reason: str) -> None:
        if reason != self._problem:
            self._problem = reason
            self._line(EventKind.ERROR, f"{self.route}: cannot read Tradovate: {reason}")

    def _line(self, kind: EventKind, message: str) -> None:
        data = {"route": self.route}
        self.say(Event(kind, message, self.clock(), data))
