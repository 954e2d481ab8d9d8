"""PATIENT_DISPUTE (患者异议) of screening.md, as laws written from the page: one HIGH lead per
live claim its patient disputed (NOT_RECEIVED or NOT_AS_BILLED, records.md), naming that claim,
its institution and its person; CONFIRMED, no feedback or a claim that is not live sets off
nothing; the rule has no parameters and no pre-check warns of it."""

from __future__ import annotations

import datetime as dt

import pytest

from yibao.errors import InputError
from yibao.model.screening import PRECHECK_RULES, RULES, Rule, ScreeningParams, Severity
from yibao.model.screening_rules import ClaimFacts, ScreeningFacts, precheck_warnings, screen
from yibao.model.types import ClaimStatus, Feedback, VisitType

ONLY = ScreeningParams(rules=(Rule.PATIENT_DISPUTE,))


def claim(name: str, *, inst: str = "H1", person: str = "P1", fund: int = 100,
          status: ClaimStatus = ClaimStatus.APPROVED, day: int = 1) -> ClaimFacts[str]:
    return ClaimFacts(ref=name, name=name, status=status, person=person, home=500101, institution=inst,
                      region=500101, level=3, visit=VisitType.OUTPATIENT, service_date=dt.date(2026, 3, day),
                      discharge=None, fund=fund, lines=(("XA01", 1),))


def found(claims: list[ClaimFacts[str]], feedback: dict[str, Feedback],
          params: ScreeningParams = ONLY) -> list[tuple[str, str, str | None, str | None, list[str], int]]:
    leads = screen(ScreeningFacts(claims=tuple(claims), feedback=feedback), params)
    return sorted((str(x.rule), str(x.severity), x.institution, x.person, list(x.claims), x.amount)
                  for x in leads if x.rule is Rule.PATIENT_DISPUTE)


@pytest.mark.parametrize("code", [Feedback.NOT_RECEIVED, Feedback.NOT_AS_BILLED])
def test_a_disputed_live_claim_is_one_high_lead_of_its_institution_and_person(code: Feedback) -> None:
    claims = [claim("A", inst="H2", person="P2", fund=700), claim("B")]
    assert found(claims, {"A": code}) == [("PATIENT_DISPUTE", "HIGH", "H2", "P2", ["A"], 700)]


def test_confirmed_or_no_feedback_sets_off_nothing() -> None:
    assert found([claim("A"), claim("B")], {"A": Feedback.CONFIRMED}) == []
    assert found([claim("A")], {}) == []


@pytest.mark.parametrize("status", [ClaimStatus.APPROVED, ClaimStatus.FLAGGED, ClaimStatus.SETTLED])
def test_every_live_status_is_screened(status: ClaimStatus) -> None:
    assert len(found([claim("A", status=status)], {"A": Feedback.NOT_RECEIVED})) == 1


@pytest.mark.parametrize("status", [ClaimStatus.REJECTED, ClaimStatus.APPEALED, ClaimStatus.CLAWED_BACK])
def test_a_disputed_claim_no_longer_live_gives_no_lead(status: ClaimStatus) -> None:
    assert found([claim("A", status=status)], {"A": Feedback.NOT_AS_BILLED}) == []


def test_one_lead_per_disputed_claim_even_on_one_day_at_one_institution() -> None:
    claims = [claim("A"), claim("B"), claim("C")]
    got = found(claims, {"A": Feedback.NOT_RECEIVED, "B": Feedback.NOT_AS_BILLED, "C": Feedback.CONFIRMED})
    assert [g[4] for g in got] == [["A"], ["B"]]
    assert all(g[1] == str(Severity.HIGH) for g in got)


def test_it_runs_with_the_other_rules_and_only_when_asked() -> None:
    claims = [claim("A")]
    everything = screen(ScreeningFacts(claims=tuple(claims), feedback={"A": Feedback.NOT_RECEIVED}), ScreeningParams())
    assert [x.rule for x in everything] == [Rule.PATIENT_DISPUTE]
    others = ScreeningParams(rules=tuple(r for r in RULES if r is not Rule.PATIENT_DISPUTE))
    assert found(claims, {"A": Feedback.NOT_RECEIVED}, others) == []


def test_no_pre_check_warns_of_it() -> None:
    assert Rule.PATIENT_DISPUTE not in PRECHECK_RULES
    facts = ScreeningFacts(claims=(claim("A"),), feedback={"A": Feedback.NOT_RECEIVED, "N": Feedback.NOT_RECEIVED})
    assert precheck_warnings(facts, claim("N", day=5), ScreeningParams()) == []


def test_a_rules_file_may_name_it_and_it_takes_no_parameters() -> None:
    params = ScreeningParams.from_mapping({"rules": ["PATIENT_DISPUTE", "SURGE"]})
    assert params.rules == (Rule.SURGE, Rule.PATIENT_DISPUTE)  # in the order of screening.md's table
    assert ScreeningParams.from_mapping(params.document()) == params
    with pytest.raises(InputError, match="unknown parameter 'patient_dispute_days'"):
        ScreeningParams.from_mapping({"patient_dispute_days": 3})
