"""`tmtui orders`: the orders tmtui sent (or tried to send) to bridges, as a table or JSON.

Reads the ledger's outbox alongside a running `tmtui run`; never shows a secret (messages are
stored redacted, URLs are not stored at all).
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from tmtui.cli.common import (
    ConfigOpt,
    JsonOpt,
    emit_json,
    fail,
    load,
    out,
    parse_day,
    run,
    with_ledger,
)
from tmtui.core.orders.states import Order, OrderState
from tmtui.core.orders.views import order_json, state_label
from tmtui.core.trading_day import zone
from tmtui.ledger.store import Ledger
from tmtui.services.book_restore import make_calendar

LOUD = {OrderState.REJECTED: "bold red", OrderState.UNKNOWN: "bold red", OrderState.FAILED: "red"}


def orders(
    config: ConfigOpt = None,
    json: JsonOpt = False,
    day: Annotated[
        str | None, typer.Option("--day", help="Only orders made on this trading day (YYYY-MM-DD).")
    ] = None,
    state: Annotated[
        str | None,
        typer.Option(
            "--state",
            help="Only orders in this state: queued, sent, accepted, rejected, unknown or failed.",
        ),
    ] = None,
) -> None:
    """Orders to bridges (routes), oldest first: where each went and how it fared."""
    cfg = load(config)
    wanted = _state(state)
    one_day = parse_day(day) if day is not None else None
    calendar = make_calendar(cfg)

    async def work(ledger: Ledger) -> list[Order]:
        start = end = None
        if one_day is not None:
            start, end = calendar.bounds(one_day)
        return await ledger.orders_between(start, end, wanted)

    found = run(with_ledger(cfg, work))
    tz = zone(cfg.session.timezone)
    if json:
        emit_json([order_json(o, tz) for o in found])
        return
    if not found:
        out.print("No orders." if cfg.routing.routes else "No orders (every strategy is on paper).")
        return
    table = Table("id", "time", "strategy", "symbol", "action", "qty", "route", "state", "message")
    for order in found:
        row = order_json(order, tz)
        table.add_row(
            str(order.id),
            order.created.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S"),
            row["strategy"],
            row["symbol"],
            row["action"],
            str(row["qty"]),
            f"{order.route} ({order.kind.value})",
            Text(state_label(order), style=LOUD.get(order.state, "")),
            Text(order.message),
        )
    out.print(table)


def _state(text: str | None) -> OrderState | None:
    if text is None:
        return None
    try:
        return OrderState(text.strip().lower())
    except ValueError:
        known = ", ".join(s.value for s in OrderState)
        return fail(f"--state must be one of {known}, got {text!r}")
