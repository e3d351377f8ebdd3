"""A local TradingView scanner (`POST /futures/scan`) that answers like the real one.

Validates the body shape, answers `{"totalCount": N, "data": [{"s": ..., "d": [...]}]}` with
`d` in the order of `columns`, silently leaves out unknown tickers, answers 400 with
`Unknown field` for a column the futures scanner does not have (bid, ask, lp), and can be
scripted to fail the next requests (a burst of 429s or 500s) or to answer slowly. Every
request is recorded with its arrival time.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from aiohttp import web

SCAN_PATH = "/futures/scan"
KNOWN_COLUMNS = frozenset({"close", "change", "change_abs", "update_mode", "name", "description"})


@dataclass(frozen=True)
class ScanRequest:
    at: float
    body: Any

    @property
    def tickers(self) -> list[str]:
        return list(self.body["symbols"]["tickers"])


def _json(value: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    text = json.dumps(value, default=lambda d: float(d) if isinstance(d, Decimal) else str(d))
    return web.Response(text=text, status=status, content_type="application/json", headers=headers)


class FakeScannerServer:
    """Run with `async with FakeScannerServer(prices) as server:`; POST to `server.url`."""

    def __init__(
        self,
        prices: dict[str, Decimal] | None = None,
        *,
        update_mode: str = "streaming",
        unknown_columns: frozenset[str] = frozenset(),
    ) -> None:
        self.prices: dict[str, Decimal] = dict(prices or {})
        self.update_mode = update_mode
        self.unknown_columns = unknown_columns
        self.requests: list[ScanRequest] = []
        self.delay = 0.0
        self._script: list[tuple[int, dict[str, str]]] = []
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{SCAN_PATH}"

    def fail_next(self, *statuses: int, retry_after: float | None = None) -> None:
        """Answer the next requests with these statuses (e.g. 429, 429, 500), then normally."""
        headers = {"Retry-After": f"{retry_after:g}"} if retry_after is not None else {}
        self._script.extend((status, headers) for status in statuses)

    async def __aenter__(self) -> FakeScannerServer:
        app = web.Application()
        app.router.add_post(SCAN_PATH, self._scan)
        self._runner = web.AppRunner(app, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _scan(self, request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except ValueError:
            body = None
        self.requests.append(ScanRequest(time.monotonic(), body))
        if self.delay:
            await asyncio.sleep(self.delay)
        if self._script:
            status, headers = self._script.pop(0)
            return _json({"error": f"scripted {status}"}, status, headers)
        problem = _shape_problem(body)
        if problem:
            return _json({"totalCount": 0, "error": problem, "data": None}, 400)
        columns: list[str] = body["columns"]
        for column in columns:
            if column not in KNOWN_COLUMNS or column in self.unknown_columns:
                return _json(
                    {"totalCount": 0, "error": f'Unknown field "{column}"', "data": None}, 400
                )
        data = [
            {"s": ticker, "d": [self._value(ticker, c) for c in columns]}
            for ticker in body["symbols"]["tickers"]
            if ticker in self.prices
        ]
        return _json({"totalCount": len(data), "data": data})

    def _value(self, ticker: str, column: str) -> Any:
        if column == "close":
            return self.prices[ticker]
        if column == "update_mode":
            return self.update_mode
        if column in ("name", "description"):
            return ticker.split(":")[-1]
        return 0


def _shape_problem(body: Any) -> str:
    """What is wrong with a scan body, or '' if it has the shape the real scanner needs."""
    if not isinstance(body, dict):
        return "body is not a JSON object"
    symbols = body.get("symbols")
    if not isinstance(symbols, dict):
        return "symbols must be an object"
    tickers = symbols.get("tickers")
    if not isinstance(tickers, list) or not all(isinstance(t, str) for t in tickers):
        return "symbols.tickers must be a list of strings"
    query = symbols.get("query")
    if not isinstance(query, dict) or not isinstance(query.get("types"), list):
        return "symbols.query.types must be a list"
    columns = body.get("columns")
    if not isinstance(columns, list) or not columns or not all(isinstance(c, str) for c in columns):
        return "columns must be a non-empty list of strings"
    return ""
