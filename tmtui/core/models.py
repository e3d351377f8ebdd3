"""Plain data the rest of tmtui passes around: signals, fills, trades, errors.

Pure: no I/O, no Textual. Prices and money are `Decimal`; times are aware datetimes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum


class Action(StrEnum):
    """What an alert asks for, with its aliases folded."""

    BUY = "buy"
    SELL = "sell"
    CLOSE = "close"

    @classmethod
    def parse(cls, text: str) -> Action:
        """Map an alert's action word (buy, long, sell, short, close, exit, flatten)."""
        word = text.strip().lower()
        if word in ("buy", "long"):
            return cls.BUY
        if word in ("sell", "short"):
            return cls.SELL
        if word in ("close", "exit", "flatten", "flat"):
            return cls.CLOSE
        raise InvalidSignal(
            f"unknown action {text!r}: use buy, sell, long, short, close, exit or flatten"
        )


class Intent(StrEnum):
    """What an alert does to its position, whatever words its bridge used for it.

    Decided in `tmtui.core.alerts.signal_rules` from the alert's action, command and stated state;
    applied by `tmtui.core.alerts.position_rules`.
    """

    ENTER = "enter"
    """Buy or sell `qty` contracts: the position moves by +qty or -qty."""
    ADD = "add"
    """Add `qty` contracts on the side already held; nothing when flat."""
    EXIT = "exit"
    """Close what is open, or only `qty` contracts of it when a qty is given."""
    EXIT_LONG = "exit_long"
    """Close a long; a short or flat position is left as it is."""
    EXIT_SHORT = "exit_short"
    """Close a short; a long or flat position is left as it is."""
    REVERSE = "reverse"
    """Turn what is open to the other side: same size, or `qty` when given; nothing when flat."""
    FLATTEN = "flatten"
    """Close everything open, whatever qty the alert carries."""
    NONE = "none"
    """A bridge command that moves no position (cancel an order, a pending order...)."""


class Side(StrEnum):
    LONG = "long"
    SHORT = "short"

    @classmethod
    def of(cls, signed_qty: int) -> Side:
        return cls.LONG if signed_qty > 0 else cls.SHORT


class Outcome(StrEnum):
    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"
    IGNORED = "ignored"
    REJECTED = "rejected"


class TmtuiError(Exception):
    """Base for errors a trader should read: the message says what to do."""


def os_error_reason(exc: OSError) -> str:
    """An OSError as a trader reads it: `/x/y is a file, not a directory` beats `File exists`."""
    if isinstance(exc, FileExistsError | NotADirectoryError) and exc.filename:
        return f"{exc.filename} is a file, not a directory"
    reason = exc.strerror or str(exc)
    return f"{reason}: {exc.filename}" if exc.filename else reason


class ConfigError(TmtuiError):
    """The configuration file is wrong; the message names the key and the file."""


class UnknownContract(TmtuiError):
    """A ticker whose root is not in the contract table."""


