"""The `tmtui` command line (typer).

Read commands open the ledger alongside a running `tmtui run` (SQLite WAL lets them) and
print a Rich table, or with `--json` exactly one JSON document on stdout.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import sys
from collections.abc import Coroutine
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import simplejson
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from tmtui import __version__
from tmtui.cli_ledger import ledger_app
from tmtui.cli_risk import risk_cmd
from tmtui.config import Config, example_config_text, find_config_path, load_config
from tmtui.core.models import LedgerUnavailable, TmtuiError
from tmtui.core.views import (
    account_view,
    calendar_json,
    money,
    position_json,
    position_view,
    price,
    report_json,
    trade_json,
)
from tmtui.history import daily_totals, load_day_account, make_calendar, rebuild_book
from tmtui.instance_lock import InstanceLock, running_instance
from tmtui.ledger import Ledger
from tmtui.ledger_guard import RESTORE_HINT, LedgerRefused
from tmtui.risk_store import load_drift

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

err = Console(stderr=True)
out = Console()
T = TypeVar("T")

ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config", "-c", help="Config file (default: $TMTUI_CONFIG or the user config dir)."
    ),
]
JsonOpt = Annotated[
    bool, typer.Option("--json", help="Print one JSON document instead of a table.")
]


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


def _load(config_path: Path | None) -> Config:
    try:
        return load_config(config_path)
    except TmtuiError as exc:
        _fail(str(exc))


def _fail(message: str, code: int = 2) -> NoReturn:
    """One line on stderr; the message is printed literally (`[listener]` is not markup)."""
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def _run(coro: Coroutine[Any, Any, T]) -> T:
    """Run a command's coroutine; a ledger that cannot be used is one line and exit 1."""
    try:
        return asyncio.run(coro)
    except (LedgerRefused, LedgerUnavailable) as exc:
        return _fail(str(exc), code=1)
    except TmtuiError as exc:
        return _fail(str(exc), 1 if isinstance(exc, LedgerUnavailable) else 2)


def _emit_json(document: Any) -> None:
    sys.stdout.write(simplejson.dumps(document, use_decimal=True, indent=2) + "\n")


def _fmt_money(value: Decimal | None) -> str:
    if value is None:
        return "—"
    text = f"{money(value):,.2f}"
    color = "green" if value > 0 else "red" if value < 0 else ""
    return f"[{color}]{text}[/]" if color else text


def _fmt_price(value: Decimal | None) -> str:
    return "—" if value is None else str(price(value))


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
    cfg = _load(config)
    if demo:
        from tmtui.demo import demo_config

        cfg = demo_config(cfg)
    ledger = cfg.ledger.resolved_path()
    try:
        lock = InstanceLock.acquire(ledger)
    except TmtuiError as exc:
        _fail(str(exc), code=1)
    with lock:
        if not demo:
            _check_ledger(ledger)
        if headless:
            from tmtui.headless import run_headless

            try:
                code = asyncio.run(run_headless(cfg, demo=demo, instance_lock=lock))
            except TmtuiError as exc:
                _fail(str(exc), code=1)
            raise typer.Exit(code)
        _run_screen(cfg, demo, lock)


def _run_screen(cfg: Config, demo: bool, lock: InstanceLock) -> None:
    """The TUI; a failure to start (ledger, listener port) ends it with one line, exit 1."""
    from tmtui.app import TmtuiApp
    from tmtui.factory import build_engine

    _log_to_file(cfg.ledger.resolved_path().with_suffix(".log"))
    factory = partial(build_engine, cfg, daily_backups=not demo)
    app = TmtuiApp(cfg, demo=demo, instance_lock=lock, engine_factory=factory)
    app.run()
    if app.start_error is not None:
        _fail(app.start_error, code=1)
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

    _run(check())


