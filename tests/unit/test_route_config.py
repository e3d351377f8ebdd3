"""`[routing]` and `[routes.X]`: the issue's example parses; every mistake is one line naming
its key and showing no secret; `*_env` keys read the environment; `secrets()` lists them all."""

from __future__ import annotations

import tomllib
from typing import Any

import pytest

from tmtui.core.models import ConfigError
from tmtui.core.orders.routing import PAPER, RouteKind
from tmtui.settings.routes import key_path, routing_from_config, secrets

TP_URL = "https://webhooks.traderspost.io/trading/webhook/0b6f-uuid-77/Pa55-w0rd"
CT_URL = "https://app.crosstrade.io/v1/send/ID-31/S3CRET-X"

ISSUE_EXAMPLE = f"""
[routing]
default = "paper"

[routing.strategies]
ORB = "tp"
"Mean Rev" = "ct"
Breakout = "pmt"
Custom = "mine"

[routes.tp]
kind = "traderspost"
url = "{TP_URL}"

[routes.pmt]
kind = "pickmytrade"
url = "https://api.pickmytrade.trade/v2/add-trade-data-latest"
token = "pmt-token-123"
account_id = "ACC9"

[routes.ct]
kind = "crosstrade"
url = "{CT_URL}"
key = "ct-key-456"
account = "Sim101"

[routes.mine]
kind = "webhook"
url = "https://example.org/hook"
template = '{{"symbol": "{{{{ticker}}}}", "side": "{{{{action}}}}", "qty": {{{{qty}}}}}}'
timeout = 3
give_up_after = 30
"""


CT_HEAD = '[routes.c]\nkind = "crosstrade"\nurl = "https://x.io/s/i/s"\n'


def parsed(text: str, env: dict[str, str] | None = None) -> Any:
    return routing_from_config(tomllib.loads(text), environ=env or {})


def error_of(text: str, env: dict[str, str] | None = None) -> str:
    with pytest.raises(ConfigError) as caught:
        parsed(text, env)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_the_issue_example_parses_into_routes() -> None:
    routing = parsed(ISSUE_EXAMPLE)
    assert routing.default == PAPER
    assert routing.route_name_for("ORB") == "tp"
    assert routing.route_name_for("Mean Rev") == "ct"
    assert routing.route_name_for("Someone else") == PAPER
    assert routing.route_for("Someone else") is None
    tp = routing.route_for("ORB")
    assert tp.kind is RouteKind.TRADERSPOST and tp.url == TP_URL
    assert (tp.timeout, tp.give_up_after) == (10.0, 120.0)
    pmt = routing.routes["pmt"]
    assert (pmt.token, pmt.account_id) == ("pmt-token-123", "ACC9")
    ct = routing.routes["ct"]
    assert (ct.key, ct.account) == ("ct-key-456", "Sim101")
    mine = routing.routes["mine"]
    assert (mine.timeout, mine.give_up_after) == (3.0, 30.0)
    assert '"qty": {{qty}}' in mine.template


def test_no_routing_at_all_is_paper_for_everyone() -> None:
    routing = routing_from_config({})
    assert routing.route_name_for("ORB") == PAPER
    assert routing.destination_for("ORB") == "books only (paper)"


def test_dialogs_name_the_destination() -> None:
    routing = parsed(ISSUE_EXAMPLE)
    assert routing.destination_for("ORB") == "→ TradersPost (tp)"
    assert routing.destination_for("Mean Rev") == "→ CrossTrade (ct)"
    assert routing.destination_for("nobody") == "books only (paper)"


