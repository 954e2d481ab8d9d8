"""Screening (事后监管) as SQL over the index, and pre-check warnings (事前提醒).

:func:`screen` runs each rule of ``screening.md`` as one set-based statement
(:mod:`yibao.index.screen_sql`) and forms the leads from the result rows; :func:`store_leads`
records them in ``leads``/``lead_claims`` once per rule and set of claims;
:func:`precheck_warnings` finds the leads one more claim would make with the live history,
inserting it inside a savepoint that is always rolled back.

Leads name claims by their ids (``0x`` hex), institutions by account and people by
pseudonym; ``amount`` is Σ fund of the lead's claims as they stand. The decisions the model
shares: only live claims (APPROVED, FLAGGED, SETTLED) are screened; READMIT orders a
person's stays by admission, discharge, ``claims.label`` then ``claim_id``; leads are sorted
by rule code, then by their sorted claims.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select, text

from yibao.errors import InputError
from yibao.index import schema
from yibao.index.screen_sql import PAIR_RULES, rule_sql
from yibao.model.screening import PRECHECK_RULES, Lead, Rule, ScreeningParams, Severity, sort_leads
from yibao.model.types import ClaimStatus, VisitType
from yibao.units import from_day


@dataclass(frozen=True)
class _Found:
    """A lead being formed: its claims (id → fund, day) in result order."""

    rule: Rule
    severity: Severity
    institution: str | None
    person: str | None
    claims: dict[str, tuple[int, int]]


def _params(params: ScreeningParams, rule: Rule, person: str | None) -> dict[str, Any]:
    names = {Rule.READMIT: ("readmit_days",), Rule.SAME_DAY_MULTI: ("same_day_institutions",),
             Rule.OVER_SUPPLY: ("over_supply_factor",),
             Rule.SURGE: ("surge_min_fund", "surge_yellow_bps", "surge_red_bps")}.get(rule, ())
    out: dict[str, Any] = {n: int(getattr(params, n)) for n in names}
    if person is not None:
        out["person"] = person
    return out


def _run_rule(conn: Connection, rule: Rule, params: ScreeningParams, person: str | None) -> list[_Found]:
    """The leads of one rule (before the lead-level de-duplication of equal claim sets)."""
    sql = rule_sql(rule, conn.dialect.name, per_person=person is not None)
    rows = conn.execute(text(sql), _params(params, rule, person)).all()
    if rule in PAIR_RULES:
        return [_Found(rule, Severity(r.sev), r.inst, r.person,
                       {r.a_id: (int(r.a_fund), int(r.a_day)), r.b_id: (int(r.b_fund), int(r.b_day))})
                for r in rows]
    groups: dict[tuple[Any, ...], _Found] = {}
    for r in rows:
        key = (r.inst, r.person, r.g1, r.g2)
        found = groups.get(key)
        if found is None:
            found = groups[key] = _Found(rule, Severity(r.sev), r.inst, r.person, {})
        found.claims[r.claim_id] = (int(r.fund), int(r.day))
    return list(groups.values())


def _leads(found: Iterable[_Found], since_day: int | None) -> list[Lead[str]]:
    """Leads from what the rules found: one per rule and set of claims (the first found,
    HIGH before MEDIUM), those with a claim on or after ``since_day`` only, sorted."""
    by_identity: dict[tuple[Rule, frozenset[str]], Lead[str]] = {}
    for f in found:
        if since_day is not None and max(day for _, day in f.claims.values()) < since_day:
            continue
        lead = Lead(f.rule, f.severity, f.institution, f.person, tuple(sorted(f.claims)),
                    sum(fund for fund, _ in f.claims.values()))
        known = by_identity.get(lead.identity())
        if known is None or (known.severity is Severity.MEDIUM and lead.severity is Severity.HIGH):
            by_identity[lead.identity()] = lead
    return sort_leads(list(by_identity.values()))


#: SQLite's page cache (KiB when negative) and memory map for a run over a large index: with
#: the default 2 MB cache every index lookup is a read
SQLITE_PRAGMAS = ("cache_size = -400000", "mmap_size = 4000000000")


def tune(conn: Connection) -> None:
    """Give a SQLite connection a page cache and memory map fit for screening, and temporary
    B-trees (GROUP BY, DISTINCT) in memory unless a transaction is open (SQLite refuses it
    then); nothing on other databases."""
    if conn.dialect.name != "sqlite":
        return
    for pragma in SQLITE_PRAGMAS:
        conn.exec_driver_sql(f"PRAGMA {pragma}")
    raw: Any = conn.connection.dbapi_connection
    if not getattr(raw, "in_transaction", True):
        conn.exec_driver_sql("PRAGMA temp_store = MEMORY")


DEFAULTS = ScreeningParams()
"""screening.md's default parameters, every rule."""


def screen(conn: Connection, params: ScreeningParams = DEFAULTS, *,
           since_day: int | None = None) -> list[Lead[str]]:
    """The leads of ``params.rules`` over the live claims of the index, sorted (rule code, then
    claims). With ``since_day``, only leads with a claim on or after that day (the rules still
    read the whole history: SURGE's baseline, READMIT's previous stay)."""
    tune(conn)
    found: list[_Found] = []
    for rule in params.rules:
        found.extend(_run_rule(conn, rule, params, None))
    return _leads(found, since_day)


# ---------------------------------------------------------------------- storing leads


def claims_key(claims: Iterable[str]) -> str:
    """``leads.claims_key``: sha256 (hex) of the sorted claim ids joined by ``,``."""
    return hashlib.sha256(",".join(sorted(claims)).encode()).hexdigest()


