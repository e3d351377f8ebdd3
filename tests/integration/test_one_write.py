"""Every alert, whatever its outcome, and every manual close or order is ONE transaction.

The intake decides without I/O (one read for the dedupe key), then records everything the
decision caused at once, then applies it: nothing is half-recorded and nothing is applied
before it is durable.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest
from helpers import alert, make_config, wait_for
from ledger_support import ledger_signals

from tmtui.core.alerts.manual_orders import ManualOrder, ManualPrice, PriceSource
from tmtui.core.events import EventKind
from tmtui.core.models import Action, InvalidSignal, Outcome, UnusableSignal
from tmtui.ledger.store import Ledger
from tmtui.runtime.engine import Engine
from tmtui.services.feeds.base import Quote

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[Engine]:
    config = make_config(tmp_path, strategies={"disabled": ("Off",)})
    engine = Engine(config, await Ledger.open(config.ledger.resolved_path()), sample_interval=3600)
    await engine.start()
    await wait_for(lambda: engine.housekeeper.runs, what="the start's housekeeping")
    yield engine
    await engine.stop()


@pytest.fixture
def transactions(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The name of each write handed to the ledger's writer: each one runs whole in one
    transaction (alone, or with others committed together)."""
    seen: list[str] = []
    writer = engine.ledger._writer
    original = writer.submit

    def spy(work: Callable[[Any], Any], **kwargs: Any) -> Any:
        seen.append(getattr(work, "__qualname__", type(work).__qualname__))
        return original(work, **kwargs)

    monkeypatch.setattr(writer, "submit", spy)
    return seen


async def test_each_outcome_is_one_transaction(engine: Engine, transactions: list[str]) -> None:
    accepted = await engine.submit_alert(alert("buy", "NQ1!", 1, "25600", alert_id="k1"))
    assert accepted.outcome is Outcome.ACCEPTED and len(transactions) == 1
    duplicate = await engine.submit_alert(alert("buy", "NQ1!", 1, "25600", alert_id="k1"))
    assert duplicate.duplicate and len(transactions) == 2
    ignored = await engine.submit_alert(alert("buy", "NQ1!", 1, "25600", strategy="Off"))
    assert ignored.outcome is Outcome.IGNORED and len(transactions) == 3
    with pytest.raises(InvalidSignal):
        await engine.submit_alert(alert("buy", "NQ1!", "x", "25600"))
    assert len(transactions) == 4
    with pytest.raises(UnusableSignal):
        await engine.submit_alert(alert("buy", "ZZZ1!", 1, "1"))
    assert len(transactions) == 5
    await engine.alert_refused(peer="p", status=400, reason="not JSON", raw="junk")
    assert len(transactions) == 6
    assert all(name == "SignalWriteJob" for name in transactions)
    # ... and each wrote its signal row and its log line together
    rows = await ledger_signals(engine.ledger)
    assert [r["outcome"] for r in rows] == [
        "accepted",
        "duplicate",
        "ignored",
        "rejected",
        "rejected",
        "rejected",
    ]
    events = await engine.ledger.events()
    signal_ids = [e.data.get("signal_id") for e in events if "signal_id" in e.data]
    assert signal_ids == [r["id"] for r in rows]


async def test_manual_closes_and_flatten_go_the_same_way(
    engine: Engine, transactions: list[str]
) -> None:
    for strategy in ("A", "B"):
        await engine.submit_alert(alert("buy", "ES1!", 1, "6800", strategy=strategy))
    engine.on_quote(Quote("CME_MINI:ES1!", D("6810"), received=datetime.now(UTC)))
    transactions.clear()
    at_mark = ManualPrice(D("6810"), PriceSource.LIVE)
    reply = await engine.close_position(("A", "ES"), price=at_mark)
    assert reply.outcome is Outcome.ACCEPTED and len(transactions) == 1
    done, refused = await engine.flatten({("B", "ES"): at_mark})
    assert len(done) == 1 and refused == [] and len(transactions) == 2
    assert engine.positions() == []
    trades = await engine.ledger.trades()
    assert [t.net for t in trades] == [D(500), D(500)]
    typed = ManualPrice(D("6805.25"), PriceSource.TYPED)
    reply = await engine.place_order(ManualOrder("A", "ES1!", Action.SELL, 1, typed))
    assert reply.outcome is Outcome.ACCEPTED and len(transactions) == 3
    assert engine.positions()[0].side == "short"


async def test_a_sampler_tick_is_one_transaction(engine: Engine, transactions: list[str]) -> None:
    """Samples of what moved, the account's figures and queued log lines, written together."""
    await engine.submit_alert(alert("buy", "ES1!", 1, "6800"))
    engine.on_quote(Quote("CME_MINI:ES1!", D("6801"), received=datetime.now(UTC)))
    engine.say(EventKind.INFO, "queued")
    transactions.clear()
    await engine.flush()
    assert transactions == ["LedgerUpkeep.write_samples.<locals>.write"]
    sample = await engine.ledger.latest_position_sample("S", "ES")
    assert sample is not None and sample.open_pnl == D(50) and sample.low is None
    assert "queued" in [e.message for e in await engine.ledger.events()]
    snapshot = engine.snapshot()
    assert snapshot.position_series[("S", "ES")] == [50.0]
    assert snapshot.account_series == [50.0]
    transactions.clear()
    await engine.flush()  # nothing moved, figures unchanged: nothing to write
    assert transactions == []
