"""`tmtui import FILE --format tradingview --strategy S`: the export as S's backtest.

A Strategy Tester export is a backtest, not live trading: it is planned on a book of its own
(empty at the start, as TradingView's is), never on the live book, and recorded whole as the
strategy's backtest (`ledger.backtests`), its still-open trades in the backtest's book with
TradingView's open P&L. One backtest per strategy: the same file again adds nothing; another
file replaces it only with `--replace` (refused in one line otherwise).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from tmtui.core.backtest.open_book import open_trades_state
from tmtui.core.backtest.tv_fills import OpenTrade, TvFills
from tmtui.core.events import Event, EventKind
from tmtui.core.history.import_plan import ImportItem, PlannedSignal, plan_import
from tmtui.core.models import Outcome, TmtuiError
from tmtui.ledger.backtests import (
    BacktestWrite,
    OpenBacktestTrade,
    next_backtest_trade_id,
    record_backtest,
    stored_backtest,
)
from tmtui.ledger.store import Ledger
from tmtui.services.book_restore import make_book, make_calendar
from tmtui.settings.config import Config


class BacktestExists(TmtuiError):
    """The strategy already has a backtest from another file, and --replace was not given."""


def file_digest(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as exc:
        raise TmtuiError(f"cannot read {path}: {exc.strerror or exc}") from None


async def check_replace(ledger: Ledger, strategy: str, path: Path, replace: bool) -> bool:
    """Whether `path` is the backtest `strategy` already has (then nothing is to be done);
    raises BacktestExists for another file without `replace`."""
    stored = await stored_backtest(ledger, strategy)
    if stored is None:
        return False
    if stored.digest == file_digest(path):
        return True
    if not replace:
        raise BacktestExists(
            f"{strategy} already has a backtest (from {stored.file}, imported "
            f"{stored.imported_at:%Y-%m-%d %H:%M} UTC): pass --replace to replace it with "
            f"{path.name}"
        )
    return False


async def plan_backtest(
    ledger: Ledger, config: Config, items: Sequence[ImportItem], what: str
) -> list[PlannedSignal]:
    """The fills on a book of their own, trade ids in the backtest range."""
    book = make_book(config)
    book.next_trade_id = await next_backtest_trade_id(ledger)
    return plan_import(book, items, make_calendar(config).day_of, what)


async def record(
    ledger: Ledger,
    path: Path,
    strategy: str,
    root: str,
    tv: TvFills,
    planned: Sequence[PlannedSignal],
    now: datetime,
) -> None:
    plans = [p.plan for p in planned if p.outcome is Outcome.ACCEPTED and p.plan is not None]
    fills = [f for plan in plans for f in plan.fills]
    trades = [t for plan in plans for t in plan.closed_trades]
    open_trades: dict[str, list[OpenTrade]] = defaultdict(list)
    for t in tv.open_trades:
        open_trades[root].append(t)
    text = (
        f"imported {path.name} as the backtest of {strategy}: {len(fills)} fill(s), "
        f"{len(trades)} round trip(s), {len(tv.open_trades)} trade(s) still open"
    )
    await record_backtest(
        ledger,
        BacktestWrite(
            strategy=strategy,
            format="tradingview",
            file=path.name,
            digest=file_digest(path),
            when=now,
            fills=fills,
            trades=trades,
            rollups=[r for p in planned for r in p.rollups],
            open_trades=[
                OpenBacktestTrade(strategy, r, open_trades_state(ts))
                for r, ts in open_trades.items()
            ],
            events=[Event(EventKind.INFO, text, now, {"file": path.name})],
        ),
    )
