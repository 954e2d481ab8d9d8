"""The query side of the CLI (issue 11 §2) end to end, on both backends: the reviewer's queue
(``claim list``), the regulator's alerts (``alerts``, ``--follow`` included), what is
configured (``region``/``institution``/``policy``/``catalogue`` ``list`` and ``show``), a
person's counters of the year, ``person renew``, ``person cancel-filing``, ``catalogue remove``,
and the off-chain names of institutions and items.

Figures by hand, from cli_runner.policy_entry: outpatient deductible 100.00 元, ratio 80 % at
level 3 and 85 % at level 2, review above a fund share of 1,000.00 元.
"""

from __future__ import annotations

import gc
import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from cli_runner import Cli, nid, policy_entry
from test_cli_after import chain_today
from yibao.chain.backend import dev_account

ID1 = nid("11010119900307427")
ID2 = nid("50010119850612001")
INST7 = dev_account(7).address
INST8 = dev_account(8).address
CLI = "import sys; from yibao.cli import main; sys.argv[0] = 'yibao'; main()"


@pytest.fixture
def cli(deployed_cli: Cli, tmp_path: Path) -> Cli:
    """Roles, a policy of today in 500000, a named catalogue, two institutions (one named) and
    two people covered 2020-2099."""
    c = deployed_cli
    for region in ("500000", "440100"):
        c("role", "grant", "regulator", "dev1", "--region", region)
    c("role", "grant", "operator", "dev2", "--region", "500000", "--as", "dev1")
    c("role", "grant", "reviewer", "dev3", "--region", "500000", "--as", "dev1")
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps(policy_entry(500000, chain_today(c))))
    c("policy", "add", str(policy), "--as", "dev1")
    items = tmp_path / "items.csv"
    items.write_text("region,code,category,price_cap,name\n500000,XA01,A,,阿莫西林胶囊\n500000,XB01,B,5000,\n"
                     "440100,XA01,A,,Amoxicillin 0.25 g\n")
    c("catalogue", "load", str(items), "--as", "dev1")
    c("institution", "add", "dev7", "--region", "500000", "--level", "3", "--name", "重庆市第一人民医院",
      "--as", "dev1")
    c("institution", "add", "dev8", "--region", "500000", "--level", "2", "--as", "dev1")
    for who in (ID1, ID2):
        c("enrol", "--id", who, "--region", "500000", "--from", "2020-01-01", "--to", "2099-12-31", "--as", "dev2")
    return c


def _submit(cli: Cli, inst: str, invoice: str, who: str, line: str) -> dict:
    return cli.json("claim", "submit", "--as", inst, "--invoice", invoice, "--id", who, "--line", line)


def _ids(doc: dict) -> list[str]:
    return [r["claim_id"] for r in doc["claims"]]


