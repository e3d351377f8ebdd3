"""`--headless` output: one line format, one time zone, each thing once."""

from __future__ import annotations

import io
import logging
from datetime import UTC, datetime

from tmtui.core.events import Event, EventKind
from tmtui.frontends.headless import event_line, log_lines

MOMENT = datetime(2025, 3, 4, 15, 30, 7, tzinfo=UTC)  # 09:30:07 in Chicago


def test_event_lines_carry_the_session_zone_by_name() -> None:
    line = event_line(
        Event(EventKind.ALERT_ACCEPTED, "buy 1 NQ → long 1", MOMENT), "America/Chicago"
    )
    assert line == "2025-03-04 09:30:07 CST [alert_accepted] buy 1 NQ → long 1"
    summer = MOMENT.replace(month=7)
    assert " CDT [" in event_line(Event(EventKind.INFO, "x", summer), "America/Chicago")


def test_log_records_use_the_same_format_and_skip_what_an_event_already_said() -> None:
    out = io.StringIO()
    with log_lines("America/Chicago", out):
        logging.getLogger("tmtui.feeds").warning("scanner answered %d", 429)
        logging.getLogger("tmtui.feeds").info("too chatty to print")

        def report_error() -> None:  # the engine's: its event line is printed instead
            logging.getLogger("tmtui.engine").error("background task failed")

        report_error()
    logging.getLogger("tmtui.feeds").warning("after the run: not ours")
    lines = out.getvalue().splitlines()
    assert len(lines) == 1
    stamp, rest = lines[0][:23], lines[0][24:]
    assert stamp[:4].isdigit() and stamp.endswith(("CST", "CDT"))
    assert rest == "[warning] tmtui.feeds: scanner answered 429"
