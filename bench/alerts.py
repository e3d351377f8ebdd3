"""Realistic TradingView alerts: the strategies, their round trips and a year of them.

An active multi-strategy futures trader: 17 lanes (a strategy trading one root), scalpers and
mean-reversion systems in the day session, an Asia-range system in the evening session, two
swing systems that hold overnight. Each round trip is one of the shapes real strategies send
(in and out, scale in, scale out, reversal), every alert carries the strategy's resulting
`position_size` as TradingView's template does, and prices follow a per-market random walk in
whole ticks. A few alerts are what a real ledger also holds: TradingView resends (duplicates),
exit alerts when already flat (ignored) and an alert for a contract not configured (rejected).

Pure and deterministic: the same seed gives the same alerts, so a cached ledger can be keyed by
`GENERATOR_VERSION`. Bump it whenever anything here changes what the ledger would hold.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Literal
from zoneinfo import ZoneInfo

GENERATOR_VERSION = "alerts-v3"
CHICAGO = ZoneInfo("America/Chicago")
FIRST_DAY = date(2025, 1, 2)
HOLIDAYS = frozenset(
    date.fromisoformat(d)
    for d in [
        "2025-01-01",
        "2025-01-09",
        "2025-01-20",
        "2025-02-17",
        "2025-04-18",
        "2025-05-26",
        "2025-06-19",
        "2025-07-04",
        "2025-09-01",
        "2025-11-27",
        "2025-12-25",
        "2026-01-01",
        "2026-01-19",
        "2026-02-16",
    ]
)
SESSION_MINUTES = 24 * 60
"""A trading day runs 17:00 Chicago the evening before to 17:00 (CME)."""

Expect = Literal["accepted", "duplicate", "ignored", "rejected"]


@dataclass(frozen=True, slots=True)
class Market:
    """An underlying's random walk: start price, tick, daily volatility as a fraction."""

    start: Decimal
    tick: Decimal
    daily_vol: float


MARKETS: dict[str, Market] = {
    "NQ": Market(Decimal("21000"), Decimal("0.25"), 0.012),
    "ES": Market(Decimal("5900"), Decimal("0.25"), 0.009),
    "YM": Market(Decimal("43000"), Decimal("1"), 0.008),
    "RTY": Market(Decimal("2250"), Decimal("0.1"), 0.013),
    "CL": Market(Decimal("71.50"), Decimal("0.01"), 0.02),
    "GC": Market(Decimal("2650"), Decimal("0.1"), 0.01),
    "6E": Market(Decimal("1.0400"), Decimal("0.00005"), 0.005),
}
MARKET_OF = {"NQ": "NQ", "MNQ": "NQ", "ES": "ES", "MES": "ES", "YM": "YM", "RTY": "RTY"}
MARKET_OF |= {"CL": "CL", "GC": "GC", "6E": "6E"}
TV_SYMBOLS = {
    "NQ": "CME_MINI:NQ1!",
    "MNQ": "CME_MINI:MNQ1!",
    "ES": "CME_MINI:ES1!",
    "MES": "CME_MINI:MES1!",
    "YM": "CBOT_MINI:YM1!",
    "RTY": "CME_MINI:RTY1!",
    "CL": "NYMEX:CL1!",
    "GC": "COMEX:GC1!",
    "6E": "CME:6E1!",
}


@dataclass(frozen=True, slots=True)
class Lane:
    """One strategy trading one root, as one TradingView alert sends it."""

    strategy: str
    root: str
    ticker: str
    max_qty: int
    trips_per_day: float
    window: tuple[str, str] = ("08:30", "15:00")
    evening: bool = False
    """The window is in the evening session before the trading day (18:00 Sunday for Monday)."""
    swing: bool = False
    """Enters late in the day and exits the next morning, so it is open across the day roll."""
    form: Literal["json", "text"] = "json"


