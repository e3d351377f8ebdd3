"""The engine with a real ledger: record-then-apply, outcomes, restart equality."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D
from pathlib import Path

import pytest
from helpers import alert, make_config
from ledger_support import ledger_signals

from tmtui.core.models import (
    AwaitingQuote,
    InvalidSignal,
    LedgerUnavailable,
    Outcome,
    UnusableSignal,
)
from tmtui.core.views import position_json, report_json
from tmtui.ledger.migrations import SCHEMA_VERSION
from tmtui.ledger.store import Ledger
from tmtui.runtime.engine import Engine
from tmtui.services.feeds.base import Quote


async def make_engine(tmp_path: Path, **sections: object) -> Engine:
    config = make_config(tmp_path, **sections)
    engine = Engine(config, await Ledger.open(config.ledger.resolved_path()))
    await engine.start()
    return engine


def quote(symbol: str, last: str, bid: str | None = None, ask: str | None = None) -> Quote:
    return Quote(
        symbol, D(last), D(bid) if bid else None, D(ask) if ask else None, datetime.now(UTC)
    )


async def test_accepted_alert_is_recorded_then_applied(tmp_path: Path) -> None:
    engine = await make_engine(tmp_path)
    reply = await engine.submit_alert(alert("buy", "NQ1!", "1", "25600", strategy="ORB"))
    assert reply.outcome is Outcome.ACCEPTED and not reply.duplicate
    assert reply.position["side"] == "long" and reply.position["qty"] == 1
    engine.on_quote(quote("CME_MINI:NQ1!", "25650"))
    view = engine.position_view(("ORB", "NQ"))
    assert view.open_pnl == D(1000)
    assert position_json(view)["open_pnl"] == D("1000.00")
    rows = await ledger_signals(engine.ledger)
    assert [r["outcome"] for r in rows] == ["accepted"]
    await engine.stop()


async def test_duplicate_key_applies_once(tmp_path: Path) -> None:
    engine = await make_engine(tmp_path)
    first = await engine.submit_alert(alert("buy", "ES1!", 2, "6800", alert_id="a1"))
    again = await engine.submit_alert(alert("buy", "ES1!", 2, "6800", alert_id="a1"))
    assert again.duplicate and again.signal_id == first.signal_id
    assert engine.position_view(("S", "ES")).qty == 2
    assert await engine.ledger.count_signals(Outcome.DUPLICATE) == 1
    await engine.stop()


async def test_rejections_change_nothing(tmp_path: Path) -> None:
    engine = await make_engine(tmp_path)
    with pytest.raises(UnusableSignal, match="contracts.XYZ"):
        await engine.submit_alert(alert("buy", "XYZ1!", 1, "100"))
    with pytest.raises(UnusableSignal, match="1..100"):
        await engine.submit_alert(alert("buy", "NQ1!", 101, "100"))
    with pytest.raises(InvalidSignal, match="whole number"):
        await engine.submit_alert(alert("buy", "NQ1!", "1.5", "100"))
    with pytest.raises(InvalidSignal, match="finite"):
        await engine.submit_alert(alert("buy", "NQ1!", 1, "NaN"))
    with pytest.raises(UnusableSignal, match="must be > 0"):
        await engine.submit_alert(alert("buy", "NQ1!", 1, "-5"))
    with pytest.raises(AwaitingQuote, match="no quote yet"):  # 503: TradingView resends
        await engine.submit_alert(alert("buy", "NQ1!", 1, None))
    assert engine.book.positions == {}
    assert await engine.ledger.count_signals(Outcome.REJECTED) == 5
    assert await engine.ledger.fills() == []
    await engine.stop()


async def test_negative_price_allowed_when_configured(tmp_path: Path) -> None:
    from tmtui.settings.config import ContractOverride

    config = make_config(tmp_path)
    from dataclasses import replace

    config = replace(config, contracts={"CL": ContractOverride(allow_negative=True)})
    engine = Engine(config, await Ledger.open(config.ledger.resolved_path()))
    await engine.start()
    reply = await engine.submit_alert(alert("buy", "CL1!", 1, "-37.63"))
    assert reply.position["avg_price"] == D("-37.63")
    await engine.stop()


async def test_close_with_nothing_open_is_ignored(tmp_path: Path) -> None:
    engine = await make_engine(tmp_path)
    reply = await engine.submit_alert(alert("close", "NQ1!", None, "25600"))
    assert reply.outcome is Outcome.IGNORED and "nothing open" in reply.message
    await engine.stop()


async def test_disabled_strategy_is_recorded_as_ignored(tmp_path: Path) -> None:
    engine = await make_engine(tmp_path, strategies={"disabled": ("Off",)})
    reply = await engine.submit_alert(alert("buy", "NQ1!", 1, "25600", strategy="Off"))
    assert reply.outcome is Outcome.IGNORED and engine.book.positions == {}
    await engine.set_strategy_enabled("Off", True)
    reply = await engine.submit_alert(alert("buy", "NQ1!", 1, "25600", strategy="Off"))
    assert reply.outcome is Outcome.ACCEPTED
    await engine.stop()


async def test_ledger_failure_leaves_state_unchanged(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    ledger = await Ledger.open(config.ledger.resolved_path(), write_budget=0.2)
    engine = Engine(config, ledger)
    await engine.start()
    await engine.submit_alert(alert("buy", "NQ1!", 1, "25600"))
    holder = sqlite3.connect(config.ledger.resolved_path(), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another program holds the write lock
    try:
        with pytest.raises(LedgerUnavailable, match="locked by another program"):
            await engine.submit_alert(alert("sell", "NQ1!", 1, "25700"))
        assert engine.position_view(("S", "NQ")).qty == 1
        assert engine.account.realized == 0
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    reply = await engine.submit_alert(alert("sell", "NQ1!", 1, "25700"))
    assert reply.outcome is Outcome.ACCEPTED and engine.position_view(("S", "NQ")) is None
    await engine.stop()


async def test_alerts_queued_behind_a_refused_one_are_taken_back(tmp_path: Path) -> None:
    """Concurrent alerts are decided on top of each other; when the ledger refuses their
    commit, all of them are undone and the books equal the ledger again."""
    config = make_config(tmp_path)
    ledger = await Ledger.open(config.ledger.resolved_path(), write_budget=0.3)
    engine = Engine(config, ledger)
    await engine.start()
    await engine.submit_alert(alert("buy", "NQ1!", 1, "25600", alert_id="first"))
    holder = sqlite3.connect(config.ledger.resolved_path(), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        results = await asyncio.gather(
            *(
                engine.submit_alert(alert("buy", "NQ1!", 1, "25610", alert_id=f"a{n}"))
                for n in range(5)
            ),
            engine.submit_alert(alert("sell", "ES1!", 2, "6800", alert_id="es")),
            return_exceptions=True,
        )
        assert all(isinstance(r, LedgerUnavailable) for r in results), results
        assert engine.position_view(("S", "NQ")).qty == 1
        assert engine.position_view(("S", "ES")) is None
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    replies = await asyncio.gather(
        *(engine.submit_alert(alert("buy", "NQ1!", 1, "25610", alert_id=f"a{n}")) for n in range(5))
    )
    assert [r.outcome for r in replies] == [Outcome.ACCEPTED] * 5
    assert engine.position_view(("S", "NQ")).qty == 6
    await engine.stop()
    again = Engine(config, await Ledger.open(config.ledger.resolved_path()))
    await again.restore()
    assert again.position_view(("S", "NQ")).qty == 6
    assert again.position_view(("S", "ES")) is None
    await again.ledger.close()


async def test_a_resend_racing_its_original_is_a_duplicate(tmp_path: Path) -> None:
    engine = await make_engine(tmp_path)
    replies = await asyncio.gather(
        *(engine.submit_alert(alert("buy", "NQ1!", 1, "25600", alert_id="same")) for _ in range(3))
    )
    assert sorted(r.duplicate for r in replies) == [False, True, True]
    assert {r.signal_id for r in replies} == {replies[0].signal_id}
    assert engine.position_view(("S", "NQ")).qty == 1
    assert await engine.ledger.count_signals(Outcome.DUPLICATE) == 2
    await engine.stop()


async def test_signals_table_is_append_only_and_wal(tmp_path: Path) -> None:
    engine = await make_engine(tmp_path)
    await engine.submit_alert(alert("buy", "NQ1!", 1, "25600"))
    await engine.stop()
    db = sqlite3.connect(tmp_path / "ledger.db")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("UPDATE signals SET qty = 5")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("DELETE FROM signals")
    db.close()


async def test_restart_rebuilds_identical_state(tmp_path: Path) -> None:
    engine = await make_engine(tmp_path)
    await engine.submit_alert(alert("buy", "NQ1!", 2, "25600", strategy="A"))
    await engine.submit_alert(alert("sell", "ES1!", 1, "6800.25", strategy="B"))
    engine.on_quote(quote("CME_MINI:NQ1!", "25580"))
    engine.on_quote(quote("CME_MINI:NQ1!", "25660"))
    engine.on_quote(quote("CME_MINI:ES1!", "6790"))
    await engine.submit_alert(alert("sell", "NQ1!", 3, "25650", strategy="A"))
    await engine.submit_alert(alert("close", "ES1!", None, None, strategy="B"))
    engine.on_quote(quote("CME_MINI:NQ1!", "25640"))
    before_positions = [position_json(v) for v in engine.positions()]
    before_report = report_json(engine.snapshot().account)
    before_trades = await engine.ledger.trades()
    await engine.stop()

    again = await make_engine(tmp_path)
    after_positions = [position_json(v) for v in again.positions()]
    assert after_positions == before_positions
    assert report_json(again.snapshot().account) == before_report
    assert await again.ledger.trades() == before_trades
    assert again.book.next_trade_id == 4
    await again.stop()


async def test_account_figures_and_drawdown(tmp_path: Path) -> None:
    engine = await make_engine(tmp_path)
    await engine.submit_alert(alert("buy", "ES1!", 1, "6800"))
    for last in ("6810", "6790", "6805"):
        engine.on_quote(quote("CME_MINI:ES1!", last))
    account = engine.snapshot().account
    assert account.open == D(250)
    assert account.max_mtm == D(500) and account.min_mtm == D(-500)
    assert account.max_drawdown == D(-1000)
    view = engine.position_view(("S", "ES"))
    assert view.trade_drawdown == D(-500) and view.trade_runup == D(500)
    await engine.stop()


async def test_marking_modes(tmp_path: Path) -> None:
    engine = await make_engine(tmp_path, feed={"mark": "bid_ask"})
    await engine.submit_alert(alert("buy", "NQ1!", 1, "25600", strategy="L"))
    await engine.submit_alert(alert("sell", "NQ1!", 1, "25600", strategy="Sh"))
    engine.on_quote(quote("CME_MINI:NQ1!", "25610", bid="25609.75", ask="25610.25"))
    assert engine.position_view(("L", "NQ")).last_price == D("25609.75")
    assert engine.position_view(("Sh", "NQ")).last_price == D("25610.25")
    await engine.stop()


async def test_stale_flag(tmp_path: Path) -> None:
    now = [datetime(2026, 11, 18, 15, 0, tzinfo=UTC)]
    config = make_config(tmp_path, feed={"stale_after": 5.0})
    engine = Engine(config, await Ledger.open(config.ledger.resolved_path()), clock=lambda: now[0])
    await engine.start()
    await engine.submit_alert(alert("buy", "NQ1!", 1, "25600", received=now[0]))
    assert engine.position_view(("S", "NQ")).stale  # no quote yet
    engine.on_quote(Quote("CME_MINI:NQ1!", D("25601"), received=now[0]))
    assert not engine.position_view(("S", "NQ")).stale
    now[0] += timedelta(seconds=6)
    assert engine.position_view(("S", "NQ")).stale
    await engine.stop()
