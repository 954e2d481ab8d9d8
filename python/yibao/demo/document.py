"""The files of the ``yibao demo`` report: report.json, report.html (:mod:`yibao.demo.html`),
the CSV tables of the document and claims.csv, every decision of the year.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from yibao.client import ClaimResult
from yibao.demo.html import render_html
from yibao.demo.player import Player, Rec
from yibao.demo.readback import STATUSES
from yibao.demo.world import PlannedClaim
from yibao.model.types import VisitType, flag_names

FUND_KEYS = ["opening", "balance", "contributions", "settled", "clearing_in", "clearing_out", "recovered"]
INSTITUTION_KEYS = [
    "key",
    "name",
    "account",
    "region",
    "level",
    "grade",
    "status",
    "frozen",
    "claims",
    "flagged_at_submission",
    "rejected",
    "settlements",
    "settled_payable",
    "settled_netted",
    "settled_cash",
    "paid",
    "clawed_back",
    "debt",
    "payable",
    "alerts",
]
CLAIM_COLUMNS = [
    "claim_id",
    "institution",
    "member",
    "home",
    "treating",
    "filed",
    "visit",
    "service_date",
    "submitted",
    "status_at_submission",
    "reason_at_submission",
    "flags",
    "alerts",
    "status",
    "reason",
    "billed",
    "eligible",
    "deductible",
    "fund",
    "reviews",
    "appealed",
    "settled_on",
    "clawed_back",
    "duplicate",
]

Table = tuple[Sequence[str], Sequence[Sequence[Any]]]


def write_csv(path: Path, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(headers)
        w.writerows(rows)


def columns(records: Iterable[dict[str, Any]], keys: Sequence[str]) -> list[list[Any]]:
    return [[r[k] for k in keys] for r in records]


def with_kinds(records: Iterable[dict[str, Any]], keys: Sequence[str]) -> list[list[Any]]:
    """``keys`` of each record, its ``kinds`` (alert counts) as JSON in their place."""
    return [[json.dumps(r[k]) if k == "kinds" else r[k] for k in keys] for r in records]


def tables(doc: dict[str, Any]) -> dict[str, Table]:
    """The CSV files of the report document, by file name: headers and rows."""
    a, g = doc["alerts"], doc["gas"]
    by_month = [[r["month"], *[r[s] for s in STATUSES], r["total"], r["fund_paid"]] for r in doc["claims"]["by_month"]]
    gas = [[k, v["transactions"], v["gas"]] for k, v in g["by_kind"].items()]
    gas += [["total", g["transactions"], g["total"]], ["per_claim", g["claim_submissions"], g["per_claim"]]]
    funds = ["date", "region", *FUND_KEYS]
    people = ["pseudonym", "home", "alerts", "kinds", "claims", "rejected"]
    insts = ["key", "name", "alerts", "kinds", "rejected", "claims"]
    settled = ["date", "institution", "region", "payable", "netted", "cash", "claims"]
    cleared = ["date", "from", "to", "amount", "still_owed"]
    clawed = ["date", "claim", "institution", "amount", "reason"]
    out: dict[str, Table] = {
        "fund_balance.csv": (funds, columns(doc["fund_series"], funds)),
        "claims_by_month.csv": (["month", *STATUSES, "total", "fund_settled"], by_month),
        "institutions.csv": (INSTITUTION_KEYS, columns(doc["institutions"], INSTITUTION_KEYS)),
        "alerts_by_kind.csv": (["kind", "alerts"], list(a["by_kind"].items())),
        "top_people.csv": (["pseudonym_prefix", *people[1:]], with_kinds(a["top_people"], people)),
        "top_institutions.csv": (insts, with_kinds(a["top_institutions"], insts)),
        "gas.csv": (["kind", "transactions", "gas"], gas),
        "settlements.csv": (settled, columns(doc["settlements"], settled)),
        "clearings.csv": (cleared, columns(doc["clearings"], cleared)),
        "clawbacks.csv": (clawed, columns(doc["clawbacks"]["list"], clawed)),
    }
    if "screening" in doc:
        out.update(screening_tables(doc["screening"]))
    if "cases" in doc:
        out["cases.csv"] = (CASE_COLUMNS, columns(doc["cases"]["list"], CASE_COLUMNS))
    return out


CASE_COLUMNS = ["id", "institution", "rule", "article", "outcome", "opened_on", "decided_on", "closed_on",
                "found", "loss", "fine_bps", "fine", "suspend_days", "contested", "upheld", "clawed_back",
                "clawed_back_claims", "rejected_fund", "rejected_claims", "netted_later"]


LEAD_COLUMNS = ["rule", "severity", "institution", "person", "month", "amount", "claims", "planted"]


def screening_tables(s: dict[str, Any]) -> dict[str, Table]:
    """The screening section's CSV files: every lead (its claims by invoice), and per rule the
    leads by severity with the recall and precision against the planted patterns."""
    leads = [[*(x[k] for k in LEAD_COLUMNS[:6]), "|".join(x["claims"]), int(x["planted"])] for x in s["list"]]
    heads = ["rule", "HIGH", "MEDIUM", "leads", "claims", "amount", "planted", "found", "with_planted"]
    rules = [[rule, r["HIGH"], r["MEDIUM"], r["total"], r["claims"], r["amount"],
              *(s["recall_precision"][rule][k] for k in ("planted", "found", "with_planted"))]
             for rule, r in s["by_rule"].items()]
    return {"screening_leads.csv": (LEAD_COLUMNS, leads), "screening_by_rule.csv": (heads, rules)}


def write_report(doc: dict[str, Any], out_dir: Path, json_only: bool = False) -> None:
    """report.json, and unless ``json_only`` report.html and the CSV tables, into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "report.json").write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    if json_only:
        return
    (out_dir / "report.html").write_text(render_html(doc), encoding="utf-8")
    for name, (headers, rows) in tables(doc).items():
        write_csv(out_dir / name, headers, rows)


