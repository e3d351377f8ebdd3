from decimal import Decimal

import pytest

from tmtui.config import ContractOverride
from tmtui.core.contracts import BUILTIN_CONTRACTS, ContractBook
from tmtui.core.models import UnknownContract


@pytest.mark.parametrize(
    ("ticker", "root"),
    [
        ("NQ", "NQ"),
        ("NQ1!", "NQ"),
        ("NQ2!", "NQ"),
        ("NQZ2025", "NQ"),
        ("NQZ5", "NQ"),
        ("CME_MINI:NQ1!", "NQ"),
        ("CME_MINI_DL:NQ1!", "NQ"),
        ("MNQ1!", "MNQ"),
        ("MNQZ2025", "MNQ"),
        ("MNQZ5", "MNQ"),
        ("mnq1!", "MNQ"),
        ("MNQM2026", "MNQ"),
        ("ZNH5", "ZN"),
        ("SILZ5", "SIL"),
        ("M2K1!", "M2K"),
        ("M2KZ25", "M2K"),
        ("6EZ2025", "6E"),
        ("M6E1!", "M6E"),
        ("ES", "ES"),
        ("MES1!", "MES"),
        ("NYMEX:CL1!", "CL"),
        ("COMEX_MINI:MGC1!", "MGC"),
    ],
)
def test_ticker_forms_map_to_root(ticker: str, root: str) -> None:
    assert ContractBook().resolve(ticker).root == root


def test_table_matches_shared_spec() -> None:
    nq = BUILTIN_CONTRACTS["NQ"]
    assert (nq.tv_symbol, nq.point_value, nq.tick_size) == ("CME_MINI:NQ1!", 20, Decimal("0.25"))
    assert BUILTIN_CONTRACTS["ZB"].tick_value == Decimal("31.25")
    assert BUILTIN_CONTRACTS["ZN"].tick_value == Decimal("15.625")
    assert BUILTIN_CONTRACTS["6E"].tick_value == Decimal("6.25")
    assert BUILTIN_CONTRACTS["MYM"].point_value == Decimal("0.5")
    assert len(BUILTIN_CONTRACTS) == 19


def test_unknown_root_names_the_section_to_add() -> None:
    with pytest.raises(UnknownContract, match=r"\[contracts\.BTC\]"):
        ContractBook().resolve("CME:BTC1!")


def test_overrides_and_additions() -> None:
    book = ContractBook(
        {
            "NQ": ContractOverride(point_value=Decimal("21")),
            "BTC": ContractOverride(
                point_value=Decimal("5"), tick_size=Decimal("5"), tv_symbol="CME:BTC1!"
            ),
            "CL": ContractOverride(allow_negative=True),
        }
    )
    assert book.resolve("NQ1!").point_value == 21
    assert book.resolve("NQ1!").tick_size == Decimal("0.25")
    assert book.resolve("BTCZ2025").tv_symbol == "CME:BTC1!"
    assert book.by_tv_symbol("CME:BTC1!") is not None
    assert book.resolve("CL1!").allow_negative


def test_addition_without_spec_is_an_error() -> None:
    with pytest.raises(UnknownContract, match="point_value and tick_size"):
        ContractBook({"XYZ": ContractOverride(tv_symbol="X:XYZ1!")})
