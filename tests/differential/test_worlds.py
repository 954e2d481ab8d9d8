"""The random world generator (worlds) really exercises the rules.

Every world of seeds 0..19 (200 claims) loads, plays through the reference model with no
claim refused, keeps the money identities, and together the worlds make every reason
code, flag and line note of adjudication.md appear; with ``after=True`` every kind of
post-decision step both succeeds and is refused in every world, and (together) every case
step of supervision.md.
"""

from __future__ import annotations

import collections
import datetime as dt
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from worldrun import model_report
from yibao.errors import ScenarioError
from yibao.model import rules
from yibao.model.types import NOTE_ORDER, Flag, PolicyVersion, Reason, VisitType
from yibao.simulate.scenario import load_scenario, parse_scenario
from yibao.simulate import ModelEngine, run_scenario
from worlds import MALFORMED_KINDS, random_world, random_world_file

SEEDS = range(20)
CLAIMS = 200
AFTER_KINDS = ("review", "appeal", "settle", "clear", "clawback")
REGISTRY_KINDS = {"set_grade", "person_status", "institution_status", "filing"}
REGISTRY_REFUSALS = {
    "InstitutionUnchanged",
    "InstitutionRevoked",
    "PersonTerminated",
    "PersonStatusTransitionInvalid",
    "FilingLimitReached",
}

World = tuple[dict[str, Any], dict[str, Any]]


@pytest.fixture(scope="module")
def worlds() -> list[World]:
    """(document, model report) for seeds 0..19, claims and registry steps only."""
    out = []
    for seed in SEEDS:
        doc = random_world(seed, CLAIMS)
        out.append((doc, model_report(doc)))
    return out


@pytest.fixture(scope="module")
def after_worlds() -> list[World]:
    """(document, model report) for seeds 0..19 with the post-decision steps."""
    out = []
    for seed in SEEDS:
        doc = random_world(seed, CLAIMS, after=True)
        out.append((doc, model_report(doc)))
    return out


def claim_steps(doc: dict[str, Any]) -> Iterator[dict[str, Any]]:
    return (step["claim"] for step in doc["timeline"] if "claim" in step)


# ---------------------------------------------------------------- determinism, shape


@pytest.mark.parametrize("kwargs", [{}, {"after": True}, {"malformed_rate": 0.3, "people": 7}])
def test_same_seed_same_world(kwargs: dict[str, Any]) -> None:
    for seed in (0, 5, 123456789):
        first = random_world(seed, 120, **kwargs)
        assert random_world(seed, 120, **kwargs) == first
        # JSON-shaped: survives a round trip unchanged (no dates, tuples, ...)
        assert json.loads(json.dumps(first)) == first
    assert random_world(1, 120, **kwargs) != random_world(2, 120, **kwargs)


def test_same_claims_whatever_the_options() -> None:
    """The post-decision steps and the malformed claims draw from their own streams."""
    plain = random_world(4, CLAIMS)
    after = random_world(4, CLAIMS, after=True)
    assert list(claim_steps(after)) == list(claim_steps(plain))
    assert [s for s in after["timeline"] if s.keys() & REGISTRY_KINDS] == [
        s for s in plain["timeline"] if s.keys() & REGISTRY_KINDS
    ]
    bad = random_world(4, CLAIMS, malformed_rate=0.2)
    assert [c["id"] for c in claim_steps(bad)] == [c["id"] for c in claim_steps(plain)]
    assert {k: v for k, v in bad.items() if k != "timeline"} == {
        k: v for k, v in plain.items() if k != "timeline"
    }


def test_start_moves_the_world() -> None:
    start = dt.date(2026, 11, 30)
    moved = random_world(8, 60, after=True, start=start)
    plain = random_world(8, 60, after=True)
    assert moved["start"] == "2026-11-30"

    def offsets(doc: dict[str, Any]) -> list[int]:
        first = dt.date.fromisoformat(doc["start"])
        return [(dt.date.fromisoformat(s["at"]) - first).days for s in doc["timeline"]]

    assert offsets(moved) == offsets(plain)
    parse_scenario(moved)


