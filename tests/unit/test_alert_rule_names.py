"""The alert checks are named rules: a refusal carries the rule and its figures."""

from __future__ import annotations

import pytest

from tmtui.core.alerts.signal_rules import build_signal
from tmtui.core.book.book import Book
from tmtui.core.contracts import ContractBook
from tmtui.core.models import AlertFields, InvalidSignal, RuleRefusal, UnusableSignal


@pytest.mark.parametrize(
    ("fields", "error", "rule", "figures"),
    [
        (
            AlertFields("buy", "NQ1!", 101),
            UnusableSignal,
            "max_qty",
            {"qty": "101", "max_qty": "100"},
        ),
        (AlertFields("buy", "NQ1!", 1, "-5"), UnusableSignal, "price", {"price": "-5"}),
        (AlertFields("buy", "XYZ1!", 1), UnusableSignal, "contract", {"ticker": "XYZ1!"}),
        (
            AlertFields("buy", "NQ1!", position_size=5000),
            UnusableSignal,
            "position_size",
            {"position_size": "5000", "cap": "1000"},
        ),
        (AlertFields("buy", "NQ1!", "x"), InvalidSignal, "alert_fields", {}),
    ],
)
def test_build_signal_refusals_name_their_rule(
    fields: AlertFields, error: type[RuleRefusal], rule: str, figures: dict[str, str]
) -> None:
    with pytest.raises(error) as info:
        build_signal(fields, ContractBook(), 100)
    assert info.value.rule == rule and info.value.figures == figures


def test_no_price_is_a_named_rule() -> None:
    book = Book(ContractBook())
    signal = build_signal(AlertFields("buy", "NQ1!", 1), book.contracts, 100)
    with pytest.raises(UnusableSignal) as info:
        book.plan(signal)
    assert info.value.rule == "no_price"
