"""`6`: a trading day's signals beside what the broker did, as `tmtui reconcile` shows it.

Four tables: each routed signal with its fills, slippage (a cost is positive) and latency;
the broker fills no signal explains (a trade made by hand, a bridge's own stop); the drift
between the books and the broker per route at the day's end; each strategy's totals. `←/→`
change the day, `t` comes back to today. The figures are the read side's
(`core.broker.ReconcileReads`, reached through the engine's API); none is added up here.
"""

from __future__ import annotations

from datetime import date, timedelta, tzinfo
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Static

from tmtui.core.broker.reconcile_reads import ReconcileReads
from tmtui.core.broker.reconcile_rows import (
    EXTRA_COLUMNS,
    POSITION_COLUMNS,
    SIGNAL_COLUMNS,
    TEXT_COLUMNS,
    TOTAL_COLUMNS,
    Ticks,
    extra_cells,
    position_cells,
    signal_cells,
    total_cells,
)
from tmtui.core.broker.reconciliation import Reconciliation
from tmtui.core.engine_api import HistoryReads as Queries
from tmtui.settings.config import Config
from tmtui.ui.screens.history_screen import HistoryScreen, TitleLine, history_footer
from tmtui.ui.screens.history_source import HistorySource

STATE_STYLES = {
    "matched": "green",
    "partial": "bold yellow",
    "missed": "bold red",
    "rejected": "bold red",
}
NO_FILLS_NOTE = (
    "No broker fills recorded yet: every routed signal would read missed. Import them with "
    "`tmtui import FILE --format tradovate|ninjatrader|rithmic|topstepx` (with tmtui stopped)."
)


def step_day(day: date, days: int, weekends: bool) -> date:
    """The trading day `days` away; Saturday and Sunday are skipped when they roll into Monday."""
    step = 1 if days > 0 else -1
    for _ in range(abs(days)):
        day += timedelta(days=step)
        while not weekends and day.weekday() >= 5:
            day += timedelta(days=step)
    return day


class ReconcileScreen(HistoryScreen):
    """One trading day at a time; the day shown survives a trip to another screen."""

    DEFAULT_CSS = """
    ReconcileScreen #reconcile-body { height: 1fr; border: round $primary; }
    ReconcileScreen #reconcile-body:focus { border: round $accent; }
    ReconcileScreen .reconcile-part { height: auto; margin-bottom: 1; }
    ReconcileScreen #reconcile-help { height: auto; padding: 0 1; color: $text-muted; }
    """
    AUTO_FOCUS = "#reconcile-body"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "left", "move_day(-1)", "Day back", key_display="←", priority=True,
            id="reconcile_day_back",
        ),
        Binding(
            "right", "move_day(1)", "Day on", key_display="→", priority=True,
            id="reconcile_day_on",
        ),
        Binding("t", "today", "Today", id="reconcile_today"),
    ]  # fmt: skip

    def __init__(self, source: HistorySource, config: Config) -> None:
        super().__init__(source, config)
        self.day: date | None = None
        """The trading day shown; None until the first load picks today."""
        self.result: Reconciliation | None = None
        self._weekends = not config.session.roll_weekends

    def compose(self) -> ComposeResult:
        yield TitleLine("Reconcile", id="reconcile-title")
        with VerticalScroll(id="reconcile-body"):
            for part in ("note", "signals", "extras", "positions", "totals"):
                yield Static("", id=f"reconcile-{part}", classes="reconcile-part")
        yield Static(
            Text("←/→ day · t today · ↑/↓ scroll · slippage is a cost: positive cost you"),
            id="reconcile-help",
        )
        yield history_footer()

    async def load(self, queries: Queries) -> None:
        reads = self.source.reconcile_reads()
        if reads is None:
            self.stale = True
            self.waiting()
            return
        day = self.day or reads.today()
        result = await reads.reconcile(day, day)
        recorded = await reads.broker_fills_recorded()
        self.day, self.result = day, result
        self._draw(reads, day, result, recorded)

    def _draw(self, reads: ReconcileReads, day: date, r: Reconciliation, recorded: bool) -> None:
        tz = reads.calendar.tz
        with self.app.batch_update():
            title = Text("Reconcile", style="bold")
            title.append(f"  {day:%a %Y-%m-%d}", style="bold")
            title.append(
                f"  {len(r.signals)} signal(s), {len(r.extra_fills)} extra fill(s)", style="dim"
            )
            self.query_one("#reconcile-title", TitleLine).update(title)
            note = self.query_one("#reconcile-note", Static)
            note.update(Text(NO_FILLS_NOTE, style="yellow") if not recorded else "")
            note.display = not recorded
            self._part("signals", _signals(r, tz, reads.tick_size))
            self._part("extras", _extras(r, tz, reads.tick_size))
            self._part("positions", _positions(r, day))
            self._part("totals", _totals(r))

    def _part(self, name: str, table: Table | Text) -> None:
        self.query_one(f"#reconcile-{name}", Static).update(table)

    def action_move_day(self, days: int) -> None:
        reads = self.source.reconcile_reads()
        start = self.day or (reads.today() if reads else None)
        if start is None:
            return
        self.day = step_day(start, days, self._weekends)
        self.reload()

    def action_today(self) -> None:
        self.day = None
        self.reload()


def _table(title: str, columns: tuple[str, ...], words: int, rows: list[list[Text]]) -> Table:
    table = Table(title=title, title_justify="left", expand=False)
    for i, name in enumerate(columns):
        table.add_column(name, justify="left" if i < words else "right", no_wrap=i >= words)
    for row in rows:
        table.add_row(*row)
    return table


def _empty(title: str, what: str) -> Text:
    text = Text(f"{title}: ", style="bold")
    text.append(what, style="dim")
    return text


def _signals(r: Reconciliation, tz: tzinfo, ticks: Ticks) -> Table | Text:
    if not r.signals:
        return _empty("Signals", "no routed signal this day")
    rows = []
    for o in r.signals:
        cells = [Text(c) for c in signal_cells(o, tz, ticks)]
        cells[-1].stylize(STATE_STYLES.get(o.state.value, ""))
        rows.append(cells)
    return _table("Signals", SIGNAL_COLUMNS, TEXT_COLUMNS["signals"], rows)


def _extras(r: Reconciliation, tz: tzinfo, ticks: Ticks) -> Table | Text:
    title = "Extra fills (no signal explains them)"
    if not r.extra_fills:
        return _empty(title, "none")
    rows = [[Text(c) for c in extra_cells(f, tz, ticks)] for f in r.extra_fills]
    return _table(title, EXTRA_COLUMNS, TEXT_COLUMNS["extras"], rows)


def _positions(r: Reconciliation, day: date) -> Table | Text:
    title = f"Positions at the end of {day}: books beside broker"
    if not r.positions:
        return _empty(title, "flat on both sides")
    rows = []
    for p in r.positions:
        cells = [Text(c) for c in position_cells(p)]
        if p.drift:
            cells[-1].stylize("bold yellow")
        rows.append(cells)
    return _table(title, POSITION_COLUMNS, TEXT_COLUMNS["positions"], rows)


def _totals(r: Reconciliation) -> Table | Text:
    if not r.by_strategy:
        return _empty("By strategy", "nothing this day")
    rows = [[Text(c) for c in total_cells(t)] for t in r.by_strategy]
    return _table("By strategy", TOTAL_COLUMNS, TEXT_COLUMNS["totals"], rows)
