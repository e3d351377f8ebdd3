"""`tmtui import FILE`: history recorded from a file, through the same book as live alerts.

Two kinds of file: webhook-shaped alerts (JSON Lines, or a JSON array such as `tmtui export
--what signals --format json` writes), live history planned on the stored live book with
`Book.plan` (the engine's own accounting) and written in one transaction, a signal already
recorded (same dedupe key) skipped; and TradingView Strategy Tester "List of trades" exports
(CSV, or the xlsx report), recorded as the strategy's backtest on a book of its own
(`backtest_import`). Either way a bad line refuses the whole file, and importing a file
twice adds nothing.
"""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, tzinfo
from decimal import Decimal
from pathlib import Path
from typing import Any

from tmtui.core.alerts.alert_file import AlertRules, alert_items
from tmtui.core.backtest.tv_fills import TvFills, read_fills
from tmtui.core.book.book import Book
from tmtui.core.book.book_state import whole_book
from tmtui.core.book.records import SignalRecord
from tmtui.core.contracts import ContractBook
from tmtui.core.events import Event, EventKind
from tmtui.core.history.import_plan import ImportItem, ImportRefused, PlannedSignal, plan_import
from tmtui.core.history.tv_export import is_trade_list, read_rows, symbol_from_filename, tv_items
from tmtui.core.models import Outcome, TmtuiError, UnknownContract
from tmtui.core.trading_day import zone
from tmtui.core.views import money
from tmtui.ledger import history
from tmtui.ledger.batch import Batch, BatchSignal, ImportMark, record_batch
from tmtui.ledger.rows import iso
from tmtui.ledger.store import Ledger
from tmtui.readside import backtest_import
from tmtui.services.book_restore import load_book, make_calendar
from tmtui.settings.config import Config

FORMATS = ("jsonl", "tradingview")


@dataclass(frozen=True, slots=True)
class ImportOptions:
    format: str | None = None
    strategy: str | None = None
    symbol: str | None = None
    timezone: str | None = None
    replace: bool = False
    """A TradingView export: replace the strategy's backtest from another file."""


@dataclass(slots=True)
class ImportResult:
    """What an import recorded, and (TradingView) how its round trips compare."""

    file: str
    format: str
    added: int = 0
    ignored: int = 0
    duplicates: int = 0
    skipped: int = 0
    trades: int = 0
    strategies: list[str] = field(default_factory=list)
    checked: int = 0
    mismatches: list[str] = field(default_factory=list)
    open_trades: int = 0
    """A TradingView export's trades still open at its end (in the backtest's book)."""


async def import_file(
    ledger: Ledger, config: Config, path: Path, options: ImportOptions, now: datetime | None = None
) -> ImportResult:
    """Read, plan and record `path`; raises ImportRefused (nothing written) on a bad line.

    The caller holds the ledger's instance lock (`tmtui import` does): the plan is made on
    the stored book, which a running `tmtui run` would be changing.
    """
    fmt, table = _detect(path, options.format)
    contracts = ContractBook(config.contracts)
    result = ImportResult(path.name, fmt)
    if fmt == "tradingview":
        return await _backtest(ledger, config, path, table, options, result, now)
    items, result.skipped = _alerts(path, options, config, contracts)
    items = await _new_only(ledger, items, result)
    await _refuse_older_than_recorded(ledger, items, path.name)
    book, last_signal_id = await _stored_book(ledger, config)
    planned = plan_import(book, items, make_calendar(config).day_of, path.name)
    if planned:
        await _record(ledger, book, last_signal_id, planned, result, now or datetime.now(UTC))
    return result


async def _backtest(
    ledger: Ledger,
    config: Config,
    path: Path,
    table: list[list[Any]] | None,
    options: ImportOptions,
    result: ImportResult,
    now: datetime | None,
) -> ImportResult:
    """A TradingView export, recorded as the strategy's backtest (never the live book)."""
    contracts = ContractBook(config.contracts)
    tv, items, root = _tradingview(path, table, options, config, contracts)
    assert options.strategy is not None
    result.strategies = [options.strategy]
    result.open_trades = len(tv.open_trades)
    if await backtest_import.check_replace(ledger, options.strategy, path, options.replace):
        result.duplicates = len(items)
        return result
    planned = await backtest_import.plan_backtest(ledger, config, items, path.name)
    _compare_with_tradingview(planned, tv, result)
    _count(planned, result)
    now = now or datetime.now(UTC)
    await backtest_import.record(ledger, path, options.strategy, root, tv, planned, now)
    return result


