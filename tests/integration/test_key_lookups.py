"""Resend checks of alerts arriving together share one read (`tmtui.ledger.key_lookups`),
and answer exactly as one read per key would, against a real ledger too."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

import pytest

from tmtui.core.models import LedgerUnavailable
from tmtui.ledger.key_lookups import KeyLookups
from tmtui.ledger.store import Ledger


class FakeReads:
    """Recorded keys in memory; every read is logged, and the first may be held."""

    def __init__(self, recorded: dict[str, int]) -> None:
        self.recorded = recorded
        self.reads: list[list[str]] = []
        self.gate = asyncio.Event()
        self.gate.set()
        self.fail: Exception | None = None

    async def __call__(self, keys: Sequence[str]) -> dict[str, int]:
        self.reads.append(list(keys))
        await self.gate.wait()
        if self.fail is not None:
            raise self.fail
        return {k: self.recorded[k] for k in keys if k in self.recorded}


async def test_keys_asked_while_a_read_is_out_go_together_in_the_next() -> None:
    reads = FakeReads({"a": 1, "c": 3})
    lookups = KeyLookups(reads)
    reads.gate.clear()
    first = asyncio.ensure_future(lookups.find("a"))
    await asyncio.sleep(0)  # the first read is out, held
    await asyncio.sleep(0)
    rest = [asyncio.ensure_future(lookups.find(k)) for k in ("b", "c", "a", "d")]
    await asyncio.sleep(0)
    reads.gate.set()
    assert await first == 1
    assert [await f for f in rest] == [None, 3, 1, None]
    assert reads.reads == [["a"], ["b", "c", "a", "d"]]


async def test_a_failed_read_fails_every_lookup_it_carried_and_the_next_read_works() -> None:
    reads = FakeReads({"a": 1})
    lookups = KeyLookups(reads)
    reads.fail = LedgerUnavailable("not recorded: the ledger cannot be read: disk I/O error")
    results = await asyncio.gather(*(lookups.find(k) for k in "ab"), return_exceptions=True)
    assert all(isinstance(r, LedgerUnavailable) for r in results)
    reads.fail = None
    assert await lookups.find("a") == 1


@pytest.mark.parametrize("count", [1, 30])
async def test_against_a_ledger_unknown_keys_are_none(tmp_path: Path, count: int) -> None:
    ledger = await Ledger.open(tmp_path / "ledger.db")
    try:
        keys = [f"key-{n}" for n in range(count)]
        found = await asyncio.gather(*(ledger.find_by_idem_key(k) for k in keys))
        assert found == [None] * count
        assert await ledger.keys_recorded(keys) == {}
    finally:
        await ledger.close()
