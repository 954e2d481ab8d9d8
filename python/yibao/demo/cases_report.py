"""The supervision cases section (监管案件) of the demo's report document, from the chain.

:func:`cases_doc` reads each case the year opened back through ``caseInfo`` and its found
claims through ``caseFound``, each institution's fines through ``finesOf`` and its credit score
through ``creditOf``. From the events the player followed it adds:

- the **funnel**: leads of the mid-year screening → HIGH leads → cases opened → penalized,
  dismissed, no violation → claims executed (clawed back or rejected);
- **money recovered per case**: the clawed-back fund shares (their sum becomes the
  institution's debt), the fund shares of the approved claims rejected (no longer payable), and
  how much of the clawed-back debt later settlements netted — the institution's netting
  (``Settled.netted``) allotted to its debts first in, first out;
- **fines** owed and paid per institution (fines never enter a fund);
- each institution's **grade** at the end of every month (from ``InstitutionGradeChanged``);
- the **timeline** of one case (the contested one), read with :func:`case_story` when it closed.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict, deque
from typing import Any

from yibao.demo.readback import MONTHS, yuan_text
from yibao.demo.supervision import (
    FINE_BPS, MAX_CASES, PHANTOM_RULES, SUPERVISION_DAY, SUSPEND_DAYS, CasePlayer, CaseRec
)
from yibao.demo.world import INSTITUTIONS
from yibao.demo.world_rules import YEAR
from yibao.model.screening import Severity


def netted_per_case(pl: CasePlayer) -> dict[int, int]:
    """Per case, the part of its clawed-back debt that later settlements netted (first in, first out
    per institution; settlements of a day come before that day's clawbacks, as played)."""
    events: list[tuple[str, int, int, int, int | None]] = []  # date, order, seq, amount, case
    for i, s in enumerate(pl.settlements):
        if s["netted"]:
            events.append((s["date"], 0, i, int(s["netted"]), None))
    for i, c in enumerate(pl.clawbacks):
        cid = bytes.fromhex(c["claim"][2:])
        events.append((c["date"], 1, i, int(c["amount"]), pl.case_claims.get(cid)))
    inst_of = {i: s["institution"] for i, s in enumerate(pl.settlements)}
    inst_cb = {i: c["institution"] for i, c in enumerate(pl.clawbacks)}
    queues: dict[str, deque[list[Any]]] = defaultdict(deque)
    out: dict[int, int] = defaultdict(int)
    for _, order, seq, amount, case in sorted(events, key=lambda e: (e[0], e[1], e[2])):
        if order == 1:
            queues[inst_cb[seq]].append([case, amount])
            continue
        q = queues[inst_of[seq]]
        while amount and q:
            take = min(amount, q[0][1])
            if q[0][0] is not None:
                out[q[0][0]] += take
            q[0][1] -= take
            amount -= take
            if q[0][1] == 0:
                q.popleft()
    return dict(out)


def case_row(pl: CasePlayer, c: CaseRec, netted: dict[int, int]) -> dict[str, Any]:
    info = pl.ledger.case_info(c.id)
    found = ["0x" + x.hex() for x in pl.ledger.case_found(c.id)]
    name = {s.key: s.name for s in INSTITUTIONS}
    clawed, rejected = sum(c.clawed.values()), sum(c.rejected.values())
    return {
        **info.to_json(), "institution": c.inst, "account": info.institution, "name": name[c.inst],
        "leads": c.leads, "rule": str(c.rule), "findings_rules": c.findings, "severity": str(c.severity),
        "closed_on": c.closed_on.isoformat() if c.closed_on else None,
        "found_claims": found, "found_invoices": sorted(pl.recs[bytes.fromhex(x[2:])].planned.invoice for x in found),
        "clawed_back": clawed, "clawed_back_claims": len(c.clawed), "rejected_fund": rejected,
        "rejected_claims": len(c.rejected), "recovered": clawed + rejected, "netted_later": netted.get(c.id, 0),
        "score_after": c.score, "planned_contest": c.contest,
    }


def grades_by_month(pl: CasePlayer) -> list[dict[str, Any]]:
    """Each institution's grade at the end of every month of the year, and its credit score."""
    rows = []
    for spec in INSTITUTIONS:
        changes = sorted((g["date"], g["to"]) for g in pl.grade_changes if g["institution"] == spec.key)
        grade, months = spec.grade.name, []
        for m in range(1, 13):
            end = (dt.date(YEAR + (m == 12), m % 12 + 1, 1) - dt.timedelta(days=1)).isoformat()
            for day, to in changes:
                if day <= end:
                    grade = to
            months.append(grade)
        addr = pl.inst_acct[spec.key].address
        rows.append({"key": spec.key, "name": spec.name, "start": spec.grade.name, "months": months,
                     "end": pl.ledger.institution(addr).grade.name, "score": pl.ledger.credit_score(addr, YEAR),
                     "changes": [{"date": d, "to": t} for d, t in changes]})
    return rows


def fines_rows(pl: CasePlayer) -> list[dict[str, Any]]:
    rows = []
    for spec in INSTITUTIONS:
        f = pl.ledger.fines(pl.inst_acct[spec.key].address)
        fined = sum(c.fine for c in pl.cases if c.inst == spec.key and c.outcome == "PENALIZED")
        if not (fined or f.owed or f.paid):
            continue
        rows.append({"key": spec.key, "name": spec.name, "fined": fined, "owed": f.owed, "paid": f.paid,
                     "suspended_until": f.suspended_until.isoformat() if f.suspended_until else None,
                     "payments": [p for p in pl.fine_payments if p["institution"] == spec.key]})
    return rows


def timeline(pl: CasePlayer) -> dict[str, Any] | None:
    """The story of the contested case, as read from the chain when it closed (None without one)."""
    chosen = next((c for c in pl.cases if c.contest and c.outcome == "PENALIZED"), None)
    if chosen is None or pl.story is None:
        return None
    story = pl.story
    return {"case_id": chosen.id, "institution": chosen.inst, "info": story["case"], "found": story["found"],
            "steps": story["steps"]}


def funnel(pl: CasePlayer, rows: list[dict[str, Any]]) -> dict[str, int]:
    outcomes = [r["outcome"] for r in rows]
    return {
        "leads": len(pl.midyear_leads),
        "high": sum(1 for x in pl.midyear_leads if x.severity is Severity.HIGH),
        "cases": len(rows),
        "penalized": outcomes.count("PENALIZED"),
        "dismissed": outcomes.count("DISMISSED"),
        "no_violation": outcomes.count("NO_VIOLATION"),
        "claims_executed": sum(r["clawed_back_claims"] + r["rejected_claims"] for r in rows),
    }


def cases_doc(pl: CasePlayer) -> dict[str, Any]:
    """The report's cases section."""
    netted = netted_per_case(pl)
    rows = [case_row(pl, c, netted) for c in pl.cases]
    fines = fines_rows(pl)
    return {
        "params": {"supervision_day": SUPERVISION_DAY.isoformat(), "max_cases": MAX_CASES,
                   "fine_bps": {str(k): v for k, v in FINE_BPS.items()}, "suspend_days": SUSPEND_DAYS,
                   "art40_rules": sorted(str(r) for r in PHANTOM_RULES)},
        "funnel": funnel(pl, rows),
        "skipped_leads": pl.skipped_leads,
        "list": rows,
        "recovered": sum(r["recovered"] for r in rows),
        "clawed_back": sum(r["clawed_back"] for r in rows),
        "netted_later": sum(r["netted_later"] for r in rows),
        "fines": fines,
        "fines_owed": sum(f["owed"] for f in fines),
        "fines_paid": sum(f["paid"] for f in fines),
        "status_changes": pl.status_changes,
        "grade_changes": pl.grade_changes,
        "grades": grades_by_month(pl),
        "months": MONTHS,
        "timeline": timeline(pl),
    }


def cases_summary(doc: dict[str, Any]) -> str:
    """A line for the terminal: the cases and what they executed."""
    f = doc["funnel"]
    return (f"cases: {f['cases']} opened from {f['high']} HIGH leads of {f['leads']} (mid-year); "
            f"{f['penalized']} penalized, {f['dismissed']} dismissed, {f['no_violation']} no violation; "
            f"{f['claims_executed']} claims executed, {yuan_text(doc['recovered'])} recovered "
            f"({yuan_text(doc['netted_later'])} netted by later settlements); fines "
            f"{yuan_text(doc['fines_paid'])} paid, {yuan_text(doc['fines_owed'])} owed")


__all__ = ["case_row", "cases_doc", "cases_summary", "fines_rows", "funnel", "grades_by_month", "netted_per_case",
           "timeline"]
