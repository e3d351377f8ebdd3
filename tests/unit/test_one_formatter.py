"""Numbers one way: every price and money figure a person reads is written by core.formatting.

The AST check fails when a module outside `tmtui/core/formatting.py` formats a number with
a format spec of its own (`{x:,.2f}`, `{x:+.2f}`, `{x:.1f}`, `{x:,}`) or writes a Decimal
with `.normalize()` inside an f-string: both bypass the one formatter's rules (tick
decimals, separators, sign, stated places). Specs that are not number formatting (`:g` for a
configured setting, `:02d` in a clock, `:>2`, `:o`, `:04X`) pass.

The typed check asks mypy which f-string values are Decimals: in the pure core, where the
intake's and the risk guard's log lines and messages are written, a bare `{price}` (which
reads `6800` for ES, not `6800.00`) is caught; exact text for the ledger is written `{x!s}`.
"""

from __future__ import annotations

import ast
from decimal import Decimal
from pathlib import Path

import pytest
from mypy import build
from mypy.modulefinder import BuildSource
from mypy.nodes import CallExpr, Expression, MemberExpr, StrExpr
from mypy.options import Options
from mypy.server.subexpr import get_subexpressions
from mypy.types import Instance, Type, UnionType, get_proper_type

from tmtui.core import formatting as f

PACKAGE = Path(f.__file__).resolve().parents[1]
FORMATTER = Path(f.__file__).resolve()
NUMBER_TYPES = ("f", "F", "e", "E")


def _spec_text(node: ast.FormattedValue) -> str:
    spec = node.format_spec
    if not isinstance(spec, ast.JoinedStr):
        return ""
    return "".join(str(v.value) for v in spec.values if isinstance(v, ast.Constant))


def _formats_a_number(node: ast.FormattedValue) -> bool:
    """`{x:,.2f}`, `{x:+.{places}f}`, `{n:,}`: number presentation or separators."""
    spec = node.format_spec
    if not isinstance(spec, ast.JoinedStr):
        return False
    text = _spec_text(node)
    dynamic = any(isinstance(v, ast.FormattedValue) for v in spec.values)
    if "%" in text and not text.endswith("%"):  # a date's strftime spec: not a number
        return False
    percent = text.endswith("%") and text.count("%") == 1
    return "," in text or percent or text.endswith(NUMBER_TYPES) or (dynamic and text[-1:] == "f")


def _normalizes(node: ast.FormattedValue) -> bool:
    return any(
        isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "normalize"
        for n in ast.walk(node.value)
    )


def offenders() -> list[str]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.resolve() == FORMATTER:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FormattedValue) and (
                _formats_a_number(node) or _normalizes(node)
            ):
                where = path.relative_to(PACKAGE.parent)
                found.append(f"{where}:{node.lineno}: {ast.unparse(node)}")
    return found


def test_no_module_formats_numbers_itself() -> None:
    assert offenders() == []


def test_the_check_catches_a_money_format(tmp_path: Path) -> None:
    """The check can fail: a money spec and a normalize in an f-string are both found."""
    tree = ast.parse('x = f"{net:+,.2f} {price.normalize()} {speed:g} {n:02d}"')
    values = [n for n in ast.walk(tree) if isinstance(n, ast.FormattedValue)]
    flagged = [_formats_a_number(v) or _normalizes(v) for v in values]
    assert flagged == [True, True, False, False]


def _is_decimal(typ: Type) -> bool:
    proper = get_proper_type(typ)
    if isinstance(proper, Instance):
        return proper.type.fullname == "decimal.Decimal"
    if isinstance(proper, UnionType):
        return any(_is_decimal(item) for item in proper.items)
    return False


def _bare_value(expr: Expression) -> Expression | None:
    """The value of an f-string field written without spec or conversion (`{price}`).

    mypy reads `f"a {x}"` as `"".join(["a ", "{:{}}".format(x, "")])`; `{x!s}` and
    `{x:.2f}` read otherwise (the latter is the AST check's business).
    """
    if not (isinstance(expr, CallExpr) and isinstance(expr.callee, MemberExpr)):
        return None
    callee = expr.callee
    if callee.name != "format" or not isinstance(callee.expr, StrExpr):
        return None
    if callee.expr.value != "{:{}}" or len(expr.args) != 2:
        return None
    spec = expr.args[1]
    return expr.args[0] if isinstance(spec, StrExpr) and spec.value == "" else None


def bare_decimals(files: list[Path], root: Path = PACKAGE.parent) -> list[str]:
    """`path:line` (from `root`) of every f-string field that drops a Decimal in as it is."""
    options = Options()
    options.export_types = True
    options.incremental = False
    options.preserve_asts = True
    options.ignore_missing_imports = True
    options.follow_imports = "silent"
    sources = [
        BuildSource(str(p), ".".join(p.relative_to(root).with_suffix("").parts)) for p in files
    ]
    result = build.build(sources=sources, options=options)
    found = []
    for source in sources:
        tree = result.graph[source.module].tree
        assert tree is not None
        for expr in get_subexpressions(tree):
            value = _bare_value(expr)
            typ = None if value is None else result.types.get(value)
            if typ is not None and _is_decimal(typ):
                found.append(f"{Path(source.path or '').relative_to(root)}:{expr.line}")
    return found


