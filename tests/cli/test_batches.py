"""Batches that can be rerun, from the CLI: ``enrol --csv`` checks every row first (its
region's operator role and what is already on chain) and resumes; ``claim submit --file``
checks every line first, submits in batches, and a rerun sends only what is not on chain."""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path

import pytest
from cli_runner import Cli, nid, policy_entry
from yibao.chain import Chain
from yibao.client import Enrolment, Ledger
from yibao.client import batches as batches_module
from yibao.client.batches import enrol_resumable, submit_resumable
from yibao.identity import PseudonymKey
from yibao.evidence import digest_in
from yibao.io.claims import read_claims_jsonl
from yibao.io.enrolment import read_enrolment_rows
from yibao.errors import InputError
from yibao.units import from_day
from yibao.workspace import Workspace

ID1 = nid("11010119900307427")
ID2 = nid("50010119850612001")
ID3 = nid("44010619920101002")
#: Bad input exits with status 2 (cli/main.py: every YibaoError).
BAD_INPUT = 2


def chain_today(cli: Cli) -> dt.date:
    """The chain's today (CST): the node's clock, or the wall clock for the embedded chain."""
    ts = Chain.connect(cli.rpc).timestamp() if cli.rpc else int(time.time())
    return from_day((ts + 8 * 3600) // 86_400)


def policy(region: int, start: dt.date) -> dict:
    return policy_entry(region, start.isoformat())


def people_csv(path: Path, rows: list[tuple[str, int, str]]) -> Path:
    path.write_text("national_id,region,scheme,coverage_from,coverage_to\n"
                    + "".join(f"{i},{r},EMPLOYEE,2020-01-01,{to}\n" for i, r, to in rows))
    return path


@pytest.fixture
def cli(deployed_cli: Cli) -> Cli:
    deployed_cli("role", "grant", "regulator", "dev1", "--region", "500000")
    deployed_cli("role", "grant", "regulator", "dev1", "--region", "440100")
    deployed_cli("role", "grant", "operator", "dev2", "--region", "500000", "--as", "dev1")
    return deployed_cli


@pytest.fixture
def world(cli: Cli, tmp_path: Path) -> tuple[Cli, dt.date]:
    """A policy from the chain's today, two items, a hospital (dev7) and a pharmacy (dev8) in
    500000, and ID1 and ID2 enrolled there."""
    today = chain_today(cli)
    f = tmp_path / "policy.json"
    f.write_text(json.dumps([policy(500000, today)]))
    cli("policy", "add", str(f), "--as", "dev1")
    cat = tmp_path / "catalogue.csv"
    cat.write_text("region,code,category,price_cap\n500000,XA01,A,\n500000,XB01,B,5000\n")
    cli("catalogue", "load", str(cat), "--as", "dev1")
    cli("institution", "add", "dev7", "--region", "500000", "--level", "3", "--as", "dev1")
    cli("institution", "add", "dev8", "--region", "500000", "--level", "0", "--as", "dev1")
    rows = [(ID1, 500000, "2099-12-31"), (ID2, 500000, "2099-12-31")]
    cli("enrol", "--csv", str(people_csv(tmp_path / "p.csv", rows)), "--as", "dev2")
    return cli, today


def claims_file(path: Path, n: int, day: dt.date, start: int = 0) -> Path:
    lines = []
    for i in range(start, start + n):
        doc: dict = {"invoice": f"INV-{i:05d}", "id": ID1 if i % 2 else ID2, "date": day.isoformat(),
                     "lines": [{"code": "XA01", "qty": 1 + i % 3, "unit_price": 1_000 + i}]}
        if i % 5 == 0:
            doc |= {"visit": "INPATIENT", "discharge": day.isoformat(), "claimed_fund": 0}
        if i % 7 == 0:
            doc["lines"].append({"code": "XB01", "qty": 2, "unit_price": 6_000})
            doc["documents"] = f"scan-{i}"
        lines.append(json.dumps(doc))
    path.write_text("\n".join(lines) + "\n")
    return path


def open_ledger(cli: Cli, who: str) -> Ledger:
    ws = Workspace.at(cli.home)
    chain, manifest = ws.open_chain(cli.rpc, None)
    return Ledger.open(chain, manifest, ws.account(who))


# ---------------------------------------------------------------------- enrolment


def test_enrol_csv_checks_each_rows_region_role_first(cli: Cli, tmp_path: Path) -> None:
    f = people_csv(tmp_path / "people.csv", [(ID1, 500000, "2026-12-31"), (ID3, 440100, "2026-12-31")])
    code, _, err = cli("enrol", "--csv", str(f), "--as", "dev2", ok=False)
    assert code != 0 and err.count("\n") == 1
    assert "people.csv:3:" in err and "lacks the role operator of 440100" in err, err
    code, _, err = cli("person", "show", "--id", ID1, ok=False)
    assert "PersonUnknown" in err  # row 2 (line 2) was not written either
    cli("role", "grant", "operator", "dev2", "--region", "440100", "--as", "dev1")
    doc = cli.json("enrol", "--csv", str(f), "--as", "dev2")
    assert (doc["enrolled"], doc["skipped"], doc["transactions"]) == (2, 0, 1)


def test_enrol_csv_rerun_skips_the_same_and_refuses_other_data(cli: Cli, tmp_path: Path) -> None:
    rows = [(ID1, 500000, "2026-12-31"), (ID2, 500000, "2026-12-31")]
    f = people_csv(tmp_path / "people.csv", rows)
    assert cli.json("enrol", "--csv", str(f), "--as", "dev2")["enrolled"] == 2
    doc = cli.json("enrol", "--csv", str(f), "--as", "dev2")
    assert (doc["enrolled"], doc["skipped"], doc["transactions"]) == (0, 2, 0)
    changed = people_csv(tmp_path / "changed.csv", [rows[0], (ID2, 500000, "2027-06-30")])
    code, _, err = cli("enrol", "--csv", str(changed), "--as", "dev2", ok=False)
    assert code != 0 and "changed.csv:3:" in err and "already enrolled with other data" in err, err
    assert "coverage_to 2026-12-31 on chain" in err


def test_enrol_csv_resumes_after_a_failure_mid_way(cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [(nid(f"5001011980010{i:04d}"), 500000, "2026-12-31") for i in range(7)]
    f = people_csv(tmp_path / "people.csv", rows)
    ledger = open_ledger(cli, "dev2")
    entries = read_enrolment_rows(f, PseudonymKey.from_env_or_file(Workspace.at(cli.home).pseudonym_key_path))
    sent: list[int] = []

    def die_after_the_second_batch(n: int) -> None:
        sent.append(n)
        raise KeyboardInterrupt  # the process dies here; two batches of 3 are on chain

    monkeypatch.setattr(batches_module, "PIPELINE", 2)  # two batches in flight at a time
    with pytest.raises(KeyboardInterrupt):
        enrol_resumable(ledger, [e for _, e in entries], [lb for lb, _ in entries], batch_size=3,
                        progress=die_after_the_second_batch)
    ledger.chain.close()
    del ledger
    doc = cli.json("enrol", "--csv", str(f), "--as", "dev2", "--batch", "3")
    assert (doc["enrolled"], doc["skipped"], doc["transactions"]) == (1, 6, 1)


def test_enrol_library_names_entries_without_labels(cli: Cli) -> None:
    ledger = open_ledger(cli, "dev2")
    e = Enrolment(b"\x01" * 32, 440100, 0, dt.date(2026, 1, 1), dt.date(2026, 12, 31))  # type: ignore[arg-type]
    with pytest.raises(Exception, match=r"entry 1: .* lacks the role operator of 440100"):
        enrol_resumable(ledger, [e])
    with pytest.raises(Exception, match="--batch must be between 1 and 500"):
        enrol_resumable(ledger, [e], batch_size=0)
    ledger.chain.close()


# ---------------------------------------------------------------------- claims


def test_claim_file_is_submitted_in_batches_and_a_rerun_sends_nothing(world: tuple[Cli, dt.date],
                                                                      tmp_path: Path) -> None:
    cli, today = world
    f = claims_file(tmp_path / "claims.jsonl", 30, today)
    doc = cli.json("claim", "submit", "--file", str(f), "--as", "dev7", "--batch", "7")
    assert (doc["claims"], doc["submitted"], doc["already_on_chain"], doc["transactions"]) == (30, 30, 0, 5)
    assert sum(doc["statuses"].values()) == 30 and doc["duplicates"] == 0
    assert [d["invoice"] for d in doc["decisions"]] == [f"INV-{i:05d}" for i in range(30)]
    assert all(d["submitted"] and d["reason"] != "DUPLICATE" for d in doc["decisions"])
    shown = cli.json("claim", "show", "--institution", "dev7", "--invoice", "INV-00003")
    assert shown["status"] == doc["decisions"][3]["status"]

    again = cli.json("claim", "submit", "--file", str(f), "--as", "dev7", "--batch", "7")
    assert (again["submitted"], again["already_on_chain"], again["transactions"]) == (0, 30, 0)
    assert again["statuses"] == doc["statuses"] and again["duplicates"] == 0
    _, out, _ = cli("claim", "submit", "--file", str(f), "--as", "dev7")
    assert "30 claims: 0 submitted" in out and "30 already on chain" in out


def test_claim_file_resumes_after_a_failure_mid_way(world: tuple[Cli, dt.date], tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    cli, today = world
    f = claims_file(tmp_path / "claims.jsonl", 12, today)
    ledger = open_ledger(cli, "dev7")
    entries = read_claims_jsonl(f, PseudonymKey.from_env_or_file(
        Workspace.at(cli.home).pseudonym_key_path).pseudonym, today, digest_in(cli.home))
    batches: list[int] = []

    def die_after_the_first_batch(n: int) -> None:
        batches.append(n)
        raise KeyboardInterrupt

    monkeypatch.setattr(batches_module, "PIPELINE", 2)  # two batches in flight: the first group is 10 claims
    with pytest.raises(KeyboardInterrupt):
        submit_resumable(ledger, [e.claim for e in entries], [e.label for e in entries], batch_size=5,
                         progress=die_after_the_first_batch)
    ledger.chain.close()
    del ledger
    doc = cli.json("claim", "submit", "--file", str(f), "--as", "dev7", "--batch", "5")
    assert batches == [10]
    assert (doc["submitted"], doc["already_on_chain"], doc["transactions"]) == (2, 10, 1)
    assert doc["duplicates"] == 0 and [d["submitted"] for d in doc["decisions"]] == [False] * 10 + [True] * 2


GOOD = {"invoice": "B-1", "id": ID1, "lines": [{"code": "XA01", "qty": 1, "unit_price": 100}]}


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"lines": [{"code": "XA01", "qty": 0, "unit_price": 100}]}, "lines[1].qty: must be an integer ≥ 1"),
        ({"lines": []}, "lines: must be a non-empty list"),
        ({"lines": [{"code": "XA01", "qty": 1, "unit_price": -1}]}, "lines[1].unit_price"),
        ({"lines": [{"code": "XA01", "qty": 1, "price": 1}]}, "lines[1].price: unknown field"),
        ({"invoice": None}, "invoice: required"),
        ({"pseudonym": "0x" + "11" * 32}, "id: give exactly one of id and pseudonym"),
        ({"id": "123"}, "id:"),
        ({"visit": "DENTAL"}, "visit:"),
        ({"date": "2026-02-30"}, "date:"),
        ({"date": "0001-01-01"}, "date: '0001-01-01' is before 1970-01-01"),
        ({"lines": [{"code": "XA01", "qty": True, "unit_price": 1}]}, "lines[1].qty: must be an integer"),
        ({"lines": [{"code": "é", "qty": 1, "unit_price": 1}]}, "lines[1].code:"),
        ({"discharge": "2026-01-02"}, "discharge: only an INPATIENT claim has one"),
        ({"visit": "INPATIENT"}, "discharge: required for an INPATIENT claim"),
        ({"visit": "INPATIENT", "date": "2026-02-02", "discharge": "2026-02-01"}, "discharge: 2026-02-01 is before"),
        ({"claimed_fund": 1.5}, "claimed_fund: must be an integer"),
        ({"colour": "red"}, "colour: unknown field"),
        ({"invoice": "B-0"}, "invoice: 'B-0' is also on line 1"),
    ],
)
def test_a_bad_claim_line_is_named_by_line_and_field(tmp_path: Path, change: dict, needle: str) -> None:
    bad = {k: v for k, v in (GOOD | change).items() if v is not None}
    f = tmp_path / "bad.jsonl"
    f.write_text(json.dumps(GOOD | {"invoice": "B-0"}) + "\n\n" + json.dumps(bad) + "\n")
    key = PseudonymKey(bytes(range(32)))
    with pytest.raises(InputError) as caught:
        read_claims_jsonl(f, key.pseudonym, dt.date(2026, 1, 1), digest_in(tmp_path))
    msg = str(caught.value)
    assert "\n" not in msg and f"{f}:3: " in msg and needle in msg, msg


