"""The ledger under faults, from outside: real `tmtui run --headless` processes.

Each fault: every alert gets a 200 and is in the ledger after a restart, or a 5xx within
TradingView's 3 s; a broken ledger is refused with one line and exit code 1.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from helpers import free_port, wait_for, wait_listening

SECRET = "faults-secret"
TRADINGVIEW_LIMIT_S = 3.0


@dataclass
class Reply:
    alert_id: str
    status: int
    body: dict[str, Any]
    seconds: float


@dataclass
class Tmtui:
    """One `tmtui run --headless` on a ledger in a temp folder, listening on loopback."""

    folder: Path
    ledger: Path
    port: int = field(default_factory=free_port)
    extra: str = ""
    wrap: tuple[str, ...] = ()
    proc: subprocess.Popen[str] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def config(self) -> Path:
        return self.folder / "config.toml"

    @property
    def out(self) -> Path:
        return self.folder / "out.txt"

    def write_config(self) -> None:
        self.config.write_text(
            f'[listener]\nport = {self.port}\nsecret = "{SECRET}"\nrate_limit_per_min = 0\n'
            f'[feed]\nsource = "replay"\n[ledger]\npath = "{self.ledger}"\n'
            f'backup_dir = "{self.folder / "backups"}"\n{self.extra}'
        )

    def start(self) -> None:
        self.write_config()
        command = [sys.executable, "-m", "tmtui", "run", "--headless", "--config", str(self.config)]
        with self.out.open("a") as out, (self.folder / "err.txt").open("a") as err:
            self.proc = subprocess.Popen(
                [*self.wrap, *command],
                stdout=out,
                stderr=err,
                text=True,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )

    async def wait_listening(self, timeout: float = 30) -> None:
        assert self.proc is not None
        await wait_listening(self.base, self.proc, timeout, stderr=self.stderr)

    def stop(self) -> int:
        """SIGTERM, as a service manager stops it; returns the exit code."""
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=15)
        finally:
            self.kill()

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def stdout(self) -> str:
        return self.out.read_text() if self.out.exists() else ""

    def stderr(self) -> str:
        path = self.folder / "err.txt"
        return path.read_text() if path.exists() else ""

    async def post(self, client: httpx.AsyncClient, alert_id: str, qty: int = 1) -> Reply:
        body = {
            "secret": SECRET,
            "action": "buy",
            "ticker": "ES1!",
            "qty": qty,
            "price": "6800.25",
            "strategy": "F",
            "id": alert_id,
        }
        began = time.monotonic()
        reply = await client.post(self.base + "/webhook", json=body)
        return Reply(alert_id, reply.status_code, reply.json(), time.monotonic() - began)


@contextlib.asynccontextmanager
async def running(tmtui: Tmtui) -> AsyncIterator[Tmtui]:
    tmtui.start()
    try:
        await tmtui.wait_listening()
        yield tmtui
    finally:
        tmtui.kill()


def accepted_keys(ledger: Path) -> list[str]:
    """The `id:<alert id>` part of every applied signal's key, in order."""
    db = sqlite3.connect(ledger)
    try:
        rows = db.execute("SELECT idem_key FROM signals WHERE outcome = 'accepted' ORDER BY id")
        return [str(r[0]).split("|")[0] for r in rows]
    finally:
        db.close()


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tmtui", *args], capture_output=True, text=True, timeout=60
    )


def within_limit(replies: list[Reply]) -> None:
    slow = [r for r in replies if r.seconds >= TRADINGVIEW_LIMIT_S]
    assert slow == [], f"answered after TradingView's {TRADINGVIEW_LIMIT_S} s: {slow}"


class Stream:
    """Alerts sent one after another by `workers` clients until stopped; every reply kept."""

    def __init__(self, tmtui: Tmtui, client: httpx.AsyncClient, workers: int = 3) -> None:
        self.replies: list[Reply] = []
        self._stop = asyncio.Event()
        self._tasks = [
            asyncio.create_task(self._send(tmtui, client, f"w{w}")) for w in range(workers)
        ]

    async def _send(self, tmtui: Tmtui, client: httpx.AsyncClient, name: str) -> None:
        n = 0
        while not self._stop.is_set():
            try:
                self.replies.append(await tmtui.post(client, f"{name}-{n}"))
            except httpx.TransportError:
                return
            n += 1

    def count(self, status: int) -> int:
        return sum(1 for r in self.replies if r.status == status)

    def acked(self) -> list[str]:
        return [f"id:{r.alert_id}" for r in self.replies if r.status == 200]

    async def stop(self) -> None:
        self._stop.set()
        await asyncio.gather(*self._tasks)


