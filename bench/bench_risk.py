"""Benchmark: risk evaluations per second (the guard runs one on every quote).

Ten open positions over five roots and two strategies, every rule configured (daily loss
account-wide and per strategy, intraday trailing drawdown, max_position, both times, all
four per-position exits), each evaluation after a new mark: observe + evaluate, the pure
work `RiskGuard.check` does per quote. Not a test; run
`python bench/bench_risk.py [--json PATH]` (or `make bench`).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import Figure, emit, machine, parse_args

from tmtui.core.book.book import Book
from tmtui.core.contracts import ContractBook
from tmtui.core.models import Action, Signal
from tmtui.core.risk.risk_checks import RiskInputs
from tmtui.core.risk.risk_limits import (
    Amount,
    ProfitLock,
    RiskLimits,
    StrategyRisk,
    TrailingDrawdown,
)
from tmtui.core.risk.risk_rules import evaluate, observe
from tmtui.core.risk.risk_state import RiskState
from tmtui.core.trading_day import TradingCalendar, parse_day_start

ROOTS = {"NQ": "25600", "ES": "6900", "CL": "60.12", "GC": "4012.3", "6E": "1.1525"}
EVALUATIONS = 20_000
TARGET_PER_S = 1_000
"""At most 1 ms of one core per quote with ten positions and every rule: a busy feed's
quotes for the symbols held stay a small part of the loop."""


def limits() -> RiskLimits:
    return RiskLimits(
        daily_loss_limit=Decimal(100_000),
        max_position={root: 50 for root in ROOTS},
        flatten_at=parse_day_start("15:55"),
        no_entries_after=parse_day_start("15:30"),
        stop_loss=Amount.parse("4000 ticks"),
        take_profit=Amount.parse("$1000000"),
        trailing_stop=Amount.parse("5000 ticks"),
        profit_lock=ProfitLock(Amount.parse("9000 ticks"), Amount.parse("10 ticks")),
        trailing_drawdown=TrailingDrawdown(
            Decimal(500_000), "intraday", Decimal(1_000_000), None, None
        ),
        strategies={"B": StrategyRisk(daily_loss_limit=Decimal(50_000))},
    )


def constant(price: Decimal) -> Callable[[int], Decimal | None]:
    """A mark for either side: the bench's quotes have no spread."""
    return lambda _sign: price


def main() -> None:
    args = parse_args("risk guard: rule evaluations per quote, ten positions, every rule")
    calendar = TradingCalendar()
    now = datetime(2026, 3, 3, 14, 0, tzinfo=UTC)
    book = Book(ContractBook(), lambda _root: Decimal("1.25"))
    for strategy in ("A", "B"):
        for root, price in ROOTS.items():
            book.apply(Signal(strategy, root, Action.BUY, 2, Decimal(price), now))
    rules, state = limits(), RiskState()
    roots = list(ROOTS)
    started = time.perf_counter()
    for i in range(EVALUATIONS):
        root = roots[i % len(roots)]
        when = now + timedelta(milliseconds=i)
        mark = Decimal(ROOTS[root]) + book.contracts[root].tick_size * (i % 7 - 3)
        book.mark(root, constant(mark), when)
        inputs = RiskInputs(
            when,
            calendar.day_of(when),
            book.open_positions(),
            book.contracts,
            book.commission_for,
            calendar,
            {"A": Decimal(-10)},
            Decimal(1_000_000),
        )
        observe(rules, state, inputs)
        result = evaluate(rules, state, inputs)
        assert not result.exits
    elapsed = time.perf_counter() - started
    rate = EVALUATIONS / elapsed
    figure = Figure(
        "risk guard: evaluations (10 positions, every rule)",
        rate,
        "evaluations/s",
        f"≥ {TARGET_PER_S:,} evaluations/s",
        rate >= TARGET_PER_S,
        f"{len(result.checks)} checks each, {elapsed * 1e6 / EVALUATIONS:.0f} µs per quote",
    )
    emit([figure], args.json, {"evaluations": EVALUATIONS, **machine()})


if __name__ == "__main__":
    main()
