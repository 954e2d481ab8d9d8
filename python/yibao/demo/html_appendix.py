"""The technical appendix at the end of the report page: where each figure was read on the chain
(views and events), the chain and the ledger, the self-check, gas, the measured time and the
embedded font. The sections above it speak the reader's language; the developer's is here.
"""

from __future__ import annotations

from typing import Any

from yibao.demo.charts import esc
from yibao.demo.font import FONT_FAMILY, EmbeddedFont
from yibao.demo.html_parts import Doc, Raw, note, panel, table
from yibao.demo.labels import WORK_LABELS

#: Each section of the report and where its figures come from on the chain.
SOURCES = [
    ("Fund balance 基金余额", "fundOf() read from the chain at the end of every Sunday, every 1st of the month and "
     "every day with a settlement, clearing or contribution; the identity is checked on the chain's own figures"),
    ("Claims by status 理赔状态", "the status now, in claimInfo() semantics, followed through the ClaimDecided, "
     "ClaimReviewed, Settled and ClaimClawedBack events; a DUPLICATE decision is not stored (its ClaimDecided "
     "event only)"),
    ("Institutions 定点机构", "paid, debt and payable from institutionInfo() at the end; settlements, netting and "
     "clawbacks from the Settled and ClaimClawedBack events"),
    ("Alerts 预警", "the Alert events (kind, claim, institution) of the claim submissions; people by the "
     "ClaimDecided member index and PersonEnrolled"),
    ("Cross-region care 异地就医", "home region from PersonEnrolled, filings from FilingAdded, debts from the "
     "CrossRegionOwed and Cleared events, owed now from owedBetween()"),
    ("Policies and catalogues 政策与目录", "policyAt() on 1 January and 1 July; the catalogues from the "
     "CatalogueItemSet events; line notes from the ClaimLines events"),
    ("Gas 燃料", "gasUsed of the receipt of every transaction the demo sent after deployment"),
]


def timing(t: Doc) -> str:
    """The measured wall-clock seconds, when the document has them: the steps, then the
    year's kinds of work (each with its name)."""
    if not t:
        return ""
    year = [
        (k[5:-2].replace("_", " "), v)
        for k, v in t.items()
        if k.startswith("year_") and k.endswith("_s") and k != "year_s"
    ]
    rows: list[list[Any]] = [
        ["total", t.get("total_s", "")],
        ["build the world", t.get("world_s", "")],
        ["set up on chain", t.get("setup_s", "")],
        ["play the year", t.get("year_s", "")],
        *[[f"  of which {k} ({WORK_LABELS[k].zh})" if k in WORK_LABELS else f"  of which {k}", v] for k, v in year],
        ["read back from the chain", t.get("read_back_s", "")],
        ["index and screen the claims (事后监管)", t.get("screening_s", "")],
        ["read the cases back (监管案件)", t.get("cases_s", "")],
        ["write the report files", t.get("report_s", "")],
        ["claims per second in the year", round(t.get("claims_per_second_in_year", 0), 1)],
    ]
    return "<h3>Wall-clock time (seconds, measured)</h3>" + table(["step", "s"], rows)


def gas(doc: Doc) -> str:
    g = doc["gas"]
    rows: list[list[Any]] = [
        [
            k,
            WORK_LABELS[k].text() if k in WORK_LABELS else "",
            f"{v['transactions']:,}",
            f"{v['gas']:,}",
            f"{v['gas'] // max(1, v['transactions']):,}",
        ]
        for k, v in g["by_kind"].items()
    ]
    rows.append(["total", "", f"{g['transactions']:,}", f"{g['total']:,}", ""])
    per_claim = (
        f"{g['per_claim']:,} gas per claim submission (mean batch {g['mean_batch']}, "
        f"largest {g['largest_batch']}). Deployment not included."
    )
    return (
        "<h3>Gas 燃料</h3>"
        + table(["kind", "what", "transactions", "gas", "gas per transaction"], rows)
        + note(esc(per_claim))
    )


def chain_facts(doc: Doc) -> str:
    checks = doc["checks"]
    rows = [
        ["chain", Raw(f"<code>{esc(doc['chain'])}</code>")],
        ["ledger (IYibaoLedger)", Raw(f"<code>{esc(doc['ledger'])}</code>")],
        ["deployment manifest", Raw(f"<code>{esc(doc.get('manifest', ''))}</code>")],
        ["set-up day", doc["period"]["setup"]],
        ["claims re-read through claimInfo()", checks["claims_sampled"]],
        ["of which differing from the events", len(checks["claim_mismatches"])],
        ["fund identity on every region", "holds" if checks["fund_identity"] else "BROKEN"],
        ["institutionInfo().paid = Settled cash", "yes" if checks["institution_paid_matches_settlements"] else "NO"],
    ]
    return "<h3>Chain and self-check</h3>" + table(["fact", "value"], rows)


def appendix(doc: Doc) -> str:
    """The appendix without its font note (:func:`font_note`, added once the page is known)."""
    return panel(
        "<h2>Technical appendix 技术附录</h2>",
        "<h3>Where each figure comes from</h3>",
        table(["section", "read from the chain"], SOURCES),
        chain_facts(doc),
        gas(doc),
        timing(doc.get("timing", {})),
    )


def font_note(font: EmbeddedFont) -> str:
    """What the page's embedded font is, and the characters it lacks (ASCII text only, so the
    note needs no glyph of its own)."""
    text = (
        f"Chinese text is set in {FONT_FAMILY}, embedded in this page: a subset of Noto Sans CJK SC Regular "
        f"(Copyright 2014-2021 Adobe; SIL Open Font License 1.1, OFL.txt in the package), {len(font.chars):,} "
        "characters, so it renders without any CJK font installed."
    )
    if font.missing:
        text += " Not in the font (shown in the reader's own fonts): " + " ".join(sorted(font.missing))
    return note(esc(text))


__all__ = ["SOURCES", "appendix", "chain_facts", "font_note", "gas", "timing"]
