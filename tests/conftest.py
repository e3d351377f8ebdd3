"""Test-wide setup: the harness on the path, a marker per kind, time per kind, no hang at exit.

The kind of a test is its folder (tests/unit, integration, ui, e2e) and becomes its marker, so
`pytest -m unit` runs the fast ones and the summary says where the time goes.

A test that fails before it stops its engine leaves aiosqlite's worker thread (not a daemon)
alive, and the interpreter would wait for it forever after the summary: CI would then sit
until its time limit instead of going red at once. At the very end, such a leftover is
reported and the process exits with pytest's own status.
"""

from __future__ import annotations

import os
import sys
import threading
from collections import defaultdict
from pathlib import Path

import pytest

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

KINDS = ("unit", "integration", "ui", "e2e")
"""The folders under tests/, each a marker registered in pyproject.toml."""

_status: list[int] = []
_kind_of: dict[str, str] = {}
_seconds: defaultdict[str, float] = defaultdict(float)
_counts: defaultdict[str, int] = defaultdict(int)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test with the kind its folder names."""
    for item in items:
        parts = item.path.relative_to(HERE).parts if item.path.is_relative_to(HERE) else ()
        kind = parts[0] if len(parts) > 1 and parts[0] in KINDS else None
        if kind is not None:
            item.add_marker(getattr(pytest.mark, kind))
            _kind_of[item.nodeid] = kind


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Add up each test's setup, call and teardown time under its kind."""
    kind = _kind_of.get(report.nodeid)
    if kind is None:
        return
    _seconds[kind] += report.duration
    if report.when == "call" or (report.when == "setup" and report.skipped):
        _counts[kind] += 1


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """One line per kind: how many tests ran and how long they took in all."""
    if not _counts:
        return
    terminalreporter.section("time per kind")
    for kind in KINDS:
        if _counts[kind]:
            terminalreporter.write_line(
                f"{kind:<12} {_counts[kind]:>5} tests  {_seconds[kind]:>8.1f} s"
            )


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
