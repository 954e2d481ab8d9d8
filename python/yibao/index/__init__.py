"""The event index: the ledger's events in SQL (SQLite by default, PostgreSQL by URL), and
screening (事后监管) over it."""

__all__: list[str] = []
