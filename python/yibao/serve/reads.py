"""The service's lists, read from the index and cut to what the signed-in viewer may see.

Each function takes a connection to the index and the :class:`~yibao.serve.viewer.Viewer`;
lists page with :class:`~yibao.client.queries.Page` (oldest first, as the CLI's) and answer
``{"total", "offset", "limit", "next_offset", <rows>}``. What a viewer may see (viewer.py):

- claims: a regulator's regions' institutions' claims and its regions' people's claims (care
  elsewhere included), an institution's own, a patient's own — the union of its roles';
- alerts, leads, funds and clearing: a regulator's regions' only;
- cases: those on a regulator's regions' institutions and those it opened (referrals), and an
  institution's own.

Dates are ISO dates, times the block's time in CST, money integer fen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping
from sqlalchemy.sql.elements import ColumnElement

from yibao.client.queries import Page
from yibao.index import schema as s
from yibao.model.types import AlertKind, CaseSource, ClaimStatus, Flag, Reason, VisitType, flag_names
from yibao.serve.viewer import Forbidden, NotFound, Viewer
from yibao.units import cst_time, from_day

NEVER: ColumnElement[bool] = sa.false()


def _iso(day: int | None) -> str | None:
    return from_day(day).isoformat() if day is not None else None


def _enum(cls: Any, v: int) -> str:
    try:
        return str(cls(v).name)
    except ValueError:
        return str(v)


def _time(ts: int | None) -> str | None:
    return cst_time(ts) if ts is not None else None


def _region_institutions(regions: frozenset[int]) -> sa.Select[Any]:
    return sa.select(s.institutions.c.account).where(s.institutions.c.region.in_(sorted(regions)))


def _region_people(regions: frozenset[int]) -> sa.Select[Any]:
    return sa.select(s.people.c.pseudonym).where(s.people.c.region.in_(sorted(regions)))


def claim_scope(viewer: Viewer) -> ColumnElement[bool]:
    """The claims ``viewer`` may see, as a condition on the ``claims`` table."""
    c = s.claims.c
    parts: list[ColumnElement[bool]] = []
    if viewer.regions:
        parts += [c.institution.in_(_region_institutions(viewer.regions)),
                  c.person.in_(_region_people(viewer.regions))]
    if viewer.institution_region is not None:
        parts.append(c.institution == viewer.account)
    if viewer.person is not None:
        parts.append(c.person == viewer.person)
    return sa.or_(*parts) if parts else NEVER


def _paged(conn: Connection, query: sa.Select[Any], order: Sequence[Any], page: Page) -> tuple[int, list[RowMapping]]:
    total = int(conn.execute(sa.select(sa.func.count()).select_from(query.subquery())).scalar_one())
    rows = conn.execute(query.order_by(*order).limit(page.limit).offset(page.offset)).mappings().all()
    return total, list(rows)


# --------------------------------------------------------------------- claims


@dataclass(frozen=True)
class ClaimFilter:
    """Which claims: by current status, institution, person and service date (inclusive)."""

    statuses: frozenset[ClaimStatus] = frozenset()
    institution: str | None = None
    person: str | None = None
    start_day: int | None = None
    end_day: int | None = None


def _claim_json(r: RowMapping, names: dict[str, str]) -> dict[str, Any]:
    return {
        "claim_id": r["claim_id"], "institution": r["institution"], "institution_name": names.get(r["institution"]),
        "person": r["person"], "invoice": r["invoice"], "visit": _enum(VisitType, r["visit"]),
        "service_date": _iso(r["service_day"]), "discharge_date": _iso(r["discharge_day"]),
        "status": _enum(ClaimStatus, r["status"]), "reason": _enum(Reason, r["reason"]),
        "decided": _enum(ClaimStatus, r["decided_status"]), "flags": flag_names(Flag(r["flags"])),
        "billed": r["billed"], "eligible": r["eligible"], "deductible": r["deductible"],
        "decided_fund": r["decided_fund"], "fund": r["fund"], "patient": r["billed"] - r["fund"],
        "block": r["block"], "tx": r["tx"], "time": _time(r["timestamp"]),
    }


def _claims_select(where: ColumnElement[bool]) -> sa.Select[Any]:
    return (sa.select(s.claims, s.blocks.c.timestamp)
            .join(s.blocks, s.blocks.c.number == s.claims.c.block, isouter=True).where(where))


def list_claims(conn: Connection, viewer: Viewer, f: ClaimFilter, page: Page,
                names: dict[str, str] | None = None) -> dict[str, Any]:
    """The claims ``viewer`` may see that match ``f``, in chain order."""
    c = s.claims.c
    conds = [claim_scope(viewer)]
    if f.statuses:
        conds.append(c.status.in_(sorted(int(x) for x in f.statuses)))
    if f.institution:
        conds.append(c.institution == f.institution)
    if f.person:
        conds.append(c.person == f.person)
    if f.start_day is not None:
        conds.append(c.service_day >= f.start_day)
    if f.end_day is not None:
        conds.append(c.service_day <= f.end_day)
    total, rows = _paged(conn, _claims_select(sa.and_(*conds)), (c.block, c.log_index, c.claim_id), page)
    return {**page.doc(total), "claims": [_claim_json(r, names or {}) for r in rows]}


def claim_detail(conn: Connection, viewer: Viewer, claim_id: str, names: dict[str, str] | None = None
                 ) -> dict[str, Any]:
    """One claim with its lines; :class:`NotFound` when the index has no such claim,
    :class:`Forbidden` when ``viewer`` may not see it."""
    c = s.claims.c
    row = conn.execute(_claims_select(c.claim_id == claim_id)).mappings().first()
    if row is None:
        raise NotFound(f"claim {claim_id}: no such claim")
    if conn.execute(sa.select(c.claim_id).where(c.claim_id == claim_id, claim_scope(viewer))).first() is None:
        raise Forbidden(f"claim {claim_id} is not {viewer.account}'s to see")
    doc = _claim_json(row, names or {})
    lines = conn.execute(sa.select(s.claim_lines).where(s.claim_lines.c.claim_id == claim_id)
                         .order_by(s.claim_lines.c.line_no)).mappings().all()
    doc["lines"] = [{k: ln[k] for k in ("line_no", "code", "qty", "unit_price", "billed", "eligible", "notes")}
                    for ln in lines]
    case = conn.execute(sa.select(s.case_claims.c.case_id).where(s.case_claims.c.claim_id == claim_id)).first()
    doc["case"] = int(case[0]) if case else None
    return doc


# --------------------------------------------------------------------- alerts and leads


@dataclass(frozen=True)
class AlertFilter:
    """Which alerts: by kind, institution and block time (unix seconds, ``start`` ≤ t < ``end``)."""

    kinds: frozenset[AlertKind] = frozenset()
    institution: str | None = None
    after_id: int | None = None  #: only alerts after this one (a live feed's last seen)
    start_time: int | None = None
    end_time: int | None = None


def _alert_scope(viewer: Viewer) -> ColumnElement[bool]:
    regions = viewer.regulator()
    a = s.alerts.c
    return sa.or_(a.institution.in_(_region_institutions(regions)), a.person.in_(_region_people(regions)),
                  a.claim_id.in_(sa.select(s.claims.c.claim_id).where(s.claims.c.person.in_(_region_people(regions)))))


def _alerts_query(viewer: Viewer, f: AlertFilter) -> sa.Select[Any]:
    a = s.alerts.c
    conds = [_alert_scope(viewer)]
    if f.kinds:
        conds.append(a.kind.in_(sorted(int(k) for k in f.kinds)))
    if f.institution:
        conds.append(a.institution == f.institution)
    if f.after_id is not None:
        conds.append(a.id > f.after_id)
    if f.start_time is not None:
        conds.append(s.blocks.c.timestamp >= f.start_time)
    if f.end_time is not None:
        conds.append(s.blocks.c.timestamp < f.end_time)
    return (sa.select(s.alerts, s.blocks.c.timestamp)
            .join(s.blocks, s.blocks.c.number == a.block, isouter=True).where(*conds))


def _alert_json(r: RowMapping, names: dict[str, str]) -> dict[str, Any]:
    return {"id": r["id"], "kind": _enum(AlertKind, r["kind"]), "claim_id": r["claim_id"], "person": r["person"],
            "institution": r["institution"], "institution_name": names.get(r["institution"]), "block": r["block"],
            "time": _time(r["timestamp"])}


def list_alerts(conn: Connection, viewer: Viewer, f: AlertFilter, page: Page,
                names: dict[str, str] | None = None) -> dict[str, Any]:
    """The alerts of the regulator's regions (its institutions' and its people's), oldest first."""
    a = s.alerts.c
    total, rows = _paged(conn, _alerts_query(viewer, f), (a.block, a.log_index), page)
    return {**page.doc(total), "alerts": [_alert_json(r, names or {}) for r in rows]}


