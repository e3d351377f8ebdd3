"""`--demo`: a throwaway ledger, the replay feed and scripted alerts through the real listener.

A new user sees positions open, P&L move and trades close with no network and no
TradingView account.
"""

from __future__ import annotations

import asyncio
import atexit
import itertools
import logging
import secrets
import shutil
import tempfile
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from tmtui.runtime.engine import Engine
from tmtui.services.signal_client import build_alert_payload, post_signal
from tmtui.settings.config import Config

log = logging.getLogger("tmtui.demo")

# (action, ticker, qty, strategy, seconds to wait before it)
DEMO_SCRIPT: list[tuple[str, str, int, str, float]] = [
    ("buy", "NQ1!", 1, "ORB", 2.0),
    ("sell", "MES1!", 2, "Trend", 3.0),
    ("buy", "NQ1!", 1, "ORB", 4.0),
    ("buy", "CL1!", 1, "Oil", 3.0),
    ("sell", "NQ1!", 1, "ORB", 6.0),
    ("buy", "MES1!", 2, "Trend", 6.0),
    ("close", "CL1!", 0, "Oil", 6.0),
    ("close", "NQ1!", 0, "ORB", 8.0),
]


def demo_config(config: Config, workdir: Path | None = None) -> Config:
    """The trader's config with a temporary ledger, the replay feed and a loopback listener."""
    if workdir is None:
        workdir = Path(tempfile.mkdtemp(prefix="tmtui-demo-"))
        atexit.register(shutil.rmtree, workdir, ignore_errors=True)
    return replace(
        config,
        ledger=replace(config.ledger, path=str(workdir / "demo.db")),
        feed=replace(
            config.feed,
            source="replay",
            replay_file="",
            poll_interval=0.5,
            watchlist=tuple(sorted({t for _, t, *_ in DEMO_SCRIPT})),
        ),
        listener=replace(
            config.listener,
            host="127.0.0.1",
            port=0,
            secret=secrets.token_urlsafe(16),
            allow_ips=(),
            trust_forwarded=False,
        ),
    )


async def run_demo_script(engine: Engine, loop_forever: bool = True) -> None:
    """Post the scripted alerts to the engine's own listener, at the replay feed's prices."""
    assert engine.listener is not None, "the demo needs the listener"
    url = engine.listener.url.rstrip("/") + engine.config.listener.path
    script = itertools.cycle(DEMO_SCRIPT) if loop_forever else iter(DEMO_SCRIPT)
    for n, (action, ticker, qty, strategy, wait) in enumerate(script):
        await asyncio.sleep(wait)
        price = engine.last_price(ticker)
        payload = build_alert_payload(
            action,
            ticker,
            qty or None,
            price,
            strategy,
            f"demo-{n}",
            engine.config.listener.secret,
            datetime.now(UTC),
        )
        status, body = await post_signal(url, payload)
        if status != 200:
            log.warning("demo alert %s %s answered %s: %s", action, ticker, status, body)
