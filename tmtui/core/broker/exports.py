"""The four broker exports traders download, read into `BrokerFill`s.

Columns are found by name, as the open-source journals that read these files find them
(TradeNote `src/utils/brokers.js`, Deltalytix's import processors; see shared/brokers.md):

- `tradovate`: Tradovate's Orders CSV (Account tab → Orders → Download). One row per order;
  `orderId`, `Account`, `B/S` (padded: ` Buy`), `Contract` (`MNQZ5`), `Product`, `Status`,
  `filledQty`/`Filled Qty`, `avgPrice`/`Avg Fill Price`, `Fill Time` (`03/09/2026 16:29:00`, the
  trader's local time). A row is a fill when some of the order filled.
- `ninjatrader`: NinjaTrader 8's Executions grid (Trade Performance → Display: Executions →
  Export). One row per execution: `Instrument` (`NQ 12-25`), `Action`, `Quantity`, `Price`,
  `Time` (the Windows locale: `3/14/2025 9:30:01 AM`, or ISO), `ID` (the execution id),
  `E/X`, `Order ID`, `Commission` (`$1.24`), `Account` (or `Account display name`).
  Headers follow NinjaTrader's UI language; these are the English ones.
- `rithmic`: R|Trader Pro's completed orders (Order History → Export), after its
  `Completed Orders` preamble: `Account`, `Status`, `Symbol`, `Buy/Sell` (`B`/`S`),
  `Qty Filled`, `Avg Fill Price`, `Commission Fill Rate` (per contract), `Order Number`,
  `Update Time` (`2026-10-01 19:30:00`). A row is a fill when `Qty Filled` is above zero.
- `topstepx`: TopstepX's Orders export: `Id`, `AccountName`, `ContractName`, `Status`, `Size`,
  `Side` (`Bid` buys, `Ask` sells), `FilledAt` (`10/07/2026 16:20:37 +02:00`), `ExecutePrice`,
  `PositionDisposition`. A row is a fill when its status is `Filled`.

All or nothing: one unreadable row and the export yields no fills, only `line N: ...` reasons.
Times without an offset are in the zone their header names (`Update Time (CDT)`), else in the
zone the caller passes (the trader's configured zone).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import tzinfo

from tmtui.core.broker.contract_months import split_contract_code
from tmtui.core.broker.export_table import (
    ExportRead,
    Row,
    RowProblem,
    find_header,
    norm_header,
    parse_decimal,
    parse_qty,
    parse_side,
    parse_time,
    table_rows,
)
from tmtui.core.broker.fills import BrokerFill

RowReader = Callable[[Row, tzinfo, str], BrokerFill]
"""Reads one fill's row, given the zone its times are in and the row's account."""


@dataclass(frozen=True, slots=True)
class ExportFormat:
    """One export's columns (name → header spellings), required columns, the test that a row
    is a fill at all (not a cancelled or working order) and the reader of a fill's row.
    """

    name: str
    source: str
    columns: Mapping[str, tuple[str, ...]]
    required: tuple[str, ...]
    is_fill: Callable[[Row], bool]
    read_row: RowReader


def read_export(text: str, fmt: str, zone: tzinfo, account: str | None = None) -> ExportRead:
    """Read an export's text as `fmt` (tradovate | ninjatrader | rithmic | topstepx).

    `account`, when given, keeps only that account's rows and names the account of rows that
    leave it blank. Never raises for bad input: the reasons are in `errors`.
    """
    spec = FORMATS.get(fmt.strip().lower())
    if spec is None:
        names = " | ".join(FORMATS)
        return ExportRead(fmt, (), (f"unknown export format {fmt!r}: use {names}",))
    rows = table_rows(text)
    found = find_header(rows, spec.columns, spec.required)
    if found is None:
        return ExportRead(spec.name, (), (_missing_columns(spec, rows),))
    start, columns = found
    header = [norm_header(c) for c in rows[start][1]]
    fills: list[BrokerFill] = []
    errors: list[str] = []
    skipped = 0
    for line, cells in rows[start + 1 :]:
        row = Row(line, cells, columns, header)
        try:
            fill = _read(spec, row, zone, account)
        except RowProblem as problem:
            errors.append(f"line {line}: {problem}")
            continue
        if fill is None:
            skipped += 1
        else:
            fills.append(fill)
    if errors:
        return ExportRead(spec.name, (), tuple(errors), skipped)
    return ExportRead(spec.name, tuple(fills), (), skipped)


def _read(spec: ExportFormat, row: Row, zone: tzinfo, wanted: str | None) -> BrokerFill | None:
    """The row's fill; None for a row of another account or a row that is no fill."""
    named = row.get("account")
    if wanted and named and named.lower() != wanted.lower():
        return None
    if not spec.is_fill(row):
        return None
    account = named or wanted
    if not account:
        raise RowProblem("the account is empty (name it with --account)")
    return spec.read_row(row, zone, account)


