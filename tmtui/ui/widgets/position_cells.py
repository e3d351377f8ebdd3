"""What each cell of a position row says, and in which style: text only, no widgets.

A cell is a `(text, style)` pair, cheap to build and to compare, so a quote that changes
one figure costs a tuple comparison per cell and a redraw of one line.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from tmtui.core.contracts import ContractBook
from tmtui.core.formatting import duration_text, price_text, signed_money
from tmtui.core.views import MarkState, PositionView
from tmtui.ui.widgets.figure_style import WARN, pnl_style

Cell = tuple[str, str]
"""(text, Rich style)."""
OFF_SUFFIX = " (off)"
SIDE_STYLES = {"long": "bold #5fafff", "short": "bold #ff875f"}
DRIFT_STYLE = "bold #d7afff"
"""The symbol of a position whose strategy reports another size (`NQ ≠2`)."""


@dataclass(slots=True)
class RowContext:
    """What a row needs besides its position: the time, switches, delays, tick sizes."""

    now: datetime
    contracts: ContractBook
    strategies: Mapping[str, bool] = field(default_factory=dict)
    names: Mapping[str, str] = field(default_factory=dict)
    """Strategy names as the strategy column shows them (cut to its width)."""

    def tick(self, root: str) -> Decimal | None:
        spec = self.contracts.specs.get(root)
        return spec.tick_size if spec else None

    def enabled(self, strategy: str) -> bool:
        return self.strategies.get(strategy, True)


def money_cell(value: Decimal | None, bold: bool = False) -> Cell:
    style = pnl_style(value) if value is not None else "dim"
    return signed_money(value), (f"bold {style}" if bold and style != "dim" else style)


def feed_cell(p: PositionView) -> Cell:
    """`live`, `delayed`, `STALE` (no fresh quote) or `waiting` (never quoted yet)."""
    match p.mark_state:
        case MarkState.NONE:
            return "waiting", f"bold {WARN}"
        case MarkState.STALE:
            return "STALE", f"bold {WARN}"
        case MarkState.DELAYED:
            return "delayed", f"bold {WARN}"
    return "live", "dim"


def position_cells(p: PositionView, ctx: RowContext, keys: Iterable[str]) -> dict[str, Cell]:
    """The cells of one row for the given columns (the money comes computed in the view)."""
    tick = ctx.tick(p.symbol)
    return {key: _cell(key, p, ctx, tick) for key in keys}


def _cell(key: str, p: PositionView, ctx: RowContext, tick: Decimal | None) -> Cell:
    match key:
        case "strategy":
            name = ctx.names.get(p.strategy, p.strategy)
            return (name, "") if ctx.enabled(p.strategy) else (f"{name}{OFF_SUFFIX}", WARN)
        case "symbol":
            return _symbol(p)
        case "side":
            return p.side, SIDE_STYLES.get(p.side, "")
        case "qty":
            return str(p.qty), ""
        case "avg":
            return price_text(p.avg_price, tick), ""
        case "last":
            doubtful = p.mark_state in (MarkState.STALE, MarkState.DELAYED)
            return price_text(p.last_price, tick), WARN if doubtful else ""
        case "open_pnl":
            return money_cell(p.open_pnl, bold=True)
        case "trade_dd":
            return money_cell(p.trade_drawdown)
        case "runup":
            return money_cell(p.trade_runup)
        case "in_trade":
            return duration_text(ctx.now - p.opened_at), ""
        case "stale":
            return feed_cell(p)
    raise KeyError(key)


def _symbol(p: PositionView) -> Cell:
    """`NQ`; `NQ ≠2` when its strategy's alert meant another size; `NQ →tp` when its orders
    go to a bridge, `NQ →tp≠0` when the bridge holds something else than the books, `NQ →tv
    broker +3` when the Tradovate account's net differs from the routed strategies' books."""
    text, style = p.symbol, "bold"
    if p.drift is not None:  # the strategy's last alert meant another size
        text, style = f"{p.symbol} ≠{p.drift.reported}", DRIFT_STYLE
    if p.bridge is not None:
        text += f" →{p.bridge.route}"
        if p.bridge_drift:
            text, style = f"{text}≠{p.bridge.held}", DRIFT_STYLE
        if p.bridge.broker is not None:  # the Tradovate account holds another net
            text, style = f"{text} broker {p.bridge.broker:+d}", DRIFT_STYLE
    return text, style
