"""supervision.json on the reference model, the embedded chain and anvil: the same document.

The scenario (supervision.md §In a scenario) plays every case step: K1 (LEAD, art. 40,
contested, upheld with a new fine, a suspension, then reinstated), K2 (TIP, art. 38, contested,
DISMISSED), K3 (INSPECTION, a finding, closed NO_VIOLATION), K4 (a REFERRAL by Guangzhou,
finalized once the contest window has passed), K7 (opened on claims K1 found: closed without a
finding), and a refusal of every kind a scenario can express. The figures checked below were
worked out by hand from the page (op deductible 0, 5000 bps: a claim's fund share is half its
bill; C3 is a Guangzhou person's: 4000 bps).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from yibao.simulate import ModelEngine, run_scenario
from yibao.simulate.scenario import Scenario, load_scenario, parse_scenario

DATA = Path(__file__).parent / "data"
SCENARIO = DATA / "supervision.json"


def expected() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((DATA / "supervision.expected.json").read_text("utf-8"))
    return doc


def scenario_doc() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(SCENARIO.read_text("utf-8"))
    return doc


@pytest.fixture(scope="module")
def out() -> dict[str, Any]:
    engine = ModelEngine()
    doc = run_scenario(load_scenario(SCENARIO), engine)
    engine.ledger.check_fund_law()
    return doc


def test_the_document_is_the_expected_one(out: dict[str, Any]) -> None:
    assert out == expected()
    assert list(out) == ["claims", "steps", "funds", "institutions", "alerts", "cases"]


def test_cases(out: dict[str, Any]) -> None:
    assert out["cases"] == {
        # found C1, C4 then C2 (C1 again changes nothing); loss C1 + C2 = 10000 + 20000 (C4 was
        # FLAGGED: never payable); decided at 30000 bps, upheld at 25000: 75000
        "K1": {"status": "CLOSED", "outcome": "PENALIZED", "found": ["C1", "C2", "C4"], "loss": 30000,
               "fine": 75000},
        # dismissed: keeps the loss and fine it was decided with (5000 × 1.5)
        "K2": {"status": "CLOSED", "outcome": "DISMISSED", "found": ["C5"], "loss": 5000, "fine": 7500},
        # never decided: 0, 0
        "K3": {"status": "CLOSED", "outcome": "NO_VIOLATION", "found": ["C7"], "loss": 0, "fine": 0},
        "K4": {"status": "CLOSED", "outcome": "PENALIZED", "found": ["C3"], "loss": 8000, "fine": 8000},
        "K7": {"status": "CLOSED", "outcome": "NO_VIOLATION", "found": [], "loss": 0, "fine": 0},
    }  # K5, K6, K8, K9, K10: refused opens, no case


def test_finalize_executed_the_cases(out: dict[str, Any]) -> None:
    c = out["claims"]
    statuses = {k: (v["status"], v["reason"]) for k, v in c.items()}
    assert statuses["C1"] == statuses["C2"] == statuses["C3"] == ("CLAWED_BACK", None)
    assert statuses["C4"] == ("REJECTED", "SUPERVISION")  # FLAGGED when K1 was finalized
    assert statuses["C5"] == ("SETTLED", None)  # K2 dismissed: nothing executed
    assert statuses["C7"] == ("APPROVED", None)  # K3: no violation
    assert statuses["C9"] == ("REJECTED", "INSTITUTION_INACTIVE")  # H1 suspended by K1
    assert statuses["C10"] == ("FLAGGED", None) and c["C10"]["flags"] == ["INSTITUTION_GRADE"]  # D
    assert out["institutions"]["H1"] == {
        # C1 + C2 + C3 = 38000 paid, all clawed back: the debt
        "payable": 0, "paid": 38000, "debt": 38000, "frozen": False,
        # 100 − 25 (art. 40 here) − 10 = 65: C (floor 75) after K1, D (floor 65) after K4
        "grade": "D", "status": "ACTIVE", "fines_owed": 3000, "fines_paid": 80000, "score": 65,
    }
    assert out["institutions"]["H2"]["score"] == 100 and out["institutions"]["H2"]["grade"] == "A"
    # fines go to the treasury: the fund only paid 38000 + C5 + C6
    assert out["funds"]["500000"]["settled"] == 48000 and out["funds"]["500000"]["recovered"] == 0


def test_every_refusal(out: dict[str, Any]) -> None:
    refused = [(i, s["kind"], s["error"]) for i, s in enumerate(out["steps"]) if not s["ok"]]
    assert refused == [
        (12, "decide", "CaseHasNoFinding"),
        (15, "open_case", "ReferralOutsideRegion"),  # P1 is not Guangzhou's
        (16, "open_case", "CaseSourceInvalid"),  # a REFERRAL from the institution's own region
        (17, "open_case", "ClaimOfOtherInstitution"),
        (18, "open_case", "CaseClaimsInvalid"),  # no claims
        (19, "open_case", "ClaimListedTwice"),
        (20, "finding", "CaseUnknown"),  # K5 was never opened
        (23, "finding", "ClaimNotInCase"),
        (24, "finding", "ClaimAlreadyFound"),  # K1 found C4
        (25, "finding", "ReasonInvalid"),  # an empty code
        (29, "decide", "FineBpsOutOfBounds"),
        (30, "decide", "ArticleInvalid"),
        (34, "close", "CaseStateInvalid"),
        (35, "finding", "CaseStateInvalid"),
        (36, "finalize", "FinalizeTooEarly"),
        (37, "ruling", "CaseStateInvalid"),
        (39, "contest", "CaseStateInvalid"),
        (40, "finalize", "CaseStateInvalid"),
        (41, "ruling", "FineBpsOutOfBounds"),
        (43, "contest", "CaseAlreadyContested"),
        (47, "finalize", "CaseStateInvalid"),
        (49, "finding", "ClaimNotLive"),  # C4 REJECTED by K1
        (51, "pay_fine", "FineExceedsOwed"),
        (52, "pay_fine", "AmountZero"),
        (55, "contest", "ContestWindowClosed"),
    ]


@pytest.fixture(params=["embedded", pytest.param("anvil", marks=pytest.mark.anvil)])
def engine_rpc(request: pytest.FixtureRequest) -> Iterator[str | None]:
    """None (a fresh embedded chain) or the URL of a fresh anvil set before the scenario's start."""
    if request.param == "embedded":
        yield None
        return
    from yibao.chain.node import AnvilNode
    from yibao.units import noon_cst

    with AnvilNode(timestamp=noon_cst(load_scenario(SCENARIO).start) - 86_400) as node:
        yield node.url


