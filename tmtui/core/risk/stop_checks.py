"""Per-position exits measured now: stop_loss, trailing_stop, profit_lock, take_profit.

Each becomes a trigger price for the position: a stop (the position exits when its P&L
falls to it) or a target (exits when its P&L rises to it). Ticks and points are distances
from the average price (or, trailing, from the round trip's best price); dollars are the
position's open P&L after the round-turn commission of its open contracts.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from tmtui.core.book.book import Position
from tmtui.core.contracts import ContractSpec
from tmtui.core.formatting import price_text
from tmtui.core.risk.breach import breach_price
from tmtui.core.risk.risk_checks import Level, Measure, RiskInputs, RuleCheck, level_of
from tmtui.core.risk.risk_limits import Amount, Stops
from tmtui.core.risk.risk_state import RiskState

STOP_RULES = ("stop_loss", "trailing_stop", "profit_lock", "take_profit")


class _Pricer:
    """One position's figures, counted once: its size, average and dollars per point."""

    def __init__(self, pos: Position, spec: ContractSpec, per_side: Decimal) -> None:
        self.pos, self.spec, self.per_side = pos, spec, per_side
        self.qty = pos.qty
        self.avg = pos.avg_price
        self.per_point = self.qty * pos.point_value * pos.sign
        """Signed dollars of open P&L per point of price: P&L is linear in price."""

    def points(self, amount: Amount) -> Decimal:
        """The amount as a price distance; dollars spread over the quantity held."""
        pts = amount.points(self.spec)
        if pts is not None:
            return pts
        return amount.value / abs(self.per_point)

    def at_gain(self, amount: Amount, sign: int) -> Decimal:
        """The price where the position has gained (sign 1) or lost (sign -1) `amount`
        from its average: dollars net of the round-turn commission."""
        pts = amount.points(self.spec)
        if pts is not None:
            return self.avg + sign * pts * self.pos.sign
        wanted = sign * amount.value + 2 * self.per_side * self.qty
        return self.avg + wanted / self.per_point

    def text(self, price: Decimal | None) -> str:
        """A price of this contract for a note: its tick's decimals (`best 18012.50`)."""
        return price_text(price, self.spec.tick_size)


def stop_checks(
    inputs: RiskInputs, state: RiskState, stops: Stops, pos: Position
) -> list[RuleCheck]:
    """Every configured per-position exit of one position, in the order they act."""
    spec = inputs.contracts[pos.root]
    pricer = _Pricer(pos, spec, inputs.commission_for(pos.root))
    best = state.best_price(pos)
    out = []
    if stops.stop_loss is not None:
        trigger = pricer.at_gain(stops.stop_loss, -1)
        out.append(_price_check("stop_loss", pricer, trigger, pricer.avg, down=True))
    if stops.trailing_stop is not None:
        trigger = best - pricer.points(stops.trailing_stop) * pos.sign
        out.append(
            _price_check(
                "trailing_stop", pricer, trigger, best, down=True, note=f"best {pricer.text(best)}"
            )
        )
    if (pl := stops.profit_lock) is not None:
        out.append(_profit_lock(pricer, best, pl.after, pl.lock))
    if stops.take_profit is not None:
        trigger = pricer.at_gain(stops.take_profit, 1)
        out.append(_price_check("take_profit", pricer, trigger, pricer.avg, down=False))
    return out


def _profit_lock(pricer: _Pricer, best: Decimal, after: Amount, lock: Amount) -> RuleCheck:
    """Armed once the best price gained `after`; then a stop at a gain of `lock`."""
    pos = pricer.pos
    trigger = pricer.at_gain(lock, 1)
    arm_at = pricer.at_gain(after, 1)
    if (best - arm_at) * pos.sign >= 0:
        note = f"armed (best {pricer.text(best)})"
        return _price_check("profit_lock", pricer, trigger, best, down=True, note=note)
    arm = breach_price(pos, pricer.spec, arm_at, pos.sign < 0, pricer.qty).price
    check = _price_check("profit_lock", pricer, trigger, best, down=True)
    note = f"not armed: arms at {pricer.text(arm)}"
    return replace(check, distance=None, level=Level.OK, note=note)


def _price_check(
    rule: str,
    pricer: _Pricer,
    trigger: Decimal,
    reference: Decimal,
    *,
    down: bool,
    note: str = "",
) -> RuleCheck:
    """A trigger price: `down` exits when P&L falls to it, else when it rises to it.

    The distance is the dollars of open P&L between the mark and the trigger; the level
    compares it with the dollars between `reference` and the trigger. A target nearing
    is no danger: it stays OK until hit.
    """
    pos = pricer.pos
    falling = (pos.sign > 0) == down
    shown = breach_price(pos, pricer.spec, trigger, falling, pricer.qty)
    limit = shown.price if shown.price is not None else trigger
    tick = pricer.spec.tick_size
    if pos.mark is None:
        return RuleCheck(
            rule,
            pos.strategy,
            pos.root,
            Measure.PRICE,
            limit,
            None,
            None,
            Level.OK,
            (shown,),
            note,
            tick,
        )
    to_trigger = (pos.mark - trigger) * pricer.per_point
    distance = to_trigger if down else -to_trigger
    level = level_of(distance, abs((reference - trigger) * pricer.per_point))
    if not down and level is not Level.BREACHED:
        level = Level.OK
    return RuleCheck(
        rule,
        pos.strategy,
        pos.root,
        Measure.PRICE,
        limit,
        pos.mark,
        distance,
        level,
        (shown,),
        note,
        tick,
    )
