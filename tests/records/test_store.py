"""The custodian's store of envelopes, a folder or a database table (SQLite and PostgreSQL):
content-addressed by SHA-256, a second put of the same envelope a no-op, a retired envelope gone,
a missing one `RecordUnavailable` by name, an unreachable database `DatabaseUnreachable`."""

from __future__ import annotations

from pathlib import Path

import pytest

from yibao.errors import DatabaseUnreachable, RecordUnavailable
from yibao.records import crypto
from yibao.records.store import FolderStore, RecordStore, TableStore, open_store


def _laws(store: RecordStore) -> None:
    envelope, _ = crypto.encrypt(b"a record", b"aad")
    other, _ = crypto.encrypt(b"another record", b"aad")
    digest = store.put(envelope)
    assert digest == crypto.content_hash(envelope)
    assert store.put(envelope) == digest  # the same envelope again: nothing new
    store.put(other)
    assert store.get(digest) == envelope and store.get(crypto.content_hash(other)) == other
    store.retire(digest)
    store.retire(digest)  # retiring twice is nothing
    with pytest.raises(RecordUnavailable, match="holds no envelope 0x" + digest.hex()):
        store.get(digest)
    assert store.get(crypto.content_hash(other)) == other


def test_a_folder_store(tmp_path: Path) -> None:
    store = open_store(tmp_path / "records")
    assert isinstance(store, FolderStore)
    _laws(store)
    assert (tmp_path / "records").stat().st_mode & 0o077 == 0  # the custodian's folder is its own


def test_a_table_store(database_url: str) -> None:
    store = open_store(database_url)
    assert isinstance(store, TableStore)
    _laws(store)
    _laws(TableStore(database_url))  # the table exists already: opened again, used again


def test_an_unreachable_database_is_named() -> None:
    with pytest.raises(DatabaseUnreachable, match="record store"):
        TableStore("postgresql+psycopg://nobody@127.0.0.1:1/none")
