"""The broker's side, pure: fills, export readers, contract months, and the reconciliation.

- `fills`: `BrokerFill`, one fill at the broker, keyed for idempotency.
- `exports`: `read_export(text, fmt, zone, account)` for the four exports traders download.
- `contract_months`: each root's listing cycle and roll rule → `front_contract("NQ", day)`.
- `tradovate_records`: Tradovate's REST replies as records.
- `reconcile` / `reconciliation`: routed signals matched to fills; `reconcile(...).to_json()`.
"""

from tmtui.core.broker.contract_months import (
    ContractMonth,
    front_contract,
    front_month,
    route_contract,
)
from tmtui.core.broker.export_table import ExportRead
from tmtui.core.broker.exports import FORMATS, read_export
from tmtui.core.broker.fills import BrokerFill, Side
from tmtui.core.broker.reconcile import FillState, MatchWindow, RoutedSignal, SignalOutcome
from tmtui.core.broker.reconciliation import BooksPosition, Reconciliation, reconcile

__all__ = [
    "FORMATS",
    "BooksPosition",
    "BrokerFill",
    "ContractMonth",
    "ExportRead",
    "FillState",
    "MatchWindow",
    "Reconciliation",
    "RoutedSignal",
    "Side",
    "SignalOutcome",
    "front_contract",
    "front_month",
    "read_export",
    "reconcile",
    "route_contract",
]