@pytest.mark.timeout(120)
def test_no_bare_decimal_in_the_core_texts() -> None:
    """Log lines and messages of the intake, the risk rules and the book: no `{price}`."""
    files = [p for p in sorted((PACKAGE / "core").rglob("*.py")) if p.name != "__init__.py"]
    assert bare_decimals(files) == []


def untick_prices(path: Path) -> list[int]:
    """Lines where `price_text` is called without the contract's tick."""
    return [
        node.lineno
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "price_text"
        and len(node.args) + len(node.keywords) < 2
    ]


def test_core_prices_carry_their_tick() -> None:
    """`close ES @ 6800.00`, not `@ 6800`: the core always knows the contract of a price."""
    found = {
        str(p.relative_to(PACKAGE.parent)): lines
        for p in sorted((PACKAGE / "core").rglob("*.py"))
        if p.resolve() != FORMATTER and (lines := untick_prices(p))
    }
    assert found == {}


def test_the_tick_check_can_fail(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text("a = price_text(p)\nb = price_text(p, tick)\n", encoding="utf-8")
    assert untick_prices(probe) == [1]


def test_the_typed_check_catches_a_bare_decimal(tmp_path: Path) -> None:
    """The check can fail: `{price}` is found, `{price_text(price)}` and `{price!s}` pass."""
    module = tmp_path / "probe.py"
    module.write_text(
        "from decimal import Decimal\n"
        "from tmtui.core.formatting import price_text\n"
        "def line(price: Decimal, qty: int) -> str:\n"
        '    return f"close ES @ {price} {qty} {price_text(price)} {price!s}"\n',
        encoding="utf-8",
    )
    assert bare_decimals([module], tmp_path) == ["probe.py:4"]


@pytest.mark.parametrize(
    ("value", "tick", "shown"),
    [
        (Decimal("25598.3125"), Decimal("0.25"), "25598.3125"),  # never truncated
        (Decimal("25597"), Decimal("0.25"), "25597.00"),
        (Decimal("6800"), Decimal("0.25"), "6800.00"),
        (Decimal("70.4"), Decimal("0.01"), "70.40"),
        (Decimal("25598.16666666666666666666667"), Decimal("0.25"), "25598.166667"),
        (None, Decimal("0.25"), "—"),
    ],
)
def test_price_text(value: Decimal | None, tick: Decimal, shown: str) -> None:
    assert f.price_text(value, tick) == shown


def test_average_price_is_rounded_to_the_stated_places() -> None:
    assert f.average_price(Decimal("25598.16666666666666666666667")) == Decimal("25598.166667")
    assert f.average_price(Decimal("25598.3125")) == Decimal("25598.3125")
    assert str(f.average_price(Decimal("6802.50"))) == "6802.5"
    assert str(f.average_price(Decimal("6800.000"))) == "6800"
    assert f.AVERAGE_PLACES == 6


def test_money() -> None:
    assert f.signed_money(Decimal("1234.5")) == "+1,234.50"
    assert f.signed_money(Decimal("-18")) == "-18.00"
    assert f.signed_money(Decimal("-0.001")) == "0.00"
    assert f.signed_money(None) == "—"
    assert f.money_amount(Decimal("1250")) == "1,250.00"
    assert f.whole_amount(Decimal("12500.4")) == "12,500"


def test_commission_reads_as_a_cost() -> None:
    assert f.commission_text(Decimal("4.5")) == "-4.50"
    assert f.commission_text(Decimal(0)) == "0.00"


def test_profit_factor_symbol() -> None:
    assert f.profit_factor_text(None, wins=3) == "∞"
    assert f.profit_factor_text(None, wins=0) == "—"
    assert f.profit_factor_text(Decimal("1.8666"), wins=3) == "1.87"


def test_ratios_and_percent() -> None:
    assert f.percent_text(Decimal("0.58333")) == "58.33%"
    assert f.percent_text(None) == "—"
    assert f.short_percent(Decimal("0.05")) == "5%"
    assert f.signed_ratio(Decimal("1.5")) == "+1.50"
    assert f.signed_ratio(Decimal(0)) == "0.00"


def test_compact_thousands_fits_its_width() -> None:
    assert f.compact_thousands(Decimal("1250"), 9) == "+1,250.00"
    assert f.compact_thousands(Decimal("1250"), 5) == "+1.2k"
    assert f.compact_thousands(Decimal("-12000"), 4) == "-12k"


def test_row_order_ignores_case() -> None:
    names = ["orb", "ORB", "Alpha", "beta"]
    assert sorted(names, key=lambda s: f.row_order(s, "")) == ["Alpha", "beta", "ORB", "orb"]
