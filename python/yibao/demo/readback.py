"""The report document of a played year, read back from the chain.

Every figure comes from the chain: events of the receipts (ClaimDecided, Alert, ClaimReviewed,
ClaimAppealed, Settled, CrossRegionOwed, Cleared, ClaimClawedBack, ContributionRecorded,
PersonEnrolled, FilingAdded, InstitutionAdded, CatalogueItemSet), as :class:`Player` kept them,
and views (fundOf, institutionInfo, owedBetween, policyAt, claimInfo) read here.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

from yibao.client import AlertKind, Ledger
from yibao.client.reports import fund_expected_balance
from yibao.demo.labels import ALERT_LABELS, SEVERITIES, labels_doc
from yibao.demo.player import Player, Rec
from yibao.demo.world import INSTITUTIONS
from yibao.demo.world_rules import CQ, END, GZ, JAN1, MID_YEAR, REGIONS, SETUP_DAY, YEAR
from yibao.model.types import ClaimStatus, PolicyVersion, Scheme, VisitType, flag_names, note_names
from yibao.units import yuan

#: The final statuses of a claim, in the report's order.
STATUSES = ["SETTLED", "APPROVED", "FLAGGED", "APPEALED", "REJECTED", "CLAWED_BACK"]
MONTHS = [f"{YEAR}-{m:02d}" for m in range(1, 13)]
PAID = (ClaimStatus.SETTLED, ClaimStatus.APPROVED)
PAIRS = ((CQ, GZ), (GZ, CQ))  # (home, treating) regions of cross-region care


def month_of(d: dt.date) -> str:
    return f"{d.year}-{d.month:02d}"


def pseudonym_prefix(pid: bytes) -> str:
    return "0x" + pid.hex()[:10] + "…"


# ------------------------------------------------------------------------------------ set-up


def read_regions(pl: Player) -> list[dict[str, Any]]:
    regions = []
    for code in REGIONS:
        info = pl.ledger.region(code)
        pids = [pid for pid, home in pl.pid_home.items() if home == code]
        regions.append(
            {
                "code": code,
                "name": info["name"],
                "opening_balance": info["opening_balance"],
                "people": len(pids),
                "employees": sum(1 for pid in pids if pl.pid_scheme[pid] == Scheme.EMPLOYEE),
                "residents": sum(1 for pid in pids if pl.pid_scheme[pid] == Scheme.RESIDENT),
                "people_with_filings": sum(1 for pid in pids if pl.filings.get(pid)),
            }
        )
    return regions


def policy_row(code: int, p: PolicyVersion) -> dict[str, Any]:
    """A policy as policyAt() returns it (inpatient tables by level 1–3)."""
    return {
        "region": code,
        "scheme": p.scheme.name,
        "effective_from": p.effective_from.isoformat(),
        "op_deductible": p.op_deductible,
        "ip_deductible": list(p.ip_deductible[1:]),
        "op_ratio_bps": list(p.op_ratio_bps),
        "ip_ratio_bps": list(p.ip_ratio_bps[1:]),
        "op_annual_cap": p.op_annual_cap,
        "annual_cap": p.annual_cap,
        "monthly_visit_limit": p.monthly_visit_limit,
        "class_b_self_pay_bps": p.class_b_self_pay_bps,
        "cross_region_cut_bps": p.cross_region_cut_bps,
        "waiting_days": p.waiting_days,
        "review_threshold": p.review_threshold,
        "max_claim_age_days": p.max_claim_age_days,
        "appeal_days": p.appeal_days,
    }


def read_policies(led: Ledger) -> list[dict[str, Any]]:
    """Each region × scheme's policy of 1 January, and of 1 July where a second version exists."""
    rows = []
    for code in REGIONS:
        for scheme in Scheme:
            for i, day in enumerate((JAN1, MID_YEAR)):
                if i == 1 and led.policy_count(code, scheme) < 2:
                    continue
                rows.append(policy_row(code, led.policy_at(code, scheme, day)))
    return rows


def read_catalogue(pl: Player) -> list[dict[str, Any]]:
    rows = []
    for code in REGIONS:
        evs = {bytes(e["code"]): e for e in pl.items[code]}.values()
        rows.append(
            {
                "region": code,
                "items": len(evs),
                "class_A": sum(1 for e in evs if e["category"] == 0),
                "class_B": sum(1 for e in evs if e["category"] == 1),
                "class_C": sum(1 for e in evs if e["category"] == 2),
                "price_capped": sum(1 for e in evs if e["priceCap"] > 0),
                "inpatient_only": sum(1 for e in evs if e["inpatientOnly"]),
                "max_qty": sum(1 for e in evs if e["maxQty"] > 0),
                "min_interval": sum(1 for e in evs if e["minIntervalDays"] > 0),
            }
        )
    return rows


