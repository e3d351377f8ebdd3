"""The pure core: signals → positions → P&L, with no I/O, no asyncio and no Textual.

Everything here is plain data and arithmetic, so it can be replayed, property-tested and
reasoned about apart from SQLite, HTTP, websockets and the screen. The rule is enforced by
import-linter contracts in `pyproject.toml`.
"""
