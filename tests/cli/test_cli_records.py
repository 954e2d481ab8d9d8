"""The patient's side from the CLI alone, on both backends — the README's walk: the operator
binds the patient's key; a hospital keeps a record; the patient grants a doctor; the doctor
reads; a regulator reads under a case; the patient revokes with --rotate; the trail shows the
three reads and nothing else; the patient's claims, payments and a dispute; refusals are one
line, exit 2, and serve no bytes."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from cli_runner import Cli, nid, policy_entry
from yibao.chain.backend import dev_account
from yibao.units import day_of_timestamp

ID1 = nid("11010119900307427")
HOSP, DOCTOR = dev_account(7).address, dev_account(8).address
UNTIL = "2027-06-30"  # within ten years of the chain's today on both backends
NOTE = "出院小结: 2026 肺炎, 头孢曲松 2 g qd × 7 天\n"


@pytest.fixture
def cli(deployed_cli: Cli, tmp_path: Path) -> Cli:
    c = deployed_cli
    c("role", "grant", "regulator", "dev1", "--region", "500000")
    c("role", "grant", "operator", "dev2", "--region", "500000", "--as", "dev1")
    from yibao.chain import Chain

    ts = Chain.connect(c.rpc).timestamp() if c.rpc else None
    today = day_of_timestamp(ts).isoformat() if ts else None
    policies = tmp_path / "policies.json"
    import time

    policies.write_text(json.dumps([policy_entry(500000, today or day_of_timestamp(int(time.time())).isoformat())]))
    c("policy", "add", str(policies), "--as", "dev1")
    cat = tmp_path / "catalogue.csv"
    cat.write_text("region,code,category\n500000,XA01,A\n")
    c("catalogue", "load", str(cat), "--as", "dev1")
    c("institution", "add", "dev7", "--region", "500000", "--level", "3", "--as", "dev1")
    c("institution", "add", "dev8", "--region", "500000", "--level", "2", "--as", "dev1")
    people = tmp_path / "people.csv"
    people.write_text(f"national_id,region,scheme,coverage_from,coverage_to\n{ID1},500000,EMPLOYEE,2020-01-01,"
                      "2099-12-31\n")
    c("enrol", "--csv", str(people), "--as", "dev2")
    password = tmp_path / "pw"
    password.write_text("patient-app\n")
    os.chmod(password, 0o600)
    c("key", "new", "alice", "--password-file", str(password), "--light-kdf")
    os.environ["YIBAO_KEY_PASSWORD_ALICE"] = "patient-app"
    c("person", "bind-wallet", "--id", ID1, "--wallet", "alice", "--as", "dev2")
    return c


@pytest.fixture(autouse=True)
def _no_password_left() -> object:
    yield None
    os.environ.pop("YIBAO_KEY_PASSWORD_ALICE", None)


def test_a_patient_grants_a_doctor_a_regulator_reads_under_a_case_and_the_trail_shows_both(
        cli: Cli, tmp_path: Path) -> None:
    note = tmp_path / "discharge.txt"
    note.write_text(NOTE, encoding="utf-8")
    put = cli.json("record", "put", str(note), "--person", ID1, "--as", "dev7")
    assert (put["record"], put["custodian"]) == (1, HOSP)
    envelope = next((cli.home / "records" / HOSP).glob("*.rec"))
    assert NOTE.encode() not in envelope.read_bytes()
    assert cli.json("record", "verify", "1", str(envelope))["verified"] is True
    kept = tmp_path / "v1.rec"  # a copy of version 1, as a reviewer might hold it
    kept.write_bytes(envelope.read_bytes())

    doc, err = cli.refused("record", "get", "1", "--as", "dev8")
    assert "holds no active consent for record 1" in err
    cli("record", "key", "--as", "dev8")
    granted = cli.json("record", "grant", "1", "--to", "dev8", "--purpose", "TREATMENT", "--until", UNTIL,
                       "--as", "alice")
    assert granted["consent"] == 1
    got = cli.json("record", "get", "1", "--as", "dev8", "--out", str(tmp_path / "read.txt"))
    assert (got["text"], got["basis"], got["purpose"]) == (NOTE, "CONSENT", "TREATMENT")
    assert (tmp_path / "read.txt").read_text(encoding="utf-8") == NOTE

    claim = cli.json("claim", "submit", "--as", "dev7", "--invoice", "INV-1", "--id", ID1, "--line", "XA01:1:10000",
                     "--documents", "record:1")  # the billed document is record 1: a reviewer can hold it to the chain
    shown = cli.json("claim", "show", claim["claim_id"])
    assert (shown["documents"], shown["documents_record"]) == (put["content_hash"], {"record": 1, "version": 1})
    doc, err = cli.refused("claim", "submit", "--as", "dev8", "--invoice", "INV-2", "--id", ID1, "--line",
                           "XA01:1:100", "--documents", "record:1")
    assert "is kept by" in err
    cli("case", "open", "dev7", "--claim", claim["claim_id"], "--source", "TIP", "--as", "dev1")
    by_case = cli.json("record", "get", "1", "--case", "1", "--as", "dev1")  # a first read makes the key too
    assert (by_case["text"], by_case["basis"]) == (NOTE, "CASE")

    revoked = cli.json("record", "revoke", "1", "--rotate", "--as", "alice")
    assert [r["version"] for r in revoked["rotated"]] == [2]
    doc, _ = cli.refused("record", "get", "1", "--consent", "1", "--as", "dev8")
    assert doc["name"] == "ConsentInactive"
    assert not envelope.exists()  # retired from the custodian's store
    doc, err = cli.refused("record", "verify", "1", str(kept))
    assert doc["error"] == "RecordTampered" and "version 1 of record 1, retired" in err
    consents = cli.json("record", "consents", "--id", ID1)["consents"]
    assert [(c["id"], c["active"]) for c in consents] == [(1, False)]

    trail = cli.json("patient", "trail", "--as", "alice")["trail"]
    assert [(t["reader"], t["basis"]) for t in trail] == [(DOCTOR, "CONSENT"), (dev_account(1).address, "CASE")]
    assert cli.json("record", "trail", "--id", ID1)["trail"] == trail
    _, out, _ = cli("patient", "trail", "--as", "alice", "--fhir")
    events = [e["resource"] for e in json.loads(out)["entry"]]
    assert [(e["resourceType"], e["agent"][0]["purposeOfUse"][0]["coding"][0]["code"]) for e in events] == [
        ("AuditEvent", "TREAT"), ("AuditEvent", "HCOMPL")]
    _, out, _ = cli("record", "consents", "--id", ID1, "--fhir")
    assert [(e["resource"]["resourceType"], e["resource"]["status"]) for e in json.loads(out)["entry"]] == [
        ("Consent", "inactive")]


def test_the_patient_sees_own_claims_and_disputes_one(cli: Cli) -> None:
    c1 = cli.json("claim", "submit", "--as", "dev7", "--invoice", "INV-1", "--id", ID1, "--line", "XA01:2:10000")
    mine = cli.json("patient", "claims", "--as", "alice")
    (row,) = mine["claims"]
    assert (row["claim_id"], row["billed"], row["fund"], row["patient"], row["feedback"]) == (
        c1["claim_id"], c1["billed"], c1["fund"], c1["patient"], "NONE")
    assert mine["year"]["deductible_used"] == c1["deductible"]
    pay = cli.json("patient", "payments", "--as", "alice")["payments"]
    assert [(p["claim_id"], p["settled"]) for p in pay] == [(c1["claim_id"], None)]
    disputed = cli.json("patient", "dispute", c1["claim_id"], "--code", "NOT_RECEIVED", "--as", "alice")
    assert disputed["alert"] is True
    alerts = cli.json("alerts", "--kind", "PATIENT_DISPUTE")["alerts"]
    assert [a["claim_id"] for a in alerts] == [c1["claim_id"]]
    doc, _ = cli.refused("patient", "confirm", c1["claim_id"], "--as", "alice")
    assert doc["name"] == "FeedbackInvalid"
    doc, err = cli.refused("patient", "claims", "--as", "dev8")
    assert "is bound to no person" in err
    doc, err = cli.refused("patient", "dispute", c1["claim_id"], "--code", "WRONG", "--as", "alice")
    assert "NOT_RECEIVED or NOT_AS_BILLED" in err


def _chain_bytes(cli: Cli) -> list[bytes]:
    """Every transaction's calldata, every receipt's logs (topics and data) of the home's chain."""
    from yibao.workspace import Workspace

    ledger = Workspace.at(cli.home).ledger(signs=False, rpc=cli.rpc)
    w3 = ledger.chain.w3
    found: list[bytes] = []
    try:
        for number in range(ledger.chain.block_number() + 1):
            block = w3.eth.get_block(number, full_transactions=True)
            for tx in block["transactions"]:
                found.append(bytes(tx["input"] if "input" in tx else tx["data"]))
                receipt = w3.eth.get_transaction_receipt(tx["hash"])
                for log in receipt["logs"]:
                    found += [bytes(t) for t in log["topics"]] + [bytes(log["data"])]
    finally:
        ledger.chain.close()
    return found


