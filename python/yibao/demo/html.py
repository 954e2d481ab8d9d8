"""report.html of the demo: one self-contained page (inline CSS, SVG charts and the embedded
font, one small inline script that filters the alerts, no network), rendered section by section
from the report document.

Everything is laid out from the document that :mod:`yibao.demo.readback` read from the chain;
nothing is computed here beyond sums and layout. Codes are shown with their names in Chinese
and English (:mod:`yibao.demo.labels`); which view or event each figure comes from is in the
technical appendix (:mod:`yibao.demo.html_appendix`) at the end.
"""

from __future__ import annotations

import datetime as dt
import warnings
from typing import Any

from yibao.demo.charts import Stacks, esc, hbars, line_chart, stacked_bars
from yibao.demo.font import EmbeddedFont, embed_font
from yibao.demo.html_alerts import alerts
from yibao.demo.html_appendix import appendix, font_note
from yibao.demo.html_cases import cases_section
from yibao.demo.html_screening import screening
from yibao.demo.html_parts import (
    CSS,
    Doc,
    Raw,
    claims_of,
    counts_text,
    heat,
    kinds_text,
    note,
    panel,
    table,
    two_columns,
)
from yibao.demo.labels import (
    INSTITUTION_STATUS_LABELS,
    NOTE_LABELS,
    REASON_LABELS,
    RULE_LABELS,
    SCHEME_LABELS,
    STATUS_LABELS,
    code_label,
)
from yibao.demo.world_rules import CQ, GZ
from yibao.model.types import ClaimStatus, Reason
from yibao.units import yuan

STATUS_COLOURS = {
    "SETTLED": "#2e7d32",
    "APPROVED": "#9ccc65",
    "FLAGGED": "#ffb300",
    "APPEALED": "#8e24aa",
    "REJECTED": "#e53935",
    "CLAWED_BACK": "#5d4037",
}
REGION_COLOURS = {CQ: "#1e88e5", GZ: "#f4511e"}
REGION_LABEL = {CQ: "重庆 500000", GZ: "广州 440100"}

# ------------------------------------------------------------------------------------ sections


def head(doc: Doc) -> str:
    c, g, a = doc["claims"], doc["gas"], doc["alerts"]
    st = c["by_status"]
    paid_total = sum(i["paid"] for i in doc["institutions"])
    cards = [
        (f"{doc['people_total']:,}", "insured people (enrolled on chain)"),
        (f"{c['submitted']:,}", f"claim submissions in {g['claim_transactions']:,} batches"),
        (f"{st['SETTLED']:,}", "claims settled (paid)"),
        (f"{st['REJECTED']:,}", "claims rejected (incl. duplicates)"),
        (f"{yuan(paid_total, 0)} 元", "paid to institutions in cash"),
        (f"{a['total']:,}", "alerts raised on chain"),
        (f"{doc['clawbacks']['claims']} / {yuan(doc['clawbacks']['amount'], 0)} 元", "claims / fund clawed back"),
        (f"{g['per_claim']:,}", "gas per claim (batched)"),
    ]
    return (
        f"<h1>{esc(doc['title'])}</h1><p class='sub'>医保 enrolment, claims and supervision played through the "
        f"yibao contracts · seed {doc['seed']} · {doc['size']['people']:,} people · "
        f"{doc['size']['claims_requested']:,} claims requested · period {doc['period']['from']} – "
        f"{doc['period']['to']} · synthetic data</p>"
        "<div class='cards'>"
        + "".join(f"<div class='card'><b>{esc(v)}</b><span>{esc(k)}</span></div>" for v, k in cards)
        + "</div>"
    )


