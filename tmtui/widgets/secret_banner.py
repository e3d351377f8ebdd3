"""The warning that stays on the trading screen while no webhook secret is set."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

NO_SECRET_TEXT = (
    "⚠ No webhook secret: [listener] secret is not set, so only programs on this machine can "
    "send alerts (a tunnel's are refused). Set it in the config file and restart tmtui."
)


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
