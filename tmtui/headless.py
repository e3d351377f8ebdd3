"""`tmtui run --headless`: the engine with one line per event on stdout.

Stops cleanly on SIGINT or SIGTERM: the listener stops accepting, answers the alerts already
accepted (each recorded first), then feed and ledger close with the last samples flushed.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from typing import TextIO

from tmtui.config import Config
from tmtui.core.events import Event, EventKind
from tmtui.core.trading_day import zone
from tmtui.factory import build_engine
from tmtui.instance_lock import InstanceLock

NO_SECRET_WARNING = (
    "NO WEBHOOK SECRET: [listener] secret is not set, so only programs on this machine can "
    "send alerts and alerts through a tunnel are refused; set one in the config file"
)


def event_line(event: Event, tz_name: str) -> str:
    """`12:31:07 [alert_accepted] buy 1 NQ @ 25600.25 (ORB) → long 1`."""
    stamp = event.time.astimezone(zone(tz_name)).strftime("%Y-%m-%d %H:%M:%S")
    return f"{stamp} [{event.kind.value}] {event.message}"


async def run_headless(
    config: Config,
    *,
    demo: bool = False,
    out: TextIO = sys.stdout,
    instance_lock: InstanceLock | None = None,
) -> int:
    """Run until SIGINT/SIGTERM, then drain: alerts already accepted are recorded and answered.

    Raises TmtuiError when it cannot start (ledger, listener port): the caller prints it.
    """
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
        if instance_lock is not None and engine.listener is not None:
            instance_lock.record_listener(engine.listener.webhook_url)
        if not config.listener.secret:
            print_event(Event(EventKind.LISTENER, NO_SECRET_WARNING, engine.clock()))
        if demo:
            from tmtui.demo import run_demo_script

            engine.spawn(run_demo_script(engine), "demo-script")
        await stop.wait()
        if not closed:
            with contextlib.suppress(BrokenPipeError):
                print("stopping: answering the alerts already received", file=out, flush=True)
    finally:
        # The handlers stay while the listener drains, so a second Ctrl-C cannot cut it short.
        await engine.stop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
    return 0
