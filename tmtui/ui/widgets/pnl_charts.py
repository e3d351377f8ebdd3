"""Two charts: the selected position's open P&L path and the account's day.

Our own small braille chart (`signed_plot`) rather than textual-plotext or textual-plot:
P&L needs a sign (a zero line, red below it) and a scale, which these give too, but they
pull in plotting packages and redraw a whole canvas of styled cells in Python each time;
this widget draws only when its data or size changed, stays byte-identical in snapshots,
and costs nothing while the market is quiet.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from rich.console import Group
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import Static

from tmtui.core.views import AccountView, PositionView, Snapshot
from tmtui.ui.widgets.figure_style import GAIN, LOSS, WARN, money_text
from tmtui.ui.widgets.signed_plot import Series, plot

PositionKey = tuple[str, str]
DRAWDOWN = "#d7875f"
"""Drawdown shading: warm, apart from the total line's green and red."""


class SignedChart(Widget):
    """A chart of signed series; redraws only when its data or its size changed."""

    DEFAULT_CSS = """
    SignedChart { height: 1fr; min-height: 1; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.series: tuple[Series, ...] = ()
        self._drawn: list[Text] | None = None
        """The lines last drawn (None: none yet at this size)."""

    @property
    def data(self) -> list[float]:
        """The first series' values (what the chart mainly shows)."""
        return list(self.series[0].values) if self.series else []

    def show(self, *series: Series) -> None:
        """New data; repainted only when the picture changed (a flat curve that gained a
        sample, the usual case once a second in a quiet market, looks the same)."""
        if series == self.series:
            return
        self.series = series
        if self._drawn is None or self._lines() != self._drawn:
            self.refresh()

    def _lines(self) -> list[Text]:
        width, height = self.size
        return plot(self.series, width, height)

    def render(self) -> Group:
        self._drawn = self._lines()
        return Group(*self._drawn)

    def on_resize(self) -> None:
        self._drawn = None


class ChartLabel(Static):
    """One fixed line over a chart: the long text when it fits, else the short one."""

    def __init__(self, text: str = "", *, id: str | None = None) -> None:
        super().__init__(text, id=id)
        self._shown = text
        self._texts: tuple[Text, Text] | None = None

    def show(self, text: Text, short: Text | None = None) -> None:
        self._texts = (text, short or text)
        self._draw()

    def on_resize(self) -> None:
        self._draw()

    def _draw(self) -> None:
        if self._texts is None:
            return
        full, short = self._texts
        text = full if not self.size.width or len(full.plain) <= self.size.width else short
        if text.markup != self._shown:
            self._shown = text.markup
            self.update(text, layout=False)


def _figure(label: str, value: Decimal | None, style: str = "") -> Text:
    text = Text.assemble((f"{label} ", style or "dim"))
    text.append_text(money_text(value, bold=True, justify="left"))
    return text


def position_label(view: PositionView | None) -> Text:
    """`NQ long 2  open +20.00  ORB`: the figure first, the (maybe long) name last."""
    if view is None:
        return Text("no position selected", style="dim")
    text = Text.assemble((f"{view.symbol} ", "bold"), f"{view.side} {view.qty}  ")
    text.append_text(_figure("open", view.open_pnl))
    text.append(f"  {view.strategy}", style="bold")
    return text


def account_label(a: AccountView, *, short: bool = False) -> Text:
    """The legend: the total line (green/red) and the drawdown shading, with their values.

    While a position has no mark the total and the drawdown are unknown: a dash, not 0.
    """
    total = a.known_total
    drawdown = None if a.unmarked else a.drawdown
    text = Text.assemble(("━ ", f"bold {LOSS if total is not None and total < 0 else GAIN}"))
    text.append_text(_figure("total", total))
    text.append("  ")
    text.append("▒ ", style=DRAWDOWN)
    text.append_text(_figure("DD" if short else "drawdown", drawdown))
    if not short:
        text.append("  ")
        text.append_text(_figure("max DD", a.max_drawdown))
    if a.unmarked:
        text.append(f"  {a.unmarked} unmarked", style=f"bold {WARN}")
    return text


def account_series(total: Sequence[float], drawdown: Sequence[float]) -> tuple[Series, ...]:
    return (
        Series(tuple(total), "line", GAIN, LOSS),
        Series(tuple(drawdown), "area", DRAWDOWN, DRAWDOWN),
    )


class PnlCharts(Horizontal):
    """The P&L paths the engine samples once a second, drawn when they change."""

    DEFAULT_CSS = """
    PnlCharts { height: 8; }
    PnlCharts > Vertical { border: round $primary; padding: 0 1; width: 1fr; }
    PnlCharts ChartLabel { height: 1; }
    """

    def compose(self) -> ComposeResult:
        with Vertical(id="position-chart"):
            yield ChartLabel("no position selected", id="position-label")
            yield SignedChart(id="position-spark")
        with Vertical(id="account-chart"):
            yield ChartLabel("", id="account-label")
            yield SignedChart(id="account-spark")

    def on_mount(self) -> None:
        self.query_one("#position-chart").border_title = "Selected position · open P&L"
        self.query_one("#account-chart").border_title = "Account · trading day"

    def show(self, snapshot: Snapshot, selected: PositionKey | None) -> None:
        view = next((p for p in snapshot.positions if p.key == selected), None)
        self.show_position(view, snapshot.position_series.get(selected) if selected else None)
        title = f"Account · trading day {snapshot.account.day.isoformat()}"
        chart = self.query_one("#account-chart")
        if chart.border_title != title:
            chart.border_title = title
        self.show_account(snapshot.account)
        self.query_one("#account-spark", SignedChart).show(
            *account_series(snapshot.account_series, snapshot.drawdown_series)
        )

    def show_account(self, account: AccountView) -> None:
        """The account legend's figures (the curve itself follows the sampled series)."""
        self.query_one("#account-label", ChartLabel).show(
            account_label(account), account_label(account, short=True)
        )

    def show_position(self, view: PositionView | None, path: Sequence[float] | None) -> None:
        """The selected position's label and, when given, its sampled path."""
        self.query_one("#position-label", ChartLabel).show(position_label(view))
        if view is None:
            self.query_one("#position-spark", SignedChart).show()
        elif path is not None:
            self.query_one("#position-spark", SignedChart).show(
                Series(tuple(path), "line", GAIN, LOSS)
            )
