"""Turning an alert's loose fields into a `Signal` tmtui can apply, or a clear refusal.

This is where each bridge's words become one meaning: an `Intent` (enter, exit, exit a long
only, reverse, flatten...), an optional qty (the strategy's default when an entry has none)
and the state the strategy says it holds after (and before) the order.

Malformed values (not a number, not a whole number) are `InvalidSignal` (HTTP 400); values
that are well-formed but unusable (unknown contract, qty over the limit, price ≤ 0) are
`UnusableSignal` (HTTP 422).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from tmtui.core.alerts.bridges.vocabulary import (
    Instruction,
    action_instruction,
    command_instruction,
)
from tmtui.core.alerts.number_checks import to_decimal, to_whole, validate_price
from tmtui.core.contracts import ContractBook
from tmtui.core.formatting import price_text
from tmtui.core.models import (
    Action,
    AlertFields,
    Intent,
    InvalidSignal,
    Signal,
    UnknownContract,
    UnusableSignal,
)

DEFAULT_STRATEGY = "default"
__all__ = ["build_signal", "signal_text", "to_decimal", "to_whole", "validate_price"]


def build_signal(
    fields: AlertFields,
    contracts: ContractBook,
    max_qty: int,
    received: datetime | None = None,
    source: str = "webhook",
    default_qty: int | Callable[[str], int] = 1,
) -> Signal:
    """Validate alert fields into a Signal; the strategy defaults to "default".

    Decides the intent from the alert's command or action word and what the strategy says it
    holds (see `tmtui.core.alerts.position_rules` for how it is applied). An entry without a qty
    takes `default_qty` (an int, or a function of the strategy name) unless the alert states
    the resulting size, which then decides alone.
    """
    if not fields.ticker:
        raise InvalidSignal("the alert has no ticker")
    strategy = fields.strategy or DEFAULT_STRATEGY
    instruction, word = _instruction(fields)
    try:
        spec = contracts.resolve(fields.ticker)
    except UnknownContract as exc:
        raise UnusableSignal(str(exc), rule="contract", figures={"ticker": fields.ticker}) from None
    target = _target(fields, max_qty)
    target_side = None if target is not None else (fields.market_position or fields.sentiment)
    if target is None and _exits_one_side(fields, instruction):
        # TradersPost: sell + sentiment flat exits a long only, buy + flat a short only.
        side = instruction.side
        instruction = EXIT_SHORT if side is Action.BUY else EXIT_LONG
        word, target_side = f"{fields.action} with sentiment flat", None
    qty = _qty(fields, instruction, max_qty)
    prev_target, prev_side = _prev_state(fields, max_qty)
    defaulted = False
    if qty is None and instruction.intent in (Intent.ENTER, Intent.ADD) and target is None:
        qty = default_qty(strategy) if callable(default_qty) else default_qty
        defaulted = True
        if not 1 <= qty <= max_qty:
            raise UnusableSignal(
                f"default qty {qty} is outside 1..{max_qty} (listener.max_qty)",
                rule="max_qty",
                figures={"qty": str(qty), "max_qty": str(max_qty)},
            )
    pre_close = _pre_close(fields, instruction)
    price = None
    if fields.price not in (None, ""):
        price = validate_price(to_decimal(fields.price, "price"), spec)
    ticker = fields.ticker
    if fields.exchange and ":" not in ticker:
        ticker = f"{fields.exchange}:{ticker}"
    return Signal(
        strategy=strategy,
        root=spec.root,
        action=instruction.side or Action.CLOSE,
        qty=qty,
        price=price,
        time=received or datetime.now(UTC),
        target=target,
        source=source,
        alert_id=fields.alert_id,
        ticker=ticker,
        intent=instruction.intent,
        target_side=target_side,
        prev_target=prev_target,
        prev_side=prev_side,
        require=_require(fields.require_market_position, instruction.require),
        pre_close=pre_close,
        note=f"{word}: {instruction.reason}" if instruction.reason else word,
        default_qty=defaulted,
    )


EXIT_LONG = Instruction(Intent.EXIT_LONG, Action.SELL)
EXIT_SHORT = Instruction(Intent.EXIT_SHORT, Action.BUY)


def _instruction(fields: AlertFields) -> tuple[Instruction, str]:
    """The instruction the alert's words give, and those words for the log."""
    if fields.command:
        words = f"command {fields.command.upper()}"
        return command_instruction(fields.command, fields.action), words
    if fields.action:
        return action_instruction(fields.action), fields.action.strip().lower()
    if "flat" in (fields.market_position, fields.sentiment):
        return action_instruction("close"), "close"
    raise InvalidSignal("the alert has no action (buy, sell, close ...)")


