"""The engine's bus: components subscribe to typed messages instead of taking callbacks.

Publishing is synchronous and in subscription order, inside the event loop: a message is
handled by everyone before `publish` returns, so the state each handler sees is the state
the publisher left. A failing handler is logged and the others still run: a broken view or
counter must never stop the books.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any, TypeVar

log = logging.getLogger("tmtui.engine")

M = TypeVar("M")


class Bus:
    """Typed publish/subscribe within one event loop."""

    def __init__(self) -> None:
        self._handlers: defaultdict[type[Any], list[Callable[[Any], None]]] = defaultdict(list)

    def subscribe(self, kind: type[M], handler: Callable[[M], None]) -> None:
        """`handler` gets every message of exactly type `kind`, after earlier subscribers."""
        self._handlers[kind].append(handler)

    def publish(self, message: object) -> None:
        for handler in list(self._handlers.get(type(message), ())):
            try:
                handler(message)
            except Exception:
                log.exception("a subscriber to %s failed", type(message).__name__)
