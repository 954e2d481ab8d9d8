"""report.html of the demo: one self-contained page (inline CSS and SVG charts, no JavaScript,
no network), rendered section by section from the report document.

Everything is laid out from the document that :mod:`yibao.demo.readback` read from the chain;
nothing is computed here beyond sums and layout.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from yibao.demo.charts import Stacks, esc, hbars, line_chart, stacked_bars
from yibao.demo.world_rules import CQ, GZ
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

CSS = """
body{margin:0;background:#f5f6f8;color:#222;font:14px/1.45 'Noto Sans CJK SC','Source Han Sans SC','Microsoft YaHei',
'PingFang SC',system-ui,sans-serif}
main{max-width:1100px;margin:0 auto;padding:24px 28px 60px}
h1{font-size:26px;margin:0 0 4px}h2{font-size:19px;margin:34px 0 8px;border-bottom:2px solid #dde;padding-bottom:4px}
h3{font-size:15px;margin:18px 0 6px}.sub{color:#666;margin:0 0 16px}
.cards{display:grid;grid-template-columns:repeat(4,1fr);gap:10px;margin:14px 0}
.card{background:#fff;border-radius:8px;padding:10px 14px;box-shadow:0 1px 2px rgba(0,0,0,.08)}
.card b{display:block;font-size:22px}.card span{color:#666;font-size:12px}
.panel{background:#fff;border-radius:8px;padding:12px 14px;box-shadow:0 1px 2px rgba(0,0,0,.08);margin:10px 0;
overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{padding:4px 8px;border-bottom:1px solid #eee;text-align:right}
th{background:#fafafa;font-weight:600}td:first-child,th:first-child{text-align:left}
.heat{display:inline-block;min-width:34px;padding:1px 4px;border-radius:3px}
.ok{color:#2e7d32;font-weight:600}.bad{color:#c62828;font-weight:600}
.note{color:#666;font-size:12.5px}code{font-size:12px}
.two{display:grid;grid-template-columns:1fr 1fr;gap:14px}
"""

Doc = dict[str, Any]


class Raw(str):
    """HTML that is already safe."""


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], cls: str = "") -> str:
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{c if isinstance(c, Raw) else esc(c)}</td>" for c in r) + "</tr>" for r in rows
    )
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def heat(value: int, median: float) -> Raw:
    """A cell shaded by how far the month is above the institution's own median month."""
    r = value / median if median else 0.0
    a = max(0.0, min(1.0, (r - 1.0) / 2.0))  # 1× median: none; 3× or more: full
    bg = f"rgba(229,57,53,{0.06 + 0.84 * a:.2f})" if value else "transparent"
    fg = "#fff" if a > 0.5 else "#222"
    return Raw(f'<span class="heat" style="background:{bg};color:{fg}">{value:,}</span>')


def note(text: str) -> str:
    return f"<p class='note'>{text}</p>"


def panel(heading: str, *parts: str) -> str:
    """A heading and a white panel of ``parts`` below it."""
    return heading + "<div class='panel'>" + "".join(parts) + "</div>"


def two_columns(left: str, right: str) -> str:
    return f"<div class='two'><div>{left}</div><div>{right}</div></div>"


def counts_text(counts: dict[str, int]) -> str:
    """``A 1,234, B 5`` of a name → count mapping."""
    return ", ".join(f"{k} {v:,}" for k, v in counts.items())


def claims_of(row: dict[str, Any]) -> list[int]:
    return [row["claims"], row["rejected"]]


def kinds_text(kinds: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in kinds.items())


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
        f"<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'><title>{esc(doc['title'])}</title>"
        f"<style>{CSS}</style></head><body><main>"
        f"<h1>{esc(doc['title'])}</h1><p class='sub'>医保 enrolment, claims and supervision played through the "
        f"yibao contracts · seed {doc['seed']} · {doc['size']['people']:,} people · "
        f"{doc['size']['claims_requested']:,} claims requested · chain <code>{esc(doc['chain'])}</code> · "
        f"ledger <code>{esc(doc['ledger'])}</code> · period {doc['period']['from']} – {doc['period']['to']}</p>"
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
            "fundOf() read from the chain at the end of every Sunday, every 1st of the month "
            "and every day with a settlement, clearing or contribution. Contributions: employees monthly (15th), "
            "residents' 2027 premium Sep–Dec; settlements on the 10th; clearing quarterly."
        ),
        table([*headers, "balance", "identity"], rows),
        note(
            "identity: balance = opening + contributions − settled + clearing in − clearing out "
            "+ recovered (adjudication.md), checked on the chain's own figures."
        ),
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
            f"Status now (claimInfo semantics, followed through ClaimDecided, ClaimReviewed, "
            f"Settled and ClaimClawedBack events). Rejected by reason: {esc(counts_text(c['rejected_by_reason']))}. "
            f"At submission: {esc(counts_text(c['at_submission']))}."
        ),
        table(["month", *shown, "total", "fund settled (元)"], rows),
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
            *[i[k] for k in ("name", "region", "level", "grade", "status")],
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
            "paid, debt and payable: institutionInfo() at the end; settlements, netting and "
            "clawbacks: Settled and ClaimClawedBack events."
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


def alerts(doc: Doc) -> str:
    a = doc["alerts"]
    kinds = list(a["by_kind"])
    counts = {"alerts": [a["by_kind"][k] for k in kinds]}
    chart = hbars(Stacks(kinds, counts, {"alerts": "#e53935"}), label_w=180, title="alerts by kind", bar=20)
    people = [
        [Raw(f"<code>{esc(p['pseudonym'])}</code>"), p["home"], p["alerts"], kinds_text(p["kinds"]), *claims_of(p)]
        for p in a["top_people"]
    ]
    insts = [[i["name"], i["alerts"], kinds_text(i["kinds"]), i["rejected"]] for i in a["top_institutions"]]
    return panel(
        "<h2>Alerts 预警</h2>",
        chart,
        note("Alert events of the claim submissions (kind, claim, institution)."),
        two_columns(
            "<h3>Most-flagged people (pseudonym prefix)</h3>"
            + table(["pseudonym", "home", "alerts", "kinds", "claims", "rejected"], people),
            "<h3>Most-flagged institutions</h3>" + table(["institution", "alerts", "kinds", "rejected"], insts),
        ),
    )


def reviews(doc: Doc) -> str:
    rv = doc["reviews"]
    rows = [
        ["flagged claims reviewed", rv["reviews"]],
        ["approved", rv["approved"]],
        ["rejected", rv["rejected"]],
        *[[f"  rule {k}", v] for k, v in rv["by_rule"].items()],
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
        f"{cr['filed']['claims']:,} claims with a filing, {cr['unfiled']['claims']:,} without "
        f"(ratio cut). Home region from PersonEnrolled, filings from FilingAdded, debts from CrossRegionOwed "
        f"and Cleared events, owed now from owedBetween()."
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
        f"{p['region']} {p['scheme']}",
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
        "<h3>Catalogues (CatalogueItemSet events)</h3>",
        table(list(CATALOGUE_COLUMNS.values()), cats),
        note(f"Line notes on decided claims: {esc(counts_text(doc['claims']['line_notes']))}."),
    )


def timing(t: Doc) -> str:
    """The measured wall-clock seconds, when the document has them."""
    if not t:
        return ""
    year = [(k[5:-2].replace("_", " "), v) for k, v in t.items() if k.startswith("year_") and k.endswith("_s")]
    rows = [
        ["total", t.get("total_s", "")],
        ["build the world", t.get("world_s", "")],
        ["set up on chain", t.get("setup_s", "")],
        ["play the year", t.get("year_s", "")],
        *[[f"  {k}", v] for k, v in year],
        ["read back from the chain", t.get("read_back_s", "")],
        ["claims per second in the year", round(t.get("claims_per_second_in_year", 0), 1)],
    ]
    return "<h3>Wall-clock time (seconds, measured)</h3>" + table(["step", "s"], rows)


def gas(doc: Doc) -> str:
    g = doc["gas"]
    rows = [
        [k, f"{v['transactions']:,}", f"{v['gas']:,}", f"{v['gas'] // max(1, v['transactions']):,}"]
        for k, v in g["by_kind"].items()
    ]
    rows.append(["total", f"{g['transactions']:,}", f"{g['total']:,}", ""])
    per_claim = (
        f"{g['per_claim']:,} gas per claim submission (mean batch {g['mean_batch']}, "
        f"largest {g['largest_batch']}). Deployment not included."
    )
    return panel(
        "<h2>Gas and time</h2>",
        table(["kind", "transactions", "gas", "gas per transaction"], rows),
        note(per_claim),
        timing(doc.get("timing", {})),
    )


def foot(doc: Doc) -> str:
    return (
        note(
            "Synthetic data: people, IDs, institutions' behaviour and amounts are generated from "
            "the seed; only keyed pseudonyms go on chain. Every figure above is read from the chain's state or "
            "from the events in the receipts of the transactions."
        )
        + "</main></body></html>"
    )


SECTIONS = [head, funds, claims_per_month, institutions, institution_months, alerts, supervision, rules, gas, foot]


def render_html(doc: Doc) -> str:
    """The whole page of the report document ``doc``."""
    return "".join(section(doc) for section in SECTIONS)


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
    "alerts",
    "claims_of",
    "claims_per_month",
    "clawbacks",
    "counts_text",
    "cross_region",
    "foot",
    "funds",
    "gas",
    "head",
    "heat",
    "institution_label",
    "institution_months",
    "institutions",
    "kinds_text",
    "note",
    "panel",
    "policy_cells",
    "render_html",
    "reviews",
    "rules",
    "supervision",
    "table",
    "timing",
    "two_columns",
]
