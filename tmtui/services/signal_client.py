"""Send a signal to a running tmtui listener the way TradingView would (`tmtui signal ...`).

Used for manual entries and for testing a setup end to end: the payload has the same shape as
the alert template in docs/alerts.md, so it goes through the same parsing and checks.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import httpx

from tmtui.core.models import Action, InvalidSignal, TmtuiError


def build_alert_payload(
    action: str,
    ticker: str,
    qty: int | None = None,
    price: Decimal | str | int | float | None = None,
    strategy: str | None = None,
    alert_id: str | None = None,
    secret: str | None = None,
    time: datetime | str | None = None,
) -> dict[str, object]:
    """A TradingView-shaped JSON alert; `time` defaults to now, as {{timenow}} would be.

    The action is checked here so a typo fails before anything is sent. Numbers are sent as
    text, as TradingView's quoted placeholders are; optional fields left out are omitted.
    """
    Action.parse(action)
    if not ticker.strip():
        raise InvalidSignal("a signal needs a ticker, e.g. MNQ1!")
    payload: dict[str, object] = {}
    if secret:
        payload["secret"] = secret
    payload["ticker"] = ticker.strip()
    payload["action"] = action.strip().lower()
    if qty is not None:
        payload["contracts"] = str(qty)
    if price is not None:
        payload["price"] = str(price)
    if strategy is not None:
        payload["strategy"] = strategy
    if alert_id is not None:
        payload["id"] = alert_id
    payload["time"] = _utc_iso(time)
    return payload


async def post_signal(
    url: str,
    payload: dict[str, object],
    timeout: float = 5.0,
) -> tuple[int, dict[str, object] | str]:
    """POST the payload as JSON; return the status and the decoded JSON reply (or its text).

    Raises TmtuiError, with the URL in the message, when the listener cannot be reached (or the
    URL is not one).
    """
    try:
        local = _is_local(url)
        async with httpx.AsyncClient(timeout=timeout, trust_env=not local) as client:
            response = await client.post(url, json=payload)
    except httpx.TimeoutException:
        raise TmtuiError(f"no answer from {url} within {timeout:g} s") from None
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        raise TmtuiError(f"could not reach the listener at {url}: {exc}") from None
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return response.status_code, response.text
    if isinstance(body, dict):
        return response.status_code, body
    return response.status_code, response.text


def _is_local(url: str) -> bool:
    """A local listener is reached directly, never through the proxy the environment names."""
    host = httpx.URL(url).host
    return host == "localhost" or host.startswith("127.") or host == "::1"


def _utc_iso(when: datetime | str | None) -> str:
    """{{timenow}}'s format: UTC, to the second, with a Z."""
    if isinstance(when, str):
        return when
    moment = when or datetime.now(UTC)
    if moment.tzinfo is None:
        raise InvalidSignal("the signal time must carry a time zone")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