def test_the_chain_gives_the_same_document(engine_rpc: str | None) -> None:
    from yibao.client.reports import fund_law_holds
    from yibao.simulate.chain_engine import ChainEngine

    engine = ChainEngine(engine_rpc)
    s = load_scenario(SCENARIO)
    doc = run_scenario(s, engine)
    assert doc.pop("gas")["total"] > 0
    assert doc == expected()
    assert all(fund_law_holds(engine.ledger.fund(r.code)) for r in s.regions)
    assert engine.ledger.supervision_params(440100).contest_days == 10  # applied to every region


class Counting(ModelEngine):
    """The model, counting the case steps that reach the engine."""

    def __init__(self) -> None:
        super().__init__()
        self.case_calls = 0

    def add_finding(self, case: int, claims: Any, code: str, evidence: str) -> None:
        self.case_calls += 1
        super().add_finding(case, claims, code, evidence)


def test_a_step_on_a_case_never_opened_does_not_reach_the_engine() -> None:
    doc = scenario_doc()
    doc["timeline"] = [
        *doc["timeline"][:8],
        {"at": "2026-01-12", "open_case": {"id": "K1", "institution": "H1", "claims": [], "source": "TIP"}},
        {"at": "2026-01-12", "finding": {"case": "K1", "claims": ["C1"], "code": "READMIT"}},
    ]
    engine = Counting()
    out = run_scenario(parse_scenario(doc), engine)
    assert [s["error"] for s in out["steps"][-2:]] == ["CaseClaimsInvalid", "CaseUnknown"]
    assert engine.case_calls == 0 and out["cases"] == {}


def test_supervision_output_only_with_supervision() -> None:
    """A scenario without supervision keeps its document; ``supervision`` alone adds the sections."""
    doc = json.loads((DATA / "example.json").read_text("utf-8"))
    plain = run_scenario(parse_scenario(doc), ModelEngine())
    assert "cases" not in plain and "score" not in plain["institutions"]["H1"]
    doc["supervision"] = {}
    s: Scenario = parse_scenario(doc)
    assert s.uses_supervision
    with_params = run_scenario(s, ModelEngine())
    assert with_params["cases"] == {}
    assert with_params["institutions"]["H1"] == {
        **plain["institutions"]["H1"], "status": "ACTIVE", "fines_owed": 0, "fines_paid": 0, "score": 100,
    }
