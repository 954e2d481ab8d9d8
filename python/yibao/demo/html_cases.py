"""The supervision cases section (监管案件) of the report page: the funnel from the mid-year
screening's leads to cases, penalties and executed claims, the money each case recovered and
how much of it later settlements netted, fines owed and paid, each institution's grade month by
month, and the timeline of the contested case. Laid out from ``doc["cases"]``
(:mod:`yibao.demo.cases_report`); a document without it shows nothing.
"""

from __future__ import annotations

from typing import Any

from yibao.demo.charts import Stacks, esc, hbars, svg_close, svg_open
from yibao.demo.html_parts import Doc, Raw, note, panel, table
from yibao.demo.labels import SCREENING_LABELS
from yibao.model.screening import Rule
from yibao.units import yuan

FUNNEL = [
    ("leads", "线索", "leads found"),
    ("high", "高风险线索", "HIGH leads"),
    ("cases", "立案", "cases opened"),
    ("penalized", "处罚", "penalized"),
    ("dismissed", "撤销", "dismissed"),
    ("no_violation", "未发现违规", "no violation"),
    ("claims_executed", "执行的理赔", "claims executed"),
]
OUTCOMES = {"PENALIZED": "处罚 penalized", "DISMISSED": "撤销 dismissed", "NO_VIOLATION": "未发现违规 no violation",
            "NONE": "未结 open"}
GRADE_COLOURS = {"A": "#2e7d32", "B": "#9ccc65", "C": "#fdd835", "D": "#fb8c00", "E": "#e53935"}
STEP_LABELS = {
    "opened": "立案 opened", "finding": "查实 finding", "decided": "处罚决定 decided", "contested": "申辩 contested",
    "ruled": "复核 ruled", "closed": "结案 closed", "claim_clawed_back": "追回 clawed back",
    "claim_rejected": "拒付 rejected", "fine_owed": "罚款 fine owed", "suspended": "暂停 suspended",
    "credit": "信用分 credit score", "status": "机构状态 status", "grade": "信用等级 grade",
    "cross_region_reduced": "异地应付减少 cross-region owed reduced", "cross_region_owed": "异地应付 cross-region owed",
}


def rule_name(code: str) -> str:
    return f"{code} {SCREENING_LABELS[Rule(code)].zh}" if code in {str(r) for r in Rule} else code


def funnel_chart(c: Doc) -> str:
    f = c["funnel"]
    labels = [f"{zh} {en}" for _, zh, en in FUNNEL]
    return hbars(Stacks(labels, {"n": [f[k] for k, _, _ in FUNNEL]}, {"n": "#3949ab"}), title="case funnel")


def case_rows(c: Doc) -> list[list[Any]]:
    return [[r["id"], r["name"], ", ".join(rule_name(x) for x in r["findings_rules"]) or rule_name(r["rule"]),
             f"Art. {r['article']}" if r["article"] else "–",
             OUTCOMES.get(r["outcome"], r["outcome"]), r["found"], yuan(r["loss"], 2), yuan(r["fine"], 2),
             r["suspend_days"] or "–", ("yes, upheld" if r["upheld"] else "yes") if r["contested"] else "–",
             f"{r['clawed_back_claims']} / {yuan(r['clawed_back'], 2)}", f"{r['rejected_claims']} / "
             f"{yuan(r['rejected_fund'], 2)}", yuan(r["netted_later"], 2)] for r in c["list"]]


def recovered_chart(c: Doc) -> str:
    rows = [r for r in c["list"] if r["recovered"] or r["clawed_back_claims"] or r["rejected_claims"]]
    if not rows:
        return ""
    stacks = {"追回 clawed back": [r["clawed_back"] for r in rows],
              "拒付 rejected (no longer payable)": [r["rejected_fund"] for r in rows]}
    colours = {"追回 clawed back": "#5d4037", "拒付 rejected (no longer payable)": "#e53935"}
    return hbars(Stacks([f"#{r['id']} {r['institution']}" for r in rows], stacks, colours),
                 title="money recovered per case", fmt=lambda v: f"{yuan(v, 2)} 元",
                 note=[f"netted later {yuan(r['netted_later'], 2)} 元" for r in rows], label_w=140)


def fine_rows(c: Doc) -> list[list[Any]]:
    return [[f["name"], yuan(f["fined"], 2), yuan(f["paid"], 2), yuan(f["owed"], 2),
             ", ".join(p["date"] for p in f["payments"]) or "–", f["suspended_until"] or "–"] for f in c["fines"]]


