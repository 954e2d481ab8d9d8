"""Alembic's environment of the index: migrations run on the connection
:func:`yibao.index.database.upgrade` passes in ``config.attributes["connection"]`` (or, from
the ``alembic`` command line, on an engine of ``sqlalchemy.url``)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

from yibao.index.schema import metadata

__all__ = ["run_migrations"]


def run_migrations() -> None:
    """Run the migrations Alembic asks for, on the given connection or the configured URL."""
    config = context.config
    conn = config.attributes.get("connection")
    if conn is not None:
        context.configure(connection=conn, target_metadata=metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = sa.create_engine(str(config.get_main_option("sqlalchemy.url")))
    with engine.begin() as c:
        context.configure(connection=c, target_metadata=metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations()
