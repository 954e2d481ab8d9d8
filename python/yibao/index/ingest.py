"""Reading the ledger's events into the index: incremental, idempotent, reorg-safe.

:func:`index_ledger` binds the index to the ledger's chain id and address (refusing another:
:class:`~yibao.errors.IndexMismatch`), rolls back what a reorg took away, then reads the
blocks after the last one indexed, by chunks of :data:`CHUNK_BLOCKS`: each chunk's rows are
inserted in bulk in one transaction with the chunk's last block as ``meta.last_block``, so an
interrupted run leaves a consistent index and the next run resumes after the last chunk.

**Reorgs.** The index keeps the hash of every block it read that had a ledger event, and of
the last block of every chunk. If the chain's block at ``last_block`` no longer has the stored
hash, the fork point is the highest stored block whose hash the chain still has: every row
above it is deleted, the derived columns of the claims it touched are recomputed from the rows
that remain, a consent revoked above it is not revoked any more, and reading goes on from there.

**Records** (records.md): a ``RecordRotated`` row takes the person and custodian of the
record's version 1, and a ``ConsentRevoked`` sets its consent's ``revoked_day`` and
``revoked_block``, both once the chunk's rows are in (the record or consent may be among them);
a served access's ``time`` is its block's timestamp.

**Derived claim state** mirrors what ``claimInfo`` says: the decision, then in chain order
each review (approve: APPROVED, reason NONE, the review's fund, the epoch = the institution's
settlements so far; reject: REJECTED with REVIEW_REJECTED, or APPEAL_REJECTED for an appeal),
appeal (APPEALED, the reason kept), clawback (CLAWED_BACK, fund and reason kept, as the
contract stores them) and a finalized case's rejection (REJECTED with SUPERVISION, the fund
kept); an APPROVED claim whose epoch its institution has settled (a ``Settled`` row of that
epoch) is SETTLED.
"""

from __future__ import annotations

import operator
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from yibao.client.ledger import Ledger
from yibao.index import schema
from yibao.index.cases import link_cases
from yibao.index.chainread import block_hashes, read_range
from yibao.index.database import bind, set_meta
from yibao.index.events import Rows, is_decision, to_rows
from yibao.memory import no_collection
from yibao.model.types import ClaimStatus, Reason

#: Blocks read and committed together (one database transaction).
CHUNK_BLOCKS = 5_000
#: The tables a first load fills before it builds their secondary indexes (:func:`deferred_indexes`).
BULK_TABLES = (schema.claims, schema.claim_lines)
#: Ids per ``IN (…)`` list.
IN_CHUNK = 500

#: A progress callback: (blocks done, blocks to do).
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class IndexReport:
    """What one run of :func:`index_ledger` did."""

    chain_id: int
    ledger: str
    first_block: int  #: the first block read (last_block + 1 when nothing was to read)
    last_block: int  #: the index's last block now
    blocks: int  #: blocks read
    logs: int  #: ledger logs read
    claims: int  #: claims added
    rows: int  #: rows inserted (all tables)
    rolled_back: int  #: blocks dropped after a reorg (0: none)
    fork_block: int | None  #: the fork point of that reorg
    unread: int  #: claims whose submission was not a direct submitClaims call (no person, no lines)
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def index_ledger(ledger: Ledger, engine: Engine, *, progress: Progress | None = None,
                 to_block: int | None = None, chunk: int = CHUNK_BLOCKS) -> IndexReport:
    """Index the events of ``ledger`` up to ``to_block`` (default: the chain's head)."""
    started = time.perf_counter()
    chain = ledger.chain
    deploy = int(ledger.manifest.block)
    last = bind(engine, chain.chain_id, ledger.address, deploy)
    fork = find_fork(ledger, engine, last)
    rolled = 0
    if fork is not None:
        rolled = last - fork
        with engine.begin() as conn:
            rollback(conn, fork)
        last = fork
    top = chain.block_number() if to_block is None else min(to_block, chain.block_number())
    first = last + 1
    total = max(0, top - last)
    logs = claims = rows = unread = 0
    if progress:
        progress(0, total)
    start = first
    with deferred_indexes(engine, defer=total > 0 and _no_claims(engine)):
        while start <= top:
            end = min(top, start + chunk - 1)
            with no_collection():
                got = read_range(chain, ledger.address, start, end, is_decision)
                batch = to_rows(got.logs, got.txs)
                with engine.begin() as conn:
                    insert_rows(conn, batch, got.blocks)
                    set_meta(conn, {"last_block": str(end)})
            logs += len(got.logs)
            claims += len(batch.tables.get(schema.claims, ()))
            rows += batch.count()
            unread += batch.unread
            if progress:
                progress(end - last, total)
            start = end + 1
    return IndexReport(chain.chain_id, ledger.address, first, max(top, last), total, logs, claims, rows, rolled,
                       fork, unread, time.perf_counter() - started)


