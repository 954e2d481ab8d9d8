"""load_scenario on the supervision keys and steps: every bad input is one line naming the field."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from yibao.errors import ScenarioError
from yibao.model.types import SupervisionParams
from yibao.simulate.scenario import parse_scenario

DATA = Path(__file__).parent / "data"
BASE: dict[str, Any] = json.loads((DATA / "supervision.json").read_text(encoding="utf-8"))
# timeline indices in supervision.json
OPEN_K1, FINDING_K1, DECIDE_K1, CONTEST_K1, RULING_K1, FINALIZE_K1, CLOSE_K3, PAY = 9, 10, 31, 38, 42, 44, 33, 53


def fails(change: Callable[[dict[str, Any]], None]) -> str:
    doc = copy.deepcopy(BASE)
    change(doc)
    with pytest.raises(ScenarioError) as info:
        parse_scenario(doc)
    message = str(info.value)
    assert "\n" not in message
    return message


def step(d: dict[str, Any], i: int) -> dict[str, Any]:
    body: dict[str, Any] = next(v for k, v in d["timeline"][i].items() if k != "at")
    return body


def test_a_refused_open_still_names_a_case() -> None:
    """A case name is known from its open_case step on: whether the open succeeds is the run's
    business (a later step on it is then refused CaseUnknown)."""
    doc = copy.deepcopy(BASE)
    step(doc, DECIDE_K1).update(case="K5")  # K5's open is refused at the run
    assert parse_scenario(doc).timeline[DECIDE_K1].decide is not None


def test_supervision_loads_with_defaults() -> None:
    s = parse_scenario(BASE)
    assert s.supervision is not None
    assert s.supervision.to_model() == SupervisionParams(contest_days=10, points_art40=25, floor_a=95,
                                                         floor_b=85, floor_c=75, floor_d=65)
    doc = copy.deepcopy(BASE)
    doc["supervision"] = {"grades": {}}
    loaded = parse_scenario(doc).supervision
    assert loaded is not None and loaded.to_model() == SupervisionParams()
    doc.pop("supervision")
    assert parse_scenario(doc).supervision is None and parse_scenario(doc).uses_supervision


@pytest.mark.parametrize(
    ("change", "message"),
    [
        # the supervision parameters
        (lambda d: d["supervision"].update(grace_days=3), "supervision.grace_days: unknown key"),
        (lambda d: d["supervision"]["grades"].update(E=10), "supervision.grades.E: unknown key"),
        (lambda d: d["supervision"].update(contest_days=1.5),
         "supervision.contest_days: Input should be a valid integer (got 1.5)"),
        (lambda d: d["supervision"].update(credit_base="100"),
         'supervision.credit_base: Input should be a valid integer (got "100")'),
        (lambda d: d["supervision"].update(points_art38=True),
         "supervision.points_art38: Input should be a valid integer (got true)"),
        (lambda d: d["supervision"].update(points_art40=65536),
         "supervision.points_art40: Input should be less than or equal to 65535 (got 65536)"),
        (lambda d: d["supervision"]["grades"].update(D=-1),
         "supervision.grades.D: Input should be greater than or equal to 0 (got -1)"),
        (lambda d: d["supervision"]["grades"].update(B=95),
         "supervision.grades: grade floors must fall strictly from A to D (got A 95, B 95, C 75, D 65)"),
        (lambda d: d["supervision"].update(grades={"C": 50}),
         "supervision.grades: grade floors must fall strictly from A to D (got A 90, B 80, C 50, D 60)"),
        (lambda d: d.update(supervision=[]),
         "supervision: Input should be a valid dictionary or instance of SupervisionIn"),
        # open_case
        (lambda d: step(d, OPEN_K1).update(institution="H9"),
         f"timeline[{OPEN_K1}].open_case.institution: unknown institution 'H9'"),
        (lambda d: step(d, OPEN_K1)["claims"].append("C99"),
         f"timeline[{OPEN_K1}].open_case.claims[3]: unknown claim 'C99'"),
        (lambda d: step(d, OPEN_K1).update(claims=["C10"]),  # C10 comes later in the timeline
         f"timeline[{OPEN_K1}].open_case.claims[0]: unknown claim 'C10'"),
        (lambda d: step(d, OPEN_K1).update(by_region=310000),
         f"timeline[{OPEN_K1}].open_case.by_region: unknown region 310000"),
        (lambda d: step(d, OPEN_K1).update(by_region=4401),
         f"timeline[{OPEN_K1}].open_case.by_region: Input should be greater than or equal to 100000 (got 4401)"),
        (lambda d: step(d, 11).update(id="K1"), "timeline[11].open_case.id: duplicate case 'K1'"),
        (lambda d: step(d, OPEN_K1).update(source="AUDIT"),
         (f"timeline[{OPEN_K1}].open_case.source: Input should be 'LEAD', 'TIP', 'INSPECTION' or 'REFERRAL' "
          '(got "AUDIT")')),
        (lambda d: step(d, OPEN_K1).pop("id"), f"timeline[{OPEN_K1}].open_case.id: missing key"),
        (lambda d: step(d, OPEN_K1).update(claims="C1"),
         f'timeline[{OPEN_K1}].open_case.claims: Input should be a valid list (got "C1")'),
        (lambda d: step(d, OPEN_K1).update(colour="red"), f"timeline[{OPEN_K1}].open_case.colour: unknown key"),
        # finding
        (lambda d: step(d, FINDING_K1).update(case="K9"), f"timeline[{FINDING_K1}].finding.case: unknown case 'K9'"),
        (lambda d: step(d, FINDING_K1).update(case="K2"),  # K2 is opened after this step
         f"timeline[{FINDING_K1}].finding.case: unknown case 'K2'"),
        (lambda d: step(d, FINDING_K1)["claims"].append("C99"),
         f"timeline[{FINDING_K1}].finding.claims[2]: unknown claim 'C99'"),
        (lambda d: step(d, FINDING_K1).update(code="re admit"),
         (f"timeline[{FINDING_K1}].finding.code: not a code: 1-32 of A-Z, 0-9 and _ (no free text on chain) "
          '(got "re admit")')),
        (lambda d: step(d, FINDING_K1).pop("code"), f"timeline[{FINDING_K1}].finding.code: missing key"),
        # decide
        (lambda d: step(d, DECIDE_K1).update(case="K55"), f"timeline[{DECIDE_K1}].decide.case: unknown case 'K55'"),
        (lambda d: step(d, DECIDE_K1).update(article=256),
         f"timeline[{DECIDE_K1}].decide.article: Input should be less than or equal to 255 (got 256)"),
        (lambda d: step(d, DECIDE_K1).update(fine_bps=65536),
         f"timeline[{DECIDE_K1}].decide.fine_bps: Input should be less than or equal to 65535 (got 65536)"),
        (lambda d: step(d, DECIDE_K1).update(suspend_days=-1),
         f"timeline[{DECIDE_K1}].decide.suspend_days: Input should be greater than or equal to 0 (got -1)"),
        (lambda d: step(d, DECIDE_K1).pop("suspend_days"), f"timeline[{DECIDE_K1}].decide.suspend_days: missing key"),
        # contest, finalize, close
        (lambda d: step(d, CONTEST_K1).update(case="K66"), f"timeline[{CONTEST_K1}].contest.case: unknown case 'K66'"),
        (lambda d: step(d, FINALIZE_K1).update(case="X"), f"timeline[{FINALIZE_K1}].finalize.case: unknown case 'X'"),
        (lambda d: step(d, CLOSE_K3).update(case="K88"), f"timeline[{CLOSE_K3}].close.case: unknown case 'K88'"),
        (lambda d: step(d, CLOSE_K3).update(institution="H3"), f"timeline[{CLOSE_K3}].close.institution: unknown key"),
        # ruling
        (lambda d: step(d, RULING_K1).update(case="K0"), f"timeline[{RULING_K1}].ruling.case: unknown case 'K0'"),
        (lambda d: step(d, RULING_K1).update(reviewer="R9"),
         f"timeline[{RULING_K1}].ruling.reviewer: unknown reviewer 'R9'"),
        (lambda d: step(d, RULING_K1).update(upheld=1),
         f"timeline[{RULING_K1}].ruling.upheld: Input should be a valid boolean (got 1)"),
        (lambda d: step(d, RULING_K1).update(fine_bps=65536),
         f"timeline[{RULING_K1}].ruling.fine_bps: Input should be less than or equal to 65535 (got 65536)"),
        # pay_fine
        (lambda d: step(d, PAY).update(institution="H9"),
         f"timeline[{PAY}].pay_fine.institution: unknown institution 'H9'"),
        (lambda d: step(d, PAY).update(amount=-1),
         f"timeline[{PAY}].pay_fine.amount: Input should be greater than or equal to 0 (got -1)"),
        (lambda d: step(d, PAY).update(amount=2**64),
         f"timeline[{PAY}].pay_fine.amount: Input should be less than or equal to 18446744073709551615 "
         "(got 18446744073709551616)"),
        (lambda d: step(d, PAY).update(reference=7),
         f"timeline[{PAY}].pay_fine.reference: Input should be a valid string (got 7)"),
    ],
)
def test_bad_supervision_input_is_one_line(change: Callable[[dict[str, Any]], None], message: str) -> None:
    assert fails(change) == message
