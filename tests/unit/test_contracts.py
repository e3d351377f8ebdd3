"""The CME Group contract table shipped as data, and every ticker form alerts carry."""

from decimal import Decimal

import pytest

from tmtui.core.contracts import (
    BUILTIN_CONTRACTS,
    BUILTIN_TICK_VALUES,
    ContractBook,
    load_builtin_specs,
)
from tmtui.core.models import UnknownContract
from tmtui.settings.config import ContractOverride

# The roots issue 12 names, by group: the table must hold every one of them.
REQUIRED_ROOTS = {
    "equity index": "ES MES NQ MNQ YM MYM RTY M2K EMD NKD",
    "energy": "CL MCL QM NG QG RB HO BZ",
    "metals": "GC MGC SI SIL HG MHG PL PA",
    "rates": "ZT ZF ZN TN ZB UB SR3",
    "fx": "6E M6E 6J 6B M6B 6A M6A 6C 6S 6N 6M",
    "grains and livestock": "ZC ZS ZW KE ZM ZL ZO LE GF HE",
    "crypto": "BTC MBT ETH MET",
}
ALL_ROOTS = [root for group in REQUIRED_ROOTS.values() for root in group.split()]


@pytest.mark.parametrize("root", ALL_ROOTS)
def test_every_required_root_is_in_the_table(root: str) -> None:
    spec = BUILTIN_CONTRACTS[root]
    assert spec.root == root
    assert spec.tv_symbol.endswith(f":{root}1!")
    assert spec.point_value > 0 and spec.tick_size > 0


@pytest.mark.parametrize("root", sorted(BUILTIN_CONTRACTS))
def test_every_tick_value_is_point_value_times_tick_size(root: str) -> None:
    spec = BUILTIN_CONTRACTS[root]
    assert spec.tick_value == BUILTIN_TICK_VALUES[root]
    assert spec.point_value * spec.tick_size == BUILTIN_TICK_VALUES[root]


def test_the_table_is_exactly_the_required_roots() -> None:
    assert sorted(BUILTIN_CONTRACTS) == sorted(ALL_ROOTS)
    assert len(set(s.tv_symbol for s in BUILTIN_CONTRACTS.values())) == len(ALL_ROOTS)


def test_table_matches_shared_spec() -> None:
    # /work/shared/tradingview.md §4
    shared = {
        "NQ": ("CME_MINI:NQ1!", "20", "0.25", "5.00"),
        "MNQ": ("CME_MINI:MNQ1!", "2", "0.25", "0.50"),
        "ES": ("CME_MINI:ES1!", "50", "0.25", "12.50"),
        "MES": ("CME_MINI:MES1!", "5", "0.25", "1.25"),
        "YM": ("CBOT_MINI:YM1!", "5", "1", "5.00"),
        "MYM": ("CBOT_MINI:MYM1!", "0.5", "1", "0.50"),
        "RTY": ("CME_MINI:RTY1!", "50", "0.1", "5.00"),
        "M2K": ("CME_MINI:M2K1!", "5", "0.1", "0.50"),
        "CL": ("NYMEX:CL1!", "1000", "0.01", "10.00"),
        "MCL": ("NYMEX:MCL1!", "100", "0.01", "1.00"),
        "NG": ("NYMEX:NG1!", "10000", "0.001", "10.00"),
        "GC": ("COMEX:GC1!", "100", "0.1", "10.00"),
        "MGC": ("COMEX_MINI:MGC1!", "10", "0.1", "1.00"),
        "SI": ("COMEX:SI1!", "5000", "0.005", "25.00"),
        "SIL": ("COMEX_MINI:SIL1!", "1000", "0.005", "5.00"),
        "ZB": ("CBOT:ZB1!", "1000", "0.03125", "31.25"),
        "ZN": ("CBOT:ZN1!", "1000", "0.015625", "15.625"),
        "6E": ("CME:6E1!", "125000", "0.00005", "6.25"),
        "M6E": ("CME_MINI:M6E1!", "12500", "0.0001", "1.25"),
    }
    for root, (symbol, point, tick, tick_value) in shared.items():
        spec = BUILTIN_CONTRACTS[root]
        assert (spec.tv_symbol, spec.point_value, spec.tick_size) == (
            symbol,
            Decimal(point),
            Decimal(tick),
        ), root
        assert spec.tick_value == Decimal(tick_value), root


def test_a_mistyped_figure_in_the_data_would_be_caught() -> None:
    specs, stated = load_builtin_specs(
        '[XX]\ntv_symbol = "X:XX1!"\npoint_value = "50"\ntick_size = "0.25"\ntick_value = "12.05"\n'
    )
    assert specs["XX"].point_value * specs["XX"].tick_size != stated["XX"]


