"""`tmtui import` of webhook-shaped alerts: the same figures as the alerts sent live."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest
from helpers import make_config
from ledger_support import ledger_signals

from tmtui.core.alerts.alert_parsing import check_alert_fields, idempotency_key, read_alert_fields
from tmtui.core.history.import_plan import ImportRefused
from tmtui.core.models import IncomingAlert
from tmtui.ledger.store import Ledger
from tmtui.readside.exports import Exporter, write_json
from tmtui.readside.importer import ImportOptions, ImportResult, import_file
from tmtui.readside.queries import Queries
from tmtui.runtime.engine import Engine
from tmtui.services.book_restore import verify
from tmtui.settings.config import Config

pytestmark = pytest.mark.timeout(60)
T0 = datetime(2026, 3, 5, 14, 30, tzinfo=UTC)


def alerts() -> list[dict[str, Any]]:
    """Three strategies over two trading days: pyramiding, a partial exit, a reversal by
    position_size, a close without price (refused) left out, a close with nothing open."""
    rows: list[tuple[str, str, int | None, str, str, int | str | None]] = [
        ("buy", "NQ1!", 1, "25600", "ORB", None),
        ("buy", "NQ1!", 2, "25610.25", "ORB", None),
        ("sell", "NQ1!", 1, "25620", "ORB", None),
        ("buy", "CME_MINI:ES1!", 3, "6800", "Trend", None),
        ("sell", "ES1!", 5, "6790.25", "Trend", -2),
        ("close", "NQ1!", None, "25590.5", "ORB", 0),
        ("close", "CL1!", None, "70.10", "Fade", None),  # nothing open: ignored, as live
        ("sell", "CL1!", 2, "70.50", "Fade", None),
        ("sell", "CL1!", None, "70.40", "Fade", "flat"),  # exits a long only: ignored
        ("buy", "CL1!", 2, "70.25", "Fade", None),
        ("buy", "6E1!", 1, "1.08755", "Fade", None),
    ]
    out = []
    for i, (action, ticker, qty, price, strategy, size) in enumerate(rows):
        body: dict[str, Any] = {
            "action": action,
            "ticker": ticker,
            "contracts": qty,
            "price": price,
            "strategy": strategy,
            "time": (T0 + timedelta(hours=3 * i)).isoformat().replace("+00:00", "Z"),
            "secret": "s3cret",
        }
        if size == "flat":
            body["sentiment"] = "flat"
        elif size is not None:
            body["position_size"] = size
        out.append({k: v for k, v in body.items() if v is not None})
    return out


def lines(items: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(a) + "\n" for a in items)


def with_costs(tmp_path: Path, name: str) -> Config:
    config = make_config(tmp_path / name)
    return replace(config, commissions={"default": D("1.25"), "CL": D("2.10")})


async def send_live(config: Config, items: list[dict[str, Any]]) -> None:
    """The listener's path: the same parsing of the same body, received at its time."""
    engine = Engine(config, await Ledger.open(config.ledger.resolved_path()))
    await engine.start()
    for a in items:
        body = json.dumps(a).encode()
        fields = check_alert_fields(read_alert_fields(body))
        when = datetime.fromisoformat(a["time"])
        incoming = IncomingAlert(
            replace(fields, secret=None), body.decode(), "127.0.0.1", when,
            idempotency_key(fields, body),
        )  # fmt: skip
        await engine.submit_alert(incoming)
    await engine.stop()


async def run_import(config: Config, path: Path, **options: Any) -> ImportResult:
    async with await Ledger.open(config.ledger.resolved_path()) as ledger:
        return await import_file(ledger, config, path, ImportOptions(**options))


async def figures(config: Config) -> dict[str, Any]:
    async with await Ledger.open(config.ledger.resolved_path()) as ledger:
        q = Queries(ledger, config)
        trades = [
            (t.trade_id, t.strategy, t.root, t.side, t.qty, t.entry_price, t.exit_price,
             t.gross, t.commission, t.entry_time, t.exit_time)
            for t in await ledger.trades()
        ]  # fmt: skip
        fills = [
            (f.strategy, f.root, f.qty, f.price, f.time, f.commission, f.realized, f.trade_id)
            for f in await ledger.fills()
        ]
        positions = [
            (p.strategy, p.symbol, p.side, p.qty, p.avg_price) for p in await q.open_positions()
        ]
        summaries = [
            (s.strategy, s.realized_all, s.stats, s.max_drawdown) for s in await q.strategies()
        ]
        return {
            "trades": trades,
            "fills": fills,
            "rollups": await ledger.rollups(),
            "positions": positions,
            "strategies": summaries,
            "verify": await verify(ledger, config),
        }


async def test_jsonl_import_reproduces_the_live_figures(tmp_path: Path) -> None:
    live, imported = with_costs(tmp_path, "live"), with_costs(tmp_path, "imported")
    items = alerts()
    await send_live(live, items)
    path = tmp_path / "alerts.jsonl"
    path.write_text(lines(items))
    result = await run_import(imported, path)
    assert (result.format, result.added, result.ignored, result.duplicates) == ("jsonl", 9, 2, 0)
    assert result.trades == 3
    want, got = await figures(live), await figures(imported)
    assert got == want
    assert got["verify"] == [] and len(got["trades"]) == 3 and got["positions"]
    async with await Ledger.open(imported.ledger.resolved_path()) as ledger:
        stored = await ledger_signals(ledger)
        assert all("s3cret" not in (s["raw"] or "") for s in stored)
        assert {s["source"] for s in stored} == {"import"}
        assert {s["outcome"] for s in stored} == {"accepted", "ignored"}


