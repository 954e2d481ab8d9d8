"""The screening section (事后监管) of the demo's report: the played chain indexed, screened with
screening.md's default parameters, and the leads measured against what the demo planted.

After the year, :func:`build_index` reads the ledger's events into an index file in the
output folder (``index.db``, SQLite, the index ``yibao screen`` reads), adds the off-chain
facts the world made (people's sex and birth date, items' restrictions: never on chain) and
names each claim by its invoice (``claims.label``). :func:`screen_year` screens it, records
the leads in it, and :func:`screening_doc` makes the report's section: leads per rule and
severity, the institutions and people with the most HIGH leads, leads per month (the service
month of the lead's earliest claim), and per rule the recall and precision against the planted
truth (:mod:`yibao.demo.planted`):

- an instance is **found** when some lead of its rule contains all its claims; recall = found
  instances / planted instances;
- precision = leads of the rule with at least one planted claim of that rule / all leads of the
  rule (the ordinary world makes leads of its own; they are shown, not hidden).

The year's supervision cases (:mod:`yibao.demo.supervision`) screened the first half of the
year into the same index file on the supervision day and executed the planted claims they found
(rejected or clawed back: no longer live, so the year-end screening cannot find them again).
The year-end run continues that index rather than rebuilding it, so it stores each lead once.
Its leads per rule, severity, month and party are the year-end screen's (what is live now);
recall and precision count **every lead raised in the year**, the mid-year ones and the
year-end ones, each rule and set of claims once — exactly the leads stored in the index,
whatever their status (OPEN or CASE) — so they still measure what screening found.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from yibao.demo.player import Player, Rec
from yibao.demo.readback import MONTHS, month_of, pseudonym_prefix
from yibao.demo.world import INSTITUTIONS
from yibao.demo.world_rules import END
from yibao.index import schema
from yibao.index.attributes import AttributeEntry, store_attributes
from yibao.index.database import open_index
from yibao.index.ingest import index_ledger
from yibao.index.screen import DEFAULTS, screen, store_leads
from yibao.io.rules import RestrictionEntry
from yibao.model.screening import RULES, Lead, Rule, Severity
from yibao.units import noon_cst

INDEX_FILE = "index.db"
TOP = 10


def build_index(pl: Player, path: Path, *, fresh: bool = True) -> Engine:
    """The index of ``pl``'s ledger at ``path`` brought up to the chain's head, with the world's
    off-chain facts and each claim labelled by its invoice: a new file (an old one there is
    replaced) when ``fresh``, else the file there continued."""
    if fresh:
        for old in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            old.unlink(missing_ok=True)
    engine = open_index(f"sqlite:///{path}")
    index_ledger(pl.ledger, engine)
    planted = pl.world.planted
    people = [AttributeEntry(pid, a.sex, a.birth_date) for pid, a in planted.attributes.items()]
    items = [RestrictionEntry(region, code, r.sex, r.min_age, r.max_age, r.min_level)
             for (region, code), r in planted.restrictions.items()]
    c = schema.claims.c
    labels = [{"cid": "0x" + cid.hex(), "name": rec.planned.invoice} for cid, rec in pl.recs.items()]
    with engine.begin() as conn:
        store_attributes(conn, people, items)
        if labels:
            conn.execute(schema.claims.update().where(c.claim_id == sa.bindparam("cid"))
                         .values(label=sa.bindparam("name")), labels)
    return engine


def screen_year(pl: Player, out_dir: Path, earlier: Sequence[Lead[str]] = ()) -> dict[str, Any]:
    """Index and screen the year (default parameters); the report's screening section.
    ``earlier``: the leads of the mid-year screening, stored in the index already (it is
    continued, not rebuilt, when there are some); the recall counts them too."""
    path = out_dir / INDEX_FILE
    engine = build_index(pl, path, fresh=not earlier)
    try:
        with engine.begin() as conn:
            leads = screen(conn)
            new, _ = store_leads(conn, leads, int(noon_cst(END)))
            indexed = conn.execute(sa.select(sa.func.count()).select_from(schema.claims)).scalar_one()
            t = schema.leads
            stored = {str(r[0]): int(r[1]) for r in conn.execute(
                sa.select(t.c.status, sa.func.count()).group_by(t.c.status))}
    finally:
        engine.dispose()
    doc = screening_doc(pl, leads, earlier)
    doc["stored_leads"] = {"total": sum(stored.values()), "by_status": dict(sorted(stored.items())),
                           "midyear": len(earlier), "new_at_year_end": len(new)}
    planted = pl.world.planted
    doc["index"] = {"file": INDEX_FILE, "claims": int(indexed), "people_with_attributes": len(planted.attributes),
                    "restricted_items": len(planted.restrictions)}
    return doc


class Named:
    """Leads in the demo's names: invoices, institution keys, people's homes and pseudonyms."""

    def __init__(self, pl: Player) -> None:
        self.recs: dict[str, Rec] = {"0x" + cid.hex(): r for cid, r in pl.recs.items()}
        self.inst = {a.lower(): k for a, k in pl.acct_inst.items()}
        self.home = {"0x" + pid.hex(): h for pid, h in pl.pid_home.items()}

    def invoices(self, lead: Lead[str]) -> frozenset[str]:
        return frozenset(self.recs[c].planned.invoice for c in lead.claims)

    def month(self, lead: Lead[str]) -> str:
        return month_of(min(self.recs[c].planned.service for c in lead.claims))

    def institution(self, lead: Lead[str]) -> str | None:
        return None if lead.institution is None else self.inst.get(lead.institution.lower(), lead.institution)


def recall_precision(leads: list[Lead[str]], named: Named, planted: dict[Rule, list[frozenset[str]]]
                     ) -> dict[str, dict[str, Any]]:
    """Per rule: the planted instances found (recall) and the leads with a planted claim (precision)."""
    out: dict[str, dict[str, Any]] = {}
    for rule in RULES:  # PATIENT_DISPUTE too: nothing planted (its recall None), its leads counted
        mine = [named.invoices(x) for x in leads if x.rule is rule]
        instances = planted.get(rule, [])
        truth = frozenset().union(*instances) if instances else frozenset()
        missed = [sorted(i) for i in instances if not any(i <= lead for lead in mine)]
        found = len(instances) - len(missed)
        hits = sum(1 for lead in mine if lead & truth)
        out[str(rule)] = {
            "planted": len(instances), "found": found,
            "recall": round(found / len(instances), 4) if instances else None,
            "leads": len(mine), "with_planted": hits, "precision": round(hits / len(mine), 4) if mine else None,
            "missed": missed,
        }
    return out


def tops(leads: list[Lead[str]], named: Named) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The institutions and people with the most HIGH leads (then the most leads)."""
    names = {s.key: s.name for s in INSTITUTIONS}
    inst: dict[str, Counter[str]] = defaultdict(Counter)
    person: dict[str, Counter[str]] = defaultdict(Counter)
    for x in leads:
        for who, table in ((named.institution(x), inst), (x.person, person)):
            if who is not None:
                table[who]["leads"] += 1
                if x.severity is Severity.HIGH:
                    table[who]["high"] += 1
                    table[who][str(x.rule)] += 1

    def order(table: dict[str, Counter[str]]) -> list[tuple[str, Counter[str]]]:
        return sorted(table.items(), key=lambda kv: (-kv[1]["high"], -kv[1]["leads"], kv[0]))[:TOP]

    def rules(cnt: Counter[str]) -> dict[str, int]:
        return {str(r): cnt[str(r)] for r in RULES if cnt[str(r)]}

    institutions = [{"key": k, "name": names.get(k, k), "high": c["high"], "leads": c["leads"],
                     "high_by_rule": rules(c)} for k, c in order(inst)]
    people = [{"pseudonym": pseudonym_prefix(bytes.fromhex(k[2:])), "home": named.home.get(k, 0), "high": c["high"],
               "leads": c["leads"], "high_by_rule": rules(c)} for k, c in order(person)]
    return institutions, people


