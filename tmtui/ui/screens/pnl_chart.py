"""`5`: cumulative net P&L and its drawdown from the running peak, over a chosen range.

Today plots the day's live samples (total P&L, open included); 30 days, 13 weeks,
12 months and All plot the cumulative net at each trading day's close, from zero at the
range's start, so All ends at the all-time net. Figures come from the read side; the
screen only picks the largest and the smallest of them to print.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from tmtui.core.engine_api import HistoryReads as Queries
from tmtui.core.history.chart_range import RANGES, ChartRange
from tmtui.core.history.stats import CurvePoint, max_drawdown
from tmtui.settings.config import Config
from tmtui.ui.screens.history_screen import HistoryScreen, TitleLine, history_footer
from tmtui.ui.screens.history_source import HistorySource
from tmtui.ui.widgets.equity_plot import ClockAxis, EquityPlot, IndexAxis
from tmtui.ui.widgets.figure_style import money_text

TODAY_REFRESH_S = 5.0
"""How often the shown Today chart reads the newest samples."""
ZERO = Decimal(0)
RANGE_KEYS = {"today": "t", "days": "d", "weeks": "w", "months": "m", "all": "a"}


class PnlChartScreen(HistoryScreen):
    """The chart, its range picker and the range's figures."""

    DEFAULT_CSS = """
    PnlChartScreen #chart-ranges { height: 1; padding: 0 1; }
    PnlChartScreen #chart-figures { height: auto; padding: 0 1; }
    PnlChartScreen #equity-plot { height: 1fr; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [  # shown in the range bar, not the footer
        Binding(
            RANGE_KEYS[r.key], f"pick_range('{r.key}')", r.label, show=False, id=f"chart_{r.key}"
        )
        for r in RANGES
    ]

    def __init__(self, source: HistorySource, config: Config) -> None:
        super().__init__(source, config)
        self.range: ChartRange = RANGES[-1]
        self.points: list[CurvePoint[Any]] = []

    def compose(self) -> ComposeResult:
        yield TitleLine("P&L chart", id="chart-title")
        yield Static(self._range_bar(), id="chart-ranges")
        yield Static("", id="chart-figures")
        yield EquityPlot(id="equity-plot")
        yield history_footer()

    def on_mount(self) -> None:
        self.set_interval(TODAY_REFRESH_S, self._tick)

    def _tick(self) -> None:
        if self.is_current and self.range.intraday:
            self.reload()

    def action_pick_range(self, key: str) -> None:
        self.range = next(r for r in RANGES if r.key == key)
        self.query_one("#chart-ranges", Static).update(self._range_bar())
        self.reload()

    def _range_bar(self) -> Text:
        text = Text("Range ", style="dim")
        for r in RANGES:
            style = "bold reverse" if r == self.range else ""
            text.append(f" {RANGE_KEYS[r.key]} {r.label} ", style=style)
            text.append(" ")
        return text

    async def load(self, queries: Queries) -> None:
        today, chosen = queries.today(), self.range
        points: list[CurvePoint[Any]]
        if chosen.intraday:
            points = list(await queries.intraday_curve(today))
        else:
            points = list(await queries.equity_curve(chosen.first_day(today), today))
        if chosen != self.range:  # picked another range meanwhile
            return
        self.points = points
        self._show(chosen, points, today, queries)

    def _show(
        self, chosen: ChartRange, points: list[CurvePoint[Any]], today: date, q: Queries
    ) -> None:
        plot = self.query_one(EquityPlot)
        equity = [float(p.equity) for p in points]
        drawdown = [float(p.drawdown) for p in points]
        if chosen.intraday and points:
            start: datetime = points[0].at
            xs = [(p.at - start).total_seconds() for p in points]
            plot.draw(xs, equity, drawdown, ClockAxis(start, q.calendar.tz))
        else:
            long_range = len(points) > 400
            labels = [f"{p.at:%Y-%m}" if long_range else f"{p.at:%m-%d}" for p in points]
            plot.draw([float(i) for i in range(len(points))], equity, drawdown, IndexAxis(labels))
        self.query_one("#chart-title", TitleLine).update(self._title(chosen, points, today))
        self.query_one("#chart-figures", Static).update(self._figures(chosen, points))

    @staticmethod
    def _title(chosen: ChartRange, points: list[CurvePoint[Any]], today: date) -> Text:
        text = Text("P&L chart", style="bold")
        what = "total P&L today, from live samples" if chosen.intraday else "net at day closes"
        text.append(f"  {chosen.label}: {what}", style="")
        if points and not chosen.intraday:
            text.append(f"  {points[0].at} to {points[-1].at}", style="dim")
        elif chosen.intraday:
            text.append(f"  trading day {today}", style="dim")
        return text

    @staticmethod
    def _figures(chosen: ChartRange, points: list[CurvePoint[Any]]) -> Text:
        if not points:
            empty = "no samples yet today" if chosen.intraday else "no closed trades in range"
            return Text(empty.capitalize() + ".", style="dim")
        figures = (
            ("Net now" if chosen.intraday else "Net", points[-1].equity),
            ("Peak", max(ZERO, *(p.equity for p in points))),
            ("Low", min(ZERO, *(p.equity for p in points))),
            ("Drawdown", points[-1].drawdown),
            ("Max DD", max_drawdown(points)),
        )
        text = Text()
        for label, value in figures:
            text.append(f"{label} ", style="dim")
            text.append_text(money_text(value, bold=True, justify="left"))
            text.append("  ")
        unit = "sample(s)" if chosen.intraday else "day close(s)"
        text.append(f"{len(points)} {unit}", style="dim")
        return text
