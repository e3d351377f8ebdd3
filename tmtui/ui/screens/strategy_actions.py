"""The trading screen's strategy keys: `e` switches the selected strategy, `E` lists them all.

Switching off a strategy that holds a position asks first (`strategy_switch`); the list is
every strategy ever seen (the read side's), on or off, flat or not. Mixed into the
dashboard after the money keys (`TradingActions`).
"""

from __future__ import annotations

from tmtui.ui.screens.strategies import StrategiesScreen
from tmtui.ui.screens.strategy_switch import ask_to_switch, switched_note
from tmtui.ui.screens.trading_actions import TradingActions


class StrategyActions(TradingActions):
    """The dashboard's `e` and `E` (it provides the engine, the selection and the runner)."""

    def action_toggle_strategy(self) -> None:
        key = self.selected_key
        if self.engine is None or key is None:
            self.notify("No position selected.", severity="warning")
            return
        self._ask_toggle(key[0])

    def _ask_toggle(self, strategy: str) -> None:
        """Switch `strategy`; off while it holds a position asks first (see strategy_switch)."""
        engine = self.engine
        if engine is None:
            return
        legs = [
            f"{p.symbol} {p.side} {p.qty}" for p in engine.positions() if p.strategy == strategy
        ]

        def switch(enabled: bool) -> None:
            self._run_action(self._toggle(strategy, enabled), f"switch strategy {strategy}")

        ask_to_switch(self, strategy, engine.strategy_enabled(strategy), legs, switch)

    def action_pick_strategy(self) -> None:
        """Every strategy ever seen (the read side's list), on or off, flat or not."""
        if self.engine is None:
            return
        self._run_action(self._pick_strategy(), "list strategies")

    async def _pick_strategy(self) -> None:
        engine = self.engine
        if engine is None:
            return
        names = set(await engine.queries().strategy_names()) | set(engine.snapshot().strategies)
        strategies = {name: engine.strategy_enabled(name) for name in names}
        key = self.selected_key

        def chosen(strategy: str | None) -> None:
            if strategy:
                self._ask_toggle(strategy)

        self.app.push_screen(StrategiesScreen(strategies, key[0] if key else None), chosen)

    async def _toggle(self, strategy: str, enabled: bool) -> None:
        assert self.engine is not None
        await self.engine.set_strategy_enabled(strategy, enabled)
        text, severity = switched_note(strategy, enabled)
        self.notify(text, severity=severity, markup=False)  # type: ignore[arg-type]
