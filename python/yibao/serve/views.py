"""What the service shows, for the JSON API (:mod:`yibao.serve.api`) and the dashboard's pages
(:mod:`yibao.serve.pages`) alike: each method takes the signed-in :class:`Viewer` and answers a
document, from the index (caught up first) for lists and from the chain for what is current.
Parsing a request's query is :func:`claim_filter`, :func:`alert_filter` and :func:`lead_filter`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from yibao.client.queries import Page
from yibao.index import schema as s
from yibao.model.types import AlertKind, ClaimStatus
from yibao.serve import reads, reads_parties
from yibao.serve.context import ServeContext
from yibao.serve.follower import IndexFollower
from yibao.serve.viewer import Forbidden, NotFound, Refused, Viewer
from yibao.units import to_day

CST_OFFSET = 8 * 3600


def month_days(month: str) -> tuple[int, int]:
    """The first and last day number of ``YYYY-MM``."""
    try:
        y, m = int(month[:4]), int(month[5:])
        first = dt.date(y, m, 1)
    except ValueError:
        raise Refused(f"month {month[:20]!r}: YYYY-MM", expression="month") from None
    nxt = dt.date(y + m // 12, m % 12 + 1, 1)
    return to_day(first), to_day(nxt) - 1


def day_start(day: int) -> int:
    """Unix time of a day's midnight in CST."""
    return day * 86_400 - CST_OFFSET


def enum_values(cls: Any, given: list[str] | None, what: str) -> frozenset[Any]:
    """Members of ``cls`` named in ``given`` (case-insensitive, commas allowed); a 400 naming an
    unknown one."""
    out = set()
    for text in given or []:
        for part in text.split(","):
            name = part.strip().upper()
            if not name:
                continue
            if name not in cls.__members__:
                raise Refused(f"{what} {part.strip()[:30]!r}: one of {', '.join(cls.__members__)}", expression=what)
            out.add(cls[name])
    return frozenset(out)


def claim_id_text(text: str) -> str:
    """A claim id as the index writes it (``0x`` and 64 lower-case hex digits); a 400 otherwise."""
    t = text.lower().removeprefix("0x")
    if len(t) != 64 or any(ch not in "0123456789abcdef" for ch in t):
        raise Refused(f"claim id {text[:70]!r}: 0x and 64 hex digits", expression="claim_id")
    return "0x" + t


def account_text(text: str, what: str = "account") -> str:
    """A checksum address; a 400 naming ``what`` otherwise."""
    from yibao.errors import InputError
    from yibao.keys import checksum_address

    try:
        return checksum_address(text, what)
    except InputError as exc:
        raise Refused(str(exc), expression=what) from None


def claim_filter(status: list[str] | None = None, institution: str | None = None, person: str | None = None,
                 start: dt.date | None = None, end: dt.date | None = None, month: str | None = None
                 ) -> reads.ClaimFilter:
    """The claims a query asks for (a month overrides ``start`` and ``end``)."""
    lo, hi = (to_day(start) if start else None), (to_day(end) if end else None)
    if month:
        lo, hi = month_days(month)
    who = account_text(institution, "institution") if institution else None
    return reads.ClaimFilter(enum_values(ClaimStatus, status, "status"), who, person.lower() if person else None,
                             lo, hi)


def alert_filter(kind: list[str] | None = None, institution: str | None = None, month: str | None = None,
                 after: int | None = None) -> reads.AlertFilter:
    lo = hi = None
    if month:
        first, last = month_days(month)
        lo, hi = day_start(first), day_start(last + 1)
    who = account_text(institution, "institution") if institution else None
    return reads.AlertFilter(enum_values(AlertKind, kind, "kind"), who, after, lo, hi)


def lead_filter(rule: list[str] | None = None, severity: str | None = None, institution: str | None = None,
                status: str | None = None, month: str | None = None) -> reads.LeadFilter:
    from yibao.model.screening import Rule, Severity

    rules = frozenset(r.value for r in enum_values(Rule, rule, "rule"))
    sev = next(iter(enum_values(Severity, [severity], "severity")), None) if severity else None
    if status and status.upper() not in ("OPEN", "CASE"):
        raise Refused(f"status {status[:20]!r}: OPEN or CASE", expression="status")
    lo, hi = month_days(month) if month else (None, None)
    who = account_text(institution, "institution") if institution else None
    return reads.LeadFilter(rules, sev.value if sev else None, who, status.upper() if status else None, lo, hi)


