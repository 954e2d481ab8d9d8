"""The CLI end to end on a home folder: state kept between commands, JSON everywhere,
one-line errors for bad input, nothing half-written."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from cli_runner import Cli, nid
from yibao.cli import run

ID1 = nid("11010119900307427")
ID2 = nid("50010119850612001")
ID3 = nid("44010619920101002")


@pytest.fixture
def cli(deployed_cli: Cli) -> Cli:
    deployed_cli("role", "grant", "regulator", "dev1", "--region", "500000")
    deployed_cli("role", "grant", "operator", "dev2", "--region", "500000", "--as", "dev1")
    return deployed_cli


def test_state_is_kept_between_commands(cli: Cli) -> None:
    doc = cli.json("institution", "add", "dev7", "--region", "500000", "--level", "3", "--grade", "B",
                   "--as", "dev1")
    assert doc["ok"] and doc["events"][-1]["event"] == "InstitutionAdded"
    shown = cli.json("institution", "show", "dev7")
    assert shown["region"] == 500000 and shown["level"] == 3 and shown["grade"] == "B"
    cli("institution", "set-status", "dev7", "SUSPENDED", "--as", "dev1")
    cli("institution", "set-grade", "dev7", "D", "--as", "dev1")
    shown = cli.json("institution", "show", "dev7")
    assert (shown["status"], shown["grade"]) == ("SUSPENDED", "D")


def test_enrol_and_show_person(cli: Cli) -> None:
    cli("enrol", "--id", ID1, "--region", "500000", "--scheme", "RESIDENT",
        "--from", "2026-01-01", "--to", "2026-12-31", "--as", "dev2")
    p = cli.json("person", "show", "--id", ID1)
    assert p["scheme"] == "RESIDENT" and p["coverage_to"] == "2026-12-31"
    assert ID1 not in json.dumps(p)
    same = cli.json("person", "show", "--pseudonym", p["pseudonym"])
    assert same == p
    cli("person", "add-filing", "--id", ID1, "--region", "440100", "--from", "2026-03-01",
        "--to", "2026-06-30", "--as", "dev2")
    cli("person", "suspend", "--id", ID1, "--reason", "3", "--as", "dev2")
    p = cli.json("person", "show", "--id", ID1)
    assert p["status"] == "SUSPENDED" and p["status_reason"] == 3
    assert p["filings"] == [{"region": 440100, "from": "2026-03-01", "to": "2026-06-30"}]


def test_missing_role_is_one_line_naming_the_role(cli: Cli) -> None:
    code, _out, err = cli("enrol", "--id", ID1, "--region", "500000", "--from", "2026-01-01",
                         "--to", "2026-12-31", "--as", "dev3", ok=False)
    assert code == 2
    assert err.strip().count("\n") == 0
    assert "lacks the role operator of 500000" in err


def test_csv_enrol_with_a_bad_row_writes_nothing(cli: Cli, tmp_path: Path) -> None:
    f = tmp_path / "people.csv"
    f.write_text(
        "national_id,region,scheme,coverage_from,coverage_to\n"
        f"{ID1},500000,EMPLOYEE,2026-01-01,2026-12-31\n"
        f"{ID2},500000,RESIDENT,2026-01-01,2026-12-31\n"
        f"{ID3},500000,RESIDENT,2026-01-01,2026-13-01\n"
    )
    code, _, err = cli("enrol", "--csv", str(f), "--as", "dev2", ok=False)
    assert code == 2 and "people.csv:4:" in err and "coverage_to" in err
    code, _, err = cli("person", "show", "--id", ID1, ok=False)
    assert "PersonUnknown" in err


@pytest.mark.parametrize(
    ("row", "needle"),
    [
        ("123,500000,EMPLOYEE,2026-01-01,2026-12-31", "national ID"),
        (f"{ID3},50000,EMPLOYEE,2026-01-01,2026-12-31", "6-digit"),
        (f"{ID3},500000,WORKER,2026-01-01,2026-12-31", "scheme"),
        (f"{ID3},500000,EMPLOYEE,2026-02-01,2026-01-01", "before"),
        (f"{ID3},500000,EMPLOYEE,2026-01-01", "expected 5 fields"),
        (f"{ID1},500000,EMPLOYEE,2026-01-01,2026-12-31", "same person as line 2"),
    ],
)
def test_csv_bad_rows_are_named_by_line(cli: Cli, tmp_path: Path, row: str, needle: str) -> None:
    f = tmp_path / "p.csv"
    f.write_text(f"national_id,region,scheme,coverage_from,coverage_to\n"
                 f"{ID1},500000,EMPLOYEE,2026-01-01,2026-12-31\n{row}\n")
    code, _, err = cli("enrol", "--csv", str(f), "--as", "dev2", ok=False)
    assert code == 2 and "p.csv:3:" in err and needle in err, err
    assert cli.json("region", "show", "500000")["code"] == 500000
    code, _, err = cli("person", "show", "--id", ID1, ok=False)
    assert "PersonUnknown" in err


def test_csv_enrol_many_people(cli: Cli, tmp_path: Path) -> None:
    f = tmp_path / "many.csv"
    rows = ["national_id,region,scheme,coverage_from,coverage_to"]
    for i in range(450):
        rows.append(f"{nid(f'5001011980010{i:04d}')},500000,EMPLOYEE,2026-01-01,2026-12-31")
    f.write_text("\n".join(rows) + "\n")
    doc = cli.json("enrol", "--csv", str(f), "--as", "dev2")
    assert doc["enrolled"] == 450 and doc["transactions"] == 3


def test_stale_manifest_is_refused(cli: Cli) -> None:
    m = cli.home / "manifest.json"
    doc = json.loads(m.read_text())
    doc["artifacts"]["RegistryModule"] = "sha256:" + "0" * 64
    m.write_text(json.dumps(doc))
    code, _, err = cli("institution", "show", "dev7", ok=False)
    assert code == 2 and "stale manifest" in err


def test_manifest_without_code_is_refused(cli: Cli) -> None:
    m = cli.home / "manifest.json"
    doc = json.loads(m.read_text())
    doc["ledger"] = "0x" + "12" * 20
    m.write_text(json.dumps(doc))
    code, _, err = cli("region", "show", "500000", ok=False)
    assert code == 2 and "no code there" in err


def test_unreachable_node_is_one_line(cli: Cli) -> None:
    code, _, err = cli("region", "show", "500000", "--rpc", "http://127.0.0.1:9", ok=False)
    assert code == 2 and "no JSON-RPC node answers at http://127.0.0.1:9" in err


def test_json_error_document(cli: Cli) -> None:
    _code, out, _ = cli("region", "add", "500000", "Again", "--json", ok=False)
    doc = json.loads(out.strip().splitlines()[-1])
    assert doc == {"ok": False, "error": "ContractError", "name": "RegionExists",
                   "message": "RegionExists(region=500000)", "args": {"region": 500000}}


def test_no_manifest_is_named(tmp_path: Path, capsys) -> None:
    assert run(["region", "show", "500000", "--home", str(tmp_path / "empty")]) == 2
    assert "run `yibao deploy` first" in capsys.readouterr().err


DATA = Path(__file__).resolve().parents[1] / "scenario" / "data"


def test_simulate_model_prints_the_document(capsys) -> None:
    assert run(["simulate", str(DATA / "example.json"), "--model"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc == json.loads((DATA / "example.expected.json").read_text())


def test_simulate_bad_file_names_the_entry(capsys) -> None:
    assert run(["simulate", str(DATA / "example_as_documented.json"), "--model"]) == 2
    assert "people[0].filings[0].region: unknown region 440100" in capsys.readouterr().err


def _check_chain_example(doc: dict) -> None:
    """The chain run of example.json equals the expected document (the model's, checked by
    hand) in every field; only the chain reports gas."""
    want = json.loads((DATA / "example.expected.json").read_text())
    gas = doc.pop("gas")
    assert doc == want
    assert gas["total"] > gas["per_claim_mean"] > 21_000


def test_simulate_on_chain(capsys) -> None:
    assert run(["simulate", str(DATA / "example.json")]) == 0
    _check_chain_example(json.loads(capsys.readouterr().out))


@pytest.mark.anvil
def test_simulate_on_a_node(capsys) -> None:
    from yibao.units import noon_cst
    from yibao.chain.node import AnvilNode

    with AnvilNode(timestamp=noon_cst(dt.date(2025, 12, 1))) as node:
        assert run(["simulate", str(DATA / "example.json"), "--rpc", node.url]) == 0
    _check_chain_example(json.loads(capsys.readouterr().out))


@pytest.mark.anvil
def test_simulate_refuses_a_node_past_the_start(capsys) -> None:
    from yibao.units import noon_cst
    from yibao.chain.node import AnvilNode

    with AnvilNode(timestamp=noon_cst(dt.date(2026, 6, 1))) as node:
        assert run(["simulate", str(DATA / "example.json"), "--rpc", node.url]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "past 12:00 CST of the scenario's set-up day 2026-01-01" in err


def test_simulate_model_and_rpc_together_is_refused(capsys) -> None:
    assert run(["simulate", str(DATA / "example.json"), "--model", "--rpc", "http://x"]) == 2
    assert "either --model or --rpc" in capsys.readouterr().err


def test_help_does_not_load_the_chain_stack() -> None:
    """``yibao --help`` stays fast: the CLI loads the client, web3 and the workspace only in a command."""
    import subprocess
    import sys

    code = ("import sys; from yibao.cli import run; run(['--help']); "
            "print(sorted(m for m in ('web3', 'eth_account', 'yibao.client', 'yibao.workspace') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_enrolment_csv_is_read_into_enrolments(tmp_path: Path) -> None:
    from yibao.client import Enrolment
    from yibao.identity import PseudonymKey
    from yibao.io.enrolment import CSV_COLUMNS, read_enrolment_csv
    from yibao.model.types import Scheme

    key = PseudonymKey(bytes(range(32)))
    f = tmp_path / "people.csv"
    wallet = "0x" + "12" * 20
    f.write_text(",".join(CSV_COLUMNS) + ",wallet\n"
                 f"{ID1},500000,employee,2026-01-01,2026-12-31,{wallet}\n\n"
                 f"{ID2},440100,RESIDENT,2026-02-01,2026-03-31,\n")
    assert read_enrolment_csv(f, key) == [
        Enrolment(key.pseudonym(ID1), 500000, Scheme.EMPLOYEE, dt.date(2026, 1, 1), dt.date(2026, 12, 31), wallet),
        Enrolment(key.pseudonym(ID2), 440100, Scheme.RESIDENT, dt.date(2026, 2, 1), dt.date(2026, 3, 31)),
    ]
