import tomllib
from decimal import Decimal
from pathlib import Path

import pytest

from tmtui.core.models import ConfigError
from tmtui.settings.config import (
    Config,
    config_from_dict,
    example_config_text,
    find_config_path,
    load_config,
)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def test_defaults_need_no_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("TMTUI_CONFIG", raising=False)
    monkeypatch.setattr("tmtui.settings.config.default_config_path", lambda: tmp_path / "none.toml")
    config = load_config()
    assert config == Config()
    assert config.listener.max_qty == 100
    assert config.session.day_start == "17:00"


def test_discovery_order(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TMTUI_CONFIG", str(tmp_path / "env.toml"))
    assert find_config_path(tmp_path / "flag.toml") == tmp_path / "flag.toml"
    assert find_config_path() == tmp_path / "env.toml"
    monkeypatch.delenv("TMTUI_CONFIG")
    assert find_config_path().name == "config.toml"


def test_explicit_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "missing.toml")


def test_example_documents_every_key() -> None:
    text = example_config_text()
    config = config_from_dict(tomllib.loads(text))
    assert config.listener == Config().listener
    import dataclasses

    for section in ("listener", "feed", "ledger", "session", "strategies", "ui"):
        for f in dataclasses.fields(getattr(Config(), section)):
            assert f"{f.name} =" in text, f"{section}.{f.name} missing from the example"
    for key in ("point_value", "tick_size", "tv_symbol", "allow_negative"):
        assert key in text


def test_unknown_key_names_key_and_file(tmp_path: Path) -> None:
    path = write(tmp_path, "[listener]\nprot = 80\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert "listener.prot" in str(info.value) and str(path) in str(info.value)


def test_unknown_section(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"unknown section \[listner\]"):
        load_config(write(tmp_path, "[listner]\nport = 80\n"))


def test_wrong_type_names_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="listener.port must be a whole number"):
        load_config(write(tmp_path, '[listener]\nport = "80"\n'))
    with pytest.raises(ConfigError, match="listener.trust_forwarded must be true or false"):
        load_config(write(tmp_path, "[listener]\ntrust_forwarded = 1\n"))
    with pytest.raises(ConfigError, match="strategies.disabled must be a list"):
        load_config(write(tmp_path, '[strategies]\ndisabled = "ORB"\n'))


def test_numbers_take_ints_or_floats(tmp_path: Path) -> None:
    config = load_config(
        write(
            tmp_path,
            (
                "[feed]\npoll_interval = 2\nstale_after = 7.5\n[listener]\nport = 9000.0\n"
                "[commissions]\ndefault = 2\nMNQ = 0.62\n[contracts.NQ]\npoint_value = 20.0\n"
            ),
        )
    )
    assert config.feed.poll_interval == 2.0
    assert config.listener.port == 9000
    assert config.commission_for("MNQ") == Decimal("0.62")
    assert config.commission_for("ES") == Decimal("2")
    assert config.contracts["NQ"].point_value == Decimal("20.0")


def test_fractional_int_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="listener.max_qty must be a whole number"):
        load_config(write(tmp_path, "[listener]\nmax_qty = 2.5\n"))


def test_value_checks(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="feed.source must be one of"):
        load_config(write(tmp_path, '[feed]\nsource = "bloomberg"\n'))
    with pytest.raises(ConfigError, match="session.timezone"):
        load_config(write(tmp_path, '[session]\ntimezone = "Mars/Olympus"\n'))
    with pytest.raises(ConfigError, match="session.day_start"):
        load_config(write(tmp_path, '[session]\nday_start = "5pm"\n'))
    with pytest.raises(ConfigError, match="commissions.default must be >= 0"):
        load_config(write(tmp_path, "[commissions]\ndefault = -1\n"))


def test_invalid_toml(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(write(tmp_path, "[listener\n"))


def test_secret_with_spaces_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="listener.secret must not start or end with spaces"):
        load_config(write(tmp_path, '[listener]\nsecret = " abc"\n'))


def test_example_documents_every_risk_key() -> None:
    from tmtui.core.risk.risk_limits import ProfitLock, RiskLimits, TrailingDrawdown

    text = example_config_text()
    assert config_from_dict(tomllib.loads(text)).risk == RiskLimits()
    import dataclasses

    for cls in (RiskLimits, TrailingDrawdown, ProfitLock):
        for f in dataclasses.fields(cls):
            if f.name not in ("strategies", "trailing_drawdown"):
                assert f"{f.name} =" in text, f"risk {f.name} missing from the example"
    # The commented example is itself valid once uncommented.
    import re

    setting = re.compile(r"^# (\[[\w.]+\]$|\w+ = )")
    lines = [line[2:] if setting.match(line) else line for line in text.splitlines()]
    start = lines.index("[risk]")
    end = next(i for i, line in enumerate(lines) if line.startswith("# Contract specs"))
    risk = config_from_dict(tomllib.loads("\n".join(lines[start:end])))
    assert risk.risk.daily_loss_limit == Decimal(1000)
    assert risk.risk.trailing_drawdown is not None
    assert risk.risk.trailing_drawdown.lock_at == Decimal(50000)
    assert risk.risk.strategies["ORB"].max_position == {"NQ": 1}


