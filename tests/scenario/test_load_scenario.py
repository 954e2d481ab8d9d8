"""load_scenario: every bad input is one ScenarioError line naming the key and the entry."""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from yibao.errors import ScenarioError, YibaoError
from yibao.simulate.scenario import Scenario, load_scenario, parse_scenario

DATA = Path(__file__).parent / "data"


def base() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((DATA / "example.json").read_text(encoding="utf-8"))
    return doc


def write(tmp_path: Path, doc: object) -> Path:
    p = tmp_path / "s.json"
    p.write_text(json.dumps(doc), encoding="utf-8")
    return p


def fails(tmp_path: Path, change: Callable[[dict[str, Any]], None]) -> str:
    doc = copy.deepcopy(base())
    change(doc)
    with pytest.raises(ScenarioError) as info:
        load_scenario(write(tmp_path, doc))
    message = str(info.value)
    assert "\n" not in message
    return message


def test_fixed_example_loads() -> None:
    s = load_scenario(DATA / "example.json")
    assert isinstance(s, Scenario)
    assert s.start == dt.date(2026, 1, 1)
    assert [step.kind for step in s.timeline][:3] == ["claim", "review", "appeal"]
    assert s.timeline[0].claim is not None
    assert s.timeline[0].claim.lines[0].unit_price == 12550
    assert s.policies[0].to_model().ip_deductible == (0, 20000, 50000, 100000)


def test_documented_example_is_refused_for_its_unknown_region() -> None:
    # scenario.md's example files a region it never registers (and appeals a claim C2)
    with pytest.raises(ScenarioError, match=r"^people\[0\]\.filings\[0\]\.region: unknown region 440100$"):
        load_scenario(DATA / "example_as_documented.json")


