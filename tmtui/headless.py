"""`tmtui run --headless`: the engine with one line per event on stdout.

Stops cleanly on SIGINT or SIGTERM: listener and feed closed, last samples flushed.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from typing import TextIO

from tmtui.config import Config
from tmtui.core.events import Event
from tmtui.core.trading_day import zone
from tmtui.factory import build_engine


def event_line(event: Event, tz_name: str) -> str:
    """`12:31:07 [alert_accepted] buy 1 NQ @ 25600.25 (ORB) → long 1`."""
    stamp = event.time.astimezone(zone(tz_name)).strftime("%Y-%m-%d %H:%M:%S")
    return f"{stamp} [{event.kind.value}] {event.message}"


async def run_headless(config: Config, *, demo: bool = False, out: TextIO = sys.stdout) -> int:
    engine = await build_engine(config, daily_backups=not demo)
    tz = config.session.timezone

    stop = asyncio.Event()
    closed = False

    def print_event(event: Event) -> None:
        """Like any Unix filter, stop when whoever reads stdout goes away."""
        nonlocal closed
        if closed:
            return
        try:
            print(event_line(event, tz), file=out, flush=True)
        except BrokenPipeError:
            closed = True
            stop.set()

    engine.subscribe(print_event)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await engine.start()
        if demo:
            from tmtui.demo import run_demo_script

            engine.spawn(run_demo_script(engine), "demo-script")
        await stop.wait()
        if not closed:
            with contextlib.suppress(BrokenPipeError):
                print("stopping", file=out, flush=True)
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        await engine.stop()
    return 0