LANES: tuple[Lane, ...] = (
    Lane("ORB", "NQ", "NQ1!", 2, 6, ("08:30", "11:00")),
    Lane("ORB", "ES", "ES1!", 3, 6, ("08:30", "11:00")),
    Lane("VWAP Revert", "MNQ", "MNQ1!", 10, 14, ("09:00", "15:00")),
    Lane("VWAP Revert", "MES", "MESZ2025", 10, 14, ("09:00", "15:00")),
    Lane("Scalper", "MNQ", "CME_MINI:MNQ1!", 5, 30),
    Lane("Scalper", "MES", "CME_MINI:MES1!", 5, 30),
    Lane("Trend 5m", "NQ", "NQ1!", 2, 8),
    Lane("Trend 5m", "CL", "CL1!", 3, 8, ("08:00", "13:30")),
    Lane("Trend 5m", "GC", "GC1!", 2, 6, ("07:20", "12:30")),
    Lane("Gap Fade", "ES", "ES1!", 2, 2, ("08:30", "10:30")),
    Lane("Gap Fade", "RTY", "RTY1!", 3, 2, ("08:30", "10:30")),
    Lane("Asia Range", "GC", "COMEX:GC1!", 2, 6, ("18:00", "23:30"), evening=True),
    Lane("Asia Range", "6E", "6E1!", 3, 6, ("18:00", "23:30"), evening=True),
    Lane("Overnight Swing", "ES", "ES1!", 2, 1, swing=True),
    Lane("Overnight Swing", "NQ", "NQ1!", 1, 1, swing=True),
    Lane("Momentum #2", "YM", "YM1!", 2, 10, ("09:00", "14:30"), form="text"),
    Lane("Momentum #2", "MNQ", "MNQ1!", 6, 10, ("09:00", "14:30"), form="text"),
)


@dataclass(frozen=True, slots=True)
class Order:
    """One alert of a round trip: what the strategy did and where it stands afterwards."""

    action: str
    qty: int
    position: int


@dataclass(frozen=True, slots=True)
class Alert:
    """One alert ready to send, and what tmtui should make of it."""

    received: datetime
    day: date
    """The trading day it counts toward (CME: from 17:00 Chicago the evening before)."""
    lane: Lane
    order: Order
    price: Decimal
    expect: Expect = "accepted"
    ticker: str | None = None
    fired: datetime | None = None
    """When TradingView fired it (the `time` field); a resend keeps the original's."""
    time_format: str = "%Y-%m-%dT%H:%M:%SZ"
    """{{timenow}}'s whole seconds; a load test firing one lane many times a second needs
    more, or two different alerts would hash alike and be taken for a resend."""

    def payload(self, secret: str) -> dict[str, str] | str:
        """The message TradingView would send: the JSON template, or the text form."""
        o = self.order
        ticker = self.ticker or self.lane.ticker
        if self.lane.form == "text":
            return (
                f'{o.action} {o.qty} {ticker} @ {self.price} strategy="{self.lane.strategy}" '
                f"position_size={o.position} secret={secret}"
            )
        return {
            "secret": secret,
            "strategy": self.lane.strategy,
            "ticker": ticker,
            "action": o.action,
            "contracts": str(o.qty),
            "price": str(self.price),
            "position_size": str(o.position),
            "time": (self.fired or self.received).astimezone(UTC).strftime(self.time_format),
        }

    def body(self, secret: str) -> bytes:
        payload = self.payload(secret)
        text = payload if isinstance(payload, str) else json.dumps(payload)
        return text.encode()


def round_trip(rng: random.Random, lane: Lane) -> list[Order]:
    """The alerts of one round trip from flat back to flat (a reversal makes two trips)."""
    sign = rng.choice((1, -1))
    enter, leave = ("buy", "sell") if sign > 0 else ("sell", "buy")
    qty = rng.randint(1, lane.max_qty)
    exit_action = "exit" if rng.random() < 0.15 else leave
    shape = rng.random()
    if shape < 0.55 or lane.swing:
        return [Order(enter, qty, sign * qty), Order(exit_action, qty, 0)]
    if shape < 0.75:
        more = rng.randint(1, lane.max_qty)
        return [
            Order(enter, qty, sign * qty),
            Order(enter, more, sign * (qty + more)),
            Order(exit_action, qty + more, 0),
        ]
    if shape < 0.9:
        qty = max(qty, 2)
        part = rng.randint(1, qty - 1)
        return [
            Order(enter, qty, sign * qty),
            Order(leave, part, sign * (qty - part)),
            Order(exit_action, qty - part, 0),
        ]
    other = rng.randint(1, lane.max_qty)
    return [
        Order(enter, qty, sign * qty),
        Order(leave, qty + other, -sign * other),
        Order(enter if exit_action != "exit" else "exit", other, 0),
    ]


def trading_days(first: date = FIRST_DAY) -> Iterator[date]:
    day = first
    while True:
        if day.weekday() < 5 and day not in HOLIDAYS:
            yield day
        day += timedelta(days=1)


@dataclass
class _Walks:
    """Every market's price path for one trading day, one point a minute, in whole ticks."""

    rng: random.Random
    ticks: dict[str, int] = field(default_factory=dict)
    today: dict[str, list[int]] = field(default_factory=dict)

    def new_day(self) -> None:
        for name, market in MARKETS.items():
            start = int(market.start / market.tick)
            last = self.ticks.get(name, start)
            step = market.daily_vol * start / math.sqrt(SESSION_MINUTES)
            floor = start // 3
            path = []
            for _ in range(SESSION_MINUTES + 1):
                last = max(floor, last + round(self.rng.gauss(0, step)))
                path.append(last)
            self.today[name] = path
            self.ticks[name] = last

    def price(self, root: str, minute: int) -> Decimal:
        market = MARKET_OF[root]
        return self.today[market][minute] * MARKETS[market].tick


