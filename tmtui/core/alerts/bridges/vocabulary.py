"""The action and command words of every supported bridge, and what each does to a position.

One table per kind of word, so adding a bridge's word is one line. Every word is matched in
lower case; `-` and spaces inside a word count as `_` (`enter-long`, `Enter Long`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from tmtui.core.models import Action, Intent, InvalidSignal


@dataclass(frozen=True, slots=True)
class Instruction:
    """What one action or command word asks for.

    `side` is the order's direction for ENTER (and the closing side of the exits);
    `pre_close` is closed before the order ("all", "long" or "short"); `require` lists the
    sides the position must be on; `ignore_qty` drops a qty the bridge itself ignores;
    `reason` says why a word that moves nothing is recorded but not applied.
    """

    intent: Intent
    side: Action | None = None
    pre_close: str | None = None
    require: tuple[str, ...] = ()
    ignore_qty: bool = False
    reason: str | None = None


_NO_ORDERS = "tmtui tracks positions, not working orders, so the position is unchanged"
_PENDING = (
    "a pending order is not a fill: tmtui changes the position when the strategy's alert "
    "reports the fill"
)
_BUY = Instruction(Intent.ENTER, Action.BUY)
_SELL = Instruction(Intent.ENTER, Action.SELL)
_FLATTEN = Instruction(Intent.FLATTEN)
_EXIT_LONG = Instruction(Intent.EXIT_LONG, Action.SELL)
_EXIT_SHORT = Instruction(Intent.EXIT_SHORT, Action.BUY)
_CANCEL = Instruction(Intent.NONE, reason=_NO_ORDERS)

ACTION_WORDS: Final[Mapping[str, Instruction]] = {
    # TradingView's {{strategy.order.action}}, TradersPost, PickMyTrade, Tickerly, Tradovate
    # bridges, PineConnector (buy/long/bull/bullish...), 3Commas custom signals (enter_long...)
    **dict.fromkeys(("buy", "long", "bull", "bullish", "enter_long"), _BUY),
    **dict.fromkeys(("sell", "short", "bear", "bearish", "enter_short"), _SELL),
    # close everything: tmtui's own words, PickMyTrade `close`, the Tradovate bridges' `flat`,
    # PineConnector `closeall`/`closelongshort`, Tickerly `closeall`
    **dict.fromkeys(("close", "flatten", "flat", "closeall", "closelongshort"), _FLATTEN),
    # TradersPost `exit`: everything, or `quantity` contracts of it
    "exit": Instruction(Intent.EXIT),
    **dict.fromkeys(("closelong", "exit_long", "exitlong"), _EXIT_LONG),
    **dict.fromkeys(("closeshort", "exit_short", "exitshort"), _EXIT_SHORT),
    # PineConnector: close one side, then enter
    "closelongbuy": Instruction(Intent.ENTER, Action.BUY, pre_close="long"),
    "closelongsell": Instruction(Intent.ENTER, Action.SELL, pre_close="long"),
    "closeshortbuy": Instruction(Intent.ENTER, Action.BUY, pre_close="short"),
    "closeshortsell": Instruction(Intent.ENTER, Action.SELL, pre_close="short"),
    "reverse": Instruction(Intent.REVERSE),
    "add": Instruction(Intent.ADD),
    **dict.fromkeys(("cancel", "cancellong", "cancelshort"), _CANCEL),
    **dict.fromkeys(
        ("buystop", "buylimit", "sellstop", "selllimit"), Instruction(Intent.NONE, reason=_PENDING)
    ),
    **dict.fromkeys(
        ("newsltplong", "newsltpshort"),
        Instruction(Intent.NONE, reason="it changes a stop loss or take profit only"),
    ),
    **dict.fromkeys(
        ("eaon", "eaoff"), Instruction(Intent.NONE, reason="it switches PineConnector's EA")
    ),
}

# CrossTrade's `command=`; None means "the order the `action=` word gives".
COMMAND_WORDS: Final[Mapping[str, Instruction | None]] = {
    "place": None,
    "flatplace": Instruction(Intent.ENTER, pre_close="all"),
    "closeposition": Instruction(Intent.EXIT),
    **dict.fromkeys(("flatten", "flatteneverything", "closestrategy"), _FLATTEN),
    "reverse": Instruction(Intent.REVERSE, ignore_qty=True),
    "reverseposition": Instruction(Intent.ENTER, pre_close="all", require=("long", "short")),
    **dict.fromkeys(
        (
            "cancel",
            "cancelorder",
            "cancelorders",
            "cancelallorders",
            "cancelreplace",
            "cancelandbracket",
            "change",
        ),
        _CANCEL,
    ),
}

ACTION_HINT: Final = "buy, sell, long, short, close, exit, flatten, closelong, closeshort, reverse"


def normal_word(word: str) -> str:
    """The table spelling of a word as sent: lower case, `-` and spaces as `_`."""
    return "_".join(word.strip().lower().replace("-", " ").split())


def is_action_word(word: str) -> bool:
    return normal_word(word) in ACTION_WORDS


def action_instruction(word: str) -> Instruction:
    """The instruction an action word gives; unknown words are a 400 naming the known ones."""
    found = ACTION_WORDS.get(normal_word(word))
    if found is None:
        raise InvalidSignal(f"unknown action {word!r}: use {ACTION_HINT}")
    return found


def command_instruction(command: str, action: str | None) -> Instruction:
    """The instruction of a CrossTrade command, with its `action=` word where it needs one."""
    word = normal_word(command)
    if word not in COMMAND_WORDS:
        known = ", ".join(sorted(w.upper() for w in COMMAND_WORDS))
        raise InvalidSignal(f"unknown command {command!r}: use one of {known}")
    found = COMMAND_WORDS[word]
    if found is not None and found.intent is not Intent.ENTER:
        return found
    if action is None:
        raise InvalidSignal(f"command {command.upper()} needs an action (BUY or SELL)")
    order = action_instruction(action)
    if order.intent is not Intent.ENTER or order.pre_close is not None:
        raise InvalidSignal(f"command {command.upper()} needs action BUY or SELL, not {action!r}")
    if found is None:
        return order
    return Instruction(Intent.ENTER, order.side, pre_close=found.pre_close, require=found.require)
