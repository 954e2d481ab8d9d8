"""The screening section (事后监管) of the report page: the leads the year's claims make under
screening.md's ten rules, per rule and severity, per month (a chart), the institutions and
people with the most HIGH leads, and how many of the planted patterns were found (recall) and
how many leads are planted ones (precision). Laid out from ``doc["screening"]``
(:mod:`yibao.demo.screening_report`); a document without it shows nothing.
"""

from __future__ import annotations

from typing import Any

from yibao.demo.charts import Stacks, esc, stacked_bars
from yibao.demo.html_parts import Doc, Raw, note, panel, table, two_columns
from yibao.demo.labels import LEAD_SEVERITY_LABELS, SCREENING_LABELS
from yibao.demo.planted import PLANTED_RULES
from yibao.demo.world_rules import REGION_SHORT
from yibao.model.screening import RULES, Rule, Severity
from yibao.units import yuan

RULE_COLOURS = {
    Rule.READMIT: "#1e88e5",
    Rule.OVERLAP_STAY: "#3949ab",
    Rule.GHOST_BED: "#8e24aa",
    Rule.SAME_DAY_MULTI: "#00897b",
    Rule.IMPOSSIBLE_TRAVEL: "#43a047",
    Rule.DUP_BILLING: "#f4511e",
    Rule.OVER_SUPPLY: "#fdd835",
    Rule.RESTRICTED_ITEM: "#6d4c41",
    Rule.SURGE: "#e53935",
    Rule.PATIENT_DISPUTE: "#d81b60",
}


def pct(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.1f} %"


def rule_rows(s: Doc) -> list[list[Any]]:
    rows: list[list[Any]] = []
    for rule in RULES:
        r = s["by_rule"][str(rule)]
        label = SCREENING_LABELS[rule]
        rows.append([str(rule), label.zh, label.en, f"{r['HIGH']:,}", f"{r['MEDIUM']:,}", f"{r['total']:,}",
                     f"{r['claims']:,}", yuan(r["amount"], 0)])
    return rows


def month_chart(s: Doc) -> str:
    months = s["by_month"]
    shown = [r for r in RULES if any(m[str(r)] for m in months)]
    names = {r: SCREENING_LABELS[r].zh for r in shown}  # short enough for the legend's one line
    stacks = {names[r]: [m[str(r)] for m in months] for r in shown}
    colours = {names[r]: RULE_COLOURS[r] for r in shown}
    return stacked_bars(Stacks([m["month"][5:] + "月" for m in months], stacks, colours), title="leads per month",
                        unit="leads, by first claim's month", key_advance=(28, 13))


def by_rule_text(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in counts.items())


def tops(s: Doc) -> str:
    high = LEAD_SEVERITY_LABELS[Severity.HIGH].zh
    insts = [[i["name"], f"{i['high']:,}", f"{i['leads']:,}", by_rule_text(i["high_by_rule"])]
             for i in s["top_institutions"]]
    people = [[Raw(f"<code>{esc(p['pseudonym'])}</code>"), f"{p['home']} {REGION_SHORT.get(p['home'], '')}",
               f"{p['high']:,}", f"{p['leads']:,}", by_rule_text(p["high_by_rule"])] for p in s["top_people"]]
    return two_columns(
        "<h3>Institutions by HIGH leads 机构</h3>"
        + table(["institution", f"HIGH {high}", "all leads", "HIGH by rule"], insts),
        "<h3>People by HIGH leads 参保人</h3>"
        + table(["pseudonym", "home", f"HIGH {high}", "all leads", "HIGH by rule"], people),
    )


def truth_rows(s: Doc) -> list[list[Any]]:
    rows: list[list[Any]] = []
    for rule in PLANTED_RULES:
        r = s["recall_precision"][str(rule)]
        ok = r["planted"] and r["found"] == r["planted"]
        recall = Raw(f"<span class='{'ok' if ok else 'bad'}'>{esc(pct(r['recall']))}</span>")
        missed = "; ".join(" + ".join(m) for m in r["missed"]) or "–"
        rows.append([str(rule), SCREENING_LABELS[rule].zh, r["planted"], r["found"], recall, f"{r['leads']:,}",
                     f"{r['with_planted']:,}", pct(r["precision"]), missed])
    return rows


def stored_text(s: Doc) -> str:
    """A sentence on the leads the index holds from both screenings (none without a mid-year one)."""
    st = s.get("stored_leads")
    if not st or not st["midyear"]:
        return ""
    return (f" The index holds {st['total']:,} leads: {st['midyear']:,} from the mid-year screening "
            f"({st['by_status'].get('CASE', 0):,} taken up by cases) and {st['new_at_year_end']:,} new at the "
            "year's end.")


def screening(doc: Doc) -> str:
    """The section, or nothing when the document has no screening."""
    s = doc.get("screening")
    if not s:
        return ""
    sev = s["by_severity"]
    p = s["params"]
    params = (f"readmit within {p['readmit_days']} days, same day at ≥ {p['same_day_institutions']} institutions, "
              f"over {p['over_supply_factor']}× the maximum quantity a month, surge above "
              f"{p['surge_yellow_bps'] / 100:.0f} % (HIGH above {p['surge_red_bps'] / 100:.0f} %) of the last three "
              f"months and at least {yuan(p['surge_min_fund'], 0)} 元")
    return panel(
        "<h2>Screening 事后监管</h2>",
        note(esc(f"After the year the claims were screened with the ten rules of screening.md (default parameters: "
                 f"{params}). Only live claims count (approved, flagged or settled). {s['leads']:,} leads: "
                 f"{sev.get('HIGH', 0):,} HIGH, {sev.get('MEDIUM', 0):,} MEDIUM. People's sex and birth date "
                 "and the items' restrictions (限定支付) are kept off chain, in the index only." + stored_text(s))),
        table(["rule", "中文", "English", "HIGH 高", "MEDIUM 中", "leads", "claims", "fund of the leads (元)"],
              rule_rows(s)),
        "<h3>Leads per month 每月线索</h3>",
        month_chart(s),
        note("Each lead counts in the service month of its earliest claim (a stay: its admission)."),
        tops(s),
        "<h3>Planted patterns found 植入模式检出</h3>",
        table(["rule", "中文", "planted", "found", "recall", "leads", "with a planted claim", "precision",
               "missed (invoices)"], truth_rows(s)),
        note("The world plants each rule's pattern several times and knows which claims it planted. "
             "An instance is found when a lead of its rule contains all its claims (recall = found / planted). "
             + ("Recall and precision count every lead raised in the year: those of the mid-year screening (the "
                "cases rejected or clawed back some of their claims, which are no longer live at the year's end) "
                "and those of the year-end screening, each rule and set of claims once, as the index stores them. "
                if s.get("recall_basis") == "midyear and year-end" else "")
             + "Precision = leads of the rule with at least one planted claim of that rule / all its leads: "
             "the ordinary claims of the year make leads of their own, shown here too."),
    )


__all__ = [
    "RULE_COLOURS", "by_rule_text", "month_chart", "pct", "rule_rows", "screening", "stored_text", "tops", "truth_rows",
]
