"""`[routes.X]` of `kind = "tradovate"`, read strictly into a `Route` with a `TradovateSpec`.

```toml
[routes.tv]
kind = "tradovate"
env = "demo"                 # demo | live: the documented base URL
url = "..."                  # optional: overrides the base URL (a proxy, tests)
username = "..."
password = "..."             # or password_env
app_id = "..."
app_version = "1.0"
cid = 0
sec = "..."                  # or sec_env
account = "DEMO1234"         # account name, looked up with account/list
symbols = { NQ = "NQZ6" }    # optional; otherwise the front month
poll = 2.0                   # seconds between reads of the broker's positions and fills
```

Every text key also takes `<key>_env` (the password and `sec` above all: a config file is
easily shared). Each mistake is a `ConfigError` naming the key in one line; no message ever
holds a value of `password` or `sec`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Final
from urllib.parse import urlsplit

from tmtui.core.broker.contract_months import split_contract_code
from tmtui.core.models import ConfigError
from tmtui.core.orders.routing import Route, RouteKind
from tmtui.core.orders.tradovate_route import BASE_URLS, DEFAULT_POLL, ENVS, TradovateSpec

TEXT_KEYS: Final = ("username", "password", "app_id", "app_version", "sec", "account")
"""Required text keys; each also takes `<key>_env`."""
OPTIONAL: Final = ("url", "symbols", "poll", "timeout", "give_up_after")
MIN_POLL: Final = 0.05


def tradovate_route(
    name: str,
    spec: Mapping[str, Any],
    where: str,
    env: Mapping[str, str],
    *,
    timeout: float,
    give_up_after: float,
) -> Route:
    """The route `name` (its table without `kind`), its secrets resolved from `env`."""
    _check_keys(spec, where)
    texts = {key: _text(spec, key, where, env) for key in TEXT_KEYS}
    environment = _env(spec, where)
    url = _url(spec, where)
    tradovate = TradovateSpec(
        env=environment,
        cid=_cid(spec, where, env),
        url=url,
        symbols=_symbols(spec, where),
        poll=_poll(spec, where),
        **texts,
    )
    return Route(
        name=name,
        kind=RouteKind.TRADOVATE,
        url=url or BASE_URLS[environment],
        account=texts["account"],
        timeout=timeout,
        give_up_after=give_up_after,
        tradovate=tradovate,
    )


def _check_keys(spec: Mapping[str, Any], where: str) -> None:
    allowed = {"kind", "env", "cid", "cid_env", *OPTIONAL, *TEXT_KEYS}
    allowed |= {f"{k}_env" for k in TEXT_KEYS}
    for key in spec:
        if key not in allowed:
            known = ", ".join(sorted(allowed))
            raise ConfigError(f"{where}.{key}: unknown key for kind tradovate (known: {known})")


def _from_env(spec: Mapping[str, Any], key: str, where: str, env: Mapping[str, str]) -> str | None:
    """The value of the variable `<key>_env` names (None when the key is given directly)."""
    env_key = f"{key}_env"
    if key in spec and env_key in spec:
        raise ConfigError(f"{where}.{key}: give {key} or {env_key}, not both")
    if env_key not in spec:
        return None
    variable = spec[env_key]
    if not isinstance(variable, str) or not variable.strip():
        raise ConfigError(f"{where}.{env_key}: must name an environment variable")
    found = env.get(variable.strip(), "").strip()
    if not found:
        raise ConfigError(f"{where}.{env_key}: environment variable {variable} is not set")
    return found


def _text(spec: Mapping[str, Any], key: str, where: str, env: Mapping[str, str]) -> str:
    found = _from_env(spec, key, where, env)
    if found is not None:
        return found
    if key not in spec:
        raise ConfigError(f"{where}.{key}: missing (give {key} or {key}_env)")
    value = spec[key]
    if key == "app_version" and isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise ConfigError(f"{where}.{key}: must be a string")
    if not value.strip():
        raise ConfigError(f"{where}.{key}: must not be empty")
    return value.strip()


def _env(spec: Mapping[str, Any], where: str) -> str:
    if "env" not in spec:
        raise ConfigError(f"{where}.env: missing (demo or live)")
    value = spec["env"]
    if not isinstance(value, str) or value.strip().lower() not in ENVS:
        raise ConfigError(f"{where}.env: must be demo or live")
    return value.strip().lower()


def _cid(spec: Mapping[str, Any], where: str, env: Mapping[str, str]) -> int:
    found = _from_env(spec, "cid", where, env)
    value: Any = found if found is not None else spec.get("cid")
    if value is None:
        raise ConfigError(f"{where}.cid: missing (give cid or cid_env)")
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigError(f"{where}.cid: must be a whole number >= 0")
    return value


def _url(spec: Mapping[str, Any], where: str) -> str:
    if "url" not in spec:
        return ""
    value = spec["url"]
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where}.url: must be an http:// or https:// URL")
    try:
        parts = urlsplit(value.strip())
        _ = parts.port
    except ValueError:
        raise ConfigError(f"{where}.url: not a valid URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{where}.url: must be an http:// or https:// URL")
    if parts.password or parts.query:
        raise ConfigError(f"{where}.url: must hold no password or query (use password, sec)")
    return value.strip().rstrip("/")


def _symbols(spec: Mapping[str, Any], where: str) -> dict[str, str]:
    value = spec.get("symbols", {})
    if not isinstance(value, dict):
        raise ConfigError(f'{where}.symbols: must be a table (e.g. {{ NQ = "NQZ6" }})')
    found: dict[str, str] = {}
    for root, contract in value.items():
        code = split_contract_code(contract) if isinstance(contract, str) else None
        if code is None or code.root.upper() != str(root).strip().upper():
            raise ConfigError(
                f"{where}.symbols.{root}: must be a contract month of {root} "
                f'(e.g. "{str(root).strip().upper()}Z6")'
            )
        found[str(root).strip().upper()] = contract.strip().upper()
    return found


def _poll(spec: Mapping[str, Any], where: str) -> float:
    value = spec.get("poll", DEFAULT_POLL)
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    if not ok or not math.isfinite(value) or value < MIN_POLL:
        raise ConfigError(f"{where}.poll: must be a number of seconds >= {MIN_POLL:g}")
    return float(value)