def test_the_review_queue_and_the_alerts(cli: Cli) -> None:
    # c1: 2,000.00 − 100.00 deductible at 80 % = 1,520.00 > 1,000.00: FLAGGED
    c1 = _submit(cli, "dev7", "INV-1", ID1, "XA01:10:20000")
    c2 = _submit(cli, "dev7", "INV-2", ID1, "XA01:1:12550")  # 125.50 × 80 % = 100.40, APPROVED
    c3 = _submit(cli, "dev8", "INV-1", ID2, "XA01:10:20000")  # (2,000 − 100) × 85 % = 1,615.00: FLAGGED
    dup = _submit(cli, "dev7", "INV-2", ID1, "XA01:1:12550")  # a DUPLICATE is not another claim
    assert [c["status"] for c in (c1, c2, c3)] == ["FLAGGED", "APPROVED", "FLAGGED"]
    assert (c1["fund"], c2["fund"], c3["fund"]) == (152_000, 10_040, 161_500)
    assert dup["reason"] == "DUPLICATE" and dup["claim_id"] == c2["claim_id"]

    queue = cli.json("claim", "list", "--status", "FLAGGED")
    assert _ids(queue) == [c1["claim_id"], c3["claim_id"]] and queue["total"] == 2
    first = queue["claims"][0]
    assert (first["institution"], first["institution_name"], first["billed"], first["fund"], first["patient"]) == (
        INST7, "重庆市第一人民医院", 200_000, 152_000, 48_000)
    assert first["tx"] == c1["tx"] and first["flags"] == ["REVIEW_THRESHOLD"]
    assert queue["claims"][1]["institution_name"] is None

    # the year's counters of ID1 (both claims count at submission): deductible used up, caps less 1,620.40
    year = cli.json("person", "show", "--id", ID1)["year"]
    assert (year["deductible_used"], year["deductible_left"], year["op_fund_used"], year["fund_used"]) == (
        10_000, 0, 162_040, 162_040)
    assert (year["op_cap_left"], year["annual_cap_left"]) == (10_000_000 - 162_040, 50_000_000 - 162_040)
    assert (year["visits_this_month"], year["monthly_visit_limit"], year["visits_left"]) == (2, 0, None)
    assert year["as_of"] == chain_today(cli) and sum(year["visits_by_month"]) == 2

    cli("review", "approve", c3["claim_id"], "--reason", "DOCS_OK", "--as", "dev3")
    cli("settle", "dev8", "--as", "dev1")
    cli("review", "reject", c1["claim_id"], "--reason", "OVER_LIMIT", "--as", "dev3")
    assert _ids(cli.json("claim", "list", "--status", "REJECTED")) == [c1["claim_id"]]
    cli("appeal", c1["claim_id"], "--as", "dev7")

    # the status listed is the current one, not the one at submission
    every = cli.json("claim", "list")
    assert _ids(every) == [c1["claim_id"], c2["claim_id"], c3["claim_id"]]
    assert [r["status"] for r in every["claims"]] == ["APPEALED", "APPROVED", "SETTLED"]
    for r in every["claims"]:
        assert cli.json("claim", "show", r["claim_id"])["status"] == r["status"]
    assert cli.json("claim", "list", "--status", "FLAGGED")["claims"] == []
    assert _ids(cli.json("claim", "list", "--status", "APPEALED")) == [c1["claim_id"]]
    assert _ids(cli.json("claim", "list", "--status", "SETTLED", "--status", "APPROVED")) == [
        c2["claim_id"], c3["claim_id"]]
    assert _ids(cli.json("claim", "list", "--institution", "dev8")) == [c3["claim_id"]]
    assert _ids(cli.json("claim", "list", "--institution", "dev7", "--status", "APPROVED")) == [c2["claim_id"]]
    assert _ids(cli.json("claim", "list", "--id", ID2)) == [c3["claim_id"]]
    p1 = cli.json("person", "show", "--id", ID1)["pseudonym"]
    assert _ids(cli.json("claim", "list", "--pseudonym", p1)) == [c1["claim_id"], c2["claim_id"]]
    today = chain_today(cli)
    assert cli.json("claim", "list", "--from", today, "--to", today)["total"] == 3
    assert cli.json("claim", "list", "--to", "2020-01-01")["total"] == 0
    _check_paging(cli, [c1["claim_id"], c2["claim_id"], c3["claim_id"]])
    _check_alerts(cli, c1, c3, dup)
    _check_refusals(cli)
    code, out, _ = cli("claim", "list", "--status", "APPEALED")
    assert code == 0 and "APPEALED" in out and c1["claim_id"] in out and "claims 1-1 of 1" in out
    _check_after_appeal(cli, [c1["claim_id"], c2["claim_id"], c3["claim_id"]])
    _check_follow(cli, today)


def _check_after_appeal(cli: Cli, ids: list[str]) -> None:
    """The appeal approved by another reviewer, dev7 settled, and c3 clawed back."""
    cli("role", "grant", "reviewer", "dev4", "--region", "500000", "--as", "dev1")
    cli("review", "approve", ids[0], "--reason", "DOCS_OK", "--as", "dev4")
    cli("settle", "dev7", "--as", "dev1")
    cli("clawback", ids[2], "--reason", "UPCODING", "--as", "dev1")
    every = cli.json("claim", "list")
    assert [r["status"] for r in every["claims"]] == ["SETTLED", "SETTLED", "CLAWED_BACK"]
    for r in every["claims"]:
        assert cli.json("claim", "show", r["claim_id"])["status"] == r["status"]
    assert _ids(cli.json("claim", "list", "--status", "CLAWED_BACK")) == ids[2:]


def _check_paging(cli: Cli, ids: list[str]) -> None:
    page = cli.json("claim", "list", "--limit", "2")
    assert (_ids(page), page["total"], page["next_offset"]) == (ids[:2], 3, 2)
    page = cli.json("claim", "list", "--limit", "2", "--offset", "2")
    assert (_ids(page), page["total"], page["next_offset"]) == (ids[2:], 3, None)
    assert cli.json("claim", "list", "--offset", "5")["claims"] == []


