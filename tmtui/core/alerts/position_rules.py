"""What one signal does to one position: the signed size after it, and what to say about it.

Pure and small on purpose: every bridge's meaning ends up here, as an `Intent` plus the state
the strategy says it holds, and the book only applies the number this module returns.

The rules, in order:

1. `require` (CrossTrade's require_market_position): if the position is on another side the
   signal is skipped, and says so.
2. The order: `pre_close` is closed first, then the intent moves the position (ENTER by
   +/-qty, EXIT to zero or by qty toward it, EXIT_LONG only from a long...). An intent that
   cannot apply (EXIT_LONG while short, ADD or REVERSE while flat, NONE) is skipped, and says
   why, unless the strategy stated its resulting size.
3. The stated state wins: an exact size (`position_size`, or `market_position_size` with its
   side, or the previous size plus the order) is where the position ends; a side alone
   (`market_position` / `sentiment`) is met by the order if it gets there, else by leaving the
   other side and entering this one with the order's qty. When the order alone would have
   ended elsewhere, a drift line says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from tmtui.core.models import Action, Intent, Signal


@dataclass(frozen=True, slots=True)
class Resolution:
    """The position after a signal, and the words for the log.

    `drift` is (what the order alone would have made, where the stated state put it) when
    those differ; `skipped` says why the signal changes nothing; `notes` are drift lines.
    """

    after: int
    drift: tuple[int, int] | None = None
    skipped: str | None = None
    notes: tuple[str, ...] = ()


def side_of(position: int) -> str:
    return "flat" if position == 0 else ("long" if position > 0 else "short")


def describe(position: int) -> str:
    """`long 2`, `short 1` or `flat`, as the log says it."""
    return "flat" if position == 0 else f"{side_of(position)} {abs(position)}"


def resolve(signal: Signal, before: int) -> Resolution:
    """The position after `signal` when `before` is held; see the module docstring."""
    notes = _prev_notes(signal, before)
    if signal.require and side_of(before) not in signal.require:
        allowed = " or ".join(signal.require)
        return Resolution(
            before,
            skipped=f"it applies only when the position is {allowed}, and it is {describe(before)}",
            notes=notes,
        )
    expected, skipped = _order_result(signal, _after_pre_close(signal.pre_close, before))
    target = _exact_target(signal)
    if target is not None:
        drift = None if expected in (None, target) else (expected, target)
        return Resolution(target, drift, notes=notes + _drift_notes(signal, expected, target))
    if skipped is not None:
        return Resolution(before, skipped=skipped, notes=notes)
    assert expected is not None, "an order with neither qty nor target cannot be resolved"
    after = _meet_side(signal, expected, before)
    drift = None if after == expected else (expected, after)
    return Resolution(after, drift, notes=notes + _drift_notes(signal, expected, after))


def _after_pre_close(pre_close: str | None, before: int) -> int:
    if pre_close == "all" or (pre_close == side_of(before) and before != 0):
        return 0
    return before


def _order_result(signal: Signal, base: int) -> tuple[int | None, str | None]:
    """(the position the order alone makes, or why it makes none)."""
    intent, qty, what = signal.effective_intent, signal.qty, signal.note or "the alert"
    if intent is Intent.ENTER:
        if qty is None:
            return None, None
        return base + (qty if signal.action is Action.BUY else -qty), None
    if intent is Intent.ADD:
        if base == 0:
            return None, f"{what} adds to an open position, and there is none"
        return base + (qty or 0) * (1 if base > 0 else -1), None
    if intent is Intent.EXIT:
        if qty is None or qty >= abs(base):
            return 0, None
        return base - qty * (1 if base > 0 else -1), None
    if intent is Intent.FLATTEN:
        return 0, None
    if intent in (Intent.EXIT_LONG, Intent.EXIT_SHORT):
        side = "long" if intent is Intent.EXIT_LONG else "short"
        if side_of(base) == side:
            return 0, None
        return None, f"{what} exits a {side} only, and the position is {describe(base)}"
    if intent is Intent.REVERSE:
        if base == 0:
            return None, f"{what} reverses an open position, and there is none"
        return (-qty if base > 0 else qty) if qty else -base, None
    return None, signal.note or "the alert moves no position"


def _exact_target(signal: Signal) -> int | None:
    """The exact size the strategy says it holds after this order, if the alert tells."""
    if signal.target is not None:
        return signal.target
    plain_order = signal.effective_intent is Intent.ENTER and signal.pre_close is None
    if signal.prev_target is not None and signal.qty is not None and plain_order:
        step = signal.qty if signal.action is Action.BUY else -signal.qty
        return signal.prev_target + step
    return None


def _meet_side(signal: Signal, expected: int, before: int) -> int:
    """Where a stated side (no size) puts the position, given what the order alone makes."""
    side = signal.target_side
    if side is None or side == side_of(expected):
        return expected
    if side == "flat":
        return 0
    size = signal.qty or abs(expected) or abs(before) or 1
    return size if side == "long" else -size


def _drift_notes(signal: Signal, expected: int | None, after: int) -> tuple[str, ...]:
    if expected is None or expected == after:
        return ()
    stated = describe(after) if signal.target_side is None else signal.target_side
    return (
        f"{signal.strategy} {signal.root}: the strategy reports {stated}, but the order alone "
        f"would have made it {describe(expected)}; position set to {describe(after)}",
    )


def _prev_notes(signal: Signal, before: int) -> tuple[str, ...]:
    if signal.prev_target is not None:
        if signal.prev_target == before:
            return ()
        stated = describe(signal.prev_target)
    elif signal.prev_side is not None and signal.prev_side != side_of(before):
        stated = signal.prev_side
    else:
        return ()
    return (
        f"{signal.strategy} {signal.root}: the strategy reports it was {stated} before this "
        f"order, tmtui held {describe(before)}",
    )