def grade_grid(c: Doc) -> str:
    """Institutions × months, each cell its grade at the month's end."""
    rows, months = c["grades"], c["months"]
    label_w, cw, ch, top = 200, 60, 24, 24
    width, height = label_w + cw * len(months) + 10, top + ch * len(rows) + 8
    out = [svg_open(width, height, "grade by month")]
    for j, m in enumerate(months):
        out.append(f'<text x="{label_w + j * cw + cw / 2:.0f}" y="16" text-anchor="middle" fill="#555">'
                   f"{esc(m[5:])}月</text>")
    for i, r in enumerate(rows):
        y = top + i * ch
        out.append(f'<text x="{label_w - 8}" y="{y + 16}" text-anchor="end" fill="#333">{esc(r["name"])}</text>')
        for j, g in enumerate(r["months"]):
            x = label_w + j * cw
            out.append(f'<rect x="{x + 2}" y="{y + 2}" width="{cw - 4}" height="{ch - 4}" fill="{GRADE_COLOURS[g]}">'
                       f"<title>{esc(r['name'])} {esc(months[j])}: {g}</title></rect>")
            out.append(f'<text x="{x + cw / 2:.0f}" y="{y + 16}" text-anchor="middle" fill="#111">{g}</text>')
    return svg_close(out)


def step_text(s: dict[str, Any]) -> str:
    skip = {"step", "time", "block", "tx", "by", "role", "claims", "evidence"}
    money = {"amount", "loss", "fine", "owed", "fund"}
    parts = [f"{k} {yuan(v, 2) + ' 元' if k in money else v}" for k, v in s.items() if k not in skip and v is not None]
    if s.get("claims"):
        parts.append(f"{len(s['claims'])} claims")
    return ", ".join(parts)


def timeline(c: Doc) -> str:
    t = c.get("timeline")
    if not t:
        return ""
    rows = [[s["time"], STEP_LABELS.get(s["step"], s["step"]), s["role"], f"{s['block']:,}",
             Raw(f"<code>{esc(s['tx'][:12])}…</code>"), step_text(s)] for s in t["steps"]]
    return ("<h3>Timeline of case " + esc(t["case_id"]) + " 案件时间线</h3>"
            + table(["time (CST)", "step", "by", "block", "transaction", "what"], rows)
            + note(esc(f"Case {t['case_id']} of {t['institution']}" + (
                ": the institution contested the decision, a reviewer (not the regulator: separation of duties) "
                "upheld it and the regulator finalized it at once." if any(s["step"] == "contested" for s in t["steps"])
                else ".") + " Every step is read back from the chain with its block, transaction and sender.")))


def cases_section(doc: Doc) -> str:
    """The section, or nothing when the document has no cases."""
    c = doc.get("cases")
    if not c:
        return ""
    p = c["params"]
    return panel(
        "<h2>Supervision cases 监管案件</h2>",
        note(esc(f"On {p['supervision_day']} the claims so far were screened; the regulator of each institution's "
                 f"region opened one case on each institution with HIGH leads (largest first, at most "
                 f"{p['max_cases']}), recorded a finding per lead (what the inspection found: the lead's planted "
                 f"claims still payable), and decided: Art. 40 (骗保, care that cannot have happened: "
                 f"{', '.join(p['art40_rules'])}) at "
                 f"{p['fine_bps']['40'] / 10000:g}× the loss, Art. 38 (over-billing) at "
                 f"{p['fine_bps']['38'] / 10000:g}×; the gravest case also suspended its institution for "
                 f"{p['suspend_days']} days. Finalizing rejected the found claims not yet paid and clawed back the "
                 "paid ones; the debt is netted from the institution's later settlements.")),
        "<h3>From leads to penalties 线索到处罚</h3>",
        funnel_chart(c),
        table(["case", "institution", "rule", "article", "outcome", "claims found", "loss (元)", "fine (元)",
               "suspended (days)", "contested", "clawed back", "rejected", "netted later (元)"], case_rows(c)),
        "<h3>Money recovered per case 追回金额</h3>",
        recovered_chart(c),
        note(esc(f"Recovered {yuan(c['recovered'], 2)} 元 in all; of the {yuan(c['clawed_back'], 2)} 元 clawed back, "
                 f"later settlements netted {yuan(c['netted_later'], 2)} 元 by the end of the year (an institution's "
                 "netting is allotted to its debts first in, first out).")),
        "<h3>Fines 罚款</h3>",
        table(["institution", "fined (元)", "paid (元)", "owed (元)", "paid on", "suspended until"], fine_rows(c)),
        note("Fines are paid to the treasury, not to the insurance fund: they are not in the fund balances above."),
        "<h3>Credit grade by month 信用等级</h3>",
        grade_grid(c),
        note("Each institution's grade at the end of every month: a case lowers the year's credit score "
             "(Art. 38 −10, Art. 40 −30 from 100) and the grade falls to that of the score, never rises."),
        timeline(c),
    )


__all__ = ["FUNNEL", "GRADE_COLOURS", "OUTCOMES", "STEP_LABELS", "case_rows", "cases_section", "fine_rows",
           "funnel_chart", "grade_grid", "recovered_chart", "rule_name", "step_text", "timeline"]
