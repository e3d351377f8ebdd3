"""Stored book state: start loads it (no full replay), replay stays the proof.

`tmtui ledger verify` must pass on an untouched ledger and name the difference on a
tampered one; `tmtui ledger rebuild` repairs it; a v1 ledger upgrades on open.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D
from pathlib import Path

import pytest
from helpers import alert, make_config

from tmtui.core.book.book_state import comparable, position_state, whole_book
from tmtui.ledger.store import Ledger
from tmtui.runtime.engine import Engine
from tmtui.services.book_restore import load_book, replay_all, verify
from tmtui.settings.config import Config, load_config

pytestmark = pytest.mark.timeout(60)

T0 = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


def with_commission(config: Config, per_side: str) -> Config:
    return replace(config, commissions={"default": D(per_side)})


async def engine_at(config: Config) -> Engine:
    engine = Engine(config, await Ledger.open(config.ledger.resolved_path()))
    await engine.start()
    return engine


async def trade_some(engine: Engine) -> None:
    """Pyramids, partial exits, a reversal and a flat close over two trading days."""
    steps = [
        ("buy", "NQ1!", 1, "25600", "A"),
        ("buy", "NQ1!", 2, "25610", "A"),
        ("sell", "NQ1!", 1, "25620", "A"),
        ("buy", "ES1!", 3, "6800", "B"),
        ("sell", "ES1!", 5, "6790.25", "B"),  # reverses to short 2
        ("sell", "CL1!", 2, "70.50", "A"),
        ("close", "CL1!", None, "70.10", "A"),
        ("buy", "6E1!", 1, "1.08755", "C"),
    ]
    for i, (action, ticker, qty, price, strategy) in enumerate(steps):
        when = T0 + timedelta(hours=5 * i)
        await engine.submit_alert(
            alert(action, ticker, qty, price, strategy=strategy, alert_id=f"k{i}", received=when)
        )


async def test_stored_state_equals_a_full_replay(tmp_path: Path) -> None:
    config = with_commission(make_config(tmp_path), "1.25")
    engine = await engine_at(config)
    await trade_some(engine)
    stored = await engine.ledger.book_state()
    truth = await replay_all(engine.ledger, config)
    assert stored.last_signal_id == truth.last_signal_id
    assert stored.next_trade_id == truth.book.next_trade_id
    assert {k: comparable(v) for k, v in stored.positions.items()} == {
        k: comparable(v) for k, v in whole_book(truth.book).upserts.items()
    }
    assert set(stored.positions) == {("A", "NQ"), ("B", "ES"), ("C", "6E")}
    assert await verify(engine.ledger, config) == []
    rollups = await engine.ledger.rollups()
    net = sum((r.net for r in rollups), D(0))
    trades = await engine.ledger.trades()
    fills = await engine.ledger.fills()
    assert net == sum((f.realized - f.commission for f in fills), D(0))
    assert sum(r.trades for r in rollups) == len(trades) == 2
    await engine.stop()


async def test_restart_loads_the_stored_book_without_replaying(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = make_config(tmp_path)
    engine = await engine_at(config)
    await trade_some(engine)
    before = {k: position_state(p) for k, p in engine.book.positions.items()}
    await engine.stop()

    calls: list[int] = []
    original = Ledger.accepted_signals

    async def spy(self: Ledger, after: int = 0) -> list[object]:
        calls.append(after)
        return await original(self, after)  # type: ignore[return-value]

    monkeypatch.setattr(Ledger, "accepted_signals", spy)
    again = await engine_at(config)
    assert calls and all(after > 0 for after in calls), "start replayed from the beginning"
    after = {k: position_state(p) for k, p in again.book.positions.items()}
    assert {k: comparable(v) for k, v in after.items()} == {
        k: comparable(v) for k, v in before.items()
    }
    await again.stop()


async def test_a_tail_after_the_stored_state_is_replayed_and_checkpointed(
    tmp_path: Path,
) -> None:
    config = make_config(tmp_path)
    engine = await engine_at(config)
    await trade_some(engine)
    await engine.stop()
    path = config.ledger.resolved_path()
    with sqlite3.connect(path) as db:  # the state as of two signals earlier
        last = db.execute("SELECT MAX(id) FROM signals").fetchone()[0]
        db.execute("UPDATE book_meta SET last_signal_id = ?", (last - 2,))
        db.execute("DELETE FROM open_positions WHERE strategy = 'C'")
    ledger = await Ledger.open(path)
    # CL's close and 6E's entry are the tail: replay gives C's 6E back.
    book = await load_book(ledger, config, checkpoint=True)
    assert ("C", "6E") in book.positions
    assert (await ledger.book_state()).last_signal_id == last
    await ledger.close()


async def test_a_v1_ledger_upgrades_on_open_and_rebuilds_once(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    engine = await engine_at(config)
    await trade_some(engine)
    expected = {k: position_state(p) for k, p in engine.book.positions.items()}
    await engine.stop()
    path = config.ledger.resolved_path()
    with sqlite3.connect(path) as db:  # back to what a v1 tmtui left
        for table in (
            "open_positions",
            "book_meta",
            "day_rollups",
            "strategy_imports",
            "backtests",
            "broker_fills",  # v7
            "orders",  # v8
        ):
            db.execute(f"DROP TABLE {table}")
        for index in (
            "trades_source",
            "trades_strategy",
            "trades_root",
            "fills_signal",
            "events_time",
            "position_samples_raw",
            "account_samples_raw",
        ):
            db.execute(f"DROP INDEX {index}")
        for table in ("position_samples", "account_samples"):  # v3's columns
            db.execute(f"ALTER TABLE {table} DROP COLUMN low")
            db.execute(f"ALTER TABLE {table} DROP COLUMN high")
        for table in ("fills", "trades"):  # v6's
            db.execute(f"ALTER TABLE {table} DROP COLUMN source")
        db.execute("PRAGMA user_version = 1")
    ledger = await Ledger.open(path)
    assert (await ledger.book_state()).needs_rebuild
    assert await verify(ledger, config) != []
    await ledger.close()
    again = await engine_at(config)
    got = {k: position_state(p) for k, p in again.book.positions.items()}
    assert {k: comparable(v) for k, v in got.items()} == {
        k: comparable(v) for k, v in expected.items()
    }
    assert await verify(again.ledger, config) == []
    assert len(await again.ledger.rollups()) > 0
    await again.stop()


def tmtui(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tmtui", *args, "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
    )


async def test_ledger_verify_and_rebuild_commands(tmp_path: Path) -> None:
    config_file = tmp_path / "config.toml"
    config_file.write_text(
        f'[ledger]\npath = "{tmp_path / "ledger.db"}"\n[commissions]\ndefault = 0.62\n'
    )
    config = load_config(config_file)
    engine = await engine_at(config)
    await trade_some(engine)
    await engine.stop()

    ok = tmtui(config_file, "ledger", "verify")
    assert ok.returncode == 0, ok.stderr
    assert "ok:" in ok.stdout and "8 signal(s)" in ok.stdout

    with sqlite3.connect(config.ledger.resolved_path()) as db:
        db.execute("UPDATE trades SET gross = '999' WHERE trade_id = 2")
        db.execute("DELETE FROM open_positions WHERE strategy = 'B'")
    bad = tmtui(config_file, "ledger", "verify")
    assert bad.returncode == 1
    assert "trade 2: stored" in bad.stdout and "gross 999" in bad.stdout
    assert "position B ES: missing" in bad.stdout
    assert "2 difference(s)" in bad.stderr

    fixed = tmtui(config_file, "ledger", "rebuild")
    assert fixed.returncode == 0, fixed.stderr
    assert "rebuilt" in fixed.stdout
    assert tmtui(config_file, "ledger", "verify").returncode == 0


async def test_rebuild_applies_a_new_commission(tmp_path: Path) -> None:
    """After a commission change, rebuild rewrites every derived figure from the signals."""
    config = make_config(tmp_path)
    engine = await engine_at(config)
    await trade_some(engine)
    await engine.stop()
    dearer = with_commission(config, "2.50")
    ledger = await Ledger.open(dearer.ledger.resolved_path())
    assert await verify(ledger, dearer) != []
    from tmtui.services.book_restore import rebuild

    await rebuild(ledger, dearer)
    assert await verify(ledger, dearer) == []
    trades = await ledger.trades()
    assert all(t.commission > 0 for t in trades)
    await ledger.close()
