"""Where an open position's orders go, for `tmtui positions`: its route and the contract month.

A Tradovate route trades a month (`NQZ6`: its `symbols`, else the front month of today's
trading day); a bridge maps the continuous contract itself and paper sends nothing, so
their `contract` is null.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from tmtui.core.views import PositionView
from tmtui.services.book_restore import make_calendar
from tmtui.settings.config import Config

Contracts = Callable[[PositionView], str | None]


def contracts_of(cfg: Config) -> Contracts:
    """The contract month each position's Tradovate route trades today, or None."""
    today = make_calendar(cfg).day_of(datetime.now(UTC))
    return lambda v: cfg.routing.contract_for(v.strategy, v.symbol, today)


def route_fields(cfg: Config, v: PositionView, contract: Contracts) -> dict[str, Any]:
    """`route` (`paper`: books only) and `contract`, added to a position's JSON."""
    return {"route": cfg.routing.route_name_for(v.strategy), "contract": contract(v)}
