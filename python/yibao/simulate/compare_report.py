"""The comparison of :mod:`yibao.simulate.compare` for people: rich tables on a console, and
one self-contained HTML page with SVG charts (no JavaScript, no network).

Money is shown in 元 from integer fen (:func:`yibao.units.yuan`); the charts scale bars by
those integers, and every figure printed next to a bar is the integer's own text.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table

from yibao.demo.charts import baseline, esc, legend, nice_axis, svg_close, svg_open, y_axis
from yibao.demo.font import embed_font
from yibao.demo.html import CSS, Raw, note, panel, table
from yibao.simulate.compare import BREAKDOWNS, METRICS, MONEY_METRICS
from yibao.units import yuan

LABELS = {
    "claims": "claims 结算单", "billed": "billed 总费用", "fund": "fund paid 统筹支付",
    "held": "held for review 待审核", "own_pay": "own pay 个人自付", "deductible": "deductible 起付线",
    "flagged": "flagged 疑点", "rejected": "rejected 拒付",
}
"""Each figure's name, in English and Chinese."""
BREAKDOWN_LABELS = {"by_scheme": "by scheme 险种", "by_level": "by institution level 机构等级",
                    "by_month": "by service month 月份"}
LEVEL_LABELS = {"0": "0 pharmacy 药店", "1": "1 一级", "2": "2 二级", "3": "3 三级"}
SCHEME_LABELS = {"EMPLOYEE": "EMPLOYEE 职工", "RESIDENT": "RESIDENT 居民"}
_POLICY_MONEY = ("op_deductible", "ip_deductible", "op_annual_cap", "annual_cap", "review_threshold")
COLOURS = {"base": "#90a4ae", "variant": "#1e88e5", "fund paid Δ": "#1e88e5", "own pay Δ": "#f4511e",
           "balance Δ": "#43a047"}
REPORT_NAME = "compare.html"
"""The file :func:`write_report` writes in its folder."""


def money(fen: int, signed: bool = False) -> str:
    """Fen as 元 with two decimals: ``1,234.56``; ``signed`` adds ``+`` to a positive amount."""
    text = yuan(fen)
    return f"+{text}" if signed and fen > 0 else text


def figure_text(metric: str, value: int, signed: bool = False) -> str:
    """A figure as shown: money in 元, counts as integers."""
    if metric in MONEY_METRICS:
        return money(value, signed)
    return f"{value:+,}" if signed and value else f"{value:,}"


def group_label(breakdown: str, group: str, short: bool = False) -> str:
    """A group's name as shown (scheme and level names in both languages; ``short``: Chinese only)."""
    labels = {"by_scheme": SCHEME_LABELS, "by_level": LEVEL_LABELS}.get(breakdown, {})
    label = labels.get(group, group)
    return label.rsplit(" ", 1)[-1] if short and breakdown == "by_scheme" else \
        f"{group} {label.rsplit(' ', 1)[-1]}" if short and breakdown == "by_level" else label


def policy_value(field: str, value: Any) -> str:
    """A policy field's value: money fields in 元, others as they are, ``—`` for none."""
    if value is None:
        return "—"
    if field.startswith(_POLICY_MONEY) and isinstance(value, int):
        return f"¥{yuan(value)}"
    return str(value)


def _version(c: Mapping[str, Any]) -> str:
    return f"{c['region']} {c['scheme']} from {c['effective_from']}"


def _pct(r: Mapping[str, Any]) -> str:
    return r["pct"] if r["pct"] is not None else "n/a"


def _arrow(r: Mapping[str, Any]) -> str:
    return f"{r['base']:,}" if r["diff"] == 0 else f"{r['base']:,} → {r['variant']:,}"


# ---------------------------------------------------------------------- console tables


