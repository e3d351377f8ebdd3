"""A `kind = "tradovate"` route's own settings, and what its orders are at Tradovate.

Unlike a bridge, a Tradovate route speaks to the broker itself: it logs in (username,
password, app id and version, cid, sec), finds its account by name, and sends market orders
in a contract month (`NQZ6`), not a continuous contract. What each tmtui order becomes:

* buy / sell: `action` Buy / Sell of `qty`;
* exit (a close, or the first half of a reversal): the opposite of what the strategy holds at
  the broker by its own accepted (filled) orders, `held_before`, never the books' quantity
  (an entry the broker rejected is not there) nor the account's whole position (other
  strategies and the trader's own hand may share it);
* the exit of a flatten of everything (`F`): `order/liquidateposition` of the contract, so
  the account ends flat there.

Pure: the service (`tmtui.services.tradovate_link`) does the talking.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Final

from tmtui.core.broker.contract_months import route_contract, split_contract_code
from tmtui.core.broker.fills import Side
from tmtui.core.orders.intents import Effect, OrderAction, OrderIntent, Reason

BASE_URLS: Final = {
    "demo": "https://demo.tradovateapi.com/v1",
    "live": "https://live.tradovateapi.com/v1",
}
"""The documented base URLs of each `env` (partner.tradovate.com)."""
ENVS: Final = tuple(BASE_URLS)
DEFAULT_POLL: Final = 2.0


@dataclass(frozen=True, slots=True)
class TradovateSpec:
    """A Tradovate route's table as resolved (secrets from `*_env` too). `url` overrides the
    documented base URL of `env` (a proxy, tests); `symbols` names a root's contract month."""

    env: str
    username: str
    password: str = field(repr=False)
    app_id: str
    app_version: str
    cid: int
    sec: str = field(repr=False)
    account: str
    url: str = ""
    symbols: Mapping[str, str] = field(default_factory=dict)
    poll: float = DEFAULT_POLL

    @property
    def secrets(self) -> tuple[str, ...]:
        """The password and `sec` (the token never leaves the session)."""
        return tuple(s for s in (self.password, self.sec) if s)

    def contract(self, root: str, on: date) -> str:
        """The contract month this route trades for `root` on the trading day `on`:
        `symbols` wins, else the front month (raises `UnknownContract` for a root without a
        listing cycle)."""
        return route_contract(root, on, self.symbols)


@dataclass(frozen=True, slots=True)
class TradovateOrder:
    """One order as Tradovate is asked: a market order, or the contract's liquidation."""

    symbol: str
    side: Side | None
    qty: int
    liquidate: bool = False


def is_contract_of(symbol: str, root: str) -> bool:
    """Is `symbol` a contract month of `root` (`NQZ6` of NQ), rather than a continuous ticker?"""
    code = split_contract_code(symbol)
    return code is not None and code.root.upper() == root.upper()


def tradovate_order(intent: OrderIntent, contract: str) -> TradovateOrder:
    """What the intent is at Tradovate, in `contract` (see the module docstring)."""
    if intent.action is OrderAction.EXIT:
        if intent.reason is Reason.FLATTEN_ALL:
            return TradovateOrder(contract, None, abs(intent.held_before), liquidate=True)
        side = Side.SELL if intent.held_before > 0 else Side.BUY
        return TradovateOrder(contract, side, abs(intent.held_before))
    side = Side.BUY if intent.action is OrderAction.BUY else Side.SELL
    qty = intent.qty
    if intent.effect is Effect.REVERSE:  # not planned for Tradovate; netted if it ever is
        qty = abs(intent.held_before) + intent.qty
    return TradovateOrder(contract, side, qty)
