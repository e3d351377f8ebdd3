"""TradingView Strategy Tester exports: every round trip's net equals its Net P&L column."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal as D
from pathlib import Path

import pytest
from helpers import alert, make_config
from tv_files import (
    CLOSED_LATER,
    LEGS,
    OPEN_ENTRY,
    OPEN_ROW,
    ROUND_TRIPS,
    tv_net,
    write_new,
    write_old,
    write_xlsx,
)

from tmtui.core.backtest.tv_fills import read_fills
from tmtui.core.contracts import ContractBook
from tmtui.core.history.history_views import TradeFilter
from tmtui.core.history.import_plan import ImportRefused
from tmtui.core.history.tv_export import read_rows, symbol_from_filename
from tmtui.core.models import TmtuiError
from tmtui.core.trading_day import zone
from tmtui.ledger.store import Ledger
from tmtui.readside.backtest_import import BacktestExists
from tmtui.readside.importer import ImportOptions, ImportResult, import_file
from tmtui.readside.queries import Queries
from tmtui.runtime.engine import Engine
from tmtui.services.book_restore import verify
from tmtui.settings.config import Config

pytestmark = pytest.mark.timeout(60)
NY = ImportOptions(strategy="ORB backtest", symbol="MNQ1!", timezone="America/New_York")


def tv_config(tmp_path: Path, commission: str = "0.62") -> Config:
    return replace(make_config(tmp_path), commissions={"MNQ": D(commission)})


async def run_import(config: Config, path: Path, options: ImportOptions = NY) -> ImportResult:
    async with await Ledger.open(config.ledger.resolved_path()) as ledger:
        return await import_file(ledger, config, path, options)


async def closed_trades(config: Config) -> list[tuple[D, datetime | None]]:
    async with await Ledger.open(config.ledger.resolved_path()) as ledger:
        trades = await ledger.trades(source="backtest")
        assert await ledger.trades() == []  # a backtest is never live
    return [(t.net, t.exit_time) for t in trades]


def assert_matches_tradingview(nets: list[D]) -> None:
    assert nets == [tv_net(numbers) for numbers in ROUND_TRIPS]


async def test_current_csv_layout_matches_net_pnl(tmp_path: Path) -> None:
    config = tv_config(tmp_path)
    path = write_new(tmp_path / "orb.csv", [*LEGS, OPEN_ENTRY, OPEN_ROW])
    result = await run_import(config, path)
    # 18 closed rows are 17 fills (#2 and #3 exit as one order); the open #10 is none
    assert (result.format, result.added, result.trades) == ("tradingview", 17, 7)
    assert result.checked == 7 and result.mismatches == []
    trades = await closed_trades(config)
    assert_matches_tradingview([net for net, _ in trades])
    # spot checks by hand: the pyramid and the partial exits
    assert trades[1][0] == D("38.76") + D("57.52") and trades[5][0] == D("14.76") - D("42.48")
    # New York 10:00 is 15:00 UTC in January
    assert trades[0][1] == datetime(2026, 1, 5, 15, 0, tzinfo=UTC)
    async with await Ledger.open(config.ledger.resolved_path()) as ledger:
        assert await verify(ledger, config) == []
        q = Queries(ledger, config)
        assert await q.open_positions() == []  # the backtest's open trade is not live
        (summary,) = await q.strategies()
        assert summary.imported and summary.sources == ("tradingview",)
        assert summary.stats.trades == 9  # TradingView's closed trades #1-#9, one per lot
        # the short across the roll closes on Tuesday 6 January
        tuesday = await q.trades(TradeFilter(date(2026, 1, 6), date(2026, 1, 6)))
        assert [t.net for t in tuesday] == [tv_net([9])]
        assert await q.calendar_days(date(2026, 1, 1), date(2026, 1, 31)) == []  # live: none
        days = await q.calendar_days(date(2026, 1, 1), date(2026, 1, 31), source="backtest")
        # commissions count on the day they are charged: #9's entry is 0.62 on Monday
        assert [d.net_pnl for d in days] == [
            sum((tv_net(n) for n in ROUND_TRIPS[:-1]), D(0)) - D("0.62"),
            tv_net([9]) + D("0.62"),
        ]


async def test_older_layout_newest_first_with_symbol_from_the_file_name(tmp_path: Path) -> None:
    config = tv_config(tmp_path)
    path = write_old(tmp_path / "ORB_CME_MINI_MNQ1!_2026-01-07.csv", LEGS)
    options = ImportOptions(strategy="ORB backtest", timezone="America/New_York")
    result = await run_import(config, path, options)
    assert result.checked == 7 and result.mismatches == []
    assert_matches_tradingview([net for net, _ in await closed_trades(config)])
    again = await run_import(config, path, options)
    assert (again.added, again.duplicates, again.trades) == (0, 17, 0)
    other = write_new(tmp_path / "same.csv", LEGS)
    with pytest.raises(BacktestExists, match="already has a backtest .* pass --replace"):
        await run_import(config, other, NY)
    replaced = await run_import(config, other, replace(NY, replace=True))
    assert (replaced.added, replaced.checked, replaced.mismatches) == (17, 7, [])
    assert len(await closed_trades(config)) == 7


async def test_xlsx_report(tmp_path: Path) -> None:
    config = tv_config(tmp_path)
    result = await run_import(config, write_xlsx(tmp_path / "report.xlsx", LEGS))
    assert result.checked == 7 and result.mismatches == []
    assert_matches_tradingview([net for net, _ in await closed_trades(config)])


async def test_an_open_trade_closes_in_a_later_export(tmp_path: Path) -> None:
    config = tv_config(tmp_path)
    await run_import(config, write_new(tmp_path / "a.csv", [*LEGS, OPEN_ENTRY, OPEN_ROW]))
    later = await run_import(
        config,
        write_new(tmp_path / "b.csv", [*LEGS, OPEN_ENTRY, CLOSED_LATER]),
        replace(NY, replace=True),
    )
    # the newer export replaces the backtest: the trade open before is closed in it
    assert (later.added, later.duplicates, later.checked, later.mismatches) == (19, 0, 8, [])
    nets = [net for net, _ in await closed_trades(config)]
    assert nets[-1] == D("18.76")


async def test_a_different_commission_is_reported_not_hidden(tmp_path: Path) -> None:
    config = tv_config(tmp_path, commission="0.50")
    result = await run_import(config, write_new(tmp_path / "orb.csv", LEGS))
    assert result.checked == 7 and len(result.mismatches) == 7
    assert "round trip 1 (TradingView #1): net 20.00, TradingView 19.76" in result.mismatches[0]


async def test_bad_rows_refuse_the_whole_file_with_line_numbers(tmp_path: Path) -> None:
    config = tv_config(tmp_path)
    path = write_new(tmp_path / "bad.csv", LEGS)
    lines = path.read_text().splitlines()
    lines[2] = lines[2].replace("Exit long", "Exit sideways")
    lines[5] = lines[5].replace("21005.00", "21O05.00")
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ImportRefused) as refused:
        await run_import(config, path)
    assert refused.value.problems[0].startswith("line 3: type 'exit sideways'")
    assert refused.value.problems[1].startswith("line 6: price")
    assert "nothing imported" in str(refused.value)
    async with await Ledger.open(config.ledger.resolved_path()) as ledger:
        assert await ledger.count_signals() == 0


async def test_an_exit_without_its_entry_is_refused(tmp_path: Path) -> None:
    config = tv_config(tmp_path)
    with pytest.raises(ImportRefused, match="line 2: Exit long 1 while the file holds nothing"):
        await run_import(config, write_new(tmp_path / "x.csv", LEGS[1:]))


async def test_a_live_position_of_that_strategy_stays_apart_from_its_backtest(
    tmp_path: Path,
) -> None:
    config = tv_config(tmp_path)
    engine = Engine(config, await Ledger.open(config.ledger.resolved_path()))
    await engine.start()
    when = datetime(2026, 1, 2, 15, 0, tzinfo=UTC)
    await engine.submit_alert(
        alert("buy", "MNQ1!", 1, "21000", strategy="ORB backtest", received=when)
    )
    await engine.stop()
    result = await run_import(config, write_new(tmp_path / "orb.csv", LEGS))
    assert result.checked == 7 and result.mismatches == []
    async with await Ledger.open(config.ledger.resolved_path()) as ledger:
        (live,) = await Queries(ledger, config).open_positions()
    assert (live.strategy, live.qty, live.avg_price) == ("ORB backtest", 1, D("21000"))


async def test_strategy_and_symbol_are_required(tmp_path: Path) -> None:
    config = tv_config(tmp_path)
    path = write_new(tmp_path / "no_symbol_here.csv", LEGS)
    with pytest.raises(TmtuiError, match="--strategy"):
        await run_import(config, path, ImportOptions(symbol="MNQ1!"))
    with pytest.raises(TmtuiError, match="pass --symbol"):
        await run_import(config, path, ImportOptions(strategy="X"))


def test_tradingview_order_within_one_time() -> None:
    legs = [leg for leg in LEGS if leg.trade in (4, 5, 6)]
    header = ["Trade #", "Type", "Date/Time", "Signal", "Price USD", "Contracts", "Profit USD"]
    rows = [
        (i, [str(g.trade), g.type, g.time, g.signal, g.price, str(g.qty), g.net])
        for i, g in enumerate(reversed(legs), 2)
    ]
    fills = read_fills(read_rows(header, rows, zone("America/New_York"), "t"), "t").fills
    assert [(f.trades[0], f.entry) for f in fills] == [
        (4, True),
        (4, False),  # 13:30: the reversal's exit first ...
        (5, True),  # ... then the opposite entry
        (5, False),
        (6, True),  # 14:30: a same-bar round trip, entry then exit
        (6, False),
    ]


def test_symbol_from_the_file_name() -> None:
    contracts = ContractBook()
    assert symbol_from_filename("My_ORB_CME_MINI_MNQ1!_2026-01-03.csv", contracts) == (
        "MNQ",
        "MNQ1!",
    )
    assert symbol_from_filename("ES_trend_CME_MINI_NQZ2025_2026-01-03.csv", contracts) == (
        "NQ",
        "NQZ2025",
    )
    assert symbol_from_filename("strategy_2026-01-03.csv", contracts) is None
