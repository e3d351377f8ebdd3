"""Which positions changed since a view last looked: a version counter, not a redraw timer.

The engine bumps the version for every quote that moved a position and for every fill; a
view remembers the version it drew and asks for the positions touched since. A quiet market
bumps nothing, so a view that only redraws on a new version costs nothing while it is quiet,
and a view that is behind by a thousand quotes redraws each changed position once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

PositionKey = tuple[str, str]
ChangeWatcher = Callable[[], None]


class ChangeLog:
    """A monotonic version, the version each position last changed at, and its watchers."""

    def __init__(self) -> None:
        self.version = 0
        self.structure_version = 0
        """Bumped when a position opens, closes or changes size: a view re-lists its rows."""
        self._touched: dict[PositionKey, int] = {}
        self._watchers: list[ChangeWatcher] = []

    def watch(self, watcher: ChangeWatcher) -> None:
        """Call `watcher()` after every change; it must be cheap (it runs on every quote)."""
        self._watchers.append(watcher)

    def unwatch(self, watcher: ChangeWatcher) -> None:
        if watcher in self._watchers:
            self._watchers.remove(watcher)

    def touch(self, keys: Iterable[PositionKey]) -> None:
        """These positions were re-marked by a quote; tell the watchers."""
        self.version += 1
        for key in keys:
            self._touched[key] = self.version
        self._notify()

    def filled(self, key: PositionKey, still_open: bool) -> None:
        """A fill opened, resized or closed a position: views re-list their rows.

        A closed position is forgotten at once (the re-list drops its row), so the log
        holds only open positions however long tmtui runs.
        """
        self.version += 1
        self.structure_version = self.version
        if still_open:
            self._touched[key] = self.version
        else:
            self._touched.pop(key, None)
        self._notify()

    def changed_since(self, version: int) -> list[PositionKey]:
        """Open positions touched after `version`."""
        return [key for key, seen in self._touched.items() if seen > version]

    def _notify(self) -> None:
        for watcher in list(self._watchers):
            watcher()