def _check_alerts(cli: Cli, c1: dict, c3: dict, dup: dict) -> None:
    doc = cli.json("alerts")
    got = [(a["kind"], a["claim_id"], a["institution"]) for a in doc["alerts"]]
    assert got == [("REVIEW_THRESHOLD", c1["claim_id"], INST7), ("REVIEW_THRESHOLD", c3["claim_id"], INST8),
                   ("DUPLICATE", dup["claim_id"], INST7)]
    assert doc["alerts"][0]["institution_name"] == "重庆市第一人民医院" and doc["alerts"][0]["tx"] == c1["tx"]
    assert all(a["time"].endswith("+08:00") for a in doc["alerts"])
    assert [a["claim_id"] for a in cli.json("alerts", "--kind", "DUPLICATE")["alerts"]] == [dup["claim_id"]]
    assert [a["claim_id"] for a in cli.json("alerts", "--institution", "dev8")["alerts"]] == [c3["claim_id"]]
    assert cli.json("alerts", "--kind", "OVERCLAIM", "--kind", "VISIT_LIMIT")["total"] == 0
    assert cli.json("alerts", "--since", chain_today(cli))["total"] == 3
    assert cli.json("alerts", "--since", "2099-01-01")["total"] == 0
    page = cli.json("alerts", "--limit", "1", "--offset", "1")
    assert ([a["claim_id"] for a in page["alerts"]], page["next_offset"]) == ([c3["claim_id"]], 2)


def _check_refusals(cli: Cli) -> None:
    _, err = cli.refused("claim", "list", "--institution", "dev9")
    assert "is not registered" in err
    _, err = cli.refused("claim", "list", "--from", "2026-02-01", "--to", "2026-01-01")
    assert "before --from" in err
    _, err = cli.refused("claim", "list", "--status", "PENDING")
    assert "not a claim status" in err
    _, err = cli.refused("claim", "list", "--limit", "0")
    assert "1..10000" in err
    _, err = cli.refused("alerts", "--follow", "--limit", "5")
    assert "--follow" in err
    _, err = cli.refused("alerts", "--max-wait", "5")
    assert "give --follow" in err


#: A follower as a terminal's foreground job runs: Ctrl-C raises KeyboardInterrupt. (A shell
#: without job control starts background jobs with SIGINT ignored, and the ignoring is
#: inherited down to this test's subprocess: a `make test &` would see SIGINT do nothing.)
FOREGROUND = "import signal; signal.signal(signal.SIGINT, signal.default_int_handler); "