# ------------------------------------------------------------------------------------ claims


def claims_by_month(pl: Player, recs: list[Rec]) -> list[dict[str, Any]]:
    """Per month of service: claims by final status (a duplicate counts as REJECTED), in all,
    and the fund paid on settled ones (one pass over the claims)."""
    rows: dict[str, dict[str, Any]] = {m: {"month": m, **dict.fromkeys(STATUSES, 0), "total": 0, "fund_paid": 0}
                                       for m in MONTHS}
    for r in recs:
        row = rows.get(month_of(r.planned.service))
        if row is not None and r.status.name in STATUSES:
            row[r.status.name] += 1
            if r.status == ClaimStatus.SETTLED:
                row["fund_paid"] += r.fund
    for c, _, _ in pl.dups:
        dup_row = rows.get(month_of(c.service))
        if dup_row is not None:
            dup_row["REJECTED"] += 1
    for row in rows.values():
        row["total"] = sum(row[s] for s in STATUSES)
    return list(rows.values())


def claims_by_institution_month(pl: Player, recs: list[Rec]) -> dict[str, list[int]]:
    per = {s.key: [0] * 12 for s in INSTITUTIONS}
    for r in recs:
        per[r.inst][r.planned.service.month - 1] += 1
    for c, _, _ in pl.dups:
        per[c.inst][c.service.month - 1] += 1
    return per


def claims_by_visit(recs: list[Rec]) -> dict[str, dict[str, int]]:
    by_visit = {}
    for v in VisitType:
        rs = [r for r in recs if r.res.visit == v]
        by_visit[v.name] = {
            "claims": len(rs),
            "billed": sum(r.res.billed for r in rs),
            "fund": sum(r.fund for r in rs if r.status in PAID),
        }
    return by_visit


def cross_region(recs: list[Rec]) -> dict[str, dict[str, int]]:
    """Care outside the home region, with and without a filing."""
    cross = {"filed": {"claims": 0, "fund": 0}, "unfiled": {"claims": 0, "fund": 0}}
    for r in recs:
        if r.home and r.home != r.treating:
            k = "filed" if r.filed else "unfiled"
            cross[k]["claims"] += 1
            if r.status in PAID:
                cross[k]["fund"] += r.fund
    return cross


def cross_region_pairs(pl: Player, recs: list[Rec]) -> list[dict[str, Any]]:
    rows = []
    for home, treating in PAIRS:
        rs = [r for r in recs if r.home == home and r.treating == treating]
        rows.append(
            {
                "home": home,
                "treating": treating,
                "claims": len(rs),
                "unfiled": sum(1 for r in rs if not r.filed),
                "owed_booked": sum(
                    e["amount"] for e in pl.owed_events if e["home"] == home and e["treating"] == treating
                ),
                "cleared": sum(c["amount"] for c in pl.clearings if c["from"] == home and c["to"] == treating),
                "owed_now": pl.ledger.owed(home, treating),
            }
        )
    return rows


def with_duplicates(counts: Counter[str], key: str, pl: Player) -> dict[str, int]:
    """``counts`` with the DUPLICATE decisions added under ``key``, sorted by name."""
    counts[key] += len(pl.dups)
    return dict(sorted(counts.items()))


def read_claims(pl: Player) -> dict[str, Any]:
    """The claims from their decisions and what happened to them since."""
    recs = list(pl.recs.values())
    by_status = Counter(r.status.name for r in recs)
    by_status["REJECTED"] += len(pl.dups)
    rejected = Counter(r.reason.name for r in recs if r.status == ClaimStatus.REJECTED)
    first_rejected = Counter(r.res.reason.name for r in recs if r.res.status == ClaimStatus.REJECTED)
    notes = Counter(n for r in recs for ln in r.res.lines for n in note_names(ln.notes))
    flags = Counter(f for r in recs for f in flag_names(r.res.flags))
    return {
        "submitted": len(recs) + len(pl.dups),
        "stored": len(recs),
        "duplicates": len(pl.dups),
        "at_submission": with_duplicates(Counter(r.res.status.name for r in recs), "REJECTED", pl),
        "by_status": {s: by_status.get(s, 0) for s in STATUSES},
        "rejected_by_reason": with_duplicates(rejected, "DUPLICATE", pl),
        "rejected_at_submission_by_reason": with_duplicates(first_rejected, "DUPLICATE", pl),
        "flags": dict(sorted(flags.items())),
        "line_notes": dict(sorted(notes.items())),
        "by_visit": claims_by_visit(recs),
        "by_month": claims_by_month(pl, recs),
        "by_institution_month": claims_by_institution_month(pl, recs),
        "billed": sum(r.res.billed for r in recs),
        "fund_settled": sum(r.fund for r in recs if r.status == ClaimStatus.SETTLED),
        "fund_approved_unsettled": sum(r.fund for r in recs if r.status == ClaimStatus.APPROVED),
        "cross_region": cross_region(recs),
        "cross_region_pairs": cross_region_pairs(pl, recs),
    }


