"""The footer every screen shows: `q` Quit and `?` Keys first, so 80 columns never lose them.

Textual's footer lists the focused widget's keys, then the screen's, then the app's, and
clips what does not fit at the right edge: on the dashboard at 80 columns that was `q` and
`?`, the two keys a trader must always find. Here the app's quit and help keys lead.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import ActiveBinding
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

FIRST_ACTIONS = ("quit", "help")
"""Actions shown before every other key, in this order."""


def _rank(action: str) -> int:
    return FIRST_ACTIONS.index(action) if action in FIRST_ACTIONS else len(FIRST_ACTIONS)


class DeskFooter(Footer):
    """A footer whose first keys are `q` and `?`, the rest in Textual's order."""

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        shown = [a for a in self.screen.active_bindings.values() if a.binding.show]
        first: dict[str, ActiveBinding] = {}  # one key per action, as Textual's footer shows
        for active in sorted(shown, key=lambda a: _rank(a.binding.action)):
            first.setdefault(active.binding.action, active)
        self.styles.grid_size_columns = len(first)
        for active in first.values():
            binding = active.binding
            yield FooterKey(
                binding.key,
                self.app.get_key_display(binding),
                binding.description,
                binding.action,
                disabled=not active.enabled,
                tooltip=active.tooltip,
            ).data_bind(compact=Footer.compact)
