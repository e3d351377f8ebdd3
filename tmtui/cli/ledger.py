"""`tmtui ledger ...`: backups, proofs and repairs of the ledger.

Signals are the source of truth; fills, trades, day rollups and the stored book are derived
from them. `verify` replays every signal and compares; `rebuild` rewrites the derived tables
(after a change to commissions or the contract table, say); `backup` copies the ledger while
`tmtui run` writes to it.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from tmtui.cli.common import ConfigOpt, JsonOpt, emit_json, err, fail, load, out, run, with_ledger
from tmtui.core.formatting import count_text, seconds_text
from tmtui.core.models import TmtuiError
from tmtui.ledger.backup import BackupFailed, backup_file, default_backup_name
from tmtui.ledger.instance_lock import InstanceLock
from tmtui.ledger.store import Ledger

ledger_app = typer.Typer(
    help="Back up the ledger, check or rebuild its derived tables from its signals.",
    no_args_is_help=True,
)


@ledger_app.command("verify")
def verify_cmd(config: ConfigOpt = None, json: JsonOpt = False) -> None:
    """Replay every signal and compare with the stored book, fills, trades and day totals."""
    from tmtui.services.book_restore import verify

    cfg = load(config)

    async def work(ledger: Ledger) -> tuple[list[str], int]:
        return await verify(ledger, cfg), await ledger.count_signals()

    diffs, count = run(with_ledger(cfg, work))
    path = str(cfg.ledger.resolved_path())
    if json:
        emit_json({"ledger": path, "signals": count, "ok": not diffs, "differences": diffs})
    else:
        for diff in diffs:
            out.print(diff, highlight=False, markup=False, soft_wrap=True)  # one line each
        if diffs:
            err.print(f"{len(diffs)} difference(s) between {path} and a replay of its signals")
        else:
            out.print(f"ok: {path} matches a replay of its {count} signal(s)", markup=False)
    if diffs:
        raise typer.Exit(1)


@ledger_app.command("rebuild")
def rebuild_cmd(config: ConfigOpt = None) -> None:
    """Rewrite fills, trades, day totals and the stored book from the signals."""
    from tmtui.services.book_restore import rebuild

    cfg = load(config)
    began = time.monotonic()

    async def work(ledger: Ledger) -> int:
        result = await rebuild(ledger, cfg)
        return len(result.trades)

    try:
        # a rebuild is a writer too
        lock = InstanceLock.acquire(cfg.ledger.resolved_path(), role="tmtui ledger rebuild")
    except TmtuiError as exc:
        fail(str(exc), 1)
    try:
        with lock:
            trades = run(with_ledger(cfg, work, read_only_ok=False))
    except OSError as exc:
        fail(f"could not rebuild {cfg.ledger.resolved_path()}: {exc}", 1)
    out.print(
        f"rebuilt {cfg.ledger.resolved_path()}: {trades} round trip(s) "
        f"in {seconds_text(time.monotonic() - began)} s",
        markup=False,
    )


@ledger_app.command("backup")
def backup_cmd(
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
    cfg = load(config)
    ledger = cfg.ledger.resolved_path()
    target = path.expanduser() if path is not None else cfg.ledger.resolved_backup_dir()
    if path is None or target.is_dir():
        target = target / default_backup_name(ledger)
    try:
        result = backup_file(ledger, target)
    except BackupFailed as exc:
        fail(str(exc), 1)
    out.print(
        f"backed up {ledger} to {result.path}: {result.signals} signals, "
        f"{count_text(result.size)} bytes",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
