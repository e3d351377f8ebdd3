"""The `tmtui` command line (typer): run, signal, config; the read commands
(`cli_history`), import/export (`cli_transfer`), `risk` and `ledger` plug in here.

Read commands open the ledger alongside a running `tmtui run` (SQLite WAL lets them) and
print a Rich table, or with `--json` exactly one JSON document on stdout.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Annotated

import typer

from tmtui import __version__
from tmtui.cli.broker import reconcile
from tmtui.cli.common import ConfigOpt, emit_json, err, fail, load
from tmtui.cli.common import run as run_command
from tmtui.cli.history import COMMANDS as READ_COMMANDS
from tmtui.cli.ledger import ledger_app
from tmtui.cli.orders import orders as orders_cmd
from tmtui.cli.risk import risk_cmd
from tmtui.cli.transfer import COMMANDS as TRANSFER_COMMANDS
from tmtui.core.models import TmtuiError
from tmtui.ledger.instance_lock import InstanceLock, running_instance
from tmtui.ledger.store import Ledger
from tmtui.settings.config import Config, example_config_text, find_config_path

app = typer.Typer(
    name="tmtui",
    help="Terminal trade manager: TradingView alerts in, positions and live P&L out.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
config_app = typer.Typer(help="Find or create the configuration file.", no_args_is_help=True)
app.add_typer(config_app, name="config")
app.add_typer(ledger_app, name="ledger")
app.command("risk")(risk_cmd)
app.command("reconcile")(reconcile)
app.command("orders")(orders_cmd)


def main() -> None:
    logging.basicConfig(
        level=logging.WARNING,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    app()


def _version(value: bool) -> None:
    if value:
        print(f"tmtui {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """tmtui: TradingView alerts in, positions and live P&L out."""


# --- run -------------------------------------------------------------------------------------


@app.command()
def run(
    config: ConfigOpt = None,
    headless: Annotated[
        bool, typer.Option("--headless", help="No screen: one line per event on stdout.")
    ] = False,
    demo: Annotated[
        bool, typer.Option("--demo", help="Throwaway ledger, replay prices and scripted alerts.")
    ] = False,
) -> None:
    """Run the listener, the price feed and the trading screen in one event loop."""
    cfg = load(config)
    if demo:
        from tmtui.runtime.demo import demo_config

        cfg = demo_config(cfg)
    ledger = cfg.ledger.resolved_path()
    try:
        lock = InstanceLock.acquire(ledger)
    except TmtuiError as exc:
        fail(str(exc), code=1)
    with lock:
        if not demo:
            _check_ledger(ledger)
        if headless:
            from tmtui.frontends.headless import run_headless

            try:
                code = asyncio.run(run_headless(cfg, demo=demo, instance_lock=lock))
            except TmtuiError as exc:
                fail(str(exc), code=1)
            raise typer.Exit(code)
        _run_screen(cfg, demo, lock)


def _run_screen(cfg: Config, demo: bool, lock: InstanceLock) -> None:
    """The TUI; a failure to start (ledger, listener port) ends it with one line, exit 1."""
    from tmtui.runtime.factory import build_engine
    from tmtui.ui.app import TmtuiApp

    _log_to_file(cfg.ledger.resolved_path().with_suffix(".log"))
    factory = partial(build_engine, cfg, daily_backups=not demo)
    app = TmtuiApp(cfg, demo=demo, instance_lock=lock, engine_factory=factory)
    app.run()
    if app.start_error is not None:
        fail(app.start_error, code=1)
    if app.return_code:
        raise typer.Exit(app.return_code)


def _check_ledger(path: Path) -> None:
    """Before anything starts: a broken ledger is refused (one line, exit 1). A missing one
    is created by the engine, whose first log line says so."""
    if not path.exists():
        return

    async def check() -> None:
        ledger = await Ledger.open(path, create=False, quick_check=True)
        await ledger.close()

    run_command(check())


def _log_to_file(path: Path) -> None:
    """Under the screen, log lines would garble the terminal: send them to a file."""
    try:
        handler = logging.FileHandler(path, encoding="utf-8")
    except OSError as exc:
        fail(f"cannot write the log file {path}: {exc.strerror or exc}", code=1)
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)


# --- signal -----------------------------------------------------------------------------------


@app.command("signal")
def signal_cmd(
    action: Annotated[str, typer.Argument(help="buy, sell, long, short, close, exit or flatten.")],
    ticker: Annotated[str, typer.Argument(help="e.g. NQ1!, MNQZ2025, CME_MINI:ES1!")],
    qty: Annotated[int | None, typer.Argument(help="Contracts (not needed to close).")] = None,
    price_: Annotated[str | None, typer.Option("--price", help="Fill price.")] = None,
    strategy: Annotated[str | None, typer.Option("--strategy", help="Strategy name.")] = None,
    alert_id: Annotated[str | None, typer.Option("--id", help="Alert id (dedupe key).")] = None,
    url: Annotated[
        str | None, typer.Option("--url", help="Listener URL (default: from config).")
    ] = None,
    config: ConfigOpt = None,
) -> None:
    """Post a TradingView-shaped alert to the listener and print its reply."""
    from tmtui.services.signal_client import build_alert_payload, post_signal

    cfg = load(config)
    target = url or _listener_url(cfg)
    try:
        payload = build_alert_payload(
            action, ticker, qty, price_, strategy, alert_id, cfg.listener.secret, datetime.now(UTC)
        )
    except TmtuiError as exc:
        fail(str(exc))
    try:
        status, body = asyncio.run(post_signal(target, payload))
    except TmtuiError as exc:
        fail(f"{exc}: is `tmtui run` running? it listens on {_listener_url(cfg)}", code=1)
    emit_json({"status": status, "reply": body})
    if not 200 <= status < 300:
        raise typer.Exit(1)


def _listener_url(cfg: Config) -> str:
    """Where the running instance listens (its lock file says), else where the config says."""
    holder = running_instance(cfg.ledger.resolved_path())
    if holder is not None and holder.listener:
        return _reachable(holder.listener)
    lst = cfg.listener
    return _reachable(f"http://{lst.host}:{lst.port}{lst.path}")


def _reachable(url: str) -> str:
    """A listener bound to every address is reached on loopback."""
    for wildcard in ("0.0.0.0", "[::]", "::"):
        url = url.replace(f"//{wildcard}:", "//127.0.0.1:", 1)
    return url.replace("//:", "//127.0.0.1:", 1)


for read_command in READ_COMMANDS:
    app.command()(read_command)
for transfer_command, name in TRANSFER_COMMANDS:
    app.command(name)(transfer_command)


# --- config -----------------------------------------------------------------------------------


@config_app.command("path")
def config_path(config: ConfigOpt = None) -> None:
    """Print where tmtui looks for its config file (and whether it exists)."""
    path = find_config_path(config)
    print(path)
    if not path.exists():
        err.print(f"(not created yet: run 'tmtui config init' to write {path})")


@config_app.command("init")
def config_init(config: ConfigOpt = None) -> None:
    """Write the commented example config; never overwrites an existing file."""
    path = find_config_path(config)
    if path.exists():
        fail(f"{path} already exists; not overwriting it", code=1)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(example_config_text(), encoding="utf-8")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
