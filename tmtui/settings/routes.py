"""`[routing]` and `[routes.NAME]`: where each strategy's orders go, read strictly.

```toml
[routing]
default = "paper"            # books only, nothing sent
[routing.strategies]
ORB = "tp"
[routes.tp]
kind = "traderspost"         # traderspost | pickmytrade | crosstrade | webhook | tradovate
url_env = "TP_URL"           # every secret-bearing key (url, token, key) also takes *_env
timeout = 10                 # seconds to wait for the bridge's reply
give_up_after = 120          # seconds to keep retrying a bridge that cannot be reached
```

Pure apart from reading the environment for `*_env` keys. Any mistake is a `ConfigError` whose
message is one line naming the key (`routes.tp.url: missing`), and never shows a secret's
value. A `tradovate` route is parsed by its own module (`tmtui.settings.tradovate_route`).
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from typing import Any, Final
from urllib.parse import urlsplit

from tmtui.core.models import ConfigError
from tmtui.core.orders.crosstrade import FORBIDDEN
from tmtui.core.orders.routing import PAPER, ReservedRoute, Route, RouteKind, Routing
from tmtui.core.orders.webhook_template import TemplateError, check_template
from tmtui.settings.tradovate_route import tradovate_route

SECRET_KEYS: Final = ("url", "token", "key")
"""Keys that may hold a secret, so each also takes `<key>_env`."""

REQUIRED: Final[Mapping[RouteKind, tuple[str, ...]]] = {
    RouteKind.TRADERSPOST: ("url",),
    RouteKind.PICKMYTRADE: ("url", "token", "account_id"),
    RouteKind.CROSSTRADE: ("url", "key", "account"),
    RouteKind.WEBHOOK: ("url", "template"),
}
OPTIONAL: Final = ("timeout", "give_up_after")
DEFAULT_TIMEOUT: Final = 10.0
DEFAULT_GIVE_UP_AFTER: Final = 120.0
RESERVED_SECRET_NAMES: Final = ("password", "secret", "sec", "token", "key", "api_key", "cid")
"""Keys of a reserved (Tradovate) table whose values are listed by `secrets()`."""

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def key_path(*parts: str) -> str:
    """A dotted TOML key, each part quoted when it is not a bare key: routing.strategies."A B"."""
    return ".".join(p if _BARE_KEY.fullmatch(p) else f'"{p}"' for p in parts)


def routing_from_config(
    data: Mapping[str, Any],
    *,
    environ: Mapping[str, str] | None = None,
    where: str | None = None,
) -> Routing:
    """The routing of a whole parsed config (`[routing]`, `[routes]`; other tables ignored)."""
    env = os.environ if environ is None else environ
    try:
        routes, reserved = _routes(data.get("routes", {}), env)
        return _routing(data.get("routing", {}), routes, reserved)
    except ConfigError as exc:
        if where:
            raise ConfigError(f"{where}: {exc}") from None
        raise


def secrets(routing: Routing, environ: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """Every secret string of the configured routes, longest first, for redaction.

    The secret parts of each URL (TradersPost `/webhook/{uuid}/{password}`, CrossTrade
    `/send/{id}/{secret}`, any URL's password or query values), tokens and keys; for a
    reserved (Tradovate) table, the values of its secret-named keys and of the environment
    variables their `*_env` keys name.
    """
    env = os.environ if environ is None else environ
    found: set[str] = set()
    for route in routing.routes.values():
        found.update(route.secrets)
    for reserved in routing.reserved.values():
        found.update(_reserved_secrets(reserved.table, env))
    return tuple(sorted((s for s in found if s), key=len, reverse=True))


def _reserved_secrets(table: Mapping[str, Any], env: Mapping[str, str]) -> list[str]:
    found = []
    for name, value in table.items():
        if not isinstance(value, str):
            continue
        if name.endswith("_env") and name[:-4] in RESERVED_SECRET_NAMES:
            found.append(env.get(value, ""))
        elif name in RESERVED_SECRET_NAMES:
            found.append(value)
    return found


# --- [routes] --------------------------------------------------------------------------------


def _routes(
    value: Any, env: Mapping[str, str]
) -> tuple[dict[str, Route], dict[str, ReservedRoute]]:
    tables = _table(value, "routes")
    routes: dict[str, Route] = {}
    reserved: dict[str, ReservedRoute] = {}
    for name, table in tables.items():
        where = key_path("routes", name)
        if name == PAPER:
            raise ConfigError(f"{where}: the name {PAPER} is reserved for books only")
        spec = _table(table, where)
        kind = _kind(spec, where)
        if kind is RouteKind.TRADOVATE:
            routes[name] = tradovate_route(
                name,
                spec,
                where,
                env,
                timeout=_seconds(spec, "timeout", where, DEFAULT_TIMEOUT, minimum_exclusive=True),
                give_up_after=_seconds(spec, "give_up_after", where, DEFAULT_GIVE_UP_AFTER),
            )
        else:
            routes[name] = _route(name, kind, spec, where, env)
    return routes, reserved


def _kind(spec: Mapping[str, Any], where: str) -> RouteKind:
    if "kind" not in spec:
        raise ConfigError(f"{where}.kind: missing")
    word = spec["kind"]
    known = ", ".join(k.value for k in RouteKind)
    if not isinstance(word, str):
        raise ConfigError(f"{where}.kind: must be one of {known}")
    try:
        return RouteKind(word.strip().lower())
    except ValueError:
        raise ConfigError(f"{where}.kind: unknown kind {word!r} (known: {known})") from None


def _route(
    name: str, kind: RouteKind, spec: Mapping[str, Any], where: str, env: Mapping[str, str]
) -> Route:
    required = REQUIRED[kind]
    _check_keys(kind, spec, where, required)
    values = {key: _resolved(spec, key, where, env) for key in required}
    _check_url(kind, values["url"], f"{where}.url")
    for key in ("account", "key"):
        if key in values and FORBIDDEN & set(values[key]):
            raise ConfigError(f"{where}.{key}: cannot contain ';', '=' or a line break")
    if "template" in values:
        try:
            check_template(values["template"])
        except TemplateError as exc:
            raise ConfigError(f"{where}.template: {exc}") from None
    return Route(
        name=name,
        kind=kind,
        timeout=_seconds(spec, "timeout", where, DEFAULT_TIMEOUT, minimum_exclusive=True),
        give_up_after=_seconds(spec, "give_up_after", where, DEFAULT_GIVE_UP_AFTER),
        url=values["url"],
        token=values.get("token", ""),
        account_id=values.get("account_id", ""),
        key=values.get("key", ""),
        account=values.get("account", ""),
        template=values.get("template", ""),
    )


def _check_keys(
    kind: RouteKind, spec: Mapping[str, Any], where: str, required: tuple[str, ...]
) -> None:
    allowed = {"kind", *OPTIONAL, *required}
    allowed |= {f"{k}_env" for k in required if k in SECRET_KEYS}
    for key in spec:
        if key not in allowed:
            known = ", ".join(sorted(allowed))
            raise ConfigError(f"{where}.{key}: unknown key for kind {kind} (known: {known})")


def _resolved(spec: Mapping[str, Any], key: str, where: str, env: Mapping[str, str]) -> str:
    """A key's value, from the key itself or the environment variable its `_env` names."""
    env_key = f"{key}_env"
    if key in spec and env_key in spec:
        raise ConfigError(f"{where}.{key}: give {key} or {env_key}, not both")
    if env_key in spec:
        variable = spec[env_key]
        if not isinstance(variable, str) or not variable.strip():
            raise ConfigError(f"{where}.{env_key}: must name an environment variable")
        found = env.get(variable.strip(), "").strip()
        if not found:
            raise ConfigError(f"{where}.{env_key}: environment variable {variable} is not set")
        return found
    if key not in spec:
        hint = f" (give {key} or {env_key})" if key in SECRET_KEYS else ""
        raise ConfigError(f"{where}.{key}: missing{hint}")
    value = spec[key]
    if key == "account_id" and isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise ConfigError(f"{where}.{key}: must be a string")
    if not value.strip():
        raise ConfigError(f"{where}.{key}: must not be empty")
    return value if key == "template" else value.strip()


def _check_url(kind: RouteKind, url: str, where: str) -> None:
    """An http(s) URL with a host; TradersPost and CrossTrade URLs end in their two secrets."""
    try:
        parts = urlsplit(url)
        _ = parts.port
    except ValueError:
        raise ConfigError(f"{where}: not a valid URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{where}: must be an http:// or https:// URL")
    segments = [s for s in parts.path.split("/") if s]
    if kind is RouteKind.TRADERSPOST and len(segments) < 2:
        raise ConfigError(f"{where}: a TradersPost URL ends in /{{uuid}}/{{password}}")
    if kind is RouteKind.CROSSTRADE and len(segments) < 2:
        raise ConfigError(f"{where}: a CrossTrade URL ends in /{{id}}/{{secret}}")


def _seconds(
    spec: Mapping[str, Any],
    key: str,
    where: str,
    default: float,
    *,
    minimum_exclusive: bool = False,
) -> float:
    if key not in spec:
        return default
    value = spec[key]
    bound = "> 0" if minimum_exclusive else ">= 0"
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ConfigError(f"{where}.{key}: must be a number of seconds {bound}")
    if value < 0 or (minimum_exclusive and value == 0):
        raise ConfigError(f"{where}.{key}: must be a number of seconds {bound}")
    return float(value)


# --- [routing] -------------------------------------------------------------------------------


def _routing(
    value: Any, routes: Mapping[str, Route], reserved: Mapping[str, ReservedRoute]
) -> Routing:
    table = _table(value, "routing")
    for key in table:
        if key not in ("default", "strategies"):
            raise ConfigError(
                f"{key_path('routing', key)}: unknown key (known: default, strategies)"
            )
    names = {PAPER, *routes, *reserved}
    default = _route_name(table.get("default", PAPER), "routing.default", names)
    strategies = {
        strategy: _route_name(name, key_path("routing", "strategies", strategy), names)
        for strategy, name in _table(table.get("strategies", {}), "routing.strategies").items()
    }
    return Routing(
        default=default, strategies=strategies, routes=dict(routes), reserved=dict(reserved)
    )


def _route_name(value: Any, where: str, names: set[str]) -> str:
    if not isinstance(value, str):
        raise ConfigError(f"{where}: must be a route name (a string)")
    if value not in names:
        known = ", ".join(sorted(names))
        raise ConfigError(f"{where}: no route named {value!r} (known: {known})")
    return value


def _table(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: must be a table")
    return value
