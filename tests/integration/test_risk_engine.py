"""The risk guard in the engine: exits recorded as signals, locks kept, replay identical.

A real ledger and a controlled clock; quotes go straight to `on_quote` and the sampler's
tick is `flush()`, so every step is deterministic. No UI anywhere: the rules act in the
engine.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D
from pathlib import Path

import pytest
from helpers import alert, make_config, wait_for
from ledger_support import ledger_signals

from tmtui.core.events import Event, EventKind
from tmtui.core.models import Outcome
from tmtui.core.risk.risk_limits import Amount, RiskLimits
from tmtui.core.trading_day import parse_day_start
from tmtui.ledger.store import Ledger
from tmtui.runtime.engine import Engine
from tmtui.services.book_restore import load_book, verify
from tmtui.services.feeds.base import Quote
from tmtui.settings.config import Config

pytestmark = pytest.mark.timeout(60)

# Tuesday 2026-03-03 08:00 Chicago: trading day 2026-03-03, which ends at 17:00 Chicago.
T0 = datetime(2026, 3, 3, 14, 0, tzinfo=UTC)
NQ, ES = "CME_MINI:NQ1!", "CME_MINI:ES1!"


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def tick(self, seconds: float = 1) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now


def risk_config(tmp_path: Path, risk: RiskLimits, commission: str = "0") -> Config:
    config = replace(make_config(tmp_path), risk=risk, commissions={"default": D(commission)})
    return replace(config, feed=replace(config.feed, stale_after=15.0))


async def started(config: Config, clock: Clock) -> tuple[Engine, list[Event]]:
    engine = Engine(
        config, await Ledger.open(config.ledger.resolved_path()), clock=clock, sample_interval=3600
    )
    events: list[Event] = []
    engine.subscribe(events.append)
    await engine.start()
    return engine, events


def quote(engine: Engine, clock: Clock, symbol: str, last: str, age: float = 0) -> None:
    engine.on_quote(Quote(symbol, D(last), received=clock.tick() - timedelta(seconds=age)))


async def buy(engine: Engine, clock: Clock, ticker: str, qty: int, price: str, **kw: object):  # type: ignore[no-untyped-def]
    return await engine.submit_alert(
        alert("buy", ticker, qty, price, received=clock.tick(), **kw)  # type: ignore[arg-type]
    )


async def test_a_stop_loss_exit_is_a_recorded_signal_replayed_identically(tmp_path: Path) -> None:
    clock = Clock(T0)
    config = risk_config(tmp_path, RiskLimits(stop_loss=Amount.parse("8 ticks")), "2.25")
    engine, events = await started(config, clock)
    await buy(engine, clock, "NQ1!", 2, "18000", strategy="ORB")
    quote(engine, clock, NQ, "18000")
    quote(engine, clock, NQ, "17998.25")  # 7 ticks: holds
    assert engine.book.position("ORB", "NQ") is not None
    quote(engine, clock, NQ, "17997.75")  # through the stop: closes at this mark
    await wait_for(lambda: engine.book.position("ORB", "NQ") is None, what="the risk exit")
    (exit_event,) = [e for e in events if e.kind is EventKind.RISK_EXIT]
    assert exit_event.message.startswith("close NQ @ 17997.75 (ORB) → flat, P&L -99.00")
    assert "[stop_loss: mark 17997.75 reached 17998" in exit_event.message
    assert exit_event.data["rules"][0]["rule"] == "stop_loss"
    rows = await ledger_signals(engine.ledger)
    risk_rows = [r for r in rows if r["source"] == "risk"]
    assert len(risk_rows) == 1 and risk_rows[0]["outcome"] == "accepted"
    raw = json.loads(risk_rows[0]["raw"])
    assert raw["rule"] == "stop_loss" and raw["price"] == "17997.75"
    assert raw["figures"]["limit"] == "17998" and raw["figures"]["mark"] == "17997.75"
    assert risk_rows[0]["reason"].startswith("stop_loss: ")
    trades = await engine.ledger.trades()
    assert [t.net for t in trades] == [D("-99.00")]  # -90 gross, 4 x 2.25 commission
    await engine.stop()
    # Restart: the stored book equals a replay of every signal, the exit included.
    ledger = await Ledger.open(config.ledger.resolved_path())
    assert await verify(ledger, config) == []
    assert (await load_book(ledger, config)).positions == {}
    await ledger.close()


async def test_the_daily_loss_lock_holds_across_a_restart_until_the_roll(tmp_path: Path) -> None:
    clock = Clock(T0)
    config = risk_config(tmp_path, RiskLimits(daily_loss_limit=D(500)))
    engine, events = await started(config, clock)
    await buy(engine, clock, "NQ1!", 1, "18000", strategy="A")
    await engine.submit_alert(alert("sell", "ES1!", 1, "6000", strategy="B", received=clock.tick()))
    quote(engine, clock, ES, "6000")
    quote(engine, clock, NQ, "17985.25")  # -295
    quote(engine, clock, ES, "6004")  # -295 - 200 = -495: holds
    assert not engine.guard.figures.state.locks
    quote(engine, clock, ES, "6004.25")  # -507.50: breach
    await wait_for(lambda: not engine.book.positions, what="both positions closed")
    (lock_event,) = [e for e in events if e.kind is EventKind.RISK_LOCK]
    assert "daily_loss_limit breached (account)" in lock_event.message
    reply = await engine.submit_alert(
        alert("buy", "NQ1!", 1, "17990", strategy="C", received=clock.tick())
    )
    assert reply.outcome is Outcome.IGNORED
    assert reply.message == "buy 1 NQ @ 17990.00: ignored: locked out by daily_loss_limit"
    assert engine.snapshot().risk.banner.startswith("LOCKED OUT by daily_loss_limit (account)")
    await engine.stop()

    engine, events = await started(config, clock)  # restart: the lock was stored
    said = [e.message for e in events if e.kind is EventKind.RISK_LOCK]
    assert said and said[0].startswith("LOCKED OUT (since before this start): daily_loss_limit")
    again = await engine.submit_alert(alert("sell", "ES1!", 1, "6000", received=clock.tick()))
    assert again.outcome is Outcome.IGNORED and "locked out by daily_loss_limit" in again.message
    clock.now = datetime(2026, 3, 3, 23, 0, 1, tzinfo=UTC)  # 17:00:01 Chicago: next day
    await engine.flush()
    assert any("cleared: new trading day" in e.message for e in events)
    fresh = await engine.submit_alert(alert("sell", "ES1!", 1, "6000", received=clock.tick()))
    assert fresh.outcome is Outcome.ACCEPTED
    assert engine.snapshot().risk.banner is None
    ledger = engine.ledger
    assert await verify(ledger, config) == []
    await engine.stop()


async def test_a_risk_exit_on_a_stale_quote_waits_for_a_fresh_one(tmp_path: Path) -> None:
    clock = Clock(T0)
    config = risk_config(tmp_path, RiskLimits(stop_loss=Amount.parse("4 ticks")))
    engine, events = await started(config, clock)
    await buy(engine, clock, "NQ1!", 1, "18000")
    quote(engine, clock, NQ, "17998", age=60)  # through the stop, but a minute old
    await engine.flush()
    assert engine.book.position("S", "NQ") is not None
    waits = [e for e in events if e.kind is EventKind.RISK]
    assert len(waits) == 1 and "waits: feed stale: waiting for a fresh quote" in waits[0].message
    await engine.flush()  # said once, not every tick
    assert len([e for e in events if e.kind is EventKind.RISK]) == 1
    quote(engine, clock, NQ, "17998.50")
    await wait_for(lambda: engine.book.position("S", "NQ") is None, what="the exit")
    await engine.stop()


async def test_flatten_at_acts_on_the_clock_even_with_a_stale_quote(tmp_path: Path) -> None:
    clock = Clock(datetime(2026, 3, 3, 21, 50, tzinfo=UTC))  # 15:50 Chicago
    config = risk_config(tmp_path, RiskLimits(flatten_at=parse_day_start("15:55")))
    engine, events = await started(config, clock)
    await buy(engine, clock, "ES1!", 3, "6000")
    quote(engine, clock, ES, "6001.50")
    clock.now = datetime(2026, 3, 3, 21, 55, 0, tzinfo=UTC)  # 15:55, the quote 5 min old
    await engine.flush()
    await wait_for(lambda: engine.book.position("S", "ES") is None, what="flatten_at")
    (exit_event,) = [e for e in events if e.kind is EventKind.RISK_EXIT]
    assert "close ES @ 6001.50" in exit_event.message and "flatten_at" in exit_event.message
    late = await buy(engine, clock, "ES1!", 1, "6001")
    assert late.outcome is Outcome.IGNORED
    assert "flatten_at 15:55: no new entries until the next trading day" in late.message
    await engine.stop()


async def test_max_position_trims_an_alert_and_the_drift_shows_until_one_agrees(
    tmp_path: Path,
) -> None:
    clock = Clock(T0)
    engine, _ = await started(risk_config(tmp_path, RiskLimits(max_position={"NQ": 2})), clock)
    reply = await engine.submit_alert(
        alert("buy", "NQ1!", 3, "18000", received=clock.tick(), position_size=3)
    )
    assert reply.outcome is Outcome.ACCEPTED and reply.position["qty"] == 2
    assert "[max_position NQ 2 (account): 3 asked, trimmed to long 2]" in reply.message
    (view,) = engine.positions()
    assert view.drift is not None and view.drift.reported == 3 and view.drift.held == 2
    assert "(max_position)" in view.drift.reason
    assert reply.position["drift"]["reported"] == 3
    rows = await ledger_signals(engine.ledger)
    assert rows[-1]["reason"] == "max_position NQ 2 (account): 3 asked, trimmed to long 2"
    closed = await engine.submit_alert(alert("close", "NQ1!", None, "18001", received=clock.tick()))
    assert closed.outcome is Outcome.ACCEPTED
    assert engine.state.drift.get(("S", "NQ")) is None
    assert await verify(engine.ledger, engine.config) == []
    await engine.stop()


async def test_no_risk_config_changes_nothing(tmp_path: Path) -> None:
    clock = Clock(T0)
    engine, events = await started(risk_config(tmp_path, RiskLimits()), clock)
    await buy(engine, clock, "NQ1!", 1, "18000")
    quote(engine, clock, NQ, "10000")
    await engine.flush()
    assert engine.book.position("S", "NQ") is not None
    assert engine.snapshot().risk.checks == () and engine.snapshot().risk.banner is None
    assert not [e for e in events if e.kind in (EventKind.RISK_EXIT, EventKind.RISK_LOCK)]
    await engine.stop()


def test_limits_know_when_no_rule_is_configured() -> None:
    assert RiskLimits().empty
    assert not RiskLimits(daily_loss_limit=D(500)).empty
    assert not RiskLimits(strategies={"ORB": replace(RiskLimits(), max_position={"NQ": 1})}).empty


async def test_no_rules_costs_nothing_per_mark(tmp_path: Path) -> None:
    """Without [risk], the guard measures nothing on a mark or an alert, and shows no rule."""
    clock = Clock(T0)
    engine, _ = await started(risk_config(tmp_path, RiskLimits()), clock)
    calls: list[object] = []
    original = engine.guard.inputs

    def counted(now: datetime) -> object:
        calls.append(now)
        return original(now)

    engine.guard.inputs = counted  # type: ignore[method-assign,assignment]
    await engine.submit_alert(alert("buy", "NQ1!", 1, "25600", received=clock.tick()))
    engine.on_quote(Quote(NQ, D("25590"), received=clock.tick()))
    engine.guard.check(clock.tick())
    assert calls == []
    view = engine.guard.view(clock.now)
    assert view.checks == () and view.locks == ()
    await engine.stop()
