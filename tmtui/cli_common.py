"""What every `tmtui` command shares: config loading, one-line errors, JSON output.

A user's mistake (a bad config, a missing ledger) ends the command with one line on
stderr and a non-zero exit code, never a traceback.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import simplejson
import typer
from rich.console import Console
from rich.markup import escape

from tmtui.config import Config, load_config
from tmtui.core.models import TmtuiError
from tmtui.ledger import Ledger

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
    """Run a command's coroutine; a TmtuiError becomes one line and exit `code`."""
    try:
        return asyncio.run(coro)
    except TmtuiError as exc:
        return fail(str(exc), code)


def emit_json(document: Any) -> None:
    """Exactly one JSON document on stdout; Decimals as exact JSON numbers."""
    sys.stdout.write(simplejson.dumps(document, use_decimal=True, indent=2) + "\n")


async def with_ledger(cfg: Config, work: Callable[[Ledger], Awaitable[T]]) -> T:
    """Open the configured ledger for `work`, and close it whatever happens."""
    ledger = await Ledger.open(cfg.ledger.resolved_path())
    try:
        return await work(ledger)
    finally:
        await ledger.close()