def _follower(cli: Cli, *args: str) -> subprocess.Popen[str]:
    gc.collect()  # this process lets go of the embedded chain's journal lock
    return subprocess.Popen([sys.executable, "-c", FOREGROUND + CLI, "alerts", "--follow", "--json", "--home",
                             str(cli.home), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _check_follow(cli: Cli, today: str) -> None:
    # ends by itself: at once without new alerts, or after --until-count of the old ones
    assert cli("alerts", "--follow", "--max-wait", "0")[1] == ""
    _, out, _ = cli("alerts", "--follow", "--since", today, "--until-count", "2", "--json")
    assert [json.loads(x)["kind"] for x in out.splitlines()] == ["REVIEW_THRESHOLD", "REVIEW_THRESHOLD"]
    # a new alert mined while it follows is printed; then --until-count ends it with status 0
    proc = _follower(cli, "--since", today, "--until-count", "4", "--max-wait", "120")
    assert proc.stdout is not None
    try:
        old = [json.loads(proc.stdout.readline())["kind"] for _ in range(3)]
        assert old == ["REVIEW_THRESHOLD", "REVIEW_THRESHOLD", "DUPLICATE"]
        c5 = _submit(cli, "dev7", "INV-5", ID1, "XA01:10:20000")  # 1,600.00 > 1,000.00: an alert
        gc.collect()
        new = json.loads(proc.stdout.readline())
        assert (new["kind"], new["claim_id"], new["tx"]) == ("REVIEW_THRESHOLD", c5["claim_id"], c5["tx"])
        assert proc.wait(timeout=60) == 0, proc.stderr.read() if proc.stderr else ""
    finally:
        proc.kill()
    # SIGTERM and Ctrl-C (SIGINT) end a follow with status 0
    for sig in (signal.SIGTERM, signal.SIGINT):
        proc = _follower(cli, "--since", today, "--max-wait", "120")
        assert proc.stdout is not None
        try:
            assert json.loads(proc.stdout.readline())["kind"] == "REVIEW_THRESHOLD"
            proc.send_signal(sig)
            assert proc.wait(timeout=60) == 0, sig
        finally:
            proc.kill()


def test_what_is_configured_with_names(cli: Cli) -> None:
    regions = cli.json("region", "list")["regions"]
    assert [(r["code"], r["name"], r["opening_balance"], r["balance"]) for r in regions] == [
        (500000, "Chongqing", 100_000_000, 100_000_000), (440100, "Guangzhou", 0, 0)]
    insts = cli.json("institution", "list")["institutions"]
    assert [(i["account"], i["name"], i["level"], i["region"]) for i in insts] == [
        (INST7, "重庆市第一人民医院", 3, 500000), (INST8, None, 2, 500000)]
    assert cli.json("institution", "list", "--region", "440100")["institutions"] == []
    assert cli.json("institution", "show", "dev7")["name"] == "重庆市第一人民医院"
    names = json.loads((cli.home / "names.json").read_text())
    assert names["institutions"] == {INST7: "重庆市第一人民医院"}

    items = cli.json("catalogue", "list")["items"]
    assert [(i["region"], i["code"], i["name"], i["category"], i["price_cap"]) for i in items] == [
        (440100, "XA01", "Amoxicillin 0.25 g", "A", 0), (500000, "XA01", "阿莫西林胶囊", "A", 0),
        (500000, "XB01", None, "B", 5000)]
    assert len(cli.json("catalogue", "list", "--region", "500000")["items"]) == 2
    shown = cli.json("catalogue", "show", "XA01")["items"]
    assert [(i["region"], i["name"]) for i in shown] == [(500000, "阿莫西林胶囊"), (440100, "Amoxicillin 0.25 g")]
    cli("catalogue", "remove", "XA01", "--region", "500000", "--as", "dev1")
    assert [i["code"] for i in cli.json("catalogue", "list", "--region", "500000")["items"]] == ["XB01"]
    _, err = cli.refused("catalogue", "show", "XA01", "--region", "500000")
    assert "no catalogue item 'XA01' in region 500000" in err
    assert json.loads((cli.home / "names.json").read_text())["items"] == {"440100": {"XA01": "Amoxicillin 0.25 g"}}
    doc, _ = cli.refused("catalogue", "remove", "XZ99", "--region", "500000", "--as", "dev1")
    assert doc["name"] == "ItemUnknown"

    today = chain_today(cli)
    policies = cli.json("policy", "list")["policies"]
    assert [(p["region"], p["scheme"], p["effective_from"], p["effective_to"], p["op_deductible"])
            for p in policies] == [(500000, "EMPLOYEE", today, None, 10_000)]
    assert cli.json("policy", "list", "--region", "440100")["policies"] == []
    shown = cli.json("policy", "show", "--region", "500000")
    assert shown["date"] == today and [p["review_threshold"] for p in shown["policies"]] == [100_000]
    assert shown["policies"][0]["op_ratio_bps"] == [5000, 9000, 8500, 8000]
    _, err = cli.refused("policy", "show", "--region", "500000", "--scheme", "RESIDENT")
    assert "no RESIDENT policy of 500000" in err
    _, err = cli.refused("policy", "show", "--region", "500000", "--date", "2020-01-01")
    assert "no policy of 500000 is in force on 2020-01-01" in err
    _, err = cli.refused("institution", "list", "--region", "310000")
    assert "region 310000 is not registered" in err
    for argv in (("region", "list"), ("institution", "list"), ("catalogue", "list"), ("policy", "list")):
        assert cli(*argv)[0] == 0


def test_renew_and_cancel_filing(cli: Cli) -> None:
    cli("person", "renew", "--id", ID2, "--to", "2100-12-31", "--scheme", "RESIDENT", "--as", "dev2")
    p = cli.json("person", "show", "--id", ID2)
    assert (p["coverage_from"], p["coverage_to"], p["scheme"]) == ("2020-01-01", "2100-12-31", "RESIDENT")
    assert p["year"]["policy_from"] is None  # no RESIDENT policy: counters only
    _, err = cli.refused("person", "renew", "--id", ID2, "--to", "2099-12-31", "--as", "dev2")
    assert "renew extends coverage" in err
    _, err = cli.refused("person", "renew", "--id", ID2, "--to", "2101-12-31", "--as", "dev3")
    assert "lacks the role operator of 500000" in err
    cli("person", "add-filing", "--id", ID1, "--region", "440100", "--from", "2030-03-01", "--to", "2030-06-30",
        "--as", "dev2")
    assert cli.json("person", "show", "--id", ID1)["filings"] == [
        {"region": 440100, "from": "2030-03-01", "to": "2030-06-30"}]
    cli("person", "cancel-filing", "--id", ID1, "--region", "440100", "--from", "2030-03-01", "--as", "dev2")
    assert cli.json("person", "show", "--id", ID1)["filings"] == []
    wallet = dev_account(9).address
    cli("person", "set-wallet", "--id", ID1, "--wallet", wallet, "--as", "dev2")
    assert cli.json("person", "show", "--id", ID1)["wallet"] == wallet
    cli("person", "set-wallet", "--id", ID1, "--clear", "--as", "dev2")
    assert cli.json("person", "show", "--id", ID1)["wallet"] is None
    _, err = cli.refused("person", "set-wallet", "--id", ID1, "--as", "dev2")
    assert "--wallet ADDRESS or --clear" in err
