"""The positions table's columns: what each shows, how wide, and which fit the terminal.

Strategy, symbol, side, qty, average, last and open P&L always show; trade drawdown, run-up,
time in trade and the feed column follow, in that order, as the width allows. The strategy
column takes what its names need up to a cap. Widths only grow while tmtui runs, so figures
never jump left and right as prices change. A figure is never cut: on a terminal too narrow
even for those (60 columns), last, then average, then side are left out whole instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property

from rich.console import JustifyMethod

from tmtui.core.formatting import shorten_names
from tmtui.core.views import PositionView
from tmtui.ui.widgets.position_cells import OFF_SUFFIX, RowContext, position_cells

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
NARROW_DROPS = ("last", "avg", "side")
"""Required columns left out, in this order, when even they do not fit beside the strategy
column at its least: open P&L, qty and symbol stay (a cut `+105` for +105.00 misleads)."""


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
    for key in NARROW_DROPS:
        if used - wanted + STRATEGY_MIN <= available:
            break
        chosen.remove(BY_KEY[key])
        used -= widths[key] + pad
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


class ColumnFitter:
    """The table's columns for its width and the figures it shows now.

    Remembers the widest each numeric column has been, so widths only grow while tmtui
    runs: a figure that gains a digit widens its column once, and columns do not jump left
    and right as prices move back and forth.
    """

    def __init__(self) -> None:
        self._grown: dict[str, int] = {}

    def fit(
        self, views: Iterable[PositionView], context: RowContext, available: int
    ) -> tuple[Layout, dict[str, str]]:
        """The layout, and each strategy's name as the strategy column shows it."""
        views = list(views)
        wide = RowContext(context.now, context.contracts, context.strategies)
        texts = [
            {k: text for k, (text, _) in position_cells(p, wide, BY_KEY).items()} for p in views
        ]
        widths = content_widths(texts)
        for key, width in widths.items():
            if key != "strategy":
                widths[key] = self._grown[key] = max(width, self._grown.get(key, 0))
        widths["strategy"] = max((len(t["strategy"]) for t in texts), default=0)
        layout = fit_columns(available, widths)
        return layout, _names(views, context, layout.width_of("strategy"))


def _names(views: list[PositionView], context: RowContext, width: int) -> dict[str, str]:
    """Strategy names cut to the column (room left for ` (off)` where it shows)."""
    strategies = {p.strategy for p in views}
    on = [s for s in strategies if context.enabled(s)]
    off = [s for s in strategies if not context.enabled(s)]
    return {**shorten_names(on, width), **shorten_names(off, width - len(OFF_SUFFIX))}