# ------------------------------------------------------------------------------------ alerts


class AlertCounts:
    """The Alert events of the submissions, by kind, institution and person."""

    def __init__(self, pl: Player) -> None:
        self.kind: Counter[str] = Counter()
        self.inst: dict[str, Counter[str]] = {s.key: Counter() for s in INSTITUTIONS}
        self.person: dict[bytes, Counter[str]] = defaultdict(Counter)
        for r in pl.recs.values():
            self.add(r.res.alerts, r.inst, pl.member_pid.get(r.res.member, b""))
        for c, res, _ in pl.dups:
            orig = pl.recs.get(res.claim_id)
            pid = pl.member_pid.get(orig.res.member, b"") if orig else b""
            self.add(res.alerts, pl.acct_inst.get(res.institution, c.inst), pid)

    def add(self, alerts: Iterable[AlertKind], inst: str, pid: bytes) -> None:
        for a in alerts:
            self.kind[a.name] += 1
            self.inst[inst][a.name] += 1
            self.person[pid][a.name] += 1


def top_people(pl: Player, counts: AlertCounts) -> list[dict[str, Any]]:
    """The ten people with the most alerts."""
    recs = list(pl.recs.values())
    claims_per_pid = Counter(pl.member_pid.get(r.res.member, b"") for r in recs)
    top = sorted(
        ((pid, cnt) for pid, cnt in counts.person.items() if pid), key=lambda x: (-sum(x[1].values()), x[0])
    )[:10]
    return [
        {
            "pseudonym": pseudonym_prefix(pid),
            "home": pl.pid_home.get(pid, 0),
            "alerts": sum(cnt.values()),
            "kinds": dict(sorted(cnt.items())),
            "claims": claims_per_pid[pid],
            "rejected": sum(
                1 for r in recs if pl.member_pid.get(r.res.member) == pid and r.status == ClaimStatus.REJECTED
            ),
        }
        for pid, cnt in top
    ]


def read_alerts(pl: Player, counts: AlertCounts, institutions: list[dict[str, Any]]) -> dict[str, Any]:
    top_institutions = sorted(institutions, key=lambda i: (-i["alerts"], i["key"]))
    return {
        "total": sum(counts.kind.values()),
        "by_kind": {k.name: counts.kind.get(k.name, 0) for k in AlertKind},
        "severity": {k.name: ALERT_LABELS[k].severity for k in AlertKind},
        "by_severity": {
            s: sum(counts.kind.get(k.name, 0) for k in AlertKind if ALERT_LABELS[k].severity == s) for s in SEVERITIES
        },
        "by_institution": {k: sum(v.values()) for k, v in counts.inst.items()},
        "top_people": top_people(pl, counts),
        "top_institutions": [
            {
                "key": i["key"],
                "name": i["name"],
                "alerts": i["alerts"],
                "kinds": i["alerts_by_kind"],
                "rejected": i["rejected"],
                "claims": i["claims"],
            }
            for i in top_institutions
        ],
    }


# ------------------------------------------------------------------------------------ money


def read_institutions(pl: Player, counts: AlertCounts) -> list[dict[str, Any]]:
    """Each institution's chain state plus its events."""
    recs = list(pl.recs.values())
    rows = []
    for spec in INSTITUTIONS:
        chain_info = pl.ledger.institution(pl.inst_acct[spec.key].address)
        rs = [r for r in recs if r.inst == spec.key]
        dups = sum(1 for c, _, _ in pl.dups if c.inst == spec.key)
        sts = [x for x in pl.settlements if x["institution"] == spec.key]
        cbs = [x for x in pl.clawbacks if x["institution"] == spec.key]
        rows.append(
            {
                "key": spec.key,
                "name": spec.name,
                "note": spec.note,
                **chain_info.to_json(),
                "claims": len(rs) + dups,
                "billed": sum(r.res.billed for r in rs),
                "flagged_at_submission": sum(1 for r in rs if r.res.status == ClaimStatus.FLAGGED),
                "rejected": sum(1 for r in rs if r.status == ClaimStatus.REJECTED) + dups,
                "settlements": len(sts),
                "settled_payable": sum(x["payable"] for x in sts),
                "settled_netted": sum(x["netted"] for x in sts),
                "settled_cash": sum(x["cash"] for x in sts),
                "clawed_back": sum(x["amount"] for x in cbs),
                "clawed_back_claims": len(cbs),
                "alerts": sum(counts.inst[spec.key].values()),
                "alerts_by_kind": dict(sorted(counts.inst[spec.key].items())),
            }
        )
    return rows


