"""One HTTP request to a bridge, built but not sent: where, what body, which content type."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

JSON: Final = "application/json"
TEXT: Final = "text/plain; charset=utf-8"


@dataclass(frozen=True, slots=True)
class BridgeRequest:
    """A POST to `url` with `body`. Holds secrets (URL path, token, key): never print it."""

    url: str
    body: bytes
    content_type: str

    def __repr__(self) -> str:
        return f"BridgeRequest(<{len(self.body)} bytes, {self.content_type}>)"