def _log_to_file(path: Path) -> None:
    """Under the screen, log lines would garble the terminal: send them to a file."""
    try:
        handler = logging.FileHandler(path, encoding="utf-8")
    except OSError as exc:
        _fail(f"cannot write the log file {path}: {exc.strerror or exc}", code=1)
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
    from tmtui.signal_client import build_alert_payload, post_signal

    cfg = _load(config)
    target = url or _listener_url(cfg)
    try:
        payload = build_alert_payload(
            action, ticker, qty, price_, strategy, alert_id, cfg.listener.secret, datetime.now(UTC)
        )
    except TmtuiError as exc:
        _fail(str(exc))
    try:
        status, body = asyncio.run(post_signal(target, payload))
    except TmtuiError as exc:
        _fail(f"{exc}: is `tmtui run` running? it listens on {_listener_url(cfg)}", code=1)
    _emit_json({"status": status, "reply": body})
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


# --- read commands ----------------------------------------------------------------------------


async def _with_ledger(cfg: Config, work: Any) -> Any:
    """Open an existing ledger (read commands never create one) and run `work` on it."""
    path = cfg.ledger.resolved_path()
    ledger = await Ledger.open(path, create=False, write_budget=cfg.ledger.write_budget)
    try:
        return await work(ledger)
    except sqlite3.DatabaseError as exc:
        raise LedgerRefused(f"ledger {path} could not be read ({exc}): {RESTORE_HINT}") from None
    finally:
        await ledger.close()


@app.command()
def positions(config: ConfigOpt = None, json: JsonOpt = False) -> None:
    """Open positions with their marks and per-trade drawdown."""
    cfg = _load(config)

    async def work(ledger: Ledger) -> list[Any]:
        book = await rebuild_book(ledger, cfg)
        drift = await load_drift(ledger)
        now = datetime.now(UTC)
        return [
            replace(position_view(p, now, cfg.feed.stale_after), drift=drift.get(p.key))
            for p in book.open_positions()
        ]

    views = _run(_with_ledger(cfg, work))
    if json:
        _emit_json([position_json(v) for v in views])
        return
    table = Table(title="Open positions")
    for col in (
        "Strategy",
        "Symbol",
        "Side",
        "Qty",
        "Avg",
        "Last",
        "Open P&L",
        "Trade DD",
        "Run-up",
        "Stale",
    ):
        table.add_column(
            col, justify="right" if col not in ("Strategy", "Symbol", "Side") else "left"
        )
    for v in views:
        table.add_row(
            v.strategy,
            v.symbol,
            v.side,
            str(v.qty),
            _fmt_price(v.avg_price),
            _fmt_price(v.last_price),
            _fmt_money(v.open_pnl),
            _fmt_money(v.trade_drawdown),
            _fmt_money(v.trade_runup),
            "waiting" if v.last_price is None else "STALE" if v.stale else "",
        )
    out.print(table if views else "No open positions.")


@app.command()
def trades(
    config: ConfigOpt = None,
    json: JsonOpt = False,
    day: Annotated[
        str | None,
        typer.Option("--day", help="Only trades closed on this trading day (YYYY-MM-DD)."),
    ] = None,
    strategy: Annotated[str | None, typer.Option("--strategy", help="Only this strategy.")] = None,
) -> None:
    """Closed round-trip trades."""
    cfg = _load(config)
    calendar = make_calendar(cfg)
    bounds = calendar.bounds(_parse_day(day)) if day else (None, None)

    async def work(ledger: Ledger) -> list[Any]:
        return await ledger.trades(*bounds)

    rows = [t for t in _run(_with_ledger(cfg, work)) if strategy in (None, t.strategy)]
    if json:
        _emit_json([trade_json(t, calendar.tz) for t in rows])
        return
    table = Table(title="Trades")
    for col in (
        "Exit",
        "Strategy",
        "Symbol",
        "Side",
        "Qty",
        "Entry",
        "Exit px",
        "P&L",
        "Comm",
        "Net",
        "MAE",
        "MFE",
    ):
        table.add_column(col)
    for t in rows:
        assert t.exit_time is not None
        table.add_row(
            t.exit_time.astimezone(calendar.tz).strftime("%Y-%m-%d %H:%M:%S"),
            t.strategy,
            t.root,
            t.side.value,
            str(t.qty),
            _fmt_price(t.entry_price),
            _fmt_price(t.exit_price),
            _fmt_money(t.gross),
            _fmt_money(t.commission),
            _fmt_money(t.net),
            _fmt_money(t.mae),
            _fmt_money(t.mfe),
        )
    out.print(table if rows else "No closed trades.")