def test_env_keys_read_the_environment() -> None:
    text = """
    [routes.pmt]
    kind = "pickmytrade"
    url_env = "PMT_URL"
    token_env = "PMT_TOKEN"
    account_id = 12345
    """
    env = {"PMT_URL": "https://api.pickmytrade.io/v2/add-trade-data-latest", "PMT_TOKEN": "t0k"}
    route = parsed(text, env).routes["pmt"]
    assert route.token == "t0k"
    assert route.url == env["PMT_URL"]
    assert route.account_id == "12345"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[routes.tp]\nurl = "https://x.io/a/b"', "routes.tp.kind: missing"),
        (
            '[routes.tp]\nkind = "robinhood"\nurl = "https://x.io/a/b"',
            "routes.tp.kind: unknown kind",
        ),
        ('[routes.tp]\nkind = "traderspost"', "routes.tp.url: missing (give url or url_env)"),
        (
            '[routes.pmt]\nkind = "pickmytrade"\nurl = "https://x.io/v2"\naccount_id = "A"',
            "routes.pmt.token: missing",
        ),
        (
            '[routes.ct]\nkind = "crosstrade"\nurl = "https://x.io/s/i/s"\nkey = "k"',
            "routes.ct.account: missing",
        ),
        ('[routes.w]\nkind = "webhook"\nurl = "https://x.io/h"', "routes.w.template: missing"),
        (
            '[routes.tp]\nkind = "traderspost"\nurl = "https://x.io/a/b"\ntoken = "t"',
            "routes.tp.token: unknown key for kind traderspost",
        ),
        (
            '[routes.tp]\nkind = "traderspost"\nurl = "https://x.io/a/b"\ntimout = 3',
            "routes.tp.timout: unknown key",
        ),
        (
            '[routes.tp]\nkind = "traderspost"\nurl = "https://x.io/a/b"\ntimeout = 0',
            "routes.tp.timeout: must be a number of seconds > 0",
        ),
        (
            '[routes.tp]\nkind = "traderspost"\nurl = "https://x.io/a/b"\ngive_up_after = -1',
            "routes.tp.give_up_after: must be a number of seconds >= 0",
        ),
        (
            '[routes.tp]\nkind = "traderspost"\nurl = "ftp://x.io/a/b"',
            "routes.tp.url: must be an http",
        ),
        (
            '[routes.tp]\nkind = "traderspost"\nurl = "https://x.io/only"',
            "routes.tp.url: a TradersPost URL",
        ),
        (
            '[routes.paper]\nkind = "traderspost"\nurl = "https://x.io/a/b"',
            "routes.paper: the name paper is reserved",
        ),
        ('[routing]\ndefault = "tp"', "routing.default: no route named 'tp'"),
        ('[routing]\ndefaults = "paper"', "routing.defaults: unknown key"),
        (
            '[routing.strategies]\n"Mean Rev" = "nope"',
            "routing.strategies.\"Mean Rev\": no route named 'nope'",
        ),
        ("[routing.strategies]\nORB = 3", "routing.strategies.ORB: must be a route name"),
        ("routes = 3", "routes: must be a table"),
    ],
)
def test_each_mistake_is_one_line_naming_its_key(text: str, expected: str) -> None:
    assert error_of(text).startswith(expected)


def test_a_secret_given_twice_or_from_an_unset_variable_is_refused_without_its_value() -> None:
    both = '[routes.tp]\nkind = "traderspost"\nurl = "https://x.io/SECRET1/SECRET2"\nurl_env = "U"'
    message = error_of(both, {"U": "https://x.io/a/b"})
    assert message == "routes.tp.url: give url or url_env, not both"
    unset = (
        '[routes.p]\nkind = "pickmytrade"\nurl = "https://x.io/v"\n'
        'token_env = "PMT_T"\naccount_id = "A"'
    )
    assert error_of(unset) == "routes.p.token_env: environment variable PMT_T is not set"


def test_a_wrongly_typed_secret_does_not_echo_its_value() -> None:
    text = CT_HEAD + 'key = 987654321\naccount = "A"'
    message = error_of(text)
    assert message == "routes.c.key: must be a string"
    assert "987654321" not in message


def test_crosstrade_values_cannot_break_the_key_value_form() -> None:
    text = CT_HEAD + 'key = "k"\naccount = "Sim;101"'
    assert error_of(text) == "routes.c.account: cannot contain ';', '=' or a line break"


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ('{"qty": {{quantity}}}', "routes.w.template: unknown placeholder {{quantity}}"),
        ('{"qty": {{qty}}', "routes.w.template: does not fill into JSON"),
        ('{"name": {{strategy}}x}', "routes.w.template: does not fill into JSON"),
    ],
)
def test_a_template_must_fill_into_json(template: str, expected: str) -> None:
    text = f'[routes.w]\nkind = "webhook"\nurl = "https://x.io/h"\ntemplate = \'{template}\''
    assert error_of(text).startswith(expected)


