"""`tmtui ledger ...`: looking after the ledger file itself.

`backup` is here; checking (`verify`) and rebuilding the derived tables belong here too.
Registered by `tmtui.cli`; kept apart so the main command module stays about trading.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from tmtui.config import Config, load_config
from tmtui.core.models import TmtuiError
from tmtui.ledger_backup import BackupFailed, backup_file, default_backup_name

ledger_app = typer.Typer(
    help="Look after the ledger: back it up while tmtui runs.", no_args_is_help=True
)

err = Console(stderr=True)

ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config", "-c", help="Config file (default: $TMTUI_CONFIG or the user config dir)."
    ),
]


def _fail(message: str, code: int) -> NoReturn:
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def _load(config_path: Path | None) -> Config:
    try:
        return load_config(config_path)
    except TmtuiError as exc:
        _fail(str(exc), 2)


@ledger_app.command("backup")
def backup(
    path: Annotated[
        Path | None,
        typer.Argument(
            help="File to write, or a folder to write into (default: [ledger] backup_dir).",
            show_default=False,
        ),
    ] = None,
    config: ConfigOpt = None,
) -> None:
    """A consistent copy of the ledger (SQLite online backup), safe while `tmtui run` writes.

    Never overwrites a file; the copy is checked before it gets its name. Restore it as the
    README says ("Restoring a backup").
    """
    cfg = _load(config)
    ledger = cfg.ledger.resolved_path()
    target = path.expanduser() if path is not None else cfg.ledger.resolved_backup_dir()
    if path is None or target.is_dir():
        target = target / default_backup_name(ledger)
    try:
        result = backup_file(ledger, target)
    except BackupFailed as exc:
        _fail(str(exc), 1)
    print(f"backed up {ledger} to {result.path}: {result.signals} signals, {result.size:,} bytes")
