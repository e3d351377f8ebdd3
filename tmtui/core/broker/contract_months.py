"""Which contract month a route trades: each root's listing cycle and roll rule → `NQZ6`.

A TradingView alert names the continuous contract (`NQ1!`); a broker order must name a month
(`NQZ6`). Unless the route's `symbols` says otherwise, tmtui trades the *front month*: the
first contract of the root's listing cycle whose roll date is still ahead. From the roll date
on, the next contract in the cycle is the front month.

Roll rules, per product group (the figures are CME Group's; the rule that picks a roll date
from them is the convention named in each rule's docstring):

- equity index (ES, NQ, YM, RTY, EMD and micros): quarterly H M U Z, expiring the third Friday;
  CME's floor convention rolls eight calendar days before expiry, the Thursday before the
  second Friday (cmegroup.com/trading/equity-index/rolldates.html). Nikkei (NKD) expires the
  second Friday and rolls the Monday before (same page).
- energy (CL, MCL, QM, NG, QG, RB, HO, BZ): every month; each contract's last trading day from
  its CME spec ("Termination of Trading"); tmtui rolls five business days before it, where
  volume has moved to the next month.
- delivered contracts (metals, Treasuries, grains, livestock): the active months of each
  product; rolled on the first position day, two business days before the first business day
  of the contract month (CBOT/COMEX delivery calendars), so a position is never carried into
  the delivery period: "end of the month before".
- FX: quarterly H M U Z, last trade two business days before the third Wednesday (one for 6C);
  rolled a week earlier: seven business days before the third Wednesday.
- Three-Month SOFR (SR3): quarterly, rolled on the third Wednesday of the contract month, the
  day its reference quarter begins and its price starts to be fixed by published rates.
- crypto (BTC, ETH and micros): every month, expiring the last Friday; rolled a week earlier.

Business days here are Monday to Friday: the core holds no exchange holiday calendar, so
around a holiday a computed date can be a day early or late. The route's `symbols` table names
the month outright for anyone who needs a date the rule does not give.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from tmtui.core.models import UnknownContract

MONTH_CODES = "FGHJKMNQUVXZ"
"""CME month letters, January (F) to December (Z)."""
ALL_MONTHS = MONTH_CODES
QUARTERLY = "HMUZ"
MON, WED, THU, FRI = 0, 2, 3, 4
ENERGY_ROLL_BUSINESS_DAYS = 5
FX_ROLL_BUSINESS_DAYS = 7
SCAN_MONTHS = 36


class RollRule(StrEnum):
    """A product group's way to a roll date; `roll_date` dispatches on it."""

    EQUITY_INDEX = "equity_index"
    NIKKEI = "nikkei"
    WTI = "wti"
    WTI_SMALL = "wti_small"
    HENRY_HUB = "henry_hub"
    HENRY_HUB_MINI = "henry_hub_mini"
    REFINED = "refined"
    BRENT = "brent"
    DELIVERY = "delivery"
    FX = "fx"
    SOFR = "sofr"
    CRYPTO = "crypto"


@dataclass(frozen=True, slots=True)
class Listing:
    """A root's listing cycle (the month letters it is traded in) and its roll rule."""

    cycle: str
    rule: RollRule


