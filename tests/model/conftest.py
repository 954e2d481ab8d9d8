"""Fixtures of the reference-model tests (helpers live in ``modelworld``)."""

from __future__ import annotations

import pytest
from worlds.model_world import World


@pytest.fixture
def w() -> World:
    """A fresh standard world (see ``modelworld``)."""
    return World()
