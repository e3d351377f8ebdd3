"""Issue 22's parts on their own: admission, numbers, the band, future days, CSV cells,
the instance lock's holder, and a ledger on a read-only file system."""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest
from helpers import alert, make_config

from tmtui.core.alerts.admission import Admitted, AlertRequest, Refused, admit
from tmtui.core.alerts.intake import IntakeRules, decide_alert
from tmtui.core.alerts.number_checks import to_decimal, to_whole, validate_price
from tmtui.core.alerts.price_band import check_price_band
from tmtui.core.book.book import Book
from tmtui.core.contracts import BUILTIN_CONTRACTS, ContractBook
from tmtui.core.models import Action, InvalidSignal, Outcome, Signal, UnusableSignal
from tmtui.ledger.instance_lock import InstanceLock, InstanceRunning
from tmtui.ledger.store import Ledger
from tmtui.readside.exports import plain, write_csv
from tmtui.readside.queries import Queries
from tmtui.runtime.engine import Engine

pytestmark = pytest.mark.timeout(60)
SECRET = "parts-secret"
NOW = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)


def request(body: bytes, **extra: Any) -> AlertRequest:
    return AlertRequest(body=body, peer="127.0.0.1", received=NOW, **extra)


# --- admission: one call parses, authenticates and checks ------------------------------


def test_admit_parses_once_and_clears_the_secret() -> None:
    verdict = admit(request(b'{"secret":"parts-secret","action":"buy","ticker":"NQ1!"}'), SECRET)
    assert isinstance(verdict, Admitted)
    assert verdict.alert.fields.secret is None and SECRET not in verdict.alert.raw


@pytest.mark.parametrize(
    ("body", "extra", "status", "kept"),
    [
        (b'{"secret":"wrong","action":"buy","ticker":"NQ1!"}', {}, 401, False),
        (b"junk without any secret", {}, 400, False),
        (b'{"secret":"parts-secret","action":"buy","price":NaN}', {}, 400, True),
        (b"junk", {"segments": (SECRET,)}, 400, True),
        (b'{"secret":"parts-secret","ticker":"NQ1!"}', {}, 400, True),
        (b'{"action":"buy","ticker":"NQ1!"}', {"segments": ("nope", "S")}, 401, False),
    ],
)
def test_refusals_keep_the_body_only_for_senders_with_the_secret(
    body: bytes, extra: dict[str, Any], status: int, kept: bool
) -> None:
    verdict = admit(request(body, **extra), SECRET)
    assert isinstance(verdict, Refused)
    assert verdict.status == status and verdict.authenticated is kept
    assert (verdict.raw is not None) is kept
    assert SECRET not in (verdict.raw or "") and SECRET not in verdict.prefix
    if not kept:
        assert len(verdict.prefix) <= 41


def test_no_secret_refuses_only_tunnelled_requests() -> None:
    body = b'{"action":"buy","ticker":"NQ1!"}'
    assert isinstance(admit(request(body), ""), Admitted)
    tunnelled = admit(request(body, headers={"X-Forwarded-For": "1.2.3.4"}), "")
    assert isinstance(tunnelled, Refused) and tunnelled.status == 401


# --- numbers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("1e308", UnusableSignal),
        ("1e26", UnusableSignal),
        ("1e999999999", UnusableSignal),
        ("1e-999999999", UnusableSignal),
        ("1.00000000000000000000000000001", UnusableSignal),
        ("NaN", InvalidSignal),
        ("Infinity", InvalidSignal),
        ("x", InvalidSignal),
    ],
)
def test_absurd_numbers_are_refused(text: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        to_decimal(text, "price")


def test_sane_numbers_pass_and_minus_zero_is_zero() -> None:
    assert to_decimal("-0", "price") == 0 and str(to_decimal("-0", "price")) == "0"
    assert to_decimal("25600.25", "price") == D("25600.25")
    assert to_decimal("25600.2500000000000000", "price") == D("25600.25")
    assert to_whole("2.0", "qty") == 2
    with pytest.raises(UnusableSignal):
        to_whole("1e999999999", "qty")  # refused before it becomes a billion-digit int


def test_prices_beyond_a_contracts_range_are_refused() -> None:
    nq = BUILTIN_CONTRACTS["NQ"]
    assert validate_price(D("256000"), nq) == D("256000")  # plausible size: the band's job
    with pytest.raises(UnusableSignal, match="out of range"):
        validate_price(D("60000000"), nq)
    with pytest.raises(UnusableSignal, match="> 0"):
        validate_price(D("-0.25"), nq)


# --- the price band ------------------------------------------------------------------------


def signal_at(price: str, strategy: str = "S") -> Signal:
    return Signal(strategy, "NQ", Action.BUY, 1, D(price), NOW)


def test_band_refuses_far_prices_with_both_prices_and_needs_a_mark() -> None:
    book = Book(ContractBook())
    check_price_band(signal_at("256000"), book, D("0.10"))  # no mark: no band
    book.last_price["NQ"] = D("25600")
    check_price_band(signal_at("28160"), book, D("0.10"))  # exactly 10%: inside
    with pytest.raises(UnusableSignal) as info:
        check_price_band(signal_at("256000"), book, D("0.10"))
    assert "256000" in str(info.value) and "25600" in str(info.value)
    assert info.value.rule == "price_band"
    check_price_band(signal_at("256000"), book, D(0))  # 0 turns it off


def test_band_rejection_is_recorded_as_rejected() -> None:
    book = Book(ContractBook())
    book.last_price["NQ"] = D("25600")
    rules = IntakeRules(100, {}, lambda moment: moment.date())
    decision = decide_alert(alert("buy", "NQ1!", 1, "256000"), book, rules, None, NOW)
    assert decision.outcome is Outcome.REJECTED and decision.plan is None
    wide = replace(rules, price_band=D("10"))
    accepted = decide_alert(alert("buy", "NQ1!", 1, "256000"), book, wide, None, NOW)
    assert accepted.outcome is Outcome.ACCEPTED


# --- a future day --------------------------------------------------------------------------


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[Engine]:
    config = make_config(tmp_path)
    engine = Engine(config, await Ledger.open(config.ledger.resolved_path()), clock=lambda: NOW)
    await engine.start()
    yield engine
    await engine.stop()


async def test_a_day_not_yet_traded_has_no_open_pnl(engine: Engine) -> None:
    await engine.submit_alert(alert("buy", "NQ1!", 1, "25600", received=NOW))
    from tmtui.core.quotes import Quote

    engine.on_quote(Quote("CME_MINI:NQ1!", D("25657.625"), received=NOW))
    await engine.flush()
    queries = Queries(engine.ledger, engine.config, clock=lambda: NOW)
    today = await queries.day_report()
    assert today.open == D("1152.50")
    future = await queries.day_report(today.day + timedelta(days=7))
    assert (future.open, future.total, future.realized, future.trades) == (0, 0, 0, 0)


# --- CSV cells -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("-1+1", "'-1+1"),
        ("+A1+B1", "'+A1+B1"),
        ("=HYPERLINK(1)", "'=HYPERLINK(1)"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("ORB", "ORB"),
        (D("-1234.5"), "-1234.5"),
        (-3, "-3"),
        (None, ""),
    ],
)
def test_csv_cells_that_look_like_formulas_are_text(value: object, cell: str) -> None:
    assert plain(value) == cell


