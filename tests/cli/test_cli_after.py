"""The CLI after the decision, end to end from the CLI alone, on both backends:
rule base from files, claims submitted and decided, review and appeal, settlement, funds,
clawback, a claim's history, contributions, clearing and freezing — every step with --json.

The CLI's embedded chain runs on the wall clock (its journal keeps real block times) and the
anvil node on the test clock, so claims are dated on the chain's own "today" (the default
of ``claim submit --date``) and coverage and policies span wide ranges.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from cli_runner import Cli, nid, policy_entry
from eth_utils.crypto import keccak
from yibao.chain.backend import dev_account
from yibao.evidence import EVIDENCE_KEY_FILE, EvidenceKey
from yibao.units import day_of_timestamp

ID1 = nid("11010119900307427")  # insured in 500000
ID2 = nid("44010619920101002")  # insured in 440100, treated in 500000 without a filing
INST = dev_account(7).address
REVIEWER_A = dev_account(3).address
REVIEWER_B = dev_account(4).address
REGULATOR = dev_account(1).address


def chain_today(cli: Cli) -> str:
    """The chain's today (a node's test clock, else the wall clock the embedded chain starts on)."""
    from yibao.chain import Chain

    return day_of_timestamp(Chain.connect(cli.rpc).timestamp() if cli.rpc else int(time.time())).isoformat()


def policy(region: int, effective_from: str | None = None) -> dict:
    # a version starts no earlier than the chain's today (adjudication.md v1.1): the CLI's
    # chains start on the wall clock
    return policy_entry(region, effective_from or day_of_timestamp(int(time.time())).isoformat())


@pytest.fixture
def cli(deployed_cli: Cli) -> Cli:
    for region in ("500000", "440100"):
        deployed_cli("role", "grant", "regulator", "dev1", "--region", region)
        deployed_cli("role", "grant", "operator", "dev2", "--region", region, "--as", "dev1")
    deployed_cli("role", "grant", "reviewer", "dev3", "--region", "500000", "--as", "dev1")
    deployed_cli("role", "grant", "reviewer", "dev4", "--region", "500000", "--as", "dev1")
    return deployed_cli


def test_a_claim_from_submission_to_clawback(cli: Cli, tmp_path: Path) -> None:
    _load_rule_base(cli, tmp_path)
    c1, c2 = _enrol_and_submit(cli, tmp_path)
    r1, ap, st, cb = _review_settle_and_claw_back(cli, c2["claim_id"])
    _check_history(cli, c2, r1, ap, st, cb)
    _check_show_contribute_clear_freeze(cli, c1)


def _load_rule_base(cli: Cli, tmp_path: Path) -> None:
    # ---- rule base from files; a refused entry writes nothing
    mixed = tmp_path / "mixed.json"
    today = chain_today(cli)
    mixed.write_text(json.dumps([policy(500000, today), policy(999999, today)]))
    doc, err = cli.refused("policy", "add", str(mixed), "--as", "dev1")
    assert doc["name"] == "RegionUnknown" and "RegionUnknown(region=999999)" in err
    good = tmp_path / "policies.json"
    good.write_text(json.dumps([policy(500000, today), policy(440100, today)]))
    doc = cli.json("policy", "add", str(good), "--as", "dev1")  # 500000 was not half-written
    assert doc["ok"] and doc["transactions"] == 2
    assert [p["region"] for p in doc["policies"]] == [500000, 440100]

    bad_csv = tmp_path / "bad.csv"
    bad_csv.write_text("region,code,category\n500000,XA01,A\n500000,XD01,D\n")
    doc, err = cli.refused("catalogue", "load", str(bad_csv), "--as", "dev1")
    assert "bad.csv:3: category" in err and doc["error"] == "InputError"
    cat = tmp_path / "catalogue.csv"
    cat.write_text("region,code,category,price_cap\n500000,XA01,A,\n500000,XB01,B,5000\n")
    doc = cli.json("catalogue", "load", str(cat), "--as", "dev1")
    assert doc["items"] == 2 and doc["regions"] == {"500000": 2} and doc["transactions"] == 1


def _enrol_and_submit(cli: Cli, tmp_path: Path) -> tuple[dict, dict]:
    """The institution, two people and three claims; returns the first two claims' documents."""
    # ---- institution and people
    cli("institution", "add", "dev7", "--region", "500000", "--level", "3", "--as", "dev1")
    people = tmp_path / "people.csv"
    people.write_text("national_id,region,scheme,coverage_from,coverage_to\n"
                      f"{ID1},500000,EMPLOYEE,2020-01-01,2099-12-31\n"
                      f"{ID2},440100,EMPLOYEE,2020-01-01,2099-12-31\n")
    assert cli.json("enrol", "--csv", str(people), "--as", "dev2")["enrolled"] == 2

    # ---- claims. C1: XA01 2 × 125.50 + XB01 1 × 60.00 capped to 50.00, class B 90 % → 45.00;
    # E = 296.00, T = 311.00, deductible 100.00, fund = 196.00 × 80 % = 156.80.
    c1 = cli.json("claim", "submit", "--institution-as", "dev7", "--invoice", "INV-1", "--id", ID1,
                  "--line", "XA01:2:12550", "--line", "XB01:1:6000")
    assert (c1["status"], c1["reason"], c1["flags"]) == ("APPROVED", "NONE", [])
    assert (c1["billed"], c1["eligible"], c1["deductible"], c1["fund"], c1["patient"]) == (
        31_100, 29_600, 10_000, 15_680, 15_420)
    assert c1["lines"] == [
        {"code": "XA01", "qty": 2, "unit_price": 12_550, "billed": 25_100, "eligible": 25_100, "notes": []},
        {"code": "XB01", "qty": 1, "unit_price": 6_000, "billed": 6_000, "eligible": 4_500,
         "notes": ["PRICE_CAPPED"]},
    ]
    assert c1["alerts"] == [] and c1["institution"] == INST and c1["tx"].startswith("0x")
    day = c1["service_date"]
    # C2: 10 × 200.00 = 2,000.00, deductible used up, fund 1,600.00 > review threshold 1,000.00
    c2 = cli.json("claim", "submit", "--as", "dev7", "--invoice", "INV-2", "--id", ID1, "--date", day,
                  "--line", "XA01:10:20000")
    assert (c2["status"], c2["flags"], c2["alerts"]) == ("FLAGGED", ["REVIEW_THRESHOLD"], ["REVIEW_THRESHOLD"])
    assert (c2["fund"], c2["patient"]) == (160_000, 40_000)
    # C3: a 440100 person treated in 500000 without a filing: 300.00 − 100.00 deductible, at
    # 80 % − 10 % cut = 70 % → 140.00
    c3 = cli.json("claim", "submit", "--as", "dev7", "--invoice", "INV-3", "--id", ID2, "--date", day,
                  "--line", "XA01:3:10000")
    assert (c3["status"], c3["fund"], c3["patient"]) == ("APPROVED", 14_000, 16_000)
    return c1, c2


