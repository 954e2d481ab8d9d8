"""City-scale 基金测算 (issue 15 §3): the generated city, the lean play and ``simulate --city``.

The lean play is held to the full one: for the scenario files of the tests, for seeded random
worlds (reviews, appeals, settlements, clawbacks, cases) and for a city written out as a scenario
document, :func:`play_lean`'s figures, funds and refusals are those of :func:`run_scenario`'s
document. The fund law of adjudication.md ("After the decision") is checked on the city's funds
from the page's own formula, and the city's variant comparison is the one ``simulate --compare``
gives for the same world written as files.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from worlds import random_world
from yibao.cli import run
from yibao.model.types import expected_balance
from yibao.simulate import ModelEngine, run_scenario
from yibao.simulate import city_play
from yibao.simulate.city import City, city_document, make_city
from yibao.simulate.city_play import compare_city, play_city
from yibao.simulate.compare import compare_documents, lean_figures, run_figures, with_policies, load_variant
from yibao.simulate.runner import ClaimStep, play_lean
from yibao.simulate.scenario import Scenario, load_scenario, parse_scenario

DATA = Path(__file__).resolve().parent / "data"
SCENARIOS = ["example.json", "supervision.json", "screening.json", "world.json"]


@pytest.fixture(scope="module")
def small_city() -> City:
    return make_city(400, 3_000, seed=5)


def _variant_policy(tmp_path: Path) -> Path:
    """A richer resident scheme in the city: a lower deductible and higher outpatient ratios."""
    entry = {"region": 500000, "scheme": "RESIDENT", "effective_from": "2026-01-01", "op_deductible": 5_000,
             "ip_deductible": {"1": 20000, "2": 50000, "3": 100000},
             "op_ratio_bps": {"0": 5500, "1": 6500, "2": 5500, "3": 4500},
             "ip_ratio_bps": {"1": 8500, "2": 7000, "3": 5500}, "op_annual_cap": 80000, "annual_cap": 20000000,
             "monthly_visit_limit": 6, "class_b_self_pay_bps": 1500, "cross_region_cut_bps": 1000,
             "waiting_days": 90, "review_threshold": 1500000, "max_claim_age_days": 90, "appeal_days": 15}
    path = tmp_path / "richer.json"
    path.write_text(json.dumps([entry]), encoding="utf-8")
    return path


# ---------------------------------------------------------------------- the generator


def test_the_same_arguments_give_the_same_city(small_city: City) -> None:
    again = make_city(400, 3_000, seed=5)
    assert city_document(again) == city_document(small_city)
    assert city_document(make_city(400, 3_000, seed=6)) != city_document(small_city)


def test_a_city_has_its_claims_in_day_order(small_city: City) -> None:
    claims = [s for s in small_city.steps if isinstance(s, ClaimStep)]
    assert len(claims) == 3_000 == small_city.claims
    assert len(small_city.scenario.people) == 400
    days = [s.at for s in small_city.steps]
    assert days == sorted(days)
    assert all(s.claim.service_date <= s.at for s in claims)
    assert all(s.claim.discharge is None or s.claim.discharge <= s.at for s in claims)
    repeats = [s for s in claims if s.claim.invoice != s.id]
    assert repeats, "a city has invoices sent twice"


def test_a_city_needs_people() -> None:
    with pytest.raises(ValueError, match="people"):
        make_city(0, 10)
    with pytest.raises(ValueError, match="claims"):
        make_city(10, -1)


def test_the_city_document_is_a_valid_scenario_and_plays_to_the_same_figures(small_city: City) -> None:
    scenario = parse_scenario(city_document(small_city))
    document = run_scenario(scenario, ModelEngine())
    full = run_figures(scenario, document)
    lean = lean_figures(small_city.scenario, play_lean(small_city.scenario, ModelEngine(), steps=small_city.steps))
    assert lean == full
    assert full.figures["total"]["claims"] == 3_000
    statuses = {c["status"] for c in document["claims"].values()}
    assert {"SETTLED", "REJECTED"} <= statuses
    reasons = {c["reason"] for c in document["claims"].values()}
    assert {"DUPLICATE", "WAITING_PERIOD"} <= reasons and "FUTURE_SERVICE" not in reasons


# ---------------------------------------------------------------------- the lean play is the full play


def _lean_is_full(scenario: Scenario) -> None:
    document = run_scenario(scenario, ModelEngine())
    run_ = play_lean(scenario, ModelEngine())
    assert lean_figures(scenario, run_) == run_figures(scenario, document)
    assert {code: f.balance for code, f in run_.funds.items()} == {
        code: f["balance"] for code, f in document["funds"].items()}
    refused: dict[str, int] = {}
    for step in document["steps"]:
        if not step["ok"]:
            refused[step["error"]] = refused.get(step["error"], 0) + 1
    assert run_.refused == refused
    assert run_.steps == len(scenario.timeline)


@pytest.mark.parametrize("name", SCENARIOS)
def test_lean_play_of_a_scenario_file(name: str) -> None:
    _lean_is_full(load_scenario(DATA / name))


@pytest.mark.parametrize("seed,after", [(31, False), (32, True), (33, True)])
def test_lean_play_of_a_random_world(seed: int, after: bool) -> None:
    _lean_is_full(parse_scenario(random_world(seed, claims=150, after=after)))


# ---------------------------------------------------------------------- laws of the page


def test_the_fund_law_holds_for_the_city(small_city: City) -> None:
    doc = play_city(small_city, ModelEngine)
    opening = {str(r.code): r.fund for r in small_city.scenario.regions}
    for code, f in doc["funds"].items():
        expected = expected_balance(opening[code], f["contributions"], f["settled"], f["clearing_in"],
                                    f["clearing_out"], f["recovered"])
        assert f["balance"] == expected >= 0
    assert sum(doc["claims_by_status"].values()) == sum(doc["claims_by_reason"].values()) == 3_000
    total = doc["figures"]["total"]
    # every fen billed is the fund's share (paid, or held for a reviewer) or the patient's own pay
    assert total["fund"] + total["held"] + total["own_pay"] == total["billed"]
    settled = sum(f["settled"] for f in doc["funds"].values())
    assert settled == total["fund"]  # every approved claim is settled by the closing settlement
    out_, in_ = (sum(f[k] for f in doc["funds"].values()) for k in ("clearing_out", "clearing_in"))
    assert out_ == in_ > 0


# ---------------------------------------------------------------------- comparison


def test_compare_city_is_simulate_compare_of_the_same_world(small_city: City, tmp_path: Path) -> None:
    policy_file = _variant_policy(tmp_path)
    got = compare_city(small_city, policy_file, ModelEngine)
    base = parse_scenario(city_document(small_city))
    variant = load_variant(base, policy_file).scenario
    want = compare_documents(base, run_scenario(base, ModelEngine()), variant, run_scenario(variant, ModelEngine()))
    for key, value in want.items():
        assert got[key] == value, key
    assert got["total"]["fund"]["variant"] > got["total"]["fund"]["base"]
    assert got["city"]["people"] == 400 and got["variant_kind"] == "policy"


def test_compare_city_without_fork_is_the_same(small_city: City, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    policy_file = _variant_policy(tmp_path)
    forked = compare_city(small_city, policy_file, ModelEngine)
    monkeypatch.setattr(city_play.multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    alone = compare_city(small_city, policy_file, ModelEngine)
    forked.pop("seconds"), alone.pop("seconds")
    assert forked == alone


def test_a_variant_that_fails_in_the_child_is_one_error(small_city: City, tmp_path: Path) -> None:
    parent = os.getpid()

    def engine() -> ModelEngine:
        if os.getpid() != parent:  # the forked child's engine
            raise RuntimeError("no engine here")
        return ModelEngine()

    from yibao.errors import YibaoError
    with pytest.raises(YibaoError, match="variant's play failed: RuntimeError: no engine here"):
        compare_city(small_city, _variant_policy(tmp_path), engine)


def test_a_city_variant_is_a_policy_file(small_city: City, tmp_path: Path) -> None:
    other = tmp_path / "scenario.json"
    other.write_text(json.dumps(city_document(make_city(100, 10, seed=1))), encoding="utf-8")
    from yibao.errors import InputError
    with pytest.raises(InputError):
        compare_city(small_city, other, ModelEngine)


def test_with_policies_keeps_the_city_world(small_city: City, tmp_path: Path) -> None:
    variant = load_variant(small_city.scenario, _variant_policy(tmp_path)).scenario
    assert variant.people is small_city.scenario.people
    assert variant.policies != small_city.scenario.policies
    assert with_policies(small_city.scenario, []).policies == small_city.scenario.policies


# ---------------------------------------------------------------------- the fast engine


@pytest.mark.anvil
def test_a_small_city_plays_and_compares_the_same_on_the_fast_engine(tmp_path: Path) -> None:
    from functools import partial

    from yibao.simulate.chain_engine import ChainEngine

    city = make_city(100, 250, seed=9)
    model = lean_figures(city.scenario, play_lean(city.scenario, ModelEngine(), steps=city.steps))
    engine = ChainEngine(engine="anvil")
    try:
        chain = lean_figures(city.scenario, play_lean(city.scenario, engine, steps=city.steps))
    finally:
        engine.close()
    assert chain == model
    policy = _variant_policy(tmp_path)
    on_chain = compare_city(city, policy, partial(ChainEngine, engine="anvil"))  # the variant in a forked child
    on_model = compare_city(city, policy, ModelEngine)
    on_chain.pop("seconds"), on_model.pop("seconds")
    assert on_chain == on_model


# ---------------------------------------------------------------------- the command


def _json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> dict[str, Any]:
    assert run(argv) == 0
    return dict(json.loads(capsys.readouterr().out))


def test_simulate_city_json(capsys: pytest.CaptureFixture[str]) -> None:
    doc = _json(capsys, ["simulate", "--city", "--model", "--people", "300", "--claims", "2000", "--seed", "4",
                         "--json"])
    assert doc["engine"] == "model" and doc["city"]["claims"] == 2000 and doc["city"]["seed"] == 4
    assert doc["figures"]["total"]["claims"] == 2000
    expected = play_city(make_city(300, 2000, seed=4), ModelEngine)
    for key in ("funds", "claims_by_status", "claims_by_reason", "figures", "steps", "refused"):
        assert doc[key] == expected[key], key


def test_simulate_city_compare_json(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    doc = _json(capsys, ["simulate", "--city", "--model", "--people", "300", "--claims", "2000",
                         "--compare", str(_variant_policy(tmp_path)), "--report", str(tmp_path / "out"), "--json"])
    assert doc["policy_changes"] and doc["total"]["claims"]["base"] == 2000
    assert Path(doc["report"]).is_file()


def test_simulate_city_text(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["simulate", "--city", "--model", "--people", "200", "--claims", "500"]) == 0
    text = capsys.readouterr().out
    assert "基金测算" in text and "500" in text


@pytest.mark.parametrize("argv,words", [
    (["simulate", "--city", "x.json", "--model"], "takes no FILE"),
    (["simulate", "--city", "--model", "--report", "out"], "--report needs --compare"),
    (["simulate", "--city", "--model", "--people", "5"], "people in the city must be 100.."),
    (["simulate", "--city", "--model", "--claims", "many"], "is not a whole number"),
    (["simulate", "--city", "--model", "--engine", "pyevm"], "--model"),
    (["simulate"], "give a scenario FILE, or --city"),
    (["simulate", "x.json", "--people", "500", "--seed", "3"], "--people, --seed go with --city"),
])
def test_simulate_city_refusals(capsys: pytest.CaptureFixture[str], argv: list[str], words: str) -> None:
    assert run(argv) == 2
    captured = capsys.readouterr()
    assert words in captured.err and captured.out == ""
    assert len(captured.err.strip().splitlines()) == 1
