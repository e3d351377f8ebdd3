"""Trade statistics and equity curves against hand-computed cases."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal as D

from hypothesis import given
from hypothesis import strategies as st

from tmtui.core.book.rollups import rollups_of
from tmtui.core.history.history_views import percent, ratio, stats_json
from tmtui.core.history.stats import (
    TradeStats,
    equity_curve,
    max_drawdown,
    stats_of,
    stats_of_rollups,
)
from tmtui.core.models import Side, Trade


def test_a_mixed_record_by_hand() -> None:
    s = stats_of([D(100), D(-50), D(0), D(200), D("-25")])
    assert (s.trades, s.wins, s.losses) == (5, 2, 2)
    assert (s.won, s.lost, s.net) == (D(300), D(-75), D(225))
    assert s.win_rate == D("0.4")
    assert s.profit_factor == D(4)
    assert (s.avg_win, s.avg_loss) == (D(150), D("-37.5"))
    assert s.expectancy == D(45)
    assert (s.largest_win, s.largest_loss) == (D(200), D(-50))
    j = stats_json(s)
    assert j["win_rate"] == D("40.00") and j["profit_factor"] == D("4.00")
    assert j["expectancy"] == D("45.00") and j["net_pnl"] == D("225.00")


def test_uneven_ratios_round_for_people() -> None:
    s = stats_of([D("10.10"), D("20.20"), D("-9.05")])
    assert s.win_rate == D(2) / 3
    assert percent(s.win_rate) == D("66.67")
    assert ratio(s.profit_factor) == D("3.35")  # 30.30 / 9.05 = 3.3480...
    assert s.expectancy == D("21.25") / 3


def test_undefined_ratios_are_none_not_zero() -> None:
    empty = stats_of([])
    assert empty.trades == 0 and empty.net == 0
    assert empty.win_rate is None and empty.profit_factor is None
    assert empty.expectancy is None and empty.avg_win is None and empty.largest_win is None
    winners = stats_of([D(5), D(7)])
    assert winners.profit_factor is None and winners.win_rate == 1 and winners.avg_loss is None
    assert stats_json(winners)["profit_factor"] is None
    losers = stats_of([D(-5)])
    assert losers.profit_factor == 0 and losers.win_rate == 0


def test_equity_curve_and_drawdown_by_hand() -> None:
    days = [date(2026, 3, d) for d in (2, 3, 4, 5, 6)]
    points = equity_curve(zip(days, [D(100), D(-50), D(-80), D(200), D(-10)], strict=True))
    assert [p.equity for p in points] == [D(100), D(50), D(-30), D(170), D(160)]
    assert [p.drawdown for p in points] == [D(0), D(-50), D(-130), D(0), D(-10)]
    assert [p.at for p in points] == days
    assert max_drawdown(points) == D(-130)


def test_a_first_losing_day_is_drawdown_from_the_flat_start() -> None:
    points = equity_curve([(1, D(-20)), (2, D(10))])
    assert [p.drawdown for p in points] == [D(-20), D(-10)]
    assert max_drawdown(points) == D(-20)
    assert max_drawdown([]) == 0
    assert max_drawdown(equity_curve([(1, D(5)), (2, D(5))])) == 0


T0 = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


def _trade(i: int, gross: D, commission: D, hours: int) -> Trade:
    t = Trade(i, "S", "NQ", Side.LONG, T0, qty=1, gross=gross, commission=commission)
    t.exit_time = T0 + timedelta(hours=hours)
    return t


@given(
    st.lists(
        st.tuples(
            st.integers(-5000, 5000), st.sampled_from([0, 125, 250]), st.integers(0, 24 * 20)
        ),
        max_size=40,
    )
)
def test_rollups_give_the_same_counts_and_sums_as_the_trades(
    rows: list[tuple[int, int, int]],
) -> None:
    trades = [_trade(i, D(g) / 4, D(c) / 100, h) for i, (g, c, h) in enumerate(rows)]
    from_trades = stats_of(t.net for t in trades)
    from_rollups = stats_of_rollups(rollups_of([], trades, lambda m: m.date()))
    assert from_rollups == TradeStats(
        from_trades.trades, from_trades.wins, from_trades.losses, from_trades.won, from_trades.lost
    )
    assert from_rollups.net == sum((t.net for t in trades), D(0))
