"""The alerts section of the report page: every kind of alert with its name in Chinese and
English and its severity, the share of each severity, the most-flagged people and institutions
with one column per kind, and a filter (a small inline script, the page's only one) that hides
the kinds a reader unticks and recounts the totals. Without JavaScript every kind is shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from yibao.demo.charts import Stacks, esc, hbars
from yibao.demo.html_parts import Doc, Raw, note, panel, table
from yibao.demo.labels import ALERT_LABELS, SEVERITIES
from yibao.model.types import AlertKind

SEVERITY_COLOURS = {"high": "#c62828", "medium": "#ef6c00", "low": "#90a4ae"}

#: The filter: each unticked kind's cells (``data-k``) are hidden and each row's shown total
#: (``.shown``) is the sum of its visible kinds' counts (``data-n``).
FILTER_SCRIPT = """<script>(function(){
var boxes=document.querySelectorAll('#alert-filter input');
function apply(){var off={};
boxes.forEach(function(b){if(!b.checked){off[b.value]=1;}});
document.querySelectorAll('[data-k]').forEach(function(el){el.style.display=off[el.getAttribute('data-k')]?'none':'';});
document.querySelectorAll('tr[data-alerts]').forEach(function(tr){var n=0;
tr.querySelectorAll('td[data-k]').forEach(function(td){if(!off[td.getAttribute('data-k')]){n+=Number(td.getAttribute('data-n'));}});
tr.querySelector('.shown').textContent=n.toLocaleString('en-US');});}
boxes.forEach(function(b){b.addEventListener('change',apply);});apply();})();</script>"""


def severity_badge(severity: str) -> Raw:
    label = SEVERITIES[severity]
    return Raw(f"<span class='sev sev-{severity}'>{esc(label.zh)} {esc(severity)}</span>")


def share(n: int, total: int) -> str:
    return f"{100 * n / total:.1f} %" if total else "–"


def kinds_table(a: Doc) -> str:
    """One row per kind: its names, severity, count, share and meaning."""
    total = a["total"]
    rows = []
    for kind in AlertKind:
        label, n = ALERT_LABELS[kind], a["by_kind"].get(kind.name, 0)
        rows.append([kind.name, label.zh, label.en, severity_badge(label.severity), f"{n:,}", share(n, total),
                     Raw(f"<span class='note'>{esc(label.means)}</span>")])
    headers = ["alert 预警", "中文", "English", "severity 级别", "alerts", "share", "what it means"]
    return table(headers, rows)


def severity_text(a: Doc) -> str:
    """How the alerts split by severity, and the largest kind's share of them all."""
    total = a["total"]
    parts = [
        f"{SEVERITIES[s].zh} {s} {n:,} ({share(n, total)})" for s, n in a["by_severity"].items()
    ]
    text = f"{total:,} alerts: " + " · ".join(parts) + "."
    if total:
        top = max(AlertKind, key=lambda k: a["by_kind"].get(k.name, 0))
        n, label = a["by_kind"].get(top.name, 0), ALERT_LABELS[top]
        text += (
            f" {top.name} ({label.zh}, {label.severity} severity) alone is {n:,} of the {total:,} alerts "
            f"({share(n, total)}): {label.means}. Untick a kind to leave it out of the tables below."
        )
    return text


def filter_boxes(a: Doc) -> str:
    boxes = []
    for kind in AlertKind:
        label = ALERT_LABELS[kind]
        n = a["by_kind"].get(kind.name, 0)
        boxes.append(
            f"<label><input type='checkbox' value='{kind.name}' checked> {esc(kind.name)} {esc(label.zh)} "
            f"({esc(label.severity)}, {n:,})</label>"
        )
    return "<div class='filter' id='alert-filter'>show 显示: " + "".join(boxes) + "</div>"


def per_kind_table(headers: Sequence[str], rows: Sequence[tuple[list[Any], dict[str, int], list[Any]]],
        after: Sequence[str]) -> str:
    """A table whose rows are ``(leading cells, alert counts by kind, trailing cells)``: one
    filterable column per kind, and the row's total of the kinds shown."""
    kinds = [k.name for k in AlertKind]
    head = "".join(f"<th class='l'>{esc(h)}</th>" for h in headers)
    head += "".join(f"<th data-k='{k}' title='{esc(ALERT_LABELS[AlertKind[k]].en)}'>{esc(k)}</th>" for k in kinds)
    head += "<th>alerts shown</th>" + "".join(f"<th>{esc(h)}</th>" for h in after)
    body = []
    for lead, counts, trail in rows:
        cells = "".join(f"<td class='l'>{c if isinstance(c, Raw) else esc(c)}</td>" for c in lead)
        cells += "".join(
            f"<td data-k='{k}' data-n='{counts.get(k, 0)}'>{counts.get(k, 0):,}</td>" for k in kinds
        )
        cells += f"<td class='shown'>{sum(counts.values()):,}</td>"
        cells += "".join(f"<td>{esc(c)}</td>" for c in trail)
        body.append(f"<tr data-alerts='1'>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def alerts_chart(a: Doc) -> str:
    """Bars by kind, coloured by severity."""
    kinds = list(AlertKind)
    labels = [f"{k.name} {ALERT_LABELS[k].zh}" for k in kinds]
    values = {
        f"{s} {SEVERITIES[s].zh}": [a["by_kind"].get(k.name, 0) if ALERT_LABELS[k].severity == s else 0 for k in kinds]
        for s in SEVERITIES
    }
    colours = {f"{s} {SEVERITIES[s].zh}": SEVERITY_COLOURS[s] for s in SEVERITIES}
    return hbars(Stacks(labels, values, colours), label_w=280, title="alerts by kind", bar=20)


def alerts(doc: Doc) -> str:
    a = doc["alerts"]
    people = [
        ([Raw(f"<code>{esc(p['pseudonym'])}</code>"), p["home"]], p["kinds"], [p["claims"], p["rejected"]])
        for p in a["top_people"]
    ]
    insts = [([i["name"]], i["kinds"], [i["claims"], i["rejected"]]) for i in a["top_institutions"]]
    return panel(
        "<h2>Alerts 预警</h2>",
        alerts_chart(a),
        note(esc(severity_text(a))),
        kinds_table(a),
        filter_boxes(a),
        "<h3>Most-flagged institutions 预警最多的机构</h3>",
        per_kind_table(["institution"], insts, ["claims", "rejected"]),
        "<h3>Most-flagged people 预警最多的参保人 (pseudonym prefix)</h3>",
        per_kind_table(["pseudonym", "home"], people, ["claims", "rejected"]),
        FILTER_SCRIPT,
    )


__all__ = [
    "FILTER_SCRIPT",
    "SEVERITY_COLOURS",
    "alerts",
    "alerts_chart",
    "filter_boxes",
    "kinds_table",
    "per_kind_table",
    "severity_badge",
    "severity_text",
    "share",
]
