"""`tmtui risk`: every risk rule, its limit, the value now, the distance to breach and,
for each open position, the price at which it would breach.

It reads what `tmtui run` keeps in the ledger (the open positions with their last marks,
the guard's highs and lockouts, the day rollups), so it works alongside a running tmtui
and shows the marks as of the last P&L sample (a STALE mark is said so by `tmtui positions`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from rich.table import Table

from tmtui.cli.common import ConfigOpt, JsonOpt, emit_json, load, out, run, with_ledger
from tmtui.core.risk.risk_checks import RiskInputs, RuleCheck
from tmtui.core.risk.risk_report import check_text, lock_json, risk_json
from tmtui.core.risk.risk_rules import evaluate, observe
from tmtui.core.risk.risk_state import Lock
from tmtui.core.trading_day import TradingCalendar
from tmtui.ledger.store import Ledger
from tmtui.services.book_restore import load_book, make_calendar
from tmtui.services.risk_store import load_risk
from tmtui.settings.config import Config

LEVEL_STYLES = {"ok": "green", "warning": "yellow", "danger": "bold red", "breached": "reverse red"}


@dataclass(frozen=True, slots=True)
class RiskNow:
    now: datetime
    checks: tuple[RuleCheck, ...]
    locks: tuple[Lock, ...]


async def measure(ledger: Ledger, cfg: Config, calendar: TradingCalendar) -> RiskNow:
    """The rules measured now from the ledger, as the running engine would (deciding nothing)."""
    now = datetime.now(UTC)
    book = await load_book(ledger, cfg)
    figures = await load_risk(ledger, cfg, calendar.day_of(now))
    inputs = RiskInputs(
        now=now,
        day=figures.day,
        positions=book.open_positions(),
        contracts=book.contracts,
        commission_for=book.commission_for,
        calendar=calendar,
        realized_today=figures.realized_today,
        realized_balance=figures.realized_balance,
        stale_after=cfg.feed.stale_after,
    )
    observe(cfg.risk, figures.state, inputs)  # a copy of the memory: nothing is written
    result = evaluate(cfg.risk, figures.state, inputs)
    return RiskNow(now, result.checks, tuple(figures.state.locks))


def risk_cmd(config: ConfigOpt = None, json: JsonOpt = False) -> None:
    """Each risk rule: its limit, the value now, the distance to breach, breach prices."""
    cfg = load(config)
    calendar = make_calendar(cfg)

    async def work(ledger: Ledger) -> RiskNow:
        return await measure(ledger, cfg, calendar)

    result = run(with_ledger(cfg, work))
    if json:
        emit_json(risk_json(result.now, result.checks, result.locks, calendar))
        return
    for lock in result.locks:
        info = lock_json(lock, calendar)
        out.print(f"[reverse red] LOCKED OUT [/] {lock.reason} (until {info['until']})")
    if not result.checks:
        out.print("No risk rules configured: see [risk] in the config (tmtui config path).")
        return
    out.print(_table(result.checks, calendar))


def _table(checks: tuple[RuleCheck, ...], calendar: TradingCalendar) -> Table:
    """One row per rule: the rule with its scope and note, the figures, the breach prices."""
    table = Table(title="Risk rules")
    table.add_column("Rule")
    for col in ("Limit", "Now", "Distance"):
        table.add_column(col, justify="right", no_wrap=True)
    table.add_column("Breach at", no_wrap=True)
    for check in checks:
        t = check_text(check, calendar)
        style = LEVEL_STYLES.get(t.level, "") if t.level != "ok" else ""
        label = f"{t.rule}\n[dim]{t.scope}{' · ' + t.note if t.note else ''}[/]"
        table.add_row(label, t.limit, t.value, t.distance, t.breach, style=style)
    return table
