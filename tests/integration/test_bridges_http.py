"""Bridge alerts through the real listener, engine and ledger: secrets wherever each format
keeps them (redacted from every log line and record), duplicates, refusals, default qty."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import httpx
import pytest
from helpers import make_config, wait_for
from ledger_support import ledger_signals

from tmtui.core.models import Outcome
from tmtui.runtime.engine import Engine
from tmtui.runtime.factory import build_engine
from tmtui.services.book_restore import verify
from tmtui.services.feeds.base import Quote

SECRET = "Br1dge-s3cret-Value"
TIME = "2025-06-02T14:30:05Z"


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[Engine]:
    config = make_config(
        tmp_path,
        feed={"source": "replay"},
        listener={"port": 0, "secret": SECRET, "rate_limit_per_min": 0},
        strategies={"default_qty": 1, "default_qty_by_strategy": {"ORB": 2}},
    )
    engine = await build_engine(config, with_feed=False)
    await engine.start()
    for symbol, last in (("CME_MINI:MNQ1!", "21000"), ("CME_MINI:NQ1!", "25600")):
        engine.on_quote(Quote(symbol, D(last), received=datetime.now(UTC)))
    yield engine
    await engine.stop()


async def post(engine: Engine, body: str | dict[str, Any], suffix: str = "") -> httpx.Response:
    assert engine.listener is not None
    url = engine.listener.webhook_url + suffix
    content = json.dumps(body) if isinstance(body, dict) else body
    async with httpx.AsyncClient(timeout=10, trust_env=False) as client:
        return await client.post(url, content=content, headers={"Content-Type": "text/plain"})


async def everything_recorded(engine: Engine) -> str:
    """Every signal row and event the ledger holds, as one text to search for leaks."""
    rows = await ledger_signals(engine.ledger)
    events = await engine.ledger.events()
    return json.dumps(rows, default=str) + "\n".join(f"{e.message} {e.data}" for e in events)


async def wait_for_rows(engine: Engine, outcome: Outcome) -> list[dict[str, Any]]:
    """The signal rows with `outcome`, once there is one (refusals are recorded in the
    background, after the reply)."""

    async def rows() -> list[dict[str, Any]]:
        return [r for r in await ledger_signals(engine.ledger) if r["outcome"] == outcome.value]

    found: list[dict[str, Any]] = await wait_for(rows, 5.0, f"a {outcome.value} signal")
    return found


def server_log(caplog: pytest.LogCaptureFixture) -> str:
    """What tmtui and its HTTP server logged (the test's own HTTP client logs URLs itself)."""
    names = ("tmtui", "aiohttp", "asyncio")
    return "\n".join(r.getMessage() for r in caplog.records if r.name.startswith(names))


def qty(engine: Engine, strategy: str, root: str = "MNQ") -> int:
    pos = engine.book.position(strategy, root)
    return 0 if pos is None else pos.signed_qty


# --- secrets, in every place a format keeps them ------------------------------------------------

SECRET_PLACES = [
    ("json secret", "", {"secret": SECRET, "ticker": "MNQ1!", "action": "buy", "qty": "1"}),
    ("json passphrase", "", {"passphrase": SECRET, "ticker": "MNQ1!", "action": "buy"}),
    (
        "PickMyTrade token",
        "",
        {"symbol": "MNQ1!", "data": "buy", "quantity": "1", "token": SECRET, "date": TIME},
    ),
    ("json key", "", {"key": SECRET, "message": "buy 1 MNQ1!"}),
    ("json apikey", "", {"apikey": SECRET, "symbol": "MNQ1!", "action": "buy"}),
    (
        "3Commas secret",
        "",
        {"secret": SECRET, "tv_instrument": "MNQ1!", "action": "buy", "order": {"amount": "1"}},
    ),
    (
        "CrossTrade key=",
        "",
        f"key={SECRET};\ncommand=PLACE;\naccount=sim101;\ninstrument=MNQ 06-25;\naction=BUY;\n"
        "qty=1;\norder_type=MARKET;\ntif=DAY;",
    ),
    ("PineConnector licence", "", f"{SECRET}, buy, MNQ1!, risk=1"),
    ("PineConnector secret=", "", f"60123456789,buy,MNQ1!,vol_lots=1, secret={SECRET}"),
    ("pipe key", "", f"{SECRET}|Pipe|buy|MNQ1!|1"),
    (
        "URL query, another bridge's token in the body",
        f"?secret={SECRET}",
        {"symbol": "MNQ1!", "data": "buy", "quantity": "1", "token": "pmt-token-9f2c"},
    ),
    ("URL path segment", f"/{SECRET}", {"symbol": "MNQ", "side": "buy", "qty": 1}),
    ("URL path segment and strategy", f"/{SECRET}/Tickerly", {"ticker": "MNQ1!", "action": "buy"}),
]


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    ("where", "suffix", "body"), SECRET_PLACES, ids=[place[0] for place in SECRET_PLACES]
)
async def test_a_secret_is_read_where_its_format_keeps_it_and_never_recorded(
    engine: Engine,
    caplog: pytest.LogCaptureFixture,
    where: str,
    suffix: str,
    body: str | dict[str, Any],
) -> None:
    caplog.set_level(logging.DEBUG)
    response = await post(engine, body, suffix)
    assert response.status_code == 200, (where, response.text)
    assert response.json()["outcome"] == "accepted"
    assert sum(abs(p.signed_qty) for p in engine.book.open_positions()) == 1
    recorded = await everything_recorded(engine)
    for leaked in (SECRET, "pmt-token-9f2c", "60123456789"):
        assert leaked not in recorded, f"{where}: {leaked} recorded"
        assert leaked not in server_log(caplog), f"{where}: {leaked} logged"
    assert "***" in recorded or suffix


