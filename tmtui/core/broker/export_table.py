"""Reading a broker's CSV export: the header found by name, cells read strictly, line numbers kept.

Pure: the caller reads the file and hands in its text. Exports arrive with a byte-order mark,
padded cells (Tradovate writes ` Buy`), a preamble before the header (R|Trader Pro's
`Completed Orders` line), a trailing empty column (NinjaTrader ends each line with a comma) or
`;` as the separator: all are taken in stride. A cell that cannot be read raises `RowProblem`,
which the format's reader turns into `line N: ...`.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from tmtui.core.broker.fills import BrokerFill, Side


class RowProblem(ValueError):
    """One cell of one row cannot be read: the message names the column and the value."""


@dataclass(frozen=True, slots=True)
class ExportRead:
    """What one export holds: all its fills, or (all or nothing) the reasons it holds none.

    `skipped` counts rows that are not fills (cancelled or working orders, other accounts).
    """

    fmt: str
    fills: tuple[BrokerFill, ...]
    errors: tuple[str, ...]
    skipped: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


_ZONE_NOTES: dict[str, tzinfo] = {
    **dict.fromkeys(("ct", "cst", "cdt", "central"), ZoneInfo("America/Chicago")),
    **dict.fromkeys(("et", "est", "edt", "eastern"), ZoneInfo("America/New_York")),
    **dict.fromkeys(("mt", "mst", "mdt"), ZoneInfo("America/Denver")),
    **dict.fromkeys(("pt", "pst", "pdt"), ZoneInfo("America/Los_Angeles")),
    **dict.fromkeys(("utc", "gmt", "z"), UTC),
}
_NOTE = re.compile(r"\((?P<note>[^)]*)\)\s*$")


@dataclass(frozen=True, slots=True)
class Row:
    """One data row with the header's column positions: cells by column name."""

    line: int
    cells: Sequence[str]
    columns: Mapping[str, int]
    header: Sequence[str] = ()

    def zone(self, name: str, default: tzinfo) -> tzinfo:
        """The zone a time column's header states (`Update Time (CDT)`), else `default`.

        Daylight and standard abbreviations both name the place's zone, whose own rules then
        give each date its offset.
        """
        index = self.columns.get(name)
        if index is None or index >= len(self.header):
            return default
        note = _NOTE.search(self.header[index])
        return _ZONE_NOTES.get(note["note"].strip().lower(), default) if note else default

    def get(self, name: str) -> str:
        """The cell under `name`, stripped; "" when the export has no such column or cell."""
        index = self.columns.get(name)
        if index is None or index >= len(self.cells):
            return ""
        return self.cells[index].strip()

    def has(self, name: str) -> bool:
        return name in self.columns

    def need(self, name: str, label: str) -> str:
        """The cell under `name`, which must not be empty."""
        value = self.get(name)
        if not value:
            raise RowProblem(f"{label} is empty")
        return value


def norm_header(cell: str) -> str:
    """A header as compared: no BOM, lower case, single spaces (`Fill Time ` = `fill time`)."""
    return " ".join(cell.replace("\ufeff", "").strip().strip('"').lower().split())


def table_rows(text: str) -> list[tuple[int, list[str]]]:
    """Every non-blank row with the line it starts on (1-based, as an editor shows it)."""
    text = text.lstrip("\ufeff")
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    rows: list[tuple[int, list[str]]] = []
    start = 1
    for cells in reader:
        if any(cell.strip() for cell in cells):
            rows.append((start, cells))
        start = reader.line_num + 1
    return rows


def find_header(
    rows: Sequence[tuple[int, list[str]]],
    spellings: Mapping[str, tuple[str, ...]],
    required: Sequence[str],
) -> tuple[int, dict[str, int]] | None:
    """The first row holding every required column: its index and each known column's position.

    `spellings` maps a column's name to the header texts it goes by (case and spacing aside),
    in order of preference; a header with a note in parentheses (`update time (cdt)`) counts.
    """
    for index, (_, cells) in enumerate(rows):
        headers = [norm_header(c) for c in cells]
        columns = {
            name: pos
            for name, alts in spellings.items()
            if (pos := _position(headers, alts)) is not None
        }
        if all(name in columns for name in required):
            return index, columns
    return None


