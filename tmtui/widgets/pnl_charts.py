"""Two sparklines: the selected position's open P&L path and the account's day."""

from __future__ import annotations

from decimal import Decimal

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Sparkline, Static

from tmtui.core.views import Snapshot
from tmtui.widgets.formatting import money_text

PositionKey = tuple[str, str]


def _labelled(label: str, value: Decimal | None, extra: Text | None = None) -> Text:
    text = Text(f"{label} ", style="dim")
    text.append_text(money_text(value, bold=True, justify="left"))
    if extra is not None:
        text.append_text(extra)
    return text


class ChartLabel(Static):
    """One fixed line over a chart; redrawn only when its text changed, without layout."""

    def __init__(self, text: str = "", *, id: str | None = None) -> None:
        super().__init__(text, id=id)
        self._shown = text

    def show(self, text: Text) -> None:
        if text.markup != self._shown:
            self._shown = text.markup
            self.update(text, layout=False)


class PnlCharts(Horizontal):
    """The P&L paths the engine samples; each tick assigns new lists so the lines redraw."""

    DEFAULT_CSS = """
    PnlCharts { height: 7; }
    PnlCharts > Vertical { border: round $primary; padding: 0 1; width: 1fr; }
    PnlCharts ChartLabel { height: 1; }
    PnlCharts Sparkline { height: 1fr; }
    PnlCharts #account-drawdown { height: 1; }
    PnlCharts #account-drawdown > .sparkline--max-color { color: $error; }
    PnlCharts #account-drawdown > .sparkline--min-color { color: $error 50%; }
    """

    def compose(self) -> ComposeResult:
        with Vertical(id="position-chart"):
            yield ChartLabel("no position selected", id="position-label")
            yield Sparkline([], id="position-spark")
        with Vertical(id="account-chart"):
            yield ChartLabel("", id="account-label")
            yield Sparkline([], id="account-spark")
            yield Sparkline([], summary_function=min, id="account-drawdown")

    def on_mount(self) -> None:
        self.query_one("#position-chart").border_title = "Selected position: open P&L"
        self.query_one("#account-chart").border_title = "Account today: total P&L / drawdown"

    def show(self, snapshot: Snapshot, selected: PositionKey | None) -> None:
        self._show_position(snapshot, selected)
        a = snapshot.account
        dd = Text("   drawdown ", style="dim")
        dd.append_text(money_text(None if a.unmarked else a.drawdown, justify="left"))
        dd.append("   max drawdown ", style="dim")
        dd.append_text(money_text(a.max_drawdown, justify="left"))
        self.query_one("#account-label", ChartLabel).show(_labelled("total", a.known_total, dd))
        self.query_one("#account-spark", Sparkline).data = list(snapshot.account_series)
        self.query_one("#account-drawdown", Sparkline).data = list(snapshot.drawdown_series)

    def _show_position(self, snapshot: Snapshot, selected: PositionKey | None) -> None:
        label = self.query_one("#position-label", ChartLabel)
        spark = self.query_one("#position-spark", Sparkline)
        view = next((p for p in snapshot.positions if p.key == selected), None)
        if view is None:
            label.show(Text("no position selected", style="dim"))
            spark.data = []
            return
        label.show(_labelled(f"{view.strategy} {view.symbol}", view.open_pnl))
        spark.data = list(snapshot.position_series.get(view.key, []))
