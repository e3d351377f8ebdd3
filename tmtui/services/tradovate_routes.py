"""The engine's Tradovate routes: one link (orders) and one poller (fills, drift) per route.

Made by the order router when the config has a `kind = "tradovate"` route; the sender gets
the links as its direct lanes, and the router starts and stops the pollers with it. `F`
liquidates every contract each account holds (`liquidate_all`), so the accounts end flat.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Mapping
from datetime import date, datetime
from functools import partial

from tmtui.core.book.book import PositionKey
from tmtui.core.orders.routing import Routing
from tmtui.ledger.store import Ledger
from tmtui.services.tradovate_client import TradovateClient
from tmtui.services.tradovate_link import TradovateLink
from tmtui.services.tradovate_poller import Say, TradovatePoller

BooksNets = Callable[[], Mapping[PositionKey, int]]
"""The books' signed quantity per (strategy, root)."""


class TradovateRoutes:
    """Links and pollers of every Tradovate route, by route name."""

    def __init__(
        self,
        routing: Routing,
        ledger: Ledger,
        *,
        day_of: Callable[[datetime], date],
        books: BooksNets,
        busy: Callable[[], bool],
        say: Say,
        clock: Callable[[], datetime],
        clients: Mapping[str, TradovateClient] | None = None,
    ) -> None:
        self.routing = routing
        self.books = books
        self.links = {
            name: TradovateLink(route, day_of=day_of, client=(clients or {}).get(name))
            for name, route in routing.routes.items()
            if route.tradovate is not None
        }
        self.pollers = {
            name: TradovatePoller(
                link,
                ledger,
                books=partial(self.books_of, name),
                busy=busy,
                say=say,
                clock=clock,
            )
            for name, link in self.links.items()
        }
        self._tasks: list[asyncio.Task[None]] = []

    def __bool__(self) -> bool:
        return bool(self.links)

    def books_of(self, route: str) -> dict[str, int]:
        """The books' net per root of the strategies routed to `route`."""
        nets: dict[str, int] = {}
        for (strategy, root), qty in self.books().items():
            if self.routing.route_name_for(strategy) == route:
                nets[root.upper()] = nets.get(root.upper(), 0) + qty
        return nets

    def start(self) -> None:
        """Start polling every route (each at its own `poll`)."""
        for name, poller in self.pollers.items():
            self._tasks.append(asyncio.create_task(poller.run(), name=f"tradovate poll {name}"))

    async def stop_polling(self) -> None:
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def close(self) -> None:
        """After the sender stopped: log out of nothing (tokens just lapse), close clients."""
        await self.stop_polling()
        for link in self.links.values():
            with contextlib.suppress(Exception):
                await link.aclose()

    async def liquidate_all(self) -> list[str]:
        """`F`: every Tradovate account liquidated, one line per contract (or failure)."""
        lines: list[str] = []
        for link in self.links.values():
            lines += await link.liquidate_all()
        return lines

    def broker_qty(self, route: str, root: str) -> int | None:
        """The account's net in `root` when it differs from the books (None: no drift)."""
        poller = self.pollers.get(route)
        drift = poller.drift.get(root.upper()) if poller is not None else None
        return None if drift is None else drift.broker