def _days(conn: Connection, ids: Sequence[str]) -> dict[str, int]:
    """The service day of each claim id (in chunks, to stay under any bound-parameter limit)."""
    days: dict[str, int] = {}
    c = schema.claims.c
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        days.update({r[0]: int(r[1]) for r in conn.execute(
            select(c.claim_id, c.service_day).where(c.claim_id.in_(chunk)))})
    return days


def store_leads(conn: Connection, leads: Sequence[Lead[str]], found_at: int
                ) -> tuple[list[Lead[str]], list[Lead[str]]]:
    """Record ``leads`` (found by the run at unix time ``found_at``) in ``leads`` and
    ``lead_claims``; the same rule and set of claims is never stored twice. Returns
    ``(new, known)``: the leads stored now and those stored by an earlier run (or twice in
    ``leads``). Runs in the caller's transaction."""
    t = schema.leads
    stored = {(r[0], r[1]) for r in conn.execute(select(t.c.rule, t.c.claims_key))}
    new: list[Lead[str]] = []
    known: list[Lead[str]] = []
    fresh: dict[tuple[str, str], Lead[str]] = {}
    for lead in leads:
        key = (str(lead.rule), claims_key(lead.claims))
        if key in stored or key in fresh:
            known.append(lead)
        else:
            fresh[key] = lead
            new.append(lead)
    if not fresh:
        return new, known
    days = _days(conn, sorted({c for lead in new for c in lead.claims}))
    conn.execute(t.insert(), [
        {"rule": rule, "severity": str(lead.severity), "institution": lead.institution,
         "person": lead.person, "claims_key": key, "claim_count": len(lead.claims), "amount": lead.amount,
         "first_day": min(days.get(c, 0) for c in lead.claims),
         "last_day": max(days.get(c, 0) for c in lead.claims), "found_at": found_at, "status": "OPEN"}
        for (rule, key), lead in fresh.items()])
    ids = {(r[1], r[2]): int(r[0]) for r in conn.execute(
        select(t.c.id, t.c.rule, t.c.claims_key).where(t.c.found_at == found_at))}
    conn.execute(schema.lead_claims.insert(), [
        {"lead_id": ids[key], "claim_id": c} for key, lead in fresh.items() for c in lead.claims])
    return new, known


# ---------------------------------------------------------------------- pre-check


@dataclass(frozen=True)
class Candidate:
    """A claim as it would be submitted, for a pre-check: its id (``0x`` hex), institution
    (account), person (pseudonym), visit, service day (admission), discharge day (a stay's),
    fund share (fen) and lines ``(code, qty)``."""

    claim_id: str
    institution: str
    person: str
    visit: VisitType
    service_day: int
    discharge_day: int | None
    fund: int
    lines: tuple[tuple[str, int], ...]
    label: str | None = None


def _candidate_row(c: Candidate) -> dict[str, Any]:
    d = from_day(c.service_day)
    return {
        "claim_id": c.claim_id, "institution": c.institution, "person": c.person, "invoice": None,
        "label": c.label, "visit": int(c.visit), "service_day": c.service_day, "discharge_day": c.discharge_day,
        "service_month": d.year * 12 + d.month - 1, "service_year": d.year, "service_mmdd": d.month * 100 + d.day,
        "documents": None, "claimed_fund": c.fund, "decided_status": int(ClaimStatus.APPROVED),
        "decided_reason": 0, "flags": 0, "billed": 0, "eligible": 0, "deductible": 0, "decided_fund": c.fund,
        "status": int(ClaimStatus.APPROVED), "reason": 0, "fund": c.fund, "epoch": 0, "block": -1,
        "log_index": 0, "tx": "0x" + "0" * 64,
    }


def precheck_warnings(conn: Connection, candidate: Candidate,
                      params: ScreeningParams = DEFAULTS) -> list[Lead[str]]:
    """The leads of the pre-check rules (all but SURGE, those of ``params.rules``) that the live
    history plus ``candidate`` make and that include the candidate, sorted. The candidate is
    inserted inside a savepoint and rolled back: nothing stays in the tables. Every statement
    reads the candidate's person's claims only."""
    c = schema.claims.c
    if conn.execute(select(c.claim_id).where(c.claim_id == candidate.claim_id)).first() is not None:
        raise InputError(f"pre-check: claim {candidate.claim_id} is already in the index")
    rules = [r for r in PRECHECK_RULES if r in params.rules]
    savepoint = conn.begin_nested()
    try:
        if conn.dialect.name == "postgresql":  # plan the short per-person joins as written (planning
            conn.exec_driver_sql("SET LOCAL join_collapse_limit = 1")  # is most of their cost); the
            # savepoint's rollback restores the setting
        conn.execute(schema.claims.insert(), [_candidate_row(candidate)])
        if candidate.lines:
            conn.execute(schema.claim_lines.insert(), [
                {"claim_id": candidate.claim_id, "line_no": n, "code": code, "qty": qty, "unit_price": 0,
                 "billed": 0, "eligible": 0, "notes": 0} for n, (code, qty) in enumerate(candidate.lines)])
        found = [f for rule in rules for f in _run_rule(conn, rule, params, candidate.person)
                 if candidate.claim_id in f.claims]
    finally:
        savepoint.rollback()
    return _leads(found, None)


__all__ = [
    "DEFAULTS", "SQLITE_PRAGMAS", "Candidate", "claims_key", "precheck_warnings", "screen", "store_leads", "tune",
]