def test_random_world_file(tmp_path: Path) -> None:
    path = random_world_file(3, tmp_path / "w.json", 50, after=True, people=10)
    assert path == tmp_path / "w.json"
    assert json.loads(path.read_text(encoding="utf-8")) == random_world(
        3, 50, after=True, people=10
    )
    scenario = load_scenario(path)
    assert len(scenario.people) == 10
    assert sum(1 for step in scenario.timeline if step.claim is not None) == 50


def test_bad_arguments() -> None:
    with pytest.raises(ValueError):
        random_world(0, -1)
    with pytest.raises(ValueError):
        random_world(0, people=0)
    with pytest.raises(ValueError):
        random_world(0, malformed_rate=1.5)
    assert random_world(0, 0)["timeline"] == []


def test_world_shape(worlds: list[World]) -> None:
    """Small numbers, 2026 starts, an ordered timeline, every visit type and level."""
    visits: collections.Counter[str] = collections.Counter()
    levels_by_visit: dict[str, set[int]] = collections.defaultdict(set)
    later_versions = 0
    for doc, _ in worlds:
        start = dt.date.fromisoformat(doc["start"])
        assert start.year == 2026
        assert 2 <= len(doc["regions"]) <= 3
        days = [dt.date.fromisoformat(s["at"]) for s in doc["timeline"]]
        assert days == sorted(days) and days[0] >= start
        assert {s for step in doc["timeline"] for s in step if s != "at"} <= {
            "claim",
            *REGISTRY_KINDS,
        }
        schemes = {p["scheme"] for p in doc["policies"]}
        assert schemes == {"EMPLOYEE", "RESIDENT"}
        for p in doc["policies"]:
            assert 0 <= p["op_deductible"] <= 2000
            assert p["op_annual_cap"] == 0 or 5000 <= p["op_annual_cap"] <= 50_000
            assert 20_000 <= p["annual_cap"] <= 200_000
            assert 0 <= p["monthly_visit_limit"] <= 4
            assert 0 <= p["waiting_days"] <= 30
            assert 10 <= p["max_claim_age_days"] <= 60
            assert 0 <= p["class_b_self_pay_bps"] <= 3000
            assert 0 <= p["cross_region_cut_bps"] <= 3000
        later_versions += len(doc["policies"]) - len({(p["region"], p["scheme"]) for p in doc["policies"]})
        levels = {i["id"]: i["level"] for i in doc["institutions"]}
        assert set(levels.values()) >= {0} and set(levels.values()) - {0}
        assert {i["grade"] for i in doc["institutions"]} <= set("ABCDE")
        for claim in claim_steps(doc):
            visits[claim["visit"]] += 1
            levels_by_visit[claim["visit"]].add(levels[claim["institution"]])
            assert 1 <= len(claim["lines"]) <= 5
            for line in claim["lines"]:
                assert 1 <= line["qty"] <= 20 and 100 <= line["unit_price"] <= 50_000
    assert later_versions > 0
    assert set(visits) == {"OUTPATIENT", "INPATIENT", "PHARMACY"}
    assert levels_by_visit["PHARMACY"] == {0}
    assert 0 in levels_by_visit["OUTPATIENT"]  # now and then an outpatient claim at a pharmacy
    assert 0 not in levels_by_visit["INPATIENT"]


# ---------------------------------------------------------------- the model's report


def test_every_claim_is_decided_and_adds_up(worlds: list[World]) -> None:
    for doc, report in worlds:
        assert len(report["steps"]) == len(doc["timeline"])
        for step, outcome in zip(doc["timeline"], report["steps"], strict=True):
            if "claim" in step:
                assert outcome["ok"], (doc["start"], step, outcome)
            elif not outcome["ok"]:
                assert outcome["error"] in REGISTRY_REFUSALS, outcome
        for claim in claim_steps(doc):
            c = report["claims"][claim["id"]]
            billed = sum(line["qty"] * line["unit_price"] for line in claim["lines"])
            assert c["billed"] == billed < 2**30  # far below the 2³⁶ fen of a claim
            assert c["patient"] + c["fund"] == c["billed"]
            assert 0 <= c["deductible"] <= c["eligible"] <= c["billed"]
            assert 0 <= c["fund"] <= c["eligible"] - c["deductible"]
            if c["lines"]:
                assert [x["code"] for x in c["lines"]] == [x["code"] for x in claim["lines"]]
                if c["status"] in ("APPROVED", "FLAGGED"):
                    assert sum(x["eligible"] for x in c["lines"]) == c["eligible"]