LISTINGS: dict[str, Listing] = {
    # Equity index: CME/CBOT quarterly, third Friday (NKD: second Friday).
    **{
        r: Listing(QUARTERLY, RollRule.EQUITY_INDEX)
        for r in ["ES", "MES", "NQ", "MNQ", "YM", "MYM", "RTY", "M2K", "EMD"]
    },
    "NKD": Listing(QUARTERLY, RollRule.NIKKEI),
    # Energy: NYMEX, every month.
    "CL": Listing(ALL_MONTHS, RollRule.WTI),
    "MCL": Listing(ALL_MONTHS, RollRule.WTI_SMALL),
    "QM": Listing(ALL_MONTHS, RollRule.WTI_SMALL),
    "NG": Listing(ALL_MONTHS, RollRule.HENRY_HUB),
    "QG": Listing(ALL_MONTHS, RollRule.HENRY_HUB_MINI),
    "RB": Listing(ALL_MONTHS, RollRule.REFINED),
    "HO": Listing(ALL_MONTHS, RollRule.REFINED),
    "BZ": Listing(ALL_MONTHS, RollRule.BRENT),
    # Metals: COMEX/NYMEX active months.
    "GC": Listing("GJMQVZ", RollRule.DELIVERY),
    "MGC": Listing("GJMQVZ", RollRule.DELIVERY),
    "SI": Listing("HKNUZ", RollRule.DELIVERY),
    "SIL": Listing("HKNUZ", RollRule.DELIVERY),
    "HG": Listing("HKNUZ", RollRule.DELIVERY),
    "MHG": Listing("HKNUZ", RollRule.DELIVERY),
    "PL": Listing("FJNV", RollRule.DELIVERY),
    "PA": Listing("HMUZ", RollRule.DELIVERY),
    # Interest rates: CBOT Treasuries quarterly and delivered; SOFR quarterly, cash-settled.
    **{r: Listing(QUARTERLY, RollRule.DELIVERY) for r in ["ZT", "ZF", "ZN", "TN", "ZB", "UB"]},
    "SR3": Listing(QUARTERLY, RollRule.SOFR),
    # FX: CME quarterly.
    **{
        r: Listing(QUARTERLY, RollRule.FX)
        for r in ["6E", "M6E", "6J", "6B", "M6B", "6A", "M6A", "6C", "6S", "6N", "6M"]
    },
    # Grains and oilseeds (CBOT), livestock (CME): each product's listed months.
    "ZC": Listing("HKNUZ", RollRule.DELIVERY),
    "ZS": Listing("FHKNQUX", RollRule.DELIVERY),
    "ZW": Listing("HKNUZ", RollRule.DELIVERY),
    "KE": Listing("HKNUZ", RollRule.DELIVERY),
    "ZM": Listing("FHKNQUVZ", RollRule.DELIVERY),
    "ZL": Listing("FHKNQUVZ", RollRule.DELIVERY),
    "ZO": Listing("HKNUZ", RollRule.DELIVERY),
    "LE": Listing("GJMQVZ", RollRule.DELIVERY),
    "GF": Listing("FHJKQUVX", RollRule.DELIVERY),
    "HE": Listing("GJKMNQVZ", RollRule.DELIVERY),
    # Crypto: CME, every month, last Friday.
    **{r: Listing(ALL_MONTHS, RollRule.CRYPTO) for r in ["BTC", "MBT", "ETH", "MET"]},
}


@dataclass(frozen=True, slots=True, order=True)
class ContractMonth:
    """One contract of a root: `ContractMonth("NQ", 2026, 12).code == "NQZ6"`."""

    root: str
    year: int
    month: int

    @property
    def letter(self) -> str:
        return MONTH_CODES[self.month - 1]

    @property
    def code(self) -> str:
        """Tradovate's contract name: root, month letter, last digit of the year."""
        return f"{self.root}{self.letter}{self.year % 10}"


def listing(root: str) -> Listing:
    """The root's listing cycle and roll rule; an unknown root is one clear error."""
    found = LISTINGS.get(root.upper())
    if found is None:
        raise UnknownContract(
            f"no listing cycle for {root!r}: name its contract month in the route's symbols "
            f'(e.g. symbols = {{ {root} = "{root}Z6" }})'
        )
    return found


def front_month(root: str, on: date) -> ContractMonth:
    """The contract a route trades on `on` (an exchange date): the first of the cycle not rolled.

    Every rule rolls a contract no later than during its own month, so the scan starts at
    `on`'s month.
    """
    spec = listing(root)
    year, month = on.year, on.month
    for _ in range(SCAN_MONTHS):
        if MONTH_CODES[month - 1] in spec.cycle and on < roll_date(spec.rule, year, month):
            return ContractMonth(root.upper(), year, month)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    raise UnknownContract(f"no contract of {root!r} is listed after {on}")  # pragma: no cover


def front_contract(root: str, on: date) -> str:
    """`front_month(...).code`: what a route sends as the order's symbol."""
    return front_month(root, on).code