def history(count: int, seed: int = 2025) -> Iterator[Alert]:
    """`count` alerts in time order over consecutive trading days from FIRST_DAY."""
    rng = random.Random(seed)
    walks = _Walks(random.Random(seed + 1))
    swing_open: dict[Lane, Order] = {}
    produced = 0
    for day in trading_days():
        walks.new_day()
        for alert in sorted(_day(rng, walks, day, swing_open), key=lambda a: a.received):
            yield alert
            produced += 1
            if produced == count:
                return


At = Callable[[datetime, Lane, Order, Expect], Alert]


def _day(
    rng: random.Random, walks: _Walks, day: date, swing_open: dict[Lane, Order]
) -> Iterator[Alert]:
    session_start = datetime.combine(day - timedelta(days=1), time(17), CHICAGO)

    def at(when: datetime, lane: Lane, order: Order, expect: Expect = "accepted") -> Alert:
        """The alert at `when`, priced where its market traded that minute."""
        minute = int((when - session_start).total_seconds() // 60)
        price = walks.price(lane.root, minute)
        return Alert(when.astimezone(UTC), day, lane, order, price, expect)

    for lane in LANES:
        if lane.swing:
            yield from _swing_day(rng, day, lane, swing_open, at)
            continue
        on = day - timedelta(days=1) if lane.evening else day
        begin = datetime.combine(on, time.fromisoformat(lane.window[0]), CHICAGO)
        end = datetime.combine(on, time.fromisoformat(lane.window[1]), CHICAGO)
        trips = max(0, round(rng.gauss(lane.trips_per_day, math.sqrt(lane.trips_per_day))))
        if rng.random() < 0.05:  # an exit alert that arrives when the strategy is flat
            yield at(begin, lane, Order("exit", 1, 0), "ignored")
        slot = (end - begin) / max(trips, 1)
        for n in range(trips):
            yield from _trip(rng, lane, begin + n * slot, slot, at)
    if rng.random() < 0.3:  # an alert on a contract tmtui has no spec for (Eurex DAX)
        lane = LANES[0]
        when = datetime.combine(day, time(10, rng.randint(0, 59), rng.randint(0, 59)), CHICAGO)
        yield Alert(
            when.astimezone(UTC),
            day,
            lane,
            Order("buy", 1, 1),
            Decimal("24150.0"),
            "rejected",
            "FDAX1!",
        )


def _trip(
    rng: random.Random, lane: Lane, start: datetime, slot: timedelta, at: At
) -> Iterator[Alert]:
    """One round trip inside its slot, a few seconds apart at least; sometimes resent."""
    orders = round_trip(rng, lane)
    seconds = int(slot.total_seconds())
    first = 1 + int(rng.random() * 0.4 * seconds)
    span = 5 * max(len(orders), int(rng.uniform(0.1, 0.55) * seconds) // 5)
    inner = sorted(rng.sample(range(5, span, 5), len(orders) - 2))
    offsets = [0, *inner, span]  # held from the entry to the exit, adds and partials between
    for order, offset in zip(orders, offsets, strict=True):
        alert = at(start + timedelta(seconds=first + offset), lane, order, "accepted")
        yield alert
        if lane.form == "json" and rng.random() < 0.004:  # TradingView resends
            resent = alert.received + timedelta(seconds=rng.randint(1, 4))
            yield Alert(
                resent, alert.day, lane, order, alert.price, "duplicate", fired=alert.received
            )


def _swing_day(
    rng: random.Random, day: date, lane: Lane, swing_open: dict[Lane, Order], at: At
) -> Iterator[Alert]:
    """Exit yesterday's position in the morning, maybe enter a new one before the close."""
    held = swing_open.pop(lane, None)
    if held is not None:
        when = datetime.combine(day, time(8, 35), CHICAGO) + timedelta(
            seconds=rng.randint(0, 85 * 60)
        )
        leave = "sell" if held.position > 0 else "buy"
        yield at(when, lane, Order(leave, held.qty, 0), "accepted")
    if rng.random() < 0.8:
        order = round_trip(rng, lane)[0]
        when = datetime.combine(day, time(14, 30), CHICAGO) + timedelta(
            seconds=rng.randint(0, 28 * 60)
        )
        swing_open[lane] = order
        yield at(when, lane, order, "accepted")