def _exits_one_side(fields: AlertFields, instruction: Instruction) -> bool:
    return (
        fields.sentiment == "flat"
        and fields.market_position is None
        and instruction.intent is Intent.ENTER
        and instruction.pre_close is None
        and not fields.flatten_first
    )


def _pre_close(fields: AlertFields, instruction: Instruction) -> str | None:
    """What an entry closes first: its own word's, CrossTrade's flatten_first, PickMyTrade's
    reverse_order_close (everything; only the other side when pyramid is on)."""
    if instruction.intent is not Intent.ENTER:
        return None
    if fields.flatten_first or (fields.reverse_order_close and not fields.pyramid):
        return "all"
    if fields.reverse_order_close:
        return "short" if instruction.side is Action.BUY else "long"
    return instruction.pre_close


def _qty(fields: AlertFields, instruction: Instruction, max_qty: int) -> int | None:
    """The alert's qty where its intent uses one (a full close ignores it), range-checked."""
    ignores = (Intent.FLATTEN, Intent.NONE, Intent.EXIT_LONG, Intent.EXIT_SHORT)
    if fields.qty in (None, "") or instruction.intent in ignores or instruction.ignore_qty:
        return None
    qty = to_whole(fields.qty, "qty")
    if not 1 <= qty <= max_qty:
        raise UnusableSignal(
            f"qty {qty} is outside 1..{max_qty} (listener.max_qty)",
            rule="max_qty",
            figures={"qty": str(qty), "max_qty": str(max_qty)},
        )
    return qty


def _target(fields: AlertFields, max_qty: int) -> int | None:
    """The signed position the strategy reports after this order, if it says exactly."""
    side = fields.market_position or fields.sentiment
    target = None
    if fields.position_size not in (None, ""):
        target = to_whole(fields.position_size, "position_size")
    elif fields.market_position_size not in (None, ""):
        target = _sized(side, fields.market_position_size, "market_position")
    if target is None:
        return None
    if side is not None and side != _side_word(target):
        raise InvalidSignal(
            f"position_size {target} disagrees with market_position {side}: send the "
            "strategy's own {{strategy.position_size}} and {{strategy.market_position}}"
        )
    if abs(target) > max_qty:
        raise UnusableSignal(
            f"position_size {target} is beyond {max_qty} contracts (listener.max_qty)",
            rule="position_size",
            figures={"position_size": str(target), "max_qty": str(max_qty)},
        )
    return target


def _prev_state(fields: AlertFields, max_qty: int) -> tuple[int | None, str | None]:
    """What the strategy says it held before this order: an exact size, or its side alone.

    Capped at 10x max_qty, not max_qty: a position held from before max_qty was lowered
    must still be closable.
    """
    prev = None
    if fields.prev_position_size not in (None, ""):
        prev = to_whole(fields.prev_position_size, "prev_position_size")
    elif fields.prev_market_position_size not in (None, "") and fields.prev_market_position:
        prev = _sized(
            fields.prev_market_position, fields.prev_market_position_size, "prev_market_position"
        )
    if prev is None:
        return None, fields.prev_market_position
    if abs(prev) > max_qty * 10:
        raise UnusableSignal(
            f"prev_position_size {prev} is implausibly large",
            rule="position_size",
            figures={"prev_position_size": str(prev), "cap": str(max_qty * 10)},
        )
    return prev, None


