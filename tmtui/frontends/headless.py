"""`tmtui run --headless`: the engine with one line per event on stdout.

Every line has one format and one clock, the session's time zone named on the line:
`2025-03-04 09:30:00 CST [alert_accepted] buy 1 NQ @ 25600 (ORB) → long 1`. Warnings the
services log (a feed that stalls, an open listener) go to stderr in the same format; log
records that only repeat an event already printed (an engine error, a refused alert) are
left out, so each thing that happened is printed once.

Stops cleanly on SIGINT or SIGTERM: the listener stops accepting, answers the alerts already
accepted (each recorded first), then feed and ledger close with the last samples flushed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TextIO

from tmtui.core.events import Event, EventKind
from tmtui.core.trading_day import zone
from tmtui.ledger.instance_lock import InstanceLock
from tmtui.runtime.factory import build_engine
from tmtui.settings.config import Config

NO_SECRET_WARNING = (
    "NO WEBHOOK SECRET: [listener] secret is not set, so only programs on this machine can "
    "send alerts and alerts through a tunnel are refused; set one in the config file"
)

STAMP = "%Y-%m-%d %H:%M:%S %Z"
DUPLICATES_OF_EVENTS = {
    ("tmtui.engine", "report_error"),  # the error event itself is printed
    ("tmtui.listener", "_fail"),  # an alert the engine refused: an alert_rejected event
    ("tmtui.listener", "_refuse"),  # a refused request: reported as an event (or on purpose not)
}


def stamp(moment: datetime, tz_name: str) -> str:
    """`2025-03-04 09:30:00 CST`: the session's zone, named, for every line."""
    return moment.astimezone(zone(tz_name)).strftime(STAMP)


def event_line(event: Event, tz_name: str) -> str:
    """`2025-03-04 12:31:07 CST [alert_accepted] buy 1 NQ @ 25600.25 (ORB) → long 1`."""
    return f"{stamp(event.time, tz_name)} [{event.kind.value}] {event.message}"


class LogLines(logging.Handler):
    """Service log records written like events: same format, same zone, each thing once."""

    def __init__(self, tz_name: str, out: TextIO) -> None:
        super().__init__(level=logging.WARNING)
        self.tz_name = tz_name
        self.out = out

    def emit(self, record: logging.LogRecord) -> None:
        if (record.name, record.funcName) in DUPLICATES_OF_EVENTS:
            return
        text = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            text += f": {record.exc_info[1]!r}"
        moment = datetime.fromtimestamp(record.created, UTC)
        line = f"{stamp(moment, self.tz_name)} [{record.levelname.lower()}] {record.name}: {text}"
        with contextlib.suppress(OSError, ValueError):
            print(line, file=self.out, flush=True)


@contextlib.contextmanager
def log_lines(tz_name: str, out: TextIO = sys.stderr) -> Iterator[None]:
    """Route the root logger through `LogLines` for the run, then put it back."""
    root = logging.getLogger()
    saved, level = list(root.handlers), root.level
    for handler in saved:
        root.removeHandler(handler)
    handler = LogLines(tz_name, out)
    root.addHandler(handler)
    root.setLevel(min(level, logging.WARNING) if level else logging.WARNING)
    try:
        yield
    finally:
        root.removeHandler(handler)
        for old in saved:
            root.addHandler(old)
        root.setLevel(level)


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
    with log_lines(tz):
        try:
            await engine.start()
            if instance_lock is not None and engine.listener is not None:
                instance_lock.record_listener(engine.listener.webhook_url)
            if not config.listener.secret:
                print_event(Event(EventKind.LISTENER, NO_SECRET_WARNING, engine.clock()))
            if demo:
                from tmtui.runtime.demo import run_demo_script

                engine.spawn(run_demo_script(engine), "demo-script")
            await stop.wait()
            if not closed:
                with contextlib.suppress(BrokenPipeError):
                    print(
                        f"{stamp(datetime.now(UTC), tz)} [info] stopping: answering the alerts "
                        "already received",
                        file=out,
                        flush=True,
                    )
        finally:
            # The handlers stay while the listener drains, so a 2nd Ctrl-C cannot cut it short.
            await engine.stop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)
    return 0
