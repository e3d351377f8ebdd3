"""What a named rule did to an alert or a position, in words and figures for the ledger."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class RuleHit:
    """A rule refused, trimmed or closed something: its name, one line, the figures."""

    rule: str
    message: str
    figures: dict[str, str] = field(default_factory=dict)
