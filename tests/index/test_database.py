"""Opening the index: migrations equal to the schema, a newer schema refused, databases that
cannot be reached or written refused on one line without the password, the binding."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from web3 import Web3
from yibao.errors import DatabaseUnreachable, IndexMismatch
from yibao.index import schema
from yibao.index.database import bind, default_url, head_revision, open_index, read_meta, shown_url

LEDGER = "0x" + "ab" * 20


def test_the_migrated_database_is_the_schema(database_url: str) -> None:
    engine = open_index(database_url)
    try:
        with engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), schema.metadata) == []
            assert MigrationContext.configure(conn).get_current_revision() == head_revision()
        open_index(database_url).dispose()  # at head already: nothing to do
    finally:
        engine.dispose()


def test_a_newer_schema_is_refused(database_url: str) -> None:
    engine = open_index(database_url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(IndexMismatch, match="schema revision 9999, newer than this yibao knows"):
        open_index(database_url)


def test_the_binding(database_url: str) -> None:
    engine = open_index(database_url)
    address = Web3.to_checksum_address(LEDGER)
    try:
        assert bind(engine, 31337, LEDGER, 5) == 4
        assert bind(engine, 31337, address, 5) == 4  # the same ledger, however spelled
        with engine.connect() as conn:
            assert read_meta(conn) == {"chain_id": "31337", "ledger": address, "deploy_block": "5", "last_block": "4"}
        for chain_id, ledger in ((1, LEDGER), (31337, "0x" + "cd" * 20)):
            with pytest.raises(IndexMismatch) as e:
                bind(engine, chain_id, ledger, 5)
            msg = str(e.value)
            assert f"holds chain 31337 ledger {address}" in msg and "\n" not in msg
            assert f"not chain {chain_id} ledger {Web3.to_checksum_address(ledger)}" in msg
    finally:
        engine.dispose()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_an_unreachable_server_is_refused_without_its_password() -> None:
    url = f"postgresql+psycopg://auditor:s3cret@127.0.0.1:{_closed_port()}/index"
    with pytest.raises(DatabaseUnreachable) as e:
        open_index(url)
    msg = str(e.value)
    assert "s3cret" not in msg and "auditor:***@127.0.0.1" in msg and "\n" not in msg


@pytest.mark.parametrize("make", [
    lambda tmp: f"sqlite:///{tmp / 'no' / 'such' / 'folder' / 'index.db'}",
    lambda tmp: f"sqlite:///{tmp / 'a-file' / 'index.db'}",
    lambda tmp: "mysql+nosuchdriver://u:pw@localhost/x",
    lambda tmp: "not a url",
])
def test_unwritable_paths_and_unknown_urls_are_refused(tmp_path: Path, make: object) -> None:
    (tmp_path / "a-file").write_text("x")
    url = make(tmp_path)  # type: ignore[operator]
    with pytest.raises(DatabaseUnreachable) as e:
        open_index(url)
    assert "\n" not in str(e.value) and "pw@" not in str(e.value)


def test_a_read_only_sqlite_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "index.db"
    open_index(f"sqlite:///{path}").dispose()
    url = f"sqlite:///file:{path}?mode=ro&uri=true"
    with pytest.raises(DatabaseUnreachable, match="cannot open the index"):
        open_index(url)


def test_urls_are_shown_without_passwords(tmp_path: Path) -> None:
    assert shown_url("postgresql+psycopg://u:pw@h/db") == "postgresql+psycopg://u:***@h/db"
    assert default_url(tmp_path) == f"sqlite:///{tmp_path / 'index.db'}"