def all_leads(earlier: Sequence[Lead[str]], leads: Sequence[Lead[str]]) -> list[Lead[str]]:
    """The leads of both screenings, each rule and set of claims once (as the index stores them)."""
    seen: dict[tuple[Rule, frozenset[str]], Lead[str]] = {}
    for x in (*earlier, *leads):
        seen.setdefault(x.identity(), x)
    return list(seen.values())


def screening_doc(pl: Player, leads: list[Lead[str]], earlier: Sequence[Lead[str]] = ()) -> dict[str, Any]:
    """The screening section of the report document: the year-end leads; recall and precision
    over every lead raised in the year (``earlier`` ones too)."""
    named = Named(pl)
    by_rule: dict[str, dict[str, int]] = {}
    for rule in RULES:
        mine = [x for x in leads if x.rule is rule]
        by_rule[str(rule)] = {
            "HIGH": sum(1 for x in mine if x.severity is Severity.HIGH),
            "MEDIUM": sum(1 for x in mine if x.severity is Severity.MEDIUM),
            "total": len(mine), "claims": len({c for x in mine for c in x.claims}),
            "amount": sum(x.amount for x in mine),
        }
    per_month: dict[str, Counter[str]] = {m: Counter() for m in MONTHS}
    for x in leads:
        per_month.setdefault(named.month(x), Counter())[str(x.rule)] += 1
    by_month = [{"month": m, **{str(r): c[str(r)] for r in RULES}, "total": sum(c.values())}
                for m, c in sorted(per_month.items())]
    institutions, people = tops(leads, named)
    planted = pl.world.planted.instances
    truth = {r: frozenset().union(*v) if v else frozenset() for r, v in planted.items()}
    return {
        "params": DEFAULTS.document(),
        "leads": len(leads),
        "by_severity": {str(s): sum(1 for x in leads if x.severity is s) for s in Severity},
        "by_rule": by_rule,
        "by_month": by_month,
        "top_institutions": institutions,
        "top_people": people,
        "recall_precision": recall_precision(all_leads(earlier, leads), named, planted),
        "recall_basis": "midyear and year-end" if earlier else "year-end",
        "planted": {str(r): [sorted(i) for i in planted.get(r, [])] for r in RULES},
        "list": [{"rule": str(x.rule), "severity": str(x.severity), "institution": named.institution(x),
                  "person": x.person, "month": named.month(x), "amount": x.amount,
                  "claims": sorted(named.invoices(x)),
                  "planted": bool(named.invoices(x) & truth.get(x.rule, frozenset()))}
                 for x in leads],
    }


def screening_summary(s: dict[str, Any]) -> str:
    """A line for the terminal: the leads and how many planted patterns were found."""
    rp = s["recall_precision"].values()
    planted, found = sum(r["planted"] for r in rp), sum(r["found"] for r in rp)
    missed = [rule for rule, r in s["recall_precision"].items() if r["found"] < r["planted"]]
    return (f"screening: {s['leads']:,} leads ({s['by_severity']['HIGH']:,} HIGH); planted patterns found "
            f"{found}/{planted}" + (f", MISSED in {', '.join(missed)}" if missed else ""))


__all__ = [
    "INDEX_FILE", "TOP", "Named", "all_leads", "build_index", "recall_precision", "screen_year", "screening_doc",
    "screening_summary", "tops",
]