def read_funds(pl: Player) -> list[dict[str, Any]]:
    """fundOf() of each region, its identity checked, and the contributions its events recorded."""
    funds = []
    for code in REGIONS:
        f = pl.ledger.fund(code)
        identity = fund_expected_balance(f)
        mine = [c["amount"] for c in pl.contributions if c["region"] == code]
        funds.append(
            {
                "region": code,
                "name": REGIONS[code],
                **f,
                "identity_holds": identity == f["balance"],
                "contributions_recorded": sum(mine),
                "contribution_payments": len(mine),
            }
        )
    return funds


def contributions_by_month(pl: Player) -> list[dict[str, Any]]:
    return [
        {
            "month": m,
            **{
                str(code): sum(c["amount"] for c in pl.contributions if c["region"] == code and c["date"][:7] == m)
                for code in REGIONS
            },
        }
        for m in MONTHS
    ]


def read_reviews(pl: Player) -> dict[str, Any]:
    return {
        "reviews": len(pl.reviews),
        "approved": sum(1 for r in pl.reviews if r["approved"]),
        "rejected": sum(1 for r in pl.reviews if not r["approved"]),
        "by_rule": dict(sorted(Counter(r["rule"] for r in pl.reviews).items())),
        "appeals_filed": sum(1 for r in pl.recs.values() if r.appealed),
        "appeals_approved": sum(1 for a in pl.appeals if a["approved"]),
        "appeals_rejected": sum(1 for a in pl.appeals if not a["approved"]),
        "fund_restored_by_appeals": sum(a["fund"] for a in pl.appeals if a["approved"]),
    }


def read_gas(pl: Player, n_sub: int) -> dict[str, Any]:
    return {
        "total": sum(pl.gas.values()),
        "transactions": sum(pl.txs.values()),
        "by_kind": {k: {"gas": pl.gas[k], "transactions": pl.txs[k]} for k in sorted(pl.gas)},
        "claim_submissions": n_sub,
        "claim_transactions": pl.txs["claims"],
        "per_claim": pl.gas["claims"] // max(1, n_sub),
        "mean_batch": round(n_sub / max(1, pl.txs["claims"]), 1),
        "largest_batch": max(pl.batches, default=0),
        "note": "gas from the receipts of every transaction the demo sent after deployment",
    }


# ------------------------------------------------------------------------------------ the document


def build_doc(pl: Player, seed: int, people: int, claims: int) -> dict[str, Any]:
    """The report document of the year ``pl`` played (all but its timing and manifest)."""
    led = pl.ledger
    counts = AlertCounts(pl)
    institutions = read_institutions(pl, counts)
    claims_doc = read_claims(pl)
    doc: dict[str, Any] = {
        "title": f"yibao demo — {YEAR} in 重庆 and 广州",
        "seed": seed,
        "size": {"people": people, "claims_requested": claims},
        "chain": pl.chain.describe(),
        "ledger": led.address,
        "period": {"from": JAN1.isoformat(), "to": END.isoformat(), "setup": SETUP_DAY.isoformat()},
        "regions": read_regions(pl),
        "policies": read_policies(led),
        "catalogue": read_catalogue(pl),
        "institutions": institutions,
        "people_total": led.person_count(),
        "funds": read_funds(pl),
        "fund_series": pl.snapshots,
        "contributions_by_month": contributions_by_month(pl),
        "claims": claims_doc,
        "alerts": read_alerts(pl, counts, institutions),
        "reviews": read_reviews(pl),
        "settlements": pl.settlements,
        "settlement_skips": pl.settle_skips,
        "clearings": pl.clearings,
        "clearing_failures": pl.clear_failures,
        "clawbacks": {
            "claims": len(pl.clawbacks),
            "amount": sum(c["amount"] for c in pl.clawbacks),
            "list": pl.clawbacks,
        },
        "freezes": pl.freezes,
        "terminations": len(pl.terminations),
        "gas": read_gas(pl, claims_doc["submitted"]),
        "labels": labels_doc(),
    }
    doc["checks"] = self_check(pl, doc, seed)
    doc["summary"] = summary_lines(doc)
    # the first five people as personInfo() returns them, and the enrolment's figures
    doc["people_sample"] = [led.person(p.pid).to_json() for p in pl.world.people[:5]]
    doc["stats"] = {
        "people": len(pl.pid_home),
        "enrol_transactions": pl.txs["enrolment"],
        "gas_per_person": pl.gas["enrolment"] // max(1, len(pl.pid_home)),
        "people_per_second": 0,
        "filings": pl.txs["filings"],
    }
    return doc