def alert_counts(conn: Connection, viewer: Viewer) -> dict[str, int]:
    """How many alerts of each kind the regulator's regions have had (kinds with none left out)."""
    a = s.alerts.c
    rows = conn.execute(sa.select(a.kind, sa.func.count()).where(_alert_scope(viewer)).group_by(a.kind)).all()
    return {_enum(AlertKind, int(k)): int(n) for k, n in sorted(rows)}


def latest_alerts(conn: Connection, viewer: Viewer, n: int, names: dict[str, str] | None = None
                  ) -> list[dict[str, Any]]:
    """The regulator's ``n`` newest alerts, newest first."""
    a = s.alerts.c
    rows = conn.execute(_alerts_query(viewer, AlertFilter()).order_by(a.block.desc(), a.log_index.desc())
                        .limit(max(1, n))).mappings().all()
    return [_alert_json(r, names or {}) for r in rows]


@dataclass(frozen=True)
class LeadFilter:
    """Which leads: by rule, severity, institution, status and the month of their claims."""

    rules: frozenset[str] = frozenset()
    severity: str | None = None
    institution: str | None = None
    status: str | None = None
    start_day: int | None = None
    end_day: int | None = None


def _lead_scope(viewer: Viewer) -> ColumnElement[bool]:
    regions = viewer.regulator()
    ld = s.leads.c
    return sa.or_(ld.institution.in_(_region_institutions(regions)), ld.person.in_(_region_people(regions)))