def _missing_columns(spec: ExportFormat, rows: list[tuple[int, list[str]]]) -> str:
    if not rows:
        return f"the file is empty: no {spec.name} export header"
    wanted = ", ".join(spec.columns[name][0] for name in spec.required)
    return f"line {rows[0][0]}: not a {spec.name} export: it needs the columns {wanted}"


def _contract(text: str, label: str) -> tuple[str, str]:
    """(contract code `NQZ6`, root `NQ`) from any form the exports write."""
    code = split_contract_code(text)
    if code is None:
        raise RowProblem(
            f"{label} {text.strip()!r} names no contract month (like NQZ6 or NQ 12-26)"
        )
    return code.code, code.root


# --- Tradovate Orders ---------------------------------------------------------------------------

_TRADOVATE = {
    "order": ("orderid", "order id"),
    "account": ("account",),
    "side": ("b/s",),
    "contract": ("contract",),
    "status": ("status",),
    "qty": ("filledqty", "filled qty"),
    "price": ("avgprice", "decimalfillavg", "avg fill price"),
    "time": ("fill time",),
}


def _tradovate_is_fill(row: Row) -> bool:
    """Some of the order filled (a cancelled order may have filled in part first)."""
    qty = row.get("qty")
    return (
        row.get("status").lower() != "rejected"
        and bool(qty)
        and parse_qty(qty, "filled quantity") > 0
    )


def _tradovate_row(row: Row, zone: tzinfo, account: str) -> BrokerFill:
    qty = parse_qty(row.get("qty"), "filled quantity")
    contract, root = _contract(row.need("contract", "Contract"), "Contract")
    return BrokerFill(
        source="tradovate-orders",
        account=account,
        fill_id=None,
        order_id=row.get("order") or None,
        contract=contract,
        root=root,
        side=parse_side(row.need("side", "B/S"), "B/S"),
        qty=qty,
        price=parse_decimal(row.need("price", "average fill price"), "average fill price"),
        time=parse_time(row.need("time", "Fill Time"), zone, "Fill Time"),
    )


# --- NinjaTrader 8 Executions -------------------------------------------------------------------

_NINJATRADER = {
    "instrument": ("instrument",),
    "action": ("action",),
    "qty": ("quantity", "qty"),
    "price": ("price",),
    "time": ("time",),
    "id": ("id", "execution id"),
    "order": ("order id",),
    "commission": ("commission",),
    "account": ("account", "account display name"),
}


def _every_row(row: Row) -> bool:
    """An executions grid holds nothing but fills."""
    return True


def _ninjatrader_row(row: Row, zone: tzinfo, account: str) -> BrokerFill:
    contract, root = _contract(row.need("instrument", "Instrument"), "Instrument")
    commission = row.get("commission")
    return BrokerFill(
        source="ninjatrader-executions",
        account=account,
        fill_id=row.get("id") or None,
        order_id=row.get("order") or None,
        contract=contract,
        root=root,
        side=parse_side(row.need("action", "Action"), "Action"),
        qty=_positive(parse_qty(row.need("qty", "Quantity"), "Quantity")),
        price=parse_decimal(row.need("price", "Price"), "Price"),
        time=parse_time(row.need("time", "Time"), zone, "Time"),
        commission=parse_decimal(commission, "Commission") if commission else None,
    )


