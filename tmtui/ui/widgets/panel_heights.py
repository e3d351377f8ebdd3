"""How the trading screen shares its height: positions by need, charts and log the rest.

The positions panel grows with the number of open positions (never under four rows, so
the first position to open does not shake the screen); the charts and the AutoTrader log
share what is left, the charts capped so a tall terminal gives the log the room.
Pure arithmetic, so it is tested without a terminal.
"""

from __future__ import annotations

from dataclasses import dataclass

MIN_POSITION_ROWS = 4
TABLE_CHROME = 3
"""The positions panel's border (2) and header row (1)."""
CHARTS_MIN, CHARTS_MAX = 5, 16
"""A chart panel: border (2), legend (1), at least 2 rows of curve."""
LOG_MIN = 4
CHARTS_SHARE = 0.45


@dataclass(frozen=True, slots=True)
class PanelHeights:
    positions: int
    charts: int
    log: int


def plan_heights(available: int, open_positions: int) -> PanelHeights:
    """Heights of the three panels in the `available` rows between header and status."""
    wanted = TABLE_CHROME + max(open_positions, MIN_POSITION_ROWS)
    positions = max(min(wanted, available - CHARTS_MIN - LOG_MIN), TABLE_CHROME + 1)
    rest = max(available - positions, 0)
    charts = min(max(round(rest * CHARTS_SHARE), CHARTS_MIN), CHARTS_MAX)
    charts = min(charts, max(rest - LOG_MIN, 0))
    return PanelHeights(positions, charts, max(rest - charts, 0))