def test_documented_example_unknown_claim() -> None:
    doc = json.loads((DATA / "example_as_documented.json").read_text(encoding="utf-8"))
    doc["regions"].append({"code": 440100, "name": "Guangzhou", "fund": 0})
    with pytest.raises(ScenarioError) as info:
        parse_scenario(doc)
    assert str(info.value) == "timeline[2].appeal.claim: unknown claim 'C2'"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        # unknown keys
        (lambda d: d.update(extra=1), "extra: unknown key"),
        (lambda d: d["timeline"][0]["claim"].update(colour="red"),
         "timeline[0].claim.colour: unknown key"),
        (lambda d: d["policies"][0]["ip_deductible"].update({"4": 1}),
         "policies[0].ip_deductible.4: unknown key"),
        (lambda d: d["timeline"][3].update(pay={}), "timeline[3].pay: unknown key"),
        # missing keys
        (lambda d: d["people"][0].pop("scheme"), "people[0].scheme: missing key"),
        # bad dates
        (lambda d: d["timeline"][0]["claim"].update(date="2026-02-30"),
         'timeline[0].claim.date: not a calendar date (got "2026-02-30")'),
        (lambda d: d["people"][0].update(coverage_from="2026/01/01"),
         "people[0].coverage_from: expected a date 'YYYY-MM-DD' (got \"2026/01/01\")"),
        (lambda d: d.update(start=20260101), "start: expected a date 'YYYY-MM-DD' (got 20260101)"),
        # wrong types (strict)
        (lambda d: d["regions"][0].update(fund="100"),
         'regions[0].fund: Input should be a valid integer (got "100")'),
        (lambda d: d["timeline"][0]["claim"]["lines"][0].update(qty=2.0),
         "timeline[0].claim.lines[0].qty: Input should be a valid integer (got 2.0)"),
        (lambda d: d["catalogue"][0].update(inpatient_only=0),
         "catalogue[0].inpatient_only: Input should be a valid boolean (got 0)"),
        (lambda d: d["timeline"][0]["claim"].update(visit="EMERGENCY"),
         ("timeline[0].claim.visit: Input should be 'OUTPATIENT', 'INPATIENT' or 'PHARMACY' "
          '(got "EMERGENCY")')),
        (lambda d: d.update(reviewers="R1"), 'reviewers: Input should be a valid list (got "R1")'),
        # negative money, out-of-range ratios and levels
        (lambda d: d["timeline"][0]["claim"]["lines"][0].update(unit_price=-1),
         ("timeline[0].claim.lines[0].unit_price: Input should be greater than or equal to 0 "
          "(got -1)")),
        (lambda d: d["timeline"][8]["contribution"].update(amount=-5),
         "timeline[8].contribution.amount: Input should be greater than or equal to 0 (got -5)"),
        # claim lines within the chain's field widths
        (lambda d: d["timeline"][0]["claim"]["lines"][0].update(qty=2**32),
         ("timeline[0].claim.lines[0].qty: Input should be less than or equal to 4294967295 "
          "(got 4294967296)")),
        (lambda d: d["timeline"][0]["claim"]["lines"][0].update(unit_price=2**40),
         ("timeline[0].claim.lines[0].unit_price: Input should be less than or equal to "
          "1099511627775 (got 1099511627776)")),
        (lambda d: d["timeline"][0]["claim"].update(claimed_fund=2**63),
         ("timeline[0].claim.claimed_fund: Input should be less than or equal to "
          "9223372036854775807 (got 9223372036854775808)")),
        (lambda d: d["timeline"][0]["claim"].update(claimed_fund=-1),
         "timeline[0].claim.claimed_fund: Input should be greater than or equal to 0 (got -1)"),
        (lambda d: d["policies"][0]["op_ratio_bps"].update({"2": 10001}),
         "policies[0].op_ratio_bps.2: Input should be less than or equal to 10000 (got 10001)"),
        (lambda d: d["institutions"][0].update(level=4),
         "institutions[0].level: Input should be less than or equal to 3 (got 4)"),
        (lambda d: d["regions"][0].update(code=50000),
         "regions[0].code: Input should be greater than or equal to 100000 (got 50000)"),
        # unknown references
        (lambda d: d["timeline"][0]["claim"].update(institution="H9"),
         "timeline[0].claim.institution: unknown institution 'H9'"),
        (lambda d: d["timeline"][0]["claim"].update(person="P9"),
         "timeline[0].claim.person: unknown person 'P9'"),
        (lambda d: d["timeline"][1]["review"].update(reviewer="R9"),
         "timeline[1].review.reviewer: unknown reviewer 'R9'"),
        (lambda d: d["timeline"][5]["clawback"].update(claim="C7"),
         "timeline[5].clawback.claim: unknown claim 'C7'"),
        (lambda d: d["timeline"][4]["clear"].update(to=310000),
         "timeline[4].clear.to: unknown region 310000"),
        (lambda d: d["catalogue"][0].update(region=310000),
         "catalogue[0].region: unknown region 310000"),
        (lambda d: d["policies"][0].update(region=310000),
         "policies[0].region: unknown region 310000"),
        (lambda d: d["timeline"][3]["settle"].update(institution="HX"),
         "timeline[3].settle.institution: unknown institution 'HX'"),
        # a claim must be defined before a step names it
        (lambda d: d["timeline"].insert(0, {"at": "2026-01-02", "appeal": {"claim": "C1"}}),
         "timeline[0].appeal.claim: unknown claim 'C1'"),
        # unique ids
        (lambda d: d["institutions"].append(dict(d["institutions"][0])),
         "institutions[1].id: duplicate institution 'H1'"),
        (lambda d: d["reviewers"].append("R1"), "reviewers[2]: duplicate reviewer 'R1'"),
        (lambda d: d["catalogue"].append(dict(d["catalogue"][0])),
         "catalogue[1].code: duplicate item 'XA01' in region 500000"),
        (lambda d: d["timeline"].append({"at": "2026-05-01", "claim": d["timeline"][0]["claim"]}),
         "timeline[12].claim.id: duplicate claim 'C1'"),
        # timeline order
        (lambda d: d["timeline"][1].update(at="2026-01-31"),
         "timeline[1].at: 2026-01-31 is before the previous step's 2026-02-03"),
        (lambda d: d["timeline"][0].update(at="2025-12-31"),
         "timeline[0].at: 2025-12-31 is before start 2026-01-01"),
        # a step is exactly one thing
        (lambda d: d["timeline"][6].update(settle={"institution": "H1"}),
         ("timeline[6]: a step needs exactly one of claim, review, appeal, settle, clear, "
          "clawback, freeze, unfreeze, set_grade, contribution, person_status, "
          "institution_status, filing, precheck, open_case, finding, decide, contest, ruling, "
          "finalize, close, pay_fine")),
        # filings
        (lambda d: d["timeline"][11]["filing"].update(to="2026-04-01"),
         "timeline[11].filing: 'to' is before 'from'"),
        (lambda d: d["timeline"][11]["filing"].update(region=500000),
         "timeline[11].filing.region: 500000 is the person's home region"),
        (lambda d: d["people"][0].update(coverage_to="2025-12-31"),
         "people[0]: coverage_to is before coverage_from"),
        # policy versions in order
        (lambda d: d["policies"].append(dict(d["policies"][0])),
         ("policies[1].effective_from: not after the previous version 2026-01-01 of 500000 "
          "EMPLOYEE")),
        (lambda d: d["timeline"][1]["review"].update(reason="X" * 33),
         'timeline[1].review.reason: not a code: 1-32 of A-Z, 0-9 and _ (no free text on chain) (got "'
         + "X" * 33 + '")'),
        (lambda d: d["timeline"][1]["review"].update(reason="过度诊疗"),
         'timeline[1].review.reason: not a code: 1-32 of A-Z, 0-9 and _ (no free text on chain) (got "过度诊疗")'),
    ],
)
def test_bad_input_names_the_entry(
    tmp_path: Path, change: Callable[[dict[str, Any]], None], message: str
) -> None:
    got = fails(tmp_path, change)
    assert got == message or got.startswith(message + " (and ")


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match=r"missing.json: cannot read"):
        load_scenario(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text('{"start": "2026-01-01",\n "regions": [}', encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"^not valid JSON: .* at line 2 column 14$"):
        load_scenario(bad)
    bad.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"^a scenario must be a JSON object$"):
        load_scenario(bad)
    bad.write_text('{"start": "2026-01-01", "start": "2026-01-02"}', encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"^duplicate key 'start'$"):
        load_scenario(bad)


