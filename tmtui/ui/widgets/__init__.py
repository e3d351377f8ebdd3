"""Reusable widgets of the trading screen; each one reads a `Snapshot` and computes no money."""
