"""What a trader pastes into TradingView and runs to reach the listener, for this config.

The alert message is docs/alerts.md's template with the secret and the strategy's name
filled in; the tunnel commands point at the listener's port. Pure text, shown by the
webhook set-up screen (`w`).
"""

from __future__ import annotations

import json

SECRET_PLACEHOLDER = "PASTE-YOUR-SECRET"
TEST_STRATEGY = "tmtui-test"
"""The strategy a set-up test alert is sent under: a close with nothing open, so it is
recorded as ignored and no position changes."""
TEST_TICKER = "NQ1!"


def alert_message(secret: str, strategy: str) -> str:
    """The JSON alert message for one strategy, every placeholder in double quotes."""
    fields = {
        "secret": secret or SECRET_PLACEHOLDER,
        "strategy": strategy,
        "ticker": "{{ticker}}",
        "action": "{{strategy.order.action}}",
        "contracts": "{{strategy.order.contracts}}",
        "price": "{{close}}",
        "position_size": "{{strategy.position_size}}",
        "time": "{{timenow}}",
    }
    return json.dumps(fields, indent=2, ensure_ascii=False)


def masked(secret: str) -> str:
    """The secret as dots, with its length, so it can be shown on a shared screen."""
    if not secret:
        return "(none set)"
    return "•" * min(len(secret), 16) + f"  ({len(secret)} characters)"


def tunnel_commands(port: int) -> list[tuple[str, str]]:
    """The tunnel programs' commands for the listener's port, and what each prints."""
    local = f"http://127.0.0.1:{port}"
    return [
        ("cloudflared", f"cloudflared tunnel --url {local}"),
        ("ngrok", f"ngrok http {port}"),
    ]


def webhook_url_hint(path: str) -> str:
    """What goes in TradingView's Webhook URL box once a tunnel runs."""
    return f"https://<the tunnel's public address>{path}"