class RuleRefusal(TmtuiError):
    """An alert refused by a named rule, with the figures that triggered it (for the log)."""

    default_rule = "refused"

    def __init__(
        self, message: str, *, rule: str | None = None, figures: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.rule = rule or self.default_rule
        self.figures = dict(figures or {})


class InvalidSignal(RuleRefusal):
    """An alert field is malformed (HTTP 400)."""

    default_rule = "alert_fields"


class UnusableSignal(RuleRefusal):
    """A well-formed alert tmtui cannot apply (HTTP 422)."""

    default_rule = "unusable"


class LedgerUnavailable(TmtuiError):
    """The signal could not be recorded durably (HTTP 503: TradingView resends)."""


class AwaitingQuote(LedgerUnavailable):
    """An alert without a price for a symbol with no quote yet: not recorded, answered 503
    so TradingView resends it (after 5 s, up to 3 times) while the feed is asked for the
    symbol; the resend is priced at the mark then. A 4xx would lose the signal for good."""

    def __init__(self, message: str, root: str) -> None:
        super().__init__(message)
        self.root = root


@dataclass(frozen=True, slots=True)
class AlertFields:
    """What a webhook body said, aliases folded, values still as sent (strings or numbers).

    Produced by `tmtui.core.alerts.alert_parsing`; validated into a `Signal` by the engine,
    which knows the contracts and limits.
    """

    action: str | None = None
    ticker: str | None = None
    qty: object = None
    price: object = None
    strategy: str | None = None
    alert_id: str | None = None
    time: str | None = None
    secret: str | None = None
    position_size: object = None
    market_position: str | None = None
    sentiment: str | None = None
    market_position_size: object = None
    prev_market_position: str | None = None
    prev_market_position_size: object = None
    prev_position_size: object = None
    command: str | None = None
    flatten_first: bool | None = None
    require_market_position: tuple[str, ...] | None = None
    exchange: str | None = None
    licence: str | None = None
    """PineConnector's licence number when a `secret=` field is the secret: masked, not used."""
    reverse_order_close: bool | None = None
    pyramid: bool | None = None


@dataclass(frozen=True, slots=True)
class Signal:
    """A validated instruction for one (strategy, root) position.

    `qty` is None for a close. `target` is the signed position the strategy says it holds
    afterwards, when the alert carried one; `target_side` is the side alone (long, short or
    flat) when that is all it said. `prev_target`/`prev_side` are what it says it held before.
    `intent` None means the plain meaning of `action` (buy/sell enter, close flattens), as for
    signals recorded before intents existed. `require` lists the sides the position must be on
    for the signal to apply; `pre_close` ("all", "long" or "short") is closed first.
    """

    strategy: str
    root: str
    action: Action
    qty: int | None
    price: Decimal | None
    time: datetime
    target: int | None = None
    source: str = "webhook"
    alert_id: str | None = None
    ticker: str = ""
    intent: Intent | None = None
    target_side: str | None = None
    prev_target: int | None = None
    prev_side: str | None = None
    require: tuple[str, ...] = ()
    pre_close: str | None = None
    note: str | None = None
    default_qty: bool = False

    @property
    def effective_intent(self) -> Intent:
        """The intent, or the one `action` implies for signals that carry none."""
        if self.intent is not None:
            return self.intent
        return Intent.FLATTEN if self.action is Action.CLOSE else Intent.ENTER


@dataclass(frozen=True, slots=True)
class Fill:
    """One execution derived from a signal: signed qty at a price, with its commission."""

    strategy: str
    root: str
    qty: int
    price: Decimal
    time: datetime
    commission: Decimal
    realized: Decimal
    closing_qty: int
    trade_id: int
    signal_id: int | None = None


@dataclass(slots=True)
class Trade:
    """A round trip, flat to flat. `exit_time` is None while it is open."""

    trade_id: int
    strategy: str
    root: str
    side: Side
    entry_time: datetime
    qty: int = 0
    entry_qty: int = 0
    entry_value: Decimal = Decimal(0)
    exit_qty: int = 0
    exit_value: Decimal = Decimal(0)
    gross: Decimal = Decimal(0)
    commission: Decimal = Decimal(0)
    mae: Decimal = Decimal(0)
    mfe: Decimal = Decimal(0)
    exit_time: datetime | None = None
    source: str = "live"
    """Which book it is of: `live`, or `backtest` (a strategy's imported TradingView backtest)."""

    @property
    def entry_price(self) -> Decimal:
        return self.entry_value / self.entry_qty if self.entry_qty else Decimal(0)

    @property
    def exit_price(self) -> Decimal | None:
        return self.exit_value / self.exit_qty if self.exit_qty else None

    @property
    def net(self) -> Decimal:
        return self.gross - self.commission


@dataclass(frozen=True, slots=True)
class IncomingAlert:
    """An authenticated, parsed webhook alert on its way to the engine.

    `raw` is the body with the secret redacted; `idem_key` is the explicit id together with a
    hash of the body, or the hash alone when the body carries a time field, else None (no
    dedupe): a resend is byte-identical, so key and body must both match.
    """

    fields: AlertFields
    raw: str
    peer: str
    received: datetime
    idem_key: str | None = None
    source: str = "webhook"


@dataclass(frozen=True, slots=True)
class AlertReply:
    """What the engine did with an alert, once it is committed to the ledger."""

    signal_id: int
    duplicate: bool
    outcome: Outcome
    message: str
    position: dict[str, object] | None = None
