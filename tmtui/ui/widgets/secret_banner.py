"""The warning that stays on the trading screen while no webhook secret is set."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

NO_SECRET_TEXT = "⚠ No [listener] secret: tunnel alerts are refused until one is set in config"
"""Fits one line at 80 columns; the README and the headless line say more."""


class SecretBanner(Static):
    """Shown from start to quit when `[listener] secret` is empty; it is never dismissed."""

    DEFAULT_CSS = """
    SecretBanner {
        height: auto;
        background: $warning 30%;
        color: $text;
        text-style: bold;
        padding: 0 1;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(Text(NO_SECRET_TEXT), id=id)
