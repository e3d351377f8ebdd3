"""Price feeds: TradingView quote websocket, TradingView scanner, and replay."""
