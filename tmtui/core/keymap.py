"""The remappable keys: every binding id, its default keys and the screen it acts on.

Pure data, so the config loader can check a `[keymap]` table before any screen exists: an
unknown binding id or a key bound twice on one screen is an error at start, like an
unknown config key, never a silently dead key. The Textual bindings in `app.py` and
`screens/` use these ids; a test keeps the two in step.
"""

from __future__ import annotations

from collections.abc import Mapping

DASHBOARD = "the trading screen"

TRADES = "the trades screen"
STRATEGIES = "the strategies screen"
CALENDAR = "the calendar"
CHART = "the chart"
RECONCILE = "the reconcile screen"

EVERY_SCREEN: dict[str, str] = {
    "quit": "q",
    "help": "question_mark",
    "show_dashboard": "1",
    "show_trades": "2",
    "show_strategies": "3",
    "show_calendar": "4",
    "show_chart": "5",
    "show_reconcile": "6",
    "back_to_dashboard": "escape",
}
"""The app's keys: active on the dashboard and on each history screen."""

DEFAULT_KEYS: dict[str, dict[str, str]] = {
    DASHBOARD: {
        **EVERY_SCREEN,
        "close_position": "c",
        "flatten_all": "F",
        "flatten_strategy": "S",
        "toggle_strategy": "e",
        "strategies": "E",
        "buy": "b",
        "sell": "s",
        "webhook_setup": "w",
        "show_orders": "o",
        "filter_log": "slash",
        "cursor_down": "j,down",
        "cursor_up": "k,up",
    },
    "the close dialog": {"confirm": "y", "cancel": "n,escape"},
    "the quit dialog": {"confirm_quit": "y", "cancel_quit": "n,escape"},
    "the order form": {"cancel_order": "escape"},
    "the help": {"close_help": "escape,question_mark,q"},
    "the orders view": {"resend_order": "r", "dismiss_order": "d", "close_orders": "escape,o"},
    "the strategy list": {
        "close_strategies": "escape,E",
        "toggle_strategy": "e",
        "cursor_down": "j,down",
        "cursor_up": "k,up",
    },
    "the switch question": {"confirm_switch": "y", "cancel_switch": "n,escape"},
    "the webhook set-up": {
        "setup_reveal": "s",
        "setup_copy_secret": "c",
        "setup_copy_message": "m",
        "setup_strategy": "n",
        "setup_test": "t",
        "setup_close": "escape",
    },
    TRADES: {
        **EVERY_SCREEN,
        "trade_filter": "f",
        "trade_source": "s",
        "clear_trade_filter": "x",
    },
    STRATEGIES: {
        **EVERY_SCREEN,
        "toggle_strategy": "e",
        "cursor_down": "j,down",
        "cursor_up": "k,up",
    },
    CALENDAR: {
        **EVERY_SCREEN,
        "calendar_month_back": "left,left_square_bracket",
        "calendar_month_on": "right,right_square_bracket",
        "calendar_this_month": "t",
        "calendar_source": "s",
        "calendar_open_trades": "enter",
        "calendar_day_back": "h",
        "calendar_day_on": "l",
        "calendar_week_back": "k",
        "calendar_week_on": "j",
    },
    CHART: {
        **EVERY_SCREEN,
        "chart_today": "t",
        "chart_days": "d",
        "chart_weeks": "w",
        "chart_months": "m",
        "chart_all": "a",
        "chart_strategy": "s",
    },
    RECONCILE: {
        **EVERY_SCREEN,
        "reconcile_day_back": "left",
        "reconcile_day_on": "right",
        "reconcile_today": "t",
    },
}
"""Scope → binding id → comma-separated keys (Textual key names)."""


def binding_ids() -> list[str]:
    return sorted({bid for scope in DEFAULT_KEYS.values() for bid in scope})


def split_keys(keys: str) -> list[str]:
    return [k.strip() for k in keys.split(",") if k.strip()]


def keymap_problems(keymap: Mapping[str, str]) -> list[str]:
    """What is wrong with a `[keymap]` table: unknown ids, empty keys, keys bound twice."""
    known = binding_ids()
    problems = [
        f"{bid!r} is not a binding id (known: {', '.join(known)})"
        for bid in sorted(set(keymap) - set(known))
    ]
    problems += [f"{bid} names no key" for bid, keys in keymap.items() if not split_keys(keys)]
    for scope, defaults in DEFAULT_KEYS.items():
        owner: dict[str, str] = {}
        for bid, default in defaults.items():
            for key in split_keys(keymap.get(bid, default)):
                other = owner.setdefault(key, bid)
                if other != bid:
                    problems.append(f"key {key!r} is bound to both {other} and {bid} on {scope}")
    return problems