def _lead_json(r: RowMapping, names: dict[str, str]) -> dict[str, Any]:
    inst = r["institution"]
    return {"id": r["id"], "rule": r["rule"], "severity": r["severity"], "institution": inst,
            "institution_name": names.get(inst) if inst else None, "person": r["person"],
            "claim_count": r["claim_count"], "amount": r["amount"], "first_date": _iso(r["first_day"]),
            "last_date": _iso(r["last_day"]), "found": _time(r["found_at"]), "status": r["status"],
            "case": r["case_id"]}


def list_leads(conn: Connection, viewer: Viewer, f: LeadFilter, page: Page,
               names: dict[str, str] | None = None) -> dict[str, Any]:
    """The leads screening found in the regulator's regions, in the order found."""
    ld = s.leads.c
    conds = [_lead_scope(viewer)]
    if f.rules:
        conds.append(ld.rule.in_(sorted(f.rules)))
    if f.severity:
        conds.append(ld.severity == f.severity)
    if f.institution:
        conds.append(ld.institution == f.institution)
    if f.status:
        conds.append(ld.status == f.status)
    if f.start_day is not None:
        conds.append(ld.last_day >= f.start_day)
    if f.end_day is not None:
        conds.append(ld.first_day <= f.end_day)
    total, rows = _paged(conn, sa.select(s.leads).where(*conds), (ld.id,), page)
    return {**page.doc(total), "leads": [_lead_json(r, names or {}) for r in rows]}


