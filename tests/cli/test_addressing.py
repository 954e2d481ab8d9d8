"""Finding things (issue 11 §2): a claim named by its institution and invoice number in every
command on one claim, errors that name the argument they are about, contract errors with their
enums by name (the number kept in the JSON document), and a hint when the default signer lacks
the role. Money typed in yuan goes on chain as the same fen."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
import typer.main
from cli_runner import Cli, nid, policy_entry
from eth_abi.abi import encode
from eth_utils.abi import function_signature_to_4byte_selector
from yibao.chain import artifacts, dev_account
from yibao.chain.abi import DAY_ARGUMENTS, ENUM_ARGUMENTS, ErrorDecoder
from yibao.cli.main import app
from yibao.model.types import ClaimStatus, PersonStatus, Scheme
from yibao.units import day_of_timestamp, to_day

ID1 = nid("11010119900307427")
INST = dev_account(7).address
CID = "0x" + "ab" * 32

#: Every command on one claim, with what else it needs.
ON_ONE_CLAIM = [("claim", "show"), ("claim", "history"), ("review", "approve"), ("review", "reject"),
                ("appeal",), ("clawback",)]


def _command(path: tuple[str, ...]) -> Any:
    cmd: Any = typer.main.get_command(app)
    for name in path:
        cmd = cmd.commands[name]
    return cmd


def _commands(cmd: Any, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    subs = getattr(cmd, "commands", None)
    if not subs:
        return [path]
    return [p for name, sub in sorted(subs.items()) for p in _commands(sub, (*path, name))]


# ---------------------------------------------------------------------- the claim's address


def test_every_command_that_takes_a_claim_id_takes_institution_and_invoice() -> None:
    taking = [p for p in _commands(typer.main.get_command(app))
              if any(q.name == "claim_id" for q in _command(p).params)]
    assert set(ON_ONE_CLAIM) <= set(taking)
    for path in taking:
        params = {q.name: q for q in _command(path).params}
        assert not params["claim_id"].required, path
        assert params["institution"].opts == ["--institution"] and params["invoice"].opts == ["--invoice"], path


@pytest.mark.parametrize("path", ON_ONE_CLAIM, ids=" ".join)
@pytest.mark.parametrize(("given", "message"), [
    ((), "name the claim: CLAIM_ID (0x and 64 hex digits), or --institution ACCOUNT --invoice TEXT"),
    ((CID, "--institution", "dev7", "--invoice", "INV-1"), "give either CLAIM_ID or --institution and --invoice"),
    ((CID, "--invoice", "INV-1"), "give either CLAIM_ID or --institution and --invoice"),
    (("--institution", "dev7"), "--institution needs --invoice"),
    (("--invoice", "INV-1"), "--invoice needs --institution"),
])
def test_a_claim_is_named_in_exactly_one_way(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                             path: tuple[str, ...], given: tuple[str, ...], message: str) -> None:
    cli = Cli(tmp_path / "home", capsys)
    doc, err = cli.refused(*path, *given)
    assert err.startswith(f"error: {message}") and doc["error"] == "InputError"
    assert not (tmp_path / "home").exists()  # refused before anything is opened


def chain_today(cli: Cli) -> str:
    from yibao.chain import Chain

    return day_of_timestamp(Chain.connect(cli.rpc).timestamp() if cli.rpc else int(time.time())).isoformat()


@pytest.fixture
def world(deployed_cli: Cli, tmp_path: Path) -> Cli:
    """Roles, a policy, one catalogue item, the institution dev7 and one insured person."""
    c = deployed_cli
    c("role", "grant", "regulator", "dev1", "--region", "500000")
    c("role", "grant", "operator", "dev2", "--region", "500000", "--as", "dev1")
    for reviewer in ("dev3", "dev4"):
        c("role", "grant", "reviewer", reviewer, "--region", "500000", "--as", "dev1")
    policies = tmp_path / "policy.json"
    policies.write_text(json.dumps([policy_entry(500000, chain_today(c))]))
    c("policy", "add", str(policies), "--as", "dev1")
    items = tmp_path / "items.csv"
    items.write_text("region,code,category\n500000,XA01,A\n")
    c("catalogue", "load", str(items), "--as", "dev1")
    c("institution", "add", "dev7", "--region", "500000", "--level", "3", "--as", "dev1")
    c("enrol", "--id", ID1, "--region", "500000", "--from", "2020-01-01", "--to", "2099-12-31", "--as", "dev2")
    return c


def test_a_claim_from_submission_to_clawback_by_its_invoice(world: Cli) -> None:
    cli = world
    # 10 × 200.00 元 = 2,000.00 元; deductible 100.00 元; fund 1,900.00 × 80 % = 1,520.00 元 (flagged above
    # 1,000 元); the institution's own figure typed in yuan too
    sub = cli.json("claim", "submit", "--as", "dev7", "--invoice", "INV-A", "--id", ID1,
                   "--line", "XA01:10:200.00元", "--claimed-fund", "1520.00元")
    assert (sub["status"], sub["fund"], sub["billed"], sub["lines"][0]["unit_price"]) == (
        "FLAGGED", 152_000, 200_000, 20_000)
    cid = sub["claim_id"]
    by_id = cli.json("claim", "show", cid)
    assert cli.json("claim", "show", "--institution", "dev7", "--invoice", "INV-A") == by_id
    assert cli.json("claim", "show", "--institution", INST, "--invoice", "INV-A") == by_id
    assert cli.json("claim", "history", "--institution", "dev7", "--invoice", "INV-A") == cli.json(
        "claim", "history", cid)

    by = ("--institution", "dev7", "--invoice", "INV-A")
    assert cli.json("review", "reject", *by, "--reason", "NO_DOCS", "--as", "dev3")["status"] == "REJECTED"
    # the default signer is not the claim's institution, nor any institution: the hint names the key
    _, err = cli.refused("appeal", *by)
    assert err.startswith("error: ClaimNotOwned(") and err.strip().endswith("; dev7 is its institution: add --as dev7")
    _, err = cli.refused("claim", "submit", "--invoice", "INV-B", "--id", ID1, "--line", "XA01:1:100")
    assert err.startswith("error: InstitutionUnknown(") and err.strip().endswith(
        "; dev7 is an institution: add --institution-as dev7"), err
    _, err = cli.refused("appeal", *by, "--as", "dev1")  # --as given: no hint
    assert err.startswith("error: ClaimNotOwned(") and "add --as" not in err
    appealed = cli.json("appeal", "--institution", INST, "--invoice", "INV-A", "--as", "dev7")
    assert (appealed["status"], appealed["claim_id"]) == ("APPEALED", cid)
    assert cli.json("review", "approve", *by, "--as", "dev4")["status"] == "APPROVED"

    # a contract error shows its enum by name; the JSON document keeps the number
    doc, err = cli.refused("review", "approve", *by, "--as", "dev4")
    assert f"ClaimNotReviewable(claimId={cid}, status=APPROVED)" in err
    assert doc["name"] == "ClaimNotReviewable" and doc["args"] == {"claimId": cid, "status": 1}

    cli("settle", "dev7", "--as", "dev1")
    # the default signer (admin) lacks the role: the hint names the key that has it
    doc, err = cli.refused("clawback", *by, "--reason", "FRAUD")
    assert err.strip().endswith("lacks the role regulator of 500000; dev1 has it: add --as dev1"), err
    _, err = cli.refused("clawback", *by, "--reason", "FRAUD", "--as", "dev2")  # --as given: no hint
    assert err.strip().endswith("lacks the role regulator of 500000"), err
    assert cli.json("clawback", *by, "--reason", "FRAUD", "--as", "dev1")["status"] == "CLAWED_BACK"
    steps = cli.json("claim", "history", *by)["steps"]
    assert [s["step"] for s in steps] == [
        "submitted", "alert", "reviewed", "appealed", "reviewed", "settled", "clawed_back"]

    doc, err = cli.refused("claim", "show", "--institution", "dev7", "--invoice", "INV-NONE")
    assert err.startswith("error: no claim 0x") and f"(institution {INST}, invoice 'INV-NONE')" in err


def test_money_in_yuan_goes_on_chain_as_the_same_fen(world: Cli) -> None:
    cli = world
    ct = cli.json("contribute", "--id", ID1, "--amount", "12.34元", "--as", "dev2")
    assert ct["amount"] == 1234 and ct["events"][0]["amount"] == 1234
    assert cli.json("fund", "show", "500000")["contributions"] == 1234
    _, out, _ = cli("fund", "show", "500000")
    assert "1,000,012.34 元" in out and "12.34 元" in out
    _, out, _ = cli("region", "show", "500000")
    assert "opening fund 1,000,000.00 元" in out
    _, out, _ = cli("contribute", "--id", ID1, "--amount", "5yuan", "--as", "dev2")
    assert "contribution of 5.00 元 recorded" in out
    _, err = cli.refused("contribute", "--id", ID1, "--amount", "1.234元", "--as", "dev2")
    assert "--amount" in err and "more than two decimals" in err


# ---------------------------------------------------------------------- errors name the argument


@pytest.fixture
def home(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.delenv("YIBAO_AS", raising=False)
    c = Cli(tmp_path / "home", capsys)
    c("deploy")
    c("region", "add", "500000", "Chongqing")
    c("role", "grant", "regulator", "dev1", "--region", "500000")
    return c


def test_a_refusal_names_the_argument_the_bad_account_came_from(home: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    _, err = home.refused("institution", "add", "bob", "--region", "500000", "--level", "3", "--as", "dev1")
    assert err.startswith("error: ACCOUNT bob: no such key; known names: admin, dev1")
    _, err = home.refused("institution", "add", "dev7", "--region", "500000", "--level", "3", "--as", "bob")
    assert err.startswith("error: --as bob: no such key")
    _, err = home.refused("claim", "show", "--institution", "bob", "--invoice", "INV-1")
    assert err.startswith("error: --institution bob: no such key")
    _, err = home.refused("settle", "bob", "--as", "dev1")
    assert err.startswith("error: ACCOUNT bob: no such key")
    _, err = home.refused("institution", "add", "0x1234", "--region", "500000", "--level", "3")
    assert "'account'" in err and "'0x1234': not an address" in err
    monkeypatch.setenv("YIBAO_AS", "carol")
    _, err = home.refused("region", "add", "440100", "Guangzhou")
    assert err.startswith("error: $YIBAO_AS carol: no such key")


def test_the_default_signer_is_named_as_the_default(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("YIBAO_AS", raising=False)
    _, err = Cli(tmp_path / "empty", capsys).refused("region", "add", "440100", "Guangzhou")
    assert err.startswith("error: no --as given; the default key admin: no such key; known names: none")


def test_the_hint_names_a_key_only_when_one_holds_the_role(home: Cli) -> None:
    _, err = home.refused("institution", "add", "dev7", "--region", "500000", "--level", "3")
    assert err.strip().endswith("lacks the role regulator of 500000; dev1 has it: add --as dev1"), err
    _, err = home.refused("role", "grant", "reviewer", "dev3", "--region", "500000")  # a regulator grants it
    assert err.strip().endswith("lacks the role regulator of 500000; dev1 has it: add --as dev1"), err
    home("role", "revoke", "regulator", "dev1", "--region", "500000")
    _, err = home.refused("institution", "add", "dev7", "--region", "500000", "--level", "3")
    assert err.strip().endswith("lacks the role regulator of 500000"), err


# ---------------------------------------------------------------------- enums and days by name


def _error(signature: str, types: list[str], values: list[Any]) -> Any:
    data = function_signature_to_4byte_selector(signature) + encode(types, values)
    return ErrorDecoder(artifacts.ledger_abi()).decode(data)


def test_a_contract_error_shows_its_enums_by_name_and_keeps_the_numbers() -> None:
    cid = bytes([0xab]) * 32
    e = _error("ClaimNotReviewable(bytes32,uint8)", ["bytes32", "uint8"], [cid, 3])
    assert str(e) == f"ClaimNotReviewable(claimId=0x{cid.hex()}, status=REJECTED)"
    assert e.inputs["status"] == 3 and e.inputs["status"] is ClaimStatus.REJECTED and e.error_args == (cid, 3)
    e = _error("PersonStatusTransitionInvalid(bytes32,uint8,uint8)", ["bytes32", "uint8", "uint8"], [cid, 2, 0])
    assert str(e).endswith("from=TERMINATED, to=ACTIVE)") and e.inputs["from"] is PersonStatus.TERMINATED
    day = to_day_of("2026-03-01")
    e = _error("PolicyNotFound(uint32,uint8,uint32)", ["uint32", "uint8", "uint32"], [500000, 1, day])
    assert str(e) == "PolicyNotFound(region=500000, scheme=RESIDENT, day=2026-03-01)"
    assert e.inputs["scheme"] is Scheme.RESIDENT and e.inputs["day"] == day
    # a number outside its enum (what an *Invalid error reports) and a day beyond 9999 stay numbers
    assert str(_error("InstitutionStatusInvalid(uint8)", ["uint8"], [9])) == "InstitutionStatusInvalid(status=9)"
    assert str(_error("ClaimDateInvalid(bytes32,uint32)", ["bytes32", "uint32"], [cid, 2**32 - 1])).endswith(
        f"day={2**32 - 1})")
    # regions are not days, nor are the regions of NothingToClear
    assert str(_error("NothingToClear(uint32,uint32)", ["uint32", "uint32"], [500000, 440100])) == (
        "NothingToClear(from=500000, to=440100)")


def to_day_of(text: str) -> int:
    import datetime as dt

    return to_day(dt.date.fromisoformat(text))


#: The small numbers of the ABI's errors that are no enum: a level is a number (0 pharmacy, 1-3),
#: an article is the regulation's article number (38, 40).
NOT_ENUMS = {("InstitutionLevelInvalid", "level"), ("ArticleInvalid", "article"), ("FineBpsOutOfBounds", "article")}
#: The uint32 arguments that are region codes, not days.
REGIONS = {"region", "code", "byRegion", "home"}


def test_every_small_number_of_an_error_is_an_enum_a_day_or_a_region() -> None:
    for item in artifacts.ledger_abi():
        if item["type"] != "error":
            continue
        for p in item["inputs"]:
            key = (item["name"], p["name"])
            if p["type"] == "uint8":
                assert key in ENUM_ARGUMENTS or ("*", p["name"]) in ENUM_ARGUMENTS or key in NOT_ENUMS, key
            elif p["type"] == "uint32":
                is_day = key in DAY_ARGUMENTS or ("*", p["name"]) in DAY_ARGUMENTS
                is_region = p["name"] in REGIONS or item["name"] == "NothingToClear"
                assert is_day != is_region, key