def test_every_reason_flag_and_note_appears(worlds: list[World]) -> None:
    reasons: collections.Counter[str | None] = collections.Counter()
    flags: collections.Counter[str] = collections.Counter()
    notes: collections.Counter[str] = collections.Counter()
    for _, report in worlds:
        for c in report["claims"].values():
            reasons[c["reason"]] += 1
            flags.update(c["flags"])
            for line in c["lines"]:
                notes.update(line["notes"])
    # NOT_ENROLLED cannot come from a scenario (see the next test); the reviewer's and the
    # appeal's rejections need review steps, SUPERVISION a finalized case (after=True, tested below)
    expected = {r.name for r in Reason} - {"NONE", "NOT_ENROLLED", "REVIEW_REJECTED", "APPEAL_REJECTED",
                                           "SUPERVISION"}
    assert expected - set(reasons) == set(), reasons
    assert {f.name for f in Flag if f.name and f is not Flag.NONE} - set(flags) == set(), flags
    assert {n.name for n in NOTE_ORDER} - set(notes) == set(), notes
    # not a trickle: every one of them at least a few times over the 20 worlds
    assert min(reasons[r] for r in expected) >= 5, reasons
    assert min(flags.values()) >= 20 and min(notes.values()) >= 20, (flags, notes)
    assert reasons[None] >= len(worlds) * CLAIMS // 2  # most claims pass the claim checks


def test_not_enrolled_cannot_be_written_in_a_scenario() -> None:
    """Every person a claim names must be enrolled at ``start``: NOT_ENROLLED is unreachable."""
    doc = random_world(0, 5)
    doc["timeline"][0]["claim"]["person"] = "P999"
    with pytest.raises(ScenarioError, match=r"claim\.person: unknown person 'P999'"):
        parse_scenario(doc)


def test_the_rules_are_exercised(monkeypatch: pytest.MonkeyPatch) -> None:
    """Probe the model while it plays seeds 0..19: caps bind, cuts apply, versions change."""
    seen: collections.Counter[str] = collections.Counter()

    def wrap(name: str, probe: Callable[..., None]) -> None:
        original = getattr(rules, name)

        def wrapper(*args: Any) -> Any:
            result = original(*args)
            probe(result, *args)
            return result

        monkeypatch.setattr(rules, name, wrapper)

    def cap_fund(
        result: int, fund: int, visit: VisitType, policy: PolicyVersion, op_used: int, used: int
    ) -> None:
        op_left = max(0, policy.op_annual_cap - op_used)
        if rules.is_outpatient(visit) and op_left < fund:
            seen["op cap binds"] += 1
        if result < min(fund, op_left if rules.is_outpatient(visit) else fund):
            seen["annual cap binds"] += 1

    def ratio(result: int, visit: VisitType, policy: PolicyVersion, level: int, cut: bool) -> None:
        if cut and policy.cross_region_cut_bps > 0:
            seen["cross-region cut"] += 1
            if result == 0:
                seen["cut to nothing"] += 1

    def filing(result: bool, *_: object) -> None:
        seen["filing covers"] += bool(result)

    def select(result: PolicyVersion | None, versions: Any, day: dt.date) -> None:
        versions = list(versions)
        if result is not None and result is not versions[0]:
            seen["later policy version"] += 1

    def deductible(
        result: int, visit: VisitType, eligible: int, policy: PolicyVersion, level: int, used: int
    ) -> None:
        if visit is VisitType.INPATIENT:
            seen["inpatient deductible"] += result > 0
        elif 0 < used < policy.op_deductible and result > 0:
            seen["deductible partly used"] += 1
        elif 0 < policy.op_deductible <= used:
            seen["deductible used up"] += 1

    def lines(result: Any, claim_lines: Any, catalogue: Any, visit: VisitType, day: dt.date, *_: Any) -> None:
        seen[f"service year {day.year}"] += 1

    wrap("cap_fund", cap_fund)
    wrap("ratio_bps", ratio)
    wrap("filing_covers", filing)
    wrap("select_policy", select)
    wrap("deductible", deductible)
    wrap("evaluate_lines", lines)
    for seed in SEEDS:
        run_scenario(parse_scenario(random_world(seed, CLAIMS)), ModelEngine())
    for what in (
        "op cap binds",
        "annual cap binds",
        "cross-region cut",
        "cut to nothing",
        "filing covers",
        "later policy version",
        "inpatient deductible",
        "deductible partly used",
        "deductible used up",
        "service year 2026",
        "service year 2027",
    ):
        assert seen[what] >= 3, (what, seen)


