"""The book from the ledger: load the stored state, replay only the tail; replay as proof.

`load_book` is how both `tmtui run` and the read commands get positions: the open
positions stored with the last applied signal, plus a replay of any applied signal after it,
then marks and trade extremes from the newest P&L samples. `replay_all` rebuilds everything
from the signals alone; `verify` compares that with what is stored and `rebuild` rewrites it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from tmtui.core.book.account import DayAccount, DayCurve
from tmtui.core.book.book import Book, replay
from tmtui.core.book.book_state import comparable, restore_position, whole_book
from tmtui.core.book.rollups import DayRollup, rollups_of
from tmtui.core.book.trading_state import TradingState
from tmtui.core.contracts import ContractBook
from tmtui.core.formatting import exact_text
from tmtui.core.models import Fill, Trade
from tmtui.core.trading_day import TradingCalendar
from tmtui.ledger.day_reads import FillMoney, fill_money, trades_closed
from tmtui.ledger.history import exit_time_of, last_sample_before, traded_pairs
from tmtui.ledger.rows import iso
from tmtui.ledger.store import Ledger
from tmtui.settings.config import Config

log = logging.getLogger("tmtui.history")

ZERO = Decimal(0)


def make_book(config: Config) -> Book:
    return Book(ContractBook(config.contracts), config.commission_for)


def make_calendar(config: Config) -> TradingCalendar:
    s = config.session
    return TradingCalendar(s.timezone, s.day_start, s.roll_weekends)


def make_state(config: Config, now: datetime) -> TradingState:
    """An empty live state for the configured contracts, session, marking and switches."""
    calendar = make_calendar(config)
    return TradingState(
        make_book(config),
        calendar,
        DayAccount(calendar.day_of(now)),
        mark_mode=config.feed.mark,
        stale_after=config.feed.stale_after,
        switches={s: False for s in config.strategies.disabled},
    )


@dataclass(slots=True)
class Replayed:
    """Everything derived from the signals alone, as a from-scratch replay computes it."""

    book: Book
    fills: list[Fill] = field(default_factory=list)
    trades: list[Trade] = field(default_factory=list)
    rollups: list[DayRollup] = field(default_factory=list)
    last_signal_id: int = 0


async def replay_all(ledger: Ledger, config: Config) -> Replayed:
    """Replay every applied signal from an empty book: the definition of truth."""
    book = make_book(config)
    signals = await ledger.accepted_signals()
    plans = replay(book, signals)
    fills = [f for p in plans for f in p.fills]
    trades = [t for p in plans for t in p.closed_trades]
    rollups = rollups_of(fills, trades, make_calendar(config).day_of)
    last = signals[-1][0] if signals else 0
    return Replayed(book, fills, trades, rollups, last)


async def rebuild(ledger: Ledger, config: Config) -> Replayed:
    """Rewrite fills, trades, day rollups and the stored book from the signals."""
    result = await replay_all(ledger, config)
    await ledger.replace_derived(
        result.fills, result.trades, whole_book(result.book), result.rollups, result.last_signal_id
    )
    return result


async def load_book(ledger: Ledger, config: Config, *, checkpoint: bool = False) -> Book:
    """The stored book plus a replay of the tail after it; marks from the last samples.

    A ledger upgraded from v1 has no stored state yet: with `checkpoint` (the running app)
    its derived tables are rebuilt once; a read command replays in memory and writes nothing.
    With `checkpoint`, a non-empty tail is stored so the next start reads it directly.
    """
    stored = await ledger.book_state()
    if stored.needs_rebuild:
        if checkpoint:
            log.warning("ledger %s: rebuilding derived tables from the signals", ledger.path)
            book = (await rebuild(ledger, config)).book
        else:
            book = (await replay_all(ledger, config)).book
        await _restore_marks(ledger, book)
        return book
    book = make_book(config)
    book.next_trade_id = stored.next_trade_id
    for (strategy, root), state in stored.positions.items():
        spec = book.contracts[root]
        book.positions[(strategy, root)] = restore_position(strategy, root, state, spec.point_value)
    tail = await ledger.accepted_signals(after=stored.last_signal_id)
    if tail:
        replay(book, tail)
        if checkpoint:
            await ledger.checkpoint_book(whole_book(book), tail[-1][0])
    await _restore_marks(ledger, book)
    return book


async def _restore_marks(ledger: Ledger, book: Book) -> None:
    """Marks and MAE/MFE extremes from the newest P&L sample of each open round trip.

    One primary-key lookup per open position, so start and reads stay fast however many
    samples years of trading left behind.
    """
    for pos in book.open_positions():
        sample = await ledger.latest_position_sample(pos.strategy, pos.root)
        if sample is None or sample.trade_id != pos.trade.trade_id:
            continue  # the newest sample is an earlier round trip's: none of this one yet
        pos.trade.mae = min(pos.trade.mae, sample.mae)
        pos.trade.mfe = max(pos.trade.mfe, sample.mfe)
        when = datetime.fromtimestamp(sample.ts, tz=pos.trade.entry_time.tzinfo)
        pos.mark, pos.mark_time = sample.mark, when


async def verify(ledger: Ledger, config: Config) -> list[str]:
    """Every difference between the stored derived tables and a replay; [] when they agree.

    MAE/MFE are left out of the comparison: marks move them between signals, and a replay
    of the signals alone cannot see marks.
    """
    truth = await replay_all(ledger, config)
    stored = await ledger.book_state()
    diffs: list[str] = []
    if stored.needs_rebuild:
        return ["the ledger has no stored state yet (upgraded from v1): run `tmtui ledger rebuild`"]
    if stored.last_signal_id != truth.last_signal_id:
        diffs.append(
            f"book: stored up to signal #{stored.last_signal_id}, "
            f"signals go to #{truth.last_signal_id}"
        )
    if stored.next_trade_id != truth.book.next_trade_id:
        diffs.append(
            f"book: next trade id {stored.next_trade_id}, replay {truth.book.next_trade_id}"
        )
    diffs += _diff_positions(stored.positions, whole_book(truth.book).upserts)
    diffs += _diff_rows("fill", _fill_rows(await ledger.fills()), _fill_rows(truth.fills))
    diffs += _diff_rows("trade", _trade_rows(await ledger.trades()), _trade_rows(truth.trades))
    diffs += _diff_rows(
        "day rollup", _rollup_rows(await ledger.rollups()), _rollup_rows(truth.rollups)
    )
    return diffs


def _diff_positions(
    stored: dict[tuple[str, str], dict[str, Any]],
    truth: dict[tuple[str, str], dict[str, Any]],
) -> list[str]:
    diffs = []
    for key in sorted(set(stored) | set(truth)):
        name = f"position {key[0]} {key[1]}"
        if key not in truth:
            diffs.append(f"{name}: stored but the signals leave it flat")
        elif key not in stored:
            diffs.append(f"{name}: missing (replay holds {truth[key]['lots']})")
        elif comparable(stored[key]) != comparable(truth[key]):
            diffs.append(f"{name}: stored {stored[key]}, replay {truth[key]}")
    return diffs


def _diff_rows(what: str, stored: dict[object, str], truth: dict[object, str]) -> list[str]:
    diffs = []
    for key in sorted(set(stored) | set(truth), key=str):
        if key not in truth:
            diffs.append(f"{what} {key}: stored, not in the replay: {stored[key]}")
        elif key not in stored:
            diffs.append(f"{what} {key}: missing, replay has {truth[key]}")
        elif stored[key] != truth[key]:
            diffs.append(f"{what} {key}: stored {stored[key]}, replay {truth[key]}")
    return diffs


def _fill_rows(fills: Iterable[Fill]) -> dict[object, str]:
    """Fills keyed by (signal, round trip, closing?): one signal fills each trade once."""
    return {
        (f.signal_id, f.trade_id, f.closing_qty != 0): (
            f"{f.strategy} {f.root} qty {f.qty} @ {exact_text(f.price)} at {_utc(f.time)}, "
            f"realized {exact_text(f.realized)}, commission {exact_text(f.commission)}"
        )
        for f in fills
    }


def _trade_rows(trades: Iterable[Trade]) -> dict[object, str]:
    return {
        t.trade_id: (
            f"{t.strategy} {t.root} {t.side.value} {t.qty} "
            f"{exact_text(t.entry_price)} -> {exact_text(t.exit_price or Decimal(0))} "
            f"at {_utc(t.exit_time) if t.exit_time else '-'}, "
            f"gross {exact_text(t.gross)}, commission {exact_text(t.commission)}"
        )
        for t in trades
    }


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _rollup_rows(rollups: Iterable[DayRollup]) -> dict[object, str]:
    return {
        r.key: (
            f"realized {exact_text(r.realized)}, commission {exact_text(r.commission)}, "
            f"fills {r.fills}, trades {r.trades} ({r.wins} won, {r.losses} lost)"
        )
        for r in rollups
    }


def realized_curve(fills: Iterable[FillMoney], curve: DayCurve | None = None) -> DayCurve:
    """The day's curve as seen at its fills alone (time, realized, commission in the order
    made): used when no live samples exist."""
    curve = curve or DayCurve()
    running = ZERO
    for when, realized, commission in fills:
        running += realized - commission
        curve.observe(running, when)
    return curve


async def load_day_account(
    ledger: Ledger,
    calendar: TradingCalendar,
    day: date,
    open_pnl: Decimal = ZERO,
    now: datetime | None = None,
    *,
    strategy: str | None = None,
    source: str = "live",
) -> DayAccount:
    """A day's account from its fills and trades (one strategy's, if given), the open P&L
    carried into it, and its curve from the newest live sample. `source`: the live book
    (the account), or the backtests' (no marks, no samples: realized only).

    `open_pnl` is the open P&L now (today) or at the day's close. Carry-forward: positions
    open at the roll bring their open P&L at the last mark before it as `open_base`, and the
    day counts only the movement after it. Pass `now` so the present total counts toward
    max/min/drawdown.
    """
    start, end = calendar.bounds(day)
    live = source == "live"
    fills = await fill_money(ledger, start, end, source, strategy)
    closed = await trades_closed(ledger, start, end, source, strategy)
    carried = await open_at(ledger, start, strategy) if live else {}
    account = DayAccount(day, trades_closed=closed, open_base=sum(carried.values(), ZERO))
    for _, realized, commission in fills:
        account.add_fill(realized, commission)
    account.open_pnl = open_pnl
    # Fills alone see realized money only: right for a day that began flat. A day that
    # began with a position open takes its curve from the live samples, which saw marks.
    curve = DayCurve() if account.open_base else realized_curve(fills)
    sample = await ledger.last_account_sample(day.isoformat()) if live and not strategy else None
    if sample is not None:
        _merge_sample(
            curve,
            sample.max_mtm,
            sample.max_time,
            sample.min_mtm,
            sample.min_time,
            sample.peak,
            sample.max_drawdown,
        )
    account.curve = curve
    if now is not None:
        curve.observe(account.total, now)
    return account


async def open_at(
    ledger: Ledger, moment: datetime, strategy: str | None = None
) -> dict[tuple[str, str, int], Decimal]:
    """Open P&L of each round trip open at `moment`, at its last mark before it.

    One primary-key probe per (strategy, root) ever traded: the newest P&L sample before
    `moment`, kept if its round trip had not closed by then. A position never marked before
    `moment` is left out (its movement counts from its entry).
    """
    at = int(moment.timestamp())
    out: dict[tuple[str, str, int], Decimal] = {}
    for name, root in await traded_pairs(ledger, strategy):
        sample = await last_sample_before(ledger, name, root, at)
        if sample is None:
            continue
        trade_id, open_pnl = sample
        closed = await exit_time_of(ledger, trade_id)
        if closed is not None and closed <= iso(moment):
            continue
        out[(name, root, trade_id)] = open_pnl
    return out


def _merge_sample(
    curve: DayCurve,
    max_mtm: Decimal,
    max_time: datetime | None,
    min_mtm: Decimal,
    min_time: datetime | None,
    peak: Decimal,
    max_drawdown: Decimal,
) -> None:
    if max_mtm > curve.max_mtm:
        curve.max_mtm, curve.max_time = max_mtm, max_time
    if min_mtm < curve.min_mtm:
        curve.min_mtm, curve.min_time = min_mtm, min_time
    curve.peak = max(curve.peak, peak)
    curve.max_drawdown = min(curve.max_drawdown, max_drawdown)
