"""Futures contract specs and the ticker forms alerts carry.

Alerts say `NQ1!`, `CME_MINI:NQ1!`, `CME_MINI_DL:NQ1!` (a delayed chart), `MNQZ2025`, `NQM5`
(Rithmic/Tradovate), `MNQ 06-25` (NinjaTrader) or just `NQ`; all of them must land on one root,
its point value and tick, and the TradingView symbol to quote. The built-in table is the data
file `contract_specs.toml` beside this module (figures from CME Group's contract specs).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from importlib import resources

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


SPECS_FILE = "contract_specs.toml"
"""The built-in table, shipped in this package: one TOML table per root, figures as strings."""


def load_builtin_specs(
    text: str | None = None,
) -> tuple[dict[str, ContractSpec], dict[str, Decimal]]:
    """Read the shipped contract table: the specs, and each root's stated tick value.

    The stated tick value is kept apart so a test can hold every entry to
    tick value = point value x tick size; a typo in either figure then fails loudly.
    """
    if text is None:
        text = resources.files(__package__).joinpath(SPECS_FILE).read_text(encoding="utf-8")
    specs: dict[str, ContractSpec] = {}
    stated: dict[str, Decimal] = {}
    for root, entry in tomllib.loads(text).items():
        specs[root] = ContractSpec(
            root,
            str(entry["tv_symbol"]),
            Decimal(str(entry["point_value"])),
            Decimal(str(entry["tick_size"])),
            bool(entry.get("allow_negative", False)),
        )
        stated[root] = Decimal(str(entry["tick_value"]))
    return specs, stated


BUILTIN_CONTRACTS, BUILTIN_TICK_VALUES = load_builtin_specs()

_MONTHS = "FGHJKMNQUVXZ"
_CONTINUOUS = re.compile(r"^(?P<root>[A-Z0-9]+?)(?P<n>[1-9])!$")
_DATED = re.compile(rf"^(?P<root>[A-Z0-9]+?)(?P<month>[{_MONTHS}])(?P<year>\d{{4}}|\d{{1,2}})$")
_NINJATRADER = re.compile(r"^(?P<root>[A-Z0-9]+)\s+(?P<month>0[1-9]|1[0-2])-(?P<year>\d{2}|\d{4})$")


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

        A root is only split off when the rest is a valid suffix (`1!`, a month code and year,
        or NinjaTrader's ` MM-YY`), so `MNQ1!` is MNQ (never NQ), `NQZ5` is NQ and `SR3H5` is
        SR3. The exchange prefix, delayed (`_DL`) or not, plays no part.
        """
        text = " ".join(ticker.upper().split())
        if ":" in text:
            text = text.rsplit(":", 1)[1].strip()
        if not text:
            raise UnknownContract("empty ticker")
        for candidate in self._root_candidates(text):
            if candidate in self.specs:
                return self.specs[candidate]
        guess = self._root_candidates(text)[0].split()[0]
        raise UnknownContract(
            f"unknown contract {ticker!r}: add a [contracts.{guess}] section to the config "
            "with point_value, tick_size and tv_symbol"
        )

    @staticmethod
    def _root_candidates(text: str) -> list[str]:
        """Possible roots of a ticker, most specific reading first."""
        out: list[str] = []
        if m := _NINJATRADER.match(text):
            out.append(m["root"])
        if m := _CONTINUOUS.match(text):
            out.append(m["root"])
        if m := _DATED.match(text):
            out.append(m["root"])
        out.append(text)
        return out