@pytest.mark.timeout(60)
async def test_url_secret_names_the_strategy_in_the_next_segment(engine: Engine) -> None:
    response = await post(engine, {"ticker": "MNQ1!", "action": "buy"}, f"/{SECRET}/ORB")
    assert response.status_code == 200
    assert qty(engine, "ORB") == 2  # ORB's own default qty


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    ("suffix", "body"),
    [
        ("?secret=wrong-Value", {"secret": SECRET, "ticker": "MNQ1!", "action": "buy"}),
        ("/wrong-Value/ORB", {"secret": SECRET, "ticker": "MNQ1!", "action": "buy"}),
        ("", "key=wrong-Value; command=PLACE; instrument=MNQ1!; action=BUY; qty=1;"),
        ("", "wrong-Value|ORB|buy|MNQ1!|1"),
        ("/NotTheSecret", {"ticker": "MNQ1!", "action": "buy"}),
    ],
)
async def test_a_wrong_secret_anywhere_is_401_and_not_logged(
    engine: Engine, caplog: pytest.LogCaptureFixture, suffix: str, body: str | dict[str, Any]
) -> None:
    caplog.set_level(logging.DEBUG)
    response = await post(engine, body, suffix)
    assert response.status_code == 401
    assert response.json() == {"ok": False, "error": "unauthorized"}
    assert engine.book.positions == {}
    logged = server_log(caplog)
    assert "refused (401)" in logged and SECRET not in logged
    if "wrong-Value" in json.dumps(body) + suffix:
        assert "wrong-Value" not in logged


