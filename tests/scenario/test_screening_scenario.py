"""screening.json on the reference model with --screen: every rule planted once, with near-misses.

The expected leads below are written by hand from screening.md (see the comments next to
each claim in the scenario: the near-misses must find nothing).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from yibao.cli.main import app
from yibao.errors import ScenarioError
from yibao.simulate import ModelEngine, run_scenario
from yibao.simulate.scenario import load_scenario, parse_scenario

DATA = Path(__file__).parent / "data"
SCENARIO = DATA / "screening.json"


def lead(rule: str, severity: str, institution: str | None, person: str | None, *claims: str) -> dict[str, Any]:
    return {"rule": rule, "severity": severity, "institution": institution, "person": person,
            "claims": sorted(claims)}


EXPECTED_LEADS = [
    # PH: XA01 on DB1, DB2; XB01 on DB1, DB2, DB3 (DB4/DB5 bill different codes)
    lead("DUP_BILLING", "HIGH", "H1", "PH", "DB1", "DB2"),
    lead("DUP_BILLING", "HIGH", "H1", "PH", "DB1", "DB2", "DB3"),
    # PD: GV1 at H2 inside G1's stay; GV2 on the discharge day, GV3 at H1 itself: no
    lead("GHOST_BED", "MEDIUM", "H1", "PD", "G1", "GV1"),
    # PF: H1 and Guangdong the same day, no filing; PG filed (expired since, still covered); IT5/IT6 one province
    lead("IMPOSSIBLE_TRAVEL", "MEDIUM", None, "PF", "IT1", "IT2"),
    # PC: O1 [03-02, 03-06] and O2 [03-05, 03-09]; O3 admitted on O2's discharge day
    lead("OVERLAP_STAY", "HIGH", None, "PC", "O1", "O2"),
    # PO: 20 + 11 > 3 × 10 in March (PP: exactly 30, then 1 in April)
    lead("OVER_SUPPLY", "MEDIUM", None, "PO", "OS1", "OS2"),
    # PA: R1 → R2 gap 0 same hospital; R2 → R3 a transfer; R3 → R4 gap 16. PB: gap 15 elsewhere.
    # PY: NL3 → NL4 would be one, but NL4 is clawed back.
    lead("READMIT", "HIGH", "H1", "PA", "R1", "R2"),
    lead("READMIT", "MEDIUM", "H2", "PB", "R5", "R6"),
    # PM (a man) billed G1 (women only); PW is 17 on 03-09 (18 on 03-10: RI2 is fine); G3 needs level 3
    lead("RESTRICTED_ITEM", "MEDIUM", "H1", "PM", "RI1"),
    lead("RESTRICTED_ITEM", "MEDIUM", "H1", "PW", "RI3"),
    lead("RESTRICTED_ITEM", "HIGH", "H2", "PM", "RI4"),
    # PE: H1, H2 and the pharmacy on 03-03 (03-04: two institutions)
    lead("SAME_DAY_MULTI", "MEDIUM", None, "PE", "SM1", "SM2", "SM3"),
    # HS: 250000 against a baseline of 100000 (> 200 %); HN exactly 150 %: no; HT: nothing in January
    lead("SURGE", "HIGH", "HS", None, "S04"),
]


@pytest.fixture(scope="module")
def out() -> dict[str, Any]:
    return run_scenario(load_scenario(SCENARIO), ModelEngine(), screen=True)


def test_every_rule_is_found_and_no_near_miss(out: dict[str, Any]) -> None:
    assert out["leads"] == EXPECTED_LEADS
    assert {x["rule"] for x in out["leads"]} == {
        "READMIT", "OVERLAP_STAY", "GHOST_BED", "SAME_DAY_MULTI", "IMPOSSIBLE_TRAVEL", "DUP_BILLING",
        "OVER_SUPPLY", "RESTRICTED_ITEM", "SURGE"}
    assert all(s["ok"] for s in out["steps"])
    assert (out["claims"]["NL2"]["reason"], out["claims"]["NL4"]["status"]) == ("OVERCLAIM", "CLAWED_BACK")
    assert list(out) == ["claims", "steps", "funds", "institutions", "alerts", "prechecks", "leads"]


def test_prechecks(out: dict[str, Any]) -> None:
    pre = out["prechecks"]
    assert list(pre) == ["PK1", "PK2", "PK3", "PK5", "PK4"]
    # PK1 bills XA01 for PH at H1 on 03-03 beside DB1 and DB2 (XB01's lead does not include it)
    assert pre["PK1"]["warnings"] == [lead("DUP_BILLING", "HIGH", "H1", "PH", "DB1", "DB2", "PK1")]
    # PK2 is the same claim but would be rejected OVERCLAIM: it would not be live
    assert (pre["PK2"]["status"], pre["PK2"]["reason"], pre["PK2"]["warnings"]) == ("REJECTED", "OVERCLAIM", [])
    # PK3: G3 at a level-2 hospital, and G3 billed again beside RI4 the same day
    assert pre["PK3"]["warnings"] == [lead("DUP_BILLING", "HIGH", "H2", "PM", "PK3", "RI4"),
                                      lead("RESTRICTED_ITEM", "HIGH", "H2", "PM", "PK3")]
    assert pre["PK5"]["warnings"] == [] and pre["PK4"]["warnings"] == []
    assert [s["kind"] for s in out["steps"]].count("precheck") == 5


def test_a_precheck_then_the_claim_the_same_day_gives_the_same_decision(out: dict[str, Any]) -> None:
    pre = {k: v for k, v in out["prechecks"]["PK4"].items() if k != "warnings"}
    assert pre == out["claims"]["AFTER"]


def test_prechecks_change_nothing(out: dict[str, Any]) -> None:
    data = json.loads(SCENARIO.read_text("utf-8"))
    data["timeline"] = [s for s in data["timeline"] if "precheck" not in s]
    plain = run_scenario(parse_scenario(data), ModelEngine(), screen=True)
    assert "prechecks" not in plain
    for key in ("claims", "funds", "institutions", "alerts", "leads"):
        assert plain[key] == out[key]


def test_expired_filings_still_cover_their_days() -> None:
    engine = ModelEngine()
    run_scenario(load_scenario(SCENARIO), engine)
    assert [f.region for f in engine.ledger.person("PG").filings] == [500102]  # the March filing expired
    assert [f.region for f in engine.ledger.filing_history("PG")] == [440100, 500102]


def test_screening_parameters_are_read() -> None:
    data = json.loads(SCENARIO.read_text("utf-8"))
    data["screening"] = {"readmit_days": 16, "rules": ["READMIT"]}
    got = run_scenario(parse_scenario(data), ModelEngine(), screen=True)["leads"]
    assert [x["claims"] for x in got] == [["R1", "R2"], ["R3", "R4"], ["R5", "R6"]]


def test_without_screen_there_are_no_leads() -> None:
    out = run_scenario(load_scenario(DATA / "example.json"), ModelEngine())
    assert "leads" not in out and "prechecks" not in out
    assert run_scenario(load_scenario(DATA / "example.json"), ModelEngine(), screen=True)["leads"] == []


def test_cli_simulate_model_screen() -> None:
    result = CliRunner().invoke(app, ["simulate", "--model", "--screen", str(SCENARIO)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["leads"] == EXPECTED_LEADS


def test_restrictions_stay_off_chain() -> None:
    s = load_scenario(SCENARIO)
    g1 = next(i for i in s.catalogue if i.code == "G1")
    assert not hasattr(g1.to_model(), "sex") and g1.restriction().sex == "F"
    assert next(p for p in s.people if p.id == "PW").attributes().sex == "F"


def base() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SCENARIO.read_text("utf-8"))
    return data


def precheck_step(data: dict[str, Any]) -> dict[str, Any]:
    step: dict[str, Any] = next(s for s in data["timeline"] if "precheck" in s)["precheck"]
    return step


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d["screening"].update(readmit_days=-1), "screening.readmit_days: must not be negative"),
    (lambda d: d["screening"].update(readmit=1), "screening: unknown parameter 'readmit'"),
    (lambda d: d.update(screening={"rules": ["X"]}), "screening.rules: unknown rule 'X'"),
    (lambda d: d["people"][0].update(sex="X"), "people[0].sex: Input should be 'M' or 'F'"),
    (lambda d: d["people"][0].update(birth_date="1990-02-30"), "people[0].birth_date: not a calendar date"),
    (lambda d: d["catalogue"][0].update(min_age=20, max_age=10), "catalogue[0]: max_age is below min_age"),
    (lambda d: d["catalogue"][0].update(min_level=4), "catalogue[0].min_level: Input should be less than"),
    (lambda d: precheck_step(d).update(id="DB1"), ".precheck.id: duplicate claim 'DB1'"),
    (lambda d: precheck_step(d).update(person="P9"), ".precheck.person: unknown person 'P9'"),
    (lambda d: precheck_step(d).update(institution="H9"), ".precheck.institution: unknown institution 'H9'"),
    (lambda d: d["timeline"].append({"at": "2026-12-01", "claim": {**precheck_step(d)}}),
     ".claim.id: 'PK1' is already a precheck id"),
    (lambda d: d["timeline"].append({"at": "2026-12-01", "precheck": {**precheck_step(d)}}),
     ".precheck.id: 'PK1' is already a precheck id"),
])
def test_bad_screening_input_names_the_key(change: Any, message: str) -> None:
    data = base()
    change(data)
    with pytest.raises(ScenarioError) as err:
        parse_scenario(data)
    assert message in str(err.value) and "\n" not in str(err.value)