def _position(headers: list[str], alternatives: tuple[str, ...]) -> int | None:
    for spelling in alternatives:
        if spelling in headers:
            return headers.index(spelling)
    for spelling in alternatives:
        for pos, header in enumerate(headers):
            if header.startswith((spelling + " (", spelling + "(")):
                return pos
    return None


_THOUSANDS = re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?$")
_THIRTY_SECONDS = re.compile(r"^(?P<whole>\d+)'(?P<n>\d{2})(?P<frac>[0257])?$")
_EIGHTHS_OF_32 = {"0": Decimal(0), "2": Decimal("0.25"), "5": Decimal("0.5"), "7": Decimal("0.75")}


def parse_decimal(text: str, label: str) -> Decimal:
    """A price or amount as brokers write it: `21000.25`, `"21,000.25"`, `$1.24`, `(2.50)`,
    or Treasury 32nds `110'16` / `110'165` (110 + 16.5/32).
    """
    raw = text.strip()
    value = raw.replace("$", "").replace(" ", "")
    negative = value.startswith("(") and value.endswith(")")
    value = value.strip("()")
    if value.startswith("-"):
        negative, value = not negative, value[1:]
    if m := _THIRTY_SECONDS.match(value):
        if int(m["n"]) >= 32:
            raise RowProblem(f"{label} {raw!r} has more than 31 32nds")
        n = Decimal(m["n"]) + _EIGHTHS_OF_32[m["frac"] or "0"]
        number = Decimal(m["whole"]) + n / 32
    else:
        if _THOUSANDS.match(value):
            value = value.replace(",", "")
        try:
            number = Decimal(value)
        except InvalidOperation:
            raise RowProblem(f"{label} {raw!r} is not a number") from None
        if not number.is_finite():
            raise RowProblem(f"{label} {raw!r} is not a number")
    return -number if negative else number


def parse_qty(text: str, label: str) -> int:
    """A whole number of contracts (`2`, `2.0`); the sign is dropped (some exports sign sells)."""
    number = abs(parse_decimal(text, label))
    if number != number.to_integral_value():
        raise RowProblem(f"{label} {text.strip()!r} is not a whole number of contracts")
    return int(number)


_US_TIMES = (
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y %H:%M:%S %z",
    "%m/%d/%Y %H:%M %z",
    "%m/%d/%y %I:%M:%S %p",
    "%m/%d/%y %H:%M:%S",
)


def parse_time(text: str, zone: tzinfo, label: str) -> datetime:
    """A time in the US form (`3/14/2025 9:30:01 AM`, `03/14/2025 09:30:01`, with or without an
    offset like `+02:00`) or ISO 8601; a time without an offset is in `zone`.
    """
    raw = " ".join(text.strip().split())
    parsed: datetime | None = None
    for form in _US_TIMES:
        try:
            parsed = datetime.strptime(raw, form)
            break
        except ValueError:
            continue
    if parsed is None:
        try:
            parsed = datetime.fromisoformat(raw)
        except ValueError:
            raise RowProblem(
                f"{label} {text.strip()!r} is not a time (use M/D/YYYY h:mm:ss AM or ISO 8601)"
            ) from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=zone)


_SIDES = {
    "buy": Side.BUY,
    "b": Side.BUY,
    "bot": Side.BUY,
    "bid": Side.BUY,
    "buy to cover": Side.BUY,
    "buytocover": Side.BUY,
    "sell": Side.SELL,
    "s": Side.SELL,
    "sld": Side.SELL,
    "ask": Side.SELL,
    "sell short": Side.SELL,
    "sellshort": Side.SELL,
}


def parse_side(text: str, label: str) -> Side:
    """Buy or sell in any of the exports' words (Tradovate `Buy`, R|Trader `B`, TopstepX `Bid`)."""
    side = _SIDES.get(" ".join(text.strip().lower().split()))
    if side is None:
        raise RowProblem(f"{label} {text.strip()!r} is neither buy nor sell")
    return side
