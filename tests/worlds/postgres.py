"""A throwaway PostgreSQL database for a test (the server is tests/conftest.py's ``postgres_server``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def postgres_database(server: str, name: str) -> Iterator[str]:
    """A new, empty database ``name`` on the PostgreSQL ``server`` (its URL), dropped afterwards."""
    import sqlalchemy as sa

    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as c:
            c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


__all__ = ["postgres_database"]