def _no_claims(engine: Engine) -> bool:
    with engine.connect() as conn:
        return conn.execute(sa.select(schema.claims.c.claim_id).limit(1)).first() is None


@contextmanager
def deferred_indexes(engine: Engine, *, defer: bool) -> Iterator[None]:
    """A first load (no claims indexed yet) inserts into :data:`BULK_TABLES` without their
    secondary indexes and builds them once at the end, pass or fail: sorting the keys once
    costs less than keeping four indexes, three of them on random keys (claim id, person), up
    to date row by row (5,000 claims from anvil: about 0.1 s of 0.8 s). Whatever the run, it
    first rebuilds any of those indexes a killed first load left missing."""
    restore_indexes(engine)
    if defer:
        with engine.begin() as conn:
            for table in BULK_TABLES:
                for index in table.indexes:
                    index.drop(conn)
    try:
        yield
    finally:
        if defer:
            restore_indexes(engine)


def restore_indexes(engine: Engine) -> int:
    """Create the indexes of :data:`BULK_TABLES` the database lacks; how many were made."""
    made = 0
    with engine.begin() as conn:
        inspector = sa.inspect(conn)
        for table in BULK_TABLES:
            have = {i["name"] for i in inspector.get_indexes(table.name)}
            for index in sorted(table.indexes, key=lambda i: str(i.name)):
                if index.name not in have:
                    index.create(conn)
                    made += 1
    return made


def insert_rows(conn: Connection, rows: Rows, blocks: dict[int, tuple[str, int]]) -> None:
    """Insert a chunk's rows in bulk and bring the derived claim state up to date."""
    if blocks:
        conn.execute(schema.blocks.insert(), [{"number": n, "hash": h, "timestamp": t}
                                               for n, (h, t) in sorted(blocks.items())])
    for row in rows.tables.get(schema.record_accesses, ()):
        row["time"] = blocks.get(row["block"], ("", 0))[1]
    for table in schema.metadata.sorted_tables:  # claims before their lines
        batch = rows.tables.get(table)
        if batch:
            bulk_insert(conn, table, batch)
    _records_steps(conn, rows)
    for institution, epoch in rows.settled:
        c = schema.claims.c
        conn.execute(schema.claims.update()
                     .where(c.institution == institution, c.status == int(ClaimStatus.APPROVED), c.epoch == epoch)
                     .values(status=int(ClaimStatus.SETTLED)))
    if rows.touched:
        recompute(conn, rows.touched)
    if rows.tables.get(schema.cases):
        link_cases(conn)


def _records_steps(conn: Connection, rows: Rows) -> None:
    """A record's new versions (with the person and custodian of its version 1) and the
    consents' revocations, after the chunk's rows (their record or consent may be among them)."""
    r = schema.records
    for v in rows.rotated:
        first = sa.select(sa.literal(v["record"]), sa.literal(v["version"]), r.c.person, r.c.custodian,
                          sa.literal(v["content_hash"]), sa.literal(v["block"]), sa.literal(v["log_index"]),
                          sa.literal(v["tx"])).where(r.c.record == v["record"], r.c.version == 1)
        conn.execute(r.insert().from_select(
            ["record", "version", "person", "custodian", "content_hash", "block", "log_index", "tx"], first))
    k = schema.consents
    for x in rows.revoked:
        conn.execute(k.update().where(k.c.consent_id == x["consent_id"])
                     .values(revoked_day=x["revoked_day"], revoked_block=x["revoked_block"]))


