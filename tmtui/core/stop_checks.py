"""Per-position exits measured now: stop_loss, trailing_stop, profit_lock, take_profit.

Each becomes a trigger price for the position: a stop (the position exits when its P&L
falls to it) or a target (exits when its P&L rises to it). Ticks and points are distances
from the average price (or, trailing, from the round trip's best price); dollars are the
position's open P&L after the round-turn commission of its open contracts.
"""

from __future__ import annotations

from decimal import Decimal

from tmtui.core.book import Position
from tmtui.core.breach import breach_price, price_for_pnl
from tmtui.core.contracts import ContractSpec
from tmtui.core.risk_checks import Level, Measure, RiskInputs, RuleCheck, level_of
from tmtui.core.risk_limits import Amount, Stops
from tmtui.core.risk_state import RiskState

STOP_RULES = ("stop_loss", "trailing_stop", "profit_lock", "take_profit")


class _Pricer:
    """One position's prices for an amount, from a reference price or its average."""

    def __init__(self, pos: Position, spec: ContractSpec, per_side: Decimal) -> None:
        self.pos, self.spec, self.per_side = pos, spec, per_side

    def points(self, amount: Amount) -> Decimal:
        """The amount as a price distance; dollars spread over the quantity held."""
        pts = amount.points(self.spec)
        if pts is not None:
            return pts
        return amount.value / (self.pos.qty * self.pos.point_value)

    def at_gain(self, amount: Amount, sign: int) -> Decimal:
        """The price where the position has gained (sign 1) or lost (sign -1) `amount`
        from its average: dollars net of the round-turn commission."""
        pos = self.pos
        pts = amount.points(self.spec)
        if pts is not None:
            return pos.avg_price + sign * pts * pos.sign
        return price_for_pnl(pos, sign * amount.value + 2 * self.per_side * pos.qty)


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
        out.append(_price_check("stop_loss", pos, spec, trigger, pos.avg_price, down=True))
    if stops.trailing_stop is not None:
        trigger = best - pricer.points(stops.trailing_stop) * pos.sign
        out.append(
            _price_check("trailing_stop", pos, spec, trigger, best, down=True, note=f"best {best}")
        )
    if (pl := stops.profit_lock) is not None:
        out.append(_profit_lock(pos, spec, pricer, best, pl.after, pl.lock))
    if stops.take_profit is not None:
        trigger = pricer.at_gain(stops.take_profit, 1)
        out.append(_price_check("take_profit", pos, spec, trigger, pos.avg_price, down=False))
    return out


def _profit_lock(
    pos: Position, spec: ContractSpec, pricer: _Pricer, best: Decimal, after: Amount, lock: Amount
) -> RuleCheck:
    """Armed once the best price gained `after`; then a stop at a gain of `lock`."""
    trigger = pricer.at_gain(lock, 1)
    arm_at = pricer.at_gain(after, 1)
    if (best - arm_at) * pos.sign >= 0:
        return _price_check(
            "profit_lock", pos, spec, trigger, best, down=True, note=f"armed (best {best})"
        )
    arm = breach_price(pos, spec, arm_at, falling=pos.sign < 0).price
    check = _price_check("profit_lock", pos, spec, trigger, best, down=True)
    return RuleCheck(
        check.rule,
        check.strategy,
        check.root,
        Measure.PRICE,
        check.limit,
        check.value,
        None,
        Level.OK,
        check.breach_prices,
        note=f"not armed: arms at {arm}",
    )


def _price_check(
    rule: str,
    pos: Position,
    spec: ContractSpec,
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
    falling = (pos.sign > 0) == down
    qty = pos.qty
    shown = breach_price(pos, spec, trigger, falling, qty)
    limit = shown.price if shown.price is not None else trigger
    if pos.mark is None:
        return RuleCheck(
            rule, pos.strategy, pos.root, Measure.PRICE, limit, None, None, Level.OK, (shown,), note
        )
    per_point = qty * pos.point_value * pos.sign  # P&L is linear in price: dollars per point
    to_trigger = (pos.mark - trigger) * per_point
    distance = to_trigger if down else -to_trigger
    span = abs((reference - trigger) * per_point)
    level = level_of(distance, span)
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
    )
