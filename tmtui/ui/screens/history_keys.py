"""The five screens' names and the keys that reach them from anywhere.

The app registers one Textual mode per screen, so each keeps its state (a filter, a month,
a chart range) and the dashboard stays alive while another is shown. The bindings live on
the app, so `1`-`5` and Escape work from every screen; a dialog's own keys come first (a
modal screen does not pass keys on to the app). Ids make them remappable in `[keymap]`.
"""

from __future__ import annotations

from textual.binding import Binding

DASHBOARD = "dashboard"
TRADES = "trades"
STRATEGIES = "strategies"
CALENDAR = "calendar"
CHART = "chart"

SCREEN_BINDINGS: list[Binding] = [
    Binding("1", f"show_screen('{DASHBOARD}')", "Dashboard", id="show_dashboard"),
    Binding("2", f"show_screen('{TRADES}')", "Trades", id="show_trades"),
    Binding("3", f"show_screen('{STRATEGIES}')", "Strategies", id="show_strategies"),
    Binding("4", f"show_screen('{CALENDAR}')", "Calendar", id="show_calendar"),
    Binding("5", f"show_screen('{CHART}')", "Chart", id="show_chart"),
    Binding("escape", f"show_screen('{DASHBOARD}')", "Back", show=False, id="back_to_dashboard"),
]
"""App-level bindings: one key per screen, Escape back to the dashboard."""