def bulk_insert(conn: Connection, table: sa.Table, batch: list[dict[str, Any]]) -> None:
    """Insert rows that all have the same keys: the statement compiled once and sent to the
    driver's ``executemany`` as is (SQLAlchemy's per-row parameter processing costs more than
    the insert; the values are plain ints, strings, bools and None). On PostgreSQL: ``COPY``."""
    if conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg":
        keys = list(batch[0])
        values = operator.itemgetter(*keys)
        quote = conn.dialect.identifier_preparer.quote
        raw: Any = conn.connection.driver_connection
        with raw.cursor() as cursor, cursor.copy(
                f"COPY {quote(table.name)} ({', '.join(quote(k) for k in keys)}) FROM STDIN") as copy:
            for row in batch:
                copy.write_row(values(row) if len(keys) > 1 else (values(row),))
        return
    compiled = table.insert().compile(dialect=conn.dialect, column_keys=list(batch[0]))
    if compiled.positiontup is not None:
        values = operator.itemgetter(*compiled.positiontup)
        conn.exec_driver_sql(str(compiled), [values(row) for row in batch] if len(compiled.positiontup) > 1
                             else [(values(row),) for row in batch])
    else:
        conn.exec_driver_sql(str(compiled), batch)


# ---------------------------------------------------------------------- reorgs


def find_fork(ledger: Ledger, engine: Engine, last: int) -> int | None:
    """None if the chain still has the index's last block; else the fork point (the highest
    stored block the chain still has, or the block before the deployment)."""
    deploy = int(ledger.manifest.block)
    if last < deploy:
        return None
    with engine.connect() as conn:
        stored = conn.execute(sa.select(schema.blocks.c.hash).where(schema.blocks.c.number == last)).scalar()
        have = block_hashes(ledger.chain, [last])[last]
        if stored is not None and have == stored:
            return None
        known = conn.execute(sa.select(schema.blocks.c.number, schema.blocks.c.hash)
                             .where(schema.blocks.c.number < last).order_by(schema.blocks.c.number.desc())).all()
    for start in range(0, len(known), 100):
        part = known[start:start + 100]
        chain_hashes = block_hashes(ledger.chain, [int(n) for n, _ in part])
        for n, h in part:
            if chain_hashes[int(n)] == h:
                return int(n)
    return deploy - 1


def rollback(conn: Connection, fork: int) -> None:
    """Delete every row above block ``fork`` and recompute the claims those rows touched."""
    c = schema.claims.c
    touched: set[str] = set()
    for table in (schema.reviews, schema.appeals, schema.clawbacks):
        touched.update(str(x) for x in conn.execute(sa.select(table.c.claim_id).where(table.c.block > fork)).scalars())
    unsettled = set(conn.execute(sa.select(schema.settlements.c.institution)
                                 .where(schema.settlements.c.block > fork)).scalars())
    touched.update(str(x) for x in conn.execute(sa.select(schema.case_steps.c.claim_id).where(
        schema.case_steps.c.block > fork, schema.case_steps.c.claim_id.is_not(None))).scalars())
    conn.execute(schema.claim_lines.delete().where(
        schema.claim_lines.c.claim_id.in_(sa.select(c.claim_id).where(c.block > fork))))
    gone = sa.select(schema.cases.c.case_id).where(schema.cases.c.block > fork)
    conn.execute(schema.case_claims.delete().where(schema.case_claims.c.case_id.in_(gone)))
    conn.execute(schema.leads.update().where(schema.leads.c.case_id.in_(gone)).values(status="OPEN", case_id=None))
    k = schema.consents.c
    conn.execute(schema.consents.update().where(k.revoked_block > fork).values(revoked_day=None, revoked_block=None))
    for table in schema.CHAIN_TABLES:
        if table in (schema.claim_lines, schema.case_claims):
            continue
        column = table.c.number if table is schema.blocks else table.c.block
        conn.execute(table.delete().where(column > fork))
    for part in _parts(sorted(unsettled)):
        touched.update(str(x) for x in conn.execute(sa.select(c.claim_id).where(
            c.institution.in_(part), c.status == int(ClaimStatus.SETTLED))).scalars())
    recompute(conn, touched)
    set_meta(conn, {"last_block": str(fork)})


# ---------------------------------------------------------------------- derived claim state


def _parts(items: Sequence[str]) -> Iterable[Sequence[str]]:
    for i in range(0, len(items), IN_CHUNK):
        yield items[i:i + IN_CHUNK]


