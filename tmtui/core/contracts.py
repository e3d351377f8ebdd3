"""Futures contract specs and the ticker forms alerts carry.

Alerts say `NQ1!`, `CME_MINI:NQ1!`, `MNQZ2025`, `MNQZ5` or just `NQ`; all of them must land
on one root, its point value and tick, and the TradingView symbol to quote.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal

from tmtui.core.models import UnknownContract


@dataclass(frozen=True)
class ContractOverride:
    """A `[contracts.ROOT]` section: any figure left out keeps the built-in one."""

    point_value: Decimal | None = None
    tick_size: Decimal | None = None
    tv_symbol: str | None = None
    allow_negative: bool | None = None


@dataclass(frozen=True, slots=True)
class ContractSpec:
    root: str
    tv_symbol: str
    point_value: Decimal
    tick_size: Decimal
    allow_negative: bool = False

    @property
    def tick_value(self) -> Decimal:
        return self.point_value * self.tick_size


def _spec(root: str, symbol: str, point_value: str, tick: str) -> ContractSpec:
    return ContractSpec(root, symbol, Decimal(point_value), Decimal(tick))


BUILTIN_CONTRACTS: dict[str, ContractSpec] = {
    s.root: s
    for s in (
        _spec("NQ", "CME_MINI:NQ1!", "20", "0.25"),
        _spec("MNQ", "CME_MINI:MNQ1!", "2", "0.25"),
        _spec("ES", "CME_MINI:ES1!", "50", "0.25"),
        _spec("MES", "CME_MINI:MES1!", "5", "0.25"),
        _spec("YM", "CBOT_MINI:YM1!", "5", "1"),
        _spec("MYM", "CBOT_MINI:MYM1!", "0.5", "1"),
        _spec("RTY", "CME_MINI:RTY1!", "50", "0.1"),
        _spec("M2K", "CME_MINI:M2K1!", "5", "0.1"),
        _spec("CL", "NYMEX:CL1!", "1000", "0.01"),
        _spec("MCL", "NYMEX:MCL1!", "100", "0.01"),
        _spec("NG", "NYMEX:NG1!", "10000", "0.001"),
        _spec("GC", "COMEX:GC1!", "100", "0.1"),
        _spec("MGC", "COMEX_MINI:MGC1!", "10", "0.1"),
        _spec("SI", "COMEX:SI1!", "5000", "0.005"),
        _spec("SIL", "COMEX_MINI:SIL1!", "1000", "0.005"),
        _spec("ZB", "CBOT:ZB1!", "1000", "0.03125"),
        _spec("ZN", "CBOT:ZN1!", "1000", "0.015625"),
        _spec("6E", "CME:6E1!", "125000", "0.00005"),
        _spec("M6E", "CME_MINI:M6E1!", "12500", "0.0001"),
    )
}

_MONTHS = "FGHJKMNQUVXZ"
_CONTINUOUS = re.compile(r"^(?P<root>[A-Z0-9]+?)(?P<n>[1-9])!$")
_DATED = re.compile(rf"^(?P<root>[A-Z0-9]+?)(?P<month>[{_MONTHS}])(?P<year>\d{{4}}|\d{{1,2}})$")


class ContractBook:
    """The built-in table with the trader's `[contracts.ROOT]` overrides and additions."""

    def __init__(self, overrides: Mapping[str, ContractOverride] | None = None) -> None:
        self.specs: dict[str, ContractSpec] = dict(BUILTIN_CONTRACTS)
        for root, o in (overrides or {}).items():
            root = root.upper()
            base = self.specs.get(root)
            if base is None:
                if o.point_value is None or o.tick_size is None:
                    raise UnknownContract(
                        f"[contracts.{root}] adds a new contract: it needs point_value and "
                        "tick_size (and tv_symbol to get quotes)"
                    )
                base = ContractSpec(root, o.tv_symbol or f"{root}1!", o.point_value, o.tick_size)
            self.specs[root] = replace(
                base,
                point_value=o.point_value if o.point_value is not None else base.point_value,
                tick_size=o.tick_size if o.tick_size is not None else base.tick_size,
                tv_symbol=o.tv_symbol or base.tv_symbol,
                allow_negative=(
                    o.allow_negative if o.allow_negative is not None else base.allow_negative
                ),
            )
        self._by_symbol = {s.tv_symbol: s for s in self.specs.values()}

    def __getitem__(self, root: str) -> ContractSpec:
        return self.specs[root]

    def by_tv_symbol(self, symbol: str) -> ContractSpec | None:
        return self._by_symbol.get(symbol)

    def resolve(self, ticker: str) -> ContractSpec:
        """Map any ticker form an alert carries to its contract spec.

        The longest known root wins only when the rest is a valid suffix, so `MNQ1!` is MNQ
        (never NQ) and `NQZ5` is NQ.
        """
        text = ticker.strip().upper()
        if ":" in text:
            text = text.rsplit(":", 1)[1]
        if not text:
            raise UnknownContract("empty ticker")
        for candidate in self._root_candidates(text):
            if candidate in self.specs:
                return self.specs[candidate]
        guess = next(iter(self._root_candidates(text)), text)
        raise UnknownContract(
            f"unknown contract {ticker!r}: add a [contracts.{guess}] section to the config "
            "with point_value, tick_size and tv_symbol"
        )

    @staticmethod
    def _root_candidates(text: str) -> list[str]:
        """Possible roots of a ticker, most specific reading first."""
        out: list[str] = []
        if m := _CONTINUOUS.match(text):
            out.append(m["root"])
        if m := _DATED.match(text):
            out.append(m["root"])
        out.append(text)
        return out
