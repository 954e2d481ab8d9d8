"""run_scenario with the reference model: the output document of scenario.md."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from yibao.model.types import FundState, InstitutionState
from yibao.simulate.scenario import load_scenario, parse_scenario
from yibao.simulate import Engine, GasFigures, ModelEngine, run_scenario

DATA = Path(__file__).parent / "data"


def run(name: str) -> dict[str, Any]:
    return run_scenario(load_scenario(DATA / f"{name}.json"), ModelEngine())


def expected(name: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((DATA / f"{name}.expected.json").read_text("utf-8"))
    return doc


def test_example_document() -> None:
    out = run("example")
    assert out == expected("example")
    assert list(out) == ["claims", "steps", "funds", "institutions", "alerts"]  # no gas
    # scenario.md's own figures for C1: all deductible
    assert out["claims"]["C1"] == {
        "status": "APPROVED", "reason": None, "flags": [],
        "billed": 25100, "eligible": 25100, "deductible": 25100, "fund": 0, "patient": 25100,
        "lines": [{"code": "XA01", "eligible": 25100, "notes": []}],
    }
    assert [(s["kind"], s["error"]) for s in out["steps"] if not s["ok"]] == [
        ("review", "ClaimNotReviewable"),
        ("appeal", "ClaimNotAppealable"),
        ("settle", "NothingToSettle"),
        ("clear", "NothingToClear"),
        ("clawback", "ClaimNotSettled"),
        ("institution_status", "InstitutionUnchanged"),
    ]
    assert out["funds"]["500000"]["balance"] == 100_060_000  # + the 60000 contribution
    assert out["institutions"]["H1"] == {
        "payable": 0, "paid": 0, "debt": 0, "frozen": True, "grade": "C"
    }


def test_world_document() -> None:
    """world.json: every figure below was computed by hand (see the comments)."""
    out = run("world")
    assert out == expected("world")
    c = out["claims"]
    amounts = {k: (v["status"], v["reason"], v["billed"], v["eligible"], v["deductible"],
                   v["fund"], v["patient"]) for k, v in c.items()}
    assert amounts == {
        # 25100 + 5000 (B, capped 3000 → 2700) + 1000 (C); d 10000; (27800 − 10000) × 0.5
        "C1": ("SETTLED", None, 31100, 27800, 10000, 8900, 22200),
        "C2": ("REJECTED", "DUPLICATE", 100, 0, 0, 0, 100),
        # fund would be 20000 × 0.5 = 10000 < claimed 15000
        "C3": ("REJECTED", "OVERCLAIM", 20000, 0, 0, 0, 20000),
        # flagged (100000 > 50000), rejected, appealed, approved, settled, clawed back
        "C4": ("CLAWED_BACK", None, 200000, 0, 0, 0, 200000),
        # Chengdu pharmacy, no filing: 5000 − 1000 = 4000 bps; 3rd visit of January
        "C5": ("SETTLED", None, 1000, 1000, 0, 400, 600),
        # Guangzhou level 2 without filing: 5000 bps
        "C6": ("SETTLED", None, 10000, 10000, 0, 5000, 5000),
        # inpatient with filing: d 50000, 8500 bps
        "C7": ("SETTLED", None, 100000, 100000, 50000, 42500, 57500),
        "C8": ("SETTLED", None, 30000, 30000, 0, 15000, 15000),
        "C9": ("REJECTED", "NO_POLICY", 1000, 0, 0, 0, 1000),
        # 3rd February visit, grade D; filing: 6000 bps
        "C10": ("FLAGGED", None, 1000, 1000, 0, 600, 400),
        "C11": ("REJECTED", "PATIENT_INACTIVE", 500, 0, 0, 0, 500),
    }
    assert "C12" not in c  # refused: zero quantity
    assert c["C1"]["lines"][1] == {"code": "XB01", "eligible": 2700, "notes": ["PRICE_CAPPED"]}
    assert c["C2"]["lines"] == [] and c["C9"]["lines"] == []
    assert c["C3"]["lines"] == [{"code": "XA01", "eligible": 20000, "notes": []}]
    assert c["C4"]["flags"] == ["REVIEW_THRESHOLD"]
    assert c["C10"]["flags"] == ["VISIT_LIMIT", "INSTITUTION_GRADE"]
    assert [(s["at"], s["error"]) for s in out["steps"] if not s["ok"]] == [
        ("2026-01-26", "AppealAlreadyFiled"),
        ("2026-01-27", "ReviewerConflict"),
        ("2026-02-08", "ClearingExceedsDebt"),
        ("2026-02-10", "NothingToClear"),
        ("2026-02-13", "NothingToSettle"),
        ("2026-02-14", "InstitutionFrozen"),
        ("2026-02-15", "FundInsufficient"),
        ("2026-02-22", "ClaimLineQuantityZero"),
        ("2026-02-24", "PersonTerminated"),
    ]
    assert out["funds"] == {
        # 10,000,000 − (108900 + 15000) settled − 47500 cleared + 15000 netted
        "500000": {"balance": 9_843_600, "contributions": 0, "settled": 123_900,
                   "clearing_in": 0, "clearing_out": 47_500, "recovered": 15_000},
        # paid C6 + C7 = 47500, got it back in clearing
        "440100": {"balance": 1_000_000, "contributions": 0, "settled": 47_500,
                   "clearing_in": 47_500, "clearing_out": 0, "recovered": 0},
        # 100 + 1000 contribution − 400 for C5
        "510100": {"balance": 700, "contributions": 1000, "settled": 400,
                   "clearing_in": 0, "clearing_out": 0, "recovered": 0},
    }
    assert out["institutions"] == {
        # paid C1 + C4 = 108900; C4's 100000 clawed back, 15000 netted (C8)
        "H1": {"payable": 0, "paid": 108_900, "debt": 85_000, "frozen": False, "grade": "A"},
        "H2": {"payable": 0, "paid": 47_500, "debt": 0, "frozen": False, "grade": "D"},
        "D1": {"payable": 0, "paid": 400, "debt": 0, "frozen": False, "grade": "A"},
    }
    assert out["alerts"] == [
        {"kind": "DUPLICATE", "claim": "C2"},
        {"kind": "OVERCLAIM", "claim": "C3"},
        {"kind": "REVIEW_THRESHOLD", "claim": "C4"},
        {"kind": "VISIT_LIMIT", "claim": "C5"},
        {"kind": "VISIT_LIMIT", "claim": "C10"},
        {"kind": "INSTITUTION_GRADE", "claim": "C10"},
    ]


def test_runs_are_deterministic_byte_for_byte() -> None:
    a = json.dumps(run("world"), ensure_ascii=False)
    b = json.dumps(run("world"), ensure_ascii=False)
    assert a == b


def test_model_engine_satisfies_the_protocol_and_keeps_the_fund_law() -> None:
    engine: Engine = ModelEngine()
    run_scenario(load_scenario(DATA / "world.json"), engine)
    assert isinstance(engine, ModelEngine)
    engine.ledger.check_fund_law()


class GasModel(ModelEngine):
    """The model pretending to spend gas, to check the report's gas section."""

    def gas(self) -> GasFigures | None:
        return GasFigures(total=1_000_000, claims_total=700_001, claims=3)


