"""Fixtures of the index tests: an empty index's engine on each database, a row builder over it
(tests/index/screenrows.py), and an index opened as ``yibao index`` opens it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from screenrows import Rows, open_engine, rows_in
from yibao.index.database import open_index


@pytest.fixture
def engine(database_url: str) -> Iterator[sa.Engine]:
    eng = open_engine(database_url)
    try:
        yield eng
    finally:
        eng.dispose()


@pytest.fixture
def rows(engine: sa.Engine) -> Iterator[Rows]:
    with rows_in(engine) as r:
        yield r


@pytest.fixture
def index_engine(database_url: str) -> Iterator[sa.Engine]:
    """An index opened (probed and migrated) by :func:`yibao.index.database.open_index`."""
    eng = open_index(database_url)
    try:
        yield eng
    finally:
        eng.dispose()
