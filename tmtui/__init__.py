"""tmtui: a terminal trade manager for TradingView futures alerts."""

__version__ = "0.1.0"
