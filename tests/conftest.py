"""Test-wide setup: helpers on the path, and no hang at exit after a failed test.

A test that fails before it stops its engine leaves aiosqlite's worker thread (not a daemon)
alive, and the interpreter would wait for it forever after the summary: CI would then sit
until its time limit instead of going red at once. At the very end, such a leftover is
reported and the process exits with pytest's own status.
"""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

_status: list[int] = []


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    _status.append(int(exitstatus))


def pytest_unconfigure(config: pytest.Config) -> None:
    leftovers = [
        t.name
        for t in threading.enumerate()
        if t is not threading.main_thread() and not t.daemon and t.is_alive()
    ]
    if leftovers and _status:
        sys.stderr.write(f"\nthreads left running after the tests: {', '.join(leftovers)}\n")
        sys.stderr.flush()
        sys.stdout.flush()
        os._exit(_status[-1])
