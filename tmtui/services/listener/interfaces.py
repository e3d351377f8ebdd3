"""What the listener needs from outside: its settings and the sink alerts go to.

Protocols, so the listener can be served with a fake engine in tests and the real config
without importing either.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from tmtui.core.models import AlertReply, IncomingAlert


class ListenerSettings(Protocol):
    """The `[listener]` settings the listener reads (config.ListenerConfig satisfies it)."""

    @property
    def host(self) -> str: ...
    @property
    def port(self) -> int: ...
    @property
    def path(self) -> str: ...
    @property
    def secret(self) -> str: ...
    @property
    def allow_ips(self) -> Sequence[str]: ...
    @property
    def trust_forwarded(self) -> bool: ...
    @property
    def max_body_bytes(self) -> int: ...
    @property
    def rate_limit_per_min(self) -> int: ...
    @property
    def max_qty(self) -> int: ...


class AlertSink(Protocol):
    """Where authenticated alerts go (the engine)."""

    async def submit_alert(self, alert: IncomingAlert) -> AlertReply:
        """Record and apply the alert; return only once it is committed.

        Raise InvalidSignal (400), UnusableSignal (422) or LedgerUnavailable (503).
        """
        ...

    async def alert_refused(self, *, peer: str, status: int, reason: str, raw: str | None) -> None:
        """Note a request the listener refused on its own (raw is redacted, or None)."""
        ...
