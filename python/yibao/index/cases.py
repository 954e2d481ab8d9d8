"""Leads and cases in the index: the lead a case is opened from, and marking it taken up.

``yibao case open --lead N`` reads lead ``N`` (its rule, severity, claims and their
institutions and people) with :func:`read_lead`, opens the case on the chain, and records with
:func:`take_up` that the case took the lead up (``leads.status`` CASE, ``leads.case_id``).
Indexing also links them by itself (:func:`link_cases`): an OPEN lead whose claims are exactly
those a case was opened on is taken up by that case, so an index rebuilt from the chain finds
the same links for cases opened on a whole lead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from yibao.errors import InputError
from yibao.index import schema
from yibao.index.screen import claims_key
from yibao.model.screening import Lead


@dataclass(frozen=True)
class LeadClaim:
    """A claim of a lead, as the index has it."""

    claim_id: str
    institution: str
    person: str


@dataclass(frozen=True)
class StoredLead:
    """A stored screening lead with its claims."""

    id: int
    rule: str
    severity: str
    institution: str | None
    status: str
    case_id: int | None
    claims: tuple[LeadClaim, ...]

    def institutions(self) -> list[str]:
        """The institutions of its claims, sorted."""
        return sorted({c.institution for c in self.claims})

    def case_claims(self, institution: str | None = None, what: str = "--lead") -> tuple[str, list[str], list[str]]:
        """The institution a case on this lead is opened on (``institution``, needed when its
        claims are of several), and that institution's claims and their people; ``what`` names
        the lead in a refusal."""
        if self.status == "CASE":
            raise InputError(f"{what} {self.id} was taken up by case {self.case_id}")
        if institution is None:
            institutions = self.institutions()
            if len(institutions) != 1:
                raise InputError(f"{what} {self.id} has claims of {len(institutions)} institutions: name the one")
            institution = institutions[0]
        mine = [c for c in self.claims if c.institution.lower() == institution.lower()]
        if not mine:
            raise InputError(f"{what} {self.id} has no claim of {institution}")
        return mine[0].institution, [c.claim_id for c in mine], [c.person for c in mine]


def read_lead(conn: Connection, lead_id: int) -> StoredLead:
    """Lead ``lead_id`` with its claims (``InputError`` naming it when there is none)."""
    t = schema.leads
    row = conn.execute(sa.select(t.c.id, t.c.rule, t.c.severity, t.c.institution, t.c.status, t.c.case_id)
                       .where(t.c.id == lead_id)).first()
    if row is None:
        raise InputError(f"--lead {lead_id}: no such lead in the index (run `yibao screen`)")
    c, lc = schema.claims.c, schema.lead_claims.c
    claims = conn.execute(sa.select(c.claim_id, c.institution, c.person).join_from(
        schema.lead_claims, schema.claims, lc.claim_id == c.claim_id).where(lc.lead_id == lead_id)
        .order_by(c.claim_id)).all()
    return StoredLead(int(row.id), str(row.rule), str(row.severity), row.institution, str(row.status),
                      None if row.case_id is None else int(row.case_id),
                      tuple(LeadClaim(str(x.claim_id), str(x.institution), str(x.person)) for x in claims))


def lead_ids(conn: Connection, leads: Sequence[Lead[str]]) -> list[tuple[int, str, int | None]]:
    """The stored id, status (OPEN, CASE) and case of each of ``leads`` (stored ones), in order."""
    t = schema.leads
    rows = {(str(r.rule), str(r.claims_key)): (int(r.id), str(r.status), None if r.case_id is None else int(r.case_id))
            for r in conn.execute(sa.select(t.c.id, t.c.rule, t.c.claims_key, t.c.status, t.c.case_id))}
    return [rows[(str(lead.rule), claims_key(lead.claims))] for lead in leads]


def take_up(conn: Connection, lead_id: int, case_id: int) -> None:
    """Record that case ``case_id`` took lead ``lead_id`` up."""
    conn.execute(schema.leads.update().where(schema.leads.c.id == lead_id).values(status="CASE", case_id=case_id))


def link_cases(conn: Connection) -> int:
    """Take up every OPEN lead whose claims are exactly a case's claims, by that case (the
    first such case); how many leads were linked."""
    cc = schema.case_claims.c
    by_case: dict[int, list[str]] = {}
    for case_id, claim_id in conn.execute(sa.select(cc.case_id, cc.claim_id).order_by(cc.case_id)):
        by_case.setdefault(int(case_id), []).append(str(claim_id))
    keys: dict[str, int] = {}
    for case_id, ids in by_case.items():
        keys.setdefault(claims_key(ids), case_id)
    t = schema.leads
    linked = 0
    for lead_id, key in conn.execute(sa.select(t.c.id, t.c.claims_key).where(t.c.status == "OPEN")).all():
        case_id = keys.get(str(key))
        if case_id is not None:
            take_up(conn, int(lead_id), case_id)
            linked += 1
    return linked


__all__ = ["LeadClaim", "StoredLead", "lead_ids", "link_cases", "read_lead", "take_up"]
