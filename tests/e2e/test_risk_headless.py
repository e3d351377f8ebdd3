"""The risk guard in `tmtui run --headless`: no screen, and the rules still act.

A real process with the replay feed: an alert opens a position the feed already prices
through the daily loss limit; the engine closes it as a risk exit, locks out entries (the
next alert is answered 200, ignored), and `tmtui risk` and `tmtui ledger verify` agree.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from helpers import (
    SECRET,
    free_port,
    read_positions,
    start,
    wait_for,
    wait_listening,
    write_config,
)


def tmtui(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tmtui", *args], capture_output=True, text=True, timeout=30
    )


async def until_flat(config: Path, timeout: float = 20) -> None:
    """Poll `tmtui positions --json` until nothing is open, or fail at the deadline."""

    async def flat() -> bool:
        return not await read_positions(config)

    await wait_for(flat, timeout, "the risk exit to close the position", 0.2)


@pytest.mark.timeout(60)
async def test_headless_enforces_the_daily_loss_limit(tmp_path: Path) -> None:
    ticks = tmp_path / "ticks.csv"
    ticks.write_text("time,symbol,lp,bid,ask\n2026-03-03T14:00:00Z,CME_MINI:NQ1!,17990,,\n")
    port = free_port()
    config = write_config(tmp_path, port, "[risk]\ndaily_loss_limit = 100\n")
    feed = f'source = "replay"\nreplay_file = "{ticks}"\nstale_after = 600'
    config.write_text(config.read_text().replace('source = "replay"', feed))
    base = f"http://127.0.0.1:{port}"
    proc = start(config)
    try:
        await wait_listening(base, proc)
        async with httpx.AsyncClient(timeout=10) as client:
            opened = await client.post(
                base + "/webhook", content=f"buy 1 NQ1! @ 18000 strategy=ORB secret={SECRET}"
            )
            assert opened.status_code == 200, opened.text

            await until_flat(config)
            again = await client.post(
                base + "/webhook", content=f"buy 1 NQ1! @ 17990 strategy=ORB secret={SECRET}"
            )
        assert again.status_code == 200
        reply = again.json()
        assert reply["outcome"] == "ignored"
        assert "ignored: locked out by daily_loss_limit" in reply["message"]
        risk = json.loads(tmtui("risk", "--json", "--config", str(config)).stdout)
        (lock,) = risk["locks"]
        assert lock["rule"] == "daily_loss_limit" and lock["scope"] == "account"
        (rule,) = risk["rules"]
        assert rule["rule"] == "daily_loss_limit" and rule["value"] == -200
        proc.send_signal(signal.SIGINT)
        stdout, _ = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    lines = stdout.splitlines()
    assert any("[risk_lock] LOCKED OUT: daily_loss_limit breached" in line for line in lines)
    exits = [line for line in lines if "[risk_exit]" in line]
    assert len(exits) == 1 and "close NQ @ 17990.00 (ORB) → flat" in exits[0]
    assert "daily_loss_limit" in exits[0]
    verify = tmtui("ledger", "verify", "--config", str(config))
    assert verify.returncode == 0, verify.stdout + verify.stderr
