"""Local stand-ins for TradingView's quote websocket and scanner, on 127.0.0.1."""
