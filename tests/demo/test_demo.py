"""`yibao demo` at a small size on the embedded chain: every figure of report.json is checked
against the chain itself (views re-read through the ledger, events re-read with eth_getLogs,
gas re-read from the receipts), the HTML carries its charts, and the same seed gives the same
report."""

from __future__ import annotations

import base64
import csv
import io
import json
import re
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import datetime as dt

import pytest
from fontTools.ttLib import TTFont
from web3 import Web3

from yibao import demo
from yibao.codec import WireDecision, decision_reason, decode_decision
from yibao.chain.backend import Chain, SentTx
from yibao.units import noon_cst
from yibao.demo.world_rules import SETUP_DAY

from yibao.chain import artifacts
from yibao.chain.abi import EventDecoder
from yibao.client import AlertKind, Ledger
from yibao.units import from_day
from yibao.demo import STATUSES, DemoRun, play_demo, run_demo
from yibao.demo.font import FONT_FAMILY, cjk_chars
from yibao.demo.html import render_html
from yibao.demo.labels import ALERT_LABELS, RULE_LABELS, code_label
from yibao.demo.world import INSTITUTIONS
from yibao.demo.world_rules import CQ, GZ
from yibao.chain import dev_account
from yibao.demo.planted import PLANTED_RULES
from yibao.demo.supervision import FINE_BPS, PHANTOM_RULES, SUPERVISION_DAY, article_of
from yibao.model.types import CaseOutcome, ClaimStatus, InstitutionStatus, Reason, Scheme
from yibao.demo.labels import SCREENING_LABELS
from yibao.index import schema as index_schema
from yibao.index.database import open_index
from yibao.index.screen import screen
from yibao.model.screening import RULES, Lead, Rule, ScreeningParams, Severity
import sqlalchemy as sa

PEOPLE, CLAIMS, SEED = 60, 400, 7
SAMPLE = 150  # stored claims re-read through claimInfo
REGULATOR = {CQ: dev_account(1).address, GZ: dev_account(2).address}  # as the player grants the roles
REVIEWERS = {dev_account(5).address, dev_account(6).address}


@dataclass
class RecordingChain(Chain):
    """The embedded chain, keeping every receipt the node returns (logs and gas as mined)."""

    receipts: list[Any] = field(default_factory=list)
    calldata: list[bytes] = field(default_factory=list)

    def send(self, account: Any, to: str | None, data: bytes, gas: int | None = None, value: int = 0) -> SentTx:
        sent = super().send(account, to, data, gas=gas, value=value)
        self.receipts.append(sent.receipt)
        self.calldata.append(bytes(data))
        return sent


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    chain = RecordingChain.embedded(genesis_timestamp=noon_cst(SETUP_DAY) - 86_400)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(demo, "open_chain", lambda rpc, engine: chain)
        return play_demo(people=PEOPLE, claims=CLAIMS, seed=SEED, out_dir=tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="module")
def out(run: DemoRun) -> Path:
    return Path(run.doc["manifest"]).parent


