"""The ledger's schema, version by version, and how an older file is brought up to date.

Each version is one script applied in one transaction; `user_version` says which ran.
"""

from __future__ import annotations

import sqlite3
from typing import Final

from tmtui.ledger.transactions import rollback_quietly

TABLES: Final = (
    "signals",
    "fills",
    "trades",
    "events",
    "position_samples",
    "account_samples",
    "strategy_switches",
)
"""The tables every ledger has (v1); checked on open."""

SCHEMA_VERSION = 6

MIGRATIONS: dict[int, str] = {
    1: """
    CREATE TABLE signals (
        id INTEGER PRIMARY KEY,
        received_at TEXT NOT NULL,
        source TEXT NOT NULL,
        peer TEXT,
        raw TEXT,
        parsed TEXT,
        strategy TEXT,
        root TEXT,
        action TEXT,
        qty INTEGER,
        price TEXT,
        idem_key TEXT,
        outcome TEXT NOT NULL
            CHECK (outcome IN ('accepted', 'duplicate', 'ignored', 'rejected')),
        reason TEXT
    );
    CREATE UNIQUE INDEX signals_idem ON signals (idem_key)
        WHERE idem_key IS NOT NULL AND outcome IN ('accepted', 'ignored');
    CREATE TRIGGER signals_no_update BEFORE UPDATE ON signals
        BEGIN SELECT RAISE(ABORT, 'signals are append-only'); END;
    CREATE TRIGGER signals_no_delete BEFORE DELETE ON signals
        BEGIN SELECT RAISE(ABORT, 'signals are append-only'); END;
    CREATE TABLE fills (
        id INTEGER PRIMARY KEY,
        signal_id INTEGER REFERENCES signals (id),
        time TEXT NOT NULL,
        strategy TEXT NOT NULL,
        root TEXT NOT NULL,
        qty INTEGER NOT NULL,
        price TEXT NOT NULL,
        commission TEXT NOT NULL,
        realized TEXT NOT NULL,
        closing_qty INTEGER NOT NULL,
        trade_id INTEGER NOT NULL
    );
    CREATE INDEX fills_time ON fills (time);
    CREATE TABLE trades (
        trade_id INTEGER PRIMARY KEY,
        strategy TEXT NOT NULL,
        root TEXT NOT NULL,
        side TEXT NOT NULL,
        qty INTEGER NOT NULL,
        entry_time TEXT NOT NULL,
        exit_time TEXT NOT NULL,
        entry_price TEXT NOT NULL,
        exit_price TEXT NOT NULL,
        gross TEXT NOT NULL,
        commission TEXT NOT NULL,
        mae TEXT NOT NULL,
        mfe TEXT NOT NULL
    );
    CREATE INDEX trades_exit ON trades (exit_time);
    CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        time TEXT NOT NULL,
        kind TEXT NOT NULL,
        message TEXT NOT NULL,
        data TEXT
    );
    CREATE TABLE position_samples (
        ts INTEGER NOT NULL,
        strategy TEXT NOT NULL,
        root TEXT NOT NULL,
        trade_id INTEGER NOT NULL,
        mark TEXT NOT NULL,
        open_pnl TEXT NOT NULL,
        mae TEXT NOT NULL,
        mfe TEXT NOT NULL,
        PRIMARY KEY (strategy, root, ts)
    );
    CREATE TABLE account_samples (
        ts INTEGER PRIMARY KEY,
        day TEXT NOT NULL,
        realized TEXT NOT NULL,
        open TEXT NOT NULL,
        total TEXT NOT NULL,
        peak TEXT NOT NULL,
        max_mtm TEXT NOT NULL,
        min_mtm TEXT NOT NULL,
        max_drawdown TEXT NOT NULL,
        max_time TEXT,
        min_time TEXT
    );
    CREATE INDEX account_samples_day ON account_samples (day, ts);
    CREATE TABLE strategy_switches (
        strategy TEXT PRIMARY KEY,
        enabled INTEGER NOT NULL,
        time TEXT NOT NULL
    );
    """,
    2: """
    CREATE TABLE open_positions (
        strategy TEXT NOT NULL,
        root TEXT NOT NULL,
        state TEXT NOT NULL,
        signal_id INTEGER NOT NULL,
        PRIMARY KEY (strategy, root)
    );
    CREATE TABLE book_meta (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        last_signal_id INTEGER NOT NULL,
        next_trade_id INTEGER NOT NULL
    );
    INSERT INTO book_meta (id, last_signal_id, next_trade_id) VALUES (1,
        CASE WHEN EXISTS (SELECT 1 FROM signals WHERE outcome = 'accepted') THEN -1 ELSE 0 END,
        1);
    CREATE TABLE day_rollups (
        day TEXT NOT NULL,
        strategy TEXT NOT NULL,
        root TEXT NOT NULL,
        realized TEXT NOT NULL,
        commission TEXT NOT NULL,
        fills INTEGER NOT NULL,
        trades INTEGER NOT NULL,
        wins INTEGER NOT NULL,
        losses INTEGER NOT NULL,
        won TEXT NOT NULL,
        lost TEXT NOT NULL,
        PRIMARY KEY (day, strategy, root)
    );
    CREATE INDEX day_rollups_strategy ON day_rollups (strategy, day);
    CREATE INDEX trades_strategy ON trades (strategy, exit_time);
    CREATE INDEX trades_root ON trades (root, exit_time);
    CREATE INDEX fills_signal ON fills (signal_id);
    CREATE INDEX events_time ON events (time);
    CREATE INDEX position_samples_ts ON position_samples (ts);
    """,
    3: """
    CREATE TABLE position_samples_v3 (
        ts INTEGER NOT NULL,
        strategy TEXT NOT NULL,
        root TEXT NOT NULL,
        trade_id INTEGER NOT NULL,
        mark TEXT NOT NULL,
        open_pnl TEXT NOT NULL,
        mae TEXT NOT NULL,
        mfe TEXT NOT NULL,
        low TEXT,
        high TEXT,
        PRIMARY KEY (strategy, root, ts)
    ) WITHOUT ROWID;
    INSERT INTO position_samples_v3 (ts, strategy, root, trade_id, mark, open_pnl, mae, mfe)
        SELECT ts, strategy, root, trade_id, mark, open_pnl, mae, mfe FROM position_samples;
    DROP TABLE position_samples;
    ALTER TABLE position_samples_v3 RENAME TO position_samples;
    CREATE INDEX position_samples_raw ON position_samples (ts) WHERE low IS NULL;
    ALTER TABLE account_samples ADD COLUMN low TEXT;
    ALTER TABLE account_samples ADD COLUMN high TEXT;
    CREATE INDEX account_samples_raw ON account_samples (ts) WHERE low IS NULL;
    """,
    4: """
    CREATE TABLE IF NOT EXISTS risk_state (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        state TEXT NOT NULL,
        time TEXT NOT NULL
    );
    """,
    5: """
    CREATE TABLE strategy_imports (
        strategy TEXT NOT NULL,
        format TEXT NOT NULL,
        file TEXT NOT NULL,
        imported_at TEXT NOT NULL,
        signals INTEGER NOT NULL,
        PRIMARY KEY (strategy, format, file)
    );
    """,
    6: """
    ALTER TABLE fills ADD COLUMN source TEXT NOT NULL DEFAULT 'live';
    ALTER TABLE trades ADD COLUMN source TEXT NOT NULL DEFAULT 'live';
    CREATE TABLE day_rollups_v6 (
        day TEXT NOT NULL,
        strategy TEXT NOT NULL,
        root TEXT NOT NULL,
        realized TEXT NOT NULL,
        commission TEXT NOT NULL,
        fills INTEGER NOT NULL,
        trades INTEGER NOT NULL,
        wins INTEGER NOT NULL,
        losses INTEGER NOT NULL,
        won TEXT NOT NULL,
        lost TEXT NOT NULL,
        source TEXT NOT NULL DEFAULT 'live',
        PRIMARY KEY (source, day, strategy, root)
    );
    INSERT INTO day_rollups_v6 (day, strategy, root, realized, commission, fills, trades,
        wins, losses, won, lost)
        SELECT day, strategy, root, realized, commission, fills, trades, wins, losses, won, lost
        FROM day_rollups;
    DROP TABLE day_rollups;
    ALTER TABLE day_rollups_v6 RENAME TO day_rollups;
    CREATE INDEX day_rollups_strategy ON day_rollups (strategy, day);
    CREATE TABLE open_positions_v6 (
        strategy TEXT NOT NULL,
        root TEXT NOT NULL,
        state TEXT NOT NULL,
        signal_id INTEGER NOT NULL,
        source TEXT NOT NULL DEFAULT 'live',
        PRIMARY KEY (source, strategy, root)
    );
    INSERT INTO open_positions_v6 (strategy, root, state, signal_id)
        SELECT strategy, root, state, signal_id FROM open_positions;
    DROP TABLE open_positions;
    ALTER TABLE open_positions_v6 RENAME TO open_positions;
    CREATE TABLE backtests (
        strategy TEXT PRIMARY KEY,
        format TEXT NOT NULL,
        file TEXT NOT NULL,
        digest TEXT NOT NULL,
        imported_at TEXT NOT NULL,
        through_signal INTEGER NOT NULL DEFAULT 0
    );
    INSERT INTO backtests (strategy, format, file, digest, imported_at, through_signal)
        SELECT strategy, 'tradingview', file, '', MAX(imported_at),
            (SELECT COALESCE(MAX(id), 0) FROM signals)
        FROM strategy_imports WHERE format = 'tradingview' GROUP BY strategy;
    UPDATE fills SET source = 'backtest', trade_id = trade_id + 1000000000000
        WHERE strategy IN (SELECT strategy FROM backtests);
    UPDATE trades SET source = 'backtest', trade_id = trade_id + 1000000000000
        WHERE strategy IN (SELECT strategy FROM backtests);
    UPDATE day_rollups SET source = 'backtest' WHERE strategy IN (SELECT strategy FROM backtests);
    UPDATE open_positions SET source = 'backtest'
        WHERE strategy IN (SELECT strategy FROM backtests);
    UPDATE book_meta SET last_signal_id = -1 WHERE EXISTS (SELECT 1 FROM backtests);
    CREATE INDEX trades_source ON trades (source, exit_time);
    """,
}
"""v3: samples get the minute's `low`/`high` once compacted (NULL while raw, at 1 s). The
partial indexes hold only raw samples: finding and reading a day still to compact touches
the raw rows alone. Position samples are a WITHOUT ROWID table on their primary key (the
per-position lookups), without the v2 index on ts: a third less space per year.
v4: one row of risk-guard state (highs, best prices, lockouts, drift), rewritten in place.
v5: the strategies `tmtui import` recorded, by file and format (the Strategies screen marks
them imported).
v6: a `source` on the derived rows (fills, trades, day rollups, open positions): `live`, or
`backtest` for a TradingView export recorded as a strategy's backtest (`backtests`, one per
strategy; its trade ids start at BACKTEST_TRADE_IDS, apart from the live book's). Existing
rows are live, except the strategies the TradingView importer recorded: those become their
backtest, their signals up to the upgrade (`through_signal`) leave the live replay, and the
live derived tables are rebuilt once (`NEEDS_REBUILD`) without them."""

BACKTEST_TRADE_IDS = 1_000_000_000_000
"""A backtest's trade ids count from here: the live book's never reach it, so a backtest
never takes or renumbers a live trade id."""

NEEDS_REBUILD = -1
"""`book_meta.last_signal_id` of a ledger upgraded from v1: its derived tables need a rebuild."""


def migrate(conn: sqlite3.Connection) -> None:
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    for target in range(version + 1, SCHEMA_VERSION + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in split_sql(MIGRATIONS[target]):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {target}")
            conn.execute("COMMIT")
        except BaseException:
            rollback_quietly(conn)
            raise


def split_sql(script: str) -> list[str]:
    """Split a migration into statements; triggers keep their inner `;`."""
    statements, current = [], []
    for line in script.strip().splitlines():
        current.append(line)
        text = "\n".join(current).strip()
        if text.endswith(";") and (
            not text.upper().startswith("CREATE TRIGGER") or text.upper().endswith("END;")
        ):
            statements.append(text)
            current = []
    if "\n".join(current).strip():
        statements.append("\n".join(current).strip())
    return statements
