"""Resend checks of alerts that arrive together, answered by one read.

Every alert with a key asks the ledger whether that key was recorded before (a TradingView
resend). One read per alert is one hop to the reader thread and back each; in a burst the
hops, not the lookups, are the cost. So one read is in flight at a time and the keys asked
for meanwhile wait and go together in the next one, as group commit does for writes: a
lone alert is read at once, twenty arriving together share a few reads.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Final

BATCH_KEYS: Final = 500
"""Keys per read (well under SQLite's limit of bound parameters)."""

ReadKeys = Callable[[Sequence[str]], Awaitable[dict[str, int]]]
"""The signal ids the given keys were recorded as (absent keys: not recorded)."""


class KeyLookups:
    """`find(key)`: the signal a key was recorded as, or None, read together with the keys
    asked for at the same time. A failed read fails every lookup it carried."""

    def __init__(self, read: ReadKeys) -> None:
        self._read = read
        self._waiting: dict[str, list[asyncio.Future[int | None]]] = {}
        self._reading: asyncio.Task[None] | None = None

    async def find(self, key: str) -> int | None:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[int | None] = loop.create_future()
        self._waiting.setdefault(key, []).append(future)
        if self._reading is None:
            self._reading = loop.create_task(self._read_all(), name="tmtui-key-lookups")
        return await future

    async def _read_all(self) -> None:
        try:
            while self._waiting:
                keys = list(self._waiting)[:BATCH_KEYS]
                batch = {key: self._waiting.pop(key) for key in keys}
                try:
                    found = await self._read(keys)
                except asyncio.CancelledError:
                    _settle(batch, None, cancel=True)
                    raise
                except Exception as exc:
                    _settle(batch, exc)
                else:
                    for key, futures in batch.items():
                        for future in futures:
                            if not future.done():
                                future.set_result(found.get(key))
        finally:
            self._reading = None
            if self._waiting:  # cancelled while keys waited: they are not answered
                _settle(self._waiting, None, cancel=True)
                self._waiting = {}


def _settle(
    batch: dict[str, list[asyncio.Future[int | None]]],
    error: BaseException | None,
    *,
    cancel: bool = False,
) -> None:
    for futures in batch.values():
        for future in futures:
            if future.done():
                continue
            if cancel or error is None:
                future.cancel()
            else:
                future.set_exception(error)