def self_check(pl: Player, doc: dict[str, Any], seed: int) -> dict[str, Any]:
    """Re-read a sample of claims through ``claimInfo`` and compare with the events' account."""
    rng = random.Random(seed + 101)
    ids = sorted(pl.recs)
    sample = rng.sample(ids, min(60, len(ids)))
    mismatches = []
    for cid in sample:
        v = pl.ledger.claim(cid)
        rec = pl.recs[cid]
        fund = v.fund if v.status in (ClaimStatus.APPROVED, ClaimStatus.SETTLED) else 0
        if v.status != rec.status or (v.status != ClaimStatus.CLAWED_BACK and fund != rec.fund):
            mismatches.append({"claim": "0x" + cid.hex(), "chain": v.status.name, "events": rec.status.name})
    law = all(f["identity_holds"] for f in doc["funds"])
    paid = all(i["paid"] == i["settled_cash"] for i in doc["institutions"])
    return {
        "claims_sampled": len(sample),
        "claim_mismatches": mismatches,
        "fund_identity": law,
        "institution_paid_matches_settlements": paid,
    }


def yuan_text(fen: int) -> str:
    """An amount for the terminal: whole 元 from 100,000 元 up, 元 and 角分 below."""
    return f"{yuan(fen, 0 if abs(fen) >= 100_000_00 else 2)} 元"


def summary_lines(doc: dict[str, Any]) -> list[str]:
    """A few lines for the terminal."""
    c, g, a, rv = doc["claims"], doc["gas"], doc["alerts"], doc["reviews"]
    st = c["by_status"]
    lines = [
        f"{doc['title']} — seed {doc['seed']}, chain {doc['chain']}, ledger {doc['ledger']}",
        f"{doc['people_total']:,} insured people; {c['submitted']:,} claim submissions "
        f"({c['duplicates']} duplicates) in {g['claim_transactions']:,} batches "
        f"(mean {g['mean_batch']}, largest {g['largest_batch']})",
        "final status: " + ", ".join(f"{k} {v:,}" for k, v in st.items() if v),
        f"alerts {a['total']:,}: " + ", ".join(f"{k} {v:,}" for k, v in a["by_kind"].items() if v),
        f"reviews {rv['reviews']:,} ({rv['rejected']:,} rejected); appeals {rv['appeals_filed']} "
        f"({rv['appeals_approved']} approved)",
        f"clawed back {doc['clawbacks']['claims']} claims, {yuan_text(doc['clawbacks']['amount'])}; "
        f"cross-region: {c['cross_region']['unfiled']['claims']} unfiled, "
        f"{c['cross_region']['filed']['claims']} filed, "
        f"cleared {yuan_text(sum(x['amount'] for x in doc['clearings']))}",
    ]
    for f in doc["funds"]:
        lines.append(
            f"fund {f['region']} {f['name']}: opening {yuan_text(f['opening'])} → balance {yuan_text(f['balance'])} "
            f"(contributions {yuan_text(f['contributions'])}, settled {yuan_text(f['settled'])}, "
            f"recovered {yuan_text(f['recovered'])}){'' if f['identity_holds'] else ' IDENTITY BROKEN'}"
        )
    lines.append(f"gas {g['total']:,} in {g['transactions']:,} transactions; {g['per_claim']:,} per claim")
    return lines


__all__ = [
    "MONTHS",
    "PAID",
    "PAIRS",
    "STATUSES",
    "AlertCounts",
    "build_doc",
    "claims_by_institution_month",
    "claims_by_month",
    "claims_by_visit",
    "contributions_by_month",
    "cross_region",
    "cross_region_pairs",
    "month_of",
    "policy_row",
    "pseudonym_prefix",
    "read_alerts",
    "read_catalogue",
    "read_claims",
    "read_funds",
    "read_gas",
    "read_institutions",
    "read_policies",
    "read_regions",
    "read_reviews",
    "self_check",
    "summary_lines",
    "top_people",
    "with_duplicates",
    "yuan_text",
]
