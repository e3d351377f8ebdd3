"""Replay feed: recorded ticks from a file, or a seeded random walk, for demos and tests.

With a path it plays a CSV (`time,symbol,lp,bid,ask`) or JSONL tick file in time order,
honouring the recorded gaps divided by `speed`. Like the live feeds it only reports tracked
symbols; it still keeps the latest tick of every symbol, so a symbol tracked mid-replay gets
its current quote at once (as a websocket snapshot would) and the timing stays faithful.
An empty bid/ask/lp cell keeps the previous value, the way a qsd delta does.

A tick file may name a symbol the way alerts do (`NQ1!`, `NQ`, `CME_MINI:NQ1!`, `NQZ5`):
`resolve` maps each to the feed symbol the contract table quotes (the way alerts resolve
tickers), so the positions it should mark get their quotes; a symbol it cannot resolve is
played as written.

Without a path every tracked symbol walks in whole ticks from its start price, one tick per
`interval`; each symbol has its own generator seeded from (seed, symbol), so a path does not
depend on which other symbols are tracked or when.
"""

from __future__ import annotations

import asyncio
import csv
import itertools
import json
import logging
import random
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from tmtui.services.feeds.base import (
    FeedState,
    Quote,
    QuoteCallback,
    QuoteFeed,
    StatusCallback,
    cancel_task,
)

log = logging.getLogger("tmtui.feeds")

DEFAULT_START = Decimal(100)
DEFAULT_TICK = Decimal("0.25")
_YIELD_EVERY = 200  # ticks due at once still let the event loop breathe


class ReplayFileError(ValueError):
    """A tick file that cannot be replayed; the message names the line."""


@dataclass(frozen=True, slots=True)
class Tick:
    """One recorded update; None fields carry the symbol's previous value."""

    time: datetime
    symbol: str
    last: Decimal | None
    bid: Decimal | None = None
    ask: Decimal | None = None


def load_ticks(path: str | Path) -> list[Tick]:
    """Read a CSV or JSONL tick file, sorted by time (stable); raise ReplayFileError."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ReplayFileError(f"cannot read tick file {path}: {exc}") from exc
    if _is_jsonl(path, text):
        ticks = list(_parse_jsonl(path, text))
    else:
        ticks = list(_parse_csv(path, text))
    if any(b.time < a.time for a, b in itertools.pairwise(ticks)):
        log.warning("replay: %s is not in time order; playing it sorted by time", path)
        ticks.sort(key=lambda t: t.time)
    return ticks


def _is_jsonl(path: Path, text: str) -> bool:
    if path.suffix.lower() in (".jsonl", ".ndjson"):
        return True
    if path.suffix.lower() == ".csv":
        return False
    return text.lstrip().startswith("{")


def _parse_csv(path: Path, text: str) -> Iterator[Tick]:
    reader = csv.DictReader(text.splitlines())
    header = [h.strip() for h in reader.fieldnames or []]
    missing = {"time", "symbol"} - set(header)
    if missing or not {"lp", "bid", "ask"} & set(header):
        raise ReplayFileError(
            f"{path}: header must be time,symbol,lp[,bid,ask], found {','.join(header)!r}"
        )
    reader.fieldnames = header
    for row in reader:
        yield _tick(path, reader.line_num, row)


def _parse_jsonl(path: Path, text: str) -> Iterator[Tick]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line, parse_float=Decimal)
        except ValueError as exc:
            raise ReplayFileError(f"{path} line {number}: not JSON ({exc})") from exc
        if not isinstance(row, dict):
            raise ReplayFileError(f"{path} line {number}: expected a JSON object")
        yield _tick(path, number, row)


def _tick(path: Path, line: int, row: Mapping[str, Any]) -> Tick:
    where = f"{path} line {line}"
    symbol = str(row.get("symbol") or "").strip()
    if not symbol:
        raise ReplayFileError(f"{where}: no symbol")
    prices = {key: _price(where, key, row.get(key)) for key in ("lp", "bid", "ask")}
    if all(p is None for p in prices.values()):
        raise ReplayFileError(f"{where}: no lp, bid or ask")
    return Tick(_time(where, row.get("time")), symbol, prices["lp"], prices["bid"], prices["ask"])


def _price(where: str, key: str, value: Any) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ReplayFileError(f"{where}: {key} is not a price: {value!r}")
    try:
        price = Decimal(value.strip()) if isinstance(value, str) else Decimal(str(value))
    except InvalidOperation as exc:
        raise ReplayFileError(f"{where}: {key} is not a price: {value!r}") from exc
    if not price.is_finite():
        raise ReplayFileError(f"{where}: {key} is not a price: {value!r}")
    return price


def _time(where: str, value: Any) -> datetime:
    """ISO 8601 (naive means UTC) or Unix seconds, as an aware UTC datetime."""
    if isinstance(value, bool) or value is None or value == "":
        raise ReplayFileError(f"{where}: no time")
    text = str(value).strip()
    try:
        return datetime.fromtimestamp(float(text), UTC)
    except ValueError:
        pass
    except OverflowError as exc:
        raise ReplayFileError(f"{where}: time out of range: {text!r}") from exc
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ReplayFileError(
            f"{where}: time {text!r} is neither ISO 8601 nor Unix seconds"
        ) from exc
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class RandomWalk:
    """Per-symbol seeded price paths in whole ticks; bid/ask one tick either side."""

    def __init__(
        self,
        seed: int | None = None,
        start_prices: Mapping[str, Decimal] | None = None,
        tick_sizes: Mapping[str, Decimal] | None = None,
    ) -> None:
        self._seed = seed
        self._start = dict(start_prices or {})
        self._ticks = dict(tick_sizes or {})
        self._rngs: dict[str, random.Random] = {}
        self._last: dict[str, Decimal] = {}

    def next_quote(self, symbol: str) -> Quote:
        """The symbol's first call gives its start price; each later call moves -2..+2 ticks."""
        tick = self._ticks.get(symbol, DEFAULT_TICK)
        last = self._last.get(symbol)
        if last is None:
            last = Decimal(self._start.get(symbol, DEFAULT_START))
        else:
            step = self._rng(symbol).randint(-2, 2)
            last = max(tick, last + step * tick)  # stay a positive price
        self._last[symbol] = last
        now = datetime.now(UTC)
        return Quote(symbol, last, last - tick, last + tick, received=now, trade_time=now)

    def _rng(self, symbol: str) -> random.Random:
        rng = self._rngs.get(symbol)
        if rng is None:
            seed = None if self._seed is None else f"{self._seed}/{symbol}"
            rng = self._rngs[symbol] = random.Random(seed)
        return rng


