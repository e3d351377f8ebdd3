"""The webhook listener against real loopback sockets, with a recording fake engine."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from helpers import wait_for
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tmtui.core.models import (
    AlertReply,
    IncomingAlert,
    InvalidSignal,
    LedgerUnavailable,
    Outcome,
    TmtuiError,
    UnusableSignal,
)
from tmtui.services import webhook_listener
from tmtui.services.signal_client import build_alert_payload, post_signal
from tmtui.services.webhook_listener import SlidingWindowLimiter, WebhookListener

SECRET = "s3cret-Value"
UNAUTHORIZED = {"ok": False, "error": "unauthorized"}


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 0
    path: str = "/webhook"
    secret: str = SECRET
    allow_ips: tuple[str, ...] = ()
    trust_forwarded: bool = False
    max_body_bytes: int = 65536
    rate_limit_per_min: int = 0
    max_qty: int = 100


class RecordingSink:
    """Stands in for the engine: records what it is given, answers or raises on demand."""

    def __init__(self, raises: BaseException | None = None, delay: float = 0.0) -> None:
        self.alerts: list[IncomingAlert] = []
        self.refusals: list[dict[str, Any]] = []
        self.raises = raises
        self.delay = delay
        self.refusal_raises = False

    async def submit_alert(self, alert: IncomingAlert) -> AlertReply:
        self.alerts.append(alert)
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.raises is not None:
            raise self.raises
        return AlertReply(
            signal_id=len(self.alerts),
            duplicate=False,
            outcome=Outcome.ACCEPTED,
            message=f"{alert.fields.action} {alert.fields.ticker}",
            position={"qty": 1, "avg": "21000.25"},
        )

    async def alert_refused(self, *, peer: str, status: int, reason: str, raw: str | None) -> None:
        self.refusals.append({"peer": peer, "status": status, "reason": reason, "raw": raw})
        if self.refusal_raises:
            raise RuntimeError("engine log is broken")

    async def refused_with(self, status: int, count: int = 1) -> list[dict[str, Any]]:
        await wait_for(lambda: len(self.statuses(status)) >= count, 3.0, f"{count} x {status}")
        return self.statuses(status)

    def statuses(self, status: int) -> list[dict[str, Any]]:
        return [r for r in self.refusals if r["status"] == status]


StartListener = Callable[..., Awaitable[tuple[WebhookListener, RecordingSink]]]


@pytest.fixture
async def start_listener() -> AsyncIterator[StartListener]:
    started: list[WebhookListener] = []

    async def start(
        sink: RecordingSink | None = None,
        *,
        health_extra: Callable[[], dict[str, Any]] | None = None,
        idle_timeout: float = 10.0,
        **overrides: Any,
    ) -> tuple[WebhookListener, RecordingSink]:
        sink = sink or RecordingSink()
        listener = WebhookListener(
            Settings(**overrides),
            sink,
            version="9.9-test",
            health_extra=health_extra,
            idle_timeout=idle_timeout,
        )
        await listener.start()
        started.append(listener)
        return listener, sink

    yield start
    for listener in started:
        await listener.stop()


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=5.0, trust_env=False) as http:
        yield http


def alert(**extra: Any) -> dict[str, Any]:
    body = {"secret": SECRET, "ticker": "MNQ1!", "action": "buy", "contracts": "2"}
    body.update(extra)
    return body


def port_of(listener: WebhookListener) -> int:
    return int(listener.url.rsplit(":", 1)[1])


async def raw_exchange(port: int, data: bytes, timeout: float = 3.0) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(data)
        await writer.drain()
        async with asyncio.timeout(timeout):
            return await reader.read(65536)
    finally:
        writer.close()


# --- accepted alerts -------------------------------------------------------------------------


async def test_json_alert_reaches_the_sink(
    start_listener: StartListener, client: httpx.AsyncClient
) -> None:
    listener, sink = await start_listener()
    body = alert(price="21000.25", time="2025-06-02T14:30:05Z", strategy="ORB")
    response = await client.post(listener.webhook_url, json=body)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {
        "ok": True,
        "signal_id": 1,
        "duplicate": False,
        "outcome": "accepted",
        "message": "buy MNQ1!",
        "position": {"qty": 1, "avg": "21000.25"},
    }
    [incoming] = sink.alerts
    fields = incoming.fields
    assert (fields.action, fields.ticker, fields.qty, fields.price) == (
        "buy",
        "MNQ1!",
        2,
        "21000.25",
    )
    assert fields.strategy == "ORB"
    assert fields.secret is None, "the secret must not travel past the listener"
    assert SECRET not in incoming.raw and '"secret":"***"' in incoming.raw
    assert incoming.peer == "127.0.0.1"
    assert incoming.idem_key is not None and incoming.idem_key.startswith("sha256:")
    assert incoming.received.tzinfo is not None


async def test_json_sent_as_text_plain(
    start_listener: StartListener, client: httpx.AsyncClient
) -> None:
    listener, sink = await start_listener()
    response = await client.post(
        listener.webhook_url,
        content=json.dumps(alert(id="a1")).encode(),
        headers={"Content-Type": "text/plain; charset=utf-8"},
    )
    assert response.status_code == 200
    assert sink.alerts[0].fields.ticker == "MNQ1!"
    assert (sink.alerts[0].idem_key or "").startswith("id:a1|sha256:")


async def test_text_form_and_strategy_from_the_path(
    start_listener: StartListener, client: httpx.AsyncClient
) -> None:
    listener, sink = await start_listener()
    text = f"sell 1 NQ1! @ 25600 secret={SECRET}"
    response = await client.post(listener.webhook_url + "/Trend%20%232", content=text)
    assert response.status_code == 200, response.text
    fields = sink.alerts[0].fields
    assert (fields.action, fields.ticker, fields.qty, fields.price) == ("sell", "NQ1!", 1, "25600")
    assert fields.strategy == "Trend #2"
    assert SECRET not in sink.alerts[0].raw


async def test_strategy_in_the_body_wins_over_the_path(
    start_listener: StartListener, client: httpx.AsyncClient
) -> None:
    listener, sink = await start_listener()
    response = await client.post(listener.webhook_url + "/FromPath", json=alert(strategy="Body"))
    assert response.status_code == 200
    assert sink.alerts[0].fields.strategy == "Body"


async def test_comma_form_with_the_account_number_as_secret(
    start_listener: StartListener, client: httpx.AsyncClient
) -> None:
    listener, sink = await start_listener(secret="60123456789")
    response = await client.post(listener.webhook_url, content=b"60123456789,buy,MNQ1!,risk=0.1")
    assert response.status_code == 200
    assert sink.alerts[0].raw == "***,buy,MNQ1!,risk=0.1"


async def test_flat_close_without_action(
    start_listener: StartListener, client: httpx.AsyncClient
) -> None:
    listener, sink = await start_listener()
    body = {"key": SECRET, "symbol": "NQ1!", "sentiment": "flat"}
    response = await client.post(listener.webhook_url, json=body)
    assert response.status_code == 200
    assert sink.alerts[0].fields.action == "close"


async def test_root_path_still_serves_health(
    start_listener: StartListener, client: httpx.AsyncClient
) -> None:
    listener, sink = await start_listener(path="/")
    assert (await client.post(listener.url + "/", json=alert())).status_code == 200
    assert (await client.post(listener.url + "/ORB", json=alert())).status_code == 200
    assert sink.alerts[1].fields.strategy == "ORB"
    assert (await client.get(listener.url + "/health")).status_code == 200


async def test_signal_client_round_trip(start_listener: StartListener) -> None:
    listener, sink = await start_listener()
    payload = build_alert_payload("buy", "MNQ1!", 2, "21000.25", "ORB", "cli-7", SECRET)
    status, body = await post_signal(listener.webhook_url, payload)
    assert status == 200 and isinstance(body, dict) and body["ok"] is True
    assert (sink.alerts[0].idem_key or "").startswith("id:cli-7|sha256:")
    status, body = await post_signal(listener.webhook_url, {**payload, "secret": "nope"})
    assert (status, body) == (401, UNAUTHORIZED)


async def test_signal_client_reports_an_unreachable_listener() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(TmtuiError, match="could not reach"):
        await post_signal(f"http://127.0.0.1:{port}/webhook", {}, timeout=2.0)


@pytest.mark.timeout(20)
async def test_100_concurrent_alerts_all_reach_the_sink(
    start_listener: StartListener, client: httpx.AsyncClient
) -> None:
    listener, sink = await start_listener(sink=RecordingSink(delay=0.01))
    responses = await asyncio.gather(
        *(client.post(listener.webhook_url, json=alert(id=f"n{i}")) for i in range(100))
    )
    assert [r.status_code for r in responses] == [200] * 100
    ids = sorted((a.idem_key or "").split("|")[0] for a in sink.alerts)
    assert ids == sorted(f"id:n{i}" for i in range(100))


# --- refusals the listener decides -----------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty"),
        (b"not an alert", "not an action"),
        (b'{"secret": "s3cret-Value", "ticker": "NQ1!", "action": "buy", "qty": "1.5"}', "whole"),
        (b"[" * 5000, "nested"),
        (b"\xff\xfe", "UTF-8"),
        (b'{"secret":"s3cret-Value","action":"buy"', "not valid JSON"),
    ],
)
async def test_malformed_alerts_are_400_and_never_reach_the_sink(
    start_listener: StartListener, client: httpx.AsyncClient, content: bytes, reason: str
) -> None:
    listener, sink = await start_listener()
    response = await client.post(listener.webhook_url, content=content)
    assert response.status_code == 400
    assert response.json()["ok"] is False and reason in response.json()["error"]
    [refusal] = await sink.refused_with(400)
    assert refusal["peer"] == "127.0.0.1"
    assert SECRET not in (refusal["raw"] or "")
    assert sink.alerts == []


async def test_incomplete_alert_is_400_after_authentication(
    start_listener: StartListener, client: httpx.AsyncClient
) -> None:
    listener, sink = await start_listener()
    response = await client.post(listener.webhook_url, json={"secret": SECRET, "ticker": "NQ1!"})
    assert response.status_code == 400 and "no action" in response.json()["error"]
    response = await client.post(listener.webhook_url, json={"secret": "wrong", "ticker": "NQ1!"})
    assert response.status_code == 401
    assert sink.alerts == []


async def test_bad_strategy_in_the_path_is_400(
    start_listener: StartListener, client: httpx.AsyncClient
) -> None:
    listener, sink = await start_listener()
    response = await client.post(listener.webhook_url + "/bad%0Aname", json=alert())
    assert response.status_code == 400 and "strategy" in response.json()["error"]
    response = await client.post(listener.webhook_url + "/..", json=alert())
    assert response.status_code in (400, 404)
    assert sink.alerts == []


@pytest.mark.parametrize("secret", [None, "", "wrong", SECRET.upper(), SECRET + " x"])
async def test_missing_or_wrong_secret_is_401_without_a_hint(
    start_listener: StartListener,
    client: httpx.AsyncClient,
    caplog: pytest.LogCaptureFixture,
    secret: str | None,
) -> None:
    caplog.set_level(logging.DEBUG)
    listener, sink = await start_listener()
    body = alert()
    del body["secret"]
    if secret is not None:
        body["secret"] = secret
    response = await client.post(listener.webhook_url, json=body)
    assert response.status_code == 401
    assert response.json() == UNAUTHORIZED
    [refusal] = await sink.refused_with(401)
    assert secret is None or not secret.strip() or secret not in (refusal["raw"] or "")
    assert sink.alerts == []
    assert SECRET not in caplog.text


async def test_without_a_secret_only_local_alerts_are_taken(
    start_listener: StartListener, client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="tmtui.listener")
    listener, sink = await start_listener(secret="", host="0.0.0.0")
    assert listener.bound_host == "127.0.0.1"
    assert "NO WEBHOOK SECRET" in caplog.text
    response = await client.post(listener.webhook_url, json={"ticker": "NQ1!", "action": "buy"})
    assert response.status_code == 200
    tunnelled = await client.post(
        listener.webhook_url,
        json={"ticker": "NQ1!", "action": "buy"},
        headers={"X-Forwarded-For": "52.89.214.238"},
    )
    assert tunnelled.status_code == 401
    assert len(sink.alerts) == 1


async def test_allow_ips_is_403_for_other_clients(
    start_listener: StartListener, client: httpx.AsyncClient
) -> None:
    listener, sink = await start_listener(
        allow_ips=("52.89.214.238", "10.1.0.0/16"), trust_forwarded=True
    )
    allowed = await client.post(
        listener.webhook_url, json=alert(), headers={"X-Forwarded-For": "10.1.2.3"}
    )
    assert allowed.status_code == 200
    refused = await client.post(
        listener.webhook_url, json=alert(), headers={"X-Forwarded-For": "10.2.0.1"}
    )
    assert refused.status_code == 403 and refused.json() == {"ok": False, "error": "forbidden"}
    local = await client.post(listener.webhook_url, json=alert())  # peer 127.0.0.1, not listed
    assert local.status_code == 403
    assert [r["peer"] for r in await sink.refused_with(403, 2)] == ["10.2.0.1", "127.0.0.1"]
    assert len(sink.alerts) == 1


async def test_forwarded_address_is_the_rightmost_entry_and_only_when_trusted(
    start_listener: StartListener, client: httpx.AsyncClient
) -> None:
    trusted, trusted_sink = await start_listener(trust_forwarded=True)
    spoofed = {"X-Forwarded-For": "52.89.214.238, 203.0.113.9"}
    await client.post(trusted.webhook_url, json=alert(), headers=spoofed)
    await client.post(
        trusted.webhook_url, json=alert(), headers={"CF-Connecting-IP": "198.51.100.4"}
    )
    await client.post(
        trusted.webhook_url, json=alert(), headers={"X-Forwarded-For": "[::ffff:1.2.3.4]:5"}
    )
    assert [a.peer for a in trusted_sink.alerts] == ["203.0.113.9", "198.51.100.4", "1.2.3.4"]

    untrusted, untrusted_sink = await start_listener()
    await client.post(untrusted.webhook_url, json=alert(), headers=spoofed)
    assert untrusted_sink.alerts[0].peer == "127.0.0.1"


async def test_other_methods_on_the_webhook_path_are_405(
    start_listener: StartListener, client: httpx.AsyncClient
) -> None:
    listener, sink = await start_listener()
    for method in ("GET", "PUT", "DELETE", "PATCH"):
        response = await client.request(method, listener.webhook_url + "/ORB")
        assert response.status_code == 405
        assert response.headers["Allow"] == "POST"
        assert response.json()["ok"] is False
    assert len(await sink.refused_with(405, 4)) == 4
    unknown = await client.get(listener.url + "/nothing-here")
    assert unknown.status_code == 404 and unknown.json()["ok"] is False
    assert sink.alerts == []


async def test_oversized_body_is_413(
    start_listener: StartListener, client: httpx.AsyncClient
) -> None:
    listener, sink = await start_listener(max_body_bytes=1024)
    response = await client.post(listener.webhook_url, json=alert(pad="x" * 2000))
    assert response.status_code == 413
    assert response.json() == {"ok": False, "error": "the alert is larger than 1024 bytes"}
    await sink.refused_with(413)
    assert sink.alerts == []


async def test_oversized_chunked_body_is_413(
    start_listener: StartListener, client: httpx.AsyncClient
) -> None:
    listener, sink = await start_listener(max_body_bytes=1024)

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"secret": "s3cret-Value", "pad": "'
        for _ in range(64):
            yield b"x" * 4096
        yield b'"}'

    response = await client.post(listener.webhook_url, content=chunks())
    assert response.status_code == 413
    assert response.json()["ok"] is False
    assert sink.alerts == []


async def test_rate_limit_is_429_per_address(
    start_listener: StartListener, client: httpx.AsyncClient
) -> None:
    listener, sink = await start_listener(rate_limit_per_min=3, trust_forwarded=True)

    async def post_from(address: str) -> httpx.Response:
        headers = {"X-Forwarded-For": address}
        return await client.post(listener.webhook_url, json=alert(), headers=headers)

    assert [(await post_from("10.0.0.1")).status_code for _ in range(3)] == [200] * 3
    limited = await post_from("10.0.0.1")
    assert limited.status_code == 429
    assert limited.json()["ok"] is False
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert (await post_from("10.0.0.1")).status_code == 429
    assert (await post_from("10.0.0.2")).status_code == 200
    assert len(sink.alerts) == 4
    await sink.refused_with(429)
    await asyncio.sleep(0.05)  # let any (wrong) second report land before counting
    assert len(sink.statuses(429)) == 1, "only the first 429 of a run is reported"


async def test_a_body_that_never_arrives_is_408(
    start_listener: StartListener, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(webhook_listener, "BODY_READ_TIMEOUT_S", 0.2)
    listener, sink = await start_listener()
    head = (
        b"POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: 500\r\n\r\n{"
    )
    reply = await raw_exchange(port_of(listener), head)
    assert reply.startswith(b"HTTP/1.1 408")
    assert b'"ok": false' in reply
    assert sink.alerts == []


async def test_a_client_hanging_up_mid_body_is_not_an_error(
    start_listener: StartListener, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="tmtui.listener")
    listener, sink = await start_listener()
    _reader, writer = await asyncio.open_connection("127.0.0.1", port_of(listener))
    writer.write(b"POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
    await writer.drain()
    writer.close()
    await wait_for(lambda: "hung up" in caplog.text, 3.0, "the hang-up log line")
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert sink.alerts == [] and sink.refusals == []


# --- the engine's answers --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "status", "message"),
    [
        (InvalidSignal("price is not a number"), 400, "price is not a number"),
        (UnusableSignal("unknown contract ZZZ"), 422, "unknown contract ZZZ"),
        (LedgerUnavailable("the ledger is locked"), 503, "the ledger is locked"),
        (RuntimeError(f"boom {SECRET}"), 503, webhook_listener.GENERIC_503),
    ],
)
async def test_sink_errors_map_to_status_codes(
    start_listener: StartListener,
    client: httpx.AsyncClient,
    caplog: pytest.LogCaptureFixture,
    error: Exception,
    status: int,
    message: str,
) -> None:
    listener, _ = await start_listener(sink=RecordingSink(raises=error))
    response = await client.post(listener.webhook_url, json=alert())
    assert response.status_code == status
    assert response.json() == {"ok": False, "error": message}
    if isinstance(error, RuntimeError):
        assert "Traceback" in caplog.text or any(r.exc_info for r in caplog.records)


async def test_a_failing_refusal_report_does_not_break_the_reply(
    start_listener: StartListener, client: httpx.AsyncClient
) -> None:
    sink = RecordingSink()
    sink.refusal_raises = True
    listener, _ = await start_listener(sink=sink)
    response = await client.post(listener.webhook_url, content=b"garbage")
    assert response.status_code == 400
    await sink.refused_with(400)
    assert (await client.post(listener.webhook_url, json=alert())).status_code == 200


# --- health and lifecycle --------------------------------------------------------------------


async def test_health_is_json_without_secrets(
    start_listener: StartListener, client: httpx.AsyncClient
) -> None:
    listener, _ = await start_listener(
        health_extra=lambda: {"feed": {"state": "delayed", "delay_minutes": 10}, "status": "x"}
    )
    response = await client.get(listener.url + "/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["version"] == "9.9-test"
    assert body["uptime_s"] >= 0
    assert body["feed"] == {"state": "delayed", "delay_minutes": 10}
    assert body["listener"]["url"] == listener.url
    assert body["listener"]["auth"] == "secret"
    assert SECRET not in response.text
    assert "positions" not in body


async def test_health_survives_a_broken_extra(
    start_listener: StartListener, client: httpx.AsyncClient
) -> None:
    def broken() -> dict[str, Any]:
        raise RuntimeError("feed gone")

    listener, _ = await start_listener(health_extra=broken)
    response = await client.get(listener.url + "/health")
    assert response.status_code == 200 and response.json()["status"] == "ok"


async def test_stop_is_safe_twice_and_before_start() -> None:
    listener = WebhookListener(Settings(), RecordingSink())
    await listener.stop()
    await listener.start()
    port = port_of(listener)
    assert port != 0
    await listener.stop()
    await listener.stop()
    with pytest.raises(OSError):
        await asyncio.open_connection("127.0.0.1", port)


async def test_stop_is_quick_with_a_client_still_connected(start_listener: StartListener) -> None:
    listener, _ = await start_listener()
    _reader, writer = await asyncio.open_connection("127.0.0.1", port_of(listener))
    writer.write(b"POST /webhook HTTP/1.1\r\nHost: x\r\n")
    await writer.drain()
    started = time.monotonic()
    await listener.stop()
    assert time.monotonic() - started < 2.0
    writer.close()


async def test_a_taken_port_is_a_clear_error(start_listener: StartListener) -> None:
    first, _ = await start_listener()
    second = WebhookListener(Settings(port=port_of(first)), RecordingSink())
    with pytest.raises(TmtuiError, match="cannot listen"):
        await second.start()
    await second.stop()


# --- slow and malformed clients --------------------------------------------------------------


@pytest.mark.timeout(20)
async def test_a_trickling_client_does_not_delay_another(
    start_listener: StartListener, client: httpx.AsyncClient
) -> None:
    listener, sink = await start_listener()
    port = port_of(listener)
    request = b"POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}"
    _reader, writer = await asyncio.open_connection("127.0.0.1", port)

    async def trickle() -> None:
        for byte in request[:-8]:
            writer.write(bytes([byte]))
            await writer.drain()
            await asyncio.sleep(0.02)

    trickler = asyncio.create_task(trickle())
    try:
        await asyncio.sleep(0.1)  # the trickler is mid-headers
        started = time.monotonic()
        response = await client.post(listener.webhook_url, json=alert())
        elapsed = time.monotonic() - started
        assert response.status_code == 200
        assert elapsed < 0.5
        assert not trickler.done(), "the fast alert must have been served mid-trickle"
        assert len(sink.alerts) == 1
    finally:
        trickler.cancel()
        writer.close()


async def test_a_client_stuck_in_its_headers_is_disconnected(
    start_listener: StartListener,
) -> None:
    listener, _ = await start_listener(idle_timeout=0.3)
    reader, writer = await asyncio.open_connection("127.0.0.1", port_of(listener))
    writer.write(b"POST /webhook HTTP/1.1\r\nHost: x\r\n")
    await writer.drain()
    try:
        async with asyncio.timeout(3.0):
            assert await reader.read(1024) == b""
    finally:
        writer.close()


@pytest.mark.parametrize(
    "request_bytes",
    [
        pytest.param(
            b"POST /webhook HTTP/1.1\r\nHost: x\r\n"
            b"Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}x",
            id="duplicate-content-length",
        ),
        pytest.param(
            b"POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
            id="content-length-and-transfer-encoding",
        ),
        pytest.param(
            b"POST /webhook HTTP/1.1\r\nHost: x\r\n"
            b"X-Note: a\r\n  folded\r\nContent-Length: 2\r\n\r\n{}",
            id="folded-header",
        ),
        pytest.param(
            b"POST /webhook HTTP/1.1\r\nHost: x\r\n"
            b"Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
            id="bad-chunk-size",
        ),
        pytest.param(b"POST /webhook HTTP/9.9\r\nHost: x\r\n\r\n", id="bad-version"),
        pytest.param(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", id="tls-hello"),
    ],
)
async def test_malformed_http_is_400(start_listener: StartListener, request_bytes: bytes) -> None:
    listener, sink = await start_listener(secret="")
    reply = await raw_exchange(port_of(listener), request_bytes)
    assert reply.split(b" ", 2)[1] == b"400", reply[:200]
    assert sink.alerts == []


# --- property: garbage over HTTP never gets a 5xx --------------------------------------------


@pytest.mark.timeout(30)
@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    body=st.one_of(
        st.binary(max_size=300),
        st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass")),
        st.dictionaries(
            st.sampled_from(["ticker", "action", "qty", "price", "secret", "id", "message"]),
            st.one_of(st.none(), st.integers(), st.text(max_size=10), st.floats()),
        ).map(lambda d: json.dumps({"secret": SECRET, **d}).encode()),
    ),
    strategy=st.one_of(st.none(), st.text(alphabet="abc .#:%/\\", min_size=1, max_size=8)),
)
async def test_garbage_over_http_never_gets_a_5xx(
    shared_listener: tuple[WebhookListener, httpx.AsyncClient], body: bytes, strategy: str | None
) -> None:
    listener, http = shared_listener
    url = listener.webhook_url + ("/" + strategy if strategy else "")
    response = await http.post(url, content=body)
    assert response.status_code < 500, response.text
    assert response.headers["content-type"].startswith("application/json")


@pytest.fixture
async def shared_listener() -> AsyncIterator[tuple[WebhookListener, httpx.AsyncClient]]:
    listener = WebhookListener(Settings(), RecordingSink())
    await listener.start()
    async with httpx.AsyncClient(timeout=5.0, trust_env=False) as http:
        yield listener, http
    await listener.stop()


# --- the rate limiter on its own -------------------------------------------------------------


def test_limiter_window_slides() -> None:
    now = [0.0]
    limiter = SlidingWindowLimiter(2, clock=lambda: now[0])
    assert limiter.hit("a") is None
    now[0] = 30.0
    assert limiter.hit("a") is None
    now[0] = 59.0
    refusal = limiter.hit("a")
    assert refusal is not None and refusal.first_refusal and refusal.retry_after_s == 1.0
    second = limiter.hit("a")
    assert second is not None and not second.first_refusal
    now[0] = 60.0  # the first hit has left the window
    assert limiter.hit("a") is None
    assert SlidingWindowLimiter(0).hit("a") is None


def test_limiter_memory_is_bounded() -> None:
    limiter = SlidingWindowLimiter(5, max_clients=100)
    for i in range(10_000):
        limiter.hit(f"10.0.{i // 256}.{i % 256}")
    assert len(limiter) == 100


async def test_health_is_503_with_the_problem_when_alerts_cannot_be_recorded(
    start_listener: StartListener, client: httpx.AsyncClient
) -> None:
    listener, _ = await start_listener(
        health_extra=lambda: {
            "ledger": {"ok": False, "state": "disk_full"},
            "problem": "alerts cannot be recorded: database or disk is full",
        }
    )
    response = await client.get(listener.url + "/health")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["error"] == "alerts cannot be recorded: database or disk is full"
    assert body["ledger"]["state"] == "disk_full" and "problem" not in body
