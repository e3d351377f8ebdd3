"""`tmtui export` and `tmtui import`: history out of the ledger and into it."""

from __future__ import annotations

import os
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TextIO

import typer

from tmtui.cli.broker import import_broker
from tmtui.cli.common import ConfigOpt, day_range, emit_json, err, fail, load, out, run, with_ledger
from tmtui.core.history.history_views import SOURCE_CHOICES, source_filter
from tmtui.core.models import TmtuiError
from tmtui.ledger.instance_lock import InstanceLock
from tmtui.ledger.store import Ledger
from tmtui.readside.exports import COLUMNS, FORMATS, WHAT, Exporter, write_csv, write_json
from tmtui.settings.config import Config

if TYPE_CHECKING:  # the importer (TradingView files, xlsx) loads only for `tmtui import`
    from tmtui.readside.importer import ImportResult

FromOpt = Annotated[
    str | None, typer.Option("--from", help="First trading day YYYY-MM-DD (inclusive).")
]
ToOpt = Annotated[str | None, typer.Option("--to", help="Last trading day YYYY-MM-DD (inclusive).")]
ALERT_FORMATS = ("jsonl", "tradingview")
"""The history formats (`readside.importer.FORMATS`, which loads only for an import)."""


def export(
    format_: Annotated[str, typer.Option("--format", help="csv or json.")] = "csv",
    what: Annotated[
        str, typer.Option("--what", help="trades, signals, fills or daily (day totals).")
    ] = "trades",
    first: FromOpt = None,
    last: ToOpt = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to FILE (default: stdout).")
    ] = None,
    source: Annotated[
        str,
        typer.Option("--source", help="live, backtest or all: which book's rows (default all)."),
    ] = "all",
    config: ConfigOpt = None,
) -> None:
    """Export trades, signals, fills or day totals as CSV or JSON (exact money, ISO times);
    each trade, fill and day row names its book (`source`: live or backtest)."""
    if format_ not in FORMATS:
        fail(f"--format must be one of {', '.join(FORMATS)}, got {format_!r}")
    if what not in WHAT:
        fail(f"--what must be one of {', '.join(WHAT)}, got {what!r}")
    if source not in SOURCE_CHOICES:
        fail(f"--source must be one of {', '.join(SOURCE_CHOICES)}, got {source!r}")
    book = source_filter(source)
    cfg = load(config)
    start, end = day_range(None, first, last)
    if output is None:
        _export(cfg, what, format_, start, end, sys.stdout, book)
        return
    partial = output.with_name(output.name + ".partial")
    try:
        with partial.open("w", encoding="utf-8", newline="") as stream:
            count = _export(cfg, what, format_, start, end, stream, book)
        os.replace(partial, output)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        fail(f"cannot write {output}: {exc.strerror or exc}", 1)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    err.print(f"wrote {count} {what} row(s) to {output}", highlight=False, soft_wrap=True)


def _export(
    cfg: Config,
    what: str,
    fmt: str,
    start: date | None,
    end: date | None,
    stream: TextIO,
    book: str | None = None,
) -> int:
    async def work(ledger: Ledger) -> int:
        records = Exporter(ledger, cfg, start, end, book).records(what)
        if fmt == "csv":
            return await write_csv(records, COLUMNS[what], stream)
        return await write_json(records, stream)

    return run(with_ledger(cfg, work))


