"""Backtests as TradingView's Strategy Tester made them: its fills and its statistics.

Pure. `tv_fills` turns a "List of trades" into the orders TradingView filled (and the trade
still open at the end, which belongs to the backtest only); `lot_trades` splits any fills
into TradingView's trades (each entry lot matched first in, first out); `tv_stats` counts
those trades as the Strategy Tester's summary does.
"""
