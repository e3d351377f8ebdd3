"""Orders tmtui sends to the bridge that executes: planned, shaped per bridge, judged by reply.

Pure: no I/O. `planning` turns a change of the books into orders for one bridge,
`bridge_protocol` shapes each order as its bridge documents (`traderspost`, `pickmytrade`,
`crosstrade`, `webhook_template`) and reads the reply into the order's next state
(`states`); `holdings` keeps what each strategy holds at each bridge; `routing` holds the
routes; `redaction` masks their secrets. Delivery (HTTP, retries) is
`tmtui.services.order_sender`.
"""

from tmtui.core.orders.holdings import BridgeHoldings
from tmtui.core.orders.intents import Effect, OrderAction, OrderIntent, Reason
from tmtui.core.orders.planning import orders_for_change, plan_orders
from tmtui.core.orders.routing import PAPER, ReservedRoute, Route, RouteKind, Routing
from tmtui.core.orders.states import Answer, Order, OrderChanged, OrderState

__all__ = [
    "PAPER",
    "Answer",
    "BridgeHoldings",
    "Effect",
    "Order",
    "OrderAction",
    "OrderChanged",
    "OrderIntent",
    "OrderState",
    "Reason",
    "ReservedRoute",
    "Route",
    "RouteKind",
    "Routing",
    "orders_for_change",
    "plan_orders",
]
