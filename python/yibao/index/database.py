"""Opening the index's database: a SQLAlchemy URL, probed, migrated, and bound to one ledger.

:func:`open_index` creates the engine, checks that the database answers and can be written
(an unreachable server, an unwritable SQLite path or an unknown kind of URL is
:class:`~yibao.errors.DatabaseUnreachable`, one line naming the URL without its password),
refuses a schema newer than this version of yibao knows (:class:`~yibao.errors.IndexMismatch`)
and runs the Alembic migrations (``yibao/index/migrations``) up to head, programmatically.

:func:`bind` ties an index to one chain id and ledger address (table ``meta``); another
chain or ledger is refused by name.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine
from web3 import Web3

from yibao.errors import DatabaseUnreachable, IndexMismatch
from yibao.index import schema

#: The index file of a CLI home when no ``--db`` is given.
DEFAULT_FILE = "index.db"

MIGRATIONS = Path(__file__).parent / "migrations"


def default_url(home: Path) -> str:
    """``sqlite:///HOME/index.db``: the default index of a CLI home."""
    return f"sqlite:///{home / DEFAULT_FILE}"


def shown_url(url: str) -> str:
    """The URL as it may be printed: its password replaced by ``***``."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - not a URL at all: hide whatever looks like user:password@
        return re.sub(r"//([^:/@]*):[^@/]*@", r"//\1:***@", url)


def alembic_config() -> Config:
    """The migrations' Alembic configuration (no alembic.ini: the script folder is in the package)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def head_revision() -> str:
    """The newest schema revision this version of yibao knows."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def create(url: str) -> Engine:
    """An engine for ``url`` (not yet connected); an unknown kind of URL is DatabaseUnreachable."""
    shown = shown_url(url)
    try:
        parsed = sa.engine.make_url(url)
        args: dict[str, object] = {}
        if parsed.get_backend_name() == "postgresql":
            args["connect_timeout"] = 5
        engine = sa.create_engine(parsed, connect_args=args)
        if engine.dialect.name == "sqlite":
            sa.event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError, ImportError, ValueError) as exc:
        raise DatabaseUnreachable(f"cannot open the index at {shown}: {_first_line(exc)}") from None


#: SQLite's page cache per connection, KiB (its default is 2 MiB, less than the claims' indexes of
#: a few thousand claims: inserting into them then reads pages back from the OS on every row).
SQLITE_CACHE_KIB = 64 * 1024


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """A SQLite index: write-ahead log (one sync per commit, not per statement), foreign keys on,
    a page cache of :data:`SQLITE_CACHE_KIB` (taken as pages are used, not up front)."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    finally:
        cursor.close()


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _probe(engine: Engine, shown: str) -> None:
    """Connect and write (a SQLite path that cannot be created or written fails here)."""
    if engine.dialect.name == "sqlite":
        path = engine.url.database
        if path and path != ":memory:" and not Path(path).parent.is_dir():
            raise DatabaseUnreachable(f"cannot open the index at {shown}: folder {Path(path).parent} does not exist")
    try:
        with engine.begin() as conn:
            if engine.dialect.name == "sqlite":
                conn.exec_driver_sql("CREATE TABLE IF NOT EXISTS yibao_probe (x INTEGER)")
                conn.exec_driver_sql("DROP TABLE yibao_probe")
            else:
                conn.execute(sa.text("SELECT 1"))
    except sa.exc.DBAPIError as exc:
        raise DatabaseUnreachable(f"cannot open the index at {shown}: {_first_line(exc)}") from None


def _check_revision(conn: Connection, shown: str) -> None:
    current = MigrationContext.configure(conn).get_current_revision()
    if current is None:
        return
    script = ScriptDirectory.from_config(alembic_config())
    known = {r.revision for r in script.walk_revisions()}
    if current not in known:
        raise IndexMismatch(f"the index at {shown} has schema revision {current}, newer than this yibao "
                            f"knows (head {script.get_current_head()}): upgrade yibao")


def upgrade(engine: Engine, shown: str | None = None) -> None:
    """Migrate the database to the head revision (a newer unknown revision is refused)."""
    where = shown or shown_url(str(engine.url))
    try:
        with engine.begin() as conn:
            _check_revision(conn, where)
            cfg = alembic_config()
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    except sa.exc.OperationalError as exc:
        raise DatabaseUnreachable(f"cannot migrate the index at {where}: {_first_line(exc)}") from None


def open_index(url: str) -> Engine:
    """An engine on the index at ``url``: probed, and migrated to the head revision."""
    shown = shown_url(url)
    engine = create(url)
    try:
        _probe(engine, shown)
        upgrade(engine, shown)
    except BaseException:
        engine.dispose()
        raise
    return engine


# ---------------------------------------------------------------------- meta


def read_meta(conn: Connection) -> dict[str, str]:
    """The ``meta`` table as a dictionary."""
    return {str(k): str(v) for k, v in conn.execute(sa.select(schema.meta.c.key, schema.meta.c.value))}


def set_meta(conn: Connection, values: dict[str, str]) -> None:
    """Set keys of ``meta`` (inserted or updated)."""
    have = read_meta(conn)
    for k, v in values.items():
        if k in have:
            conn.execute(schema.meta.update().where(schema.meta.c.key == k).values(value=v))
        else:
            conn.execute(schema.meta.insert().values(key=k, value=v))


def last_block(conn: Connection) -> int:
    """The last block the index has read (``deploy_block - 1`` before the first run)."""
    return int(read_meta(conn)["last_block"])


def bind(engine: Engine, chain_id: int, ledger: str, deploy_block: int) -> int:
    """Bind an empty index to ``chain_id`` and ``ledger`` or check that it is bound to them
    (:class:`IndexMismatch` naming both otherwise); returns the last block read."""
    address = Web3.to_checksum_address(ledger)
    with engine.begin() as conn:
        have = read_meta(conn)
        if not have:
            set_meta(conn, {"chain_id": str(chain_id), "ledger": address, "deploy_block": str(deploy_block),
                            "last_block": str(deploy_block - 1)})
            return deploy_block - 1
        if have.get("chain_id") != str(chain_id) or have.get("ledger", "").lower() != address.lower():
            raise IndexMismatch(
                f"the index at {shown_url(str(engine.url))} holds chain {have.get('chain_id')} ledger "
                f"{have.get('ledger')}, not chain {chain_id} ledger {address}: give another --db")
        return int(have["last_block"])


__all__ = [
    "DEFAULT_FILE",
    "MIGRATIONS",
    "alembic_config",
    "bind",
    "create",
    "default_url",
    "head_revision",
    "last_block",
    "open_index",
    "read_meta",
    "set_meta",
    "shown_url",
    "upgrade",
]