def test_no_record_text_and_no_national_id_on_chain_or_in_the_index(cli: Cli, tmp_path: Path) -> None:
    """A whole story, then every transaction's calldata, every log and the index are scanned for
    the record's plaintext and the national ID: neither appears (nor any 16-byte piece of the text)."""
    note = tmp_path / "record.txt"
    note.write_text(NOTE, encoding="utf-8")
    cli("record", "put", str(note), "--person", ID1, "--as", "dev7")
    cli("record", "key", "--as", "dev8")
    cli("record", "grant", "--all", "--to", "dev8", "--purpose", "TREATMENT", "--until", UNTIL, "--as", "alice")
    cli("record", "get", "1", "--as", "dev8")
    claim = cli.json("claim", "submit", "--as", "dev7", "--invoice", "INV-9", "--id", ID1, "--line", "XA01:1:10000")
    cli("patient", "dispute", claim["claim_id"], "--code", "NOT_AS_BILLED", "--as", "alice")
    cli("record", "revoke", "1", "--rotate", "--as", "alice")
    cli("index")
    text = NOTE.encode()
    secrets = [text[i:i + 16] for i in range(0, len(text) - 16, 8)] + [ID1.encode(), ID1.encode("utf-16-le")]
    blobs = _chain_bytes(cli)
    pseudonym = bytes.fromhex(cli.json("person", "show", "--id", ID1)["pseudonym"][2:])
    assert any(pseudonym in b for b in blobs)  # the scan sees what is on chain: the pseudonym is
    index = (cli.home / "index.db").read_bytes()
    for secret in secrets:
        assert not any(secret in b for b in blobs), secret
        assert secret not in index, secret
    for path in cli.home.rglob("*"):  # nor anywhere in the home but the patient's own record file, nowhere
        if path.is_file():
            assert text[:16] not in path.read_bytes(), path
