"""Cumulative net P&L and its drawdown from the running peak, drawn with axes and a zero line.

Built on textual-plot's `PlotWidget` (braille lines, nice ticks, axis formatters, Textual
styling). Values arrive exact from the read side and become floats here only to be drawn.
The y range always includes zero, so the zero line is on screen and a losing curve hangs
below it instead of standing up like a winner.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from textual_plot import AxisFormatter, HiResMode, LegendLocation, NumericAxisFormatter, PlotWidget

from tmtui.core.formatting import axis_labels

LABEL_SPACING = 14
"""Columns per x label: fewer labels on a narrow terminal, never overlapping."""


class MoneyAxis(NumericAxisFormatter):
    """Ticks at nice steps, written `12,500` (cents only when the steps are that small)."""

    def get_labels_for_ticks(self, ticks: Sequence[float]) -> list[str]:
        return axis_labels(list(ticks))


class _SpreadAxis(AxisFormatter):
    """Up to `max_labels` ticks spread evenly from the first x to the last."""

    def __init__(self) -> None:
        self.max_labels = 6

    def get_ticks(self, min_: float, max_: float, max_ticks: int = 8) -> list[float]:
        count = max(2, min(self.max_labels, max_ticks))
        if max_ <= min_:
            return [min_]
        return [min_ + (max_ - min_) * i / (count - 1) for i in range(count)]


class IndexAxis(_SpreadAxis):
    """x = 0..n-1, one label per point (a trading day); ticks land on whole points."""

    def __init__(self, labels: Sequence[str]) -> None:
        super().__init__()
        self.labels = list(labels)

    def get_ticks(self, min_: float, max_: float, max_ticks: int = 8) -> list[float]:
        count = min(len(self.labels), max(2, min(self.max_labels, max_ticks)))
        if count < 2:
            return [0.0]
        last = len(self.labels) - 1
        return sorted({float(round(last * i / (count - 1))) for i in range(count)})

    def get_labels_for_ticks(self, ticks: Sequence[float]) -> list[str]:
        return [self.labels[int(t)] if 0 <= int(t) < len(self.labels) else "" for t in ticks]


class ClockAxis(_SpreadAxis):
    """x = seconds after `start`, labelled `09:30` in the session's time zone."""

    def __init__(self, start: datetime, tz: tzinfo) -> None:
        super().__init__()
        self.start = start
        self.tz = tz

    def get_labels_for_ticks(self, ticks: Sequence[float]) -> list[str]:
        return [
            (self.start + timedelta(seconds=t)).astimezone(self.tz).strftime("%H:%M") for t in ticks
        ]


@dataclass(frozen=True, slots=True)
class Overlay:
    """A second equity line drawn over the first (a strategy's backtest over its live)."""

    xs: Sequence[float]
    equity: Sequence[float]
    label: str = "backtest"


class EquityPlot(PlotWidget, can_focus=False):
    """Two braille lines over a dotted zero line, and an overlay's line if given; no mouse
    zoom (the keys pick the range)."""

    DEFAULT_CSS = """
    EquityPlot { height: 1fr; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, allow_pan_and_zoom=False)
        self.set_reactive(PlotWidget.margin_top, 1)  # no watcher: not composed yet
        self.set_reactive(PlotWidget.margin_bottom, 1)  # tick labels only, no axis title
        self._x_axis: _SpreadAxis | None = None

    def draw(
        self,
        xs: Sequence[float],
        equity: Sequence[float],
        drawdown: Sequence[float],
        x_axis: _SpreadAxis,
        overlay: Overlay | None = None,
        label: str = "cumulative net",
    ) -> None:
        """Replace whatever was drawn with these curves (x ascending, all the same length);
        the overlay shares the x axis and widens the ranges to hold it."""
        self.clear()
        self._x_axis = x_axis
        self._fit_labels()
        self.set_x_formatter(x_axis)
        self.set_y_formatter(MoneyAxis())
        over_xs, over_equity = (overlay.xs, overlay.equity) if overlay else ((), ())
        all_xs = [*xs, *over_xs]
        if not all_xs:
            self.set_xlimits(0.0, 1.0)
            self.set_ylimits(-1.0, 1.0)
            self.show_legend(is_visible=False)
            return
        values = [0.0, *equity, *drawdown, *over_equity]
        low, high = min(values), max(values)
        if high == low:
            low, high = -1.0, 1.0
        pad = (high - low) * 0.05
        first, last = min(all_xs), max(all_xs)
        last = last if last > first else first + 1.0
        self.set_xlimits(first, last)
        self.set_ylimits(low - pad, high + pad)
        self.plot([first, last], [0.0, 0.0], line_style="grey50", hires_mode=HiResMode.BRAILLE)
        if xs:
            braille = HiResMode.BRAILLE
            self.plot(xs, drawdown, line_style="red", hires_mode=braille, label="drawdown")
            self.plot(xs, equity, line_style="green", hires_mode=braille, label=label)
        if overlay is not None and overlay.xs:
            self.plot(
                overlay.xs,
                overlay.equity,
                line_style="dodger_blue1",
                hires_mode=HiResMode.BRAILLE,
                label=overlay.label,
            )
        self.show_legend(LegendLocation.TOPLEFT)

    @property
    def series(self) -> list[str]:
        """The labels of the lines drawn now (the zero line has none)."""
        return [label for label in self._labels if label]

    def _fit_labels(self) -> None:
        if self._x_axis is not None:
            self._x_axis.max_labels = max(2, (self.size.width - self.margin_left) // LABEL_SPACING)

    def on_resize(self) -> None:
        self._fit_labels()
