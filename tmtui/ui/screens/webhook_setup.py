"""`w`: everything needed to point TradingView at this tmtui, on one screen.

The listener's URL and path, the secret (masked until `s`; `c` copies it), the alert message
for the trader's strategy ready to paste (`m` copies it), the tunnel commands for the port,
and `t`, which sends a test alert through the listener and shows the reply. The test alert
is a close under the strategy `tmtui-test`, which holds nothing: it goes through the secret,
the parser and the ledger, is recorded as ignored, and changes no position.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import ClassVar
from urllib.parse import urlsplit

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from tmtui.core.alerts.alert_setup import (
    TEST_STRATEGY,
    TEST_TICKER,
    alert_message,
    masked,
    tunnel_commands,
    webhook_url_hint,
)
from tmtui.core.engine_api import EngineApi
from tmtui.core.models import TmtuiError
from tmtui.settings.config import ListenerConfig
from tmtui.ui.widgets.figure_style import GAIN, LOSS, WARN

DEFAULT_STRATEGY = "MyStrategy"


@dataclass(frozen=True, slots=True)
class ListenerInfo:
    """What the screen shows about the listener: where it is and its secret."""

    webhook_url: str | None
    """Where alerts go now, or None when the listener is not running."""
    port: int
    path: str
    secret: str
    test_blocked: str | None = None
    """Why a test alert must not be sent (a real position under the test strategy)."""


def listener_info(settings: ListenerConfig, engine: EngineApi | None) -> ListenerInfo:
    """What the screen shows, from the config and the running listener (if any)."""
    base = engine.snapshot().listener_url if engine is not None else None
    blocked = None
    if engine is not None and any(p.strategy == TEST_STRATEGY for p in engine.positions()):
        blocked = f"a position is open under the strategy {TEST_STRATEGY}"
    path = "/" + settings.path.strip().strip("/")  # as the listener normalises it
    return ListenerInfo(
        webhook_url=base.rstrip("/") + path if base else None,
        port=settings.port,
        path=settings.path,
        secret=settings.secret,
        test_blocked=blocked,
    )


def reply_text(status: int, body: object) -> Text:
    """`200 ignored: …` in green for a 2xx, red otherwise, with what it means."""
    ok = 200 <= status < 300
    text = Text.assemble((f"{status} ", f"bold {GAIN if ok else LOSS}"))
    if isinstance(body, dict):
        outcome = body.get("outcome") or ("ok" if ok else "error")
        message = body.get("message") or body.get("error") or json.dumps(body)
        text.append(f"{outcome}: {message}")
    else:
        text.append(str(body))
    if ok:
        text.append(
            "\nThe listener, the secret and the ledger work; no position changed.", style="dim"
        )
    elif status == 401:
        text.append("\nThe secret was refused: check [listener] secret.", style=WARN)
    return text


class WebhookSetupScreen(ModalScreen[None]):
    """A modal with the set-up; Esc closes it (or leaves the strategy name box)."""

    DEFAULT_CSS = """
    WebhookSetupScreen { align: center middle; }
    WebhookSetupScreen > #setup {
        width: 100; max-width: 100%;
        height: auto; max-height: 100%;
        border: thick $accent;
        background: $surface;
        padding: 0 1;
    }
    WebhookSetupScreen .head { color: $text-muted; text-style: bold; margin-top: 1; }
    WebhookSetupScreen #strategy-row { height: 1; }
    WebhookSetupScreen #strategy-row > Static { width: auto; padding: 0 1 0 0; }
    WebhookSetupScreen #strategy { width: 1fr; height: 1; border: none; padding: 0 1; }
    WebhookSetupScreen #strategy:focus { background: $accent 30%; }
    WebhookSetupScreen #message { background: $boost; padding: 0 1; }
    WebhookSetupScreen #keys { color: $text-muted; margin-top: 1; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "reveal", "Show/hide secret", id="setup_reveal"),
        Binding("c", "copy_secret", "Copy secret", id="setup_copy_secret"),
        Binding("m", "copy_message", "Copy message", id="setup_copy_message"),
        Binding("n", "edit_strategy", "Strategy name", id="setup_strategy"),
        Binding("t", "test_alert", "Send test alert", id="setup_test"),
        Binding("escape", "close", "Close", id="setup_close"),
    ]

    def __init__(
        self, info: ListenerInfo, strategy: str | None = None, engine: EngineApi | None = None
    ) -> None:
        super().__init__()
        self.info = info
        self.engine = engine
        self.strategy = strategy or DEFAULT_STRATEGY
        self.revealed = False
        self.last_reply: Text | None = None

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="setup") as box:
            box.border_title = "Webhook set-up"
            box.border_subtitle = "s secret · c copy it · m copy message · t test · Esc close"
            yield Static(self._listener_text(), id="listener")
            yield Static(self._secret_text(), id="secret")
            with Horizontal(id="strategy-row"):
                yield Static(Text("Strategy  ", style="dim"))
                yield Input(self.strategy, id="strategy", placeholder=DEFAULT_STRATEGY)
            yield Static(
                Text("Alert message: paste into the alert's Message box (m copies it)"),
                classes="head",
            )
            yield Static(self._message_text(), id="message")
            yield Static(
                Text("Tunnel: TradingView only calls public HTTPS addresses"), classes="head"
            )
            yield Static(self._tunnel_text(), id="tunnel")
            yield Static(self._test_text(), id="test-reply")
            yield Static(
                Text(
                    "s show/hide the secret · c copy the secret · m copy the message · "
                    "n edit the strategy name · t send a test alert · Esc close"
                ),
                id="keys",
            )

    def on_mount(self) -> None:
        self.query_one("#setup").focus()

    # --- texts ----------------------------------------------------------------------------

    def _listener_text(self) -> Text:
        text = Text.assemble(("Listener  ", "dim"))
        if self.info.webhook_url:
            text.append(self.info.webhook_url, style="bold")
            text.append("  running", style=GAIN)
        else:
            text.append(f"port {self.info.port}, path {self.info.path}", style="bold")
            text.append("  not running", style=f"bold {LOSS}")
        return text

    def _secret_text(self) -> Text:
        text = Text.assemble(("Secret    ", "dim"))
        if not self.info.secret:
            text.append("none set", style=f"bold {WARN}")
            text.append(
                ": only programs on this computer may send alerts. Set [listener] secret "
                "before you start a tunnel.",
                style=WARN,
            )
            return text
        text.append(self.info.secret if self.revealed else masked(self.info.secret))
        return text

    def _message_text(self) -> Text:
        secret = self.info.secret if self.revealed else ""
        message = alert_message(secret, self.strategy)
        if self.info.secret and not self.revealed:
            message = message.replace('"PASTE-YOUR-SECRET"', '"•••• (press s to show)"')
        return Text(message)

    def _tunnel_text(self) -> Text:
        text = Text()
        for name, command in tunnel_commands(self._port()):
            text.append(f"  {name:<12}", style="dim")
            text.append(command + "\n", style="bold")
        text.append("Webhook URL in TradingView: ", style="dim")
        text.append(webhook_url_hint(self.info.path))
        return text

    def _test_text(self) -> Text:
        if self.last_reply is not None:
            return Text.assemble(("Test alert  ", "dim"), self.last_reply)
        if self.info.test_blocked:
            return Text(f"Test alert  not available: {self.info.test_blocked}", style=WARN)
        if not self.info.webhook_url:
            return Text("Test alert  not available: the listener is not running", style=WARN)
        return Text(
            f"Test alert  t sends 'close {TEST_TICKER}' as strategy {TEST_STRATEGY}: "
            "recorded as ignored, nothing traded",
            style="dim",
        )

    def _port(self) -> int:
        if self.info.webhook_url:
            port = urlsplit(self.info.webhook_url).port
            if port:
                return port
        return self.info.port

    def _redraw(self) -> None:
        self.query_one("#secret", Static).update(self._secret_text())
        self.query_one("#message", Static).update(self._message_text())
        reply = self.query_one("#test-reply", Static)
        reply.update(self._test_text())
        if self.last_reply is not None:
            self.call_after_refresh(reply.scroll_visible, animate=False)

    # --- actions --------------------------------------------------------------------------

    def on_input_changed(self, event: Input.Changed) -> None:
        self.strategy = event.value.strip() or DEFAULT_STRATEGY
        self.query_one("#message", Static).update(self._message_text())

    def on_input_submitted(self, _: Input.Submitted) -> None:
        self.query_one("#setup").focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Letters go to the strategy box while it has the focus."""
        return action == "close" or not isinstance(self.focused, Input)

    def action_reveal(self) -> None:
        self.revealed = not self.revealed
        self._redraw()

    def action_copy_secret(self) -> None:
        if not self.info.secret:
            self.notify("No secret is set.", severity="warning")
            return
        self.app.copy_to_clipboard(self.info.secret)
        self.notify("Secret copied to the clipboard.")

    def action_copy_message(self) -> None:
        self.app.copy_to_clipboard(alert_message(self.info.secret, self.strategy))
        self.notify(f"Alert message for {self.strategy} copied to the clipboard.")

    def action_edit_strategy(self) -> None:
        self.query_one("#strategy", Input).focus()

    def action_close(self) -> None:
        if isinstance(self.focused, Input):
            self.query_one("#setup").focus()
            return
        self.dismiss(None)

    def action_test_alert(self) -> None:
        if self.info.test_blocked or not self.info.webhook_url:
            self.notify(self._test_text().plain, severity="warning")
            return
        self.last_reply = Text("sending…", style="dim")
        self._redraw()
        self._send_test(self.info.webhook_url)

    @work(exclusive=True, group="webhook-test")
    async def _send_test(self, url: str) -> None:
        """POST the test alert as TradingView would; show the status and the reply."""
        if self.engine is None:
            self.last_reply = Text("no engine is running to send it", style=f"bold {LOSS}")
            self._redraw()
            return
        try:
            status, body = await self.engine.send_test_alert(url, self.info.secret or None)
        except TmtuiError as exc:
            self.last_reply = Text(str(exc), style=f"bold {LOSS}")
        else:
            self.last_reply = reply_text(status, body)
        self._redraw()