def test_gas_section_only_when_the_engine_reports_gas() -> None:
    out = run_scenario(load_scenario(DATA / "example.json"), GasModel())
    assert out["gas"] == {"total": 1_000_000, "per_claim_mean": 233_333}
    assert list(out)[-1] == "gas"


class RawEngine(ModelEngine):
    """An engine that reports raw stored amounts for rejected claims (as a chain might)."""

    def claim_state(self, claim):  # type: ignore[no-untyped-def]
        from dataclasses import replace

        d = super().claim_state(claim)
        return None if d is None else replace(d, eligible=7, deductible=7, fund=7, patient=1)

    def fund_state(self, region: int) -> FundState:
        return super().fund_state(region)

    def institution_state(self, institution: str) -> InstitutionState:
        return super().institution_state(institution)


def test_display_rules_are_applied_by_the_runner() -> None:
    out = run_scenario(load_scenario(DATA / "world.json"), RawEngine())
    c3 = out["claims"]["C3"]  # REJECTED: amounts 0 whatever the engine says
    assert (c3["eligible"], c3["deductible"], c3["fund"], c3["patient"]) == (0, 0, 0, 20000)
    c1 = out["claims"]["C1"]  # patient is always billed − fund
    assert (c1["fund"], c1["patient"]) == (7, 31093)


def test_duplicate_claim_steps_act_on_the_stored_claim() -> None:
    doc = json.loads((DATA / "world.json").read_text("utf-8"))
    doc["timeline"] = [
        *doc["timeline"][:4],
        {"at": "2026-01-20", "review": {"claim": "C2", "reviewer": "R1", "decision": "approve"}},
    ]
    out = run_scenario(parse_scenario(doc), ModelEngine())
    # C2 shares C1's invoice: C1 is APPROVED, so the review is refused
    assert out["steps"][-1] == {
        "at": "2026-01-20", "kind": "review", "ok": False, "error": "ClaimNotReviewable"
    }
    assert out["claims"]["C2"]["reason"] == "DUPLICATE"
