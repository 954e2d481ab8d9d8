"""The custodian's store of record ciphertexts, content-addressed by SHA-256 (the hash the
chain registers): a folder (one file per envelope) or a database table (SQLAlchemy; SQLite or
PostgreSQL). Only envelopes are kept, never a data key or a plaintext."""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path
from collections.abc import Callable
from typing import Protocol, TypeVar

from sqlalchemy import Column, LargeBinary, MetaData, String, Table, create_engine, delete, insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from yibao.errors import DatabaseUnreachable, RecordUnavailable
from yibao.records.crypto import content_hash

T = TypeVar("T")
_metadata = MetaData()
BLOBS = Table("record_envelopes", _metadata, Column("content_hash", String(66), primary_key=True),
              Column("envelope", LargeBinary, nullable=False))


class RecordStore(Protocol):
    """Where a custodian keeps envelopes."""

    def put(self, envelope: bytes) -> bytes:
        """Keep ``envelope``; its SHA-256."""

    def get(self, digest: bytes) -> bytes:
        """The envelope whose SHA-256 is ``digest`` as stored (not checked here: readers check
        it against the chain); :class:`RecordUnavailable` when there is none."""

    def retire(self, digest: bytes) -> None:
        """Remove an envelope (a retired version); nothing if it is not there."""


def _name(digest: bytes) -> str:
    return "0x" + digest.hex()


class FolderStore:
    """Envelopes as files ``<sha256 hex>.rec`` in a folder of mode 0700."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _path(self, digest: bytes) -> Path:
        return self.folder / f"{digest.hex()}.rec"

    def put(self, envelope: bytes) -> bytes:
        digest = content_hash(envelope)
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        tmp = self.folder / f".{secrets.token_hex(6)}.tmp"
        tmp.write_bytes(envelope)
        os.replace(tmp, self._path(digest))
        return digest

    def get(self, digest: bytes) -> bytes:
        try:
            return self._path(digest).read_bytes()
        except FileNotFoundError:
            raise RecordUnavailable(f"the custodian's store holds no envelope {_name(digest)}") from None

    def retire(self, digest: bytes) -> None:
        with contextlib.suppress(FileNotFoundError):
            self._path(digest).unlink()


class TableStore:
    """Envelopes as rows of the table ``record_envelopes`` in a database given by URL."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine: Engine = create_engine(url)
        self._run(lambda: _metadata.create_all(self.engine))

    def _run(self, work: Callable[[], T]) -> T:
        try:
            return work()
        except SQLAlchemyError as exc:
            raise DatabaseUnreachable(f"record store {self.engine.url.render_as_string(hide_password=True)}: "
                                      f"{str(exc).splitlines()[0]}") from None

    def put(self, envelope: bytes) -> bytes:
        digest = content_hash(envelope)

        def work() -> None:
            with self.engine.begin() as db:
                if db.execute(select(BLOBS.c.content_hash).where(BLOBS.c.content_hash == _name(digest))).first():
                    return
                db.execute(insert(BLOBS).values(content_hash=_name(digest), envelope=envelope))

        self._run(work)
        return digest

    def get(self, digest: bytes) -> bytes:
        def work() -> bytes | None:
            with self.engine.connect() as db:
                row = db.execute(select(BLOBS.c.envelope).where(BLOBS.c.content_hash == _name(digest))).first()
                return None if row is None else bytes(row[0])

        found = self._run(work)
        if found is None:
            raise RecordUnavailable(f"the custodian's store holds no envelope {_name(digest)}")
        return found

    def retire(self, digest: bytes) -> None:
        def work() -> None:
            with self.engine.begin() as db:
                db.execute(delete(BLOBS).where(BLOBS.c.content_hash == _name(digest)))

        self._run(work)


def open_store(where: str | Path) -> RecordStore:
    """A store by location: a database URL (``sqlite:///…``, ``postgresql+psycopg://…``) or a folder."""
    text = str(where)
    if "://" in text:
        return TableStore(text)
    return FolderStore(Path(text))


__all__ = ["BLOBS", "FolderStore", "RecordStore", "TableStore", "open_store"]