async def wait_health(client: httpx.AsyncClient, base: str, status: int, timeout: float) -> Any:
    """/health's body once it answers `status`."""

    async def check() -> httpx.Response | None:
        reply = await client.get(base + "/health")
        return reply if reply.status_code == status else None

    reply = await wait_for(check, timeout, f"/health to answer {status}", 0.05)
    return reply.json()


# --- a write lock held by another program -------------------------------------------------


@pytest.mark.timeout(90)
async def test_held_write_lock_answers_503_within_3s_and_resends_apply_once(
    tmp_path: Path,
) -> None:
    tmtui = Tmtui(tmp_path, tmp_path / "ledger.db")
    async with running(tmtui), httpx.AsyncClient(timeout=10) as client:
        assert (await tmtui.post(client, "before")).status == 200
        holder = sqlite3.connect(tmtui.ledger, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # a backup tool or SQLite browser writing
        try:
            refused = [await tmtui.post(client, "a0"), await tmtui.post(client, "a1")]
            refused += await asyncio.gather(*(tmtui.post(client, f"a{n}") for n in range(2, 6)))
            health = await client.get(tmtui.base + "/health")
            # a lock released within the budget: the alert waits for it and is recorded
            late = asyncio.create_task(tmtui.post(client, "late"))
            await asyncio.sleep(0.5)
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        waited = await late
        within_limit([*refused, waited])
        assert [r.status for r in refused] == [503] * 6, refused
        for reply in refused:
            assert reply.body["ok"] is False
            assert "locked by another program" in reply.body["error"], reply.body
        assert health.status_code == 503, health.text
        assert health.json()["ledger"]["state"] == "locked"
        assert waited.status == 200 and waited.seconds >= 0.4, waited

        # TradingView resends each refused alert: applied once, then recognised
        resent = [await tmtui.post(client, f"a{n}") for n in range(6)]
        assert [(r.status, r.body["duplicate"]) for r in resent] == [(200, False)] * 6
        again = [await tmtui.post(client, f"a{n}") for n in range(6)]
        assert [(r.status, r.body["duplicate"]) for r in again] == [(200, True)] * 6
        await wait_health(client, tmtui.base, 200, timeout=5)
        assert tmtui.stop() == 0
    keys = accepted_keys(tmtui.ledger)
    assert sorted(keys) == sorted(["id:before", "id:late", *(f"id:a{n}" for n in range(6))])
    out = tmtui.stdout()
    assert out.count("answered 503") == 6, out
    assert "LEDGER: alerts cannot be recorded: the ledger is locked" in out
    assert "ledger OK again" in out


# --- the ledger deleted, or its WAL removed, while running -------------------------------


@pytest.mark.timeout(90)
async def test_ledger_deleted_while_running_loses_nothing_acknowledged(tmp_path: Path) -> None:
    tmtui = Tmtui(tmp_path, tmp_path / "data" / "ledger.db")
    async with running(tmtui), httpx.AsyncClient(timeout=10) as client:
        stream = Stream(tmtui, client)
        await wait_for(lambda: stream.count(200) >= 30, timeout=30, what="30 alerts recorded")
        folder = tmtui.ledger.parent
        remove(*(folder / name for name in ("ledger.db", "ledger.db-wal", "ledger.db-shm")))
        after = len(stream.replies)
        await wait_for(lambda: stream.count(503) >= 10, timeout=30, what="alerts answered 503")
        health = await client.get(tmtui.base + "/health")
        await stream.stop()
        assert tmtui.stop() == 0
    within_limit(stream.replies)
    # after the first 503 nothing is acknowledged any more
    first_refusal = next(i for i, r in enumerate(stream.replies) if r.status == 503)
    assert {r.status for r in stream.replies[first_refusal:]} == {503}
    assert first_refusal <= after + 3  # at most the alerts already in flight got through
    assert health.status_code == 503 and health.json()["ledger"]["state"] == "gone"
    assert "was deleted while tmtui was running" in health.json()["error"]
    out = tmtui.stdout()
    assert "[error] LEDGER: ledger" in out and "was deleted while tmtui was running" in out
    # what it had recorded was written back; a restart finds every acknowledged alert
    restarted = Tmtui(tmp_path, tmtui.ledger, port=tmtui.port)
    async with running(restarted), httpx.AsyncClient(timeout=10) as client:
        assert (await restarted.post(client, "after-restart")).status == 200
        assert restarted.stop() == 0
    keys = accepted_keys(tmtui.ledger)
    assert set(stream.acked()) <= set(keys)
    assert len(keys) == len(set(keys)) == stream.count(200) + 1


@pytest.mark.timeout(90)
async def test_wal_removed_then_kill_9_loses_nothing_acknowledged(tmp_path: Path) -> None:
    tmtui = Tmtui(tmp_path, tmp_path / "ledger.db")
    async with running(tmtui), httpx.AsyncClient(timeout=10) as client:
        stream = Stream(tmtui, client)
        await wait_for(lambda: stream.count(200) >= 30, timeout=30, what="30 alerts recorded")
        remove(tmtui.ledger.with_name("ledger.db-wal"))
        health = await wait_health(client, tmtui.base, 503, timeout=5)
        await wait_for(lambda: stream.count(503) >= 5, timeout=30, what="alerts answered 503")
        assert tmtui.proc is not None
        tmtui.proc.send_signal(signal.SIGKILL)
        await stream.stop()
        tmtui.proc.wait(timeout=10)
    within_limit(stream.replies)
    assert health["ledger"]["state"] == "wal_removed"
    first_refusal = next(i for i, r in enumerate(stream.replies) if r.status == 503)
    assert {r.status for r in stream.replies[first_refusal:]} == {503}
    keys = accepted_keys(tmtui.ledger)
    assert set(stream.acked()) <= set(keys)
    assert len(keys) == len(set(keys)) == stream.count(200)
    restarted = Tmtui(tmp_path, tmtui.ledger, port=tmtui.port)
    async with running(restarted), httpx.AsyncClient(timeout=10) as client:
        resend = await restarted.post(client, stream.replies[first_refusal].alert_id)
        assert (resend.status, resend.body["duplicate"]) == (200, False)
        assert restarted.stop() == 0


# --- a damaged ledger is refused with one line --------------------------------------------


@pytest.fixture(scope="module")
def good_ledger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A ledger with a few alerts, written by a real tmtui and stopped cleanly."""
    folder = tmp_path_factory.mktemp("good")
    tmtui = Tmtui(folder, folder / "ledger.db")

    async def fill() -> None:
        async with running(tmtui), httpx.AsyncClient(timeout=10) as client:
            for n in range(30):
                assert (await tmtui.post(client, f"g{n}")).status == 200
            assert tmtui.stop() == 0

    asyncio.run(fill())
    assert not Path(f"{tmtui.ledger}-wal").exists()
    return tmtui.ledger


def damaged(tmp_path: Path, good: Path, damage: Callable[[Path], None]) -> Tmtui:
    ledger = tmp_path / "ledger.db"
    shutil.copy(good, ledger)
    damage(ledger)
    tmtui = Tmtui(tmp_path, ledger)
    tmtui.write_config()
    return tmtui


def truncate_to(size: int) -> Callable[[Path], None]:
    def damage(path: Path) -> None:
        with path.open("r+b") as handle:
            handle.truncate(size)

    return damage


def overwrite_page(path: Path) -> None:
    with path.open("r+b") as handle:
        handle.seek(3 * 4096)
        handle.write(os.urandom(4096))


def newer_version(path: Path) -> None:
    db = sqlite3.connect(path)
    db.execute("PRAGMA user_version = 99")
    db.close()


@pytest.mark.parametrize(
    ("damage", "says"),
    [
        (truncate_to(0), "is empty (0 bytes)"),
        (truncate_to(4096), "is truncated"),
        (truncate_to(9000), "is truncated"),
        (lambda p: p.write_bytes(os.urandom(20_000)), "is not a database"),
        (overwrite_page, "is damaged"),
        (newer_version, "newer than this tmtui"),
    ],
    ids=["empty", "truncated-4k", "truncated-9k", "overwritten", "bad-page", "newer"],
)
def test_a_broken_ledger_is_refused_with_one_line(
    tmp_path: Path, good_ledger: Path, damage: Callable[[Path], None], says: str
) -> None:
    tmtui = damaged(tmp_path, good_ledger, damage)
    before = tmtui.ledger.read_bytes()
    result = run_cli("run", "--headless", "--config", str(tmtui.config))
    assert result.returncode == 1, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert str(tmtui.ledger) in lines[0] and says in lines[0]
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert tmtui.ledger.read_bytes() == before  # refused, not "repaired" or rewritten


@pytest.mark.parametrize(
    "damage",
    [truncate_to(0), truncate_to(4096), lambda p: p.write_bytes(os.urandom(20_000))],
    ids=["empty", "truncated", "overwritten"],
)
def test_read_commands_refuse_a_broken_ledger_with_one_line(
    tmp_path: Path, good_ledger: Path, damage: Callable[[Path], None]
) -> None:
    tmtui = damaged(tmp_path, good_ledger, damage)
    for command in ("positions", "report"):
        result = run_cli(command, "--json", "--config", str(tmtui.config))
        assert result.returncode == 1, result
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert str(tmtui.ledger) in result.stderr and result.stdout == ""


# --- a full disk ---------------------------------------------------------------------------
# A real full file system (a 2 MB tmpfs in a user namespace), so it skips where unshare(1) or
# user namespaces are missing; tests/integration/test_ledger_full.py runs the same path
# everywhere, with SQLite's max_page_count giving the same SQLITE_FULL.


def tmpfs_wrapper(mount: Path, size: str) -> tuple[str, ...]:
    """Run a command in a private mount namespace with a small tmpfs at `mount`."""
    script = 'mount -t tmpfs -o size="$1" tmpfs "$2" && shift 2 && exec "$@"'
    return ("unshare", "--user", "--map-root-user", "--mount", "sh", "-c", script, "sh", size,
            str(mount))  # fmt: skip


def tmpfs_unavailable(tmp_path: Path) -> str | None:
    if shutil.which("unshare") is None or shutil.which("nsenter") is None:
        return "no unshare(1)/nsenter(1) to mount a small file system"
    mount = tmp_path / "probe"
    mount.mkdir()
    result = subprocess.run(
        [*tmpfs_wrapper(mount, "64k"), "true"], capture_output=True, text=True, timeout=30
    )
    if result.returncode != 0:
        return f"cannot mount a tmpfs in a user namespace here: {result.stderr.strip()}"
    return None


def fill_up(folder: Path, leave: int) -> Path:
    """Fill the file system holding `folder`, then free `leave` bytes."""
    filler = folder / "filler"
    with filler.open("wb", buffering=0) as handle, contextlib.suppress(OSError):
        while True:
            handle.write(b"\0" * 4096)
    with filler.open("r+b") as handle:
        handle.truncate(max(filler.stat().st_size - leave, 0))
    return filler


@pytest.mark.timeout(120)
async def test_disk_full_answers_503_with_the_real_error_and_recovers(tmp_path: Path) -> None:
    reason = tmpfs_unavailable(tmp_path)
    if reason is not None:
        pytest.skip(reason)
    mount = tmp_path / "small"
    mount.mkdir()
    tmtui = Tmtui(tmp_path, mount / "ledger.db", wrap=tmpfs_wrapper(mount, "2m"))
    acked: list[str] = []
    refused: list[Reply] = []
    async with running(tmtui), httpx.AsyncClient(timeout=10) as client:
        assert tmtui.proc is not None
        inside = Path(f"/proc/{tmtui.proc.pid}/root") / mount.relative_to("/")
        filler = fill_up(inside, leave=48 * 1024)
        for n in range(400):
            reply = await tmtui.post(client, f"d{n}")
            assert reply.seconds < TRADINGVIEW_LIMIT_S, reply
            if reply.status == 200:
                acked.append(f"id:d{n}")
            else:
                refused.append(reply)
                if len(refused) == 3:
                    break
        assert refused, "the disk never filled up"
        assert [r.status for r in refused] == [503] * len(refused)
        assert "database or disk is full" in refused[0].body["error"], refused[0].body
        health = await client.get(tmtui.base + "/health")
        assert health.status_code == 503 and health.json()["ledger"]["state"] == "disk_full"
        filler.unlink()
        await wait_health(client, tmtui.base, 200, timeout=10)
        for reply in refused:  # TradingView's resends
            resent = await tmtui.post(client, reply.alert_id)
            assert (resent.status, resent.body["duplicate"]) == (200, False), resent
            acked.append(f"id:{reply.alert_id}")
        # read the ledger as tmtui sees it, with tmtui's own backup, inside its namespace
        copy = tmp_path / "copy.db"
        backup = await asyncio.to_thread(backup_inside, tmtui, copy)
        assert backup.returncode == 0, backup
        keys = accepted_keys(copy)
    out = tmtui.stdout()
    assert "database or disk is full" in out and "answered 503" in out
    assert sorted(keys) == sorted(acked)


def backup_inside(tmtui: Tmtui, copy: Path) -> subprocess.CompletedProcess[str]:
    assert tmtui.proc is not None
    enter = ("nsenter", "-t", str(tmtui.proc.pid), "-U", "-m", "--preserve-credentials")
    command = ("-m", "tmtui", "ledger", "backup", str(copy), "--config", str(tmtui.config))
    return subprocess.run(
        [*enter, sys.executable, *command], capture_output=True, text=True, timeout=60
    )


def remove(*paths: Path) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


# --- backups --------------------------------------------------------------------------------


@pytest.mark.timeout(120)
async def test_backup_while_writing_then_restore(tmp_path: Path) -> None:
    tmtui = Tmtui(tmp_path, tmp_path / "ledger.db")
    copies = [tmp_path / f"copy-{n}.db" for n in range(3)]
    acked_before: list[list[str]] = []
    async with running(tmtui), httpx.AsyncClient(timeout=10) as client:
        daily = await asyncio.to_thread(lambda: wait_daily_backup(tmp_path / "backups", timeout=20))
        stream = Stream(tmtui, client)
        await wait_for(lambda: stream.count(200) >= 20, timeout=30, what="20 alerts recorded")
        for copy in copies:
            acked_before.append(stream.acked())
            result = await asyncio.to_thread(
                run_cli, "ledger", "backup", str(copy), "--config", str(tmtui.config)
            )
            assert result.returncode == 0, result
            assert f"to {copy}" in result.stdout
        await stream.stop()
        assert tmtui.stop() == 0
    within_limit(stream.replies)
    assert stream.count(200) == len(stream.replies)
    final = accepted_keys(tmtui.ledger)
    for copy, before in zip(copies, acked_before, strict=True):
        keys = accepted_keys(copy)
        assert set(before) <= set(keys)  # everything acknowledged before the backup began
        assert keys == final[: len(keys)]  # a consistent prefix of the history
        assert sqlite3.connect(copy).execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert daily.name.startswith("ledger-") and accepted_keys(daily) == []

    # restore the last copy as the README says: tmtui stopped, copy it into place
    restored = tmp_path / "restored"
    restored.mkdir()
    shutil.copy(copies[-1], restored / "ledger.db")
    again = Tmtui(restored, restored / "ledger.db")
    again.write_config()
    checked = run_cli("ledger", "verify", "--config", str(again.config))
    assert checked.returncode == 0, checked  # the copy's stored state is its signals' replay
    assert checked.stdout.startswith("ok:"), checked.stdout
    async with running(again), httpx.AsyncClient(timeout=10) as client:
        replies = [await again.post(client, key.removeprefix("id:")) for key in final]
        assert again.stop() == 0
    restored_keys = accepted_keys(copies[-1])
    assert [r.body["duplicate"] for r in replies] == [
        f"id:{r.alert_id}" in restored_keys for r in replies
    ]
    assert sorted(accepted_keys(restored / "ledger.db")) == sorted(final)
    checked = run_cli("ledger", "verify", "--config", str(again.config))
    assert checked.returncode == 0, checked


def wait_daily_backup(folder: Path, timeout: float) -> Path:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [p for p in folder.glob("ledger-????-??-??.db")]
        if found:
            return found[0]
        time.sleep(0.05)
    raise AssertionError(f"no daily backup appeared in {folder}")


def test_backup_refuses_to_overwrite_and_a_missing_ledger(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'[ledger]\npath = "{tmp_path / "ledger.db"}"\n')
    missing = run_cli("ledger", "backup", "--config", str(config))
    assert missing.returncode == 1 and "no ledger at" in missing.stderr
    assert not (tmp_path / "ledger.db").exists()
    db = sqlite3.connect(tmp_path / "ledger.db")
    db.execute("CREATE TABLE signals (id INTEGER PRIMARY KEY)")
    db.close()
    target = tmp_path / "b.db"
    target.write_text("precious")
    refused = run_cli("ledger", "backup", str(target), "--config", str(config))
    assert refused.returncode == 1 and "already exists" in refused.stderr
    assert target.read_text() == "precious"
    into_folder = run_cli("ledger", "backup", str(tmp_path), "--config", str(config))
    assert into_folder.returncode == 0, into_folder
    assert len(list(tmp_path.glob("ledger-*.db"))) == 1
