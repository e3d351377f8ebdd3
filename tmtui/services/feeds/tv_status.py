"""The TradingView feed's status line, from what one connection knows about its quotes.

A pure function, apart from the connection: the same facts (subscribed symbols, staleness,
update modes, rejected symbols, whether a token is set) always read the same way in the status
bar, and the words can be checked without a websocket.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from tmtui.services.feeds.base import FeedState, delay_minutes


@dataclass(frozen=True, slots=True)
class SessionFacts:
    """What the connection knows when its status is asked for."""

    subscribed: bool
    stale: bool
    stale_after: float
    got_quote: bool
    update_modes: Iterable[str | None]
    symbol_errors: Mapping[str, str]
    has_token: bool


def session_status(facts: SessionFacts) -> tuple[FeedState, str, int | None]:
    """(state, reason, delay in minutes) for the status bar."""
    errors = error_note(facts.symbol_errors)
    if not facts.subscribed:
        return FeedState.LIVE, "connected; no symbols tracked" + errors, None
    if facts.stale:
        return FeedState.STALE, f"no quotes for {facts.stale_after:g} s" + errors, None
    if not facts.got_quote:
        return FeedState.CONNECTING, "subscribed; waiting for quotes" + errors, None
    return _live_or_delayed(facts, errors)


def _live_or_delayed(facts: SessionFacts, errors: str) -> tuple[FeedState, str, int | None]:
    modes = set(facts.update_modes) - {None, "streaming"}
    if not modes:
        return FeedState.LIVE, "real-time quotes" + errors, None
    delays = [d for d in (delay_minutes(m) for m in modes) if d is not None]
    token_hint = (
        "; does the account have real-time data for this exchange?"
        if facts.has_token
        else "; set an auth token for real-time"
    )
    if delays:
        worst = max(delays)
        return FeedState.DELAYED, f"quotes {worst} min delayed{token_hint}{errors}", worst
    mode_text = ", ".join(sorted(m for m in modes if m))
    return FeedState.DELAYED, f"quotes not real-time ({mode_text}){token_hint}{errors}", None


def error_note(symbol_errors: Mapping[str, str]) -> str:
    """The rejected symbols, as a suffix of the status reason."""
    if not symbol_errors:
        return ""
    items = ", ".join(f"{s} ({e})" for s, e in sorted(symbol_errors.items()))
    return f"; rejected: {items}"
