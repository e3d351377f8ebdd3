"""Configuration: TOML read with tomllib into frozen dataclasses, strictly.

Every key has a default, so no file is needed. Unknown keys and wrong types are errors
that name the key and the file, so a typo never silently falls back to a default.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
import types
import typing
from dataclasses import dataclass, field
from datetime import date, time
from datetime import datetime as datetime_type
from decimal import Decimal
from pathlib import Path
from typing import Any, get_type_hints

import platformdirs

from tmtui.core.contracts import ContractBook, ContractOverride
from tmtui.core.models import ConfigError, UnknownContract
from tmtui.core.orders.routing import Routing
from tmtui.core.risk.risk_limits import Amount, RiskLimits, limit_errors
from tmtui.settings.routes import routing_from_config

APP_NAME = "tmtui"
ENV_VAR = "TMTUI_CONFIG"


@dataclass(frozen=True)
class ListenerConfig:
    host: str = "127.0.0.1"
    port: int = 8787
    path: str = "/webhook"
    secret: str = ""
    allow_ips: tuple[str, ...] = ()
    trust_forwarded: bool = False
    max_body_bytes: int = 65536
    rate_limit_per_min: int = 60
    max_qty: int = 100
    price_band: Decimal = Decimal("0.10")
    """A fraction of the mark (0.10 is 10%; 0 is off): alert prices farther away are refused."""


@dataclass(frozen=True)
class FeedConfig:
    source: str = "tradingview-ws"
    ws_url: str = "wss://data.tradingview.com/socket.io/websocket?from=chart&type=chart"
    scanner_url: str = "https://scanner.tradingview.com/futures/scan"
    auth_token: str = ""
    poll_interval: float = 1.0
    stale_after: float = 15.0
    replay_file: str = ""
    replay_speed: float = 1.0
    mark: str = "last"
    watchlist: tuple[str, ...] = ()


MAX_WRITE_BUDGET_S = 2.5
"""TradingView gives up after 3 s; the reply needs some of that time too."""


@dataclass(frozen=True)
class LedgerConfig:
    path: str = ""
    backup_dir: str = ""
    backups_kept: int = 7
    write_budget: float = 2.0
    keep_event_days: int = 90

    def resolved_path(self) -> Path:
        if self.path:
            return Path(self.path).expanduser()
        return Path(platformdirs.user_data_dir(APP_NAME)) / "ledger.db"

    def resolved_backup_dir(self) -> Path:
        """`backup_dir`, else a `backups` folder next to the ledger."""
        if self.backup_dir:
            return Path(self.backup_dir).expanduser()
        return self.resolved_path().parent / "backups"


@dataclass(frozen=True)
class SessionConfig:
    timezone: str = "America/Chicago"
    day_start: str = "17:00"
    roll_weekends: bool = True


@dataclass(frozen=True)
class StrategiesConfig:
    disabled: tuple[str, ...] = ()
    default_qty: int = 1
    default_qty_by_strategy: dict[str, int] = field(default_factory=dict)

    def default_qty_for(self, strategy: str) -> int:
        """Contracts for an entry whose alert gives none: the strategy's own, else default_qty."""
        return self.default_qty_by_strategy.get(strategy, self.default_qty)


@dataclass(frozen=True)
class UIConfig:
    refresh: float = 1.0
    max_log_lines: int = 2000
    sparkline_points: int = 120
    order_price_band: Decimal = Decimal("0.2")
    """Percent of the mark: a manual order or close farther from it is asked again."""


