"""Checks shared by the index tests: the index against the chain it read."""

from __future__ import annotations

from collections import Counter
from typing import Any

import sqlalchemy as sa
from yibao.chain.logs import read_logs
from yibao.client import Ledger
from yibao.index import schema
from yibao.model.types import Reason

#: Each stored event: its table and the condition on its rows.
EVENT_ROWS: dict[str, tuple[sa.Table, Any]] = {
    "RegionAdded": (schema.regions, None),
    "InstitutionAdded": (schema.institutions, None),
    "InstitutionStatusChanged": (schema.institution_changes, schema.institution_changes.c.kind == "status"),
    "InstitutionGradeChanged": (schema.institution_changes, schema.institution_changes.c.kind == "grade"),
    "PersonEnrolled": (schema.people, None),
    "PersonUpdated": (schema.person_changes, schema.person_changes.c.kind == "update"),
    "PersonStatusChanged": (schema.person_changes, schema.person_changes.c.kind == "status"),
    "PersonWalletSet": (schema.person_changes, schema.person_changes.c.kind == "wallet"),
    "FilingAdded": (schema.filings, ~schema.filings.c.removed),
    "FilingRemoved": (schema.filings, schema.filings.c.removed),
    "PolicyVersionAdded": (schema.policies, None),
    "CatalogueItemSet": (schema.catalogue, ~schema.catalogue.c.removed),
    "CatalogueItemRemoved": (schema.catalogue, schema.catalogue.c.removed),
    "Alert": (schema.alerts, None),
    "ClaimReviewed": (schema.reviews, None),
    "ClaimAppealed": (schema.appeals, None),
    "Settled": (schema.settlements, None),
    "CrossRegionOwed": (schema.cross_region, schema.cross_region.c.kind == "owed"),
    "CrossRegionReduced": (schema.cross_region, schema.cross_region.c.kind == "reduced"),
    "Cleared": (schema.cross_region, schema.cross_region.c.kind == "cleared"),
    "ClaimClawedBack": (schema.clawbacks, None),
    "ContributionRecorded": (schema.contributions, None),
    "InstitutionFreezeChanged": (schema.freezes, None),
    "SupervisionParamsSet": (schema.supervision_params, None),
    "CaseOpened": (schema.cases, None),
    "CaseFinding": (schema.case_steps, schema.case_steps.c.kind == "finding"),
    "CaseDecided": (schema.case_steps, schema.case_steps.c.kind == "decided"),
    "CaseContested": (schema.case_steps, schema.case_steps.c.kind == "contested"),
    "CaseRuled": (schema.case_steps, schema.case_steps.c.kind == "ruled"),
    "CaseClaimRejected": (schema.case_steps, schema.case_steps.c.kind == "claim_rejected"),
    "FineOwed": (schema.case_steps, schema.case_steps.c.kind == "fine_owed"),
    "InstitutionSuspended": (schema.case_steps, schema.case_steps.c.kind == "suspended"),
    "CreditScoreChanged": (schema.case_steps, schema.case_steps.c.kind == "credit"),
    "CaseClosed": (schema.case_steps, schema.case_steps.c.kind == "closed"),
    "FinePaid": (schema.fine_payments, None),
    "RecordPut": (schema.records, schema.records.c.version == 1),
    "RecordRotated": (schema.records, schema.records.c.version > 1),
    "ConsentGranted": (schema.consents, None),
    "ConsentRevoked": (schema.consents, schema.consents.c.revoked_day.is_not(None)),
    "EmergencyDeclared": (schema.emergencies, None),
    "RecordServed": (schema.record_accesses, None),
    "ClaimFeedback": (schema.claim_feedback, None),
}


def chain_events(ledger: Ledger) -> tuple[Counter[str], set[str]]:
    """How many logs of each event the ledger emitted, and the ids of its stored claims
    (every ClaimDecided that is not a DUPLICATE)."""
    counts: Counter[str] = Counter()
    claims: set[str] = set()
    for log in read_logs(ledger.chain, ledger.address, [], ledger.manifest.block):
        e = ledger.decode_log(log.raw())
        if e is None:
            continue
        counts[e["event"]] += 1
        if e["event"] == "ClaimDecided":
            if (int(e["args"]["decision"]) >> 3) & 0x1F != Reason.DUPLICATE:
                claims.add("0x" + bytes(e["args"]["claimId"]).hex())
    return counts, claims


def count(conn: sa.Connection, table: sa.Table, where: Any = None) -> int:
    q = sa.select(sa.func.count()).select_from(table)
    if where is not None:
        q = q.where(where)
    return int(conn.execute(q).scalar_one())


def assert_rows_match_events(engine: sa.Engine, ledger: Ledger) -> Counter[str]:
    """Every stored event is one row of its table, and the claims are the chain's; returns
    the events' counts."""
    counts, claim_ids = chain_events(ledger)
    with engine.connect() as conn:
        for name, (table, where) in EVENT_ROWS.items():
            assert count(conn, table, where) == counts.get(name, 0), name
        assert set(conn.execute(sa.select(schema.claims.c.claim_id)).scalars()) == claim_ids
    return counts


def assert_claims_match_chain(engine: sa.Engine, ledger: Ledger) -> int:
    """Every indexed claim's status, reason and fund are what ``claimInfo`` says; returns how
    many claims were compared."""
    with engine.connect() as conn:
        rows = conn.execute(sa.select(schema.claims.c.claim_id, schema.claims.c.status, schema.claims.c.reason,
                                      schema.claims.c.fund, schema.claims.c.flags, schema.claims.c.billed)).all()
    wrong = []
    for cid, status, reason, fund, flags, billed in rows:
        v = ledger.claim(bytes.fromhex(cid[2:]))
        if (int(v.status), int(v.reason), v.fund, int(v.flags), v.billed) != (status, reason, fund, flags, billed):
            wrong.append((cid[:10], (v.status.name, v.reason.name, v.fund), (status, reason, fund)))
    assert not wrong, f"{len(wrong)} of {len(rows)} claims differ from claimInfo: {wrong[:5]}"
    return len(rows)


__all__ = ["EVENT_ROWS", "assert_claims_match_chain", "assert_rows_match_events", "chain_events", "count"]
