"""Signed P&L curves drawn in braille dots, with a zero line and a labelled scale.

A braille cell holds 2 x 4 dots, so a chart 40 cells wide and 4 high has 80 x 16 points
of resolution. The vertical range always includes zero and the zero line is drawn, so a
position at -70 hangs below the line in red instead of standing up like a winner, and a
flat series draws as a flat line, not as a block. Pure drawing: values in, styled text out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from rich.text import Text

from tmtui.core.formatting import compact_money

BRAILLE = 0x2800
DOT_BITS = ((0x01, 0x08), (0x02, 0x10), (0x04, 0x20), (0x40, 0x80))
"""DOT_BITS[row][column] of a braille cell (rows 0-3 top to bottom, columns 0-1)."""

ZERO, AREA, DOWN, UP = 1, 2, 3, 4
"""What a dot belongs to, in increasing priority when a cell holds several."""


@dataclass(frozen=True, slots=True)
class Series:
    """One curve: a `line`, or an `area` filled from zero to the value."""

    values: Sequence[float]
    kind: Literal["line", "area"] = "line"
    up_style: str = "green"
    down_style: str = "red"


@dataclass(frozen=True, slots=True)
class Scale:
    low: float
    high: float

    @classmethod
    def of(cls, series: Sequence[Series]) -> Scale:
        """The range of every value, stretched to include zero; never empty."""
        values = [v for s in series for v in s.values if math.isfinite(v)]
        low, high = min([0.0, *values]), max([0.0, *values])
        if high == low:
            return cls(-1.0, 1.0)
        return cls(low, high)

    def row(self, value: float, dots: int) -> int:
        """Dot row (0 = top) of a value on a grid `dots` high."""
        fraction = (self.high - value) / (self.high - self.low)
        return min(max(round(fraction * (dots - 1)), 0), dots - 1)


def resample(values: Sequence[float], columns: int) -> list[tuple[float, float, float]]:
    """(low, high, last) of the values falling in each of `columns` dot columns.

    Longer series keep their extremes per column (a spike is never averaged away); shorter
    ones are stretched by linear interpolation so the curve spans the whole width.
    """
    n = len(values)
    if n == 0 or columns <= 0:
        return []
    if n == 1:
        return [(values[0], values[0], values[0])] * columns
    out: list[tuple[float, float, float]] = []
    if n <= columns:
        for x in range(columns):
            t = x * (n - 1) / max(columns - 1, 1)
            i = min(int(t), n - 2)
            v = values[i] + (values[i + 1] - values[i]) * (t - i)
            out.append((v, v, v))
        return out
    for x in range(columns):
        start = x * n // columns
        end = max((x + 1) * n // columns, start + 1)
        chunk = values[start:end]
        out.append((min(chunk), max(chunk), chunk[-1]))
    return out


class DotGrid:
    """Dots with an owner each; turned into braille characters cell by cell."""

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.owner = [[0] * (width * 2) for _ in range(height * 4)]

    def set(self, x: int, y: int, owner: int) -> None:
        row = self.owner[y]
        if owner > row[x]:
            row[x] = owner

    def cell(self, cx: int, cy: int) -> tuple[str, int]:
        """The braille character of a cell and the highest owner among its dots."""
        bits, top = 0, 0
        for dy in range(4):
            row = self.owner[cy * 4 + dy]
            for dx in range(2):
                owner = row[cx * 2 + dx]
                if owner:
                    bits |= DOT_BITS[dy][dx]
                    top = max(top, owner)
        return (chr(BRAILLE + bits) if bits else " "), top


def draw(series: Sequence[Series], scale: Scale, width: int, height: int) -> list[Text]:
    """The plot area as `height` lines of `width` cells (no labels)."""
    grid = DotGrid(width, height)
    dots_x, dots_y = width * 2, height * 4
    zero = scale.row(0.0, dots_y)
    for x in range(dots_x):
        grid.set(x, zero, ZERO)
    styles: dict[int, str] = {ZERO: "dim"}
    for s in series:
        if s.kind == "area":
            styles[AREA] = s.down_style
            for x, (low, _high, _last) in enumerate(resample(s.values, dots_x)):
                edge = scale.row(low, dots_y)
                for y in range(min(zero, edge), max(zero, edge) + 1):
                    grid.set(x, y, AREA)
        else:
            styles[UP], styles[DOWN] = s.up_style, s.down_style
            _draw_line(grid, s, scale, zero)
    lines = []
    for cy in range(height):
        text = Text(no_wrap=True)
        for cx in range(width):
            char, owner = grid.cell(cx, cy)
            text.append(char, style=styles.get(owner, ""))
        lines.append(text)
    return lines


def _draw_line(grid: DotGrid, s: Series, scale: Scale, zero: int) -> None:
    """Vertical strokes per dot column, joined to the previous column; colored by side."""
    dots_y = grid.height * 4
    previous: int | None = None
    for x, (low, high, last) in enumerate(resample(s.values, grid.width * 2)):
        top, bottom = scale.row(high, dots_y), scale.row(low, dots_y)
        end = scale.row(last, dots_y)
        if previous is not None:
            top, bottom = min(top, previous), max(bottom, previous)
        for y in range(top, bottom + 1):
            grid.set(x, y, UP if y < zero or (y == zero and last >= 0) else DOWN)
        previous = end


def plot(series: Sequence[Series], width: int, height: int, *, labels: bool = True) -> list[Text]:
    """The chart with its scale: the top and bottom values and 0 written at the left."""
    if width <= 0 or height <= 0:
        return []
    if not any(s.values for s in series):
        return [Text("no data yet", style="dim", justify="center")] + [Text()] * (height - 1)
    scale = Scale.of(series)
    marks = {0: compact_money(scale.high), height - 1: compact_money(scale.low)}
    if height > 1:
        marks[scale.row(0.0, height * 4) // 4] = "0"
    gutter = max(len(m) for m in marks.values()) + 1 if labels and height > 1 else 0
    body = draw(series, scale, max(width - gutter, 1), height)
    if not gutter:
        return body
    lines = []
    for y, line in enumerate(body):
        text = Text.assemble((marks.get(y, "").rjust(gutter - 1) + " ", "dim"), no_wrap=True)
        text.append_text(line)
        lines.append(text)
    return lines
