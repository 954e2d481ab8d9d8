"""Supervision cases from the CLI alone, on both backends: screening finds a lead, a case is
opened from it, found, decided, contested, upheld with a new fine and finalized; the fine is
paid; the case's story and the claims' histories tell it; another case closes with no
violation; refusals are one line and exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_runner import Cli, nid, policy_entry
from yibao.chain.backend import dev_account
from yibao.units import day_of_timestamp

ID1 = nid("11010119900307427")
INST = dev_account(7).address


@pytest.fixture
def cli(deployed_cli: Cli, tmp_path: Path) -> Cli:
    c = deployed_cli
    c("role", "grant", "regulator", "dev1", "--region", "500000")
    c("role", "grant", "operator", "dev2", "--region", "500000", "--as", "dev1")
    c("role", "grant", "reviewer", "dev3", "--region", "500000", "--as", "dev1")
    from yibao.chain import Chain

    ts = Chain.connect(c.rpc).timestamp() if c.rpc else None
    today = day_of_timestamp(ts).isoformat() if ts else None
    policies = tmp_path / "policies.json"
    policies.write_text(json.dumps([policy_entry(500000, today or _wall_today())]))
    c("policy", "add", str(policies), "--as", "dev1")
    cat = tmp_path / "catalogue.csv"
    cat.write_text("region,code,category\n500000,XA01,A\n500000,XB01,A\n")
    c("catalogue", "load", str(cat), "--as", "dev1")
    c("institution", "add", "dev7", "--region", "500000", "--level", "3", "--as", "dev1")
    people = tmp_path / "people.csv"
    people.write_text(f"national_id,region,scheme,coverage_from,coverage_to\n{ID1},500000,EMPLOYEE,2020-01-01,"
                      "2099-12-31\n")
    c("enrol", "--csv", str(people), "--as", "dev2")
    return c


def _wall_today() -> str:
    import time

    return day_of_timestamp(int(time.time())).isoformat()


def _claim(cli: Cli, invoice: str, line: str, day: str | None = None) -> dict:
    args = ["claim", "submit", "--as", "dev7", "--invoice", invoice, "--id", ID1, "--line", line]
    return cli.json(*args, *(["--date", day] if day else []))


def test_a_lead_becomes_a_case_that_is_contested_upheld_and_finalized(cli: Cli) -> None:
    c1 = _claim(cli, "INV-1", "XA01:2:10000")
    day = c1["service_date"]
    c2 = _claim(cli, "INV-2", "XA01:1:10000", day)  # the same item the same day: DUP_BILLING
    c3 = _claim(cli, "INV-3", "XB01:1:5000", day)
    assert {c["status"] for c in (c1, c2, c3)} == {"APPROVED"}
    cli("index")
    leads = cli.json("screen")["leads"]
    (dup,) = [x for x in leads if x["rule"] == "DUP_BILLING"]
    assert sorted(dup["claims"]) == sorted([c1["claim_id"], c2["claim_id"]]) and dup["status"] == "OPEN"

    opened = cli.json("case", "open", "--lead", str(dup["id"]), "--evidence", "screening-run-1", "--as", "dev1")
    assert (opened["case"], opened["status"], opened["source"], opened["institution"]) == (1, "OPEN", "LEAD", INST)
    assert sorted(opened["claims"]) == sorted(dup["claims"])
    again = cli.json("screen")["leads"]
    assert [(x["status"], x["case"]) for x in again if x["id"] == dup["id"]] == [("CASE", 1)]
    doc, err = cli.refused("case", "open", "--lead", str(dup["id"]), "--as", "dev1")
    assert err.strip() == f"error: --lead {dup['id']} was taken up by case 1" and doc["error"] == "InputError"

    found = cli.json("case", "find", "1", "--claim", c1["claim_id"], "--claim", c2["claim_id"], "--code",
                     "DUP_BILLING", "--evidence", "ward-visit", "--as", "dev1")
    assert (found["status"], found["newly_found"]) == ("INVESTIGATING", 2)
    decided = cli.json("case", "decide", "1", "--article", "38", "--fine-bps", "15000", "--as", "dev1")
    loss = c1["fund"] + c2["fund"]
    assert (decided["status"], decided["loss"], decided["fine"]) == ("NOTIFIED", loss, loss * 15_000 // 10_000)
    doc, _ = cli.refused("case", "contest", "1", "--as", "dev3")
    assert doc["name"] == "CaseNotOwned"
    assert cli.json("case", "contest", "1", "--as", "dev7")["status"] == "CONTESTED"
    doc, _ = cli.refused("case", "rule", "1", "--upheld", "--as", "dev1")  # the regulator does not rule
    assert doc["name"] == "AccessControlUnauthorizedAccount"
    ruled = cli.json("case", "rule", "1", "--upheld", "--fine-bps", "12000", "--as", "dev3")
    assert (ruled["status"], ruled["fine"]) == ("NOTIFIED", loss * 12_000 // 10_000)
    final = cli.json("case", "finalize", "1", "--as", "dev1")
    assert (final["status"], final["outcome"]) == ("CLOSED", "PENALIZED")
    assert sorted(final["rejected"]) == sorted([c1["claim_id"], c2["claim_id"]]) and final["clawed_back"] == []
    fine = loss * 12_000 // 10_000
    assert final["fine"] == fine

    shown = cli.json("fine", "show", "dev7")
    assert (shown["owed"], shown["paid"], shown["score"], shown["grade"]) == (fine, 0, 90, "A")
    paid = cli.json("fine", "pay", "dev7", "--amount", str(fine - 1), "--ref", "treasury-1", "--as", "dev1")
    assert paid["owed"] == 1
    doc, _ = cli.refused("fine", "pay", "dev7", "--amount", "2", "--as", "dev1")
    assert doc["name"] == "FineExceedsOwed"

    story = cli.json("case", "show", "1")
    assert [s["step"] for s in story["steps"]] == [
        "opened", "finding", "decided", "contested", "ruled", "claim_rejected", "claim_rejected", "fine_owed",
        "credit", "closed"]
    assert story["case"]["status"] == "CLOSED" and sorted(story["found"]) == sorted(dup["claims"])
    assert story["steps"][0]["by"] == dev_account(1).address and story["steps"][3]["by"] == INST
    history = cli.json("claim", "history", c1["claim_id"])["steps"]
    assert history[-1]["step"] == "rejected_by_case" and history[-1]["case"] == 1
    assert cli.json("claim", "show", c1["claim_id"])["reason"] == "SUPERVISION"
    code, out, _ = cli("case", "show", "1")
    assert code == 0 and "claim_rejected" in out and "PENALIZED" in out

    # another case, closed with no violation; the list; the index keeps the cases
    other = cli.json("case", "open", "dev7", "--claim", c3["claim_id"], "--source", "TIP", "--as", "dev1")
    assert other["case"] == 2
    doc, _ = cli.refused("case", "decide", "2", "--article", "38", "--fine-bps", "10000", "--as", "dev1")
    assert doc["name"] == "CaseHasNoFinding"
    assert cli.json("case", "close", "2", "--as", "dev1")["outcome"] == "NO_VIOLATION"
    listed = cli.json("case", "list")
    assert [(x["id"], x["outcome"]) for x in listed["cases"]] == [(2, "NO_VIOLATION"), (1, "PENALIZED")]
    assert [x["id"] for x in cli.json("case", "list", "--status", "closed")["cases"]] == [2, 1]
    cli("index")
    assert cli.json("claim", "show", c3["claim_id"])["status"] == "APPROVED"


BAD = [
    (["case", "open", "--source", "TIP"], "give the claims one way: --claim ID (repeatable), --invoice INV"),
    (["case", "open", "--claim", "0x" + "ab" * 32], "--source is required with --claim"),
    (["case", "open", "--claim", "0x" + "ab" * 32, "--source", "REFERRAL"], "--by-region goes with --source REFERRAL"),
    (["case", "open", "--claim", "0x12", "--source", "TIP"], "is not a claim id"),
    (["case", "open", "--lead", "1", "--source", "WHISPER"], "--source 'WHISPER': one of LEAD, TIP"),
    (["case", "decide", "1", "--article", "39", "--fine-bps", "10000"], "--article 39: 38 (over-billing) or 40"),
    (["case", "rule", "1", "--dismissed", "--fine-bps", "100"], "--fine-bps goes with --upheld"),
    (["case", "find", "1", "--claim", "0x" + "ab" * 32, "--code", "lower"], "reason"),
    (["case", "find", "1", "--code", "PHANTOM"], "--claim is required"),
    (["case", "show", "7"], "no case 7"),
    (["case", "list", "--status", "DONE"], "--status 'DONE': one of OPEN"),
    (["case", "open", "--lead", "3", "--as", "dev1"], "no index at"),
    (["case", "finalize", "9", "--as", "dev1"], "CaseUnknown"),
    (["fine", "pay", "dev7", "--amount", "0", "--as", "dev1"], "fen must be 1.."),
    (["fine", "pay", "dev7", "--amount", "5", "--as", "dev1"], "InstitutionUnknown"),
]


@pytest.mark.parametrize("deployed_cli", ["embedded"], indirect=True)
def test_bad_case_input_is_one_line_and_exit_2(deployed_cli: Cli) -> None:
    for args, message in BAD:
        doc, err = deployed_cli.refused(*args)
        assert message in err and doc["ok"] is False, (args, err)
