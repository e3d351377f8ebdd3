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

ROOT = Path(__file__).parent.parent


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

    sources = [ROOT / "tmtui" / "app.py"]
    for package in ("screens", "widgets"):
        sources += sorted((ROOT / "tmtui" / package).glob("*.py"))
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