async def test_importing_twice_or_after_live_adds_nothing(tmp_path: Path) -> None:
    config = with_costs(tmp_path, "l")
    items = alerts()
    await send_live(config, items)
    path = tmp_path / "alerts.jsonl"
    path.write_text(lines(items))
    before = await figures(config)
    result = await run_import(config, path)
    assert (result.added, result.duplicates) == (0, 11)
    assert await figures(config) == before
    fresh = with_costs(tmp_path, "f")
    await run_import(fresh, path)
    again = await run_import(fresh, path)
    assert (again.added, again.duplicates) == (0, 11)


async def test_lines_apply_in_time_order(tmp_path: Path) -> None:
    ordered, shuffled = with_costs(tmp_path, "o"), with_costs(tmp_path, "s")
    items = alerts()
    (tmp_path / "a.jsonl").write_text(lines(items))
    (tmp_path / "b.jsonl").write_text("\n" + lines(items[5:] + items[:5]) + "\n\n")
    await run_import(ordered, tmp_path / "a.jsonl")
    await run_import(shuffled, tmp_path / "b.jsonl")
    a, b = await figures(ordered), await figures(shuffled)
    assert a["trades"] == b["trades"] and a["rollups"] == b["rollups"]


async def test_bad_lines_refuse_everything_with_their_numbers(tmp_path: Path) -> None:
    config = with_costs(tmp_path, "b")
    items = alerts()
    text = lines(items).splitlines()
    text[1] = text[1].replace('"contracts": 2', '"contracts": 2.5')
    text[3] = text[3].replace("ES1!", "ZZ1!")
    text[6] = json.dumps({k: v for k, v in items[6].items() if k != "time"})
    text.insert(8, "buy 1 NQ1! @ 25600")
    (tmp_path / "bad.jsonl").write_text("\n".join(text) + "\n")
    with pytest.raises(ImportRefused) as refused:
        await run_import(config, tmp_path / "bad.jsonl")
    problems = refused.value.problems
    assert [p.split(":")[0] for p in problems] == ["line 2", "line 4", "line 7", "line 9"]
    assert "whole number" in problems[0] and "unknown contract 'CME_MINI:ZZ1!'" in problems[1]
    assert "no time" in problems[2] and "JSON object" in problems[3]
    async with await Ledger.open(config.ledger.resolved_path()) as ledger:
        assert await ledger.count_signals() == 0


async def test_a_close_without_price_has_nothing_to_fill_at(tmp_path: Path) -> None:
    config = with_costs(tmp_path, "p")
    items = [alerts()[0], {**alerts()[5], "price": None}]
    (tmp_path / "p.jsonl").write_text(lines(items))
    with pytest.raises(ImportRefused, match="line 2: cannot close NQ .* without a price"):
        await run_import(config, tmp_path / "p.jsonl")


async def test_times_without_offset_need_a_zone(tmp_path: Path) -> None:
    config = with_costs(tmp_path, "z")
    item = {**alerts()[0], "time": "2026-03-05 09:30"}
    (tmp_path / "z.jsonl").write_text(lines([item]))
    with pytest.raises(ImportRefused, match="no UTC offset"):
        await run_import(config, tmp_path / "z.jsonl")
    await run_import(config, tmp_path / "z.jsonl", timezone="America/New_York")
    async with await Ledger.open(config.ledger.resolved_path()) as ledger:
        (fill,) = await ledger.fills()
    assert fill.time == datetime(2026, 3, 5, 14, 30, tzinfo=UTC)


async def test_history_may_not_slip_in_before_recorded_fills(tmp_path: Path) -> None:
    config = with_costs(tmp_path, "h")
    items = alerts()
    (tmp_path / "late.jsonl").write_text(lines(items[3:]))
    await run_import(config, tmp_path / "late.jsonl")
    (tmp_path / "early.jsonl").write_text(lines(items[:3]))
    await run_import(config, tmp_path / "early.jsonl")  # ORB has no fills yet: fine
    early_trend = {**items[3], "time": "2026-03-01T10:00:00Z", "contracts": 1}
    (tmp_path / "older.jsonl").write_text(lines([early_trend]))
    with pytest.raises(ImportRefused, match="line 1: Trend ES already has fills up to"):
        await run_import(config, tmp_path / "older.jsonl")


async def test_a_signals_export_imports_into_an_empty_ledger(tmp_path: Path) -> None:
    live, copy = with_costs(tmp_path, "live"), with_costs(tmp_path, "copy")
    items = alerts()
    await send_live(live, items)
    exported = tmp_path / "signals.json"
    async with await Ledger.open(live.ledger.resolved_path()) as ledger:
        with exported.open("w") as out:
            await write_json(Exporter(ledger, live, None, None).records("signals"), out)
    result = await run_import(copy, exported)
    assert result.added == 9 and result.skipped == 2  # the ignored ones stay history
    want, got = await figures(live), await figures(copy)
    assert got["trades"] == want["trades"] and got["rollups"] == want["rollups"]
    assert got["positions"] == want["positions"]
    back = await run_import(live, exported)  # into the ledger it came from: nothing new
    assert back.added == 0 and back.duplicates == 9
