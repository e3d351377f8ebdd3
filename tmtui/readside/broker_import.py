"""`tmtui import FILE --format tradovate|ninjatrader|rithmic|topstepx`: the broker's fills in.

The export is read whole first (`core.broker.read_export`): one unreadable row and nothing
is recorded, every bad row named by its line. The fills then go into the ledger's
`broker_fills` in one transaction, keyed by `BrokerFill.key`, so importing a file twice
adds nothing. The signals and the books are never touched.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from tmtui.core.broker.exports import FORMATS, read_export
from tmtui.core.broker.fills import BrokerFill
from tmtui.core.events import Event, EventKind
from tmtui.core.history.import_plan import ImportRefused
from tmtui.core.models import TmtuiError
from tmtui.core.trading_day import zone
from tmtui.ledger.broker_fills import known_keys, record_broker_fills
from tmtui.ledger.store import Ledger

BROKER_FORMATS = tuple(FORMATS)


@dataclass(frozen=True, slots=True)
class BrokerExport:
    """An export read and checked, ready to record."""

    file: str
    format: str
    fills: tuple[BrokerFill, ...]
    skipped: int


@dataclass(slots=True)
class BrokerImportResult:
    file: str
    format: str
    fills: int = 0
    added: int = 0
    duplicates: int = 0
    skipped: int = 0
    accounts: list[str] = field(default_factory=list)


def read_broker_export(
    path: Path, fmt: str, timezone: str, account: str | None = None
) -> BrokerExport:
    """Read and check the whole file; raises ImportRefused (each bad row by line) or
    TmtuiError (unreadable file), nothing recorded either way."""
    try:
        tz = zone(timezone)
    except ValueError as exc:
        raise TmtuiError(f"--timezone: {exc}") from None
    read = read_export(_text(path), fmt, tz, account)
    if read.errors:
        raise ImportRefused(path.name, read.errors)
    return BrokerExport(path.name, read.fmt, read.fills, read.skipped)


async def record_broker_export(
    ledger: Ledger, export: BrokerExport, now: datetime | None = None
) -> BrokerImportResult:
    """Record the export's fills the ledger does not hold yet (one transaction)."""
    when = now or datetime.now(UTC)
    result = BrokerImportResult(
        export.file,
        export.format,
        fills=len(export.fills),
        skipped=export.skipped,
        accounts=sorted({f.account for f in export.fills}),
    )
    unique = list({f.key: f for f in export.fills}.values())
    held = await known_keys(ledger, [f.key for f in unique])
    fresh = [f for f in unique if f.key not in held]
    text = (
        f"imported broker fills {export.file} ({export.format}): {len(fresh)} new, "
        f"{len(export.fills) - len(fresh)} already recorded"
    )
    events = [Event(EventKind.INFO, text, when, {"file": export.file})] if fresh else []
    result.added = await record_broker_fills(ledger, fresh, f"import:{export.file}", when, events)
    result.duplicates = result.fills - result.added
    return result


def _text(path: Path) -> str:
    """UTF-8 (with or without a byte-order mark); a Windows export in its code page too."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise TmtuiError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")