def route_contract(root: str, on: date, symbols: Mapping[str, str] | None = None) -> str:
    """What a route sends for `root` on `on`: its `symbols` entry if it has one (`{NQ = "NQZ6"}`,
    roots compared without case), otherwise the front month.
    """
    for name, contract in (symbols or {}).items():
        if name.strip().upper() == root.strip().upper():
            return contract.strip().upper()
    return front_contract(root, on)


def roll_date(rule: RollRule, year: int, month: int) -> date:
    """The day the (year, month) contract stops being the front month under `rule`."""
    return _RULES[rule](year, month)


# --- the rules --------------------------------------------------------------------------------


def _equity_index(year: int, month: int) -> date:
    """Third Friday expiry, rolled eight calendar days before (a Thursday).

    CME Group, "Equity Index Roll Dates": "the trading floor convention is to roll the
    expiring quarterly futures contract month eight calendar days before the contract
    expires"; expiry is the third Friday of the contract month (e.g. Dec 2026: expiry
    2026-12-18, roll 2026-12-10).
    """
    return nth_weekday(year, month, FRI, 3) - timedelta(days=8)


def _nikkei(year: int, month: int) -> date:
    """Nikkei/USD: expires the second Friday; "a roll date of the Monday before expiration"."""
    return nth_weekday(year, month, FRI, 2) - timedelta(days=4)


def _wti_last_trade(year: int, month: int) -> date:
    """CL: three business days before the 25th of the month before (the business day before
    the 25th when the 25th is not one). NYMEX Light Sweet Crude Oil spec, Termination of Trading.
    """
    py, pm = _previous(year, month)
    return shift_business(on_or_before_business(date(py, pm, 25)), -3)


def _wti(year: int, month: int) -> date:
    return shift_business(_wti_last_trade(year, month), -ENERGY_ROLL_BUSINESS_DAYS)


def _wti_small(year: int, month: int) -> date:
    """MCL and QM expire one business day before the CL contract of the same month
    (CME Group, Micro WTI Crude Oil futures FAQ: "1 day prior to the expiration of WTI").
    """
    last = shift_business(_wti_last_trade(year, month), -1)
    return shift_business(last, -ENERGY_ROLL_BUSINESS_DAYS)


def _henry_hub_last_trade(year: int, month: int) -> date:
    """NG: "the 3rd last business day of the month prior to the contract month"."""
    return shift_business(date(year, month, 1), -3)


def _henry_hub(year: int, month: int) -> date:
    return shift_business(_henry_hub_last_trade(year, month), -ENERGY_ROLL_BUSINESS_DAYS)


def _henry_hub_mini(year: int, month: int) -> date:
    """QG: "the business day immediately preceding the last day of trading" of NG."""
    last = shift_business(_henry_hub_last_trade(year, month), -1)
    return shift_business(last, -ENERGY_ROLL_BUSINESS_DAYS)


def _refined(year: int, month: int) -> date:
    """RB and HO: last trade on the last business day of the month before the contract month."""
    last = shift_business(date(year, month, 1), -1)
    return shift_business(last, -ENERGY_ROLL_BUSINESS_DAYS)


def _brent(year: int, month: int) -> date:
    """Brent Last Day Financial: last business day of the second month before the contract."""
    py, pm = _previous(year, month)
    last = shift_business(date(py, pm, 1), -1)
    return shift_business(last, -ENERGY_ROLL_BUSINESS_DAYS)


def _delivery(year: int, month: int) -> date:
    """First position day: two business days before the first business day of the month.

    Delivered contracts (CBOT Treasuries and grains, COMEX metals, live cattle) open their
    delivery process then; the first notice day follows. Traders who do not take delivery are
    out before it, so the next contract is the front month from that day.
    """
    first = on_or_after_business(date(year, month, 1))
    return shift_business(first, -2)


def _fx(year: int, month: int) -> date:
    """CME FX last trades two business days before the third Wednesday (6C one); the roll is a
    week before that, seven business days before the third Wednesday for every FX root.
    """
    return shift_business(nth_weekday(year, month, WED, 3), -FX_ROLL_BUSINESS_DAYS)