@pytest.fixture(scope="module")
def report(out: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((out / "report.json").read_text(encoding="utf-8"))
    return doc


@pytest.fixture(scope="module")
def events(run: DemoRun) -> dict[str, list[dict[str, Any]]]:
    """Every event of the ledger, decoded here from the receipts the node returned, by name."""
    led = run.ledger
    assert isinstance(led.chain, RecordingChain)
    dec = EventDecoder(artifacts.ledger_abi())
    by: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for i, receipt in enumerate(led.chain.receipts):
        for log in receipt["logs"]:
            if log["address"] != led.address:
                continue
            e = dec.decode(log)
            if e:
                args = {
                    k: Web3.to_checksum_address(v) if k in ("institution", "account") else v
                    for k, v in e["args"].items()
                }
                by[e["event"]].append({**args, "_receipt": i})
    return by


@pytest.fixture(scope="module")
def claims_csv(out: Path) -> list[dict[str, str]]:
    with (out / "claims.csv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_report_file_is_the_returned_document(run: DemoRun, report: dict[str, Any]) -> None:
    assert report == json.loads(json.dumps(run.doc, ensure_ascii=False))
    assert report["checks"]["claim_mismatches"] == []
    assert report["checks"]["fund_identity"] and report["checks"]["institution_paid_matches_settlements"]
    assert report["summary"] and all(isinstance(s, str) for s in report["summary"])
    assert report["timing"]["total_s"] > 0


def test_funds_match_the_chain(run: DemoRun, report: dict[str, Any], events: dict[str, list[dict[str, Any]]]) -> None:
    led = run.ledger
    for f in report["funds"]:
        chain = led.fund(f["region"])
        assert {k: f[k] for k in chain} == chain
        assert f["balance"] == (
            f["opening"] + f["contributions"] - f["settled"] + f["clearing_in"] - f["clearing_out"] + f["recovered"]
        )
        assert led.region(f["region"])["opening_balance"] == f["opening"]
        contribs = [e for e in events["ContributionRecorded"] if e["region"] == f["region"]]
        assert f["contributions_recorded"] == sum(e["amount"] for e in contribs) == chain["contributions"]
        assert f["contribution_payments"] == len(contribs)
        last = [s for s in report["fund_series"] if s["region"] == f["region"]][-1]
        assert {k: last[k] for k in chain} == chain
    series = report["fund_series"]
    assert len(series) > 2 * 52  # weekly at least, both regions
    assert [s["date"] for s in series] == sorted(s["date"] for s in series)
    months = {m["month"]: m for m in report["contributions_by_month"]}
    for e in events["ContributionRecorded"]:
        assert e["amount"] > 0
    assert sum(m[str(CQ)] + m[str(GZ)] for m in months.values()) == sum(
        e["amount"] for e in events["ContributionRecorded"]
    )


def test_institutions_match_the_chain(
    run: DemoRun, report: dict[str, Any], events: dict[str, list[dict[str, Any]]]
) -> None:
    led = run.ledger
    assert [i["key"] for i in report["institutions"]] == [s.key for s in INSTITUTIONS]
    settled = events["Settled"]
    for i in report["institutions"]:
        chain = led.institution(i["account"]).to_json()
        assert {k: i[k] for k in chain} == chain
        mine = [e for e in settled if e["institution"] == i["account"]]
        assert i["settlements"] == len(mine)
        assert i["settled_cash"] == sum(e["cash"] for e in mine) == chain["paid"]
        assert i["settled_netted"] == sum(e["netted"] for e in mine)
        assert i["settled_payable"] == sum(e["payable_"] for e in mine)
        cb = [e for e in events["ClaimClawedBack"] if e["institution"] == i["account"]]
        assert i["clawed_back"] == sum(e["amount"] for e in cb)
        assert i["clawed_back_claims"] == len(cb)
        assert i["debt"] == i["clawed_back"] - i["settled_netted"]
    assert [s["cash"] for s in report["settlements"]] == [e["cash"] for e in settled]
    assert [s["claims"] for s in report["settlements"]] == [e["claims"] for e in settled]
    levels = {i["level"] for i in report["institutions"]}
    assert levels == {0, 1, 2, 3}
    assert {s.grade.name for s in INSTITUTIONS} == {"A", "B", "C", "D"}  # at the start (cases lower some)


def test_claims_match_claim_info(run: DemoRun, report: dict[str, Any], claims_csv: list[dict[str, str]]) -> None:
    led = run.ledger
    stored = [r for r in claims_csv if r["duplicate"] == "0"]
    assert len(stored) == report["claims"]["stored"]
    assert len(claims_csv) - len(stored) == report["claims"]["duplicates"]
    sample = random.Random(1).sample(stored, min(SAMPLE, len(stored)))
    for r in sample:
        v = led.claim(bytes.fromhex(r["claim_id"][2:]))
        assert v.status.name == r["status"], r
        assert v.reason.name == r["reason"], r
        assert v.service_date.isoformat() == r["service_date"]
        assert v.visit.name == r["visit"]
        assert v.billed == int(r["billed"])
        if v.status in (ClaimStatus.APPROVED, ClaimStatus.SETTLED):
            assert v.fund == int(r["fund"]), r
    for r in claims_csv:
        if r["duplicate"] == "1":
            assert r["reason"] == "DUPLICATE"
            assert any(s["claim_id"] == r["claim_id"] for s in stored)  # the stored claim it repeats
    c = report["claims"]
    status = Counter(r["status"] for r in claims_csv)
    assert c["by_status"] == {s: status.get(s, 0) for s in STATUSES}
    assert sum(c["by_status"].values()) == c["submitted"] == len(claims_csv)
    for row in c["by_month"]:
        rows = [r for r in claims_csv if r["service_date"][:7] == row["month"]]
        assert {s: row[s] for s in STATUSES} == {s: sum(1 for r in rows if r["status"] == s) for s in STATUSES}
        assert row["fund_paid"] == sum(int(r["fund"]) for r in rows if r["status"] == "SETTLED")
    assert c["fund_settled"] == sum(int(r["fund"]) for r in stored if r["status"] == "SETTLED")
    assert c["billed"] == sum(int(r["billed"]) for r in stored)
    reasons = Counter(r["reason"] for r in claims_csv if r["status"] == "REJECTED")
    assert c["rejected_by_reason"] == dict(sorted(reasons.items()))
    per_inst = Counter(r["institution"] for r in claims_csv)
    assert {i["key"]: i["claims"] for i in report["institutions"]} == {s.key: per_inst[s.key] for s in INSTITUTIONS}
    assert {k: sum(v) for k, v in c["by_institution_month"].items()} == {s.key: per_inst[s.key] for s in INSTITUTIONS}


def _word(e: dict[str, Any]) -> WireDecision:
    return decode_decision(bytes(e["claimId"]), int(e["decision"]), [], 0)


def test_decisions_and_alerts_match_the_events(
    report: dict[str, Any], events: dict[str, list[dict[str, Any]]], run: DemoRun
) -> None:
    decided = events["ClaimDecided"]
    assert len(decided) == report["claims"]["submitted"]
    dup = sum(1 for e in decided if decision_reason(int(e["decision"])) == Reason.DUPLICATE)
    assert dup == report["claims"]["duplicates"] > 0
    at_sub = Counter(ClaimStatus(_word(e).status).name for e in decided)
    assert report["claims"]["at_submission"] == dict(sorted(at_sub.items()))
    kinds = Counter(AlertKind(e["kind"]).name for e in events["Alert"])
    a = report["alerts"]
    assert a["by_kind"] == {k.name: kinds.get(k.name, 0) for k in AlertKind}
    assert a["total"] == len(events["Alert"])
    accounts = {i["account"]: i["key"] for i in report["institutions"]}
    per_inst = Counter(accounts[e["institution"]] for e in events["Alert"])
    assert a["by_institution"] == {s.key: per_inst.get(s.key, 0) for s in INSTITUTIONS}
    # the planted misbehaviour shows on chain
    for kind in ("DUPLICATE", "OVERCLAIM", "VISIT_LIMIT", "INSTITUTION_GRADE"):
        assert a["by_kind"][kind] > 0, kind
    # most-flagged people: pseudonym prefixes of enrolled people, alert counts from the events
    enrolled = {"0x" + bytes(e["person"]).hex()[:10] + "…": bytes(e["person"]) for e in events["PersonEnrolled"]}
    member = {int(e["index"]): bytes(e["person"]) for e in events["PersonEnrolled"]}
    claim_member = {
        bytes(e["claimId"]): member.get(_word(e).member)
        for e in decided
        if _word(e).reason != Reason.DUPLICATE
    }
    per_person = Counter(claim_member.get(bytes(e["claimId"])) for e in events["Alert"])
    for p in a["top_people"]:
        assert p["pseudonym"] in enrolled
        assert p["alerts"] == per_person[enrolled[p["pseudonym"]]]
    assert [p["alerts"] for p in a["top_people"]] == sorted((p["alerts"] for p in a["top_people"]), reverse=True)


def test_reviews_clearing_clawbacks_match_the_events(
    run: DemoRun, report: dict[str, Any], events: dict[str, list[dict[str, Any]]]
) -> None:
    led = run.ledger
    rv = report["reviews"]
    first = [e for e in events["ClaimReviewed"] if not e["appeal"]]
    appeal = [e for e in events["ClaimReviewed"] if e["appeal"]]
    assert rv["reviews"] == len(first) and rv["approved"] == sum(1 for e in first if e["approved"])
    assert rv["appeals_filed"] == len(events["ClaimAppealed"])
    assert rv["appeals_approved"] == sum(1 for e in appeal if e["approved"])
    assert rv["appeals_rejected"] == sum(1 for e in appeal if not e["approved"])
    assert [(c["from"], c["to"], c["amount"]) for c in report["clearings"]] == [
        (e["from"], e["to"], e["amount"]) for e in events["Cleared"]
    ]
    for p in report["claims"]["cross_region_pairs"]:
        assert p["owed_now"] == led.owed(p["home"], p["treating"])
        owed = [e for e in events["CrossRegionOwed"] if e["home"] == p["home"] and e["treating"] == p["treating"]]
        assert p["owed_booked"] == sum(e["amount"] for e in owed)
        assert p["owed_booked"] == p["cleared"] + p["owed_now"]
    cb = report["clawbacks"]
    assert cb["claims"] == len(events["ClaimClawedBack"]) > 0
    assert cb["amount"] == sum(e["amount"] for e in events["ClaimClawedBack"])
    for c in cb["list"]:
        assert led.claim(bytes.fromhex(c["claim"][2:])).status == ClaimStatus.CLAWED_BACK
    assert [f["frozen"] for f in report["freezes"]] == [e["frozen"] for e in events["InstitutionFreezeChanged"]]
    assert report["people_total"] == led.person_count() == len(events["PersonEnrolled"])


def test_policies_and_catalogue_match_the_chain(
    run: DemoRun, report: dict[str, Any], events: dict[str, list[dict[str, Any]]]
) -> None:
    led = run.ledger
    assert len(report["policies"]) == 6  # 2 regions × 2 schemes, 广州 twice (2026-07-01)
    for p in report["policies"]:
        chain = led.policy_at(p["region"], Scheme[p["scheme"]], from_day(0).fromisoformat(p["effective_from"]))
        assert chain.effective_from.isoformat() == p["effective_from"]
        assert (chain.op_deductible, chain.annual_cap, chain.op_annual_cap, chain.monthly_visit_limit) == (
            p["op_deductible"],
            p["annual_cap"],
            p["op_annual_cap"],
            p["monthly_visit_limit"],
        )
        assert list(chain.op_ratio_bps) == p["op_ratio_bps"] and list(chain.ip_ratio_bps[1:]) == p["ip_ratio_bps"]
    assert {p["effective_from"] for p in report["policies"] if p["region"] == GZ} == {"2026-01-01", "2026-07-01"}
    for cat in report["catalogue"]:
        items = [e for e in events["CatalogueItemSet"] if e["region"] == cat["region"]]
        assert cat["items"] == len({bytes(e["code"]) for e in items}) >= 150
        assert cat["class_C"] == sum(1 for e in items if e["category"] == 2) > 0
        assert cat["inpatient_only"] == sum(1 for e in items if e["inpatientOnly"]) > 0


def test_gas_matches_the_receipts(
    run: DemoRun, report: dict[str, Any], events: dict[str, list[dict[str, Any]]]
) -> None:
    """The demo's gas is the gas of every transaction to the ledger after deployment."""
    chain = run.ledger.chain
    assert isinstance(chain, RecordingChain)
    first = min(e["_receipt"] for e in events["RegionAdded"])
    claims_sel = bytes.fromhex(_selector("submitClaims(bytes32[])"))
    total = claims = n = 0
    for r, data in list(zip(chain.receipts, chain.calldata, strict=True))[first:]:
        if r["to"] != run.ledger.address:
            continue
        total += r["gasUsed"]
        n += 1
        if data[:4] == claims_sel:
            claims += r["gasUsed"]
    g = report["gas"]
    assert g["total"] == total and g["transactions"] == n
    assert g["by_kind"]["claims"]["gas"] == claims
    assert g["per_claim"] == claims // report["claims"]["submitted"]


def _selector(sig: str) -> str:
    from eth_utils.crypto import keccak

    return keccak(text=sig)[:4].hex()


def test_html_and_csv_files(out: Path, report: dict[str, Any]) -> None:
    page = (out / "report.html").read_text(encoding="utf-8")
    assert (
        page.startswith("<!doctype html>")
        and page.count("<script") == 1  # the alert filter, inline
        and "<script src" not in page
        and "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
        and "https://" not in page
    )
    assert page.count("<svg") >= 4
    for title in ("fund balance", "claims by status", "fund paid per institution", "alerts by kind"):
        assert f'aria-label="{title}"' in page, title
    for inst in report["institutions"]:
        assert inst["name"] in page
    for name in (
        "fund_balance.csv",
        "claims_by_month.csv",
        "institutions.csv",
        "alerts_by_kind.csv",
        "top_people.csv",
        "top_institutions.csv",
        "gas.csv",
        "settlements.csv",
        "clearings.csv",
        "clawbacks.csv",
        "claims.csv",
        "manifest.json",
    ):
        assert (out / name).exists(), name
    with (out / "fund_balance.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == len(report["fund_series"])
    assert int(rows[-1]["balance"]) == report["fund_series"][-1]["balance"]


def _sealed_gas_neutral(doc: dict[str, Any]) -> dict[str, Any]:
    """The report with the gas of the patients' records (kind ``records``) taken out of the
    totals: their encryption is randomised (fresh data keys, nonces and sealed-box ephemeral keys
    each run), and calldata gas depends on how many of those random bytes are zero, so that gas
    alone differs by a few dozen between runs. Their transactions' count stays compared."""
    doc = json.loads(json.dumps(doc))
    g = doc["gas"]
    records = g["by_kind"].get("records", {"gas": 0})
    g["total"] -= records.pop("gas", 0)
    doc["summary"] = [s for s in doc["summary"] if not s.startswith("gas ")]
    return doc


def test_same_seed_same_report(report: dict[str, Any], tmp_path: Path) -> None:
    again = run_demo(people=PEOPLE, claims=CLAIMS, seed=SEED, out_dir=tmp_path, engine="pyevm")

    def strip(doc: dict[str, Any]) -> dict[str, Any]:
        d = {k: v for k, v in _sealed_gas_neutral(doc).items() if k not in ("timing", "manifest")}
        d["summary"] = [s for s in d["summary"] if not s.startswith("took ")]
        return d

    assert strip(json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))) == strip(report)
    assert strip(again) == strip(report)


def test_the_ledger_is_usable_afterwards(run: DemoRun) -> None:
    assert isinstance(run.ledger, Ledger)
    assert run.ledger.today() >= from_day(0)


DATA_URL = re.compile(r"url\(data:font/woff2;base64,([A-Za-z0-9+/=]+)\)")


def test_the_page_embeds_a_font_with_every_cjk_character_it_uses(out: Path) -> None:
    """Chinese renders without a CJK font installed: every CJK character of the page's text is in
    the cmap of the font embedded in it, and the font has nothing the page does not use."""
    page = (out / "report.html").read_text(encoding="utf-8")
    found = DATA_URL.findall(page)
    assert len(found) == 1
    font = TTFont(io.BytesIO(base64.b64decode(found[0])))
    assert font["name"].getDebugName(1) == FONT_FAMILY
    cmap = {chr(u) for u in font.getBestCmap()}
    text = DATA_URL.sub("", page)
    used = cjk_chars(text)
    assert len(used) > 100 and "医" in used and "预" in used
    assert used - cmap == set()
    assert cmap <= set(text)
    assert f"font:14px/1.45 '{FONT_FAMILY}'" in page and f"font-family:'{FONT_FAMILY}'" in page
    assert "Not in the font" not in page


def test_a_character_not_in_the_font_is_reported(run: DemoRun) -> None:
    doc = {**run.doc, "title": run.doc["title"] + " 龘"}
    with pytest.warns(UserWarning, match="龘"):
        page = render_html(doc)
    assert "Not in the font (shown in the reader&#x27;s own fonts): 龘" in page


def _rows(page: str, heading: str) -> list[list[str]]:
    """The cells' text of the first table after ``heading``."""
    part = page[page.index(heading):]
    part = part[: part.index("</table>")]
    return [
        [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<td[^>]*>(.*?)</td>", tr)]
        for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", part)
        if "<td" in tr
    ]


def test_alerts_have_names_severities_and_a_filter(out: Path, report: dict[str, Any]) -> None:
    page = (out / "report.html").read_text(encoding="utf-8")
    a = report["alerts"]
    assert sum(a["by_severity"].values()) == a["total"]
    assert a["by_severity"]["low"] == a["by_kind"]["INSTITUTION_GRADE"] + a["by_kind"]["REVIEW_THRESHOLD"]
    assert a["severity"] == {k.name: ALERT_LABELS[k].severity for k in AlertKind}
    grade = a["by_kind"]["INSTITUTION_GRADE"]
    assert f"INSTITUTION_GRADE (机构信用等级, low severity) alone is {grade:,} of the {a['total']:,} alerts" in page
    kinds = _rows(page, "alert 预警")
    assert [r[0] for r in kinds] == [k.name for k in AlertKind]
    assert [int(r[4].replace(",", "")) for r in kinds] == [a["by_kind"][k.name] for k in AlertKind]
    assert all(r[1] and r[2] for r in kinds)
    boxes = re.findall(r"<input type='checkbox' value='([A-Z_]+)' checked>", page)
    assert boxes == [k.name for k in AlertKind]
    for tr in re.findall(r"<tr data-alerts='1'>(.*?)</tr>", page):  # the filter recounts from these
        counts = [int(n) for n in re.findall(r"data-n='(\d+)'", tr)]
        shown = re.search(r"<td class='shown'>([\d,]+)</td>", tr)
        assert shown and len(counts) == len(AlertKind) and sum(counts) == int(shown.group(1).replace(",", ""))
    by_inst = {i["name"]: i["alerts"] for i in a["top_institutions"]}
    assert len(re.findall(r"<tr data-alerts='1'>", page)) == len(by_inst) + len(a["top_people"])
    assert report["labels"]["alerts"]["INSTITUTION_GRADE"]["zh"] == "机构信用等级"
    for rule in report["reviews"]["by_rule"]:
        assert rule in report["labels"]["review_rules"], rule
        assert f"rule {code_label(RULE_LABELS, rule)}" in page.replace("&#x27;", "'")


def test_every_timing_row_is_labelled(out: Path, report: dict[str, Any]) -> None:
    page = (out / "report.html").read_text(encoding="utf-8")
    rows = _rows(page, "Wall-clock time")
    assert rows and all(r[0].strip() for r in rows), rows
    labels = [r[0].strip() for r in rows]
    assert "write the report files" in labels and "of which claims (理赔申报)" in labels
    year = [k for k in report["timing"] if k.startswith("year_") and k != "year_s"]
    assert len([x for x in labels if x.startswith("of which")]) == len(year)


def test_developer_wording_is_in_the_appendix_only(out: Path) -> None:
    page = (out / "report.html").read_text(encoding="utf-8")
    cut = page.index("Technical appendix 技术附录")
    before, after = page[:cut], page[cut:]
    for words in ("claimInfo", "fundOf()", "semantics", "institutionInfo()", "owedBetween()", "Events", "events"):
        assert words not in before, words
    for words in ("claimInfo() semantics", "fundOf() read from the chain", "owedBetween()", "Wall-clock time", "Gas"):
        assert words in after, words
    assert "Technical appendix" in page[page.index("Alerts 预警"):]


# ------------------------------------------------------------------------------------ screening (issue 12)

LIVE = {int(ClaimStatus.APPROVED), int(ClaimStatus.FLAGGED), int(ClaimStatus.SETTLED)}


def _direct_screen(out: Path) -> tuple[list[Lead[str]], dict[str, str], dict[str, int], int]:
    """The leads of a screen of the demo's index file run here, each claim's label (its
    invoice) and status by id, and the leads the demo stored in it."""
    engine = open_index(f"sqlite:///{out / 'index.db'}")
    try:
        with engine.connect() as conn:
            leads = screen(conn, ScreeningParams())
            c = index_schema.claims.c
            rows = conn.execute(sa.select(c.claim_id, c.label, c.status)).all()
            stored = conn.execute(sa.select(sa.func.count()).select_from(index_schema.leads)).scalar_one()
    finally:
        engine.dispose()
    return leads, {r[0]: r[1] for r in rows}, {r[0]: int(r[2]) for r in rows}, int(stored)


def _stored_leads(out: Path) -> list[tuple[str, set[str]]]:
    """Every lead stored in the demo's index (both screenings): its rule and its claims' labels."""
    engine = open_index(f"sqlite:///{out / 'index.db'}")
    try:
        with engine.connect() as conn:
            lc, c, t = index_schema.lead_claims.c, index_schema.claims.c, index_schema.leads.c
            rows = conn.execute(sa.select(t.id, t.rule, c.label).join_from(
                index_schema.leads, index_schema.lead_claims, lc.lead_id == t.id).join(
                index_schema.claims, c.claim_id == lc.claim_id)).all()
    finally:
        engine.dispose()
    by: dict[int, tuple[str, set[str]]] = {}
    for lid, rule, lab in rows:
        by.setdefault(int(lid), (str(rule), set()))[1].add(str(lab))
    return list(by.values())


def test_screening_finds_every_planted_pattern(report: dict[str, Any]) -> None:
    s = report["screening"]
    assert set(s["recall_precision"]) == {str(r) for r in RULES}
    assert s["recall_precision"]["PATIENT_DISPUTE"]["planted"] == 0  # the demo's people give no feedback
    for rule in PLANTED_RULES:
        rp = s["recall_precision"][str(rule)]
        assert rp["planted"] >= (2 if rule is Rule.SURGE else 3), rule
        assert rp["found"] == rp["planted"] and rp["recall"] == 1.0 and rp["missed"] == [], (rule, rp)
        assert rp["with_planted"] >= rp["found"] and 0 < rp["precision"] <= 1
        assert len(s["planted"][str(rule)]) == rp["planted"]
    assert report["labels"]["screening_rules"]["READMIT"]["zh"] == "分解住院"


def test_screening_numbers_agree_with_a_direct_screen(out: Path, report: dict[str, Any]) -> None:
    s = report["screening"]
    leads, label, status, stored = _direct_screen(out)
    assert s["leads"] == len(leads) == len(s["list"])
    assert stored == s["stored_leads"]["total"] == s["stored_leads"]["midyear"] + s["stored_leads"]["new_at_year_end"]
    for rule in RULES:
        mine = [x for x in leads if x.rule is rule]
        r = s["by_rule"][str(rule)]
        assert r["total"] == len(mine)
        assert r["HIGH"] == sum(1 for x in mine if x.severity is Severity.HIGH)
        assert r["MEDIUM"] == sum(1 for x in mine if x.severity is Severity.MEDIUM)
        assert r["amount"] == sum(x.amount for x in mine)
    direct = sorted((str(x.rule), str(x.severity), sorted(label[c] for c in x.claims)) for x in leads)
    assert sorted((x["rule"], x["severity"], x["claims"]) for x in s["list"]) == direct
    assert sum(m["total"] for m in s["by_month"]) == len(leads)
    # every planted claim is on chain, live or executed by a case; the planted truth is what the recall
    # says: an instance is in a lead of the year-end screening or in one the index stored mid-year
    by_label = {v: k for k, v in label.items()}
    executed = {inv for c in report["cases"]["list"] for inv in c["found_invoices"]}
    midyear = _stored_leads(out)
    for rule, instances in s["planted"].items():
        for claims in instances:
            assert all(status[by_label[inv]] in LIVE or inv in executed for inv in claims), (rule, claims)
            assert any(x.rule == rule and set(claims) <= {label[c] for c in x.claims} for x in leads) or any(
                r == rule and set(claims) <= invs for r, invs in midyear), (rule, claims)
    high = Counter(x.person for x in leads if x.severity is Severity.HIGH and x.person)
    assert [p["high"] for p in s["top_people"]][:3] == sorted(high.values(), reverse=True)[:3]


def test_screening_section_on_the_page(out: Path, report: dict[str, Any]) -> None:
    page = (out / "report.html").read_text(encoding="utf-8")
    part = page[page.index("Screening 事后监管"):page.index("Technical appendix 技术附录")]
    assert 'aria-label="leads per month"' in part
    rows = _rows(part, "fund of the leads")
    assert [r[0] for r in rows] == [str(r) for r in RULES]
    totals = [report["screening"]["by_rule"][str(r)]["total"] for r in RULES]
    assert [int(r[5].replace(",", "")) for r in rows] == totals
    for rule in RULES:
        assert SCREENING_LABELS[rule].zh in part
    truth = _rows(part, "Planted patterns found")
    assert [r[4] for r in truth] == ["100.0 %"] * len(PLANTED_RULES)
    assert (out / "screening_leads.csv").exists() and (out / "screening_by_rule.csv").exists()


# ------------------------------------------------------------------------------------ cases (issue 13)


def _sender(run: DemoRun, receipt: int) -> str:
    chain = run.ledger.chain
    assert isinstance(chain, RecordingChain)
    return str(Web3.to_checksum_address(chain.receipts[receipt]["from"]))


def test_cases_are_opened_from_the_high_leads(run: DemoRun, out: Path, report: dict[str, Any],
                                              events: dict[str, list[dict[str, Any]]]) -> None:
    c = report["cases"]
    f = c["funnel"]
    assert f["leads"] >= f["high"] >= 1 and f["cases"] == len(c["list"]) == len(events["CaseOpened"]) >= 3
    assert f["penalized"] + f["dismissed"] + f["no_violation"] == f["cases"]
    engine = open_index(f"sqlite:///{out / 'index.db'}")
    try:
        with engine.connect() as conn:
            t, lc = index_schema.leads.c, index_schema.lead_claims.c
            leads = {int(r.id): (str(r.severity), str(r.status), r.case_id)
                     for r in conn.execute(sa.select(t.id, t.severity, t.status, t.case_id))}
            lead_claims: dict[int, set[str]] = defaultdict(set)
            for lid, cid in conn.execute(sa.select(lc.lead_id, lc.claim_id)):
                lead_claims[int(lid)].add(str(cid))
            indexed = {int(r[0]) for r in conn.execute(sa.select(index_schema.cases.c.case_id))}
    finally:
        engine.dispose()
    accounts = {i["key"]: i["account"] for i in report["institutions"]}
    regions = {i["key"]: i["region"] for i in report["institutions"]}
    opened = {int(e["caseId"]): e for e in events["CaseOpened"]}
    assert len({row["institution"] for row in c["list"]}) == len(c["list"])  # one case per institution
    for row in c["list"]:
        assert row["leads"]
        for lid in row["leads"]:
            severity, status, case_id = leads[lid]
            assert severity == "HIGH" and status == "CASE" and case_id is not None
        e = opened[row["id"]]
        assert e["institution"] == accounts[row["institution"]] == row["account"]
        assert {"0x" + bytes(x).hex() for x in e["claims"]} <= set().union(*(lead_claims[x] for x in row["leads"]))
        assert _sender(run, e["_receipt"]) == REGULATOR[regions[row["institution"]]]
        assert row["source"] == "LEAD" and row["opened_on"] == SUPERVISION_DAY.isoformat()
    assert indexed == {row["id"] for row in c["list"]}


def test_each_case_ends_as_planned(run: DemoRun, report: dict[str, Any],
                                   events: dict[str, list[dict[str, Any]]]) -> None:
    led = run.ledger
    rows = report["cases"]["list"]
    assert any(r["article"] == 40 for r in rows) and any(r["article"] == 38 for r in rows)
    for r in rows:
        info = led.case_info(r["id"])
        assert info.status.name == r["status"] == "CLOSED" and info.outcome.name == r["outcome"]
        if r["found"]:
            assert r["outcome"] == "PENALIZED"
            rules = {Rule(x) for x in r["findings_rules"]}
            assert rules and r["article"] == max(article_of(x) for x in rules) == (40 if rules & PHANTOM_RULES else 38)
            assert r["fine_bps"] == FINE_BPS[r["article"]] and r["fine"] == r["loss"] * r["fine_bps"] // 10000
        else:
            assert r["outcome"] == "NO_VIOLATION" and not r["article"]
    contested = [r for r in rows if r["contested"]]
    assert len(contested) == 1 and contested[0]["upheld"] and contested[0]["outcome"] == "PENALIZED"
    (e,) = events["CaseContested"]
    assert _sender(run, e["_receipt"]) == contested[0]["account"]
    (ruled,) = events["CaseRuled"]
    assert ruled["upheld"] and _sender(run, ruled["_receipt"]) in REVIEWERS
    # the other penalized cases waited out the contest window
    closed = {int(x["caseId"]): x for x in events["CaseClosed"]}
    for r in rows:
        if r["outcome"] == "PENALIZED" and not r["contested"]:
            assert (dt.date.fromisoformat(r["closed_on"]) - dt.date.fromisoformat(r["decided_on"])).days > 15
            assert _sender(run, closed[r["id"]]["_receipt"]) == REGULATOR[led.institution(r["account"]).region]
    # the timeline of the contested case, from the chain
    t = report["cases"]["timeline"]
    assert t["case_id"] == contested[0]["id"] and t["info"]["outcome"] == "PENALIZED"
    steps = [s["step"] for s in t["steps"]]
    n = len(contested[0]["findings_rules"])
    head = ["opened", *["finding"] * n, "decided", "contested", "ruled"]
    assert steps[:len(head)] == head and "closed" in steps
    assert [s["role"].split()[0] for s in t["steps"][:len(head)]] == [
        *["regulator"] * (n + 2), "institution", "reviewer"]
    assert [s["code"] for s in t["steps"][1:n + 1]] == contested[0]["findings_rules"]


def test_the_found_claims_are_executed_and_the_debt_netted(
        run: DemoRun, report: dict[str, Any], events: dict[str, list[dict[str, Any]]]) -> None:
    led = run.ledger
    c = report["cases"]
    rejected = {bytes(e["claimId"]) for e in events["CaseClaimRejected"]}
    finalize = [x["_receipt"] for x in events["CaseClosed"] if x["outcome"] == CaseOutcome.PENALIZED]
    case_clawed = [e for e in events["ClaimClawedBack"] if e["_receipt"] in finalize]
    assert c["funnel"]["claims_executed"] == len(rejected) + len(case_clawed) > 0
    assert sum(r["clawed_back"] for r in c["list"]) == sum(e["amount"] for e in case_clawed) == c["clawed_back"] > 0
    for r in c["list"]:
        assert sorted(r["found_claims"]) == sorted("0x" + x.hex() for x in led.case_found(r["id"]))
        if r["outcome"] != "PENALIZED":
            continue
        for cid in r["found_claims"]:
            v = led.claim(bytes.fromhex(cid[2:]))
            assert v.status in (ClaimStatus.CLAWED_BACK, ClaimStatus.REJECTED), (r["id"], cid)
            assert v.status != ClaimStatus.REJECTED or v.reason == Reason.SUPERVISION
    # a later settlement nets the clawed-back debt
    later = [e for e in events["Settled"] if e["_receipt"] > min(finalize) and e["netted"] > 0]
    assert later and c["netted_later"] > 0
    assert c["netted_later"] <= sum(e["netted"] for e in later)
    assert sum(r["netted_later"] for r in c["list"]) == c["netted_later"] <= c["clawed_back"]
    # the fund law holds: recoveries enter the funds, fines do not
    assert report["checks"]["fund_identity"]
    for f in report["funds"]:
        assert f["balance"] == (f["opening"] + f["contributions"] - f["settled"] + f["clearing_in"]
                                - f["clearing_out"] + f["recovered"])


def test_fines_suspension_and_grades(run: DemoRun, report: dict[str, Any],
                                     events: dict[str, list[dict[str, Any]]]) -> None:
    led = run.ledger
    c = report["cases"]
    paid = events["FinePaid"]
    assert paid and c["fines_paid"] == sum(e["amount"] for e in paid) > 0 and c["fines_owed"] == 0
    fined = sum(r["fine"] for r in c["list"] if r["outcome"] == "PENALIZED")
    assert sum(e["amount"] for e in events["FineOwed"]) == fined == c["fines_paid"]
    for f in c["fines"]:
        chain = led.fines(next(i["account"] for i in report["institutions"] if i["key"] == f["key"]))
        assert (chain.owed, chain.paid) == (f["owed"], f["paid"]) and f["paid"] == f["fined"]
    # one hospital suspended by its case, reinstated when the suspension ended
    (susp,) = [r for r in c["list"] if r["suspend_days"]]
    changes = [e for e in events["InstitutionStatusChanged"] if e["account"] == susp["account"]]
    assert [(InstitutionStatus(e["from"]).name, InstitutionStatus(e["to"]).name) for e in changes] == [
        ("ACTIVE", "SUSPENDED"), ("SUSPENDED", "ACTIVE")]
    inst = led.institution(susp["account"])
    assert inst.status.name == "ACTIVE" and inst.level >= 1
    until = led.fines(susp["account"]).suspended_until
    assert until == dt.date.fromisoformat(susp["closed_on"]) + dt.timedelta(days=susp["suspend_days"])
    assert [s["date"] for s in c["status_changes"]] == [susp["closed_on"], until.isoformat()]
    # grades fall, never rise; the year-end grade is the chain's
    assert events["InstitutionGradeChanged"]
    order = "ABCDE"
    fallen = 0
    for g in c["grades"]:
        months = [order.index(x) for x in g["months"]]
        assert months == sorted(months) and g["end"] == g["months"][-1]
        assert g["end"] == led.institution(next(i["account"] for i in report["institutions"]
                                                if i["key"] == g["key"])).grade.name
        fallen += months[-1] > order.index(g["start"])
        assert g["score"] == 100 - sum(10 if r["article"] == 38 else 30 for r in c["list"]
                                       if r["institution"] == g["key"] and r["outcome"] == "PENALIZED")
    assert fallen >= 1


def test_cases_in_the_report(out: Path, report: dict[str, Any]) -> None:
    c = report["cases"]
    for key in ("params", "funnel", "list", "recovered", "netted_later", "fines", "grades", "timeline"):
        assert key in c, key
    assert any(s.startswith("cases: ") for s in report["summary"])
    assert c["recovered"] == sum(r["clawed_back"] + r["rejected_fund"] for r in c["list"])
    page = (out / "report.html").read_text(encoding="utf-8")
    part = page[page.index("Supervision cases 监管案件"):page.index("Technical appendix 技术附录")]
    for title in ("case funnel", "money recovered per case", "grade by month"):
        assert f'aria-label="{title}"' in part, title
    rows = _rows(part, "netted later (元)")
    assert [int(r[0]) for r in rows] == [r["id"] for r in c["list"]]
    assert f"Timeline of case {c['timeline']['case_id']}" in part
    with (out / "cases.csv").open(encoding="utf-8") as fh:
        assert [int(r["id"]) for r in csv.DictReader(fh)] == [r["id"] for r in c["list"]]


# ------------------------------------------------------------------------------------ engines (issue 15)


def _engine_neutral(doc: dict[str, Any]) -> dict[str, Any]:
    """The report without what names the engine or its blocks: timing, the chain's name (and
    the summary lines that carry it or the time), the manifest's path, transaction hashes and
    block numbers (the fast engine mines a day's transactions in one block)."""
    doc = _sealed_gas_neutral(doc)
    for key in ("timing", "chain", "manifest"):
        doc.pop(key, None)
    doc["summary"] = [s for s in doc["summary"] if "chain" not in s and not s.startswith("took ")]
    for step in doc["cases"]["timeline"]["steps"]:
        step.pop("tx", None)
        step.pop("block", None)
    return doc


@pytest.mark.anvil
def test_the_fast_engine_gives_the_same_report(report: dict[str, Any], tmp_path: Path) -> None:
    """The demo on anvil started here gives the report the embedded py-evm chain gives: every
    figure of the year, gas included; only the engine's name, times, hashes and blocks differ."""
    fast = play_demo(people=PEOPLE, claims=CLAIMS, seed=SEED, out_dir=tmp_path, engine="anvil")
    fast.ledger.chain.close()
    assert fast.doc["chain"] == "anvil (started here)" and report["chain"] == "embedded"
    assert _engine_neutral(fast.doc) == _engine_neutral(report)
    assert _sealed_gas_neutral(fast.doc)["gas"]["total"] == _sealed_gas_neutral(report)["gas"]["total"] > 0