# ---------------------------------------------------------------- after the decision


def test_after_steps_succeed_and_are_refused(after_worlds: list[World]) -> None:
    totals: collections.Counter[tuple[str, bool]] = collections.Counter()
    errors: collections.Counter[str] = collections.Counter()
    idle_clearing = 0  # worlds whose cross-region shares were all clawed back: nothing to clear
    for doc, report in after_worlds:
        per_world: collections.Counter[tuple[str, bool]] = collections.Counter()
        for step, outcome in zip(doc["timeline"], report["steps"], strict=True):
            kind = outcome["kind"]
            assert kind in step
            if kind == "claim":
                assert outcome["ok"], (step, outcome)
            per_world[(kind, outcome["ok"])] += 1
            if outcome["error"] is not None:
                errors[outcome["error"]] += 1
        for kind in AFTER_KINDS:
            if kind == "clear" and per_world[(kind, True)] == 0:
                idle_clearing += 1
                continue
            assert per_world[(kind, True)] >= 1, (doc["start"], kind, "never succeeds")
            assert per_world[(kind, False)] >= 1, (doc["start"], kind, "never refused")
        totals.update(per_world)
    assert idle_clearing <= len(after_worlds) // 10, idle_clearing
    for kind in AFTER_KINDS:  # many succeed
        ok, refused = totals[(kind, True)], totals[(kind, False)]
        assert ok >= (ok + refused) // 5, (kind, ok, refused)
    for kind in ("freeze", "unfreeze", "contribution"):
        assert totals[(kind, True)] > 0, kind
    assert {
        "ClaimNotReviewable",
        "ReviewerConflict",
        "ClaimNotAppealable",
        "AppealAlreadyFiled",
        "AppealWindowClosed",
        "NothingToSettle",
        "InstitutionFrozen",
        "FundInsufficient",
        "NothingToClear",
        "ClearingExceedsDebt",
        "ClaimNotSettled",
        "AmountZero",
        "InstitutionUnchanged",
    } - set(errors) == set(), errors


def test_after_worlds_reach_every_status_and_reason(after_worlds: list[World]) -> None:
    statuses: collections.Counter[str] = collections.Counter()
    reasons: collections.Counter[str | None] = collections.Counter()
    for _, report in after_worlds:
        for c in report["claims"].values():
            statuses[c["status"]] += 1
            reasons[c["reason"]] += 1
            assert c["patient"] + c["fund"] == c["billed"]
            assert 0 <= c["fund"] <= c["eligible"] - c["deductible"]
        for region, f in report["funds"].items():
            assert f["balance"] >= 0, region
    assert set(statuses) == {"APPROVED", "FLAGGED", "REJECTED", "APPEALED", "SETTLED", "CLAWED_BACK"}
    assert reasons["REVIEW_REJECTED"] > 0 and reasons["APPEAL_REJECTED"] > 0 and reasons["SUPERVISION"] > 0


# ---------------------------------------------------------------- supervision cases

CASE_KINDS = ("open_case", "finding", "decide", "contest", "ruling", "finalize", "close", "pay_fine")


