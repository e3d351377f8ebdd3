"""A pure stand-in for the engine's risk loop: trade, mark, evaluate, apply the exits.

It does what the engine does on every mark (observe, evaluate, record locks, close at the
mark), with no ledger and no asyncio, so each rule can be walked down a price path.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal as D

from tmtui.core.alerts.entry_rules import EntryVerdict, check_entry
from tmtui.core.book.book import Book
from tmtui.core.contracts import ContractBook
from tmtui.core.models import Action, Signal
from tmtui.core.risk.risk_checks import RiskInputs
from tmtui.core.risk.risk_limits import RiskLimits
from tmtui.core.risk.risk_rules import Evaluation, RiskExit, evaluate, observe
from tmtui.core.risk.risk_state import Lock, RiskState
from tmtui.core.trading_day import TradingCalendar

CAL = TradingCalendar("America/Chicago", "17:00")
# Tuesday 2026-03-03 08:00 in Chicago (CST, UTC-6): trading day 2026-03-03.
T0 = datetime(2026, 3, 3, 14, 0, tzinfo=UTC)


@dataclass
class Desk:
    limits: RiskLimits
    commission: D = D(0)
    realized_balance: D | None = None
    book: Book = field(init=False)
    state: RiskState = field(default_factory=RiskState)
    realized: dict[date, dict[str, D]] = field(default_factory=dict)
    exits: list[RiskExit] = field(default_factory=list)
    cleared: list[Lock] = field(default_factory=list)
    now: datetime = T0

    def __post_init__(self) -> None:
        self.book = Book(ContractBook(), lambda _root: self.commission)

    def trade(
        self, action: str, root: str, qty: int | None, price: str, strategy: str = "A"
    ) -> None:
        signal = Signal(strategy, root, Action(action), qty, D(price), self.now)
        self._book_fills(self.book.apply(signal))

    def close(self, strategy: str, root: str, price: D, when: datetime) -> None:
        signal = Signal(strategy, root, Action.CLOSE, None, price, when, source="risk")
        self._book_fills(self.book.apply(signal))

    def _book_fills(self, plan: object) -> None:
        for fill in plan.fills:  # type: ignore[attr-defined]
            day = self.realized.setdefault(CAL.day_of(fill.time), {})
            net = fill.realized - fill.commission
            day[fill.strategy] = day.get(fill.strategy, D(0)) + net
            if self.realized_balance is not None:
                self.realized_balance += net

    def inputs(self, stale_after: float = 15.0) -> RiskInputs:
        day = CAL.day_of(self.now)
        return RiskInputs(
            now=self.now,
            day=day,
            positions=self.book.open_positions(),
            contracts=self.book.contracts,
            commission_for=self.book.commission_for,
            calendar=CAL,
            realized_today=dict(self.realized.get(day, {})),
            realized_balance=self.realized_balance,
            stale_after=stale_after,
        )

    def mark(self, root: str, price: str, at: datetime | None = None) -> Evaluation:
        """A quote for `root` at `at` (default: a second later), then the engine's loop."""
        self.now = at or self.now + timedelta(seconds=1)
        self.book.mark(root, lambda _sign: D(price), self.now)
        return self.tick()

    def tick(self, at: datetime | None = None, stale_after: float = 15.0) -> Evaluation:
        """Evaluate at `at` without a quote (the sampler's clock), and act like the engine."""
        if at is not None:
            self.now = at
        self.cleared += observe(self.limits, self.state, self.inputs(stale_after))
        result = evaluate(self.limits, self.state, self.inputs(stale_after))
        self.state.locks.extend(result.new_locks)
        for ex in result.exits:
            if ex.waiting is None:
                assert ex.price is not None
                self.exits.append(ex)
                self.close(ex.key[0], ex.key[1], ex.price, self.now)
        self.state.observe_positions(self.book.open_positions())
        return result

    def walk(self, root: str, prices: Iterable[str]) -> RiskExit | None:
        """Mark `root` along a path; the first exit taken, or None."""
        taken = len(self.exits)
        for p in prices:
            self.mark(root, p)
            if len(self.exits) > taken:
                return self.exits[taken]
        return None

    def entry(self, strategy: str, root: str, wanted: int) -> EntryVerdict:
        pos = self.book.position(strategy, root)
        before = pos.signed_qty if pos else 0
        return check_entry(self.limits, self.state, self.inputs(), strategy, root, before, wanted)

    def check(self, rule: str, strategy: str | None = None, root: str | None = None) -> object:
        inputs = self.inputs()
        result = evaluate(self.limits, self.state, inputs)
        for c in result.checks:
            if c.rule == rule and c.strategy == strategy and c.root == root:
                return c
        raise AssertionError(f"no {rule} check for {strategy} {root}")


def at_chicago(day: date, hh: int, mm: int, ss: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, ss, tzinfo=CAL.tz).astimezone(UTC)