def _review_settle_and_claw_back(cli: Cli, cid: str) -> tuple[dict, dict, dict, dict]:
    """The flagged claim rejected, appealed, approved, settled and clawed back."""
    # ---- review, appeal, a different reviewer approves
    r1 = cli.json("review", "reject", cid, "--reason", "OVER_LIMIT", "--evidence", "photo-1", "--as", "dev3")
    assert r1["status"] == "REJECTED" and r1["events"][0]["event"] == "ClaimReviewed"
    ap = cli.json("appeal", cid, "--as", "dev7")
    assert ap["status"] == "APPEALED"
    r2 = cli.json("review", "approve", cid, "--reason", "DOCS_OK", "--as", "dev4")
    assert r2["status"] == "APPROVED"

    # ---- settlement: 156.80 + 1,600.00 + 140.00 paid from 500000's fund; 440100 now owes 140.00
    st = cli.json("settle", "dev7", "--ref", "PAY-2026-001", "--as", "dev1")
    assert (st["epoch"], st["payable"], st["netted"], st["cash"], st["claims"]) == (0, 189_680, 0, 189_680, 3)
    assert st["cross_region"] == [{"home": 440100, "treating": 500000, "amount": 14_000, "owed": 14_000}]
    f = cli.json("fund", "show", "500000")
    assert (f["opening"], f["balance"], f["settled"], f["contributions"], f["recovered"]) == (
        100_000_000, 99_810_320, 189_680, 0, 0)
    assert f["law"] == {"holds": True, "expected_balance": 99_810_320}
    assert f["owed_to_it"] == [{"region": 440100, "amount": 14_000}] and f["it_owes"] == []
    g = cli.json("fund", "show", "440100")
    assert g["balance"] == 0 and g["law"]["holds"] and g["it_owes"] == [{"region": 500000, "amount": 14_000}]

    # ---- clawback: the fund share becomes the institution's debt
    cb = cli.json("clawback", cid, "--reason", "UPCODING", "--evidence", "audit-7", "--as", "dev1")
    assert cb["status"] == "CLAWED_BACK"
    inst = cli.json("institution", "show", "dev7")
    assert (inst["debt"], inst["paid"], inst["payable"]) == (160_000, 189_680, 0)
    return r1, ap, st, cb