def import_(
    file: Annotated[
        Path,
        typer.Argument(help="JSONL alerts, a TradingView trade list, or a broker's export."),
    ],
    format_: Annotated[
        str | None,
        typer.Option(
            "--format",
            help="jsonl or tradingview (default: from the file); a broker's fills: tradovate, "
            "ninjatrader, rithmic or topstepx.",
        ),
    ] = None,
    strategy: Annotated[
        str | None,
        typer.Option("--strategy", help="Strategy to file a TradingView export under."),
    ] = None,
    symbol: Annotated[
        str | None,
        typer.Option("--symbol", help="Its symbol, e.g. MNQ1! (default: from the file name)."),
    ] = None,
    timezone: Annotated[
        str | None,
        typer.Option(
            "--timezone",
            help="Zone of times without an offset: the chart's zone of a TradingView export "
            "(default: session.timezone).",
        ),
    ] = None,
    replace: Annotated[
        bool,
        typer.Option(
            "--replace",
            help="Replace the strategy's backtest with this (newer) TradingView export.",
        ),
    ] = False,
    account: Annotated[
        str | None,
        typer.Option(
            "--account", help="A broker export: only this account (names rows without one)."
        ),
    ] = None,
    json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    config: ConfigOpt = None,
) -> None:
    """Record history or a broker's fills from a file, all or nothing; importing it twice
    adds nothing.

    A TradingView export is the strategy's backtest, apart from live trading (`--source`)."""
    from tmtui.core.broker.exports import FORMATS as BROKER_FORMATS
    from tmtui.readside.importer import ImportOptions, import_file

    cfg = load(config)
    if not file.is_file():
        fail(f"{file} is not a file")
    known = (*ALERT_FORMATS, *BROKER_FORMATS)
    if format_ is not None and format_ not in known:
        fail(f"--format must be one of {', '.join(known)}, got {format_!r}")
    if format_ in BROKER_FORMATS:
        if strategy is not None or symbol is not None:
            fail(f"--strategy and --symbol are for TradingView files, not a {format_} export")
        import_broker(cfg, file, format_, account, timezone, json)
        return
    if replace and format_ in BROKER_FORMATS:
        fail("--replace is for a TradingView export (a strategy's backtest)")
    if account is not None:
        fail(f"--account is for a broker's export (--format {'|'.join(BROKER_FORMATS)})")
    options = ImportOptions(format_, strategy, symbol, timezone, replace)

    async def work(ledger: Ledger) -> ImportResult:
        return await import_file(ledger, cfg, file, options)

    try:  # an import writes: never beside a running tmtui (its book would go stale)
        lock = InstanceLock.acquire(cfg.ledger.resolved_path(), role="tmtui import")
    except TmtuiError as exc:
        fail(str(exc), 1)
    with lock:
        result = run(with_ledger(cfg, work, create=True), code=1)
    if json:
        emit_json(_result_json(result))
    else:
        _print_result(result)
    if result.mismatches:
        raise typer.Exit(3)


def _result_json(r: ImportResult) -> dict[str, object]:
    return {
        "file": r.file,
        "format": r.format,
        "added": r.added,
        "ignored": r.ignored,
        "duplicates": r.duplicates,
        "skipped": r.skipped,
        "round_trips": r.trades,
        "strategies": r.strategies,
        "checked": r.checked,
        "mismatches": r.mismatches,
        "source": "backtest" if r.format == "tradingview" else "live",
        "open_trades": r.open_trades,
    }


def _print_result(r: ImportResult) -> None:
    out.print(
        f"{r.file} ({r.format}): {r.added} signal(s) recorded, {r.trades} round trip(s) "
        f"closed, {r.duplicates} already recorded"
        + (f", {r.ignored} ignored (nothing open to close)" if r.ignored else "")
        + (f", {r.skipped} skipped (not applied at the source)" if r.skipped else ""),
        highlight=False,
        soft_wrap=True,
        markup=False,
    )
    if r.format == "tradingview":
        out.print(
            f"recorded as the backtest of {', '.join(r.strategies)}"
            + (f"; {r.open_trades} trade(s) still open there" if r.open_trades else "")
            + " (not in the live book)",
            highlight=False,
            soft_wrap=True,
            markup=False,
        )
    if r.checked and not r.mismatches:
        out.print(
            f"all {r.checked} round trip(s) match TradingView's Net P&L to the cent",
            highlight=False,
            soft_wrap=True,
        )
    for line in r.mismatches:
        err.print(f"differs: {line}", highlight=False, markup=False, soft_wrap=True)
    if r.mismatches:
        err.print(
            f"{len(r.mismatches)} of {r.checked} round trip(s) differ from TradingView: set "
            "[commissions] (per side per contract) and [contracts] as in the Strategy Tester, "
            "then run `tmtui ledger rebuild`",
            highlight=False,
            soft_wrap=True,
            markup=False,
        )


COMMANDS = ((export, "export"), (import_, "import"))
