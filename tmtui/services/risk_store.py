"""The risk guard's memory and money from the ledger, for `tmtui run` and `tmtui risk`.

The stored state (highs, best prices, lockouts, drift) is one small row; the realized
figures come from the day rollups: today's per strategy, and every day since the trailing
drawdown's `since` for the balance (a few rows per trading day, never the fills).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from tmtui.core.book.book import PositionKey
from tmtui.core.book.drift import Drift
from tmtui.core.risk.risk_state import RiskState
from tmtui.ledger.store import Ledger
from tmtui.settings.config import Config

log = logging.getLogger("tmtui.risk")

ZERO = Decimal(0)


@dataclass(slots=True)
class RiskFigures:
    """What the rules remember, and the day's realized money they measure against."""

    state: RiskState
    day: date
    realized_today: dict[str, Decimal] = field(default_factory=dict)
    realized_balance: Decimal | None = None

    def add(self, strategy: str, fill_day: date, net: Decimal, since: date | None) -> None:
        """Count one fill's net realized money toward its day and the balance."""
        if fill_day == self.day:
            self.realized_today[strategy] = self.realized_today.get(strategy, ZERO) + net
        if self.realized_balance is not None and (since is None or fill_day >= since):
            self.realized_balance += net

    def roll(self, day: date) -> None:
        """A new trading day starts with nothing realized."""
        if day > self.day:
            self.day, self.realized_today = day, {}


async def load_drift(ledger: Ledger) -> dict[PositionKey, Drift]:
    """The drift guard's marks as the running tmtui last saved them (for read commands)."""
    stored = await ledger.risk_state()
    try:
        return RiskState.from_json(stored).drift if stored is not None else {}
    except (ValueError, KeyError, TypeError):
        return {}


async def load_risk(ledger: Ledger, config: Config, day: date) -> RiskFigures:
    """The stored state (a fresh one if none, or of another version) and the money."""
    stored = await ledger.risk_state()
    state = RiskState()
    if stored is not None:
        try:
            state = RiskState.from_json(stored)
        except (ValueError, KeyError, TypeError) as exc:
            log.warning(
                "ledger %s: stored risk state unreadable (%s): starting afresh", ledger.path, exc
            )
    figures = RiskFigures(state, day)
    for rollup in await ledger.rollups(day.isoformat(), day.isoformat()):
        figures.realized_today[rollup.strategy] = (
            figures.realized_today.get(rollup.strategy, ZERO) + rollup.net
        )
    td = config.risk.trailing_drawdown
    if td is not None:
        since = None if td.since is None else td.since.isoformat()
        rows = await ledger.rollups(since)
        figures.realized_balance = td.starting_balance + sum((r.net for r in rows), ZERO)
    return figures