async def test_csv_export_round_trips_names_as_text_and_numbers_as_numbers() -> None:
    async def records() -> AsyncIterator[dict[str, Any]]:
        yield {"strategy": "-1+1", "net_pnl": D("-12.5")}

    out = io.StringIO()
    assert await write_csv(records(), ("strategy", "net_pnl"), out) == 1
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows == [["strategy", "net_pnl"], ["'-1+1", "-12.5"]]


# --- who holds the ledger ------------------------------------------------------------------


def test_a_writer_blocked_by_an_import_is_told_so(tmp_path: Path) -> None:
    ledger = tmp_path / "ledger.db"
    with InstanceLock.acquire(ledger, role="tmtui import"), pytest.raises(InstanceRunning) as info:
        InstanceLock.acquire(ledger)
    message = str(info.value)
    assert "`tmtui import`" in message and "wait for it to finish" in message
    assert "only one `tmtui run`" not in message


# --- a read-only ledger --------------------------------------------------------------------


def readonly_runner(folder: Path) -> list[str] | None:
    """How to run a command where `folder` cannot be written: a read-only bind mount in a
    user namespace (root ignores file modes), or plain chmod (everyone else); None: neither."""
    if os.geteuid() != 0:
        return []
    if shutil.which("unshare") is None:
        return None
    probe = subprocess.run(
        ["unshare", "--user", "--map-root-user", "--mount", "true"], capture_output=True
    )
    if probe.returncode != 0:
        return None
    script = f'mount --bind "{folder}" "{folder}" && mount -o remount,bind,ro "{folder}" && "$@"'
    return ["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", script, "sh"]


async def test_read_commands_work_on_a_read_only_ledger_and_writers_are_told_why(
    engine: Engine, tmp_path: Path
) -> None:
    await engine.submit_alert(alert("buy", "NQ1!", 1, "25600", received=NOW))
    await engine.stop()
    folder = tmp_path / "ro"
    folder.mkdir()
    shutil.copy(tmp_path / "ledger.db", folder / "ledger.db")
    config = tmp_path / "ro.toml"
    config.write_text(f'[ledger]\npath = "{folder / "ledger.db"}"\n')
    prefix = readonly_runner(folder)
    if prefix is None:
        pytest.skip("no way to make a folder read-only for root here (no user namespaces)")
    if not prefix:
        os.chmod(folder / "ledger.db", 0o444)
        os.chmod(folder, 0o555)

    def tmtui(*args: str) -> subprocess.CompletedProcess[str]:
        command = [*prefix, sys.executable, "-m", "tmtui", *args, "--config", str(config)]
        return subprocess.run(command, capture_output=True, text=True, timeout=30)

    try:
        for command in ("positions", "report", "trades", "strategies", "calendar"):
            result = tmtui(command, "--json")
            assert result.returncode == 0, (command, result.stderr)
        positions = tmtui("positions", "--json")
        assert '"NQ"' in positions.stdout
        verify = tmtui("ledger", "verify")
        assert verify.returncode == 0, verify.stderr
        backup = tmtui("ledger", "backup", str(tmp_path))
        assert backup.returncode == 0, backup.stderr
        for writer in (("ledger", "rebuild"), ("run", "--headless")):
            refused = tmtui(*writer)
            assert refused.returncode != 0
            text = refused.stderr.lower()
            assert "read-only file system" in text or "permission denied" in text, text
            assert "restore a backup" not in text and "unreadable" not in text
    finally:
        os.chmod(folder, 0o755)
