"""Live drift: a Tradovate account's position beside the books of the strategies routed there.

The books' figure for a root is the sum of the strategies routed to the account; the
broker's is the account's net over the root's contracts (`position/list`). When they differ
(an order the broker rejected, a trade made by hand, a bridge's own stop) the rows of that
root show the broker's quantity and the log says so once, and again only when the figures
change or agree again. Pure: the poller (`tmtui.services.tradovate_poller`) reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from tmtui.core.broker.contract_months import split_contract_code


@dataclass(frozen=True, slots=True)
class LiveDrift:
    """One root where the account and the books differ (signed quantities)."""

    root: str
    books: int
    broker: int
    contracts: tuple[str, ...] = ()


def broker_by_root(held: Mapping[str, int]) -> dict[str, tuple[int, tuple[str, ...]]]:
    """The account's net per root and the contracts it is held in, from nets per contract."""
    found: dict[str, tuple[int, tuple[str, ...]]] = {}
    for contract, net in sorted(held.items()):
        code = split_contract_code(contract)
        root = code.root if code else contract.upper()
        total, names = found.get(root, (0, ()))
        found[root] = (total + net, (*names, contract))
    return found


def live_drifts(books: Mapping[str, int], held: Mapping[str, int]) -> dict[str, LiveDrift]:
    """Every root whose books (sum of the routed strategies) differ from the account."""
    broker = broker_by_root(held)
    drifts = {}
    for root in sorted({r.upper() for r in books} | set(broker)):
        mine = sum(q for r, q in books.items() if r.upper() == root)
        theirs, contracts = broker.get(root, (0, ()))
        if mine != theirs:
            drifts[root] = LiveDrift(root, mine, theirs, contracts)
    return drifts


def drift_line(route: str, drift: LiveDrift) -> str:
    where = f" ({', '.join(drift.contracts)})" if drift.contracts else ""
    return (
        f"drift at {route}: the broker holds {drift.root} {drift.broker:+d}{where}, "
        f"the books {drift.books:+d}"
    )


def agree_line(route: str, root: str, qty: int) -> str:
    return f"drift at {route} resolved: the broker and the books agree on {root} ({qty:+d})"
