"""The files of the ``yibao demo`` report: report.json, report.html (self-contained, charts as
inline SVG drawn here — no JavaScript, no network) and CSV tables.

Everything is rendered from the report document that :mod:`yibao.demo` read from the chain;
nothing is computed here beyond sums and layout.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

STATUS_COLOURS = {
    "SETTLED": "#2e7d32",
    "APPROVED": "#9ccc65",
    "FLAGGED": "#ffb300",
    "APPEALED": "#8e24aa",
    "REJECTED": "#e53935",
    "CLAWED_BACK": "#5d4037",
}
REGION_COLOURS = {500000: "#1e88e5", 440100: "#f4511e"}
REGION_LABEL = {500000: "重庆 500000", 440100: "广州 440100"}
FONT = "font-family:'Noto Sans CJK SC','Source Han Sans SC','Microsoft YaHei','PingFang SC',sans-serif"


def esc(x: Any) -> str:
    return html.escape(str(x))


def yuan(fen: int, digits: int = 0) -> str:
    return f"{fen / 100:,.{digits}f}"


def wan(fen: int) -> str:
    """Fen as 万元 (10,000 yuan) with one decimal."""
    return f"{fen / 1_000_000:,.1f}"


def _nice(top: float) -> tuple[float, float]:
    """A round axis maximum above ``top`` and its tick step (5 ticks or so)."""
    if top <= 0:
        return 1.0, 0.2
    import math

    exp = 10 ** math.floor(math.log10(top))
    for m in (1, 2, 2.5, 5, 10):
        if top <= m * exp:
            return m * exp, m * exp / 5
    return 10 * exp, 2 * exp


# ------------------------------------------------------------------------------------ SVG charts


def line_chart(
    series: dict[str, list[tuple[dt.date, float]]],
    colours: dict[str, str],
    *,
    width: int = 1040,
    height: int = 320,
    unit: str = "",
    title: str = "",
) -> str:
    left, right, top, bottom = 70, 20, 30, 40
    pw, ph = width - left - right, height - top - bottom
    xs = [d for pts in series.values() for d, _ in pts]
    ys = [v for pts in series.values() for _, v in pts]
    if not xs:
        return ""
    x0, x1 = min(xs), max(xs)
    span = max(1, (x1 - x0).days)
    lo = min(0.0, min(ys))
    ymax, step = _nice(max(ys) - lo)
    ymax += lo

    def X(d: dt.date) -> float:
        return left + pw * (d - x0).days / span

    def Y(v: float) -> float:
        return top + ph * (1 - (v - lo) / (ymax - lo))

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" style="{FONT};font-size:12px" role="img" aria-label="{esc(title)}">'
    ]
    v = lo
    while v <= ymax + 1e-9:
        y = Y(v)
        out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="#e0e0e0"/>')
        out.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#555">{v:,.0f}</text>')
        v += step
    d = dt.date(x0.year, x0.month, 1)
    while d <= x1:
        if d >= x0:
            x = X(d)
            out.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{top + ph}" stroke="#f0f0f0"/>')
            out.append(
                f'<text x="{x:.1f}" y="{top + ph + 16}" text-anchor="middle" fill="#555">'
                f"{d.month}月" + (f" {d.year}" if d.month == 1 else "") + "</text>"
            )
        d = dt.date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    out.append(f'<line x1="{left}" y1="{top + ph}" x2="{width - right}" y2="{top + ph}" stroke="#999"/>')
    out.append(f'<text x="{left - 60}" y="{top - 12}" fill="#333">{esc(unit)}</text>')
    lx = left + 10
    for name, pts in series.items():
        c = colours[name]
        path = " ".join(f"{'M' if i == 0 else 'L'}{X(dd):.1f},{Y(vv):.1f}" for i, (dd, vv) in enumerate(pts))
        out.append(f'<path d="{path}" fill="none" stroke="{c}" stroke-width="2.2"/>')
        out.append(
            f'<rect x="{lx}" y="{top - 22}" width="14" height="4" fill="{c}"/>'
            f'<text x="{lx + 20}" y="{top - 16}" fill="#333">{esc(name)}</text>'
        )
        lx += 160
    out.append("</svg>")
    return "".join(out)


def stacked_bars(
    labels: Sequence[str],
    stacks: Mapping[str, Sequence[int]],
    colours: dict[str, str],
    *,
    width: int = 1040,
    height: int = 320,
    title: str = "",
    unit: str = "",
) -> str:
    left, right, top, bottom = 60, 20, 34, 40
    pw, ph = width - left - right, height - top - bottom
    totals = [sum(s[i] for s in stacks.values()) for i in range(len(labels))]
    ymax, step = _nice(max(totals or [1]))
    bw = pw / max(1, len(labels))
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" style="{FONT};font-size:12px" role="img" aria-label="{esc(title)}">'
    ]
    v = 0.0
    while v <= ymax + 1e-9:
        y = top + ph * (1 - v / ymax)
        out.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="#e0e0e0"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#555">{v:,.0f}</text>'
        )
        v += step
    for i, lab in enumerate(labels):
        x = left + i * bw + bw * 0.15
        y = top + ph
        for name, vals in stacks.items():
            h = ph * vals[i] / ymax
            if h > 0:
                y -= h
                out.append(
                    f'<rect x="{x:.1f}" y="{y:.1f}" width="{bw * 0.7:.1f}" height="{h:.1f}" '
                    f'fill="{colours[name]}"><title>{esc(lab)} {esc(name)}: {vals[i]:,}</title></rect>'
                )
        out.append(
            f'<text x="{x + bw * 0.35:.1f}" y="{y - 4:.1f}" text-anchor="middle" fill="#333">{totals[i]:,}</text>'
        )
        out.append(
            f'<text x="{x + bw * 0.35:.1f}" y="{top + ph + 16}" text-anchor="middle" fill="#555">{esc(lab)}</text>'
        )
    out.append(f'<line x1="{left}" y1="{top + ph}" x2="{width - right}" y2="{top + ph}" stroke="#999"/>')
    lx = left
    for name in stacks:
        out.append(
            f'<rect x="{lx}" y="{top - 26}" width="12" height="12" fill="{colours[name]}"/>'
            f'<text x="{lx + 16}" y="{top - 16}" fill="#333">{esc(name)}</text>'
        )
        lx += 24 + 8 * len(name)
    if unit:
        out.append(f'<text x="{width - right}" y="{top - 16}" text-anchor="end" fill="#555">{esc(unit)}</text>')
    out.append("</svg>")
    return "".join(out)


def hbars(
    labels: Sequence[str],
    stacks: dict[str, Sequence[int]],
    colours: dict[str, str],
    *,
    width: int = 1040,
    bar: int = 22,
    label_w: int = 250,
    fmt: Any = None,
    title: str = "",
    note: Sequence[str] | None = None,
) -> str:
    fmt = fmt or (lambda v: f"{v:,}")
    top, gap = (30 if len(stacks) > 1 else 6), 10
    height = top + len(labels) * (bar + gap) + 10
    pw = width - label_w - 170
    totals = [sum(s[i] for s in stacks.values()) for i in range(len(labels))]
    vmax = max(totals or [1]) or 1
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" style="{FONT};font-size:12px" role="img" aria-label="{esc(title)}">'
    ]
    lx = label_w
    if len(stacks) > 1:
        for name in stacks:
            out.append(
                f'<rect x="{lx}" y="6" width="12" height="12" fill="{colours[name]}"/>'
                f'<text x="{lx + 16}" y="16" fill="#333">{esc(name)}</text>'
            )
            lx += 30 + 8 * len(name)
    for i, lab in enumerate(labels):
        y = top + i * (bar + gap)
        out.append(f'<text x="{label_w - 8}" y="{y + bar * 0.7:.1f}" text-anchor="end" fill="#333">{esc(lab)}</text>')
        x = float(label_w)
        for name, vals in stacks.items():
            w = pw * vals[i] / vmax
            if w > 0:
                out.append(
                    f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar}" fill="{colours[name]}">'
                    f"<title>{esc(lab)} {esc(name)}: {esc(fmt(vals[i]))}</title></rect>"
                )
                x += w
        extra = f"  {note[i]}" if note else ""
        out.append(
            f'<text x="{x + 6:.1f}" y="{y + bar * 0.7:.1f}" fill="#333">{esc(fmt(totals[i]))}{esc(extra)}</text>'
        )
    out.append("</svg>")
    return "".join(out)


# ------------------------------------------------------------------------------------ HTML


def _table(headers: Sequence[str], rows: Sequence[Sequence[Any]], cls: str = "") -> str:
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{c if isinstance(c, Raw) else esc(c)}</td>" for c in r) + "</tr>" for r in rows
    )
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


class Raw(str):
    """HTML that is already safe."""


def _heat(value: int, median: float) -> Raw:
    """A cell shaded by how far the month is above the institution's own median month."""
    r = value / median if median else 0.0
    a = max(0.0, min(1.0, (r - 1.0) / 2.0))  # 1× median: none; 3× or more: full
    bg = f"rgba(229,57,53,{0.06 + 0.84 * a:.2f})" if value else "transparent"
    fg = "#fff" if a > 0.5 else "#222"
    return Raw(f'<span class="heat" style="background:{bg};color:{fg}">{value:,}</span>')


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


