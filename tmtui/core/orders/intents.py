"""What tmtui asks a bridge to do: one order, in tmtui's words, before any bridge's shape.

An `OrderIntent` says which way (`action`), how many (`qty`) and what the order does to what
the strategy holds at the bridge (`effect`, from `held_before`). The effect is kept because
the bridges do not all speak in netting orders: TradersPost rejects a `buy` while long (an
add is `action: add`), CrossTrade closes with a command of its own, and a reversal is one
order at some bridges and two at others. Each bridge's request builder picks its own words
from the effect.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum


class OrderAction(StrEnum):
    """The order's direction as every bridge's docs name it: buy, sell, or exit (close all)."""

    BUY = "buy"
    SELL = "sell"
    EXIT = "exit"

    @property
    def sign(self) -> int:
        """+1 for a buy, -1 for a sell, 0 for an exit (its direction is the held side's)."""
        return {OrderAction.BUY: 1, OrderAction.SELL: -1}.get(self, 0)


class Effect(StrEnum):
    """What the order does to what the strategy holds at the bridge."""

    OPEN = "open"
    """From flat: `qty` contracts on the side of `action`."""
    ADD = "add"
    """`qty` more on the side already held."""
    REDUCE = "reduce"
    """`qty` fewer of what is held (a partial exit): never more than held."""
    CLOSE = "close"
    """Everything held (`qty` says how much that is): the bridge's exit."""
    REVERSE = "reverse"
    """Everything held closed, then `qty` on the other side, as one order of the bridge."""


class Reason(StrEnum):
    """Why tmtui sends the order: the trader sees it next to the order."""

    SIGNAL = "signal"
    CLOSE = "close"
    FLATTEN = "flatten"
    FLATTEN_ALL = "flatten_all"
    """`F`: everything flattened (a Tradovate route liquidates the account's contracts)."""
    MANUAL = "manual"
    RISK = "risk"


@dataclass(frozen=True, slots=True)
class OrderIntent:
    """One order for one strategy's position in one contract root, bridge-neutral.

    `root` is the contract root (`MNQ`); `ticker` the alert's ticker as recorded
    (`CME_MINI:MNQ1!`), from which `symbol` takes what a bridge is sent. `held_before` is the
    signed qty the strategy holds at the bridge when the order goes out (by its accepted
    and still pending orders). `price` is the signal's price, None when unknown (it is sent
    as a slippage reference only, never as a limit).
    """

    strategy: str
    root: str
    ticker: str
    action: OrderAction
    qty: int
    effect: Effect
    held_before: int
    reason: Reason
    signal_id: int | None = None
    price: Decimal | None = None

    def __post_init__(self) -> None:
        problem = _inconsistency(self)
        if problem:
            raise ValueError(f"inconsistent order intent: {problem}")

    @property
    def held_after(self) -> int:
        """The signed qty the strategy holds at the bridge once the order is filled."""
        if self.effect is Effect.CLOSE:
            return 0
        if self.effect in (Effect.OPEN, Effect.REVERSE):
            return self.action.sign * self.qty
        return self.held_before + self.action.sign * self.qty

    @property
    def symbol(self) -> str:
        """The ticker a bridge is sent: the alert's, without TradingView's exchange prefix.

        Without a ticker (a manual order on a position opened elsewhere) the root's
        continuous contract (`MNQ1!`), which TradersPost, PickMyTrade and CrossTrade all map
        to the front month by their own roll schedule.
        """
        bare = self.ticker.rsplit(":", 1)[-1].strip()
        return bare or f"{self.root}1!"


def _inconsistency(intent: OrderIntent) -> str:
    """Why the fields contradict each other, or '' when they agree."""
    held, qty, side = intent.held_before, intent.qty, intent.action.sign
    if qty < 1:
        return f"qty must be >= 1, got {qty}"
    if intent.effect is Effect.CLOSE:
        ok = intent.action is OrderAction.EXIT and held != 0 and qty == abs(held)
        return "" if ok else "a close is an exit of everything held"
    if side == 0:
        return f"{intent.effect} needs buy or sell"
    expected = {
        Effect.OPEN: held == 0,
        Effect.ADD: held * side > 0,
        Effect.REDUCE: held * side < 0 and qty < abs(held),
        Effect.REVERSE: held * side < 0,
    }
    return "" if expected[intent.effect] else f"{intent.effect} does not fit holding {held}"
