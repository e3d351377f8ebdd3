"""The broker's side from the command line: importing its fills, reconciling them.

- `tmtui import FILE --format tradovate|ninjatrader|rithmic|topstepx [--account A]` (the
  import command hands these formats here): all or nothing, each bad row named by its line
  (exit 2), idempotent, refused while `tmtui run` holds the ledger.
- `tmtui reconcile [--json] [--day D | --from D1 --to D2] [--strategy S]`: each routed
  signal beside the broker fills it caused, the fills no signal explains, the drift, each
  strategy's totals. `--json` is a contract (see `core.broker.reconciliation`).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table
from rich.text import Text

from tmtui.cli.common import (
    ConfigOpt,
    JsonOpt,
    day_range,
    emit_json,
    err,
    fail,
    load,
    out,
    run,
    with_ledger,
)
from tmtui.core.contracts import ContractBook
from tmtui.core.models import TmtuiError
from tmtui.core.trading_day import zone
from tmtui.ledger.instance_lock import InstanceLock
from tmtui.ledger.store import Ledger
from tmtui.settings.config import Config

if TYPE_CHECKING:  # the broker's side loads only for `tmtui import` and `tmtui reconcile`
    from tmtui.core.broker.reconciliation import Reconciliation
    from tmtui.readside.broker_import import BrokerImportResult


def import_broker(
    cfg: Config, file: Path, fmt: str, account: str | None, timezone: str | None, json: bool
) -> None:
    """Read the whole export (bad rows: exit 2, nothing recorded), then record it under the
    instance lock."""
    from tmtui.readside.broker_import import read_broker_export, record_broker_export

    try:
        export = read_broker_export(file, fmt, timezone or cfg.session.timezone, account)
    except TmtuiError as exc:
        fail(str(exc))

    async def work(ledger: Ledger) -> BrokerImportResult:
        return await record_broker_export(ledger, export)

    try:  # a writer: never beside a running tmtui, as every import
        lock = InstanceLock.acquire(cfg.ledger.resolved_path())
    except TmtuiError as exc:
        fail(str(exc), 1)
    with lock:
        result = run(with_ledger(cfg, work, create=True), code=1)
    if json:
        emit_json(
            {
                "file": result.file,
                "format": result.format,
                "fills": result.fills,
                "added": result.added,
                "duplicates": result.duplicates,
                "skipped": result.skipped,
                "accounts": result.accounts,
            }
        )
        return
    skipped = f", {result.skipped} row(s) not fills (cancelled, working)" if result.skipped else ""
    out.print(
        f"{result.file} ({result.format}): {result.added} broker fill(s) recorded, "
        f"{result.duplicates} already recorded{skipped}; account(s): "
        f"{', '.join(result.accounts) or '—'}",
        highlight=False,
        soft_wrap=True,
        markup=False,
    )


def reconcile(
    day: Annotated[
        str | None, typer.Option("--day", help="Trading day YYYY-MM-DD (default: today's).")
    ] = None,
    first: Annotated[
        str | None, typer.Option("--from", help="First trading day YYYY-MM-DD (inclusive).")
    ] = None,
    last: Annotated[
        str | None, typer.Option("--to", help="Last trading day YYYY-MM-DD (inclusive).")
    ] = None,
    strategy: Annotated[str | None, typer.Option("--strategy", help="Only this strategy.")] = None,
    json: JsonOpt = False,
    config: ConfigOpt = None,
) -> None:
    """Match routed signals to the broker's fills: slippage, latency, missed, extra, drift."""
    from tmtui.readside.reconcile_reads import ReconcileQueries

    cfg = load(config)
    start, end = day_range(day, first, last)

    async def work(ledger: Ledger) -> tuple[date | None, date | None, Reconciliation, bool]:
        reads = ReconcileQueries(ledger, cfg)
        lo, hi = start, end
        if lo is None and hi is None:
            lo = hi = reads.today()
        elif hi is None:
            hi = reads.today()
        return lo, hi, await reads.reconcile(lo, hi, strategy), await reads.broker_fills_recorded()

    lo, hi, result, any_fills = run(with_ledger(cfg, work))
    if not any_fills:
        err.print(
            "no broker fills recorded yet: import them with tmtui import FILE --format "
            "tradovate|ninjatrader|rithmic|topstepx",
            highlight=False,
            soft_wrap=True,
            markup=False,
        )
    if json:
        emit_json(result.to_json())
        return
    _print(cfg, result, lo, hi)


def _print(cfg: Config, r: Reconciliation, lo: date | None, hi: date | None) -> None:
    from tmtui.core.broker.reconcile_rows import (
        EXTRA_COLUMNS,
        POSITION_COLUMNS,
        SIGNAL_COLUMNS,
        TEXT_COLUMNS,
        TOTAL_COLUMNS,
        extra_cells,
        position_cells,
        signal_cells,
        total_cells,
    )

    specs = ContractBook(cfg.contracts).specs
    tz = zone(cfg.session.timezone)

    def ticks(root: str) -> Decimal | None:
        spec = specs.get(root.upper())
        return None if spec is None else spec.tick_size

    span = str(lo) if lo == hi else f"{lo or 'the start'} to {hi}"
    _show(
        f"Signals, {span}",
        SIGNAL_COLUMNS,
        TEXT_COLUMNS["signals"],
        [signal_cells(o, tz, ticks) for o in r.signals],
    )
    _show(
        "Extra fills: no signal explains them",
        EXTRA_COLUMNS,
        TEXT_COLUMNS["extras"],
        [extra_cells(f, tz, ticks) for f in r.extra_fills],
    )
    _show(
        f"Positions at the end of {hi}",
        POSITION_COLUMNS,
        TEXT_COLUMNS["positions"],
        [position_cells(p) for p in r.positions],
    )
    _show(
        "By strategy",
        TOTAL_COLUMNS,
        TEXT_COLUMNS["totals"],
        [total_cells(t) for t in r.by_strategy],
    )


def _show(title: str, columns: tuple[str, ...], words: int, rows: list[list[str]]) -> None:
    """Words left-aligned and folded when narrow; figures right-aligned, never cut."""
    if not rows:
        out.print(f"{title}: none", highlight=False, markup=False, soft_wrap=True)
        return
    table = Table(title=title, title_justify="left")
    for i, name in enumerate(columns):
        figure = i >= words
        widest = max(Text(row[i]).cell_len for row in rows)
        table.add_column(
            name,
            justify="right" if figure else "left",
            no_wrap=figure,
            overflow="ellipsis" if figure else "fold",
            min_width=max(widest, len(name)) if figure else None,
        )
    for row in rows:
        table.add_row(*(Text(cell) for cell in row))
    out.print(table)
