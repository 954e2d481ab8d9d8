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


# ---------------------------------------------------------------------------
# databases: every index and screening test runs on SQLite and on a real PostgreSQL
# ---------------------------------------------------------------------------

DATABASES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """The URL of a PostgreSQL server: the one ``make test`` started (``YIBAO_TEST_POSTGRES``),
    or one of this process's own (tools/postgres.py); skipped, saying why, where PostgreSQL
    is not installed."""
    import importlib.util
    import os
    from pathlib import Path

    given = os.environ.get("YIBAO_TEST_POSTGRES")
    if given:
        yield given
        return
    spec = importlib.util.spec_from_file_location(
        "yibao_test_postgres", Path(__file__).resolve().parent.parent / "tools" / "postgres.py")
    assert spec is not None and spec.loader is not None
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    if tool.binaries() is None:
        pytest.skip("PostgreSQL is not installed here (Debian package postgresql; `make postgres` installs it)")
    import tempfile

    # not under pytest's own temporary folder: that one is private (0700), and under root the
    # server runs as an unprivileged user who must reach its data folder
    folder = Path(tempfile.mkdtemp(prefix="yibao-test-pg-"))
    url = tool.start(folder)
    try:
        yield url
    finally:
        tool.stop(folder)


_DATABASE_COUNT = iter(range(1, 1_000_000))


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path: object) -> Iterator[str]:
    """An empty database for one test: a SQLite file, or a new PostgreSQL database (dropped
    afterwards)."""
    import os
    from pathlib import Path

    if request.param == "sqlite":
        yield f"sqlite:///{Path(str(tmp_path)) / 'index.db'}"
        return
    from worlds.postgres import postgres_database

    server: str = request.getfixturevalue("postgres_server")
    with postgres_database(server, f"t_{os.getpid()}_{next(_DATABASE_COUNT)}") as url:
        yield url
