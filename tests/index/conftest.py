"""Fixtures of the screening tests: an empty index's engine on each database, and a row builder
over it (tests/index/screenrows.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from screenrows import Rows, open_engine, rows_in


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