@pytest.mark.timeout(60)
async def test_a_secret_in_an_unknown_path_is_not_logged(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    response = await post(engine, {"ticker": "MNQ1!"}, f"/{SECRET}/a/b")
    assert response.status_code == 404
    logged = server_log(caplog)
    assert "/webhook/***/a/b" in logged and SECRET not in logged


# --- duplicates: key AND body -------------------------------------------------------------------


@pytest.mark.timeout(60)
async def test_a_repeated_order_id_with_another_body_is_a_new_alert(engine: Engine) -> None:
    # {{strategy.order.id}} is the order's name in the strategy: "Long" on every long entry.
    first = {
        "secret": SECRET,
        "ticker": "MNQ1!",
        "action": "buy",
        "quantity": "1",
        "order_id": "Long",
        "price": "21000",
        "time": "2025-06-02T14:30:05Z",
    }
    second = {**first, "price": "21010", "time": "2025-06-02T15:45:00Z"}
    no_time = {k: v for k, v in first.items() if k != "time"}
    replies = [await post(engine, body) for body in (first, second, {**no_time, "quantity": "2"})]
    assert [r.json()["duplicate"] for r in replies] == [False, False, False]
    assert qty(engine, "default") == 4
    # a resend is byte-identical: only that is a duplicate
    resend = await post(engine, first)
    assert resend.json()["duplicate"] is True
    assert resend.json()["signal_id"] == replies[0].json()["signal_id"]
    assert qty(engine, "default") == 4
    assert await engine.ledger.count_signals(Outcome.ACCEPTED) == 3
    assert await engine.ledger.count_signals(Outcome.DUPLICATE) == 1


@pytest.mark.timeout(60)
async def test_a_repeated_exit_id_applies_each_time(engine: Engine) -> None:
    entry = {"secret": SECRET, "ticker": "MNQ1!", "action": "buy", "quantity": "2", "id": "L"}
    await post(engine, entry)
    exit_ = {"secret": SECRET, "ticker": "MNQ1!", "action": "sell", "quantity": "1", "id": "Exit"}
    exits = [{**exit_, "price": price} for price in ("21005", "21010")]
    replies = [await post(engine, body) for body in exits]
    assert [r.json()["duplicate"] for r in replies] == [False, False]
    assert qty(engine, "default") == 0


# --- refusals and what the engine decides -----------------------------------------------------


@pytest.mark.timeout(60)
async def test_tradingview_default_message_is_a_400_saying_what_was_expected(
    engine: Engine,
) -> None:
    response = await post(engine, "MNQ1!, price = 21034.25, volume = 1532", f"?secret={SECRET}")
    assert response.status_code == 400
    error = response.json()["error"]
    assert "default alert message" in error and "tmtui expected a trade instruction" in error
    rejected = await wait_for_rows(engine, Outcome.REJECTED)
    assert "price = 21034.25" in rejected[-1]["raw"]


@pytest.mark.timeout(60)
async def test_default_qty_per_strategy(engine: Engine) -> None:
    for strategy in ("ORB", "Other"):
        body = {"secret": SECRET, "ticker": "MNQ1!", "action": "buy", "strategy": strategy}
        reply = await post(engine, body)
        assert "(default qty)" in reply.json()["message"]
    assert (qty(engine, "ORB"), qty(engine, "Other")) == (2, 1)


@pytest.mark.timeout(60)
async def test_an_exit_that_does_not_apply_is_recorded_as_ignored_and_says_why(
    engine: Engine,
) -> None:
    await post(engine, {"secret": SECRET, "ticker": "MNQ1!", "action": "sell", "qty": "2"})
    reply = await post(
        engine, {"secret": SECRET, "ticker": "MNQ1!", "action": "sell", "sentiment": "flat"}
    )
    body = reply.json()
    assert reply.status_code == 200 and body["outcome"] == "ignored"
    assert "exits a long only" in body["message"] and "short 2" in body["message"]
    assert qty(engine, "default") == -2


@pytest.mark.timeout(60)
async def test_drift_is_logged_when_the_stated_state_differs(engine: Engine) -> None:
    reversal = {
        "secret": SECRET,
        "tv_exchange": "CME_MINI_DL",
        "tv_instrument": "MNQ1!",
        "action": "sell",
        "strategy_info": {
            "market_position": "short",
            "market_position_size": "1",
            "prev_market_position": "long",
            "prev_market_position_size": "2",
        },
        "order": {"amount": "3"},
    }
    reply = await post(engine, reversal)
    assert reply.json()["outcome"] == "accepted"
    assert qty(engine, "default") == -1
    drift = [e.message for e in await engine.ledger.events() if e.kind.value == "drift"]
    assert any("was long 2 before this order, tmtui held flat" in m for m in drift)
    assert any("strategy reports short 1" in m for m in drift)


@pytest.mark.timeout(60)
async def test_a_restart_rebuilds_what_the_bridges_did(tmp_path: Path, engine: Engine) -> None:
    alerts: list[tuple[str, str | dict[str, Any]]] = [
        ("", f"key={SECRET}; command=PLACE; instrument=MNQ 06-25; action=SELL; qty=2;"),
        ("", f"key={SECRET}; command=PLACE; instrument=MNQ1!; action=BUY; qty=1; flatten_first=1;"),
        ("", f"{SECRET},closelongsell,MNQ1!,risk=3"),
        ("", {"secret": SECRET, "ticker": "MNQ1!", "action": "sell", "sentiment": "flat"}),
        (f"/{SECRET}/B", {"symbol": "NQM5", "side": "short", "qty": 1}),
        ("", f"key={SECRET}; command=REVERSE; instrument=NQ 12-24; strategy=B;"),
    ]
    for suffix, body in alerts:
        assert (await post(engine, body, suffix)).status_code == 200
    assert (qty(engine, "default"), qty(engine, "B", "NQ")) == (-3, 1)
    before = {p.key: (p.signed_qty, p.avg_price) for p in engine.book.open_positions()}
    await engine.stop()

    again = await build_engine(engine.config, with_feed=False)
    await again.restore()
    assert {p.key: (p.signed_qty, p.avg_price) for p in again.book.open_positions()} == before
    # and replaying every recorded signal gives exactly the stored state
    assert await verify(again.ledger, again.config) == []
    await again.ledger.close()
