"""The order desk: which orders a change of the books causes, with their outbox ids; the
intake decision puts them in the signal's write; `[routing]` mistakes are one line."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tmtui.core.alerts import intake
from tmtui.core.book.book import Book
from tmtui.core.contracts import ContractBook
from tmtui.core.models import Action, AlertFields, ConfigError, IncomingAlert
from tmtui.core.orders.desk import OrderDesk, reason_of
from tmtui.core.orders.intents import Effect, Reason
from tmtui.core.orders.routing import Route, RouteKind, Routing
from tmtui.core.orders.states import OrderState
from tmtui.settings.config import config_from_dict

T0 = datetime(2026, 3, 3, 14, 0, tzinfo=UTC)
TP = Route("tp", RouteKind.TRADERSPOST, "https://tp.example/trading/webhook/u/p")
ROUTING = Routing(strategies={"ORB": "tp"}, routes={"tp": TP})


def decide(
    book: Book, desk: OrderDesk, action: str, qty: int | None, strategy: str
) -> intake.Decision:
    fields = AlertFields(
        action=action, ticker="CME_MINI:MNQ1!", qty=qty, price="21000", strategy=strategy
    )
    alert = IncomingAlert(fields, "raw", "127.0.0.1", T0)
    rules = intake.IntakeRules(100, {}, lambda _t: T0.date(), orders=desk.orders_for)
    decision = intake.decide_alert(alert, book, rules, None, T0)
    if decision.plan is not None:
        book.commit(decision.plan)
        desk.planned(decision.write.orders)
    return decision


def test_a_routed_alert_writes_its_order_with_the_signal_and_paper_writes_none() -> None:
    book, desk = Book(ContractBook()), OrderDesk(ROUTING)
    entry = decide(book, desk, "buy", 2, "ORB")
    (order,) = entry.write.orders
    assert (order.id, order.route, order.intent.qty, order.intent.effect) == (
        1,
        "tp",
        2,
        Effect.OPEN,
    )
    assert order.intent.symbol == "MNQ1!" and order.state is OrderState.QUEUED
    assert decide(book, desk, "buy", 1, "Paper").write.orders == ()
    # the exit right behind the entry is sized from it though it is not accepted yet
    (exit_,) = decide(book, desk, "close", None, "ORB").write.orders
    assert (exit_.id, exit_.intent.effect, exit_.intent.qty) == (2, Effect.CLOSE, 2)


def test_a_reversal_at_traderspost_is_an_exit_then_an_entry_that_follows_it() -> None:
    book, desk = Book(ContractBook()), OrderDesk(ROUTING)
    decide(book, desk, "buy", 1, "ORB")
    exit_, entry = decide(book, desk, "sell", 3, "ORB").write.orders
    assert exit_.intent.effect is Effect.CLOSE and entry.intent.effect is Effect.OPEN
    assert entry.follows == exit_.id and entry.intent.qty == 2


def test_orders_taken_back_are_no_longer_on_their_way() -> None:
    book, desk = Book(ContractBook()), OrderDesk(ROUTING)
    (order,) = decide(book, desk, "buy", 1, "ORB").write.orders
    assert desk.holdings.expected("tp", "ORB", "MNQ") == 1
    desk.taken_back([order])
    assert desk.holdings.expected("tp", "ORB", "MNQ") == 0


def test_why_an_order_goes_out() -> None:
    assert reason_of("webhook", Action.BUY) is Reason.SIGNAL
    assert reason_of("risk", Action.CLOSE) is Reason.RISK
    assert reason_of("manual", Action.CLOSE, "manual close") is Reason.CLOSE
    assert reason_of("manual", Action.CLOSE, "flatten everything") is Reason.FLATTEN_ALL
    assert reason_of("manual", Action.CLOSE, "flatten strategy ORB") is Reason.FLATTEN
    assert reason_of("manual", Action.BUY, "manual order") is Reason.MANUAL


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"routes": {"x": {"kind": "fax", "url": "https://a.b/c/d"}}}, "routes.x.kind: unknown"),
        ({"routes": {"tp": {"kind": "traderspost"}}}, "routes.tp.url: missing"),
        ({"routing": {"strategies": {"ORB": "nope"}}}, "routing.strategies.ORB: no route"),
    ],
)
def test_routing_mistakes_are_one_line_naming_the_key(
    data: dict[str, object], message: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        config_from_dict(data)  # type: ignore[arg-type]
    assert message in str(raised.value) and "\n" not in str(raised.value)


def test_routing_is_read_with_the_config() -> None:
    config = config_from_dict(
        {
            "routing": {"strategies": {"ORB": "tp"}},
            "routes": {"tp": {"kind": "traderspost", "url": TP.url}},
        }
    )
    assert config.routing.destination_for("ORB") == "→ TradersPost (tp)"
    assert config.routing.destination_for("X") == "books only (paper)"
