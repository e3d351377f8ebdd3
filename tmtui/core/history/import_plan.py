"""Recording history from a file: the same FIFO book and day rollups as live alerts, in order.

Pure: the importer reads the file and writes the result; here every signal is planned on the
book exactly as the engine plans a live one (`Book.plan`, then `delta_of` and `rollups_of`
for what the ledger stores with it). Nothing is recorded unless every line is good, so the
problems of all lines are collected and refused together, each with its line number.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from tmtui.core.alerts.alert_rules import screen
from tmtui.core.book.book import Book, Plan
from tmtui.core.book.book_state import BookDelta, delta_of
from tmtui.core.book.rollups import DayRollup, rollups_of
from tmtui.core.models import Outcome, Signal, TmtuiError, UnusableSignal

MAX_PROBLEMS_SHOWN = 20


class ImportRefused(TmtuiError):
    """The file has bad lines: nothing was recorded. `problems` name each line."""

    def __init__(self, what: str, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        shown = self.problems[:MAX_PROBLEMS_SHOWN]
        more = len(self.problems) - len(shown)
        tail = f"\n  ... and {more} more" if more > 0 else ""
        super().__init__(
            f"{what}: nothing imported, {len(self.problems)} problem(s):\n  "
            + "\n  ".join(shown)
            + tail
        )


@dataclass(frozen=True, slots=True)
class ImportItem:
    """One signal read from a file, with where it came from (for errors) and its dedupe key."""

    line: int
    signal: Signal
    raw: str
    idem_key: str | None
    expected_after: int | None = None
    """The position the file says the strategy holds after this line, when it says (a
    TradingView export does): a disagreement with the book refuses the import."""


@dataclass(slots=True)
class PlannedSignal:
    """A signal ready to record: accepted with its plan and stored-state change, or ignored."""

    item: ImportItem
    outcome: Outcome
    plan: Plan | None = None
    reason: str | None = None
    delta: BookDelta | None = None
    rollups: list[DayRollup] = field(default_factory=list)


def plan_import(
    book: Book, items: Sequence[ImportItem], day_of: Callable[[datetime], date], what: str
) -> list[PlannedSignal]:
    """Plan `items` in their order on `book` (which ends up holding the result).

    Each signal meets the live alert rules (`alert_rules.screen`): one they stop (an order
    the position cannot take, a close with nothing open) is recorded as ignored, as live.
    History is not held to today's strategy switches or risk limits. Raises ImportRefused
    naming every line that cannot be applied.
    """
    planned: list[PlannedSignal] = []
    problems: list[str] = []
    for item in items:
        try:
            screening = screen(item.signal, book, _history_is_never_switched_off, None)
            plan = screening.plan
        except UnusableSignal as exc:
            problems.append(f"line {item.line}: {exc}")
            continue
        problem = _disagreement(item, plan)
        if problem is not None:
            problems.append(problem)
            continue
        if screening.stop is not None:
            reason = screening.stop.message
            planned.append(PlannedSignal(item, Outcome.IGNORED, reason=reason))
            continue
        book.commit(plan)
        planned.append(
            PlannedSignal(
                item,
                Outcome.ACCEPTED,
                plan,
                delta=delta_of(plan),
                rollups=rollups_of(plan.fills, plan.closed_trades, day_of),
            )
        )
    if problems:
        raise ImportRefused(what, problems)
    return planned


def _history_is_never_switched_off(_strategy: str) -> bool:
    """Today's strategy switches say nothing about what a strategy did in the past."""
    return True


def _disagreement(item: ImportItem, plan: Plan) -> str | None:
    if item.expected_after is None or plan.after == item.expected_after:
        return None
    s = item.signal
    return (
        f"line {item.line}: after this row the file holds {_position(item.expected_after)} "
        f"{s.root} but tmtui would hold {_position(plan.after)} for strategy {s.strategy!r} "
        "(a position already open there, or rows missing from the file?)"
    )


def _position(qty: int) -> str:
    return "flat" if qty == 0 else f"{'long' if qty > 0 else 'short'} {abs(qty)}"