class ReplayFeed(QuoteFeed):
    """Plays a tick file or a seeded random walk through the QuoteFeed interface."""

    def __init__(
        self,
        on_quote: QuoteCallback,
        on_status: StatusCallback,
        *,
        path: str | Path | None = None,
        speed: float = 1.0,
        seed: int | None = None,
        interval: float = 0.5,
        start_prices: dict[str, Decimal] | None = None,
        tick_sizes: dict[str, Decimal] | None = None,
        loop_file: bool = False,
        resolve: Callable[[str], str] | None = None,
    ) -> None:
        super().__init__(on_quote, on_status)
        self._resolve = resolve
        self._resolved: dict[str, str] = {}
        if speed <= 0 or interval <= 0:
            raise ValueError("speed and interval must be positive")
        self._path = Path(path) if path is not None else None
        self._speed = speed
        self._interval = interval
        self._loop_file = loop_file
        self._walk = RandomWalk(seed, start_prices, tick_sizes)
        self._latest: dict[str, Quote] = {}
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if self._task is not None and not self._task.done():
            return
        play = self._play_file() if self._path is not None else self._play_walk()
        self._task = asyncio.create_task(play, name="tmtui-replay-feed")

    async def stop(self) -> None:
        task, self._task = self._task, None
        await cancel_task(task, "replay feed")
        self._set_status(FeedState.DOWN, "stopped")

    def _symbols_added(self, symbols: set[str]) -> None:
        """A symbol tracked mid-file gets its latest recorded quote now, like a snapshot."""
        if self._task is None or self._path is None:
            return
        for symbol in sorted(symbols):
            quote = self._latest.get(symbol)
            if quote is not None:
                self._emit(quote)

    async def _play_file(self) -> None:
        assert self._path is not None
        name = self._path.name
        self._set_status(FeedState.CONNECTING, f"replay: loading {name}")
        try:
            ticks = await asyncio.to_thread(load_ticks, self._path)
        except ReplayFileError as exc:
            log.error("replay: %s", exc)
            self._set_status(FeedState.DOWN, f"replay: {exc}")
            return
        if not ticks:
            self._set_status(FeedState.STALE, f"replay: {name} has no ticks")
            return
        self._set_status(FeedState.LIVE, f"replay of {name} at {self._speed:g}x")
        while True:
            await self._play_once(ticks)
            if not self._loop_file:
                break
            await asyncio.sleep(self._interval / self._speed)
        self._set_status(FeedState.STALE, f"replay of {name} finished")

    async def _play_once(self, ticks: Iterable[Tick]) -> None:
        loop = asyncio.get_running_loop()
        wall0 = loop.time()
        first: datetime | None = None
        since_yield = 0
        for tick in ticks:
            first = first or tick.time
            due = wall0 + (tick.time - first).total_seconds() / self._speed
            delay = due - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
                since_yield = 0
            elif since_yield >= _YIELD_EVERY:
                await asyncio.sleep(0)
                since_yield = 0
            since_yield += 1
            self._apply(tick)

    def _feed_symbol(self, written: str) -> str:
        """The feed symbol a tick file's symbol means (`NQ1!` → `CME_MINI:NQ1!`), cached."""
        symbol = self._resolved.get(written)
        if symbol is None:
            symbol = self._resolve(written) if self._resolve is not None else written
            self._resolved[written] = symbol
        return symbol

    def _apply(self, tick: Tick) -> None:
        symbol = self._feed_symbol(tick.symbol)
        old = self._latest.get(symbol)
        quote = Quote(
            symbol,
            tick.last if tick.last is not None else (old.last if old else None),
            tick.bid if tick.bid is not None else (old.bid if old else None),
            tick.ask if tick.ask is not None else (old.ask if old else None),
            trade_time=tick.time,
        )
        self._latest[symbol] = quote
        if symbol in self.symbols:
            self._emit(quote)

    async def _play_walk(self) -> None:
        self._set_status(FeedState.LIVE, "replay: seeded random walk")
        while True:
            for symbol in sorted(self.symbols):
                self._emit(self._walk.next_quote(symbol))
            await asyncio.sleep(self._interval)

    def _emit(self, quote: Quote) -> None:
        try:
            self._on_quote(quote)
        except Exception:
            log.exception("on_quote callback failed for %s", quote.symbol)