def _count(planned: Sequence[PlannedSignal], result: ImportResult) -> None:
    result.trades = sum(len(p.plan.closed_trades) for p in planned if p.plan)
    result.added = sum(1 for p in planned if p.outcome is Outcome.ACCEPTED)
    result.ignored = len(planned) - result.added


# --- reading --------------------------------------------------------------------------------


def _detect(path: Path, wanted: str | None) -> tuple[str, list[list[Any]] | None]:
    """The file's format and, for a table, its rows: xlsx and a trades header are TradingView."""
    if wanted is not None and wanted not in FORMATS:
        raise TmtuiError(f"--format must be one of {', '.join(FORMATS)}, got {wanted!r}")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return "tradingview", _xlsx_rows(path)
    text = _text(path)
    table = [row for row in csv.reader(io.StringIO(text))] if text.strip() else []
    looks_tv = bool(table) and is_trade_list(table[0])
    if wanted == "tradingview" or (wanted is None and looks_tv):
        return "tradingview", table
    return "jsonl", None


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise TmtuiError(f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise TmtuiError(f"{path} is not UTF-8 text (bad byte at {exc.start})") from None


def _xlsx_rows(path: Path) -> list[list[Any]]:
    """The "List of trades" sheet of TradingView's xlsx report (or the first that is one)."""
    try:
        from openpyxl import load_workbook
    except ImportError:  # pragma: no cover - openpyxl is a dependency
        raise TmtuiError("reading xlsx needs openpyxl: pip install openpyxl") from None
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        raise TmtuiError(f"{path} is not a readable xlsx workbook: {exc}") from None
    try:
        sheets = sorted(book.worksheets, key=lambda s: s.title.strip().lower() != "list of trades")
        for sheet in sheets:
            rows = [list(r) for r in sheet.iter_rows(values_only=True)]
            if rows and is_trade_list(rows[0]):
                return rows
    finally:
        book.close()
    raise TmtuiError(f"{path} has no 'List of trades' sheet")


def _alerts(
    path: Path, options: ImportOptions, config: Config, contracts: ContractBook
) -> tuple[list[ImportItem], int]:
    naive = zone(options.timezone) if options.timezone else None
    rules = AlertRules(
        contracts,
        config.listener.max_qty,
        config.listener.secret,
        naive,
        config.strategies.default_qty_for,
    )
    return alert_items(_text(path), rules, path.name)


def _tradingview(
    path: Path,
    table: list[list[Any]] | None,
    options: ImportOptions,
    config: Config,
    contracts: ContractBook,
) -> tuple[TvFills, list[ImportItem], str]:
    if not options.strategy:
        raise TmtuiError(
            "a TradingView export needs --strategy NAME (the strategy to file it under)"
        )
    if not table:
        raise ImportRefused(path.name, ["the file is empty"])
    root, ticker = _symbol(path, options.symbol, contracts)
    tz: tzinfo = zone(options.timezone or config.session.timezone)
    rows = read_rows(table[0], list(enumerate(table[1:], 2)), tz, path.name)
    fills = read_fills(rows, path.name)
    items = tv_items(fills.fills, options.strategy, root, ticker, contracts, path.name)
    return fills, items, root


def _symbol(path: Path, symbol: str | None, contracts: ContractBook) -> tuple[str, str]:
    if symbol:
        try:
            return contracts.resolve(symbol).root, symbol
        except UnknownContract as exc:
            raise TmtuiError(f"--symbol: {exc}") from None
    found = symbol_from_filename(path.name, contracts)
    if found is None:
        raise TmtuiError(
            f"cannot tell the symbol from the file name {path.name!r}: pass --symbol (e.g. MNQ1!)"
        )
    return found


# --- checks ---------------------------------------------------------------------------------


async def _new_only(
    ledger: Ledger, items: Sequence[ImportItem], result: ImportResult
) -> list[ImportItem]:
    """Items not recorded yet: a key the ledger (or an earlier line) has is a duplicate."""
    keys = [i.idem_key for i in items if i.idem_key is not None]
    recorded = await history.recorded_keys(ledger, keys)
    fresh = []
    for item in items:
        key = item.idem_key
        if key is not None and key in recorded:
            result.duplicates += 1
            continue
        if key is not None:
            recorded.add(key)
        fresh.append(item)
    return fresh


async def _refuse_older_than_recorded(
    ledger: Ledger, items: Sequence[ImportItem], what: str
) -> None:
    """History goes before the present: an import may not slip signals in before fills the
    same strategy and symbol already have (FIFO and the stored book would be wrong)."""
    first: dict[tuple[str, str], ImportItem] = {}
    for item in items:
        key = (item.signal.strategy, item.signal.root)
        if key not in first or item.signal.time < first[key].signal.time:
            first[key] = item
    problems = []
    for (strategy, root), item in sorted(first.items()):
        last = await history.last_live_fill(ledger, strategy, root)
        if last is not None and iso(item.signal.time) < last:
            problems.append(
                f"line {item.line}: {strategy} {root} already has fills up to {last}; this "
                f"line is at {item.signal.time.isoformat()} (import it under another strategy "
                "name, or only what comes after)"
            )
    if problems:
        raise ImportRefused(what, problems)


async def _stored_book(ledger: Ledger, config: Config) -> tuple[Book, int]:
    """The book as stored (plus any tail), without marks: history fills at its own prices."""
    stored = await ledger.book_state()
    if stored.needs_rebuild:
        raise TmtuiError("the ledger has no stored state yet: run `tmtui ledger rebuild` first")
    book = await load_book(ledger, config)
    for pos in book.open_positions():
        pos.mark, pos.mark_time = None, None
    book.last_price.clear()
    return book, stored.last_signal_id


def _compare_with_tradingview(
    planned: Sequence[PlannedSignal], tv: TvFills, result: ImportResult
) -> None:
    """Each closed round trip's net against the sum of TradingView's Net P&L of its trades."""
    tv_net = tv.nets
    by_line = {f.line: f for f in tv.fills}
    tv_trades: dict[int, set[int]] = defaultdict(set)
    for p in planned:
        order = by_line.get(p.item.line)
        if p.plan is None or order is None or order.entry:
            continue
        for fill in p.plan.fills:
            if fill.closing_qty:
                tv_trades[fill.trade_id].update(order.trades)
    closed = [t for p in planned for t in (p.plan.closed_trades if p.plan else ())]
    for n, trade in enumerate(closed, 1):  # named by their place in the file: round trip n
        numbers = tv_trades.get(trade.trade_id, set())
        if not numbers or any(k not in tv_net for k in numbers):
            continue
        result.checked += 1
        theirs = sum((tv_net[k] for k in numbers), Decimal(0))
        if money(theirs) != money(trade.net):
            listed = ", ".join(f"#{k}" for k in sorted(numbers))
            result.mismatches.append(
                f"round trip {n} (TradingView {listed}): net "
                f"{money(trade.net)}, TradingView {money(theirs)}"
            )


# --- writing --------------------------------------------------------------------------------


async def _record(
    ledger: Ledger,
    book: Book,
    last_signal_id: int,
    planned: Sequence[PlannedSignal],
    result: ImportResult,
    now: datetime,
) -> None:
    signals = [_batch_signal(p, result) for p in planned]
    per_strategy = Counter(p.item.signal.strategy for p in planned)
    result.strategies = sorted(per_strategy)
    _count(planned, result)
    marks = [ImportMark(s, result.format, result.file, n) for s, n in per_strategy.items()]
    text = (
        f"imported {result.file} ({result.format}): {result.added} signal(s), "
        f"{result.trades} round trip(s), {result.duplicates} already recorded"
    )
    events = [Event(EventKind.INFO, text, now, {"file": result.file})]
    batch = Batch(signals, whole_book(book), last_signal_id, now, marks, events)
    await record_batch(ledger, batch)


def _batch_signal(p: PlannedSignal, result: ImportResult) -> BatchSignal:
    s = p.plan.signal if p.plan else p.item.signal
    if p.plan is not None and p.plan.price is not None:
        s = replace(s, price=p.plan.price)  # the fill price, as the engine records it
    record = SignalRecord(
        received=s.time,
        source=s.source,
        outcome=p.outcome,
        raw=p.item.raw,
        peer=f"import:{result.file}",
        signal=s,
        idem_key=p.item.idem_key,
        reason=p.reason,
    )
    if p.plan is None:
        return BatchSignal(record)
    return BatchSignal(record, p.plan.fills, p.plan.closed_trades, p.rollups)