def _sofr(year: int, month: int) -> date:
    """SR3: the reference quarter starts on the third Wednesday (IMM date) of the month."""
    return nth_weekday(year, month, WED, 3)


def _crypto(year: int, month: int) -> date:
    """CME Bitcoin/Ether: last trade on the last Friday of the month; rolled a week before."""
    return last_weekday(year, month, FRI) - timedelta(days=7)


_RULES: dict[RollRule, Callable[[int, int], date]] = {
    RollRule.EQUITY_INDEX: _equity_index,
    RollRule.NIKKEI: _nikkei,
    RollRule.WTI: _wti,
    RollRule.WTI_SMALL: _wti_small,
    RollRule.HENRY_HUB: _henry_hub,
    RollRule.HENRY_HUB_MINI: _henry_hub_mini,
    RollRule.REFINED: _refined,
    RollRule.BRENT: _brent,
    RollRule.DELIVERY: _delivery,
    RollRule.FX: _fx,
    RollRule.SOFR: _sofr,
    RollRule.CRYPTO: _crypto,
}


# --- calendar arithmetic (Monday to Friday are business days) ------------------------------


def is_business_day(day: date) -> bool:
    return day.weekday() < 5


def shift_business(day: date, count: int) -> date:
    """`count` business days after `day` (before it when negative); `day` itself not counted."""
    step = 1 if count >= 0 else -1
    remaining = abs(count)
    while remaining:
        day += timedelta(days=step)
        if is_business_day(day):
            remaining -= 1
    return day


def on_or_before_business(day: date) -> date:
    while not is_business_day(day):
        day -= timedelta(days=1)
    return day


def on_or_after_business(day: date) -> date:
    while not is_business_day(day):
        day += timedelta(days=1)
    return day


def nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """The n-th (1-based) `weekday` (Monday 0) of the month."""
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


def last_weekday(year: int, month: int, weekday: int) -> date:
    ny, nm = (year + 1, 1) if month == 12 else (year, month + 1)
    last = date(ny, nm, 1) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def _previous(year: int, month: int) -> tuple[int, int]:
    return (year - 1, 12) if month == 1 else (year, month - 1)


# --- contract codes as brokers write them ----------------------------------------------------

_DATED = re.compile(
    rf"^(?P<root>[A-Z0-9]+?)(?P<letter>[{MONTH_CODES}])(?P<year>\d{{4}}|\d{{1,2}})$"
)
_NUMERIC = re.compile(r"^(?P<root>[A-Z0-9]+)\s+(?P<month>0?[1-9]|1[0-2])-(?P<year>\d{2}|\d{4})$")
_NAMED = re.compile(r"^(?P<root>[A-Z0-9]+)\s+(?P<name>[A-Z]{3})\s?(?P<year>\d{2}|\d{4})$")
_MONTH_NAMES = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]


@dataclass(frozen=True, slots=True)
class ContractCode:
    """A contract name split into root and month: `NQZ6`, `MNQZ2026`, `NQ 12-26`, `NQ DEC26`."""

    root: str
    month: int
    year_digits: str

    @property
    def code(self) -> str:
        """The Tradovate form every broker fill is recorded under: `NQZ6`."""
        return f"{self.root}{MONTH_CODES[self.month - 1]}{self.year_digits[-1]}"


def split_contract_code(text: str) -> ContractCode | None:
    """Read a contract name in any form the brokers' exports use; None when it names no month.

    The root is split off only where the rest is a month and a year, so `MNQZ6` is MNQ (never
    NQ) and `SR3H6` is SR3; the root need not be in any table (a broker fill is recorded
    whatever it traded).
    """
    name = " ".join(text.strip().upper().split())
    if m := _NUMERIC.match(name):
        return ContractCode(m["root"], int(m["month"]), m["year"])
    if (m := _NAMED.match(name)) and m["name"] in _MONTH_NAMES:
        return ContractCode(m["root"], _MONTH_NAMES.index(m["name"]) + 1, m["year"])
    if m := _DATED.match(name.replace(" ", "")):
        return ContractCode(m["root"], MONTH_CODES.index(m["letter"]) + 1, m["year"])
    return None