# --- R|Trader Pro completed orders --------------------------------------------------------------

_RITHMIC = {
    "account": ("account",),
    "status": ("status",),
    "symbol": ("symbol",),
    "side": ("buy/sell",),
    "qty": ("qty filled",),
    "price": ("avg fill price",),
    "rate": ("commission fill rate",),
    "commission": ("commission",),
    "order": ("order number",),
    "time": ("update time",),
}


def _rithmic_is_fill(row: Row) -> bool:
    qty = row.get("qty")
    return bool(qty) and parse_qty(qty, "Qty Filled") > 0


def _rithmic_row(row: Row, zone: tzinfo, account: str) -> BrokerFill:
    qty = parse_qty(row.get("qty"), "Qty Filled")
    contract, root = _contract(row.need("symbol", "Symbol"), "Symbol")
    rate, total = row.get("rate"), row.get("commission")
    commission = (
        parse_decimal(rate, "Commission Fill Rate") * qty
        if rate
        else (parse_decimal(total, "Commission") if total else None)
    )
    return BrokerFill(
        source="rithmic-orders",
        account=account,
        fill_id=None,
        order_id=row.get("order") or None,
        contract=contract,
        root=root,
        side=parse_side(row.need("side", "Buy/Sell"), "Buy/Sell"),
        qty=qty,
        price=parse_decimal(row.need("price", "Avg Fill Price"), "Avg Fill Price"),
        time=parse_time(row.need("time", "Update Time"), row.zone("time", zone), "Update Time"),
        commission=commission,
    )


# --- TopstepX orders ------------------------------------------------------------------------------

_TOPSTEPX = {
    "order": ("id",),
    "account": ("accountname", "account name"),
    "contract": ("contractname", "contract name"),
    "status": ("status",),
    "qty": ("size",),
    "side": ("side",),
    "time": ("filledat", "filled at"),
    "price": ("executeprice", "execute price"),
}


def _topstepx_is_fill(row: Row) -> bool:
    """`Size` is the order's size, so only a `Filled` order is a fill (of that size)."""
    return row.get("status").lower() == "filled"


def _topstepx_row(row: Row, zone: tzinfo, account: str) -> BrokerFill:
    contract, root = _contract(row.need("contract", "ContractName"), "ContractName")
    return BrokerFill(
        source="topstepx-orders",
        account=account,
        fill_id=None,
        order_id=row.get("order") or None,
        contract=contract,
        root=root,
        side=parse_side(row.need("side", "Side"), "Side"),
        qty=_positive(parse_qty(row.need("qty", "Size"), "Size")),
        price=parse_decimal(row.need("price", "ExecutePrice"), "ExecutePrice"),
        time=parse_time(row.need("time", "FilledAt"), zone, "FilledAt"),
    )


def _positive(qty: int) -> int:
    if qty <= 0:
        raise RowProblem("the quantity is zero")
    return qty


FORMATS: dict[str, ExportFormat] = {
    "tradovate": ExportFormat(
        "tradovate",
        "tradovate-orders",
        _TRADOVATE,
        ("order", "side", "contract", "qty", "price", "time"),
        _tradovate_is_fill,
        _tradovate_row,
    ),
    "ninjatrader": ExportFormat(
        "ninjatrader",
        "ninjatrader-executions",
        _NINJATRADER,
        ("instrument", "action", "qty", "price", "time"),
        _every_row,
        _ninjatrader_row,
    ),
    "rithmic": ExportFormat(
        "rithmic",
        "rithmic-orders",
        _RITHMIC,
        ("symbol", "side", "qty", "price", "time"),
        _rithmic_is_fill,
        _rithmic_row,
    ),
    "topstepx": ExportFormat(
        "topstepx",
        "topstepx-orders",
        _TOPSTEPX,
        ("contract", "status", "qty", "side", "time", "price"),
        _topstepx_is_fill,
        _topstepx_row,
    ),
}
"""The `--format` names tmtui import takes, in the order the help lists them."""
