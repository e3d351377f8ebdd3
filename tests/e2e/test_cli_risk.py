"""`tmtui risk [--json]`: each rule, its limit, the value now, the distance, breach prices."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from decimal import Decimal as D
from pathlib import Path

import pytest
from helpers import alert

from tmtui.ledger.store import Ledger
from tmtui.runtime.engine import Engine
from tmtui.services.feeds.base import Quote
from tmtui.settings.config import load_config

pytestmark = pytest.mark.timeout(60)


def tmtui(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tmtui", *args], capture_output=True, text=True, timeout=30
    )


def write_config(tmp_path: Path, risk: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[ledger]\npath = "{tmp_path / "ledger.db"}"\n[commissions]\ndefault = 1.25\n{risk}'
    )
    return path


async def test_risk_json_on_a_ledger_with_open_positions(tmp_path: Path) -> None:
    config_file = write_config(
        tmp_path,
        '[risk]\ndaily_loss_limit = 1000\nmax_position = { NQ = 3 }\nstop_loss = "20 ticks"\n'
        '[risk.trailing_drawdown]\namount = 2000\nmode = "intraday"\nstarting_balance = 50000\n',
    )
    config = load_config(config_file)
    engine = Engine(config, await Ledger.open(config.ledger.resolved_path()))
    await engine.start()
    await engine.submit_alert(alert("buy", "NQ1!", 2, "18000", strategy="A"))
    await engine.submit_alert(alert("sell", "ES1!", 1, "6000", strategy="B"))
    now = datetime.now(UTC)
    engine.on_quote(Quote("CME_MINI:NQ1!", D("17999"), received=now))
    engine.on_quote(Quote("CME_MINI:ES1!", D("6001"), received=now))
    await engine.flush()
    await engine.stop()

    doc = json.loads(tmtui("risk", "--json", "--config", str(config_file)).stdout)
    assert doc["locks"] == []
    rules = {(r["rule"], r["scope"]): r for r in doc["rules"]}
    daily = rules[("daily_loss_limit", "account")]
    # realized -3.75 (entry commissions), open -40 - 50, 3.75 to close: -97.50.
    assert daily["value"] == -97.5 and daily["distance"] == 902.5 and daily["level"] == "ok"
    assert [(b["symbol"], b["side"], b["price"]) for b in daily["breach_prices"]] == [
        ("NQ", "long", 17976.25),  # 902.50 / 40 = 22.5625 points below 17999, a tick lower
        ("ES", "short", 6019.25),  # 902.50 / 50 = 18.05 points above 6001, a tick higher
    ]
    trailing = rules[("trailing_drawdown", "account")]
    assert trailing["limit"] == 48000 and trailing["value"] == 49902.5
    stop = rules[("stop_loss", "A NQ")]
    assert stop["limit"] == 17995 and stop["value"] == 17999 and stop["distance"] == 160
    assert rules[("max_position", "account NQ")]["distance"] == 1

    text = tmtui("risk", "--config", str(config_file))
    assert text.returncode == 0, text.stderr
    for word in ("daily_loss_limit", "trailing_drawdown", "stop_loss", "17976.25", "6019.25"):
        assert word in text.stdout


async def test_risk_without_rules_says_so(tmp_path: Path) -> None:
    config_file = write_config(tmp_path, "")
    # a read command never creates the ledger (`tmtui run` does): make an empty one
    await (await Ledger.open(load_config(config_file).ledger.resolved_path())).close()
    result = tmtui("risk", "--config", str(config_file))
    assert result.returncode == 0 and "No risk rules configured" in result.stdout
    doc = json.loads(tmtui("risk", "--json", "--config", str(config_file)).stdout)
    assert doc["rules"] == [] and doc["locks"] == []


async def test_positions_json_shows_the_drift_the_engine_saved(tmp_path: Path) -> None:
    config_file = write_config(tmp_path, "[risk]\nmax_position = { NQ = 1 }\n")
    config = load_config(config_file)
    engine = Engine(config, await Ledger.open(config.ledger.resolved_path()))
    await engine.start()
    await engine.submit_alert(alert("buy", "NQ1!", 2, "18000", strategy="A", position_size=2))
    await engine.stop()
    (position,) = json.loads(tmtui("positions", "--json", "--config", str(config_file)).stdout)
    assert position["qty"] == 1
    assert position["drift"] == {
        "reported": 2,
        "held": 1,
        "reason": "strategy means long 2, tmtui holds long 1 (max_position)",
    }