def test_the_data_file_names_cme_group_for_every_entry() -> None:
    from importlib import resources

    text = resources.files("tmtui.core").joinpath("contract_specs.toml").read_text()
    assert "CME Group" in text
    headers = [line for line in text.splitlines() if line.startswith("[")]
    assert len(headers) == len(ALL_ROOTS)
    assert all("#" in line and "=" in line for line in headers), "each entry quotes its spec"


def test_the_seed_example_pnl() -> None:
    # BUY 1 NQ @ 25600, last 25650 -> (25650 - 25600) x 1 x 20 = $1,000
    nq = ContractBook().resolve("NQ1!")
    assert (Decimal("25650") - Decimal("25600")) * 1 * nq.point_value == Decimal("1000")


@pytest.mark.parametrize(
    ("ticker", "root"),
    [
        # bare roots
        ("NQ", "NQ"),
        ("ES", "ES"),
        ("SR3", "SR3"),
        ("6M", "6M"),
        # TradingView continuous, with exchange prefixes, delayed ones included
        ("NQ1!", "NQ"),
        ("NQ2!", "NQ"),
        ("CME_MINI:NQ1!", "NQ"),
        ("CME_MINI_DL:NQ1!", "NQ"),
        ("COMEX_DL:GC1!", "GC"),
        ("NYMEX:CL1!", "CL"),
        ("COMEX_MINI:MGC1!", "MGC"),
        ("CME:SR31!", "SR3"),
        ("mnq1!", "MNQ"),
        ("MNQ1!", "MNQ"),
        ("M2K1!", "M2K"),
        ("M6E1!", "M6E"),
        ("MES1!", "MES"),
        # dated, 4-digit years (TradingView's {{ticker}} on a dated chart)
        ("NQZ2025", "NQ"),
        ("MNQZ2025", "MNQ"),
        ("MNQM2026", "MNQ"),
        ("6EZ2025", "6E"),
        ("CME_MINI:ESH2026", "ES"),
        # Rithmic / Tradovate: one- or two-digit years
        ("NQM5", "NQ"),
        ("NQZ5", "NQ"),
        ("MNQZ5", "MNQ"),
        ("ZNH5", "ZN"),
        ("SILZ5", "SIL"),
        ("M2KZ25", "M2K"),
        ("SR3H5", "SR3"),
        ("GFH6", "GF"),
        ("MGCZ25", "MGC"),
        ("METH6", "MET"),
        # NinjaTrader (CrossTrade): ROOT MM-YY
        ("MNQ 06-25", "MNQ"),
        ("NQ 12-24", "NQ"),
        ("ES 03-25", "ES"),
        ("ZW 12-24", "ZW"),
        ("MNQ  06-2025", "MNQ"),
        ("6E 09-25", "6E"),
    ],
)
def test_ticker_forms_map_to_root(ticker: str, root: str) -> None:
    assert ContractBook().resolve(ticker).root == root


@pytest.mark.parametrize("ticker", ["XYZ1!", "CME:XYZZ2025", "QQQ", "MNQ 13-25", "NQ1"])
def test_unknown_tickers_name_the_section_to_add(ticker: str) -> None:
    with pytest.raises(UnknownContract, match=r"\[contracts\.\w+\]"):
        ContractBook().resolve(ticker)


def test_unknown_root_names_the_section_to_add() -> None:
    with pytest.raises(UnknownContract, match=r"\[contracts\.XYZ\]"):
        ContractBook().resolve("CME:XYZ1!")


def test_overrides_and_additions() -> None:
    book = ContractBook(
        {
            "NQ": ContractOverride(point_value=Decimal("21")),
            "XBT": ContractOverride(
                point_value=Decimal("5"), tick_size=Decimal("5"), tv_symbol="CME:XBT1!"
            ),
            "CL": ContractOverride(allow_negative=True),
        }
    )
    assert book.resolve("NQ1!").point_value == 21
    assert book.resolve("NQ1!").tick_size == Decimal("0.25")
    assert book.resolve("XBTZ2025").tv_symbol == "CME:XBT1!"
    assert book.by_tv_symbol("CME:XBT1!") is not None
    assert book.resolve("CL1!").allow_negative


def test_addition_without_spec_is_an_error() -> None:
    with pytest.raises(UnknownContract, match="point_value and tick_size"):
        ContractBook({"XYZ": ContractOverride(tv_symbol="X:XYZ1!")})