def test_claim_file_refusals_before_anything_is_sent(world: tuple[Cli, dt.date], tmp_path: Path) -> None:
    cli, today = world
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(GOOD | {"invoice": "B-0"}) + "\n" + json.dumps(GOOD | {"lines": []}) + "\n")
    code, _, err = cli("claim", "submit", "--file", str(bad), "--as", "dev7", ok=False)
    assert code == BAD_INPUT and err.count("\n") == 1 and "bad.jsonl:2: lines: must be" in err, err
    code, _, err = cli("claim", "show", "--institution", "dev7", "--invoice", "B-0", ok=False)
    assert code != 0  # the good first line was not sent
    f = tmp_path / "c.jsonl"
    f.write_bytes(b"\xff\xfe{}\n")
    code, _, err = cli("claim", "submit", "--file", str(f), "--as", "dev7", ok=False)
    assert code == BAD_INPUT and "not UTF-8" in err
    f.write_text(json.dumps(GOOD) + "\n" + json.dumps(GOOD | {"invoice": "B-2", "visit": "INPATIENT",
                                                               "discharge": today.isoformat()}) + "\n")
    code, _, err = cli("claim", "submit", "--file", str(f), "--as", "dev8", ok=False)
    assert code == BAD_INPUT and "c.jsonl:2: visit: a pharmacy (level 0) offers no INPATIENT" in err, err
    code, _, err = cli("claim", "submit", "--file", str(f), "--as", "dev3", ok=False)
    assert code == BAD_INPUT and "is not a registered institution" in err, err
    code, _, err = cli("claim", "submit", "--file", str(f), "--invoice", "X", "--as", "dev7", ok=False)
    assert code == BAD_INPUT and "either --file or the fields of one claim" in err
    code, _, err = cli("claim", "submit", "--file", str(f), "--batch", "0", "--as", "dev7", ok=False)
    assert code == BAD_INPUT and "--batch" in err and err.count("\n") == 1  # refused by the CLI or the library
    code, _, err = cli("claim", "show", "--institution", "dev7", "--invoice", "B-1", ok=False)
    assert code != 0