def _sized(side: str | None, size: object, name: str) -> int:
    """A signed size from an absolute one and its side (TradingView's *_market_position_size)."""
    amount = to_whole(size, f"{name}_size")
    if side is None:
        raise InvalidSignal(f"{name}_size needs {name} (long, short or flat) to give it a side")
    if amount < 0 or (amount == 0) != (side == "flat"):
        raise InvalidSignal(f"{name}_size {amount} disagrees with {name} {side}")
    return -amount if side == "short" else amount


def _side_word(position: int) -> str:
    return "flat" if position == 0 else ("long" if position > 0 else "short")


def _require(given: tuple[str, ...] | None, implied: tuple[str, ...]) -> tuple[str, ...]:
    """CrossTrade's require_market_position, narrowed by what the command itself requires."""
    if not given:
        return implied
    if not implied:
        return given
    return tuple(side for side in given if side in implied) or given


def signal_text(signal: Signal, tick: Decimal | None, with_price: bool = True) -> str:
    """How the log names a signal: `buy 2 NQ @ 25600.00`, `exit long NQ`, `reverse MNQ
    (target -2)`; its price with the contract's `tick` decimals (`core.formatting`)."""
    intent = signal.effective_intent
    words = {
        Intent.EXIT: "exit",
        Intent.EXIT_LONG: "exit long",
        Intent.EXIT_SHORT: "exit short",
        Intent.REVERSE: "reverse",
        Intent.ADD: "add",
        Intent.NONE: signal.note or "no-op",
    }
    verb = words.get(intent, signal.action.value)
    if intent is Intent.NONE:
        verb = verb.split(":", 1)[0]
    qty = "" if signal.qty is None else f" {signal.qty}"
    text = f"{verb}{qty} {signal.root}"
    if signal.default_qty:
        text += " (default qty)"
    if signal.target is not None:
        text += f" (target {signal.target})"
    elif signal.target_side is not None:
        text += f" (strategy {signal.target_side})"
    if with_price and signal.price is not None:
        text += f" @ {price_text(signal.price, tick)}"
    return text


def signal_to_dict(signal: Signal) -> dict[str, Any]:
    """The parsed fields as stored in the ledger; prices as strings to stay exact."""
    return {
        "strategy": signal.strategy,
        "root": signal.root,
        "action": signal.action.value,
        "qty": signal.qty,
        "price": None if signal.price is None else str(signal.price),
        "time": signal.time.isoformat(),
        "target": signal.target,
        "source": signal.source,
        "alert_id": signal.alert_id,
        "ticker": signal.ticker,
        "intent": None if signal.intent is None else signal.intent.value,
        "target_side": signal.target_side,
        "prev_target": signal.prev_target,
        "prev_side": signal.prev_side,
        "require": list(signal.require),
        "pre_close": signal.pre_close,
        "note": signal.note,
        "default_qty": signal.default_qty,
    }


def signal_from_dict(data: dict[str, Any]) -> Signal:
    return Signal(
        strategy=data["strategy"],
        root=data["root"],
        action=Action(data["action"]),
        qty=data["qty"],
        price=None if data["price"] is None else Decimal(data["price"]),
        time=datetime.fromisoformat(data["time"]),
        target=data["target"],
        source=data.get("source", "webhook"),
        alert_id=data.get("alert_id"),
        ticker=data.get("ticker", ""),
        intent=Intent(data["intent"]) if data.get("intent") else None,
        target_side=data.get("target_side"),
        prev_target=data.get("prev_target"),
        prev_side=data.get("prev_side"),
        require=tuple(data.get("require", ())),
        pre_close=data.get("pre_close"),
        note=data.get("note"),
        default_qty=bool(data.get("default_qty", False)),
    )
