"""The layers are import-linter contracts in `pyproject.toml`; this runs them with the tests.

`make test` and `make lint` also run `lint-imports`; keeping a test here means a plain
`pytest` run cannot pass with a broken architecture either.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]


def test_import_contracts_hold() -> None:
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    if exe is None:
        pytest.fail("lint-imports is not installed: pip install -e '.[test]'")
    result = subprocess.run(
        [exe, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "BROKEN" not in result.stdout


def test_the_ui_reaches_the_engine_only_through_its_narrow_interface() -> None:
    """Screens and widgets use `core.engine_api.EngineApi` (snapshot, commands, queries),
    never the engine's ledger, book or internals."""
    import ast

    sources = sorted((ROOT / "tmtui" / "ui").rglob("*.py"))
    reached = []
    for path in sources:
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Attribute)
                and node.attr in ("ledger", "book", "state", "sampler", "intake", "series")
                and "engine" in ast.unparse(node.value)
            ):
                reached.append(f"{path.name}:{node.lineno}: {ast.unparse(node)}")
    assert reached == []


def test_the_package_shows_its_layers() -> None:
    """`ls tmtui` reads like the layer table: packages, and at most four modules beside them."""
    top = ROOT / "tmtui"
    modules = sorted(p.name for p in top.glob("*.py"))
    packages = sorted(p.name for p in top.iterdir() if (p / "__init__.py").exists())
    assert len(modules) <= 4, modules
    assert packages == [
        "cli",
        "core",
        "frontends",
        "ledger",
        "readside",
        "runtime",
        "services",
        "settings",
        "ui",
    ]


MODULE_LINES, CLASS_LINES = 500, 310
"""The style guide's "no module over ~500 lines, no class over ~300": about, so a class of
302 lines whose every method belongs to it is not split for two lines; 310 is the edge."""


def test_no_module_over_500_lines_and_no_class_over_300() -> None:
    import ast

    too_long = []
    for path in sorted((ROOT / "tmtui").rglob("*.py")):
        text = path.read_text()
        if text.count("\n") > MODULE_LINES:
            too_long.append(f"{path.relative_to(ROOT)}: {text.count(chr(10))} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ClassDef) and node.end_lineno is not None:
                size = node.end_lineno - node.lineno + 1
                if size > CLASS_LINES:
                    too_long.append(f"{path.relative_to(ROOT)}: class {node.name} {size} lines")
    assert too_long == []


def test_tests_are_filed_by_kind_and_share_only_the_harness() -> None:
    """Every test module sits in its kind's folder, and none imports another test module:
    shared pieces live in the harness (tests/helpers.py, tests/ui_harness.py, conftest.py)."""
    import ast

    tests = ROOT / "tests"
    modules = sorted(tests.rglob("test_*.py"))
    misplaced = [
        str(p.relative_to(tests))
        for p in modules
        if p.parent.name not in ("unit", "integration", "ui", "e2e") or p.parent.parent != tests
    ]
    assert misplaced == []
    crossing = []
    for path in modules:
        for node in ast.walk(ast.parse(path.read_text())):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            crossing += [f"{path.name}: {n}" for n in names if n.split(".")[0].startswith("test_")]
    assert crossing == []


def test_every_line_of_sql_is_in_the_ledger_package() -> None:
    """The read side asks the ledger package; nothing else writes SQL of its own."""
    import re

    sql = re.compile(r"\b(SELECT|INSERT INTO|DELETE FROM|UPDATE \w+ SET|CREATE TABLE)\b")
    outside = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in sorted((ROOT / "tmtui").rglob("*.py"))
        if "ledger" not in path.relative_to(ROOT / "tmtui").parts[:1]
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if sql.search(line)
    ]
    assert outside == []