def _tables(doc: Mapping[str, Any]) -> list[Table]:
    out = []
    if doc["policy_changes"]:
        t = Table(title="policy change 政策调整", box=box.SIMPLE_HEAD)
        for col in ("version", "field", "base", "variant"):
            t.add_column(col)
        for c in doc["policy_changes"]:
            t.add_row(_version(c), c["field"], policy_value(c["field"], c["base"]),
                      policy_value(c["field"], c["variant"]))
        out.append(t)
    t = Table(title="totals 合计 (money in 元)", box=box.SIMPLE_HEAD)
    t.add_column("figure")
    for col in ("base", "variant", "difference", "change"):
        t.add_column(col, justify="right")
    for m in METRICS:
        r = doc["total"][m]
        t.add_row(LABELS[m], figure_text(m, r["base"]), figure_text(m, r["variant"]),
                  figure_text(m, r["diff"], True), _pct(r))
    out.append(t)
    for b in BREAKDOWNS:
        t = Table(title=f"{BREAKDOWN_LABELS[b]}: fund paid and own pay (元)", box=box.SIMPLE_HEAD,
                  padding=(0, 1), pad_edge=False)
        t.add_column("group", no_wrap=True)
        for col in ("fund paid\nbase", "fund paid\nvariant", "fund paid\nΔ", "\n%", "own pay\nΔ",
                    "flagged /\nrejected"):
            t.add_column(col, justify="right", no_wrap=True)
        for g, rows in doc[b].items():
            f, o = rows["fund"], rows["own_pay"]
            t.add_row(group_label(b, g, short=True), money(f["base"]), money(f["variant"]), money(f["diff"], True),
                      _pct(f),
                      money(o["diff"], True), f"{_arrow(rows['flagged'])} / {_arrow(rows['rejected'])}")
        out.append(t)
    t = Table(title="fund balance at the end 基金结余 (元)", box=box.SIMPLE_HEAD)
    t.add_column("region")
    for col in ("base", "variant", "difference", "change"):
        t.add_column(col, justify="right")
    for code, r in doc["funds"].items():
        t.add_row(f"{code} {doc['regions'].get(code, '')}".strip(), money(r["base"]), money(r["variant"]),
                  money(r["diff"], True), _pct(r))
    out.append(t)
    return out


def print_comparison(doc: Mapping[str, Any], console: Console) -> None:
    """The comparison as tables: the policy change, totals, each breakdown and the funds."""
    console.print(f"基金测算 policy comparison: {doc.get('base', 'base')} vs {doc.get('variant', 'variant')}"
                  + (f" ({doc['engine']})" if "engine" in doc else ""), soft_wrap=True)
    for t in _tables(doc):
        console.print(t)
    refused = doc["refused_steps"]
    if refused["base"] or refused["variant"]:
        console.print(f"refused steps: base {refused['base']}, variant {refused['variant']}")


# ---------------------------------------------------------------------- HTML