@dataclass(frozen=True)
class Config:
    listener: ListenerConfig = field(default_factory=ListenerConfig)
    feed: FeedConfig = field(default_factory=FeedConfig)
    ledger: LedgerConfig = field(default_factory=LedgerConfig)
    session: SessionConfig = field(default_factory=SessionConfig)
    strategies: StrategiesConfig = field(default_factory=StrategiesConfig)
    ui: UIConfig = field(default_factory=UIConfig)
    commissions: dict[str, Decimal] = field(default_factory=dict)
    contracts: dict[str, ContractOverride] = field(default_factory=dict)
    keymap: dict[str, str] = field(default_factory=dict)
    risk: RiskLimits = field(default_factory=RiskLimits)
    routing: Routing = field(default_factory=Routing)
    """`[routing]` and `[routes.NAME]`: where each strategy's orders go (paper: nowhere)."""
    source: Path | None = None

    def commission_for(self, root: str) -> Decimal:
        """Commission per side per contract: the root's own, else `default`, else zero."""
        return self.commissions.get(root, self.commissions.get("default", Decimal(0)))


FEED_SOURCES = ("tradingview-ws", "tradingview-scanner", "replay")
MARK_MODES = ("last", "mid", "bid_ask")


def default_config_path() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"


def find_config_path(explicit: str | Path | None = None) -> Path:
    """`--config PATH` beats `TMTUI_CONFIG`, which beats the user config dir."""
    if explicit:
        return Path(explicit).expanduser()
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser()
    return default_config_path()


def load_config(explicit: str | Path | None = None) -> Config:
    """Load the config; a missing file is fine only when no path was asked for explicitly."""
    path = find_config_path(explicit)
    if not path.exists():
        if explicit or os.environ.get(ENV_VAR):
            raise ConfigError(f"config file {path} does not exist")
        return Config()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from exc
    return config_from_dict(data, path)


def config_from_dict(data: dict[str, Any], path: Path | None = None) -> Config:
    where = str(path) if path else "<config>"
    known = {f.name for f in dataclasses.fields(Config)} - {"source"} | {"routes"}
    for key in data:
        if key not in known:
            raise ConfigError(
                f"{where}: unknown section [{key}] (known: {', '.join(sorted(known))})"
            )
    kwargs: dict[str, Any] = {"source": path}
    hints = get_type_hints(Config)
    for name in ("listener", "feed", "ledger", "session", "strategies", "ui", "risk"):
        if name in data:
            kwargs[name] = _build(hints[name], _table(data[name], name, where), name, where)
    if "risk" in data:
        kwargs["risk"] = _upper_roots(kwargs["risk"])
    if "commissions" in data:
        kwargs["commissions"] = {
            k: _coerce(Decimal, v, f"commissions.{k}", where)
            for k, v in _table(data["commissions"], "commissions", where).items()
        }
        for key, value in kwargs["commissions"].items():
            if value < 0:
                raise ConfigError(f"{where}: commissions.{key} must be >= 0, got {value}")
    if "contracts" in data:
        kwargs["contracts"] = {
            root.upper(): _build(
                ContractOverride,
                _table(spec, f"contracts.{root}", where),
                f"contracts.{root}",
                where,
            )
            for root, spec in _table(data["contracts"], "contracts", where).items()
        }
    if "keymap" in data:
        kwargs["keymap"] = {
            k: _coerce(str, v, f"keymap.{k}", where)
            for k, v in _table(data["keymap"], "keymap", where).items()
        }
    if "routing" in data or "routes" in data:
        kwargs["routing"] = routing_from_config(data, where=where)
    config = Config(**kwargs)
    _check_values(config, where)
    return config


