"""Routes: where each strategy's orders go (a bridge, or nowhere: paper), as plain data.

Parsed from `[routing]` and `[routes.NAME]` by `tmtui.settings.routes`; read by the
planner, the request builders and the sender. A route's secrets (the secret parts of its
URL, its token or key) are listed here so every message about it can be redacted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any, Final
from urllib.parse import parse_qsl, urlsplit

from tmtui.core.models import UnknownContract
from tmtui.core.orders.tradovate_route import TradovateSpec

PAPER: Final = "paper"
"""The route name meaning books only: nothing is sent."""


class RouteKind(StrEnum):
    TRADERSPOST = "traderspost"
    PICKMYTRADE = "pickmytrade"
    CROSSTRADE = "crosstrade"
    WEBHOOK = "webhook"
    TRADOVATE = "tradovate"
    """The broker's own API: a `Route` whose `tradovate` holds its login and account."""

    @property
    def label(self) -> str:
        """The bridge's own name, for dialogs: `→ TradersPost (tp)`."""
        return _LABELS[self]


_LABELS: Final = {
    RouteKind.TRADERSPOST: "TradersPost",
    RouteKind.PICKMYTRADE: "PickMyTrade",
    RouteKind.CROSSTRADE: "CrossTrade",
    RouteKind.WEBHOOK: "webhook",
    RouteKind.TRADOVATE: "Tradovate",
}

ONE_ORDER_REVERSAL: Final = frozenset({RouteKind.PICKMYTRADE, RouteKind.CROSSTRADE})
"""Bridges whose docs give a reversal as one order: PickMyTrade's `reverse_order_close`
closes the other side before the new entry; CrossTrade's `flatten_first=true` sends
CLOSEPOSITION before the PLACE. TradersPost and a generic webhook get an exit, then the
entry (TradersPost treats a smaller opposite `quantity` as a partial exit, and its side swap
depends on subscription settings tmtui cannot see)."""


@dataclass(frozen=True, slots=True)
class Route:
    """One bridge route. Secrets are resolved (from `*_env` too); empty when not used."""

    name: str
    kind: RouteKind
    url: str
    token: str = ""
    account_id: str = ""
    key: str = ""
    account: str = ""
    template: str = ""
    timeout: float = 10.0
    """Seconds to wait for the bridge's reply before the order's fate is unknown."""
    give_up_after: float = 120.0
    """Seconds to keep retrying a bridge that cannot be reached."""
    tradovate: TradovateSpec | None = None
    """A Tradovate route's login, account, contract months and poll (None for a bridge)."""

    @property
    def one_order_reversal(self) -> bool:
        return self.kind in ONE_ORDER_REVERSAL

    @property
    def secrets(self) -> tuple[str, ...]:
        """Every secret string of this route, longest first, for redaction."""
        found = {*url_secrets(self.url, self.kind), self.token, self.key}
        if self.tradovate is not None:
            found.update(self.tradovate.secrets)
        return tuple(sorted((s for s in found if s), key=len, reverse=True))

    @property
    def shown_url(self) -> str:
        """The URL with its secret parts masked, safe to print."""
        shown = self.url
        for secret in url_secrets(self.url, self.kind):
            shown = shown.replace(secret, "***")
        return shown

    @property
    def destination(self) -> str:
        """Where an order goes, as dialogs say it: `→ TradersPost (tp)`."""
        return f"→ {self.kind.label} ({self.name})"


@dataclass(frozen=True, slots=True)
class ReservedRoute:
    """A route of a kind parsed elsewhere (Tradovate): its table as written, `kind` removed."""

    name: str
    kind: RouteKind
    table: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Routing:
    """Which route each strategy uses; `default` for every strategy not named."""

    default: str = PAPER
    strategies: Mapping[str, str] = field(default_factory=dict)
    routes: Mapping[str, Route] = field(default_factory=dict)
    reserved: Mapping[str, ReservedRoute] = field(default_factory=dict)

    def route_name_for(self, strategy: str) -> str:
        """The route name of a strategy: `paper` when its orders stay in the books."""
        return self.strategies.get(strategy, self.default)

    def route_for(self, strategy: str) -> Route | None:
        """The bridge route of a strategy, or None on paper (or a reserved kind)."""
        return self.routes.get(self.route_name_for(strategy))

    def contract_for(self, strategy: str, root: str, day: date) -> str | None:
        """The contract month a strategy's Tradovate route trades for `root` on `day`
        (`NQZ6`); None on paper, at a bridge (it maps the continuous contract itself), or
        for a root without a listing cycle."""
        route = self.route_for(strategy)
        if route is None or route.tradovate is None:
            return None
        try:
            return route.tradovate.contract(root, day)
        except UnknownContract:
            return None

    def destination_for(self, strategy: str) -> str:
        """What a close/flatten/order dialog says: `→ TradersPost (tp)` or `books only (paper)`."""
        name = self.route_name_for(strategy)
        if name in self.routes:
            return self.routes[name].destination
        if name in self.reserved:
            return f"→ {self.reserved[name].kind.label} ({name})"
        return f"books only ({PAPER})"


def url_secrets(url: str, kind: RouteKind) -> tuple[str, ...]:
    """The secret parts of a route URL.

    TradersPost `/trading/webhook/{uuid}/{password}` and CrossTrade `/v1/send/{id}/{secret}`
    authenticate by their last two path parts; any URL's password and query values are
    secrets too (a generic receiver's `?token=`). PickMyTrade's URL holds none (its token is
    in the body).
    """
    parts = urlsplit(url)
    found = [parts.password or ""]
    found += [value for _name, value in parse_qsl(parts.query, keep_blank_values=False)]
    segments = [s for s in parts.path.split("/") if s]
    if kind in (RouteKind.TRADERSPOST, RouteKind.CROSSTRADE):
        found += segments[-2:]
    return tuple(s for s in found if s)