def funds(doc: Doc) -> str:
    series: dict[str, list[tuple[dt.date, float]]] = {}
    colours = {}
    for f in doc["funds"]:
        name = REGION_LABEL.get(f["region"], str(f["region"]))
        colours[name] = REGION_COLOURS.get(f["region"], "#555")
        series[name] = [
            (dt.date.fromisoformat(s["date"]), s["balance"] / 1_000_000)
            for s in doc["fund_series"]
            if s["region"] == f["region"]
        ]
    money = ["opening", "contributions", "settled", "clearing_in", "clearing_out", "recovered", "balance"]
    rows = [
        [
            f"{f['region']} {f['name']}",
            *[yuan(f[k], 0) for k in money],
            Raw("<span class='ok'>holds</span>" if f["identity_holds"] else "<span class='bad'>BROKEN</span>"),
        ]
        for f in doc["funds"]
    ]
    headers = ["fund (元)", "opening", "contributions", "settled", "clearing in", "clearing out", "recovered"]
    return panel(
        "<h2>Fund balance over time 基金余额</h2>",
        line_chart(series, colours, unit="万元", title="fund balance"),
        note(
            "The balance of each region's pooled fund (统筹基金), every week and on every day money moved. "
            "Contributions: employees monthly (15th), residents' 2027 premium Sep–Dec; settlements with the "
            "institutions on the 10th; cross-region clearing quarterly."
        ),
        table([*headers, "balance", "identity"], rows),
        note(
            "identity 恒等式: balance = opening + contributions − settled + clearing in − clearing out "
            "+ recovered, checked on the chain's own figures."
        ),
    )


def status_head(name: str) -> str:
    """A status's column head: its code and its Chinese name."""
    return f"{name} {STATUS_LABELS[ClaimStatus[name]].zh}"


def reasons_table(c: Doc) -> str:
    """Rejections by reason, now and at submission, each reason with its names."""
    now, first = c["rejected_by_reason"], c["rejected_at_submission_by_reason"]
    rows = [
        [r.name, REASON_LABELS[r].zh, REASON_LABELS[r].en, f"{now.get(r.name, 0):,}", f"{first.get(r.name, 0):,}"]
        for r in Reason
        if now.get(r.name) or first.get(r.name)
    ]
    return "<h3>Rejections by reason 拒付原因</h3>" + table(
        ["reason", "中文", "English", "rejected now", "rejected at submission"], rows
    )


def claims_per_month(doc: Doc) -> str:
    c = doc["claims"]
    shown = [s for s in STATUS_COLOURS if any(r[s] for r in c["by_month"])]
    labels = [r["month"][5:] + "月" for r in c["by_month"]]
    stacks = {s: [r[s] for r in c["by_month"]] for s in shown}
    per = "claims, by service month"
    rows = [
        [r["month"], *[f"{r[s]:,}" for s in shown], f"{r['total']:,}", yuan(r["fund_paid"], 0)] for r in c["by_month"]
    ]
    return panel(
        "<h2>Claims by status per month 理赔状态</h2>",
        stacked_bars(Stacks(labels, stacks, STATUS_COLOURS), title="claims by status", unit=per),
        note(
            "Each claim by the month of the visit and where it stands now: decided on submission, then reviewed, "
            "appealed, settled or clawed back. At submission: "
            + esc(", ".join(f"{code_label(STATUS_LABELS, k)} {v:,}" for k, v in c["at_submission"].items()))
            + "."
        ),
        table(["month", *[status_head(s) for s in shown], "total", "fund settled (元)"], rows),
        reasons_table(c),
    )


def institution_label(i: Doc) -> str:
    return f"{i['name']} ({i['level']}级/{i['grade']})" if i["level"] else f"{i['name']} (药店/{i['grade']})"


def institutions(doc: Doc) -> str:
    insts = doc["institutions"]
    paid = {
        "paid in cash": [i["paid"] for i in insts],
        "netted against clawback debt": [i["settled_netted"] for i in insts],
    }
    colours = {"paid in cash": "#1e88e5", "netted against clawback debt": "#90a4ae"}
    chart = hbars(
        Stacks([institution_label(i) for i in insts], paid, colours),
        fmt=lambda v: f"{yuan(v, 0)} 元",
        title="fund paid per institution",
        note=[f"(clawed back {yuan(i['clawed_back'], 0)} 元)" if i["clawed_back"] else "" for i in insts],
    )
    counts = ["claims", "flagged_at_submission", "rejected"]
    rows = [
        [
            *[i[k] for k in ("name", "region", "level", "grade")],
            code_label(INSTITUTION_STATUS_LABELS, i["status"]),
            "yes" if i["frozen"] else "",
            *[f"{i[k]:,}" for k in counts],
            i["settlements"],
            *[yuan(i[k], 0) for k in ("paid", "clawed_back", "debt", "payable")],
        ]
        for i in insts
    ]
    headers = ["institution", "region", "level", "grade", "status", "frozen", "claims", "flagged", "rejected"]
    money = ["paid 元", "clawed back 元", "debt 元", "payable 元"]
    return panel(
        "<h2>Fund paid per institution 定点机构结算</h2>",
        chart,
        table([*headers, "settlements", *money], rows),
        note(
            "paid: cash the fund paid the institution; debt: clawbacks not yet netted against its settlements; "
            "payable: approved claims not settled yet, at the end of the period."
        ),
    )