def _check_history(cli: Cli, c2: dict, r1: dict, ap: dict, st: dict, cb: dict) -> None:
    cid = c2["claim_id"]
    # ---- the claim's whole history, in order
    h = cli.json("claim", "history", cid)
    steps = h["steps"]
    assert [s["step"] for s in steps] == [
        "submitted", "alert", "reviewed", "appealed", "reviewed", "settled", "clawed_back"]
    sub, alert, rej, appd, appr, paid, clawed = steps
    assert (sub["status"], sub["flags"], sub["fund"], sub["billed"], sub["by"]) == (
        "FLAGGED", ["REVIEW_THRESHOLD"], 160_000, 200_000, INST)
    assert sub["lines"] == [{"code": "XA01", "qty": 10, "unit_price": 20_000, "billed": 200_000,
                             "eligible": 200_000, "notes": []}]
    assert sub["tx"] == c2["tx"] and alert["kind"] == "REVIEW_THRESHOLD" and alert["tx"] == c2["tx"]
    assert (rej["decision"], rej["reviewer"], rej["reason"], rej["appeal"]) == (
        "reject", REVIEWER_A, "OVER_LIMIT", False)
    # evidence goes on chain as HMAC under the home's evidence key, never as an unkeyed hash
    key = EvidenceKey.load_or_create(cli.home / EVIDENCE_KEY_FILE)
    assert rej["evidence"] == "0x" + key.digest("photo-1").hex() != "0x" + keccak(text="photo-1").hex()
    assert rej["tx"] == r1["tx"]
    assert appd["institution"] == INST and appd["tx"] == ap["tx"]
    assert (appr["decision"], appr["reviewer"], appr["appeal"], appr["fund"]) == ("approve", REVIEWER_B, True, 160_000)
    assert (paid["epoch"], paid["payable"], paid["claims"], paid["by"], paid["tx"]) == (
        0, 189_680, 3, REGULATOR, st["tx"])
    assert paid["payment_ref"] == "0x" + key.digest("PAY-2026-001").hex()
    assert (clawed["amount"], clawed["reason"], clawed["tx"]) == (160_000, "UPCODING", cb["tx"])
    assert all(s["time"].endswith("+08:00") for s in steps)
    assert [s["timestamp"] for s in steps] == sorted(s["timestamp"] for s in steps)
    code, out, _ = cli("claim", "history", cid)  # the table prints too
    assert code == 0 and "clawed_back" in out and "settled" in out


def _check_show_contribute_clear_freeze(cli: Cli, c1: dict) -> None:
    # ---- claim show, by institution and invoice
    shown = cli.json("claim", "show", "--institution", "dev7", "--invoice", "INV-1")
    assert shown["claim_id"] == c1["claim_id"] and shown["status"] == "SETTLED"
    assert (shown["fund"], shown["institution"], shown["lines"]) == (15_680, INST, c1["lines"])
    assert "review" not in shown
    doc, err = cli.refused("claim", "history", "0x" + "ab" * 32)
    assert err.strip() == "error: no claim 0x" + "ab" * 32 and doc["error"] == "InputError"

    # ---- contribution; clearing with nothing owed is refused by name; freeze stops settlement
    ct = cli.json("contribute", "--id", ID1, "--amount", "50000", "--as", "dev2")
    assert ct["events"][0]["event"] == "ContributionRecorded" and ct["events"][0]["amount"] == 50_000
    doc, err = cli.refused("clear", "500000", "440100", "--as", "dev1")
    assert doc == {"ok": False, "error": "ContractError", "name": "NothingToClear",
                   "message": "NothingToClear(from=500000, to=440100)", "args": {"from": 500000, "to": 440100}}
    fz = cli.json("freeze", "dev7", "--as", "dev1")
    assert [(e["event"], e["institution"].lower(), e["frozen"]) for e in fz["events"]] == [
        ("InstitutionFreezeChanged", INST.lower(), True)]
    doc, err = cli.refused("settle", "dev7", "--as", "dev1")
    assert doc["name"] == "InstitutionFrozen" and "InstitutionFrozen" in err
    f = cli.json("fund", "show", "500000")
    assert (f["balance"], f["contributions"], f["settled"]) == (99_860_320, 50_000, 189_680)
    assert f["law"]["holds"]


# ---------------------------------------------------------------------- the library under the CLI