def render_html(doc: dict[str, Any]) -> str:
    c, g, a, rv = doc["claims"], doc["gas"], doc["alerts"], doc["reviews"]
    inst_names = {i["key"]: i["name"] for i in doc["institutions"]}
    st = c["by_status"]
    paid_total = sum(i["paid"] for i in doc["institutions"])
    cards = [
        (f"{doc['people_total']:,}", "insured people (enrolled on chain)"),
        (f"{c['submitted']:,}", f"claim submissions in {g['claim_transactions']:,} batches"),
        (f"{st['SETTLED']:,}", "claims settled (paid)"),
        (f"{st['REJECTED']:,}", "claims rejected (incl. duplicates)"),
        (f"{yuan(paid_total)} 元", "paid to institutions in cash"),
        (f"{a['total']:,}", "alerts raised on chain"),
        (f"{doc['clawbacks']['claims']} / {yuan(doc['clawbacks']['amount'])} 元", "claims / fund clawed back"),
        (f"{g['per_claim']:,}", "gas per claim (batched)"),
    ]
    parts = [
        f"<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'><title>{esc(doc['title'])}</title>"
        f"<style>{CSS}</style></head><body><main>"
    ]
    parts.append(
        f"<h1>{esc(doc['title'])}</h1><p class='sub'>医保 enrolment, claims and supervision played through the "
        f"yibao contracts · seed {doc['seed']} · {doc['size']['people']:,} people · "
        f"{doc['size']['claims_requested']:,} claims requested · chain <code>{esc(doc['chain'])}</code> · "
        f"ledger <code>{esc(doc['ledger'])}</code> · period {doc['period']['from']} – {doc['period']['to']}</p>"
    )
    parts.append(
        "<div class='cards'>"
        + "".join(f"<div class='card'><b>{esc(v)}</b><span>{esc(k)}</span></div>" for v, k in cards)
        + "</div>"
    )

    # funds
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
    parts.append("<h2>Fund balance over time 基金余额</h2><div class='panel'>")
    parts.append(line_chart(series, colours, unit="万元", title="fund balance"))
    parts.append(
        "<p class='note'>fundOf() read from the chain at the end of every Sunday, every 1st of the month "
        "and every day with a settlement, clearing or contribution. Contributions: employees monthly (15th), "
        "residents' 2027 premium Sep–Dec; settlements on the 10th; clearing quarterly.</p>"
    )
    rows = []
    for f in doc["funds"]:
        rows.append(
            [
                f"{f['region']} {f['name']}",
                yuan(f["opening"]),
                yuan(f["contributions"]),
                yuan(f["settled"]),
                yuan(f["clearing_in"]),
                yuan(f["clearing_out"]),
                yuan(f["recovered"]),
                yuan(f["balance"]),
                Raw("<span class='ok'>holds</span>" if f["identity_holds"] else "<span class='bad'>BROKEN</span>"),
            ]
        )
    parts.append(
        _table(
            [
                "fund (元)",
                "opening",
                "contributions",
                "settled",
                "clearing in",
                "clearing out",
                "recovered",
                "balance",
                "identity",
            ],
            rows,
        )
    )
    parts.append(
        "<p class='note'>identity: balance = opening + contributions − settled + clearing in − clearing out "
        "+ recovered (adjudication.md), checked on the chain's own figures.</p></div>"
    )

    # claims per month
    labels = [r["month"][5:] + "月" for r in c["by_month"]]
    stacks = {s: [r[s] for r in c["by_month"]] for s in STATUS_COLOURS if any(r[s] for r in c["by_month"])}
    parts.append("<h2>Claims by status per month 理赔状态</h2><div class='panel'>")
    parts.append(
        stacked_bars(labels, stacks, STATUS_COLOURS, title="claims by status", unit="claims, by service month")
    )
    reasons = ", ".join(f"{k} {v:,}" for k, v in c["rejected_by_reason"].items())
    parts.append(
        f"<p class='note'>Status now (claimInfo semantics, followed through ClaimDecided, ClaimReviewed, "
        f"Settled and ClaimClawedBack events). Rejected by reason: {esc(reasons)}. At submission: "
        f"{esc(', '.join(f'{k} {v:,}' for k, v in c['at_submission'].items()))}.</p>"
    )
    shown = [s for s in STATUS_COLOURS if any(r[s] for r in c["by_month"])]
    rows = [[r["month"], *[f"{r[s]:,}" for s in shown], f"{r['total']:,}", yuan(r["fund_paid"])] for r in c["by_month"]]
    parts.append(_table(["month", *shown, "total", "fund settled (元)"], rows))
    parts.append("</div>")

    # institutions
    insts = doc["institutions"]
    parts.append("<h2>Fund paid per institution 定点机构结算</h2><div class='panel'>")
    parts.append(
        hbars(
            [
                f"{i['name']} ({i['level']}级/{i['grade']})" if i["level"] else f"{i['name']} (药店/{i['grade']})"
                for i in insts
            ],
            {
                "paid in cash": [i["paid"] for i in insts],
                "netted against clawback debt": [i["settled_netted"] for i in insts],
            },
            {"paid in cash": "#1e88e5", "netted against clawback debt": "#90a4ae"},
            fmt=lambda v: f"{v / 100:,.0f} 元",
            title="fund paid per institution",
            note=[f"(clawed back {i['clawed_back'] / 100:,.0f} 元)" if i["clawed_back"] else "" for i in insts],
        )
    )
    rows = [
        [
            i["name"],
            i["region"],
            i["level"],
            i["grade"],
            i["status"],
            "yes" if i["frozen"] else "",
            f"{i['claims']:,}",
            f"{i['flagged_at_submission']:,}",
            f"{i['rejected']:,}",
            i["settlements"],
            yuan(i["paid"]),
            yuan(i["clawed_back"]),
            yuan(i["debt"]),
            yuan(i["payable"]),
        ]
        for i in insts
    ]
    parts.append(
        _table(
            [
                "institution",
                "region",
                "level",
                "grade",
                "status",
                "frozen",
                "claims",
                "flagged",
                "rejected",
                "settlements",
                "paid 元",
                "clawed back 元",
                "debt 元",
                "payable 元",
            ],
            rows,
        )
    )
    parts.append(
        "<p class='note'>paid, debt and payable: institutionInfo() at the end; settlements, netting and "
        "clawbacks: Settled and ClaimClawedBack events.</p></div>"
    )

    # claims per institution per month (surge)
    months = [r["month"][5:] for r in c["by_month"]]
    rows = []
    for k, vs in c["by_institution_month"].items():
        med = sorted(vs)[len(vs) // 2]
        rows.append([inst_names[k], *[_heat(v, med) for v in vs], f"{sum(vs):,}"])
    parts.append("<h3>Claims per institution per month (by service month)</h3><div class='panel'>")
    parts.append(_table(["institution", *months, "year"], rows))
    parts.append(
        "<p class='note'>Shading: the month against the institution's own median month "
        "(white = normal, red = three times or more).</p>"
    )
    parts.append("</div>")

    # alerts
    kinds = [k for k, v in a["by_kind"].items()]
    parts.append("<h2>Alerts 预警</h2><div class='panel'>")
    parts.append(
        hbars(
            kinds,
            {"alerts": [a["by_kind"][k] for k in kinds]},
            {"alerts": "#e53935"},
            label_w=180,
            title="alerts by kind",
            bar=20,
        )
    )
    parts.append("<p class='note'>Alert events of the claim submissions (kind, claim, institution).</p>")
    parts.append("<div class='two'><div><h3>Most-flagged people (pseudonym prefix)</h3>")
    parts.append(
        _table(
            ["pseudonym", "home", "alerts", "kinds", "claims", "rejected"],
            [
                [
                    Raw(f"<code>{esc(p['pseudonym'])}</code>"),
                    p["home"],
                    p["alerts"],
                    ", ".join(f"{k} {v}" for k, v in p["kinds"].items()),
                    p["claims"],
                    p["rejected"],
                ]
                for p in a["top_people"]
            ],
        )
    )
    parts.append("</div><div><h3>Most-flagged institutions</h3>")
    parts.append(
        _table(
            ["institution", "alerts", "kinds", "rejected"],
            [
                [i["name"], i["alerts"], ", ".join(f"{k} {v}" for k, v in i["kinds"].items()), i["rejected"]]
                for i in a["top_institutions"]
            ],
        )
    )
    parts.append("</div></div>")
    parts.append("</div>")

    # reviews, appeals, cross-region, clawbacks
    parts.append("<h2>Reviews, appeals, cross-region care, clawbacks</h2><div class='panel'><div class='two'><div>")
    parts.append(
        _table(
            ["reviews 审核", "count"],
            [
                ["flagged claims reviewed", rv["reviews"]],
                ["approved", rv["approved"]],
                ["rejected", rv["rejected"]],
                *[[f"  rule {k}", v] for k, v in rv["by_rule"].items()],
                ["appeals filed by institutions", rv["appeals_filed"]],
                ["appeals approved (other reviewer)", rv["appeals_approved"]],
                ["appeals rejected", rv["appeals_rejected"]],
                ["fund restored by appeals (元)", yuan(rv["fund_restored_by_appeals"])],
            ],
        )
    )
    parts.append(
        "<p class='note'>Reviewer policy: reject VISIT_LIMIT; reject when under half of the bill is eligible; "
        "for grade D reject lines billed too soon or above the maximum quantity; otherwise approve. "
        "Institutions appeal rejections worth ≥ 200 元; the other reviewer approves appeals of admissions "
        "with ≥ 40 % eligible.</p></div><div>"
    )
    cr = c["cross_region"]
    rows = [
        [
            f"{REGION_LABEL[p['home']]} → {REGION_LABEL[p['treating']]}",
            p["claims"],
            p["unfiled"],
            yuan(p["owed_booked"]),
            yuan(p["cleared"]),
            yuan(p["owed_now"]),
        ]
        for p in c["cross_region_pairs"]
    ]
    parts.append(
        _table(["异地就医 home → treating", "claims", "unfiled", "owed booked 元", "cleared 元", "owed now 元"], rows)
    )
    parts.append(
        f"<p class='note'>{cr['filed']['claims']:,} claims with a filing, {cr['unfiled']['claims']:,} without "
        f"(ratio cut). Home region from PersonEnrolled, filings from FilingAdded, debts from CrossRegionOwed "
        f"and Cleared events, owed now from owedBetween().</p>"
    )
    cb = doc["clawbacks"]
    parts.append(
        _table(
            ["clawbacks 追回", ""],
            [
                ["claims clawed back", cb["claims"]],
                ["amount (元)", yuan(cb["amount"])],
                *[
                    [f"{f['date']} {inst_names[f['institution']]}", "frozen" if f["frozen"] else "unfrozen"]
                    for f in doc["freezes"]
                ],
                *[
                    [f"{s['date']} settlement skipped: {inst_names[s['institution']]}", s["why"]]
                    for s in doc["settlement_skips"]
                ],
            ],
        )
    )
    parts.append("</div></div></div>")

    # policies & catalogue
    parts.append("<h2>Policies and catalogues on chain 政策与目录</h2><div class='panel'>")
    rows = [
        [
            f"{p['region']} {p['scheme']}",
            p["effective_from"],
            yuan(p["op_deductible"]),
            " / ".join(yuan(x) for x in p["ip_deductible"]),
            " / ".join(f"{x // 100}" for x in p["op_ratio_bps"]),
            " / ".join(f"{x // 100}" for x in p["ip_ratio_bps"]),
            yuan(p["op_annual_cap"]),
            yuan(p["annual_cap"]),
            p["monthly_visit_limit"],
            p["class_b_self_pay_bps"] // 100,
            p["cross_region_cut_bps"] // 100,
            p["waiting_days"],
            yuan(p["review_threshold"]),
        ]
        for p in doc["policies"]
    ]
    parts.append(
        _table(
            [
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
            ],
            rows,
        )
    )
    rows = [
        [
            cat["region"],
            cat["items"],
            cat["class_A"],
            cat["class_B"],
            cat["class_C"],
            cat["price_capped"],
            cat["max_qty"],
            cat["min_interval"],
            cat["inpatient_only"],
        ]
        for cat in doc["catalogue"]
    ]
    parts.append("<h3>Catalogues (CatalogueItemSet events)</h3>")
    parts.append(
        _table(
            ["region", "items", "甲类", "乙类", "丙类", "price cap", "max qty", "min interval", "inpatient only"], rows
        )
    )
    notes = ", ".join(f"{k} {v:,}" for k, v in c["line_notes"].items())
    parts.append(f"<p class='note'>Line notes on decided claims: {esc(notes)}.</p></div>")

    # gas & timing
    parts.append("<h2>Gas and time</h2><div class='panel'>")
    rows = [
        [k, f"{v['transactions']:,}", f"{v['gas']:,}", f"{v['gas'] // max(1, v['transactions']):,}"]
        for k, v in g["by_kind"].items()
    ]
    rows.append(["total", f"{g['transactions']:,}", f"{g['total']:,}", ""])
    parts.append(_table(["kind", "transactions", "gas", "gas per transaction"], rows))
    t = doc.get("timing", {})
    parts.append(
        f"<p class='note'>{g['per_claim']:,} gas per claim submission (mean batch {g['mean_batch']}, "
        f"largest {g['largest_batch']}). Deployment not included.</p>"
    )
    if t:
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
        parts.append("<h3>Wall-clock time (seconds, measured)</h3>" + _table(["step", "s"], rows))
    parts.append("</div>")
    parts.append(
        "<p class='note'>Synthetic data: people, IDs, institutions' behaviour and amounts are generated from "
        "the seed; only keyed pseudonyms go on chain. Every figure above is read from the chain's state or "
        "from the events in the receipts of the transactions.</p>"
    )
    parts.append("</main></body></html>")
    return "".join(parts)


# ------------------------------------------------------------------------------------ files


def _csv(path: Path, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(headers)
        w.writerows(rows)


def write_report(doc: dict[str, Any], out_dir: Path, json_only: bool = False) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "report.json").write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    if json_only:
        return
    (out_dir / "report.html").write_text(render_html(doc), encoding="utf-8")
    keys = ["opening", "balance", "contributions", "settled", "clearing_in", "clearing_out", "recovered"]
    _csv(
        out_dir / "fund_balance.csv",
        ["date", "region", *keys],
        [[s["date"], s["region"], *[s[k] for k in keys]] for s in doc["fund_series"]],
    )
    statuses = list(STATUS_COLOURS)
    _csv(
        out_dir / "claims_by_month.csv",
        ["month", *statuses, "total", "fund_settled"],
        [[r["month"], *[r[s] for s in statuses], r["total"], r["fund_paid"]] for r in doc["claims"]["by_month"]],
    )
    ikeys = [
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
    _csv(out_dir / "institutions.csv", ikeys, [[i[k] for k in ikeys] for i in doc["institutions"]])
    _csv(out_dir / "alerts_by_kind.csv", ["kind", "alerts"], list(doc["alerts"]["by_kind"].items()))
    _csv(
        out_dir / "top_people.csv",
        ["pseudonym_prefix", "home", "alerts", "kinds", "claims", "rejected"],
        [
            [p["pseudonym"], p["home"], p["alerts"], json.dumps(p["kinds"]), p["claims"], p["rejected"]]
            for p in doc["alerts"]["top_people"]
        ],
    )
    _csv(
        out_dir / "top_institutions.csv",
        ["key", "name", "alerts", "kinds", "rejected", "claims"],
        [
            [i["key"], i["name"], i["alerts"], json.dumps(i["kinds"]), i["rejected"], i["claims"]]
            for i in doc["alerts"]["top_institutions"]
        ],
    )
    g = doc["gas"]
    _csv(
        out_dir / "gas.csv",
        ["kind", "transactions", "gas"],
        [[k, v["transactions"], v["gas"]] for k, v in g["by_kind"].items()]
        + [["total", g["transactions"], g["total"]], ["per_claim", g["claim_submissions"], g["per_claim"]]],
    )
    _csv(
        out_dir / "settlements.csv",
        ["date", "institution", "region", "payable", "netted", "cash", "claims"],
        [
            [s["date"], s["institution"], s["region"], s["payable"], s["netted"], s["cash"], s["claims"]]
            for s in doc["settlements"]
        ],
    )
    _csv(
        out_dir / "clearings.csv",
        ["date", "from", "to", "amount", "still_owed"],
        [[x["date"], x["from"], x["to"], x["amount"], x["still_owed"]] for x in doc["clearings"]],
    )
    _csv(
        out_dir / "clawbacks.csv",
        ["date", "claim", "institution", "amount", "reason"],
        [[x["date"], x["claim"], x["institution"], x["amount"], x["reason"]] for x in doc["clawbacks"]["list"]],
    )