def grouped_bars(labels: Sequence[str], series: Mapping[str, Sequence[int]], *, title: str,
                 width: int = 1040, height: int = 300) -> str:
    """Bars side by side per label, one per series, in 元 from fen; negative values hang
    below the zero line (so differences can be drawn too)."""
    left, right, top, bottom = 80, 20, 34, 40
    pw, ph = width - left - right, height - top - bottom
    values = [v // 100 for vs in series.values() for v in vs]
    lo_v, hi_v = min([0, *values]), max([0, *values])
    _, step = nice_axis(float(hi_v - lo_v))
    lo, top_v = math.floor(lo_v / step) * step, math.ceil(hi_v / step) * step
    top_v = top_v if top_v > lo else lo + step

    def y(v: float) -> float:
        return top + ph * (1 - (v - lo) / ((top_v - lo) or 1.0))

    out = [svg_open(width, height, title), *y_axis(left, width - right, lo, top_v, step, y)]
    group_w = pw / max(1, len(labels))
    bar_w = group_w * 0.7 / max(1, len(series))
    for i, lab in enumerate(labels):
        x0 = left + i * group_w + group_w * 0.15
        for j, (name, vals) in enumerate(series.items()):
            v = vals[i] // 100
            y0, y1 = sorted((y(0), y(v)))
            out.append(f'<rect x="{x0 + j * bar_w:.1f}" y="{y0:.1f}" width="{bar_w * 0.92:.1f}" '
                       f'height="{max(y1 - y0, 0.5):.1f}" fill="{COLOURS.get(name, "#777")}">'
                       f"<title>{esc(lab)} {esc(name)}: ¥{esc(yuan(vals[i]))}</title></rect>")
        out.append(f'<text x="{x0 + group_w * 0.35:.1f}" y="{top + ph + 16}" text-anchor="middle" '
                   f'fill="#555">{esc(lab)}</text>')
    out.append(baseline(left, width - right, round(y(0))))
    out += legend(series, COLOURS, x=left, y=top - 26, text_y=top - 16, advance=(40, 8))
    out.append(f'<text x="{width - right}" y="{top - 16}" text-anchor="end" fill="#555">元 yuan</text>')
    return svg_close(out)


def _cell(m: str, r: Mapping[str, Any]) -> list[Any]:
    return [LABELS[m], figure_text(m, r["base"]), figure_text(m, r["variant"]),
            Raw(_signed_html(figure_text(m, r["diff"], True), r["diff"])), _pct(r)]


def _signed_html(text: str, diff: int) -> str:
    cls = "bad" if diff > 0 else "ok" if diff < 0 else ""
    return f"<span class='{cls}'>{esc(text)}</span>" if cls else esc(text)


def _breakdown_section(doc: Mapping[str, Any], b: str) -> str:
    groups = list(doc[b])
    labels = [group_label(b, g) for g in groups]
    chart = grouped_bars(labels, {"base": [doc[b][g]["fund"]["base"] for g in groups],
                                  "variant": [doc[b][g]["fund"]["variant"] for g in groups]},
                         title=f"fund paid {BREAKDOWN_LABELS[b]}")
    deltas = grouped_bars(labels, {"fund paid Δ": [doc[b][g]["fund"]["diff"] for g in groups],
                                   "own pay Δ": [doc[b][g]["own_pay"]["diff"] for g in groups]},
                          title=f"differences {BREAKDOWN_LABELS[b]}", height=240)
    rows = []
    for g, lab in zip(groups, labels, strict=True):
        r = doc[b][g]
        rows.append([lab, money(r["fund"]["base"]), money(r["fund"]["variant"]),
                     Raw(_signed_html(money(r["fund"]["diff"], True), r["fund"]["diff"])), _pct(r["fund"]),
                     money(r["own_pay"]["base"]), money(r["own_pay"]["variant"]), money(r["own_pay"]["diff"], True),
                     _arrow(r["flagged"]), _arrow(r["rejected"])])
    headers = ["group", "fund paid base", "variant", "Δ", "%", "own pay base", "variant", "Δ", "flagged",
               "rejected"]
    return panel(f"<h2>{esc(BREAKDOWN_LABELS[b])}</h2>", chart, deltas, table(headers, rows))


def render_report(doc: Mapping[str, Any]) -> str:
    """The whole HTML page of a comparison document."""
    title = f"基金测算 policy comparison: {doc.get('base', 'base')} vs {doc.get('variant', 'variant')}"
    parts = [f"<h1>{esc(title)}</h1>"]
    parts.append(f"<p class='sub'>engine: {esc(doc.get('engine', ''))}; made {dt.date.today().isoformat()}; "
                 "money in 元 (computed in integer fen)</p>")
    if doc["policy_changes"]:
        rows = [[_version(c), c["field"], policy_value(c["field"], c["base"]), policy_value(c["field"], c["variant"])]
                for c in doc["policy_changes"]]
        parts.append(panel("<h2>policy change 政策调整</h2>", table(["version", "field", "base", "variant"], rows)))
    parts.append(panel("<h2>totals 合计</h2>", table(["figure", "base", "variant", "difference", "change"],
                                                    [_cell(m, doc["total"][m]) for m in METRICS])))
    parts += [_breakdown_section(doc, b) for b in BREAKDOWNS]
    codes = list(doc["funds"])
    labels = [f"{c} {doc['regions'].get(c, '')}".strip() for c in codes]
    funds = grouped_bars(labels, {"base": [doc["funds"][c]["base"] for c in codes],
                                  "variant": [doc["funds"][c]["variant"] for c in codes]},
                         title="fund balance at the end")
    funds += grouped_bars(labels, {"balance Δ": [doc["funds"][c]["diff"] for c in codes]},
                          title="fund balance: variant − base", height=220)
    rows = [[lab, money(doc["funds"][c]["base"]), money(doc["funds"][c]["variant"]),
             money(doc["funds"][c]["diff"], True), _pct(doc["funds"][c])] for c, lab in zip(codes, labels, strict=True)]
    parts.append(panel("<h2>fund balance at the end 基金结余</h2>", funds,
                       table(["region", "base", "variant", "difference", "change"], rows)))
    parts.append(note("Both plays use the same world (people, institutions, claims, steps); only the policy "
                      "differs. Fund paid counts claims that end approved or settled; held counts claims still "
                      "with a reviewer; own pay is billed − fund paid − held."))
    body = "".join(parts)
    font = embed_font(title + body)  # Chinese renders without a CJK font on the reader's machine
    return (f"<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'><title>{esc(title)}</title>"
            f"<style>{font.css}{CSS}</style></head><body><main>{body}</main></body></html>")


def write_report(doc: Mapping[str, Any], folder: Path) -> Path:
    """Write :func:`render_report` to ``folder``/compare.html (the folder made if need be)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / REPORT_NAME
    path.write_text(render_report(doc), encoding="utf-8")
    return path


__all__ = [
    "BREAKDOWN_LABELS",
    "COLOURS",
    "LABELS",
    "LEVEL_LABELS",
    "REPORT_NAME",
    "SCHEME_LABELS",
    "figure_text",
    "group_label",
    "grouped_bars",
    "money",
    "policy_value",
    "print_comparison",
    "render_report",
    "write_report",
]