def test_decode_claims_reads_back_what_encode_wrote() -> None:
    import datetime as dt

    from yibao.codec import WireLine, decode_claims, encode_claim, invoice_word

    pid, docs = bytes(range(1, 33)), bytes([9]) * 32
    words = encode_claim("INV-1", pid, 1, dt.date(2026, 3, 1), [WireLine("XA01", 2, 12_550), WireLine("B", 1, 7)],
                         dt.date(2026, 3, 5), 999, docs)
    words += encode_claim("INV-2", pid, 0, dt.date(2026, 3, 2), [WireLine("Z", 3, 5)])
    a, b = decode_claims(words)
    assert (a.invoice, a.person, a.documents, a.visit, a.claimed_fund) == (invoice_word("INV-1"), pid, docs, 1, 999)
    assert a.lines == (WireLine("XA01", 2, 12_550), WireLine("B", 1, 7))
    assert (b.invoice, b.discharge_day, b.claimed_fund, b.lines) == (invoice_word("INV-2"), 0, None,
                                                                      (WireLine("Z", 3, 5),))
    with pytest.raises(ValueError):
        decode_claims(words[:-1])


def test_history_names_the_settlement_that_paid_the_claim(ledger) -> None:
    from yibao.client import ClaimInput, Enrolment
    from yibao.errors import InputError
    from yibao.client.history import claim_details, claim_history, require_claim
    from yibao.model.types import CatalogueItem, Category, ClaimLine, Scheme, VisitType
    from yibao.client.reports import fund_report
    from yibao.io.schema import Policy

    import datetime as dt

    reg, op, hosp = (ledger.acting_as(dev_account(i)) for i in (1, 2, 7))
    ledger.add_region(500000, "Chongqing", 1_000_000)
    ledger.grant_role(ledger.regulator_role(500000), reg.signer.address)
    reg.grant_role(ledger.operator_role(500000), op.signer.address)
    reg.add_policy(Policy.model_validate(policy(500000, ledger.today().isoformat())).to_model())
    reg.set_items(500000, [CatalogueItem("XA01", Category.A)])
    reg.add_institution(INST, 500000, 3)
    pid = bytes([7]) * 32
    op.enrol(Enrolment(pid, 500000, Scheme.EMPLOYEE, dt.date(2020, 1, 1), dt.date(2099, 12, 31)))
    day = ledger.today()

    def submit(invoice: str) -> bytes:
        c = ClaimInput(invoice, pid, VisitType.OUTPATIENT, day, [ClaimLine("XA01", 1, 20_000)])
        r = hosp.submit_claim(c)
        assert r.status.name == "APPROVED"
        return r.claim_id

    c1, c2 = submit("INV-1"), submit("INV-2")  # fund 8,000 and 16,000
    first = reg.settle(INST, keccak(text="PAY-1"))
    c3 = submit("INV-3")
    assert [s["step"] for s in claim_history(ledger, c3)] == ["submitted"]  # not paid yet
    second = reg.settle(INST, keccak(text="PAY-2"))
    h1, h3 = claim_history(ledger, c1), claim_history(ledger, c3)
    assert [s["step"] for s in h1] == [s["step"] for s in h3] == ["submitted", "settled"]
    assert (h1[1]["epoch"], h1[1]["claims"], h1[1]["payable"], h1[1]["tx"]) == (0, 2, 24_000, first.tx_hash)
    assert (h3[1]["epoch"], h3[1]["claims"], h3[1]["payable"], h3[1]["tx"]) == (1, 1, 16_000, second.tx_hash)
    assert claim_history(ledger, c2)[1]["tx"] == first.tx_hash
    sub = h1[0]  # the decision as the event tells it
    assert (sub["status"], sub["reason"], sub["flags"], sub["visit"], sub["fund"], sub["patient"]) == (
        "APPROVED", "NONE", [], "OUTPATIENT", 8_000, 12_000)
    assert [(x["code"], x["eligible"], x["notes"]) for x in sub["lines"]] == [("XA01", 20_000, [])]
    d = claim_details(ledger, c3)
    assert (d["status"], d["fund"], d["institution"], d["person"]) == ("SETTLED", 16_000, INST, "0x" + pid.hex())
    with pytest.raises(InputError, match="^no claim 0x" + "00" * 31 + "01$"):
        require_claim(ledger, bytes(31) + b"\x01")
    f = fund_report(ledger, 500000)
    assert (f["balance"], f["settled"], f["law"]["holds"]) == (1_000_000 - 40_000, 40_000, True)
    with pytest.raises(InputError, match="region 999999 is not registered"):
        fund_report(ledger, 999999)
