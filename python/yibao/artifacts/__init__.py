"""Compiled contracts, checked in; regenerate with ``make build``."""