def lead_detail(conn: Connection, viewer: Viewer, lead_id: int, names: dict[str, str] | None = None
                ) -> dict[str, Any]:
    """One lead and its claims' ids; 404 / 403 as :func:`claim_detail`."""
    ld = s.leads.c
    row = conn.execute(sa.select(s.leads).where(ld.id == lead_id)).mappings().first()
    if row is None:
        raise NotFound(f"lead {lead_id}: no such lead")
    if conn.execute(sa.select(ld.id).where(ld.id == lead_id, _lead_scope(viewer))).first() is None:
        raise Forbidden(f"lead {lead_id} is not in a region {viewer.account} regulates")
    claims = conn.execute(sa.select(s.lead_claims.c.claim_id).where(s.lead_claims.c.lead_id == lead_id)
                          .order_by(s.lead_claims.c.claim_id)).scalars().all()
    return {**_lead_json(row, names or {}), "claims": list(claims)}


# --------------------------------------------------------------------- cases


def case_scope(viewer: Viewer) -> ColumnElement[bool]:
    """The cases ``viewer`` may see: on its regions' institutions, opened by it, or on itself."""
    c = s.cases.c
    parts: list[ColumnElement[bool]] = []
    if viewer.regions:
        parts += [c.institution.in_(_region_institutions(viewer.regions)), c.opened_by == viewer.account]
    if viewer.institution_region is not None:
        parts.append(c.institution == viewer.account)
    return sa.or_(*parts) if parts else NEVER


def list_cases(conn: Connection, viewer: Viewer, page: Page, institution: str | None = None,
               names: dict[str, str] | None = None) -> dict[str, Any]:
    """The cases ``viewer`` may see, oldest first, with the last step each has taken."""
    if not viewer.regions and viewer.institution_region is None:
        raise Forbidden(f"{viewer.account} is neither a regulator nor an institution")
    c = s.cases.c
    conds = [case_scope(viewer)] + ([c.institution == institution] if institution else [])
    total, rows = _paged(conn, sa.select(s.cases).where(*conds), (c.case_id,), page)
    ids = [int(r["case_id"]) for r in rows]
    last: dict[int, str] = {}
    if ids:
        st = s.case_steps.c
        for case_id, kind in conn.execute(sa.select(st.case_id, st.kind).where(st.case_id.in_(ids))
                                          .order_by(st.block, st.log_index)):
            last[int(case_id)] = str(kind)
    got = names or {}
    return {**page.doc(total), "cases": [
        {"id": int(r["case_id"]), "institution": r["institution"], "institution_name": got.get(r["institution"]),
         "opened_by": r["opened_by"], "source": _enum(CaseSource, r["source"]), "by_region": r["by_region"],
         "claims": r["claim_count"], "last_step": last.get(int(r["case_id"]), "opened"), "block": r["block"]}
        for r in rows]}


def require_case(conn: Connection, viewer: Viewer, case_id: int) -> None:
    """:class:`NotFound` when the index has no such case, :class:`Forbidden` when ``viewer`` may not see it."""
    c = s.cases.c
    if conn.execute(sa.select(c.case_id).where(c.case_id == case_id)).first() is None:
        raise NotFound(f"case {case_id}: no such case")
    if conn.execute(sa.select(c.case_id).where(c.case_id == case_id, case_scope(viewer))).first() is None:
        raise Forbidden(f"case {case_id} is not {viewer.account}'s to see")


__all__ = [
    "NEVER",
    "AlertFilter",
    "ClaimFilter",
    "LeadFilter",
    "alert_counts",
    "case_scope",
    "claim_detail",
    "claim_scope",
    "latest_alerts",
    "lead_detail",
    "list_alerts",
    "list_cases",
    "list_claims",
    "list_leads",
    "require_case",
]