def institution_months(doc: Doc) -> str:
    """Claims per institution per service month, shaded against the institution's median month."""
    c = doc["claims"]
    names = {i["key"]: i["name"] for i in doc["institutions"]}
    months = [r["month"][5:] for r in c["by_month"]]
    rows = []
    for k, vs in c["by_institution_month"].items():
        med = sorted(vs)[len(vs) // 2]
        rows.append([names[k], *[heat(v, med) for v in vs], f"{sum(vs):,}"])
    shading = (
        "Shading: the month against the institution's own median month (white = normal, red = three times or more)."
    )
    return panel(
        "<h3>Claims per institution per month (by service month)</h3>",
        table(["institution", *months, "year"], rows),
        note(shading),
    )


def reviews(doc: Doc) -> str:
    rv = doc["reviews"]
    rows = [
        ["flagged claims reviewed", rv["reviews"]],
        ["approved", rv["approved"]],
        ["rejected", rv["rejected"]],
        *[[f"  rule {code_label(RULE_LABELS, k)}", v] for k, v in rv["by_rule"].items()],
        ["appeals filed by institutions", rv["appeals_filed"]],
        ["appeals approved (other reviewer)", rv["appeals_approved"]],
        ["appeals rejected", rv["appeals_rejected"]],
        ["fund restored by appeals (元)", yuan(rv["fund_restored_by_appeals"], 0)],
    ]
    return table(["reviews 审核", "count"], rows) + note(
        "Reviewer policy: reject VISIT_LIMIT; reject when under half of the bill is eligible; "
        "for grade D reject lines billed too soon or above the maximum quantity; otherwise approve. "
        "Institutions appeal rejections worth ≥ 200 元; the other reviewer approves appeals of admissions "
        "with ≥ 40 % eligible."
    )


def cross_region(doc: Doc) -> str:
    c = doc["claims"]
    cr = c["cross_region"]
    rows = [
        [
            f"{REGION_LABEL[p['home']]} → {REGION_LABEL[p['treating']]}",
            p["claims"],
            p["unfiled"],
            *[yuan(p[k], 0) for k in ("owed_booked", "cleared", "owed_now")],
        ]
        for p in c["cross_region_pairs"]
    ]
    headers = ["异地就医 home → treating", "claims", "unfiled", "owed booked 元", "cleared 元", "owed now 元"]
    return table(headers, rows) + note(
        f"{cr['filed']['claims']:,} claims with a filing (异地备案), {cr['unfiled']['claims']:,} without "
        "(paid at a lower ratio). The home region's fund owes the treating region's what it paid; quarterly "
        "clearing settles the debt."
    )


def clawbacks(doc: Doc) -> str:
    names = {i["key"]: i["name"] for i in doc["institutions"]}
    cb = doc["clawbacks"]
    rows = [
        ["claims clawed back", cb["claims"]],
        ["amount (元)", yuan(cb["amount"], 0)],
        *[[f"{f['date']} {names[f['institution']]}", "frozen" if f["frozen"] else "unfrozen"] for f in doc["freezes"]],
        *[
            [f"{s['date']} settlement skipped: {names[s['institution']]}", s["why"]]
            for s in doc["settlement_skips"]
        ],
    ]
    return table(["clawbacks 追回", ""], rows)


def supervision(doc: Doc) -> str:
    heading = "<h2>Reviews, appeals, cross-region care, clawbacks</h2>"
    return panel(heading, two_columns(reviews(doc), cross_region(doc) + clawbacks(doc)))


def policy_cells(p: Doc) -> list[Any]:
    return [
        f"{p['region']} {code_label(SCHEME_LABELS, p['scheme'])}",
        p["effective_from"],
        yuan(p["op_deductible"], 0),
        " / ".join(yuan(x, 0) for x in p["ip_deductible"]),
        " / ".join(f"{x // 100}" for x in p["op_ratio_bps"]),
        " / ".join(f"{x // 100}" for x in p["ip_ratio_bps"]),
        yuan(p["op_annual_cap"], 0),
        yuan(p["annual_cap"], 0),
        p["monthly_visit_limit"],
        p["class_b_self_pay_bps"] // 100,
        p["cross_region_cut_bps"] // 100,
        p["waiting_days"],
        yuan(p["review_threshold"], 0),
    ]


POLICY_HEADERS = [
    "policy",
    "from",
    "门诊起付 元",
    "住院起付 L1/L2/L3",
    "门诊比例 % L0–L3",
    "住院比例 % L1–L3",
    "门诊限额",
    "封顶线",
    "visits/月",
    "乙类自付 %",
    "异地未备案 −%",
    "等待期 days",
    "review above 元",
]
CATALOGUE_COLUMNS = {
    "region": "region",
    "items": "items",
    "class_A": "甲类",
    "class_B": "乙类",
    "class_C": "丙类",
    "price_capped": "price cap",
    "max_qty": "max qty",
    "min_interval": "min interval",
    "inpatient_only": "inpatient only",
}


def rules(doc: Doc) -> str:
    cats = [[cat[k] for k in CATALOGUE_COLUMNS] for cat in doc["catalogue"]]
    return panel(
        "<h2>Policies and catalogues on chain 政策与目录</h2>",
        table(POLICY_HEADERS, [policy_cells(p) for p in doc["policies"]]),
        "<h3>Catalogues 目录</h3>",
        table(list(CATALOGUE_COLUMNS.values()), cats),
        note(
            "Line notes on decided claims: "
            + esc(", ".join(f"{code_label(NOTE_LABELS, k)} {v:,}" for k, v in doc["claims"]["line_notes"].items()))
            + "."
        ),
    )


def foot(doc: Doc) -> str:
    return (
        note(
            "Synthetic data: people, IDs, institutions' behaviour and amounts are generated from "
            "the seed; only keyed pseudonyms go on chain. Every figure above is read from the chain's state or "
            "from the events in the receipts of the transactions (technical appendix)."
        )
        + "</main></body></html>"
    )


SECTIONS = [
    head, funds, claims_per_month, institutions, institution_months, alerts, supervision, screening, cases_section,
    rules, appendix,
]


def page_head(doc: Doc, font: EmbeddedFont) -> str:
    """The page up to ``<main>``: its title, the embedded font face and the style sheet."""
    return (
        f"<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'><title>{esc(doc['title'])}</title>"
        f"<style>{font.css}{CSS}</style></head><body><main>"
    )


def render_html(doc: Doc) -> str:
    """The whole page of the report document ``doc``, with the embedded font cut down to the
    characters of the page; a CJK character the font lacks is named in a warning and on the page."""
    body = "".join(section(doc) for section in SECTIONS)
    font = embed_font(doc["title"] + body)
    if font.missing:
        warnings.warn(f"report.html: not in the embedded font: {''.join(sorted(font.missing))}", stacklevel=2)
    return page_head(doc, font) + body + font_note(font) + foot(doc)


__all__ = [
    "CATALOGUE_COLUMNS",
    "CSS",
    "POLICY_HEADERS",
    "REGION_COLOURS",
    "REGION_LABEL",
    "SECTIONS",
    "STATUS_COLOURS",
    "Doc",
    "Raw",
    "claims_of",
    "claims_per_month",
    "clawbacks",
    "counts_text",
    "cross_region",
    "foot",
    "funds",
    "head",
    "heat",
    "institution_label",
    "institution_months",
    "institutions",
    "kinds_text",
    "note",
    "page_head",
    "panel",
    "policy_cells",
    "reasons_table",
    "render_html",
    "reviews",
    "rules",
    "status_head",
    "supervision",
    "table",
    "two_columns",
]