def _table(value: Any, name: str, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: [{name}] must be a table, got {type(value).__name__}")
    return value


def _build(cls: Any, table: dict[str, Any], section: str, where: str) -> Any:
    hints = get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    kwargs = {}
    for key, value in table.items():
        if key not in names:
            raise ConfigError(
                f"{where}: unknown key {section}.{key} (known: {', '.join(sorted(names))})"
            )
        kwargs[key] = _coerce(hints[key], value, f"{section}.{key}", where)
    return cls(**kwargs)


def _coerce(tp: Any, value: Any, key: str, where: str) -> Any:
    """Check one TOML value against a field type; ints and floats are interchangeable."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return _coerce(args[0], value, key, where)
    if origin is dict:
        inner = typing.get_args(tp)[1]
        table = _table(value, key, where)
        return {k: _coerce(inner, v, f"{key}.{k}", where) for k, v in table.items()}
    if origin is tuple:
        if not isinstance(value, list):
            raise ConfigError(f"{where}: {key} must be a list, got {_tname(value)}")
        inner = typing.get_args(tp)[0]
        return tuple(_coerce(inner, v, f"{key}[{i}]", where) for i, v in enumerate(value))
    if tp is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: {key} must be true or false, got {_tname(value)}")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{where}: {key} must be a whole number, got {_tname(value)}")
        if isinstance(value, float) and not value.is_integer():
            raise ConfigError(f"{where}: {key} must be a whole number, got {value}")
        return int(value)
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{where}: {key} must be a number, got {_tname(value)}")
        return float(value)
    if tp is Decimal:
        if isinstance(value, str):
            try:
                return _finite(Decimal(value), key, where)
            except ArithmeticError:
                raise ConfigError(f"{where}: {key} must be a number, got {value!r}") from None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{where}: {key} must be a number, got {_tname(value)}")
        return _finite(Decimal(str(value)), key, where)
    if tp is str:
        if not isinstance(value, str):
            raise ConfigError(f"{where}: {key} must be a string, got {_tname(value)}")
        return value
    return _coerce_rich(tp, value, key, where)


def _coerce_rich(tp: Any, value: Any, key: str, where: str) -> Any:
    """Tables, nested sections, amounts, clock times and dates (used by `[risk]`)."""
    if typing.get_origin(tp) is dict:
        inner = typing.get_args(tp)[1]
        table = _table(value, key, where)
        return {k: _coerce(inner, v, f"{key}.{k}", where) for k, v in table.items()}
    if tp is Amount:
        return _parsed(Amount.parse, value, key, where, ' like "40 ticks"')
    if tp is time:
        from tmtui.core.trading_day import parse_day_start

        return _parsed(parse_day_start, value, key, where, ' like "15:55"')
    if tp is date:
        if isinstance(value, date) and not isinstance(value, datetime_type):
            return value
        return _parsed(date.fromisoformat, value, key, where)
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        return _build(tp, _table(value, key, where), key, where)
    raise ConfigError(f"{where}: {key}: unsupported value {value!r}")  # pragma: no cover


def _parsed(parse: Any, value: Any, key: str, where: str, example: str = "") -> Any:
    """A value written as text and read by `parse`, whose ValueError names what it wants."""
    if not isinstance(value, str):
        raise ConfigError(f"{where}: {key} must be a string{example}, got {_tname(value)}")
    try:
        return parse(value)
    except ValueError as exc:
        raise ConfigError(f"{where}: {key}: {exc}") from None


def _upper_roots(risk: RiskLimits) -> RiskLimits:
    """Contract roots in `max_position` tables compare upper-case, as `[contracts]` do."""

    def upper(scope: Any) -> Any:
        roots = {k.upper(): v for k, v in scope.max_position.items()}
        return dataclasses.replace(scope, max_position=roots)

    strategies = {name: upper(s) for name, s in risk.strategies.items()}
    return typing.cast(RiskLimits, dataclasses.replace(upper(risk), strategies=strategies))


def _finite(value: Decimal, key: str, where: str) -> Decimal:
    if not value.is_finite():
        raise ConfigError(f"{where}: {key} must be a finite number, got {value}")
    return value


def _tname(value: Any) -> str:
    return {
        str: "a string",
        bool: "a boolean",
        int: "an integer",
        float: "a float",
        list: "a list",
        dict: "a table",
    }.get(type(value), type(value).__name__)


def _check_values(config: Config, where: str) -> None:
    """Range checks that types alone cannot express."""
    from tmtui.core.keymap import keymap_problems
    from tmtui.core.trading_day import parse_day_start, zone

    lst, feed, ui, ledger = config.listener, config.feed, config.ui, config.ledger
    checks: list[tuple[bool, str]] = [
        (1 <= lst.port <= 65535 or lst.port == 0, f"listener.port must be 0-65535, got {lst.port}"),
        (lst.path.startswith("/"), f"listener.path must start with '/', got {lst.path!r}"),
        (lst.secret == lst.secret.strip(), "listener.secret must not start or end with spaces"),
        (lst.max_body_bytes > 0, "listener.max_body_bytes must be > 0"),
        (lst.rate_limit_per_min >= 0, "listener.rate_limit_per_min must be >= 0 (0 = off)"),
        (lst.max_qty >= 1, "listener.max_qty must be >= 1"),
        (
            0 <= lst.price_band <= 1,
            "listener.price_band is a fraction of the mark between 0 and 1 (0.10 is 10%, "
            f"0 turns it off), got {lst.price_band}",
        ),
        (feed.source in FEED_SOURCES, f"feed.source must be one of {', '.join(FEED_SOURCES)}"),
        (feed.mark in MARK_MODES, f"feed.mark must be one of {', '.join(MARK_MODES)}"),
        (feed.poll_interval > 0, "feed.poll_interval must be > 0"),
        (feed.stale_after > 0, "feed.stale_after must be > 0"),
        (feed.replay_speed > 0, "feed.replay_speed must be > 0"),
        (ui.refresh > 0, "ui.refresh must be > 0"),
        (ui.max_log_lines > 0, "ui.max_log_lines must be > 0"),
        (ui.sparkline_points > 1, "ui.sparkline_points must be > 1"),
        (ui.order_price_band >= 0, "ui.order_price_band must be >= 0"),
        (ledger.backups_kept >= 0, "ledger.backups_kept must be >= 0 (0 = no daily backups)"),
        (
            0 < ledger.write_budget <= MAX_WRITE_BUDGET_S,
            f"ledger.write_budget must be > 0 and at most {MAX_WRITE_BUDGET_S} (seconds), "
            f"got {ledger.write_budget}",
        ),
        (ledger.keep_event_days >= 0, "ledger.keep_event_days must be >= 0 (0 = forever)"),
    ]
    for ok, message in checks:
        if not ok:
            raise ConfigError(f"{where}: {message}")
    problems = keymap_problems(config.keymap)
    if problems:
        raise ConfigError(f"{where}: [keymap] {'; '.join(problems)}")
    try:
        zone(config.session.timezone)
    except ValueError as exc:
        raise ConfigError(f"{where}: session.timezone: {exc}") from None
    try:
        parse_day_start(config.session.day_start)
    except ValueError as exc:
        raise ConfigError(f"{where}: session.day_start: {exc}") from None
    strategies = config.strategies
    if strategies.default_qty < 1:
        raise ConfigError(f"{where}: strategies.default_qty must be >= 1")
    for name, qty in strategies.default_qty_by_strategy.items():
        if qty < 1:
            raise ConfigError(f"{where}: strategies.default_qty_by_strategy.{name} must be >= 1")
    for root, spec in config.contracts.items():
        if spec.point_value is not None and spec.point_value <= 0:
            raise ConfigError(f"{where}: contracts.{root}.point_value must be > 0")
        if spec.tick_size is not None and spec.tick_size <= 0:
            raise ConfigError(f"{where}: contracts.{root}.tick_size must be > 0")
    _check_risk(config, where)


def _check_risk(config: Config, where: str) -> None:
    try:
        roots = ContractBook(config.contracts).specs
    except UnknownContract as exc:
        raise ConfigError(f"{where}: {exc}") from None
    for message in limit_errors(config.risk, roots):
        raise ConfigError(f"{where}: {message}")


def example_config_text() -> str:
    """The shipped, commented example (also what `tmtui config init` writes)."""
    from importlib import resources

    return (
        resources.files("tmtui.settings")
        .joinpath("config.example.toml")
        .read_text(encoding="utf-8")
    )
