"""Carry-forward: a position held across the day roll; each day counts only its own movement."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal as D
from pathlib import Path

import pytest
from helpers import alert, make_config

from tmtui.core.book.account import DayAccount
from tmtui.ledger.store import Ledger
from tmtui.readside.queries import Queries
from tmtui.runtime.engine import Engine
from tmtui.services.feeds.base import Quote

pytestmark = pytest.mark.timeout(60)
DAY1, DAY2 = date(2026, 3, 3), date(2026, 3, 4)
T1 = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)  # 09:00 Chicago, Tuesday
T2 = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)  # the next trading day


def test_the_day_account_counts_from_the_carried_base() -> None:
    account = DayAccount(DAY2, open_base=D(15970))
    account.set_open(D(15970), T2)
    assert (account.open_change, account.total) == (0, 0)
    assert account.curve.min_mtm == 0 and account.curve.max_mtm == 0
    account.add_fill(D(16000), D(0))
    account.set_open(D(0), T2 + timedelta(hours=1))
    assert (account.realized, account.open_change, account.total) == (D(16000), D(-15970), 30)


async def test_nq_long_two_across_the_roll(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    now = [T1]
    engine = Engine(config, await Ledger.open(config.ledger.resolved_path()), clock=lambda: now[0])
    await engine.start()

    async def at(when: datetime, *alerts_: tuple[str, int | None, str, str]) -> None:
        now[0] = when
        for action, qty, price, strategy in alerts_:
            await engine.submit_alert(
                alert(action, "NQ1!", qty, price, strategy=strategy, received=when)
            )

    async def quote(when: datetime, price: str) -> None:
        now[0] = when
        engine.on_quote(Quote("CME_MINI:NQ1!", D(price), received=when))
        await engine.flush()

    await at(T1, ("buy", 2, "25000", "A"), ("buy", 1, "25000", "B"))
    await at(T1 + timedelta(minutes=5), ("close", None, "25025", "B"))  # +500 realized
    await quote(T1 + timedelta(hours=1), "25399.25")  # A open: 399.25 × 2 × 20 = 15,970
    q = Queries(engine.ledger, config, clock=lambda: now[0])
    first = await q.day_report(DAY1)
    assert (first.realized, first.open, first.total) == (D(500), D(15970), D(16470))

    await quote(T2, "25399.25")  # the new day opens at an unchanged price
    assert engine.account.day == DAY2 and engine.account.total == 0
    opening = await q.day_report(DAY2)
    assert (opening.realized, opening.open, opening.total) == (0, 0, 0)
    assert opening.min_mtm == 0 and opening.max_mtm == 0

    await at(T2 + timedelta(hours=1), ("close", None, "25400", "A"))  # +16,000 gross
    second = await q.day_report(DAY2)
    assert (second.realized, second.open, second.total) == (D(16000), D(-15970), D(30))
    assert second.max_mtm == D(30) and second.min_mtm == 0

    closed = await q.day_report(DAY1)  # a closed day never changes afterwards

    def figures(v: object) -> tuple[object, ...]:
        names = ("realized", "open", "total", "max_mtm", "min_mtm", "max_drawdown", "trades")
        return tuple(getattr(v, n) for n in names)

    assert figures(closed) == figures(first)
    assert closed.max_mtm == D(16470) and closed.max_drawdown == 0
    assert first.total + second.total == D(16500)  # the trades' nets, spread over the days
    assert engine.account.total == D(30)  # the live account carries forward too
    assert engine.account.open_base == D(15970)
    period = await q.period_report(DAY1, DAY2)
    assert (period.realized, period.open, period.total) == (D(16500), 0, D(16500))
    await engine.stop()

    again = Engine(config, await Ledger.open(config.ledger.resolved_path()), clock=lambda: now[0])
    await again.start()  # a restart on day two finds the carried base in the ledger
    assert again.account.open_base == D(15970) and again.account.total == D(30)
    await again.stop()
