"""A 5xx means "not recorded": a failure after the decision takes the whole alert back.

TradingView resends what it was answered 503; had the alert been recorded anyway, the
resend (often without a `time`, so with a new key) would open the position a second time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from helpers import make_config

from tmtui.core.models import Outcome
from tmtui.runtime.engine import Engine
from tmtui.runtime.factory import build_engine

SECRET = "rollback-secret"


async def started(tmp_path: Path) -> Engine:
    config = make_config(
        tmp_path,
        feed={"source": "replay"},
        listener={"port": 0, "secret": SECRET, "rate_limit_per_min": 0},
    )
    engine = await build_engine(config, with_feed=False)
    await engine.start()
    return engine


def body(price: str, alert_id: str) -> dict[str, Any]:
    return {
        "secret": SECRET,
        "strategy": "HX",
        "ticker": "ES1!",
        "action": "buy",
        "contracts": "1",
        "price": price,
        "id": alert_id,
    }


@pytest.mark.parametrize("where", ["apply", "view"])
async def test_a_failure_after_the_decision_records_nothing_and_answers_503(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    engine = await started(tmp_path)
    try:
        target = "apply" if where == "apply" else "position_view"
        real = getattr(engine.state, target)

        def broken(*args: Any, **kwargs: Any) -> Any:
            raise ArithmeticError("injected after the decision")

        monkeypatch.setattr(engine.state, target, broken)
        async with httpx.AsyncClient(timeout=10) as client:
            url = engine.listener.webhook_url
            for n in range(3):
                reply = await client.post(url, json=body("6800", f"a{n}"))
                assert reply.status_code == 503, reply.text
            assert await engine.ledger.count_signals(Outcome.ACCEPTED) == 0
            assert engine.positions() == []
            assert await engine.ledger.fills() == []

            monkeypatch.setattr(engine.state, target, real)
            ok = await client.post(url, json=body("6800", "after"))
            assert ok.status_code == 200, ok.text
        assert await engine.ledger.count_signals(Outcome.ACCEPTED) == 1
        assert [(p.strategy, p.qty) for p in engine.positions()] == [("HX", 1)]
    finally:
        await engine.stop()