def test_risk_section_reads_every_shape(tmp_path: Path) -> None:
    from datetime import date, time

    from tmtui.core.risk.risk_limits import Amount, Unit

    config = load_config(
        write(
            tmp_path,
            "[risk]\ndaily_loss_limit = 1000.5\nmax_position = { nq = 2 }\n"
            'flatten_at = "15:55"\nstop_loss = "$250"\n'
            'profit_lock = { after = "10 points", lock = "2 points" }\n'
            '[risk.trailing_drawdown]\namount = 2000\nmode = "intraday"\n'
            "starting_balance = 50000\nsince = 2026-01-05\n"
            '[risk.strategies.ORB]\ntrailing_stop = "12 ticks"\n',
        )
    )
    risk = config.risk
    assert risk.daily_loss_limit == Decimal("1000.5")
    assert risk.max_position == {"NQ": 2}
    assert risk.flatten_at == time(15, 55)
    assert risk.stop_loss == Amount(Decimal(250), Unit.DOLLARS)
    assert risk.trailing_drawdown is not None and risk.trailing_drawdown.since == date(2026, 1, 5)
    stops = risk.stops_for("ORB")
    assert stops.trailing_stop == Amount(Decimal(12), Unit.TICKS)
    assert stops.stop_loss == risk.stop_loss


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("[risk]\nstop_loss = 40\n", "risk.stop_loss must be a string"),
        ('[risk]\nstop_loss = "40 bananas"\n', "risk.stop_loss: expected an amount"),
        ('[risk]\nflatten_at = "25:00"\n', "risk.flatten_at: expected HH:MM"),
        ("[risk]\nmax_position = { XX = 2 }\n", "risk.max_position.XX: unknown contract root"),
        ("[risk]\nmax_position = { NQ = 0 }\n", "risk.max_position.NQ must be >= 1"),
        ("[risk]\ndaily_loss_limit = -5\n", "risk.daily_loss_limit must be > 0"),
        ("[risk]\ndailyloss = 3\n", "unknown key risk.dailyloss"),
        ("[risk.trailing_drawdown]\namount = 2000\n", "starting_balance must be > 0"),
        (
            '[risk.trailing_drawdown]\namount = 2\nstarting_balance = 9\nmode = "daily"\n',
            "mode must be one of eod, intraday",
        ),
        (
            "[risk.trailing_drawdown]\namount = 2000\nstarting_balance = 50000\nlock_at = 48000\n",
            "lock_at must be above starting_balance - amount",
        ),
        (
            '[risk.strategies.A]\nprofit_lock = { after = "4 ticks", lock = "4 ticks" }\n',
            "risk.strategies.A.profit_lock.lock must be below",
        ),
        (
            '[risk.strategies.A]\nstop_loss = "0 ticks"\n',
            "risk.strategies.A.stop_loss must be > 0",
        ),
    ],
)
def test_bad_risk_values_name_the_key(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        load_config(write(tmp_path, body))


def test_keep_event_days_must_not_be_negative(tmp_path: Path) -> None:
    assert (
        load_config(write(tmp_path, "[ledger]\nkeep_event_days = 7\n")).ledger.keep_event_days == 7
    )
    with pytest.raises(ConfigError, match="keep_event_days must be >= 0"):
        load_config(write(tmp_path, "[ledger]\nkeep_event_days = -1\n"))


def test_default_qty_and_its_per_strategy_overrides() -> None:
    config = config_from_dict(
        {"strategies": {"default_qty": 2, "default_qty_by_strategy": {"ORB": 3, "My Trend": 1}}}
    )
    assert config.strategies.default_qty_for("ORB") == 3
    assert config.strategies.default_qty_for("My Trend") == 1
    assert config.strategies.default_qty_for("other") == 2
    assert Config().strategies.default_qty_for("any") == 1


@pytest.mark.parametrize(
    ("strategies", "message"),
    [
        ({"default_qty": 0}, "strategies.default_qty must be >= 1"),
        ({"default_qty_by_strategy": {"ORB": 0}}, "default_qty_by_strategy.ORB must be >= 1"),
        ({"default_qty_by_strategy": {"ORB": 1.5}}, "whole number"),
        ({"default_qty_by_strategy": ["ORB"]}, "must be a table"),
    ],
)
def test_default_qty_checks(strategies: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        config_from_dict({"strategies": strategies})
