"""The positions table's columns: what each shows, how wide, and which fit the terminal.

Strategy, symbol, side, qty, average, last and open P&L always show; trade drawdown, run-up,
time in trade and the feed column follow, in that order, as the width allows. The strategy
column takes what its names need up to a cap. Widths only grow while tmtui runs, so figures
never jump left and right as prices change.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property

from rich.console import JustifyMethod

CELL_PADDING = 1
"""DataTable's padding on each side of a cell."""
STRATEGY_CAP = 25
"""The strategy column never takes more; longer names end in `…`."""
STRATEGY_MIN = 6
"""Below this the required columns win: the table is narrower than any trader's terminal."""


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    label: str
    justify: JustifyMethod
    min_width: int
    optional: bool = False


COLUMNS: tuple[Column, ...] = (
    Column("strategy", "Strategy", "left", 8),
    Column("symbol", "Symbol", "left", 6),
    Column("side", "Side", "left", 5),
    Column("qty", "Qty", "right", 3),
    Column("avg", "Avg price", "right", 9),
    Column("last", "Last", "right", 9),
    Column("open_pnl", "Open P&L", "right", 10),
    Column("trade_dd", "Trade DD", "right", 10, optional=True),
    Column("runup", "Run-up", "right", 10, optional=True),
    Column("in_trade", "In trade", "right", 8, optional=True),
    Column("stale", "Feed", "left", 7, optional=True),
)
BY_KEY = {c.key: c for c in COLUMNS}


@dataclass(frozen=True)
class Layout:
    """The columns that fit, with their content widths, in display order."""

    widths: tuple[tuple[str, int], ...]

    @cached_property
    def keys(self) -> tuple[str, ...]:
        return tuple(key for key, _ in self.widths)

    @cached_property
    def _by_key(self) -> dict[str, int]:
        return dict(self.widths)

    def width_of(self, key: str) -> int:
        return self._by_key.get(key, 0)


def content_widths(rows: Iterable[Mapping[str, str]]) -> dict[str, int]:
    """The width each column's current texts need (labels and minimums included)."""
    widths = {c.key: max(c.min_width, len(c.label)) for c in COLUMNS}
    for row in rows:
        for key, text in row.items():
            if key in widths and len(text) > widths[key]:
                widths[key] = len(text)
    return widths


def fit_columns(available: int, widths: Mapping[str, int]) -> Layout:
    """Choose the columns that fit `available` cells and the strategy column's width.

    `widths["strategy"]` is what the longest name needs; the other widths are the columns'
    own. The strategy column gets what its names need up to STRATEGY_CAP; the other required
    columns always show (the strategy column shrinks to make room); optional ones are added
    in priority order while they fit beside them.
    """
    pad = 2 * CELL_PADDING
    wanted = min(max(widths["strategy"], len("Strategy")), STRATEGY_CAP)
    chosen = [c for c in COLUMNS if not c.optional and c.key != "strategy"]
    used = wanted + pad + sum(widths[c.key] + pad for c in chosen)
    for column in (c for c in COLUMNS if c.optional):
        need = widths[column.key] + pad
        if used + need > available:
            break
        chosen.append(column)
        used += need
    strategy = max(min(wanted, wanted + available - used), STRATEGY_MIN)
    keys = {c.key for c in chosen}
    return Layout(
        tuple(
            (c.key, strategy if c.key == "strategy" else widths[c.key])
            for c in COLUMNS
            if c.key == "strategy" or c.key in keys
        )
    )
