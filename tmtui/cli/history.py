"""The read commands: positions, trades, report, calendar, strategies.

Each asks `tmtui.readside.queries` and formats the answer — a Rich table, or with `--json`
exactly one JSON document on stdout. None of them adds money itself.
They open the ledger alongside a
running `tmtui run` (SQLite WAL lets them).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Annotated, Any, TypeVar

import typer
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from tmtui.cli.common import (
    ConfigOpt,
    JsonOpt,
    day_range,
    emit_json,
    err,
    fail,
    fmt_money,
    fmt_price,
    load,
    out,
    parse_month,
    run,
    with_ledger,
)
from tmtui.cli.positions_where import contracts_of, route_fields
from tmtui.core.contracts import ContractBook
from tmtui.core.formatting import row_order
from tmtui.core.history.calendar_grid import GridCell, MonthGrid, month_bounds
from tmtui.core.history.history_views import (
    SOURCE_CHOICES,
    TradeFilter,
    percent,
    period_json,
    ratio,
    source_filter,
    strategy_json,
)
from tmtui.core.history.stats import TradeStats
from tmtui.core.trading_day import zone
from tmtui.core.views import calendar_json, position_json, report_json, trade_json
from tmtui.ledger.store import Ledger
from tmtui.readside.queries import Queries
from tmtui.settings.config import Config

T = TypeVar("T")

StrategyOpt = Annotated[str | None, typer.Option("--strategy", help="Only this strategy.")]
FromOpt = Annotated[
    str | None, typer.Option("--from", help="First trading day YYYY-MM-DD (inclusive).")
]
ToOpt = Annotated[str | None, typer.Option("--to", help="Last trading day YYYY-MM-DD (inclusive).")]
SourceOpt = Annotated[
    str, typer.Option("--source", help="live, backtest or all: which book's rows (default all).")
]
AccountSourceOpt = Annotated[
    str,
    typer.Option(
        "--source", help="live (the trading account, default) or backtest (the backtests')."
    ),
]
DEFAULT_TRADE_LIMIT = 500


def book_of(choice: str, *, account: bool = False) -> str | None:
    """`--source` as the book to read (None: both); a bad word exits 2 in one line."""
    allowed = ("live", "backtest") if account else SOURCE_CHOICES
    if choice not in allowed:
        fail(f"--source must be one of {', '.join(allowed)}, got {choice!r}", 2)
    return source_filter(choice)


def account_book(choice: str) -> str:
    return book_of(choice, account=True) or "live"


def ask(cfg: Config, question: Callable[[Queries], Awaitable[T]]) -> T:
    """Open the ledger, ask the read side one question, close it."""

    async def work(ledger: Ledger) -> T:
        return await question(Queries(ledger, cfg))

    return run(with_ledger(cfg, work))


# --- positions -------------------------------------------------------------------------------


def positions(
    config: ConfigOpt = None, json: JsonOpt = False, source: AccountSourceOpt = "live"
) -> None:
    """Open positions with their marks and per-trade drawdown (`--source backtest`: the
    trades the backtests left open, at TradingView's last close)."""
    book = account_book(source)
    cfg = load(config)
    views = ask(cfg, lambda q: q.open_positions(source=book))
    contract = contracts_of(cfg)
    if json:
        emit_json([{**position_json(v), **route_fields(cfg, v, contract)} for v in views])
        return
    tick = _ticks(cfg)
    routed = any(contract(v) for v in views)
    cells = [
        [
            escape(v.strategy),
            v.symbol + (f" {contract(v)}" if routed and contract(v) else ""),
            v.side,
            str(v.qty),
            fmt_price(v.avg_price, tick(v.symbol)),
            fmt_price(v.last_price, tick(v.symbol)),
            fmt_money(v.open_pnl),
            fmt_money(v.trade_drawdown),
            fmt_money(v.trade_runup),
            "waiting" if v.last_price is None else "STALE" if v.stale else "",
        ]
        for v in sorted(views, key=lambda v: row_order(v.strategy, v.symbol))
    ]
    columns = ["Strategy", "Symbol", "Side", "Qty", "Avg", "Last", "Open P&L", "Trade DD"]
    table = _table("Open positions", [*columns, "Run-up", "Stale"], 3, cells, text=(9,))
    out.print(table if views else "No open positions.")


# --- trades ----------------------------------------------------------------------------------


def trades(
    config: ConfigOpt = None,
    json: JsonOpt = False,
    day: Annotated[
        str | None,
        typer.Option("--day", help="Only trades closed on this trading day (YYYY-MM-DD)."),
    ] = None,
    first: FromOpt = None,
    last: ToOpt = None,
    strategy: StrategyOpt = None,
    symbol: Annotated[
        str | None, typer.Option("--symbol", help="Only this symbol (NQ, NQ1!, MNQZ2025 ...).")
    ] = None,
    limit: Annotated[
        int,
        typer.Option(
            "--limit", min=0, help="At most this many, the newest (0 = all of the range)."
        ),
    ] = DEFAULT_TRADE_LIMIT,
    source: SourceOpt = "all",
) -> None:
    """Closed round-trip trades, oldest first, with a summary line; each of the live book
    or a backtest (`source`)."""
    book = book_of(source)
    cfg = load(config)
    start, end = day_range(day, first, last)

    async def question(q: Queries) -> tuple[list[Any], TradeStats]:
        root = q.root_of(symbol) if symbol else None
        where = TradeFilter(start, end, strategy, root, book)
        rows = await q.trades(where, limit or None)
        return rows[::-1], await q.trade_stats(where)

    rows, stats = ask(cfg, question)
    if len(rows) < stats.trades:
        err.print(
            f"showing the newest {len(rows)} of {stats.trades} trades (--limit 0 shows all)",
            highlight=False,
        )
    tz = _tz(cfg)
    if json:
        emit_json([trade_json(t, tz) for t in rows])
        return
    if not rows:
        out.print("No closed trades.")
        return
    tick = _ticks(cfg)
    cells = [
        [
            _exit_time(t, tz),
            escape(t.strategy),
            t.root,
            t.side.value,
            str(t.qty),
            fmt_price(t.entry_price, tick(t.root)),
            fmt_price(t.exit_price, tick(t.root)),
            fmt_money(t.gross),
            fmt_money(-t.commission),  # a cost: it takes from the P&L
            fmt_money(t.net),
            fmt_money(t.mae),
            fmt_money(t.mfe),
            t.source,
        ]
        for t in rows
    ]
    cols = ["Exit", "Strategy", "Symbol", "Side", "Qty", "Entry", "Exit px", "P&L", "Comm", "Net"]
    out.print(_table("Trades", [*cols, "MAE", "MFE", "Source"], 4, cells, text=(12,)))
    out.print(stats_line(stats))


def stats_line(s: TradeStats) -> str:
    """`12 trades · win rate 58.33% · PF 1.87 · ...`: the summary under a trade list."""
    win_rate = percent(s.win_rate)
    pf = ratio(s.profit_factor)
    return " · ".join(
        [
            f"{s.trades} trades",
            f"win rate {'—' if win_rate is None else f'{win_rate}%'}",
            f"PF {'—' if pf is None else pf if s.trades else '—'}",
            f"avg win {fmt_money(s.avg_win)}",
            f"avg loss {fmt_money(s.avg_loss)}",
            f"expectancy {fmt_money(s.expectancy)}",
            f"largest win {fmt_money(s.largest_win)}",
            f"largest loss {fmt_money(s.largest_loss)}",
            f"net {fmt_money(s.net)}",
        ]
    )


# --- report ----------------------------------------------------------------------------------


def report(
    config: ConfigOpt = None,
    json: JsonOpt = False,
    day: Annotated[
        str | None, typer.Option("--day", help="Trading day YYYY-MM-DD (default: today's session).")
    ] = None,
    first: FromOpt = None,
    last: ToOpt = None,
    strategy: StrategyOpt = None,
    source: AccountSourceOpt = "live",
) -> None:
    """A trading day's (or a period's) realized, open and total P&L with max/min and drawdown:
    the trading account's (live), or with `--source backtest` the backtests' (realized)."""
    book = account_book(source)
    cfg = load(config)
    start, end = day_range(day, first, last)
    if (first is None and last is None) or start == end:
        _day_report(cfg, start, strategy, json, book)
    else:
        _period_report(cfg, start, end, strategy, json, book)


def _day_report(cfg: Config, day: date | None, strategy: str | None, json: bool, book: str) -> None:
    view = ask(cfg, lambda q: q.day_report(day, strategy, book))
    if json:
        emit_json(report_json(view))
        return
    title = f"Trading day {view.day.isoformat()}" + (f" — {strategy}" if strategy else "")
    _figures(
        title,
        [
            ("Realized (net)", view.realized),
            ("Open", view.known_open),
            ("Total", view.known_total),
            ("Max MTM", view.max_mtm),
            ("Min MTM", view.min_mtm),
            ("Max drawdown", view.max_drawdown),
        ],
        view.trades,
        view.unmarked,
    )


def _period_report(
    cfg: Config,
    first: date | None,
    last: date | None,
    strategy: str | None,
    json: bool,
    book: str,
) -> None:
    p = ask(cfg, lambda q: q.period_report(first, last, strategy, book))
    if json:
        emit_json(period_json(p))
        return
    title = f"Trading days {p.first} to {p.last}" + (f" — {strategy}" if strategy else "")
    _figures(
        title,
        [
            ("Realized (net)", p.realized),
            ("Open", p.known_open),
            ("Total", p.known_total),
            ("Max (day closes)", p.max_mtm),
            ("Min (day closes)", p.min_mtm),
            ("Max drawdown", p.max_drawdown),
        ],
        p.trades,
        p.unmarked,
    )


def _figures(title: str, rows: list[tuple[str, Any]], trades: int, unmarked: int) -> None:
    table = Table(title=title, show_header=False)
    table.add_column("")
    table.add_column("", justify="right")
    for label, value in rows:
        table.add_row(label, fmt_money(value))
    table.add_row("Trades", str(trades))
    if unmarked:
        table.add_row("Unmarked", f"[yellow]{unmarked} position(s) with no price yet[/]")
    out.print(table)


# --- calendar --------------------------------------------------------------------------------


def calendar(
    config: ConfigOpt = None,
    json: JsonOpt = False,
    month: Annotated[
        str | None, typer.Option("--month", help="YYYY-MM (default: this month).")
    ] = None,
    first: FromOpt = None,
    last: ToOpt = None,
    strategy: StrategyOpt = None,
    source: AccountSourceOpt = "live",
) -> None:
    """Net P&L and trade count per trading day: a month grid, or a list with --json; the
    trading account's (live), or with `--source backtest` the backtests'."""
    book = account_book(source)
    cfg = load(config)
    if month is not None and (first is not None or last is not None):
        err.print("[bold red]error:[/] use either --month or --from/--to, not both")
        raise typer.Exit(2)
    start, end = day_range(None, first, last)

    async def question(q: Queries) -> tuple[date, date, list[Any], list[MonthGrid]]:
        lo, hi = _calendar_span(q, month, start, end)
        days = await q.calendar_days(lo, hi, strategy, book)
        if json:
            return lo, hi, days, []
        grids, cursor = [], lo.replace(day=1)
        while cursor <= hi:
            grids.append(await q.month(cursor, strategy, book))
            cursor = month_bounds(cursor)[1] + timedelta(days=1)
        return lo, hi, days, grids

    lo, hi, days, grids = ask(cfg, question)
    if json:
        emit_json(calendar_json(days))
        return
    if not days:
        span = f"{lo:%Y-%m}" if (lo.year, lo.month) == (hi.year, hi.month) else f"{lo} to {hi}"
        out.print(f"No trading in {span}.")
        return
    for grid in grids:
        out.print(month_table(grid, strategy))


def _calendar_span(
    q: Queries, month: str | None, start: date | None, end: date | None
) -> tuple[date, date]:
    if start is None and end is None:
        wanted = parse_month(month) if month else q.today()
        return month_bounds(wanted)
    today = q.today()
    lo = start or (end or today).replace(day=1)
    hi = end or max(today, lo)
    return lo, hi


def month_table(grid: MonthGrid, strategy: str | None = None) -> Table:
    """A month as a grid: each trading day's net and trade count, weekly totals on the right."""
    title = f"P&L calendar {grid.month:%B %Y}" + (f" — {strategy}" if strategy else "")
    table = Table(title=title, show_lines=True)
    for name in grid.weekdays:
        table.add_column(name, justify="right", min_width=10, no_wrap=True)
    table.add_column("Week", justify="right", min_width=10, no_wrap=True)
    for week in grid.weeks:
        table.add_row(
            *[_cell(c) for c in week.cells],
            f"{fmt_money(week.net_pnl)}\n{_count(week.trades)}",
        )
    table.caption = f"Month {fmt_money(grid.net_pnl)}, {_count(grid.trades)}"
    return table


def _cell(cell: GridCell | None) -> str:
    if cell is None:
        return ""
    head = f"[dim]{cell.day.day}[/]"
    if not cell.active:
        return f"{head}\n\n"
    return f"{head}\n{fmt_money(cell.net_pnl)}\n{_count(cell.trades)}"


def _count(trades: int) -> str:
    return f"{trades} trade{'' if trades == 1 else 's'}"


# --- strategies ------------------------------------------------------------------------------


def strategies(config: ConfigOpt = None, json: JsonOpt = False, source: SourceOpt = "all") -> None:
    """Every strategy ever seen, a row per book (live, backtest), with its switch, position,
    realized P&L and statistics.

    Realized today / this month / all time; trades, win rate, profit factor and max drawdown
    close-to-close as TradingView's Strategy Tester counts them (a trade per entry lot). A
    strategy with both: `backtest` (JSON) holds both books over the days they overlap.
    """
    book = book_of(source)
    cfg = load(config)
    rows = ask(cfg, lambda q: q.strategies(book))
    if json:
        emit_json([strategy_json(s) for s in rows])
        return
    if not rows:
        out.print("No strategies yet: they appear with their first alert.")
        return
    cells = []
    for s in rows:
        name = escape(s.strategy) + ("\n[dim]backtest[/]" if s.source == "backtest" else "")
        win_rate, pf = percent(s.stats.win_rate), ratio(s.stats.profit_factor)
        cells.append(
            [
                name,
                "ON" if s.enabled else "[red]OFF[/]",
                ", ".join(f"{p.side} {p.qty} {p.symbol}" for p in s.positions) or "flat",
                fmt_money(s.open_pnl),
                fmt_money(s.realized_today),
                fmt_money(s.realized_month),
                fmt_money(s.realized_all),
                str(s.stats.trades),
                "—" if win_rate is None else f"{win_rate}",
                ("∞" if s.stats.wins else "—") if pf is None else str(pf),
                fmt_money(s.max_drawdown),
            ]
        )
    cols = ["Strategy", "On", "Position", "Open P&L", "Today", "Month", "All time"]
    table = _table("Strategies", [*cols, "Trades", "Win %", "PF", "Max DD"], 3, cells)
    table.columns[0].min_width = min(24, max(len(s.strategy) for s in rows))
    out.print(table)


# --- shared ----------------------------------------------------------------------------------


def _table(
    title: str,
    columns: list[str],
    left: int,
    rows: list[list[str]],
    text: tuple[int, ...] = (),
) -> Table:
    """The first `left` columns (and those in `text`) are text, left-aligned and folded when
    the terminal is narrow; the rest are figures, right-aligned and never cut."""
    table = Table(title=title)
    for i, col in enumerate(columns):
        figure = i >= left and i not in text
        widest = max((Text.from_markup(row[i]).cell_len for row in rows), default=0)
        table.add_column(
            col,
            justify="right" if figure else "left",
            no_wrap=figure,
            overflow="ellipsis" if figure else "fold",
            min_width=max(widest, len(col)) if figure else None,
        )
    for row in rows:
        table.add_row(*row)
    return table


def _ticks(cfg: Config) -> Callable[[str], Decimal | None]:
    """A root's tick size, for prices with the contract's decimals."""
    specs = ContractBook(cfg.contracts).specs

    def tick(root: str) -> Decimal | None:
        spec = specs.get(root)
        return spec.tick_size if spec else None

    return tick


def _exit_time(trade: Any, tz: Any) -> str:
    assert trade.exit_time is not None
    return str(trade.exit_time.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S"))


def _tz(cfg: Config) -> Any:
    return zone(cfg.session.timezone)


COMMANDS = (positions, trades, report, calendar, strategies)