class Views:
    """The documents of the service over ``ctx`` and its index (module docstring)."""

    def __init__(self, ctx: ServeContext, follower: IndexFollower | None) -> None:
        self.ctx = ctx
        self.follower = follower

    @contextmanager
    def index(self) -> Iterator[Connection]:
        """A connection to the index, caught up with the chain first."""
        if self.follower is None:
            raise NotFound("this service has no index: start it with --db (or run `yibao index`)")
        self.follower.catch_up()
        with self.follower.engine.connect() as conn:
            yield conn

    # ------------------------------------------------------------------ everyone's, cut to the viewer

    def claims(self, v: Viewer, f: reads.ClaimFilter, page: Page) -> dict[str, Any]:
        with self.index() as conn:
            return reads.list_claims(conn, v, f, page, self.ctx.names)

    def claim(self, v: Viewer, claim_id: str) -> dict[str, Any]:
        """A claim with its lines and case, its story on the chain and the flow of its money."""
        from yibao.client.history import claim_history

        cid = claim_id_text(claim_id)
        with self.index() as conn:
            doc = reads.claim_detail(conn, v, cid, self.ctx.names)
            with self.ctx.lock:
                doc["history"] = claim_history(self.ctx.ledger, bytes.fromhex(cid[2:]))
            doc["flow"] = reads_parties.claim_flow(conn, doc)
        return doc

    def institutions(self, v: Viewer) -> dict[str, Any]:
        with self.index() as conn:
            return {"institutions": reads_parties.list_institutions(conn, v, self.ctx.names)}

    def institution(self, v: Viewer, account: str) -> dict[str, Any]:
        """An institution now (chain: status, grade, payable, fines, this year's credit score) and
        over time (index: grade and status changes, credit, fines, suspensions, settlements)."""
        who = account_text(account)
        with self.index() as conn:
            doc = reads_parties.institution_history(conn, v, who)
        ledger = self.ctx.ledger
        with self.ctx.lock:
            now = ledger.institution(who).to_json()
            fines = ledger.fines(who)
            year = ledger.today().year
            score = ledger.credit_score(who, year)
        until = fines.suspended_until
        return {**doc, "name": self.ctx.names.get(who), "now": now,
                "fines_now": {"owed": fines.owed, "paid": fines.paid,
                              "suspended_until": until.isoformat() if until else None},
                "credit_now": {"year": year, "score": score}}

    def settlements(self, v: Viewer, page: Page) -> dict[str, Any]:
        with self.index() as conn:
            return reads_parties.list_settlements(conn, v, page)

    def cases(self, v: Viewer, page: Page, institution: str | None = None) -> dict[str, Any]:
        who = account_text(institution, "institution") if institution else None
        with self.index() as conn:
            return reads.list_cases(conn, v, page, who, self.ctx.names)

    def case(self, v: Viewer, case_id: int) -> dict[str, Any]:
        """A case as it stands and its whole story from the chain's events, the claims it was
        opened on and, when a lead was taken up, the lead's rule (a finding's code to suggest)."""
        from yibao.client.case_history import case_story

        with self.index() as conn:
            reads.require_case(conn, v, case_id)
            claims = conn.execute(sa.select(s.case_claims.c.claim_id).where(s.case_claims.c.case_id == case_id)
                                  .order_by(s.case_claims.c.claim_id)).scalars().all()
            rule = conn.execute(sa.select(s.leads.c.rule).where(s.leads.c.case_id == case_id)).scalar()
        with self.ctx.lock:
            story = case_story(self.ctx.ledger, case_id)
        return {**story, "claims": list(claims), "finding_code": rule}

    # ------------------------------------------------------------------ a regulator's

    def funds(self, v: Viewer) -> list[dict[str, Any]]:
        """Each regulated region's fund, the fund law, and the cross-region debts to and from it."""
        from yibao.client.reports import fund_report

        regions = v.regulator()
        with self.ctx.lock:
            return [fund_report(self.ctx.ledger, r) for r in sorted(regions)]

    def overview(self, v: Viewer) -> dict[str, Any]:
        """The funds and their law (chain), today's claims and alerts, the alerts by kind (index)."""
        funds = self.funds(v)
        with self.ctx.lock:
            today = self.ctx.ledger.today()
        day = to_day(today)
        lo, hi = day_start(day), day_start(day + 1)
        with self.index() as conn:
            c = s.claims.c
            claims = conn.execute(sa.select(sa.func.count()).select_from(s.claims).join(
                s.blocks, s.blocks.c.number == c.block).where(reads.claim_scope(v), s.blocks.c.timestamp >= lo,
                                                              s.blocks.c.timestamp < hi)).scalar_one()
            todays = reads.list_alerts(conn, v, reads.AlertFilter(start_time=lo, end_time=hi), Page(1, 0))  # its total
            by_kind = reads.alert_counts(conn, v)
            latest = reads.latest_alerts(conn, v, 20, self.ctx.names)
        return {"today": today.isoformat(), "funds": funds, "claims_today": int(claims),
                "alerts_today": todays["total"], "alerts_total": sum(by_kind.values()), "alerts_by_kind": by_kind,
                "recent_alerts": latest}

    def alerts(self, v: Viewer, f: reads.AlertFilter, page: Page) -> dict[str, Any]:
        v.regulator()
        with self.index() as conn:
            return reads.list_alerts(conn, v, f, page, self.ctx.names)

    def leads(self, v: Viewer, f: reads.LeadFilter, page: Page) -> dict[str, Any]:
        v.regulator()
        with self.index() as conn:
            return reads.list_leads(conn, v, f, page, self.ctx.names)

    def lead(self, v: Viewer, lead_id: int) -> dict[str, Any]:
        v.regulator()
        with self.index() as conn:
            return reads.lead_detail(conn, v, lead_id, self.ctx.names)

    def clearing(self, v: Viewer) -> dict[str, Any]:
        with self.index() as conn:
            return reads_parties.clearing(conn, v)

    # ------------------------------------------------------------------ a patient's

    def patient(self, v: Viewer) -> dict[str, Any]:
        """The patient's coverage now and this year's deductible and caps used (chain)."""
        from yibao.client.listings import person_year

        person = v.as_patient()
        with self.ctx.lock:
            p = self.ctx.ledger.person(bytes.fromhex(person[2:]))
            year = person_year(self.ctx.ledger, p, self.ctx.ledger.today())
        return {"person": person, "region": p.region, "scheme": p.scheme.name, "status": p.status.name,
                "coverage_from": p.coverage_from.isoformat(), "coverage_to": p.coverage_to.isoformat(), "year": year}

    def patient_claims(self, v: Viewer, page: Page) -> dict[str, Any]:
        """The patient's own claims (only as the patient, whatever else the account is) and the
        totals of the valid ones."""
        person = v.as_patient()
        mine = Viewer(v.account, person=person)
        with self.index() as conn:
            doc = reads.list_claims(conn, mine, reads.ClaimFilter(), page, self.ctx.names)
            doc["totals"] = reads_parties.patient_totals(conn, person)
        return doc

    def patient_payments(self, v: Viewer) -> dict[str, Any]:
        person = v.as_patient()
        with self.index() as conn:
            return {"person": person, "payments": reads_parties.patient_payments(conn, person, self.ctx.names),
                    "contributions": reads_parties.contributions(conn, person)}

    def patient_trail(self, v: Viewer) -> dict[str, Any]:
        person = v.as_patient()
        with self.index() as conn:
            return {"person": person, "trail": reads_parties.patient_trail(conn, person, self.ctx.names),
                    "consents": reads_parties.patient_consents(conn, person)}


def require_role(v: Viewer) -> Viewer:
    """``v``, when it has a role on the ledger; :class:`Forbidden` otherwise."""
    if not v.roles:
        raise Forbidden(f"{v.account} has no role on this ledger (not a regulator, institution or patient)")
    return v


__all__ = [
    "CST_OFFSET",
    "Views",
    "account_text",
    "alert_filter",
    "claim_filter",
    "claim_id_text",
    "day_start",
    "enum_values",
    "lead_filter",
    "month_days",
    "require_role",
]