def test_scenario_error_is_a_yibao_value_error(tmp_path: Path) -> None:
    with pytest.raises(YibaoError):
        load_scenario(tmp_path / "missing.json")
    with pytest.raises(ValueError):
        load_scenario(tmp_path / "missing.json")


def test_optional_keys() -> None:
    doc = base()
    doc["timeline"][4]["clear"]["amount"] = 5
    doc["timeline"].append({"at": "2026-04-08", "unfreeze": {"institution": "H1"}})
    doc["timeline"][9]["person_status"]["reason"] = 3
    doc["timeline"][0]["claim"].update(invoice="INV-1", claimed_fund=0)
    s = parse_scenario(doc)
    claim = s.timeline[0].claim
    assert claim is not None and claim.key.invoice == "INV-1"
    assert claim.to_model().claimed_fund == 0
    assert s.timeline[-1].kind == "unfreeze"


def test_claim_bounds_are_inclusive() -> None:
    """The largest values the chain can carry load; the total is left to the run."""
    doc = base()
    claim = doc["timeline"][0]["claim"]
    claim["lines"][0].update(qty=2**32 - 1, unit_price=2**40 - 1)
    claim["claimed_fund"] = 2**63 - 1
    loaded = parse_scenario(doc).timeline[0].claim
    assert loaded is not None
    model = loaded.to_model()
    assert model.lines[0].qty == 2**32 - 1 and model.lines[0].unit_price == 2**40 - 1
    assert model.claimed_fund == 2**63 - 1


@pytest.mark.parametrize(
    ("change", "prefix"),
    [
        (lambda d: d["policies"][0].update(waiting_days=1024), "policies[0].waiting_days: "),
        (lambda d: d["policies"][0].update(max_claim_age_days=1024), "policies[0].max_claim_age_days: "),
        (lambda d: d["policies"][0].update(monthly_visit_limit=64), "policies[0].monthly_visit_limit: "),
        (lambda d: d["policies"][0].update(op_deductible=2**30), "policies[0].op_deductible: "),
        (lambda d: d["policies"][0].update(annual_cap=2**36), "policies[0].annual_cap: "),
        (lambda d: d["policies"][0].update(review_threshold=2**36), "policies[0].review_threshold: "),
        (lambda d: d["policies"][0]["ip_deductible"].update({"1": 2**32}), "policies[0].ip_deductible.1: "),
        (lambda d: d["policies"][0].update(effective_from="4840-11-26"), "policies[0].effective_from: "),
        (lambda d: d["catalogue"][0].update(code="药品"), "catalogue[0].code: "),
        (lambda d: d["catalogue"][0].update(code="X" * 33), "catalogue[0].code: "),
        (lambda d: d["timeline"][0]["claim"]["lines"][0].update(code="X" * 33),
         "timeline[0].claim.lines[0].code: "),
        (lambda d: d["timeline"][0]["claim"].update(lines=d["timeline"][0]["claim"]["lines"] * 256),
         "timeline[0].claim.lines: "),
    ],
)
def test_values_beyond_the_chains_field_widths_are_refused(
    tmp_path: Path, change: Callable[[dict[str, Any]], None], prefix: str
) -> None:
    """docs/decisions.md "On-chain widths": refused at load, naming the field, never truncated."""
    assert fails(tmp_path, change).startswith(prefix)


def test_values_at_the_chains_field_widths_load(tmp_path: Path) -> None:
    doc = copy.deepcopy(base())
    doc["policies"][0].update(waiting_days=1023, max_claim_age_days=1023, monthly_visit_limit=63,
                              op_deductible=2**30 - 1, annual_cap=2**36 - 1)
    doc["policies"][0]["effective_from"] = "4840-11-25"  # the last day a version can start
    doc["catalogue"][0]["code"] = "X" * 32
    load_scenario(write(tmp_path, doc))