def test_cases_leave_the_other_steps_alone() -> None:
    """Case steps draw from their own stream and never move the other steps (not even the
    closing round); ``cases=False`` is the world as it was before cases existed."""
    for seed in (0, 7):
        with_cases = random_world(seed, CLAIMS, after=True)
        without = random_world(seed, CLAIMS, after=True, cases=False)
        assert [s for s in with_cases["timeline"] if not s.keys() & set(CASE_KINDS)] == without["timeline"]
        assert any(s.keys() & set(CASE_KINDS) for s in with_cases["timeline"])
        assert not any(s.keys() & set(CASE_KINDS) for s in random_world(seed, CLAIMS)["timeline"])
        only_cases = random_world(seed, CLAIMS, cases=True)
        assert list(claim_steps(only_cases)) == list(claim_steps(without))
        parse_scenario(only_cases)


def test_case_steps_succeed_and_are_refused(after_worlds: list[World]) -> None:
    """Across the worlds every case step both succeeds and is refused, and every outcome appears."""
    totals: collections.Counter[tuple[str, bool]] = collections.Counter()
    errors: collections.Counter[str] = collections.Counter()
    outcomes: collections.Counter[str | None] = collections.Counter()
    for _, report in after_worlds:
        for outcome in report["steps"]:
            if outcome["kind"] in CASE_KINDS:
                totals[(outcome["kind"], outcome["ok"])] += 1
                errors[outcome["error"]] += 1
        outcomes.update(case["outcome"] for case in report["cases"].values())
        for inst in report["institutions"].values():
            assert inst["fines_owed"] >= 0 and inst["fines_paid"] >= 0
    for kind in CASE_KINDS:
        assert totals[(kind, True)] > 0 and totals[(kind, False)] > 0, (kind, totals)
    assert {"PENALIZED", "DISMISSED", "NO_VIOLATION", None} <= set(outcomes), outcomes
    assert {
        "CaseUnknown", "CaseStateInvalid", "CaseHasNoFinding", "ClaimNotLive", "ClaimAlreadyFound",
        "ClaimNotInCase", "ClaimOfOtherInstitution", "ReferralOutsideRegion", "FineBpsOutOfBounds",
        "FinalizeTooEarly", "ContestWindowClosed", "FineExceedsOwed",
    } - set(errors) == set(), errors


# ---------------------------------------------------------------- malformed claims


def expected_refusal(claim: dict[str, Any], level: int) -> str | None:
    """The malformed-claim error of docs/decisions.md, in its order (None: well-formed)."""
    if not claim["lines"]:
        return "ClaimWithoutLines"
    if any(line["qty"] == 0 for line in claim["lines"]):
        return "ClaimLineQuantityZero"
    if sum(line["qty"] * line["unit_price"] for line in claim["lines"]) >= 2**36:
        return "ClaimAmountTooLarge"
    if claim["visit"] != "INPATIENT":
        return "DischargeNotInpatient" if "discharge" in claim else None
    if "discharge" not in claim:
        return "DischargeMissing"
    if claim["discharge"] < claim["date"]:
        return "DischargeBeforeAdmission"
    if level == 0:
        return "VisitTypeNotOffered"
    return None


def test_malformed_claims_are_refused_by_name() -> None:
    kinds: collections.Counter[str | None] = collections.Counter()
    largest = 0
    for seed in range(5):
        doc = random_world(seed, CLAIMS, malformed_rate=0.2)
        report = model_report(doc)
        levels = {i["id"]: i["level"] for i in doc["institutions"]}
        for step, outcome in zip(doc["timeline"], report["steps"], strict=True):
            if "claim" not in step:
                continue
            claim = step["claim"]
            expected = expected_refusal(claim, levels[claim["institution"]])
            kinds[expected] += 1
            assert outcome["error"] == expected, (claim, outcome)
            assert (claim["id"] in report["claims"]) == (expected is None)
            if expected is None:
                largest = max(largest, report["claims"][claim["id"]]["billed"])
    assert set(MALFORMED_KINDS) <= set(kinds), kinds
    assert 0.1 < sum(kinds[k] for k in MALFORMED_KINDS) / kinds.total() < 0.3
    assert largest == 2**36 - 1  # the largest well-formed claim is decided
