"""``index_ledger``: every event in its table, derived claim state equal to ``claimInfo``,
incremental and idempotent runs, an interrupted run, reorgs rolled back, and the binding to
one ledger. Each test runs on SQLite and PostgreSQL (``database_url``) and on both chains."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from ingest_checks import assert_claims_match_chain, assert_rows_match_events, count
from indexworld import IndexWorld, build
from worlds import random_world
from worlds.fixtures import world_fixtures
from yibao.chain import Chain, dev_account
from yibao.client import Ledger
from yibao.errors import IndexMismatch
from yibao.index import schema
from yibao.index.database import read_meta
from yibao.index.ingest import BULK_TABLES, index_ledger, restore_indexes
from yibao.model.types import CatalogueItem, Category, ClaimStatus, Grade, InstitutionStatus, Scheme

WORLD_SEED, WORLD_CLAIMS, WORLD_PEOPLE = 0, 30, 10


def _small_world(admin: Ledger) -> IndexWorld:
    return build(admin, people=12)


#: The small world, built once per module and chain, restored after each test.
world_state, world = world_fixtures(_small_world)


# ---------------------------------------------------------------------- a random world


@pytest.fixture(scope="module")
def played(base_chain: Chain) -> Ledger:
    """A random world with reviews, appeals, settlements, clearings and clawbacks, played once
    per chain kind (a chain of its own; on anvil, after the shared node's clock)."""
    from yibao.simulate import run_scenario
    from yibao.simulate.chain_engine import ChainEngine
    from yibao.simulate.scenario import parse_scenario
    from yibao.units import day_of_timestamp

    rpc = base_chain.url if base_chain.kind == "rpc" else None
    start = day_of_timestamp(base_chain.timestamp()) + dt.timedelta(days=92) if rpc else None
    doc = random_world(WORLD_SEED, WORLD_CLAIMS, people=WORLD_PEOPLE, after=True, start=start)
    engine = ChainEngine(rpc=rpc)
    run_scenario(parse_scenario(doc), engine)
    if rpc:  # the shared node's clock moved on: the session's client follows it
        base_chain.set_clock(base_chain.timestamp() + 1)
    return engine.ledger


def test_a_random_world_is_indexed_as_the_chain_says(played: Ledger, index_engine: sa.Engine) -> None:
    report = index_ledger(played, index_engine)
    counts = assert_rows_match_events(index_engine, played)
    for name in ("ClaimReviewed", "ClaimAppealed", "Settled", "ClaimClawedBack", "Cleared", "CrossRegionOwed",
                 "InstitutionFreezeChanged", "ContributionRecorded", "InstitutionStatusChanged"):
        assert counts[name], f"the world has no {name}"
    assert report.claims == assert_claims_match_chain(index_engine, played) > 0
    with index_engine.connect() as conn:
        statuses = set(conn.execute(sa.select(schema.claims.c.status)).scalars())
        assert {ClaimStatus.SETTLED, ClaimStatus.CLAWED_BACK, ClaimStatus.REJECTED} <= statuses
        lines = count(conn, schema.claim_lines)
        assert lines > report.claims
        assert report.rows == sum(count(conn, t) for t in schema.CHAIN_TABLES if t is not schema.blocks)
    again = index_ledger(played, index_engine)
    assert (again.blocks, again.rows, again.claims) == (0, 0, 0)


# ---------------------------------------------------------------------- every event kind


def _every_kind(w: IndexWorld) -> None:
    """The events the random world may lack: item removals, person updates, wallets, filings
    added and cancelled, grades, statuses; and every claim step by hand."""
    reg, op, rev = w.as_role("regulator"), w.as_role("operator"), w.as_role("reviewer")
    y = w.year
    w.admin.add_region(440100, "Guangzhou", 0)
    reg.set_items(500000, [CatalogueItem("XZ01", Category.A)])
    reg.remove_items(500000, ["XZ01"])
    p = w.people[0]
    op.update_person(p, Scheme.EMPLOYEE, dt.date(y, 1, 1), dt.date(y, 12, 30))
    op.set_person_wallet(p, dev_account(9).address)
    op.add_filing(p, 440100, dt.date(y, 3, 1), dt.date(y, 6, 1))
    op.cancel_filing(p, 440100, dt.date(y, 3, 1))
    op.suspend_person(w.people[1], 3)
    op.reinstate_person(w.people[1], 0)
    h2 = w.accounts["H2"].address
    reg.set_institution_grade(h2, Grade.B)
    reg.set_institution_status(h2, InstitutionStatus.SUSPENDED, 1)
    reg.set_institution_status(h2, InstitutionStatus.ACTIVE, 0)
    ids = w.claims(8, big_every=2)  # 0, 2, 4, 6 flagged
    rev.review(ids[0], True, "OK")
    rev.review(ids[2], False, "NO_RECORD")
    w.as_role("H1").appeal(ids[2])
    w.admin.acting_as(dev_account(6)).chain.fund(dev_account(6).address)
    w.admin.acting_as(w.accounts["regulator"]).grant_role(w.admin.reviewer_role(500000), dev_account(6).address)
    w.admin.acting_as(dev_account(6)).review(ids[2], True, "APPEAL_OK")
    reg.settle(w.accounts["H1"].address)
    reg.clawback(ids[1], "AUDIT_FINDING")
    rev.review(ids[4], True)  # approved after the settlement: the next epoch
    reg.set_frozen(w.accounts["H1"].address, True)
    reg.set_frozen(w.accounts["H1"].address, False)
    op.contribute(p, 5_000)
    w.claims(1, day=dt.date(y, 3, 1))
    w.invoices -= 1
    w.claims(1, day=dt.date(y, 3, 1))  # the same invoice again: a DUPLICATE


def test_every_event_kind_lands_in_its_table(world: IndexWorld, index_engine: sa.Engine) -> None:
    _every_kind(world)
    index_ledger(world.admin, index_engine)
    counts = assert_rows_match_events(index_engine, world.admin)
    missing = [n for n in ("CatalogueItemRemoved", "PersonUpdated", "PersonWalletSet", "FilingAdded", "FilingRemoved",
                           "PersonStatusChanged", "InstitutionGradeChanged", "InstitutionStatusChanged",
                           "ClaimReviewed", "ClaimAppealed", "Settled", "ClaimClawedBack", "Alert",
                           "InstitutionFreezeChanged", "ContributionRecorded") if not counts[n]]
    assert not missing
    assert_claims_match_chain(index_engine, world.admin)
    with index_engine.connect() as conn:
        c = schema.claims.c
        by_reason = dict(conn.execute(sa.select(c.status, sa.func.count()).group_by(c.status)).all())
        assert by_reason[ClaimStatus.CLAWED_BACK] == 1 and by_reason[ClaimStatus.SETTLED] >= 2
        epochs = dict(conn.execute(sa.select(c.status, sa.func.max(c.epoch)).group_by(c.status)).all())
        assert epochs[ClaimStatus.APPROVED] == 1  # approved after the settlement
        dup = conn.execute(sa.select(schema.alerts.c.kind).where(schema.alerts.c.kind == 1)).all()
        assert len(dup) == 1  # the DUPLICATE's alert is stored, the claim is not again
        assert count(conn, schema.claims) == 10 - 1


# ---------------------------------------------------------------------- incremental


def _table_counts(engine: sa.Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t.name: count(conn, t) for t in schema.CHAIN_TABLES}


def test_incremental_idempotent_and_interrupted(world: IndexWorld, index_engine: sa.Engine) -> None:
    """Index, add claims, index again: only the new rows; rerun: nothing. A run interrupted
    between chunks leaves the last chunk's block as last_block, and the next run completes it."""
    world.claims(12)
    first = index_ledger(world.admin, index_engine)
    assert first.claims == 12
    before = _table_counts(index_engine)
    for _ in range(3):
        world.claims(2, inst="H2", batch=1)
    calls: list[int] = []

    def stop_after_two_chunks(done: int, total: int) -> None:
        calls.append(done)
        if len(calls) == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        index_ledger(world.admin, index_engine, progress=stop_after_two_chunks, chunk=2)
    with index_engine.connect() as conn:
        last = int(read_meta(conn)["last_block"])
        assert last == first.last_block + 4
        assert conn.execute(sa.select(sa.func.max(schema.blocks.c.number))).scalar_one() == last
        assert int(conn.execute(sa.select(sa.func.max(schema.claims.c.block))).scalar_one()) <= last
    second = index_ledger(world.admin, index_engine)
    assert second.first_block == last + 1
    after = _table_counts(index_engine)
    assert after["claims"] - before["claims"] == 6
    rerun = index_ledger(world.admin, index_engine)
    assert (rerun.blocks, rerun.rows) == (0, 0) and _table_counts(index_engine) == after
    assert_rows_match_events(index_engine, world.admin)


def _index_names(engine: sa.Engine) -> set[str]:
    inspector = sa.inspect(engine)
    return {str(i["name"]) for t in BULK_TABLES for i in inspector.get_indexes(t.name)}


def count_claims(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return count(conn, schema.claims)


SCHEMA_INDEXES = {str(i.name) for t in BULK_TABLES for i in t.indexes}


def test_a_first_load_builds_the_indexes_at_the_end_pass_or_fail(world: IndexWorld,
                                                                  index_engine: sa.Engine) -> None:
    """A first load drops the claims' and lines' secondary indexes and builds them after its
    rows: they are all there after a run, after a run interrupted mid-load, and after a load
    killed before it could build them (the next run rebuilds what is missing); a later run with
    claims indexed keeps them all the way through."""
    assert len(SCHEMA_INDEXES) >= 5
    world.claims(6, batch=2)
    seen: list[set[str]] = []

    def interrupt(done: int, total: int) -> None:
        seen.append(_index_names(index_engine))
        if len(seen) == 3:  # (0, total) first, then after each chunk
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        index_ledger(world.admin, index_engine, progress=interrupt, chunk=1)
    assert not (seen[1] | seen[2]) & SCHEMA_INDEXES  # loading without them
    assert _index_names(index_engine) == SCHEMA_INDEXES
    with index_engine.begin() as conn:  # as a killed first load leaves them
        for index in schema.claims.indexes:
            index.drop(conn)
    assert restore_indexes(index_engine) == len(schema.claims.indexes)
    assert restore_indexes(index_engine) == 0
    index_ledger(world.admin, index_engine)
    assert count_claims(index_engine) == 6
    with index_engine.begin() as conn:
        next(iter(schema.claim_lines.indexes)).drop(conn)
    seen.clear()
    world.claims(2)
    report = index_ledger(world.admin, index_engine, progress=lambda d, t: seen.append(_index_names(index_engine)))
    assert report.claims == 2 and len(seen) >= 2 and all(s == SCHEMA_INDEXES for s in seen[1:])  # seen[0]: (0, total)
    assert _index_names(index_engine) == SCHEMA_INDEXES
    assert_rows_match_events(index_engine, world.admin)
    assert_claims_match_chain(index_engine, world.admin)


# ---------------------------------------------------------------------- reorgs


def test_a_reorg_is_rolled_back_and_read_again(world: IndexWorld, index_engine: sa.Engine) -> None:
    chain = world.admin.chain
    early = world.claims(6, big_every=3)
    index_ledger(world.admin, index_engine)
    snap = chain.snapshot()
    saved = world.invoices
    late = world.claims(6)
    world.as_role("reviewer").review(early[0], False, "NO_RECORD")
    world.as_role("regulator").settle(world.accounts["H1"].address)
    before = index_ledger(world.admin, index_engine)
    assert before.claims == 6
    with index_engine.connect() as conn:
        assert count(conn, schema.settlements) == 1
        assert ClaimStatus.SETTLED in set(conn.execute(sa.select(schema.claims.c.status)).scalars())
    chain.revert(snap)
    world.invoices = saved + 100  # other claims in the same block numbers
    other = world.claims(3)
    world.as_role("reviewer").review(early[0], True, "OK")
    for _ in range(4):
        chain.set_next_timestamp(chain.timestamp() + 60)  # as many blocks as before, and more
    report = index_ledger(world.admin, index_engine)
    assert report.fork_block is not None and report.fork_block < before.last_block
    assert report.rolled_back == before.last_block - report.fork_block
    with index_engine.connect() as conn:
        ids = set(conn.execute(sa.select(schema.claims.c.claim_id)).scalars())
        assert count(conn, schema.settlements) == 0  # the settlement is gone: its claims are APPROVED again
        assert ClaimStatus.SETTLED not in set(conn.execute(sa.select(schema.claims.c.status)).scalars())
    assert ids == {"0x" + c.hex() for c in early + other} and not ids & {"0x" + c.hex() for c in late}
    assert_rows_match_events(index_engine, world.admin)
    assert_claims_match_chain(index_engine, world.admin)


# ---------------------------------------------------------------------- binding


def test_another_ledger_is_refused_by_name(world: IndexWorld, index_engine: sa.Engine) -> None:
    world.claims(2)
    index_ledger(world.admin, index_engine)
    before = _table_counts(index_engine)
    other = Ledger.deploy(world.admin.chain, dev_account(0))
    with pytest.raises(IndexMismatch) as e:
        index_ledger(other, index_engine)
    msg = str(e.value)
    assert "\n" not in msg and world.admin.address in msg and other.address in msg
    assert str(world.admin.chain.chain_id) in msg
    assert _table_counts(index_engine) == before