def _steps(conn: Connection, ids: Sequence[str]) -> dict[str, list[tuple[int, int, str, Any]]]:
    """Each claim's reviews, appeals and clawbacks as (block, log_index, kind, row), in order."""
    out: dict[str, list[tuple[int, int, str, Any]]] = {}
    rejected = schema.case_steps.c.kind == "claim_rejected"
    for kind, table, where in (("review", schema.reviews, None), ("appeal", schema.appeals, None),
                               ("clawback", schema.clawbacks, None), ("case_rejected", schema.case_steps, rejected)):
        for part in _parts(ids):
            query = sa.select(table).where(table.c.claim_id.in_(part))
            for r in conn.execute(query if where is None else query.where(where)).mappings():
                out.setdefault(str(r["claim_id"]), []).append((int(r["block"]), int(r["log_index"]), kind, r))
    for steps in out.values():
        steps.sort(key=lambda s: (s[0], s[1]))
    return out


def derive(claim: Any, steps: list[tuple[int, int, str, Any]],
           settlements: list[tuple[int, int, int]]) -> dict[str, int]:
    """A claim's status, reason, fund and epoch after its steps; ``settlements`` are its
    institution's (block, log_index, epoch), in order."""
    def epoch_at(block: int, index: int) -> int:
        return sum(1 for b, i, _ in settlements if (b, i) < (block, index))

    status, reason, fund = int(claim["decided_status"]), int(claim["decided_reason"]), int(claim["decided_fund"])
    epoch = epoch_at(int(claim["block"]), int(claim["log_index"]))
    for block, index, kind, r in steps:
        if kind == "review" and r["approved"]:
            status, reason, fund, epoch = int(ClaimStatus.APPROVED), int(Reason.NONE), int(r["fund"]), \
                epoch_at(block, index)
        elif kind == "review":
            status = int(ClaimStatus.REJECTED)
            reason = int(Reason.APPEAL_REJECTED if r["appeal"] else Reason.REVIEW_REJECTED)
            fund = int(r["fund"])
        elif kind == "appeal":
            status = int(ClaimStatus.APPEALED)
        elif kind == "case_rejected":  # a finalized supervision case (the fund share stays as stored)
            status, reason = int(ClaimStatus.REJECTED), int(Reason.SUPERVISION)
        else:
            status = int(ClaimStatus.CLAWED_BACK)
    if status == ClaimStatus.APPROVED and any(e == epoch for _, _, e in settlements):
        status = int(ClaimStatus.SETTLED)
    return {"status": status, "reason": reason, "fund": fund, "epoch": epoch}


def recompute(conn: Connection, claim_ids: Iterable[str]) -> int:
    """Recompute the derived columns of these claims (those still indexed) from their rows;
    returns how many were recomputed."""
    ids = sorted(set(claim_ids))
    c = schema.claims.c
    claims = [r for part in _parts(ids) for r in conn.execute(
        sa.select(c.claim_id, c.institution, c.decided_status, c.decided_reason, c.decided_fund, c.block,
                  c.log_index).where(c.claim_id.in_(part))).mappings()]
    if not claims:
        return 0
    steps = _steps(conn, [str(r["claim_id"]) for r in claims])
    institutions = sorted({str(r["institution"]) for r in claims})
    settled: dict[str, list[tuple[int, int, int]]] = {}
    s = schema.settlements.c
    for part in _parts(institutions):
        for inst, block, index, epoch in conn.execute(sa.select(s.institution, s.block, s.log_index, s.epoch).where(
                s.institution.in_(part)).order_by(s.block, s.log_index)):
            settled.setdefault(str(inst), []).append((int(block), int(index), int(epoch)))
    updates = [{"cid": str(r["claim_id"]), **{f"new_{k}": v for k, v in derive(
        r, steps.get(str(r["claim_id"]), []), settled.get(str(r["institution"]), [])).items()}} for r in claims]
    conn.execute(schema.claims.update().where(c.claim_id == sa.bindparam("cid")).values(
        status=sa.bindparam("new_status"), reason=sa.bindparam("new_reason"), fund=sa.bindparam("new_fund"),
        epoch=sa.bindparam("new_epoch")), updates)
    return len(updates)


__all__ = [
    "BULK_TABLES",
    "CHUNK_BLOCKS",
    "IndexReport",
    "Progress",
    "bulk_insert",
    "deferred_indexes",
    "derive",
    "find_fork",
    "index_ledger",
    "insert_rows",
    "recompute",
    "restore_indexes",
    "rollback",
]
