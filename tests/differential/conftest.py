"""Fixtures of the differential tests (random worlds played by the model and the contracts).

Tests marked ``slow`` run only when asked for (``-m slow``, or any marker expression that
names ``slow``). ``anvil`` tests use the session's anvil node (tests/conftest.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from yibao.chain import Chain
from yibao.units import day_of_timestamp
from yibao.chain.node import AnvilNode


@pytest.fixture(autouse=True)
def _slow_is_opt_in(request: pytest.FixtureRequest) -> None:
    if request.node.get_closest_marker("slow") is None:
        return
    if "slow" not in (request.config.getoption("-m") or ""):
        pytest.skip("larger run: select it with -m slow")


@pytest.fixture
def anvil_next_day(anvil_node: AnvilNode) -> Callable[[], dt.date]:
    """The first whole day after the shared anvil node's latest block (China time).

    The node is shared by the session and its clock only moves forward (it starts at the
    wall clock), so a world played on it must start after whatever ran before.
    """

    def next_day() -> dt.date:
        return day_of_timestamp(Chain.connect(anvil_node.url).timestamp()) + dt.timedelta(days=1)

    return next_day
