"""Fixtures of the screen's tests: the desk engine, stopped after the test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from ui_harness import desk_engine

from tmtui.runtime.engine import Engine


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[Engine]:
    """The desk engine (listener on loopback, replay feed); a module may define its own."""
    engine = await desk_engine(tmp_path)
    yield engine
    await engine.stop()
