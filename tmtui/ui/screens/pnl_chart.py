"""`5`: cumulative net P&L and its drawdown from the running peak, over a chosen range.

Today plots the day's live samples (total P&L, open included); 30 days, 13 weeks,
12 months and All plot the cumulative net at each trading day's close, from zero at the
range's start, so All ends at the all-time net. Figures come from the read side; the
screen only picks the largest and the smallest of them to print. Today's figures (net,
peak, low, drawdown, max drawdown) are the day's account view, the one the dashboard's
totals and `tmtui report` show: the samples drawn are thinned and taken once a second, so
extremes between them would otherwise read differently on each screen.

The account (every strategy's live trading) is shown by default; `s` steps through the
strategies, and a strategy with an imported TradingView backtest has the backtest's equity
drawn over its live equity on the same trading days (each from zero at its first day in
range). Today's samples are the account's only: per strategy, only day closes exist.
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
from tmtui.core.views import AccountView
from tmtui.settings.config import Config
from tmtui.ui.screens.history_screen import HistoryScreen, TitleLine, history_footer
from tmtui.ui.screens.history_source import HistorySource
from tmtui.ui.widgets.equity_plot import ClockAxis, EquityPlot, IndexAxis, Overlay
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
        *(
            Binding(
                RANGE_KEYS[r.key],
                f"pick_range('{r.key}')",
                r.label,
                show=False,
                id=f"chart_{r.key}",
            )
            for r in RANGES
        ),
        Binding("s", "next_strategy", "Strategy", id="chart_strategy"),
    ]

    def __init__(self, source: HistorySource, config: Config) -> None:
        super().__init__(source, config)
        self.range: ChartRange = RANGES[-1]
        self.points: list[CurvePoint[Any]] = []
        """The live equity shown (the account's, or the selected strategy's)."""
        self.strategy: str | None = None
        """The strategy shown; None: the whole account."""
        self.strategies: list[str] = []
        """The strategies `s` steps through (as of the last load)."""
        self.backtest_points: list[CurvePoint[date]] = []
        """The selected strategy's backtest equity over the range (none for the account)."""
        self.today_account: AccountView | None = None
        """Today's account view (Today range): the source of its figures."""

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

    def action_next_strategy(self) -> None:
        """The account, then each strategy in turn, then the account again."""
        cycle: list[str | None] = [None, *self.strategies]
        at = cycle.index(self.strategy) if self.strategy in cycle else 0
        self.strategy = cycle[(at + 1) % len(cycle)]
        self.reload()

    def _range_bar(self) -> Text:
        text = Text("Range ", style="dim")
        for r in RANGES:
            style = "bold reverse" if r == self.range else ""
            text.append(f" {RANGE_KEYS[r.key]} {r.label} ", style=style)
            text.append(" ")
        return text

    async def load(self, queries: Queries) -> None:
        today, chosen, strategy = queries.today(), self.range, self.strategy
        strategies = await queries.strategy_names()
        points: list[CurvePoint[Any]]
        backtest: list[CurvePoint[date]] = []
        account: AccountView | None = None
        if chosen.intraday:
            points = list(await queries.intraday_curve(today))
            account = await queries.day_report(today)
        else:
            first = chosen.first_day(today)
            points = list(await queries.equity_curve(first, today, strategy))
            if strategy is not None:  # a backtest may end after today's clock: no last day
                backtest = await queries.equity_curve(first, None, strategy, source="backtest")
        if (chosen, strategy) != (self.range, self.strategy):  # picked another meanwhile
            return
        self.strategies, self.points, self.backtest_points = strategies, points, backtest
        self.today_account = account
        self._show(chosen, today, queries)

    def _show(self, chosen: ChartRange, today: date, q: Queries) -> None:
        plot, points = self.query_one(EquityPlot), self.points
        equity = [float(p.equity) for p in points]
        drawdown = [float(p.drawdown) for p in points]
        label = "cumulative net" if self.strategy is None else f"{self.strategy} live"
        if chosen.intraday and points:  # the account's samples, whichever strategy is picked
            start: datetime = points[0].at
            xs = [(p.at - start).total_seconds() for p in points]
            plot.draw(xs, equity, drawdown, ClockAxis(start, q.calendar.tz))
        else:
            days = sorted({p.at for p in points} | {p.at for p in self.backtest_points})
            index = {day: float(i) for i, day in enumerate(days)}
            long_range = len(days) > 400
            labels = [f"{d:%Y-%m}" if long_range else f"{d:%m-%d}" for d in days]
            overlay = None
            if self.backtest_points:
                overlay = Overlay(
                    [index[p.at] for p in self.backtest_points],
                    [float(p.equity) for p in self.backtest_points],
                    f"{self.strategy} backtest",
                )
            xs = [index[p.at] for p in points]
            plot.draw(xs, equity, drawdown, IndexAxis(labels), overlay=overlay, label=label)
        self.query_one("#chart-title", TitleLine).update(self._title(chosen, today))
        self.query_one("#chart-figures", Static).update(self._figures(chosen))

    def _title(self, chosen: ChartRange, today: date) -> Text:
        text = Text("P&L chart", style="bold")
        text.append(f"  {self.strategy or 'account'}", style="bold")
        what = "total P&L today, from live samples" if chosen.intraday else "net at day closes"
        text.append(f"  {chosen.label}: {what}", style="")
        days = [p.at for p in self.points] + [p.at for p in self.backtest_points]
        if days and not chosen.intraday:
            text.append(f"  {min(days)} to {max(days)}", style="dim")
        elif chosen.intraday:
            scope = " (the account's)" if self.strategy else ""
            text.append(f"  trading day {today}{scope}", style="dim")
        return text

    def _figures(self, chosen: ChartRange) -> Text:
        points = self.points
        backtest = self._backtest_figures()
        if not points:
            empty = "no samples yet today" if chosen.intraday else "no closed trades in range"
            if self.strategy is not None and not chosen.intraday:
                empty = "no live trades in range"
            return Text(empty.capitalize() + ".", style="dim") + backtest
        figures = self._range_figures(points)
        text = Text()
        for label, value in figures:
            text.append(f"{label} ", style="dim")
            text.append_text(money_text(value, bold=True, justify="left"))
            text.append("  ")
        unit = "sample(s)" if chosen.intraday else "day close(s)"
        text.append(f"{len(points)} {unit}", style="dim")
        return text + backtest

    def _range_figures(
        self, points: list[CurvePoint[Any]]
    ) -> tuple[tuple[str, Decimal | None], ...]:
        """Net, peak, low, drawdown and max drawdown: today's from the account view (as on
        the dashboard and in `tmtui report`), a longer range's from its day closes."""
        a = self.today_account
        if self.range.intraday and a is not None:
            return (
                ("Net now", a.known_total),
                ("Peak", a.max_mtm),
                ("Low", a.min_mtm),
                ("Drawdown", a.drawdown),
                ("Max DD", a.max_drawdown),
            )
        return (
            ("Net", points[-1].equity),
            ("Peak", max(ZERO, *(p.equity for p in points))),
            ("Low", min(ZERO, *(p.equity for p in points))),
            ("Drawdown", points[-1].drawdown),
            ("Max DD", max_drawdown(points)),
        )

    def _backtest_figures(self) -> Text:
        """The backtest's net and max drawdown over the range, after the live figures."""
        points = self.backtest_points
        if not points:
            return Text()
        text = Text("  Backtest net ", style="dim")
        text.append_text(money_text(points[-1].equity, bold=True, justify="left"))
        text.append("  Max DD ", style="dim")
        text.append_text(money_text(max_drawdown(points), bold=True, justify="left"))
        return text
