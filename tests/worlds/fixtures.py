"""A world built once per module and backend, restored after each test (snapshot and revert)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pytest
from yibao.chain import dev_account
from yibao.client import Ledger

W = TypeVar("W")


def world_fixtures(build: Callable[[Ledger], W]) -> tuple[Any, Any]:
    """The fixtures ``world_state`` (``build`` run once per module on each backend; the chain
    goes back to the empty ledger after the module) and ``w`` (that world, restored after each
    test, since the ``ledger`` fixture snapshots after ``world_state``). Assign both at the
    module's top level: ``world_state, w = world_fixtures(build_world)``."""

    @pytest.fixture(scope="module")
    def world_state(deployed: Ledger) -> Iterator[W]:
        chain = deployed.chain
        snap = chain.snapshot()
        try:
            yield build(deployed.acting_as(dev_account(0)))
        finally:
            chain.revert(snap)

    @pytest.fixture
    def w(world_state: W, ledger: Ledger) -> W:
        return world_state

    return world_state, w


__all__ = ["world_fixtures"]
