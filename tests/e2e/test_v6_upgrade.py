"""A v5 ledger holding a TradingView import as live history upgrades to its backtest.

Before v6, `tmtui import --format tradingview` recorded an export's trades as the strategy's
live history, its still-open last trade a live position. v6 moves the strategies the
TradingView importer recorded to the backtest book and rebuilds the live tables once
without them. The v5 ledger is made the way the v1 test makes its v1 ledger: written by
this tmtui (the import's rows as live history, a live strategy beside it), then taken back
to v5's tables and columns.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from helpers import alert

from tmtui.core.history.history_views import TradeFilter
from tmtui.ledger.store import Ledger
from tmtui.readside.importer import ImportOptions, import_file
from tmtui.readside.queries import Queries
from tmtui.runtime.engine import Engine
from tmtui.services.book_restore import verify
from tmtui.settings.config import Config, load_config

pytestmark = pytest.mark.timeout(60)

T0 = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
NOW = datetime(2026, 3, 20, 15, 0, tzinfo=UTC)
IMPORTED = "TV"
"""The strategy whose TradingView export a v5 tmtui imported as live history."""


def imported_history() -> list[dict[str, object]]:
    """Three round trips on MES, then an entry still open at the file's end."""
    rows: list[dict[str, object]] = []
    for i in range(3):
        when = T0 + timedelta(days=i)
        for minutes, action, price in ((0, "buy", 6800 + i), (30, "close", 6804 + i)):
            rows.append(
                {
                    "action": action,
                    "ticker": "MES1!",
                    "contracts": 1 if action == "buy" else None,
                    "price": str(price),
                    "strategy": IMPORTED,
                    "time": (when + timedelta(minutes=minutes)).isoformat(),
                }
            )
    last = T0 + timedelta(days=3)
    rows.append(
        {"action": "sell", "ticker": "MES1!", "contracts": 1, "price": "6810", "strategy": IMPORTED}
        | {"time": last.isoformat()}
    )
    return rows


V5_TABLES = {
    "day_rollups": """CREATE TABLE day_rollups (
        day TEXT NOT NULL, strategy TEXT NOT NULL, root TEXT NOT NULL, realized TEXT NOT NULL,
        commission TEXT NOT NULL, fills INTEGER NOT NULL, trades INTEGER NOT NULL,
        wins INTEGER NOT NULL, losses INTEGER NOT NULL, won TEXT NOT NULL, lost TEXT NOT NULL,
        PRIMARY KEY (day, strategy, root))""",
    "open_positions": """CREATE TABLE open_positions (
        strategy TEXT NOT NULL, root TEXT NOT NULL, state TEXT NOT NULL,
        signal_id INTEGER NOT NULL, PRIMARY KEY (strategy, root))""",
}
"""v2's tables, keyed without a source (v6 added it to their keys)."""


def to_v5(path: Path) -> None:
    """Back to the tables and columns a v5 tmtui left; the import recorded as TradingView's."""
    with sqlite3.connect(path) as db:
        for table in ("orders", "broker_fills", "backtests"):  # v8, v7, v6
            db.execute(f"DROP TABLE {table}")
        db.execute("DROP INDEX trades_source")
        for table in ("fills", "trades"):
            db.execute(f"ALTER TABLE {table} DROP COLUMN source")
        for table, ddl in V5_TABLES.items():
            db.execute(f"ALTER TABLE {table} RENAME TO {table}_v6")
            db.execute(ddl)
            columns = [r[1] for r in db.execute(f"PRAGMA table_info({table})")]
            listed = ", ".join(columns)
            db.execute(f"INSERT INTO {table} SELECT {listed} FROM {table}_v6")
            db.execute(f"DROP TABLE {table}_v6")
        db.execute("CREATE INDEX day_rollups_strategy ON day_rollups (strategy, day)")
        db.execute(
            "UPDATE strategy_imports SET format = 'tradingview' WHERE strategy = ?", [IMPORTED]
        )
        db.execute("PRAGMA user_version = 5")


def tmtui(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tmtui", *args, "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
    )


async def engine_at(config: Config) -> Engine:
    engine = Engine(config, await Ledger.open(config.ledger.resolved_path()))
    await engine.start()
    return engine


async def write_v5_ledger(tmp_path: Path, config: Config) -> None:
    """TV's history imported as live (open short 1 MES at its end); `Live` flat after a trade."""
    path = config.ledger.resolved_path()
    alerts = tmp_path / "tv.jsonl"
    alerts.write_text("\n".join(json.dumps(a) for a in imported_history()) + "\n")
    async with await Ledger.open(path) as ledger:
        result = await import_file(ledger, config, alerts, ImportOptions(), now=NOW)
    assert result.trades == 3 and result.strategies == [IMPORTED], result
    engine = await engine_at(config)
    for i, (action, qty, price) in enumerate((("buy", 1, "25600"), ("close", None, "25610"))):
        when = T0 + timedelta(days=5, minutes=i)
        await engine.submit_alert(
            alert(action, "NQ1!", qty, price, strategy="Live", alert_id=f"l{i}", received=when)
        )
    assert set(engine.book.positions) == {(IMPORTED, "MES")}  # the v5 mistake: a live position
    await engine.stop()
    to_v5(path)


async def test_a_v5_tradingview_import_becomes_a_backtest_once(tmp_path: Path) -> None:
    config_file = tmp_path / "config.toml"
    config_file.write_text(f'[ledger]\npath = "{tmp_path / "ledger.db"}"\n')
    config = load_config(config_file)
    await write_v5_ledger(tmp_path, config)
    with sqlite3.connect(config.ledger.resolved_path()) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 5
        held = db.execute("SELECT strategy FROM open_positions").fetchall()
        assert held == [(IMPORTED,)]

    engine = await engine_at(config)  # what `tmtui run` does at start: upgrade, rebuild once
    assert engine.book.positions == {}  # no live position from the backtest
    q = Queries(engine.ledger, config, live_book=lambda: engine.book)
    tv = await q.trades(TradeFilter(strategy=IMPORTED, source=None))
    assert len(tv) == 3 and {t.source for t in tv} == {"backtest"}
    live = await q.trades(TradeFilter(source=None))
    assert [t.strategy for t in live if t.source == "live"] == ["Live"]
    assert await verify(engine.ledger, config) == []
    await engine.stop()

    positions = tmtui(config_file, "positions", "--json")
    assert positions.returncode == 0, positions.stderr
    assert json.loads(positions.stdout) == []
    checked = tmtui(config_file, "ledger", "verify")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "ok:" in checked.stdout
    with sqlite3.connect(config.ledger.resolved_path()) as db:
        (meta,) = db.execute("SELECT last_signal_id FROM book_meta").fetchone()
        assert meta > 0  # rebuilt once: the next start loads the stored book
        sources = db.execute("SELECT source, strategy FROM open_positions").fetchall()
        assert sources == [("backtest", IMPORTED)]
