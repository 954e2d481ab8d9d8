"""The worked claim shown in the README: chain and model agree with the hand-computed split."""

from __future__ import annotations

from pathlib import Path

from yibao.simulate.chain_engine import ChainEngine
from yibao.simulate.scenario import load_scenario
from yibao.simulate import ModelEngine, run_scenario

EXAMPLE = Path(__file__).resolve().parents[1] / "docs" / "examples" / "worked_claim.json"


def test_readme_worked_claim() -> None:
    # by hand (README): XA01 2 × 125.50 = 251.00 eligible (甲类); XB02 price 35.00 capped to 30.00,
    # qty 3 capped to 2, 乙类 keeps 90% → 54.00; XC03 丙类 → 0. E = 305.00. Deductible left
    # 800.00 − 750.00 = 50.00. Level-2 outpatient ratio 60%: (305.00 − 50.00) × 60% = 153.00.
    want = {"status": "APPROVED", "billed": 36400, "eligible": 30500, "deductible": 5000,
            "fund": 15300, "patient": 21100}
    scenario = load_scenario(EXAMPLE)
    for engine in (ModelEngine(), ChainEngine()):
        claim = run_scenario(scenario, engine)["claims"]["C2"]
        assert {k: claim[k] for k in want} == want
        assert [(x["code"], x["eligible"], x["notes"]) for x in claim["lines"]] == [
            ("XA01", 25100, []), ("XB02", 5400, ["PRICE_CAPPED", "QTY_CAPPED"]), ("XC03", 0, ["CATEGORY_C"]),
        ]
