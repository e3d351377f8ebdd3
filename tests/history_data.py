"""A multi-month history for the history screens, written the way a trader's would be.

December 2025 to February 2026 come from `tmtui import` of webhook-shaped alerts (strategy
`Backtest`, NQ, so it is marked imported); March 2026 is sent live to the running engine
(`ORB` on NQ, `Trend` on MES, Trend still long at the end). The clock stands at NOW.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from tmtui.core.models import AlertFields, IncomingAlert
from tmtui.ledger.store import Ledger
from tmtui.readside.importer import ImportOptions, import_file
from tmtui.runtime.engine import Engine
from tmtui.runtime.factory import build_engine
from tmtui.services.feeds.base import Quote
from tmtui.settings.config import Config
from tmtui.ui.app import TmtuiApp

NOW = datetime(2026, 3, 18, 15, 30, tzinfo=UTC)
"""Wednesday 10:30 in Chicago: trading day 2026-03-18."""
TODAY = date(2026, 3, 18)
LEDGER = "history.db"

Step = tuple[datetime, str, str, int | None, str, str]


def config() -> Config:
    base = Config()
    return replace(
        base,
        feed=replace(base.feed, source="replay"),
        ui=replace(base.ui, refresh=60.0),
        commissions={"NQ": Decimal("2.10"), "MES": Decimal("0.62")},
    )


def backtest_alerts() -> list[dict[str, object]]:
    """Backtest's round trips: one every third weekday from 1 Dec 2025 to 27 Feb 2026."""
    out: list[dict[str, object]] = []
    day, n = date(2025, 12, 1), 0
    while day <= date(2026, 2, 27):
        if day.weekday() < 5:
            if n % 3 == 0:
                entry = datetime(day.year, day.month, day.day, 15, 0, tzinfo=UTC)
                move = Decimal((n * 7) % 23) - Decimal(9)  # -9 .. +13 points, repeatable
                price = Decimal(21000) + n
                for minutes, action, px in ((0, "buy", price), (25, "close", price + move)):
                    out.append(
                        {
                            "action": action,
                            "ticker": "NQ1!",
                            "contracts": 1 if action == "buy" else None,
                            "price": str(px),
                            "strategy": "Backtest",
                            "time": (entry + timedelta(minutes=minutes)).isoformat(),
                        }
                    )
            n += 1
        day += timedelta(days=1)
    return out


def live_steps() -> list[Step]:
    """March: ORB and Trend round trips on the trading days 2..17; Trend long 2 MES today."""
    steps: list[Step] = []
    results = [("ORB", "NQ1!", "+12"), ("Trend", "MES1!", "-3.5"), ("ORB", "NQ1!", "-6.25")]
    day = date(2026, 3, 2)
    i = 0
    while day <= date(2026, 3, 17):
        if day.weekday() < 5:
            strategy, ticker, move = results[i % len(results)]
            base = Decimal(25600) if ticker == "NQ1!" else Decimal(6800)
            when = datetime(day.year, day.month, day.day, 14, 30 + i % 20, tzinfo=UTC)
            steps.append((when, "buy", ticker, 1 + i % 2, str(base), strategy))
            exit_at = when + timedelta(minutes=40)
            steps.append((exit_at, "close", ticker, None, str(base + Decimal(move)), strategy))
            i += 1
        day += timedelta(days=1)
    steps.append((NOW - timedelta(hours=1), "buy", "MES1!", 2, "6810", "Trend"))
    return steps


async def import_backtest(path: Path, cfg: Config) -> None:
    alerts = path.with_name("backtest.jsonl")
    alerts.write_text("\n".join(json.dumps(a) for a in backtest_alerts()) + "\n")
    async with await Ledger.open(path) as ledger:
        result = await import_file(ledger, cfg, alerts, ImportOptions(), now=NOW)
    assert not result.mismatches and result.trades == 22, result


async def send_live(engine: Engine) -> None:
    for i, (when, action, ticker, qty, price, strategy) in enumerate(live_steps()):
        fields = AlertFields(
            action=action,
            ticker=ticker,
            qty=None if qty is None else str(qty),
            price=price,
            strategy=strategy,
            alert_id=f"live-{i}",
        )
        await engine.submit_alert(
            IncomingAlert(fields, "{}", "history-test", when, idem_key=f"id:live-{i}")
        )
    symbol = engine.book.contracts["MES"].tv_symbol
    engine.on_quote(Quote(symbol, Decimal("6812.25"), received=NOW))


def history_app(cfg: Config, path: Path) -> TmtuiApp:
    """The app on the ledger at `path`: no feed, no listener, the clock at NOW."""

    def factory() -> Awaitable[Engine]:
        return build_engine(
            cfg,
            ledger_path=path,
            with_feed=False,
            with_listener=False,
            clock=lambda: NOW,
            sample_interval=3600,
        )

    return TmtuiApp(cfg, engine_factory=factory)


Prepare = Callable[[Engine], Awaitable[None]]
