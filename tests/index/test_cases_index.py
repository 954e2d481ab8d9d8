"""Supervision cases in the index: every case event in its table, the claims a finalized case
rejected or clawed back derived as ``claimInfo`` says, and a reorg across a finalize rolled
back. On SQLite and PostgreSQL, on both chains."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import sqlalchemy as sa
from ingest_checks import assert_claims_match_chain, assert_rows_match_events, count
from indexworld import IndexWorld, build
from worlds.fixtures import world_fixtures
from worlds.rules import CQ
from yibao.index import schema
from yibao.index.database import open_index
from yibao.index.ingest import index_ledger
from yibao.model.types import CaseSource, ClaimStatus, Reason, SupervisionParams

world_state, world = world_fixtures(lambda admin: build(admin, people=12))


def _case_world(w: IndexWorld) -> tuple[list[bytes], int]:
    """Settled, approved and flagged claims of H1 found in a case that is finalized (the fine
    partly paid), a second case dismissed on contest, a third closed with no violation."""
    reg, h1 = w.as_role("regulator"), w.accounts["H1"].address
    reg.set_supervision_params(CQ, SupervisionParams(contest_days=5))
    settled = w.claims(3)
    reg.settle(h1)
    ids = settled + w.claims(4, big_every=4)  # the 4th: FLAGGED
    case, _ = reg.open_case(h1, ids, CaseSource.LEAD)
    reg.add_finding(case, ids[:5], "PHANTOM")
    reg.add_finding(case, ids[4:6], "SPLIT_STAY")
    reg.decide(case, 40, 25_000, 10)
    w.at(w.admin.today() + dt.timedelta(days=6))
    reg.finalize(case)
    reg.pay_fine(h1, 1_000)
    other, _ = reg.open_case(h1, [ids[6]], CaseSource.TIP)
    reg.add_finding(other, [ids[6]], "READMIT")
    reg.decide(other, 38, 10_000, 0)
    w.as_role("H1").contest(other)
    w.as_role("reviewer").rule(other, False)
    third, _ = reg.open_case(h1, [ids[6]], CaseSource.INSPECTION)
    reg.close_case(third)
    return ids, case


def test_every_case_event_lands_in_its_table(world: IndexWorld, index_engine: sa.Engine) -> None:
    ids, case = _case_world(world)
    index_ledger(world.admin, index_engine)
    counts = assert_rows_match_events(index_engine, world.admin)
    for name in ("SupervisionParamsSet", "CaseOpened", "CaseFinding", "CaseDecided", "CaseContested", "CaseRuled",
                 "CaseClaimRejected", "FineOwed", "InstitutionSuspended", "CreditScoreChanged", "CaseClosed",
                 "FinePaid"):
        assert counts[name], name
    assert assert_claims_match_chain(index_engine, world.admin) == len(ids)
    with index_engine.connect() as conn:
        c = schema.claims.c
        rows = {str(r[0]): (int(r[1]), int(r[2])) for r in conn.execute(sa.select(c.claim_id, c.status, c.reason))}
        status = {cid: rows["0x" + cid.hex()] for cid in ids}
        assert [status[i] for i in ids[:3]] == [(ClaimStatus.CLAWED_BACK, Reason.NONE)] * 3
        assert [status[i] for i in ids[3:6]] == [(ClaimStatus.REJECTED, Reason.SUPERVISION)] * 3
        assert status[ids[6]] == (ClaimStatus.APPROVED, Reason.NONE)
        assert count(conn, schema.case_claims) == 7 + 1 + 1
        found = conn.execute(sa.select(schema.case_found.c.claim_id).where(schema.case_found.c.case_id == case))
        assert sorted(set(found.scalars())) == sorted("0x" + i.hex() for i in ids[:6])
        kinds = conn.execute(sa.select(schema.case_steps.c.kind).where(schema.case_steps.c.case_id == case)
                             .order_by(schema.case_steps.c.block, schema.case_steps.c.log_index)).scalars()
        assert list(kinds) == ["finding", "finding", "decided", "claim_rejected", "claim_rejected", "claim_rejected",
                               "fine_owed", "suspended", "credit", "closed"]


def test_a_reorg_across_a_finalize_restores_the_claims(world: IndexWorld, index_engine: sa.Engine) -> None:
    chain = world.admin.chain
    reg, h1 = world.as_role("regulator"), world.accounts["H1"].address
    ids = world.claims(3)
    case, _ = reg.open_case(h1, ids, CaseSource.LEAD)
    reg.add_finding(case, ids, "PHANTOM")
    reg.decide(case, 38, 10_000, 0)
    world.at(world.admin.today() + dt.timedelta(days=16))
    snap = chain.snapshot()
    reg.finalize(case)
    index_ledger(world.admin, index_engine)
    with index_engine.connect() as conn:
        assert count(conn, schema.claims, schema.claims.c.status == int(ClaimStatus.REJECTED)) == 3
    chain.revert(snap)
    world.claims(2)  # other blocks at the same heights
    for _ in range(3):
        chain.set_next_timestamp(chain.timestamp() + 60)
        world.claims(1)
    report = index_ledger(world.admin, index_engine)
    assert report.fork_block is not None
    with index_engine.connect() as conn:
        assert count(conn, schema.claims, schema.claims.c.status == int(ClaimStatus.REJECTED)) == 0
        assert count(conn, schema.case_steps, schema.case_steps.c.kind == "closed") == 0
    assert_rows_match_events(index_engine, world.admin)
    assert_claims_match_chain(index_engine, world.admin)


def test_an_index_of_revision_0001_is_migrated(tmp_path: Path) -> None:
    """An index made before supervision (revision 0001) gains the case tables on opening."""
    from alembic import command

    from yibao.index.database import alembic_config, create

    url = f"sqlite:///{tmp_path}/old.db"
    engine = create(url)
    with engine.begin() as conn:
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
    with engine.connect() as conn:
        assert "cases" not in sa.inspect(conn).get_table_names()
    engine.dispose()
    engine = open_index(url)
    with engine.connect() as conn:
        assert {"cases", "case_steps", "case_found"} <= set(sa.inspect(conn).get_table_names())
        assert "case_id" in {c["name"] for c in sa.inspect(conn).get_columns("leads")}
    engine.dispose()
