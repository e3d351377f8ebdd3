"""Errors a user makes get one clear line on stderr and a non-zero exit, never a traceback."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from helpers import free_port

from tmtui.core.keymap import DEFAULT_KEYS
from tmtui.core.models import ConfigError
from tmtui.settings.config import config_from_dict

pytestmark = pytest.mark.timeout(60)


def tmtui(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tmtui", *args], capture_output=True, text=True, timeout=30
    )


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert lines[0].startswith("error: ")
    return lines[0]


def config(tmp_path: Path, text: str) -> str:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return str(path)


def test_signal_with_an_unknown_action(tmp_path: Path) -> None:
    result = tmtui("signal", "hold", "NQ1!", "1", "--config", config(tmp_path, ""))
    assert result.returncode == 2 and result.stdout == ""
    assert "unknown action 'hold'" in one_line(result)


def test_signal_with_nothing_listening_names_where_run_listens(tmp_path: Path) -> None:
    port = free_port()
    cfg = config(tmp_path, f'[listener]\nport = {port}\n[ledger]\npath = "{tmp_path / "l.db"}"\n')
    result = tmtui("signal", "buy", "NQ1!", "1", "--price", "25600", "--config", cfg)
    assert result.returncode == 1 and result.stdout == ""
    line = one_line(result)
    assert f"is `tmtui run` running? it listens on http://127.0.0.1:{port}/webhook" in line


@pytest.mark.parametrize("command", [["positions", "--json"], ["report"], ["run", "--headless"]])
def test_a_ledger_path_that_cannot_be_created(tmp_path: Path, command: list[str]) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    cfg = config(tmp_path, f'[ledger]\npath = "{blocker / "ledger.db"}"\n[listener]\nport = 0\n')
    result = tmtui(*command, "--config", cfg)
    assert result.returncode == 1 and result.stdout == ""
    line = one_line(result)
    assert str(blocker / "ledger.db") in line and f"{blocker} is a file, not a directory" in line


def test_a_ledger_that_is_not_a_database(tmp_path: Path) -> None:
    ledger = tmp_path / "ledger.db"
    ledger.write_bytes(b"this is a text file, not SQLite " * 64)
    cfg = config(tmp_path, f'[ledger]\npath = "{ledger}"\n')
    result = tmtui("positions", "--config", cfg)
    assert result.returncode == 1
    line = one_line(result)
    assert f"cannot open the ledger {ledger}" in line and "not a database" in line


def test_config_errors_print_brackets_literally(tmp_path: Path) -> None:
    result = tmtui("positions", "--config", config(tmp_path, "[listner]\nport = 1\n"))
    assert result.returncode == 2
    assert "unknown section [listner]" in one_line(result)


@pytest.mark.parametrize(
    ("keymap", "message"),
    [
        ('close_postion = "x"', "'close_postion' is not a binding id"),
        ('close_position = "e"', "key 'e' is bound to both close_position and toggle_strategy"),
        ('buy = "q"', "key 'q' is bound to both quit and buy"),
        ('cursor_down = "j,k"', "key 'k' is bound to both cursor_down and cursor_up"),
        ('sell = ""', "sell names no key"),
    ],
)
def test_bad_keymap_entries_are_errors_at_start(keymap: str, message: str) -> None:
    with pytest.raises(ConfigError, match=r"\[keymap\] ") as error:
        config_from_dict(tomllib.loads(f"[keymap]\n{keymap}\n"))
    assert message in str(error.value)


def test_keymap_swaps_and_other_screens_keys_are_fine() -> None:
    swapped = config_from_dict(
        tomllib.loads('[keymap]\nclose_position = "e"\ntoggle_strategy = "c"\nconfirm = "c"\n')
    )
    assert swapped.keymap["close_position"] == "e"


def test_bad_keymap_stops_run_with_one_line(tmp_path: Path) -> None:
    result = tmtui("run", "--headless", "--config", config(tmp_path, '[keymap]\nbuy = "q"\n'))
    assert result.returncode == 2
    assert "[keymap] key 'q' is bound to both quit and buy" in one_line(result)


def test_the_keymap_table_matches_the_bindings() -> None:
    """Every id the config accepts is bound on its screen with the documented default."""
    from textual.binding import Binding

    from tmtui.core.keymap import CALENDAR, CHART, DASHBOARD, RECONCILE, STRATEGIES, TRADES
    from tmtui.ui.app import TmtuiApp
    from tmtui.ui.screens.confirm import ConfirmScreen
    from tmtui.ui.screens.dashboard import DashboardScreen
    from tmtui.ui.screens.help import HelpScreen
    from tmtui.ui.screens.order_form import OrderScreen
    from tmtui.ui.screens.orders_view import OrdersScreen
    from tmtui.ui.screens.pnl_calendar import PnlCalendarScreen
    from tmtui.ui.screens.pnl_chart import PnlChartScreen
    from tmtui.ui.screens.quit_confirm import QuitScreen
    from tmtui.ui.screens.reconcile import ReconcileScreen
    from tmtui.ui.screens.strategies import StrategiesScreen
    from tmtui.ui.screens.strategy_board import StrategyBoardScreen
    from tmtui.ui.screens.strategy_switch import SwitchScreen
    from tmtui.ui.screens.trades import TradesScreen
    from tmtui.ui.screens.webhook_setup import WebhookSetupScreen

    screens = {
        DASHBOARD: (*TmtuiApp.BINDINGS, *DashboardScreen.BINDINGS),
        "the close dialog": ConfirmScreen.BINDINGS,
        "the quit dialog": QuitScreen.BINDINGS,
        "the order form": OrderScreen.BINDINGS,
        "the help": HelpScreen.BINDINGS,
        "the strategy list": StrategiesScreen.BINDINGS,
        "the switch question": SwitchScreen.BINDINGS,
        "the webhook set-up": WebhookSetupScreen.BINDINGS,
        "the orders view": OrdersScreen.BINDINGS,
        TRADES: (*TmtuiApp.BINDINGS, *TradesScreen.keymap_bindings()),
        STRATEGIES: (*TmtuiApp.BINDINGS, *StrategyBoardScreen.keymap_bindings()),
        CALENDAR: (*TmtuiApp.BINDINGS, *PnlCalendarScreen.keymap_bindings()),
        CHART: (*TmtuiApp.BINDINGS, *PnlChartScreen.keymap_bindings()),
        RECONCILE: (*TmtuiApp.BINDINGS, *ReconcileScreen.keymap_bindings()),
    }
    assert set(screens) == set(DEFAULT_KEYS)
    for scope, bindings in screens.items():
        bound = {b.id: b.key for b in bindings if isinstance(b, Binding) and b.id}
        assert bound == DEFAULT_KEYS[scope], scope
