"""`yibao bench --screen`: screening time as the index grows, and the scratch databases of the
index benchmarks.

:func:`scratch_database` gives a benchmark a database it may fill and empty: a SQLite file in
a temporary folder by default; on a PostgreSQL URL a fresh schema (dropped afterwards); on
another URL the index's own tables, dropped before and after. A database that holds a real
index (a ``meta`` row) is refused by name before anything is written.

:func:`run_screen` loads a synthetic world of each size straight into the tables
(:func:`yibao.index.synthetic.time_screen`) and times screening's rules over it.
"""

from __future__ import annotations

import itertools
import math
import secrets
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from yibao.errors import DatabaseUnreachable, InputError
from yibao.index import schema
from yibao.index.database import create, shown_url

#: Issue 12's target: screening a million claims in at most a minute (SQLite and PostgreSQL).
SCREEN_TARGET_S = 60.0
SCREEN_TARGET_CLAIMS = 1_000_000
DEFAULT_SIZES = (100_000, 300_000, 1_000_000)

#: Called as each size is measured: (the row, sizes done, sizes to do).
ScreenReport = Callable[[dict[str, Any], int, int], None]


def _error_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def refuse_real_index(url: str) -> None:
    """Refuse (InputError, naming the database) a database whose ``meta`` table has rows: it
    holds an index bound to a ledger, which a benchmark must never drop."""
    shown = shown_url(url)
    engine = create(url)
    try:
        with engine.connect() as conn:
            if not sa.inspect(conn).has_table(schema.meta.name):
                return
            meta = {str(k): str(v) for k, v in conn.execute(sa.select(schema.meta.c.key, schema.meta.c.value))}
    except sa.exc.DBAPIError as exc:
        raise DatabaseUnreachable(f"cannot open the database at {shown}: {_error_line(exc)}") from None
    finally:
        engine.dispose()
    if meta:
        raise InputError(f"the database at {shown} holds an index (chain {meta.get('chain_id')} ledger "
                         f"{meta.get('ledger')}): the bench drops its tables; give an empty database")


def _drop_owned(url: str) -> None:
    """Drop the index's tables and its Alembic version table, where they exist."""
    engine = create(url)
    try:
        schema.metadata.drop_all(engine)
        with engine.begin() as conn:
            conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
    finally:
        engine.dispose()


@contextmanager
def _postgres_schema(url: str) -> Iterator[str]:
    """A fresh schema on the PostgreSQL server of ``url``, dropped afterwards: the URL yielded
    has it as its only search path."""
    name = f"yibao_bench_{secrets.token_hex(6)}"
    admin = create(url)
    try:
        with admin.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{name}"'))
    except sa.exc.DBAPIError as exc:
        admin.dispose()
        raise DatabaseUnreachable(f"cannot create a schema at {shown_url(url)}: {_error_line(exc)}") from None
    try:
        yield sa.engine.make_url(url).update_query_dict({"options": f"-csearch_path={name}"}).render_as_string(
            hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
        admin.dispose()


@contextmanager
def scratch_database(url: str | None, name: str = "bench.db") -> Iterator[str]:
    """A database URL a benchmark may fill: a new SQLite file (``url`` None), a fresh schema
    of the PostgreSQL database ``url``, or the database ``url`` with the index's tables dropped
    (before and after). A database that holds a real index is refused."""
    if url is None:
        folder = Path(tempfile.mkdtemp(prefix="yibao-bench-"))
        try:
            yield f"sqlite:///{folder / name}"
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    refuse_real_index(url)
    if sa.engine.make_url(url).get_backend_name() == "postgresql":
        with _postgres_schema(url) as scratch:
            yield scratch
        return
    _drop_owned(url)
    try:
        yield url
    finally:
        _drop_owned(url)


def growth(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """How screening time grows from each size to the next: the size and time ratios, and the
    exponent ``k`` of time ∝ claims^k between them."""
    out: list[dict[str, Any]] = []
    for a, b in itertools.pairwise(rows):
        size_ratio = b["claims"] / a["claims"]
        time_ratio = b["screen_s"] / a["screen_s"] if a["screen_s"] > 0 else None
        exponent = (math.log(time_ratio) / math.log(size_ratio)
                    if time_ratio and size_ratio > 0 and size_ratio != 1 else None)
        out.append({"from": a["claims"], "to": b["claims"], "size_ratio": round(size_ratio, 3),
                    "time_ratio": None if time_ratio is None else round(time_ratio, 3),
                    "exponent": None if exponent is None else round(exponent, 3)})
    return out


def judge_screen(rows: Sequence[dict[str, Any]]) -> dict[str, bool | None]:
    """Issue 12's target: every size of a million claims or more screened in at most 60 s;
    None when no size was that large (smaller sizes are not judged)."""
    big = [r for r in rows if r["claims"] >= SCREEN_TARGET_CLAIMS]
    return {"screen_1m_within_60s": all(r["screen_s"] <= SCREEN_TARGET_S for r in big) if big else None}


def run_screen(url: str | None, sizes: Sequence[int] = DEFAULT_SIZES, *, seed: int = 1,
               report: ScreenReport | None = None) -> dict[str, Any]:
    """Screening time per size of a synthetic index in the database ``url`` (default: a SQLite
    file in a temporary folder): one row per size (``claims``, ``load_s``, ``screen_s``,
    ``leads``, ``claims_per_second``), the growth between sizes, and the target's verdict."""
    from yibao.index.synthetic import time_screen

    rows: list[dict[str, Any]] = []
    with scratch_database(url, "screen.db") as scratch:
        dialect = sa.engine.make_url(scratch).get_backend_name()
        for size in sizes:
            row = time_screen(scratch, [size], seed=seed)[0]
            row["claims_per_second"] = round(size / row["screen_s"]) if row["screen_s"] > 0 else None
            rows.append(row)
            if report is not None:
                report(row, len(rows), len(sizes))
    return {"database": dialect, "url": "temporary SQLite file" if url is None else shown_url(url), "seed": seed,
            "sizes": rows, "growth": growth(rows), "targets_met": judge_screen(rows)}


__all__ = [
    "DEFAULT_SIZES",
    "SCREEN_TARGET_CLAIMS",
    "SCREEN_TARGET_S",
    "ScreenReport",
    "growth",
    "judge_screen",
    "refuse_real_index",
    "run_screen",
    "scratch_database",
]