def stored_row(cid: bytes, r: Rec) -> list[Any]:
    """A stored claim as it stands now, beside its decision at submission."""
    res = r.res
    return [
        "0x" + cid.hex(),
        r.inst,
        res.member,
        r.home,
        r.treating,
        int(r.filed),
        r.planned.visit.name,
        r.planned.service.isoformat(),
        r.submitted.isoformat(),
        res.status.name,
        res.reason.name,
        "|".join(flag_names(res.flags)),
        "|".join(a.name for a in res.alerts),
        r.status.name,
        r.reason.name,
        res.billed,
        res.eligible,
        res.deductible,
        r.fund,
        "|".join(r.reviews),
        int(r.appealed),
        r.settled_on.isoformat() if r.settled_on else "",
        r.clawed_back,
        0,
    ]


def duplicate_row(c: PlannedClaim, res: ClaimResult, day: dt.date) -> list[Any]:
    """A DUPLICATE decision: nothing stored, so only what the decision says."""
    visit = res.visit.name if isinstance(res.visit, VisitType) else res.visit
    decided = [res.status.name, res.reason.name]
    alerts = "|".join(a.name for a in res.alerts)
    head = ["0x" + res.claim_id.hex(), c.inst, res.member, "", "", "", visit, c.service.isoformat(), day.isoformat()]
    return [*head, *decided, "", alerts, *decided, res.billed, 0, 0, 0, "", 0, "", 0, 1]


def write_claims_csv(pl: Player, path: Path) -> None:
    """Every decision: stored claims as they stand now, then the DUPLICATE decisions."""
    rows = [stored_row(cid, r) for cid, r in pl.recs.items()]
    rows += [duplicate_row(c, res, day) for c, res, day in pl.dups]
    write_csv(path, CLAIM_COLUMNS, rows)


__all__ = [
    "CASE_COLUMNS",
    "CLAIM_COLUMNS",
    "FUND_KEYS",
    "INSTITUTION_KEYS",
    "LEAD_COLUMNS",
    "Table",
    "columns",
    "duplicate_row",
    "screening_tables",
    "stored_row",
    "tables",
    "with_kinds",
    "write_claims_csv",
    "write_csv",
    "write_report",
]
