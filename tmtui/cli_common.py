"""What every `tmtui` command shares: config loading, one-line errors, JSON output.

A user's mistake (a bad config, a missing ledger) ends the command with one line on
stderr and a non-zero exit code, never a traceback.
"""

from __future__ import annotations

import asyncio
import sqlite3
import sys
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import simplejson
import typer
from rich.console import Console
from rich.markup import escape

from tmtui.config import Config, load_config
from tmtui.core.models import LedgerUnavailable, TmtuiError
from tmtui.ledger import Ledger
from tmtui.ledger_guard import RESTORE_HINT, LedgerRefused

T = TypeVar("T")

err = Console(stderr=True)
out = Console()

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
        return fail(str(exc), code)


def emit_json(document: Any) -> None:
    """Exactly one JSON document on stdout; Decimals as exact JSON numbers."""
    sys.stdout.write(simplejson.dumps(document, use_decimal=True, indent=2) + "\n")


async def with_ledger(cfg: Config, work: Callable[[Ledger], Awaitable[T]]) -> T:
    """Open the configured ledger for `work`, and close it whatever happens.

    Never creates a ledger (only `tmtui run` does): a missing one is LedgerRefused.
    """
    path = cfg.ledger.resolved_path()
    ledger = await Ledger.open(path, create=False, write_budget=cfg.ledger.write_budget)
    try:
        return await work(ledger)
    except sqlite3.DatabaseError as exc:
        raise LedgerRefused(f"ledger {path} could not be read ({exc}): {RESTORE_HINT}") from None
    finally:
        await ledger.close()
