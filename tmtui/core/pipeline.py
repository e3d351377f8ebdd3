"""What the intake publishes once the ledger has spoken: one typed message per outcome.

After a commit, the risk guard, the sampler, the feed's symbols, the change log, the log
and (soon) the order router each react to the same `Recorded` message, subscribed on the
engine's bus, instead of callbacks threaded through the intake's constructor. The order
of subscription is the order of reaction: drift and log lines first, then what follows an
applied plan, so what a reader sees follows what happened.
"""

from __future__ import annotations

from dataclasses import dataclass

from tmtui.core.alerts.intake import Decision
from tmtui.core.book.book import PositionKey
from tmtui.core.events import Event
from tmtui.core.models import IncomingAlert, LedgerUnavailable


@dataclass(frozen=True, slots=True)
class Recorded:
    """A signal and everything it caused are committed (whoever still waits for the reply).

    `decision.plan` is the applied plan (None for an ignored, rejected or duplicate
    signal), `decision.events` its log lines (already in the ledger), `decision.drift`
    what it did to its position's drift mark.
    """

    decision: Decision


@dataclass(frozen=True, slots=True)
class TookBack:
    """Plans applied ahead of a commit the ledger then refused were undone, newest first."""

    keys: tuple[PositionKey, ...]


@dataclass(frozen=True, slots=True)
class NotRecorded:
    """An alert answered 503: nothing of it was recorded, TradingView resends it."""

    alert: IncomingAlert
    error: LedgerUnavailable


@dataclass(frozen=True, slots=True)
class Logged:
    """A log line for the screen and headless; `persist`: queue it for the ledger too
    (False when the signal's own write already holds it)."""

    event: Event
    persist: bool = True
