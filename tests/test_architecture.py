"""Only the UI (app.py, screens/, widgets/) may import Textual; the pure core imports no I/O."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).parent.parent / "tmtui"
UI = ("app.py", "screens/", "widgets/")
PURE = (
    "models.py",
    "contracts.py",
    "book.py",
    "account.py",
    "signal_rules.py",
    "trading_day.py",
    "views.py",
    "marking.py",
    "alert_parsing.py",
    "events.py",
    "feeds/tv_protocol.py",
)
IO_MODULES = {
    "aiosqlite",
    "sqlite3",
    "aiohttp",
    "httpx",
    "websockets",
    "asyncio",
    "socket",
    "textual",
    "tmtui.ledger",
    "tmtui.engine",
    "tmtui.webhook_listener",
}


def imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_only_the_ui_imports_textual() -> None:
    leaks = []
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel.startswith(UI):
            continue
        if any(n == "textual" or n.startswith("textual.") for n in imports(path)):
            leaks.append(rel)
    assert leaks == []


def test_pure_modules_import_no_io() -> None:
    for rel in PURE:
        path = PACKAGE / rel
        if not path.exists():
            continue
        bad = {n for n in imports(path) if n.split(".")[0] in IO_MODULES or n in IO_MODULES}
        assert not bad, f"{rel} imports {bad}"
