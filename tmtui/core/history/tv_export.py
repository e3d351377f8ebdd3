"""TradingView Strategy Tester "List of trades" exports, read into signals.

Pure: the importer hands in the table's rows (from the CSV or the xlsx report). Headers
differ across TradingView versions, so columns are found by name: `Trade #` (or `Trade
number`), `Type`, `Date/Time` (or `Date and time`), `Signal`, `Price ...`, `Contracts` (or
`Size (qty)`, `Position size (qty)`, `Quantity`), `Net P&L ...` (or `Net PnL`, `Profit ...`).

The rows become the fills TradingView made, in its order (`backtest.tv_fills`: several
trades exiting together are one order); each fill is one buy or sell signal. A trade still
open at the end (its `Open` row) is no signal: it belongs to the backtest.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, tzinfo
from decimal import Decimal, InvalidOperation

from tmtui.core.alerts.signal_rules import validate_price
from tmtui.core.backtest.tv_fills import TvFill, TvRow
from tmtui.core.contracts import ContractBook
from tmtui.core.formatting import exact_text
from tmtui.core.history.import_plan import ImportItem, ImportRefused
from tmtui.core.models import Action, Signal, UnknownContract, UnusableSignal

TV_SOURCE = "import"
TIME_FORMATS = (
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%b %d, %Y %H:%M",
    "%b %d, %Y, %H:%M",
)
COLUMNS: dict[str, tuple[str, ...]] = {
    "trade": ("trade #", "trade number", "trade no", "trade"),
    "type": ("type",),
    "time": ("date/time", "date and time", "date", "time"),
    "signal": ("signal",),
    "price": ("price",),
    "qty": ("contracts", "size (qty)", "position size (qty)", "quantity", "qty", "size"),
    "net": ("net p&l", "net pnl", "profit"),
}
PREFIXED = ("price", "net")
"""Columns whose header carries the currency (`Price USD`, `Net P&L USDT`)."""
REQUIRED = ("trade", "type", "time", "price", "qty")


def _norm(header: object) -> str:
    text = str(header or "").replace("\ufeff", "").strip().lower()
    return re.sub(r"\s+", " ", text)


def find_columns(header: Sequence[object]) -> dict[str, int] | None:
    """Column index of each known field, or None if this is not a list of trades."""
    names = [_norm(h) for h in header]
    found: dict[str, int] = {}
    for key, spellings in COLUMNS.items():
        for spelling in spellings:
            index = _match(names, spelling, key in PREFIXED)
            if index is not None:
                found[key] = index
                break
    return found if all(k in found for k in REQUIRED) else None


def _match(names: list[str], spelling: str, prefixed: bool) -> int | None:
    for i, name in enumerate(names):
        if "%" in name or name.startswith("cum"):
            continue
        if name == spelling or (prefixed and name.startswith(spelling + " ")):
            return i
    return None


def is_trade_list(header: Sequence[object]) -> bool:
    return find_columns(header) is not None


def read_rows(
    header: Sequence[object], rows: Iterable[tuple[int, Sequence[object]]], zone: tzinfo, what: str
) -> list[TvRow]:
    """Typed rows (an open trade's `Open` row marked `still_open`); raises ImportRefused
    naming every bad row."""
    columns = find_columns(header)
    if columns is None:
        missing = ", ".join(k for k in REQUIRED if k not in (find_columns_partial(header)))
        raise ImportRefused(what, [f"line 1: not a TradingView list of trades (no {missing})"])
    out: list[TvRow] = []
    problems: list[str] = []
    for line, cells in rows:
        if not any(str(c or "").strip() for c in cells):
            continue
        try:
            row = _row(line, cells, columns, zone)
        except ValueError as exc:
            problems.append(f"line {line}: {exc}")
            continue
        if row is not None:
            out.append(row)
    if problems:
        raise ImportRefused(what, problems)
    return out


def find_columns_partial(header: Sequence[object]) -> dict[str, int]:
    names = [_norm(h) for h in header]
    return {
        key: i
        for key, spellings in COLUMNS.items()
        for spelling in spellings
        if (i := _match(names, spelling, key in PREFIXED)) is not None
    }


def _cell(cells: Sequence[object], index: int | None) -> object:
    if index is None or index >= len(cells):
        return None
    return cells[index]


def _row(line: int, cells: Sequence[object], columns: dict[str, int], zone: tzinfo) -> TvRow | None:
    kind = _norm(_cell(cells, columns["type"]))
    name = str(_cell(cells, columns.get("signal")) or "").strip()
    if kind == "open":
        return None
    words = kind.split()
    if len(words) != 2 or words[0] not in ("entry", "exit") or words[1] not in ("long", "short"):
        raise ValueError(f"type {kind!r} is not Entry long, Exit long, Entry short or Exit short")
    entry = words[0] == "entry"
    qty = _number(_cell(cells, columns["qty"]), "size")
    if qty != qty.to_integral_value() or qty <= 0:
        raise ValueError(f"size {exact_text(qty)} is not a whole number of contracts")
    net = _cell(cells, columns.get("net"))
    return TvRow(
        line=line,
        trade=int(_number(_cell(cells, columns["trade"]), "trade number")),
        entry=entry,
        long=words[1] == "long",
        time=_when(_cell(cells, columns["time"]), zone),
        price=_number(_cell(cells, columns["price"]), "price"),
        qty=int(qty),
        net_pnl=None if net in (None, "") else _number(net, "net P&L"),
        name=name,
        still_open=not entry and name.lower() == "open",
    )


def _number(value: object, what: str) -> Decimal:
    if isinstance(value, bool) or value is None:
        raise ValueError(f"{what} is missing")
    if isinstance(value, float):
        value = repr(value)
    text = str(value).strip().replace("\u2212", "-").replace(",", "").replace(" ", "")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{what} {value!r} is not a number") from None
    if not number.is_finite():
        raise ValueError(f"{what} {value!r} is not a number")
    return number


def _when(value: object, zone: tzinfo) -> datetime:
    """A row's time in the chart's time zone (`--timezone`), unless it carries an offset."""
    if isinstance(value, datetime):
        moment = value
    else:
        text = str(value or "").strip()
        moment = _parse_time(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment


def _parse_time(text: str) -> datetime:
    for fmt in TIME_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"time {text!r} is not like 2026-01-03 09:30") from None


def tv_items(
    fills: Sequence[TvFill],
    strategy: str,
    root: str,
    ticker: str,
    contracts: ContractBook,
    what: str,
) -> list[ImportItem]:
    """One buy or sell signal per fill, in TradingView's order, each knowing the position
    the file holds after it (so a file that disagrees with the book is refused)."""
    spec = contracts[root]
    position = 0
    items = []
    problems = []
    seen: dict[str, int] = {}
    for fill in fills:
        try:
            validate_price(fill.price, spec)
        except UnusableSignal as exc:
            problems.append(f"line {fill.line}: {exc}")
        problem = _impossible(fill, position)
        if problem:
            problems.append(f"line {fill.line}: {problem}")
        position += fill.qty if fill.buys else -fill.qty
        signal = Signal(
            strategy=strategy,
            root=root,
            action=Action.BUY if fill.buys else Action.SELL,
            qty=fill.qty,
            price=fill.price,
            time=fill.time,
            source=TV_SOURCE,
            alert_id=f"tv#{'+'.join(map(str, fill.trades))}{'e' if fill.entry else 'x'}",
            ticker=ticker,
        )
        key = _key(strategy, root, fill)
        seen[key] = seen.get(key, 0) + 1
        key += f"#{seen[key]}" if seen[key] > 1 else ""  # lots of one order, or a repeat
        items.append(ImportItem(fill.line, signal, _raw(fill), key, position))
    if problems:
        raise ImportRefused(what, problems)
    return items


def _impossible(fill: TvFill, position: int) -> str | None:
    """Why the fill cannot follow `position` in the file, if it cannot."""
    held = position if fill.long else -position
    if fill.entry and held < 0:
        return f"{fill.kind} while the file holds {_side(position)}"
    if not fill.entry and held < fill.qty:
        return f"{fill.kind} {fill.qty} while the file holds {_side(position)}"
    return None


def _side(position: int) -> str:
    return "nothing" if position == 0 else f"{'long' if position > 0 else 'short'} {abs(position)}"


def _raw(fill: TvFill) -> str:
    trades = ", ".join(f"#{n}" for n in fill.trades)
    return (
        f"TradingView trade{'s' if len(fill.trades) > 1 else ''} {trades} {fill.kind} {fill.qty} "
        f"@ {fill.price!s} at {fill.time.isoformat()} ({fill.names})"
    )


def _key(strategy: str, root: str, fill: TvFill) -> str:
    """Dedupe key by content, not trade number: a later export of a longer range renumbers."""
    price = format(fill.price.normalize(), "f")
    when = fill.time.astimezone(UTC).isoformat()
    return f"tv:{strategy}:{root}:{when}:{fill.kind.lower()}:{fill.qty}:{price}:{fill.names}"


def symbol_from_filename(name: str, contracts: ContractBook) -> tuple[str, str] | None:
    """(root, ticker) named by an export's file name, e.g. `ORB_CME_MINI_MNQ1!_2026-01-03.csv`.

    A continuous (`MNQ1!`) or dated (`MNQZ2025`) ticker wins over a bare word that happens to
    be a root; None when the name names no contract, or two.
    """
    stem = name.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    found: dict[str, str] = {}
    bare: dict[str, str] = {}
    for word in re.split(r"[_\s,]+", stem):
        if not word or word[0].isdigit():
            continue
        try:
            root = contracts.resolve(word).root
        except UnknownContract:
            continue
        (bare if word.upper() == root else found)[root] = word
    chosen = found or bare
    if len(chosen) != 1:
        return None
    root, ticker = next(iter(chosen.items()))
    return root, ticker
