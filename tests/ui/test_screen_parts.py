"""The screen's pure parts: columns that fit, panel heights, fixed-place header, status
priorities, signed charts, the engine's change log, log colors and the alert template."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal as D

import pytest
from rich.text import Text

from tmtui.core.alerts.alert_setup import alert_message, masked, tunnel_commands
from tmtui.core.book.changes import ChangeLog
from tmtui.core.events import Event, EventKind
from tmtui.core.views import AccountView, PositionView
from tmtui.ui.screens.coalesce import Coalescer
from tmtui.ui.screens.confirm import CloseRequest, ConfirmScreen
from tmtui.ui.screens.trading_actions import destinations
from tmtui.ui.widgets.event_log import event_text
from tmtui.ui.widgets.figure_style import GAIN, LOSS
from tmtui.ui.widgets.panel_heights import plan_heights
from tmtui.ui.widgets.position_columns import COLUMNS, content_widths, fit_columns
from tmtui.ui.widgets.signed_plot import DOWN, UP, ZERO, DotGrid, Scale, Series, plot, resample
from tmtui.ui.widgets.status_line import Segment, fit
from tmtui.ui.widgets.totals_bar import account_fields, lay_out

REQUIRED = ("strategy", "symbol", "side", "qty", "avg", "last", "open_pnl")
OPTIONAL = ("trade_dd", "runup", "in_trade", "stale")


def widths(strategy: int) -> dict[str, int]:
    found = content_widths([])
    found["strategy"] = strategy
    return found


@pytest.mark.parametrize("terminal", [80, 100, 120, 160, 200])
def test_required_columns_always_fit_and_optional_ones_come_in_order(terminal: int) -> None:
    available = terminal - 2 - 1  # panel border and scrollbar
    for strategy in (3, 12, 25, 40):
        layout = fit_columns(available, widths(strategy))
        keys = layout.keys
        assert keys[: len(REQUIRED)] == REQUIRED
        assert keys[len(REQUIRED) :] == OPTIONAL[: len(keys) - len(REQUIRED)]
        assert sum(w + 2 for _, w in layout.widths) <= available
        assert layout.width_of("strategy") == min(max(strategy, 8), 25) or terminal == 80


def test_strategy_column_takes_what_it_needs_up_to_the_cap() -> None:
    assert fit_columns(200, widths(3)).width_of("strategy") == len("Strategy")
    assert fit_columns(200, widths(18)).width_of("strategy") == 18
    assert fit_columns(200, widths(40)).width_of("strategy") == 25
    assert fit_columns(200, widths(18)).keys == tuple(c.key for c in COLUMNS)


def test_at_80_columns_open_pnl_shows_and_long_names_shrink() -> None:
    layout = fit_columns(77, widths(29))
    assert "open_pnl" in layout.keys
    assert 6 <= layout.width_of("strategy") < 25


@pytest.mark.parametrize(("height", "rows"), [(20, 0), (20, 6), (20, 40), (42, 3), (57, 12)])
def test_panels_share_height_and_positions_get_at_least_four_rows(height: int, rows: int) -> None:
    h = plan_heights(height, rows)
    assert h.positions + h.charts + h.log == height
    assert h.positions - 3 >= min(max(rows, 4), 4)
    assert h.charts >= 5 and h.log >= 4


def test_positions_grow_with_open_positions_until_the_others_are_at_their_minimum() -> None:
    assert plan_heights(42, 3).positions == 7
    assert plan_heights(42, 10).positions == 13
    assert plan_heights(42, 100).positions == 42 - 5 - 4


def account(total: str, trades: int = 3) -> AccountView:
    t = D(total)
    return AccountView(date(2025, 3, 4), t, D(0), t, t, D(0), D("-250"), D("-10"), trades)


def label_columns(text: Text) -> dict[str, tuple[int, int]]:
    places = {}
    for row, line in enumerate(text.plain.split("\n")):
        for label in ("Realized", "Open P&L", "Total", "Max DD", "Trades"):
            if label in line:
                places[label] = (row, line.index(label))
    return places


@pytest.mark.parametrize("width", [76, 96, 156])
def test_header_figures_keep_fixed_places_and_wrap_instead_of_cutting(width: int) -> None:
    small = lay_out(account_fields(account("5"), {}), width)
    large = lay_out(account_fields(account("-123456.78", 12), {}), width)
    assert label_columns(small) == label_columns(large)
    assert len(label_columns(small)) == 5
    assert all(len(line) <= width for line in large.plain.split("\n"))
    assert ("\n" in small.plain) == (width < 90)


def test_status_line_shortens_then_drops_the_least_important_parts() -> None:
    parts = [
        Segment(Text("Feed live · quote 0.3s old"), Text("Feed live 0.3s"), droppable=False),
        Segment(Text("Alerts http://127.0.0.1:8787/webhook"), Text("Alerts :8787")),
        Segment(Text("Errors 2"), droppable=False),
        Segment(Text("Ledger /home/trader/data/ledger.db"), Text("Ledger …/ledger.db")),
    ]
    assert "Ledger /home" in fit(parts, 200).plain
    assert fit(parts, 90).plain.endswith("Ledger …/ledger.db")
    narrow = fit(parts, 45).plain
    assert narrow.startswith("Feed live") and "Errors 2" in narrow and "Ledger" not in narrow
    assert "Feed live 0.3s" in fit(parts, 30).plain


def owners(lines: int, series: list[float], width: int = 10) -> DotGrid:
    from tmtui.ui.widgets import signed_plot

    grid = DotGrid(width, lines)
    scale = Scale.of([Series(series)])
    zero = scale.row(0.0, lines * 4)
    for x in range(width * 2):
        grid.set(x, zero, ZERO)
    signed_plot._draw_line(grid, Series(series), scale, zero)
    return grid


def test_a_losing_position_draws_below_the_zero_line_in_red() -> None:
    grid = owners(4, [-10.0, -40.0, -70.0])
    zero = Scale.of([Series([-70.0])]).row(0.0, 16)
    assert zero == 0  # all below zero: zero is the top line
    below = {grid.owner[y][x] for y in range(1, 16) for x in range(20)} - {0}
    assert below == {DOWN}
    lines = plot([Series([-10.0, -40.0, -70.0], up_style="g", down_style="r")], 20, 4)
    assert lines[0].plain.strip().startswith("0") and lines[-1].plain.strip().startswith("-70")
    assert {span.style for line in lines[1:] for span in line.spans} >= {"r"}


def test_a_winner_draws_above_and_a_flat_series_is_a_flat_line() -> None:
    grid = owners(4, [10.0, 40.0, 70.0])
    assert {grid.owner[y][x] for y in range(0, 15) for x in range(20)} - {0} == {UP}
    flat = owners(4, [50.0] * 30)
    top_row = [x for x in range(20) if flat.owner[0][x] == UP]
    assert len(top_row) == 20  # one line at +50 across the width
    assert all(flat.owner[y][x] != UP for y in range(1, 16) for x in range(20))


def test_the_scale_always_includes_zero_and_never_collapses() -> None:
    assert Scale.of([Series([100.0, 120.0])]) == Scale(0.0, 120.0)
    assert Scale.of([Series([0.0, 0.0])]) == Scale(-1.0, 1.0)
    assert Scale.of([Series([]), Series([-5.0])]) == Scale(-5.0, 0.0)


def test_resample_keeps_spikes_and_stretches_short_series() -> None:
    long = [0.0] * 50 + [99.0] + [0.0] * 49
    assert max(high for _, high, _ in resample(long, 10)) == 99.0
    assert [last for *_, last in resample([0.0, 10.0], 3)] == [0.0, 5.0, 10.0]


def test_change_log_tells_which_positions_moved_and_forgets_closed_ones() -> None:
    log, calls = ChangeLog(), []
    log.watch(lambda: calls.append(1))
    seen = log.version
    log.touch([("ORB", "NQ"), ("T", "ES")])
    assert sorted(log.changed_since(seen)) == [("ORB", "NQ"), ("T", "ES")]
    seen = log.version
    log.touch([("T", "ES")])
    assert log.changed_since(seen) == [("T", "ES")] and log.structure_version < log.version
    log.filled(("ORB", "NQ"), still_open=False)
    assert log.structure_version == log.version and ("ORB", "NQ") not in log.changed_since(0)
    assert len(calls) == 3


def styles_of(text: Text) -> set[str]:
    return {str(span.style) for span in text.spans}


def test_log_lines_read_by_meaning() -> None:
    now = datetime(2025, 3, 4, 15, 30, tzinfo=UTC)
    win = Event(EventKind.ALERT_ACCEPTED, "close NQ → flat, P&L +120.00", now, {"pnl": "120"})
    loss = Event(EventKind.ALERT_ACCEPTED, "close NQ → flat, P&L -70.00", now, {"pnl": "-70"})
    entry = Event(EventKind.ALERT_ACCEPTED, "buy 1 NQ → long 1", now, {"change": "opened"})
    manual = Event(EventKind.MANUAL_CLOSE, "close NQ → flat", now, {"pnl": "5"})
    assert any(GAIN in s for s in styles_of(event_text(win, "UTC")))
    assert any(LOSS in s for s in styles_of(event_text(loss, "UTC")))
    assert styles_of(event_text(entry, "UTC")) == {"dim"}  # only the time is styled
    assert " manual " in event_text(manual, "UTC").plain
    rejected = event_text(Event(EventKind.ALERT_REJECTED, "alert rejected", now), "UTC")
    assert any("#ff8787" in s for s in styles_of(rejected))


def test_alert_message_is_valid_json_with_quoted_placeholders() -> None:
    message = json.loads(alert_message("s3cret", "My ORB"))
    assert message["secret"] == "s3cret" and message["strategy"] == "My ORB"
    assert message["action"] == "{{strategy.order.action}}"
    assert json.loads(alert_message("", "X"))["secret"] == "PASTE-YOUR-SECRET"
    assert "s3cret" not in masked("s3cret") and "6 characters" in masked("s3cret")
    assert dict(tunnel_commands(9000)) == {
        "cloudflared": "cloudflared tunnel --url http://127.0.0.1:9000",
        "ngrok": "ngrok http 9000",
    }


def test_coalescer_runs_at_once_after_quiet_then_at_most_once_per_interval() -> None:
    now = [100.0]
    scheduled: list[tuple[float, Callable[[], None]]] = []
    runs: list[float] = []
    c = Coalescer(
        lambda: runs.append(now[0]), lambda d, f: scheduled.append((d, f)), 0.2, lambda: now[0]
    )
    c.poke()
    assert [d for d, _ in scheduled] == [0.0]  # a lone quote: the next loop turn
    for _ in range(50):
        c.poke()  # a burst before it ran: still one run scheduled
    assert len(scheduled) == 1
    scheduled.pop()[1]()
    now[0] += 0.05
    c.poke()
    assert scheduled[-1][0] == pytest.approx(0.15)  # inside the window: wait for its end
    now[0] += 0.15
    scheduled.pop()[1]()
    assert runs == [100.0, 100.2] and c.runs == 2
    now[0] += 5
    c.poke()
    assert scheduled[-1][0] == 0.0


def test_room_a_drop_frees_goes_back_to_the_first_segments() -> None:
    parts = [
        Segment(Text("Feed live · quote 0.3s old"), Text("Feed live 0.3s"), droppable=False),
        Segment(Text("Alerts :8787 last 09:30"), Text("Alerts :8787")),
        Segment(Text("Rejected 0 · Errors 0"), Text("Rej 0 Err 0"), droppable=False),
        Segment(Text("Ledger /a/very/long/path/to/the/ledger.db")),
    ]
    line = fit(parts, 70).plain
    assert line == "Feed live · quote 0.3s old │ Alerts :8787 last 09:30 │ Rej 0 Err 0"
    assert fit(parts, 80).plain.endswith("│ Rejected 0 · Errors 0")


def _held(strategy: str) -> PositionView:
    now = datetime(2026, 3, 18, 15, 0, tzinfo=UTC)
    return PositionView(
        strategy, "NQ", "long", 1, D(25600), D(25600), D(0), D(0), D(0), False, now, 1, None
    )


def test_the_flatten_dialog_lists_positions_in_the_tables_order() -> None:
    """One row order everywhere: ignoring case, as the positions table and the CLI do."""
    request = CloseRequest("Flatten", tuple(_held(s) for s in ("orb", "beta", "ORB", "Alpha")))
    rows = ConfirmScreen(request, None).rows  # type: ignore[arg-type]
    assert [row.key[0] for row in rows] == ["Alpha", "beta", "ORB", "orb"]


def test_a_flattens_destinations_are_in_row_order() -> None:
    class Routes:
        def destination(self, strategy: str) -> str:
            return "books only (paper)" if strategy.islower() else "→ TradersPost (tp)"

    views = tuple(_held(s) for s in ("orb", "beta", "Alpha"))
    lines = destinations(Routes(), views)  # type: ignore[arg-type]
    assert [line.split(":")[0] for line in lines] == ["Alpha", "beta", "orb"]
