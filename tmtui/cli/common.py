"""What every `tmtui` command shares: config loading, one-line errors, JSON output.

A user's mistake (a bad config, a missing ledger) ends the command with one line on
stderr and a non-zero exit code, never a traceback.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import sys
from collections.abc import Awaitable, Callable, Coroutine
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import simplejson
import typer
from rich.console import Console
from rich.markup import escape

from tmtui.core.formatting import price_text, signed_money
from tmtui.core.models import LedgerUnavailable, TmtuiError
from tmtui.ledger.guard import RESTORE_HINT, LedgerRefused
from tmtui.ledger.store import Ledger
from tmtui.settings.config import Config, load_config

T = TypeVar("T")

err = Console(stderr=True)
out = Console(width=None if sys.stdout.isatty() or os.environ.get("COLUMNS") else 160)
"""Tables for people; in a pipe Rich would assume 80 columns and squeeze them."""

ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config", "-c", help="Config file (default: $TMTUI_CONFIG or the user config dir)."
    ),
]
JsonOpt = Annotated[
    bool, typer.Option("--json", help="Print one JSON document instead of a table.")
]


def load(config_path: Path | None) -> Config:
    """The config, or exit 2 with the key and file that are wrong."""
    try:
        return load_config(config_path)
    except TmtuiError as exc:
        fail(str(exc))


def fail(message: str, code: int = 2) -> NoReturn:
    """One line; the message is printed literally (`[listener]` is not Rich markup)."""
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def run(coro: Coroutine[Any, Any, T], code: int = 2) -> T:
    """Run a command's coroutine; a TmtuiError becomes one line and exit `code`, a ledger
    that cannot be used (missing, damaged, locked) one line and exit 1."""
    try:
        return asyncio.run(coro)
    except (LedgerRefused, LedgerUnavailable) as exc:
        return fail(str(exc), 1)
    except TmtuiError as exc:
        return fail(str(exc), 1 if isinstance(exc, LedgerUnavailable) else code)


def emit_json(document: Any) -> None:
    """Exactly one JSON document on stdout; Decimals as exact JSON numbers."""
    sys.stdout.write(simplejson.dumps(document, use_decimal=True, indent=2) + "\n")


async def with_ledger(
    cfg: Config, work: Callable[[Ledger], Awaitable[T]], *, create: bool = False
) -> T:
    """Open the configured ledger for `work`, and close it whatever happens.

    Read commands never create a ledger (a missing one is LedgerRefused); `create` is for
    the writers that may start one (`tmtui import`, under the instance lock like `run`).
    """
    path = cfg.ledger.resolved_path()
    ledger = await Ledger.open(path, create=create, write_budget=cfg.ledger.write_budget)
    try:
        return await work(ledger)
    except sqlite3.DatabaseError as exc:
        raise LedgerRefused(f"ledger {path} could not be read ({exc}): {RESTORE_HINT}") from None
    finally:
        await ledger.close()


def fmt_money(value: Decimal | None) -> str:
    """Signed with thousands separators, green or red, as on the screen (`—` when unknown)."""
    text = signed_money(value)
    if value is None or text == "0.00":
        return text
    return f"[{'green' if value > 0 else 'red'}]{text}[/]"


def fmt_price(value: Decimal | None, tick: Decimal | None = None) -> str:
    """A price with the contract's tick decimals, as on the screen (exact without a tick)."""
    return price_text(value, tick)


def parse_day(text: str, flag: str = "--day") -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return fail(f"{flag} must be a date YYYY-MM-DD, got {text!r}")


def parse_month(text: str, flag: str = "--month") -> date:
    try:
        return datetime.strptime(text, "%Y-%m").date()
    except ValueError:
        return fail(f"{flag} must be YYYY-MM, got {text!r}")


def day_range(
    day: str | None, first: str | None, last: str | None
) -> tuple[date | None, date | None]:
    """`--day D` or `--from D1 --to D2` (either end open) as inclusive trading days."""
    if day is not None and (first is not None or last is not None):
        fail("use either --day or --from/--to, not both")
    if day is not None:
        one = parse_day(day)
        return one, one
    start = parse_day(first, "--from") if first is not None else None
    end = parse_day(last, "--to") if last is not None else None
    if start is not None and end is not None and start > end:
        fail(f"--from {start} is after --to {end}")
    return start, end
