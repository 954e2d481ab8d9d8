"""Shared fixtures: one chain per backend per session, snapshot/revert around every test.

``chain`` is parametrised over the embedded EVM and an anvil node started here (and
stopped at the end of the session), so a chain test runs on both. Each test starts
from the same deployed, empty ledger: the fixture takes a snapshot after deployment
and reverts to it after the test (as titanoboa does), which is much faster than
redeploying.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import settings

import datetime as dt

from yibao.chain import Chain, dev_account
from yibao.units import noon_cst
from yibao.client import Ledger
from yibao.chain.node import AnvilNode

# Deterministic Hypothesis runs: the same examples on every machine and every run.
settings.register_profile("yibao", derandomize=True, deadline=None, print_blob=True)
settings.load_profile("yibao")

BACKENDS = ["embedded", pytest.param("anvil", marks=pytest.mark.anvil)]


#: Chain tests run on a controlled clock starting the day before 2026-01-01 (CST), so tests can
#: use 2026 dates and move time forward without racing the wall clock.
GENESIS = noon_cst(dt.date(2025, 12, 31))


@pytest.fixture(scope="session")
def anvil_node() -> Iterator[AnvilNode]:
    node = AnvilNode(timestamp=GENESIS)
    try:
        yield node
    finally:
        node.stop()


@pytest.fixture(scope="session", params=BACKENDS)
def base_chain(request: pytest.FixtureRequest) -> Chain:
    if request.param == "embedded":
        chain = Chain.embedded(genesis_timestamp=GENESIS)
    else:
        node: AnvilNode = request.getfixturevalue("anvil_node")
        chain = Chain.connect(node.url)
    chain.set_clock(chain.timestamp() + 1)
    return chain


@pytest.fixture(scope="session")
def deployed(base_chain: Chain) -> Ledger:
    """A fresh deployment on each backend (admin = dev account 0)."""
    return Ledger.deploy(base_chain, dev_account(0))


@pytest.fixture
def ledger(deployed: Ledger) -> Iterator[Ledger]:
    """The deployed ledger, restored to its just-deployed state after the test."""
    snap = deployed.chain.snapshot()
    try:
        yield deployed.acting_as(dev_account(0))
    finally:
        deployed.chain.revert(snap)


@pytest.fixture
def chain(ledger: Ledger) -> Chain:
    return ledger.chain