@app.command()
def report(
    config: ConfigOpt = None,
    json: JsonOpt = False,
    day: Annotated[
        str | None, typer.Option("--day", help="Trading day YYYY-MM-DD (default: today's session).")
    ] = None,
) -> None:
    """A trading day's realized, open and total P&L with max/min and drawdown."""
    cfg = _load(config)
    calendar = make_calendar(cfg)
    now = datetime.now(UTC)
    today = calendar.day_of(now)
    wanted = _parse_day(day) if day else today

    async def work(ledger: Ledger) -> Any:
        open_pnl, moment, unmarked = Decimal(0), None, 0
        if wanted == today:
            book = await rebuild_book(ledger, cfg)
            open_pnl = sum((p.open_pnl or Decimal(0) for p in book.open_positions()), Decimal(0))
            unmarked = sum(1 for p in book.open_positions() if p.mark is None)
            moment = now
        account = await load_day_account(ledger, calendar, wanted, open_pnl, moment)
        return account_view(account, unmarked)

    view = _run(_with_ledger(cfg, work))
    if json:
        _emit_json(report_json(view))
        return
    table = Table(title=f"Trading day {view.day.isoformat()}", show_header=False)
    table.add_column("")
    table.add_column("", justify="right")
    for label, value in (
        ("Realized (net)", view.realized),
        ("Open", view.known_open),
        ("Total", view.known_total),
        ("Max MTM", view.max_mtm),
        ("Min MTM", view.min_mtm),
        ("Max drawdown", view.max_drawdown),
    ):
        table.add_row(label, _fmt_money(value))
    table.add_row("Trades", str(view.trades))
    if view.unmarked:
        table.add_row("Unmarked", f"[yellow]{view.unmarked} position(s) with no price yet[/]")
    out.print(table)


@app.command()
def calendar(
    config: ConfigOpt = None,
    json: JsonOpt = False,
    month: Annotated[
        str | None, typer.Option("--month", help="YYYY-MM (default: this month).")
    ] = None,
) -> None:
    """Net P&L and trade count for each trading day of a month."""
    cfg = _load(config)
    cal = make_calendar(cfg)
    first = _parse_month(month) if month else cal.day_of(datetime.now(UTC)).replace(day=1)
    last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    start, end = cal.bounds(first)[0], cal.bounds(last)[1]

    async def work(ledger: Ledger) -> Any:
        return daily_totals(await ledger.fills(start, end), await ledger.trades(start, end), cal)

    days = [d for d in _run(_with_ledger(cfg, work)).values() if first <= d.day <= last]
    if json:
        _emit_json(calendar_json(days))
        return
    table = Table(title=f"P&L calendar {first:%Y-%m}")
    for col in ("Day", "Net P&L", "Trades"):
        table.add_column(col, justify="right")
    for d in days:
        table.add_row(f"{d.day:%a %Y-%m-%d}", _fmt_money(d.net_pnl), str(d.trades))
    if days:
        table.add_row(
            "[b]Month[/]",
            _fmt_money(sum((d.net_pnl for d in days), Decimal(0))),
            str(sum(d.trades for d in days)),
        )
    out.print(table if days else f"No trading in {first:%Y-%m}.")


def _parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return _fail(f"--day must be YYYY-MM-DD, got {text!r}")


def _parse_month(text: str) -> date:
    try:
        return datetime.strptime(text, "%Y-%m").date()
    except ValueError:
        return _fail(f"--month must be YYYY-MM, got {text!r}")


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
        _fail(f"{path} already exists; not overwriting it", code=1)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(example_config_text(), encoding="utf-8")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