def test_a_file_path_prefixes_the_message() -> None:
    with pytest.raises(ConfigError, match=r"^/etc/tmtui.toml: routes.tp.kind: missing$"):
        routing_from_config({"routes": {"tp": {}}}, environ={}, where="/etc/tmtui.toml")


TRADOVATE = """
[routing.strategies]
ORB = "tv"
[routes.tv]
kind = "tradovate"
env = "demo"
username = "trader1"
password_env = "TV_PASS"
app_id = "tmtui"
app_version = "1.0"
cid = 8
sec = "tv-sec-abc"
account = "DEMO1234"
symbols = { NQ = "NQZ6" }
poll = 0.5
"""


def test_a_tradovate_route_is_read_with_its_secrets_from_the_environment() -> None:
    routing = parsed(TRADOVATE, {"TV_PASS": "hunter22"})
    route = routing.route_for("ORB")
    assert route is not None and route.kind is RouteKind.TRADOVATE
    spec = route.tradovate
    assert spec is not None
    assert (spec.env, spec.username, spec.password, spec.sec) == (
        "demo", "trader1", "hunter22", "tv-sec-abc"
    )  # fmt: skip
    assert (spec.app_id, spec.app_version, spec.cid, spec.account) == (
        "tmtui",
        "1.0",
        8,
        "DEMO1234",
    )
    assert dict(spec.symbols) == {"NQ": "NQZ6"} and spec.poll == 0.5
    assert route.url == "https://demo.tradovateapi.com/v1"
    assert routing.destination_for("ORB") == "→ Tradovate (tv)"
    assert {"hunter22", "tv-sec-abc"} <= set(secrets(routing, {"TV_PASS": "hunter22"}))
    assert "hunter22" not in repr(route) and "tv-sec-abc" not in repr(route)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"env": None}, "routes.tv.env: missing (demo or live)"),
        ({"env": "paper"}, "routes.tv.env: must be demo or live"),
        ({"sec": None}, "routes.tv.sec: missing (give sec or sec_env)"),
        ({"password_env": "NOPE"}, "routes.tv.password_env: environment variable NOPE is not set"),
        ({"sec_env": "TV_PASS"}, "routes.tv.sec: give sec or sec_env, not both"),
        ({"cid": "x"}, "routes.tv.cid: must be a whole number >= 0"),
        ({"poll": 0}, "routes.tv.poll: must be a number of seconds >= 0.05"),
        ({"symbols": {"NQ": "ESZ6"}}, "routes.tv.symbols.NQ: must be a contract month of NQ"),
        ({"accountt": "x"}, "routes.tv.accountt: unknown key for kind tradovate"),
    ],
)
def test_a_tradovate_mistake_is_one_line_naming_the_key(
    change: dict[str, Any], message: str
) -> None:
    data = tomllib.loads(TRADOVATE)
    table = data["routes"]["tv"]
    for key, value in change.items():
        if value is None:
            table.pop(key)
        else:
            table[key] = value
    with pytest.raises(ConfigError) as caught:
        routing_from_config(data, environ={"TV_PASS": "hunter22"})
    text = str(caught.value)
    assert text.startswith(message) and "\n" not in text
    assert "hunter22" not in text and "tv-sec-abc" not in text


def test_secrets_lists_url_parts_tokens_and_keys() -> None:
    routing = parsed(ISSUE_EXAMPLE)
    found = set(secrets(routing))
    assert {
        "0b6f-uuid-77",
        "Pa55-w0rd",
        "ID-31",
        "S3CRET-X",
        "pmt-token-123",
        "ct-key-456",
    } <= found
    assert "Sim101" not in found and "ACC9" not in found
    assert (
        routing.routes["tp"].shown_url == "https://webhooks.traderspost.io/trading/webhook/***/***"
    )


def test_a_webhook_url_query_value_is_a_secret() -> None:
    text = """
    [routes.w]
    kind = "webhook"
    url = "https://user:pw-9@example.org/hook?token=abc-123"
    template = '{"a": 1}'
    """
    assert {"abc-123", "pw-9"} <= set(secrets(parsed(text)))


def test_key_path_quotes_what_toml_would_quote() -> None:
    assert key_path("routing", "strategies", "Mean Rev") == 'routing.strategies."Mean Rev"'
    assert key_path("routes", "tp_1") == "routes.tp_1"
