"""Local bridges on 127.0.0.1 that take orders and answer as each bridge's docs say.

* TradersPost: `POST /trading/webhook/{uuid}/{password}`, JSON; 200 `{success: true, id,
  logId, payload}`; 400 `{success: false, logId, messageCode, message}` (wrong password,
  missing ticker/action, unknown action, bad quantity, or the reject switch).
* PickMyTrade: `POST /v2/add-trade-data-latest`, JSON with `token` and `account_id`; its reply
  is undocumented: 200 `{success: true, message, id}`, 400 `{success: false, message}`.
* CrossTrade: `POST /v1/send/{id}/{secret}`, `text/plain` `key=value;` pairs; 200 `{success:
  true, orderId}`; 400 `{success: false, error, detail}`.
* A generic webhook: `POST /hook`, any JSON; 200 `{"id": ...}`; 400 plain text.

Switches (`bridge.mode`): `ok`, `reject` (400 in the bridge's error shape), `hang` (read the
request, never answer), `error` (500 with an HTML page, as TradersPost's may be). `stop()`
closes the port, so connections are refused; `start()` opens it again on the same port.
Every request that reached the handler is in `received`, in order.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass
from typing import Any

from aiohttp import web

TP_UUID = "6f1c2a9e-4b7d-4e10-9a55-3c2d1e0f9b8a"
TP_PASSWORD = "tp-Pa55word-9f8e"
PMT_TOKEN = "pmt-T0ken-77c1a0"
PMT_ACCOUNT = "ACC-1234"
CT_ID = "ct-user-4417"
CT_SECRET = "ct-S3cret-e09d"
CT_KEY = "ct-K3y-5a5a5a"
CT_ACCOUNT = "Sim101"
HOOK_TOKEN = "hook-T0k-3141"

TP_ACTIONS = ("buy", "sell", "exit", "cancel", "add")
CT_COMMANDS = ("PLACE", "CLOSEPOSITION", "FLATTEN", "FLATTENEVERYTHING", "REVERSEPOSITION")


@dataclass(frozen=True)
class Received:
    """One request as the bridge got it."""

    path: str
    content_type: str
    text: str

    @property
    def json(self) -> Any:
        return json.loads(self.text)

    @property
    def pairs(self) -> dict[str, str]:
        """A CrossTrade body as a dict (keys lower case, as CrossTrade reads them)."""
        found = {}
        for part in self.text.split(";"):
            if "=" in part:
                name, value = part.split("=", 1)
                found[name.strip().lower()] = value.strip()
        return found


def _json(value: Any, status: int = 200) -> web.Response:
    return web.json_response(value, status=status)


class FakeBridge:
    """`async with FakeBridge("traderspost") as bridge:` then post to `bridge.url`."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.mode = "ok"
        self.reject_code = "ticker-does-not-exist"
        self.reject_message = "The ticker MNQ1! does not exist."
        self.received: list[Received] = []
        self.port = 0
        self._runner: web.AppRunner | None = None
        self._release = asyncio.Event()
        self._arrived = asyncio.Condition()

    @property
    def url(self) -> str:
        base = f"http://127.0.0.1:{self.port}"
        return {
            "traderspost": f"{base}/trading/webhook/{TP_UUID}/{TP_PASSWORD}",
            "pickmytrade": f"{base}/v2/add-trade-data-latest",
            "crosstrade": f"{base}/v1/send/{CT_ID}/{CT_SECRET}",
            "webhook": f"{base}/hook?token={HOOK_TOKEN}",
        }[self.kind]

    async def __aenter__(self) -> FakeBridge:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def start(self) -> None:
        """Listen (again) on the same port as before, or a free one the first time."""
        app = web.Application()
        app.router.add_post("/{tail:.*}", self._handle)
        self._release = asyncio.Event()
        self._runner = web.AppRunner(app, shutdown_timeout=0.2)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port, reuse_address=True)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        """Close the port: from now on connections are refused. Hanging requests end."""
        self._release.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def wait_received(self, count: int, timeout: float = 5.0) -> None:
        """Until `count` requests have arrived (TimeoutError after `timeout` seconds)."""
        async with asyncio.timeout(timeout), self._arrived:
            await self._arrived.wait_for(lambda: len(self.received) >= count)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        text = await request.text()
        self.received.append(Received(request.path_qs, request.content_type, text))
        async with self._arrived:
            self._arrived.notify_all()
        if self.mode == "hang":
            await self._release.wait()
            raise web.HTTPServiceUnavailable()
        if self.mode == "error":
            return web.Response(status=500, text="<html><body>Internal Server Error</body></html>")
        answer = {
            "traderspost": self._traderspost,
            "pickmytrade": self._pickmytrade,
            "crosstrade": self._crosstrade,
            "webhook": self._webhook,
        }[self.kind]
        return answer(request, text)

    # --- each bridge -------------------------------------------------------------------------

    def _traderspost(self, request: web.Request, text: str) -> web.Response:
        log_id = str(uuid.uuid4())
        problem = _traderspost_problem(request, text)
        if problem is None and self.mode == "reject":
            problem = (self.reject_code, self.reject_message)
        if problem is not None:
            code, message = problem
            body = {"success": False, "logId": log_id, "messageCode": code, "message": message}
            return _json(body, 400)
        return _json(
            {"success": True, "id": str(uuid.uuid4()), "logId": log_id, "payload": json.loads(text)}
        )

    def _pickmytrade(self, request: web.Request, text: str) -> web.Response:
        try:
            body = json.loads(text)
        except ValueError:
            return _json({"success": False, "message": "Invalid JSON"}, 400)
        if not isinstance(body, dict) or body.get("token") != PMT_TOKEN:
            return _json({"success": False, "message": "Invalid token"}, 400)
        if body.get("data") not in ("buy", "sell", "close") or self.mode == "reject":
            return _json({"success": False, "message": "Symbol not mapped: MNQ1!"}, 400)
        return _json({"success": True, "message": "Trade added", "id": str(uuid.uuid4())})

    def _crosstrade(self, request: web.Request, text: str) -> web.Response:
        pairs = Received(request.path, request.content_type, text).pairs
        if not request.path.endswith(f"/{CT_ID}/{CT_SECRET}") or pairs.get("key") != CT_KEY:
            return _json({"success": False, "error": "unauthorized", "detail": "Bad key"}, 400)
        if pairs.get("command", "").upper() not in CT_COMMANDS:
            return _json({"success": False, "error": "invalid_command", "detail": "?"}, 400)
        if self.mode == "reject" or pairs.get("account") != CT_ACCOUNT:
            account = pairs.get("account", "")
            detail = f"Account {account} not found"
            return _json({"success": False, "error": "invalid_account", "detail": detail}, 400)
        return _json({"success": True, "orderId": uuid.uuid4().hex})

    def _webhook(self, request: web.Request, text: str) -> web.Response:
        try:
            json.loads(text)
        except ValueError:
            return web.Response(status=400, text="body is not JSON")
        if request.query.get("token") != HOOK_TOKEN or self.mode == "reject":
            return web.Response(status=400, text="symbol\nnot allowed here")
        return _json({"id": f"hook-{len(self.received)}"})


def _traderspost_problem(request: web.Request, text: str) -> tuple[str, str] | None:
    """The 400 TradersPost's spec gives for this request, or None when it is valid."""
    if not request.path.endswith(f"/{TP_UUID}/{TP_PASSWORD}"):
        return ("invalid-password", "The webhook password is invalid.")
    try:
        body = json.loads(text)
    except ValueError:
        return ("malformed-json", "The JSON payload could not be parsed.")
    if not isinstance(body, dict) or not body.get("ticker") or not body.get("action"):
        return (
            "invalid-payload",
            "The payload is invalid. Both the action and ticker fields are required.",
        )
    if body["action"] not in TP_ACTIONS:
        return ("invalid-action", "The provided action is invalid.")
    quantity = body.get("quantity", 1)
    if isinstance(quantity, bool) or not isinstance(quantity, int | float) or quantity <= 0:
        return ("invalid-quantity", "The provided quantity is invalid.")
    return None
