"""`tmtui run` either starts able to keep the books and receive alerts, or says why and exits 1.

Also: the missing-secret warning is printed at start in `--headless`. The screen's side (an
unusable ledger ends it with one line) is in tests/ui/test_ledger_screen.py.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import free_port, start, wait_listening

from tmtui.ledger.instance_lock import running_instance

pytestmark = pytest.mark.timeout(60)


def tmtui(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tmtui", *args], capture_output=True, text=True, timeout=30
    )


def test_a_listener_that_cannot_bind_is_fatal_at_start(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        config = tmp_path / "config.toml"
        config.write_text(
            f'[listener]\nport = {taken.getsockname()[1]}\nsecret = "s3cret-value"\n'
            f'[feed]\nsource = "replay"\n[ledger]\npath = "{tmp_path / "ledger.db"}"\n'
        )
        result = tmtui("run", "--headless", "--config", str(config))
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(errors) == 1 and "Traceback" not in result.stderr, result.stderr
    assert "cannot listen on 127.0.0.1:" in errors[0] and "[listener] port" in errors[0]
    assert running_instance(tmp_path / "ledger.db") is None  # the lock went with it


async def test_headless_prints_the_missing_secret_at_start(tmp_path: Path) -> None:
    port = free_port()
    config = tmp_path / "config.toml"
    config.write_text(
        f'[listener]\nport = {port}\n[feed]\nsource = "replay"\n'
        f'[ledger]\npath = "{tmp_path / "ledger.db"}"\n'
    )
    proc = start(config)
    try:
        await wait_listening(f"http://127.0.0.1:{port}", proc)
        proc.send_signal(signal.SIGTERM)
        stdout, _ = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert "NO WEBHOOK SECRET: [listener] secret is not set" in stdout
