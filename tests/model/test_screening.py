"""The nine screening rules of screening.md, as laws written from the page itself.

Each rule gets a small hand-built history that fires it and the boundary cases that do not.
Claims are named by strings; institutions: H1 (500101, level 3), H2 (500101, level 2),
H3 (500102, level 2, same province 50), X1 (440100, level 3, province 44), Y1 (110100,
level 3, province 11), PH (500101, pharmacy). Person P1 (and P2) live in 500101.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from yibao.errors import InputError
from yibao.model.screening import (
    PRECHECK_RULES, ItemRestriction, Lead, PersonAttributes, Rule, ScreeningParams, Severity
)
from yibao.model.screening_rules import ClaimFacts, ScreeningFacts, precheck_warnings, screen
from yibao.model.types import ClaimStatus, Filing, VisitType

HOME = 500101
INST = {"H1": (500101, 3), "H2": (500101, 2), "H3": (500102, 2), "X1": (440100, 3),
        "Y1": (110100, 3), "PH": (500101, 0)}
DEFAULT = ScreeningParams()


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text if len(text) > 5 else f"2026-{text}")


def c(name: str, date: str, inst: str = "H1", visit: str = "OUTPATIENT", *, discharge: str | None = None,
      person: str = "P1", fund: int = 100, lines: tuple[tuple[str, int], ...] = (("XA01", 1),),
      status: ClaimStatus = ClaimStatus.APPROVED) -> ClaimFacts[str]:
    region, level = INST[inst]
    return ClaimFacts(ref=name, name=name, status=status, person=person, home=HOME, institution=inst,
                      region=region, level=level, visit=VisitType[visit], service_date=day(date),
                      discharge=day(discharge) if discharge else None, fund=fund, lines=lines)


def stay(name: str, admission: str, discharge: str, inst: str = "H1", **kw: Any) -> ClaimFacts[str]:
    return c(name, admission, inst, "INPATIENT", discharge=discharge, **kw)


def found(claims: list[ClaimFacts[str]], rule: Rule | None = None, params: ScreeningParams = DEFAULT,
          **facts: Any) -> list[tuple[str, str, str | None, str | None, list[str]]]:
    """(rule, severity, institution, person, sorted claims) of each lead, optionally of one rule."""
    leads = screen(ScreeningFacts(claims=tuple(claims), **facts), params)
    return sorted((str(x.rule), str(x.severity), x.institution, x.person, sorted(x.claims))
                  for x in leads if rule is None or x.rule is rule)


# --------------------------------------------------------------------------- READMIT


def test_readmit_same_institution_gap_zero_is_high() -> None:
    got = found([stay("S1", "03-01", "03-05"), stay("S2", "03-05", "03-09")])
    assert got == [("READMIT", "HIGH", "H1", "P1", ["S1", "S2"])]


def test_readmit_gap_zero_at_another_institution_is_a_transfer() -> None:
    assert found([stay("S1", "03-01", "03-05"), stay("S2", "03-05", "03-09", "H2")]) == []


@pytest.mark.parametrize(("gap", "fires"), [(15, True), (16, False)])
def test_readmit_gap_boundary(gap: int, fires: bool) -> None:
    second = (day("03-05") + dt.timedelta(days=gap)).isoformat()
    got = found([stay("S1", "03-01", "03-05"), stay("S2", second, second)], Rule.READMIT)
    assert got == ([("READMIT", "HIGH", "H1", "P1", ["S1", "S2"])] if fires else [])


def test_readmit_other_institution_is_medium_and_names_the_second() -> None:
    got = found([stay("S1", "03-01", "03-05"), stay("S2", "03-06", "03-09", "H2")])
    assert got == [("READMIT", "MEDIUM", "H2", "P1", ["S1", "S2"])]


def test_readmit_parameter_and_consecutive_pairs_only() -> None:
    stays = [stay("S1", "03-01", "03-05"), stay("S2", "03-08", "03-09"), stay("S3", "03-10", "03-12")]
    assert found(stays, Rule.READMIT, ScreeningParams(readmit_days=3)) == [
        ("READMIT", "HIGH", "H1", "P1", ["S1", "S2"]), ("READMIT", "HIGH", "H1", "P1", ["S2", "S3"])]
    assert found(stays, Rule.READMIT, ScreeningParams(readmit_days=2)) == [
        ("READMIT", "HIGH", "H1", "P1", ["S2", "S3"])]


def test_readmit_is_per_person_and_ties_go_by_claim_name() -> None:
    assert found([stay("S1", "03-01", "03-05"), stay("S2", "03-06", "03-07", person="P2")]) == []
    # S2 and S3 have the same stay: S2 comes first, so the pairs are (S1, S2), (S2, S3)
    got = found([stay("S1", "03-01", "03-05"), stay("S3", "03-10", "03-12", "H2"),
                 stay("S2", "03-10", "03-12")], Rule.READMIT)
    assert got == [("READMIT", "HIGH", "H1", "P1", ["S1", "S2"])]


# --------------------------------------------------------------------------- OVERLAP_STAY


def test_overlap_stay() -> None:
    got = found([stay("S1", "03-01", "03-05"), stay("S2", "03-04", "03-08", "H2")], Rule.OVERLAP_STAY)
    assert got == [("OVERLAP_STAY", "HIGH", None, "P1", ["S1", "S2"])]


def test_discharge_on_the_admission_day_is_no_overlap() -> None:
    assert found([stay("S1", "03-01", "03-05"), stay("S2", "03-05", "03-08", "H2")], Rule.OVERLAP_STAY) == []


def test_overlap_needs_different_institutions_and_one_person() -> None:
    assert found([stay("S1", "03-01", "03-05"), stay("S2", "03-02", "03-04")], Rule.OVERLAP_STAY) == []
    assert found([stay("S1", "03-01", "03-05"), stay("S2", "03-02", "03-04", "H2", person="P2")]) == []


# --------------------------------------------------------------------------- GHOST_BED


def test_ghost_bed() -> None:
    got = found([stay("S1", "03-01", "03-05"), c("V1", "03-03", "H2")], Rule.GHOST_BED)
    assert got == [("GHOST_BED", "MEDIUM", "H1", "P1", ["S1", "V1"])]
    got = found([stay("S1", "03-01", "03-05"), c("V1", "03-03", "PH", "PHARMACY")], Rule.GHOST_BED)
    assert got == [("GHOST_BED", "MEDIUM", "H1", "P1", ["S1", "V1"])]


@pytest.mark.parametrize(("date", "inst"), [("03-01", "H2"), ("03-05", "H2"), ("03-03", "H1")])
def test_ghost_bed_strictly_inside_and_at_another_institution(date: str, inst: str) -> None:
    assert found([stay("S1", "03-01", "03-05"), c("V1", date, inst)], Rule.GHOST_BED) == []


# --------------------------------------------------------------------------- SAME_DAY_MULTI


def test_same_day_multi_three_institutions() -> None:
    visits = [c("V1", "03-03", "H1"), c("V2", "03-03", "H2"), c("V3", "03-03", "PH", "PHARMACY")]
    assert found(visits, Rule.SAME_DAY_MULTI) == [("SAME_DAY_MULTI", "MEDIUM", None, "P1", ["V1", "V2", "V3"])]


def test_same_day_multi_two_institutions_do_not() -> None:
    visits = [c("V1", "03-03", "H1"), c("V2", "03-03", "H2"), c("V3", "03-03", "H2")]
    assert found(visits, Rule.SAME_DAY_MULTI) == []
    assert found(visits, Rule.SAME_DAY_MULTI, ScreeningParams(same_day_institutions=2)) == [
        ("SAME_DAY_MULTI", "MEDIUM", None, "P1", ["V1", "V2", "V3"])]


def test_same_day_multi_counts_visits_only() -> None:
    claims = [c("V1", "03-03", "H1"), c("V2", "03-03", "H2"), stay("S1", "03-03", "03-04", "H3")]
    assert found(claims, Rule.SAME_DAY_MULTI) == []


# --------------------------------------------------------------------------- IMPOSSIBLE_TRAVEL


def test_impossible_travel_without_a_filing() -> None:
    got = found([c("V1", "03-03", "H1"), c("V2", "03-03", "X1"), c("V3", "03-03", "H2")],
                Rule.IMPOSSIBLE_TRAVEL)
    assert got == [("IMPOSSIBLE_TRAVEL", "MEDIUM", None, "P1", ["V1", "V2", "V3"])]


@pytest.mark.parametrize(("filing", "fires"), [
    (Filing(440100, day("03-01"), day("03-31")), False),
    (Filing(440100, day("02-01"), day("02-28")), True),   # not that day
    (Filing(110100, day("03-01"), day("03-31")), True),   # not that region
    (Filing(440100, day("03-03"), day("03-03")), False),  # one day, inclusive
])
def test_impossible_travel_with_a_filing(filing: Filing, fires: bool) -> None:
    got = found([c("V1", "03-03", "H1"), c("V2", "03-03", "X1")], Rule.IMPOSSIBLE_TRAVEL,
                filings={"P1": (filing,)})
    assert bool(got) is fires


def test_impossible_travel_needs_two_provinces() -> None:
    # H3 is another region of the same province: no lead even without a filing
    assert found([c("V1", "03-03", "H1"), c("V2", "03-03", "H3")], Rule.IMPOSSIBLE_TRAVEL) == []
    assert found([c("V1", "03-03", "H1"), c("V2", "03-04", "X1")], Rule.IMPOSSIBLE_TRAVEL) == []


def test_impossible_travel_any_unfiled_claim_and_stays_by_admission() -> None:
    both = (Filing(440100, day("03-01"), day("03-31")), Filing(110100, day("03-01"), day("03-31")))
    claims = [c("V1", "03-03", "X1"), stay("S1", "03-03", "03-09", "Y1")]
    assert found(claims, Rule.IMPOSSIBLE_TRAVEL, filings={"P1": both}) == []
    assert found(claims, Rule.IMPOSSIBLE_TRAVEL, filings={"P1": both[:1]}) == [
        ("IMPOSSIBLE_TRAVEL", "MEDIUM", None, "P1", ["S1", "V1"])]


# --------------------------------------------------------------------------- DUP_BILLING


def test_dup_billing_same_code() -> None:
    got = found([c("V1", "03-03", lines=(("XA01", 1), ("XB01", 1))), c("V2", "03-03", lines=(("XA01", 2),))],
                Rule.DUP_BILLING)
    assert got == [("DUP_BILLING", "HIGH", "H1", "P1", ["V1", "V2"])]


def test_dup_billing_different_codes_day_or_institution_do_not() -> None:
    assert found([c("V1", "03-03", lines=(("XA01", 1),)), c("V2", "03-03", lines=(("XB01", 1),))],
                 Rule.DUP_BILLING) == []
    assert found([c("V1", "03-03"), c("V2", "03-04")], Rule.DUP_BILLING) == []
    assert found([c("V1", "03-03"), c("V2", "03-03", "H2")], Rule.DUP_BILLING) == []


def test_dup_billing_one_lead_per_claim_set() -> None:
    two = (("XA01", 1), ("XB01", 1))
    assert found([c("V1", "03-03", lines=two), c("V2", "03-03", lines=two)], Rule.DUP_BILLING) == [
        ("DUP_BILLING", "HIGH", "H1", "P1", ["V1", "V2"])]
    got = found([c("V1", "03-03", lines=two), c("V2", "03-03", lines=two),
                 c("V3", "03-03", lines=(("XB01", 1),))], Rule.DUP_BILLING)
    assert got == [("DUP_BILLING", "HIGH", "H1", "P1", ["V1", "V2"]),
                   ("DUP_BILLING", "HIGH", "H1", "P1", ["V1", "V2", "V3"])]


# --------------------------------------------------------------------------- OVER_SUPPLY

MAX_QTY = {(HOME, "D1"): 10}


@pytest.mark.parametrize(("qty", "fires"), [(30, False), (31, True)])
def test_over_supply_across_institutions_and_regions(qty: int, fires: bool) -> None:
    claims = [c("V1", "03-03", "H1", lines=(("D1", 10),)), c("V2", "03-20", "X1", lines=(("D1", qty - 10),)),
              c("V3", "03-21", "H2", lines=(("XA01", 99),))]
    got = found(claims, Rule.OVER_SUPPLY, max_qty=MAX_QTY)
    assert got == ([("OVER_SUPPLY", "MEDIUM", None, "P1", ["V1", "V2"])] if fires else [])


def test_over_supply_by_calendar_month_factor_and_home_catalogue() -> None:
    claims = [c("V1", "03-31", lines=(("D1", 20),)), c("V2", "04-01", lines=(("D1", 20),))]
    assert found(claims, Rule.OVER_SUPPLY, max_qty=MAX_QTY) == []
    one = [c("V1", "03-03", "X1", lines=(("D1", 21),))]
    assert found(one, Rule.OVER_SUPPLY, ScreeningParams(over_supply_factor=2), max_qty=MAX_QTY) == [
        ("OVER_SUPPLY", "MEDIUM", None, "P1", ["V1"])]
    # only the home region's catalogue counts; max_qty 0 is "no limit"
    assert found(one, Rule.OVER_SUPPLY, max_qty={(440100, "D1"): 1}) == []
    assert found(one, Rule.OVER_SUPPLY, max_qty={(HOME, "D1"): 0}) == []


# --------------------------------------------------------------------------- RESTRICTED_ITEM

F_ONLY = {(HOME, "G1"): ItemRestriction(sex="F")}


def restricted(claims: list[ClaimFacts[str]], restrictions: dict[tuple[int, str], ItemRestriction],
               **attrs: PersonAttributes) -> list[tuple[str, str, str | None, str | None, list[str]]]:
    return found(claims, Rule.RESTRICTED_ITEM, restrictions=restrictions, attributes=attrs)


def test_restricted_item_sex() -> None:
    claim = [c("V1", "03-03", lines=(("G1", 1),))]
    assert restricted(claim, F_ONLY, P1=PersonAttributes(sex="M")) == [
        ("RESTRICTED_ITEM", "MEDIUM", "H1", "P1", ["V1"])]
    assert restricted(claim, F_ONLY, P1=PersonAttributes(sex="F")) == []
    assert restricted(claim, F_ONLY, P1=PersonAttributes(birth_date=day("1990-01-01"))) == []
    assert restricted(claim, F_ONLY) == []


@pytest.mark.parametrize(("restriction", "date", "fires"), [
    (ItemRestriction(min_age=18), "03-10", False),  # 18th birthday that day
    (ItemRestriction(min_age=18), "03-09", True),   # 17 the day before
    (ItemRestriction(max_age=17), "03-10", True),
    (ItemRestriction(max_age=17), "03-09", False),
    (ItemRestriction(min_age=18, max_age=18), "03-10", False),
])
def test_restricted_item_age_in_full_years(restriction: ItemRestriction, date: str, fires: bool) -> None:
    claim = [c("V1", date, lines=(("G1", 1),))]
    got = restricted(claim, {(HOME, "G1"): restriction}, P1=PersonAttributes(birth_date=day("2008-03-10")))
    assert got == ([("RESTRICTED_ITEM", "MEDIUM", "H1", "P1", ["V1"])] if fires else [])
    assert restricted(claim, {(HOME, "G1"): restriction}, P1=PersonAttributes(sex="F")) == []


def test_restricted_item_min_level_is_high_and_one_lead_per_claim() -> None:
    level3 = {(HOME, "G1"): ItemRestriction(min_level=3), (HOME, "G2"): ItemRestriction(sex="F")}
    both = (("G1", 1), ("G2", 1))
    assert restricted([c("V1", "03-03", "H2", lines=both)], level3, P1=PersonAttributes(sex="M")) == [
        ("RESTRICTED_ITEM", "HIGH", "H2", "P1", ["V1"])]
    assert restricted([c("V1", "03-03", "H1", lines=both)], level3, P1=PersonAttributes(sex="M")) == [
        ("RESTRICTED_ITEM", "MEDIUM", "H1", "P1", ["V1"])]
    assert restricted([c("V1", "03-03", "H1", lines=(("G1", 1),))], level3) == []


def test_restricted_item_reads_the_treating_region() -> None:
    claim = [c("V1", "03-03", "X1", lines=(("G1", 1),))]
    assert restricted(claim, F_ONLY, P1=PersonAttributes(sex="M")) == []
    assert restricted(claim, {(440100, "G1"): ItemRestriction(sex="F")}, P1=PersonAttributes(sex="M")) == [
        ("RESTRICTED_ITEM", "MEDIUM", "X1", "P1", ["V1"])]


# --------------------------------------------------------------------------- SURGE


def months(*funds: int | None, inst: str = "H1") -> list[ClaimFacts[str]]:
    """One claim per month from January 2026 with these fund shares (None: no claim)."""
    return [c(f"M{i + 1}", f"{i + 1:02d}-15", inst, fund=f, person=f"P{i}")
            for i, f in enumerate(funds) if f is not None]


@pytest.mark.parametrize(("april", "severity"), [
    (150_000, None), (150_001, "MEDIUM"), (200_000, "MEDIUM"), (200_001, "HIGH")])
def test_surge_yellow_and_red(april: int, severity: str | None) -> None:
    got = found(months(100_000, 100_000, 100_000, april), Rule.SURGE)
    assert got == ([("SURGE", severity, "H1", None, ["M4"])] if severity else [])


def test_surge_baseline_floor_and_empty_months() -> None:
    # baseline ⌊(1 + 1 + 0) / 3⌋ = 0 (March has no claims): any m_t ≥ surge_min_fund fires red
    assert found(months(1, 1, None, 100_000), Rule.SURGE) == [("SURGE", "HIGH", "H1", None, ["M4"])]
    assert found(months(1, 1, None, 99_999), Rule.SURGE) == []
    assert found(months(1, 1, None, 50, ), Rule.SURGE, ScreeningParams(surge_min_fund=50)) == [
        ("SURGE", "HIGH", "H1", None, ["M4"])]
    # ⌊(2 + 2 + 1) / 3⌋ = 1: 15000 bps of 1 is 1.5, so m_t = 2 fires with surge_min_fund 0
    assert found(months(2, 2, 1, 2), Rule.SURGE, ScreeningParams(surge_min_fund=0)) == [
        ("SURGE", "MEDIUM", "H1", None, ["M4"])]


def test_surge_needs_live_claims_in_month_t_minus_3_or_earlier() -> None:
    assert found(months(None, 1, 1, 500_000), Rule.SURGE) == []
    assert found(months(1, None, None, None, 500_000), Rule.SURGE) == [("SURGE", "HIGH", "H1", None, ["M5"])]
    rejected = [*months(None, 1, 1, 500_000), c("OLD", "01-10", status=ClaimStatus.REJECTED, fund=0)]
    assert found(rejected, Rule.SURGE) == []


def test_surge_sums_the_institution_and_lists_the_month() -> None:
    claims = [*months(100_000, 100_000, 100_000, 100_000),
              c("A1", "04-02", fund=60_000, person="Q"), c("B1", "04-02", "H2", fund=900_000)]
    leads = screen(ScreeningFacts(claims=tuple(claims)), ScreeningParams(rules=(Rule.SURGE,)))
    assert [(x.institution, sorted(x.claims), x.amount) for x in leads] == [("H1", ["A1", "M4"], 160_000)]


# --------------------------------------------------------------------------- what is screened


@pytest.mark.parametrize("status", [ClaimStatus.REJECTED, ClaimStatus.APPEALED, ClaimStatus.CLAWED_BACK])
def test_claims_that_are_not_live_are_not_screened(status: ClaimStatus) -> None:
    assert found([c("V1", "03-03"), c("V2", "03-03", status=status)]) == []
    assert found([stay("S1", "03-01", "03-05"), stay("S2", "03-05", "03-09", status=status)]) == []


@pytest.mark.parametrize("status", [ClaimStatus.APPROVED, ClaimStatus.FLAGGED, ClaimStatus.SETTLED])
def test_live_claims_are_screened(status: ClaimStatus) -> None:
    assert found([c("V1", "03-03"), c("V2", "03-03", status=status)]) == [
        ("DUP_BILLING", "HIGH", "H1", "P1", ["V1", "V2"])]


def test_amount_is_the_fund_of_the_claims_and_rules_choose() -> None:
    claims = (c("V1", "03-03", fund=700), c("V2", "03-03", fund=50))
    leads = screen(ScreeningFacts(claims=claims), DEFAULT)
    assert [(x.rule, x.amount) for x in leads] == [(Rule.DUP_BILLING, 750)]
    assert screen(ScreeningFacts(claims=claims), ScreeningParams(rules=(Rule.SURGE,))) == []


# --------------------------------------------------------------------------- pre-checks


def test_precheck_warns_of_the_leads_the_candidate_makes() -> None:
    history = ScreeningFacts(claims=(c("V1", "03-03"), c("V2", "03-03"), stay("S1", "03-01", "03-02")))
    candidate = stay("NEW", "03-02", "03-04")
    got = precheck_warnings(history, candidate, DEFAULT)
    assert [(x.rule, x.severity, sorted(x.claims)) for x in got] == [(Rule.READMIT, Severity.HIGH, ["NEW", "S1"])]


def test_a_rejected_candidate_has_no_warnings() -> None:
    history = ScreeningFacts(claims=(c("V1", "03-03"),))
    assert precheck_warnings(history, c("NEW", "03-03", status=ClaimStatus.REJECTED), DEFAULT) == []
    assert len(precheck_warnings(history, c("NEW", "03-03"), DEFAULT)) == 1


def test_precheck_never_warns_of_surge() -> None:
    history = ScreeningFacts(claims=tuple(months(1, 1, 1)))
    assert precheck_warnings(history, c("NEW", "04-10", fund=500_000), DEFAULT) == []
    assert Rule.SURGE not in PRECHECK_RULES


# --------------------------------------------------------------------------- parameters


@pytest.mark.parametrize(("data", "message"), [
    ({"readmit": 3}, "screening: unknown parameter 'readmit'"),
    ({"rules": ["READMIT", "NOPE"]}, "screening.rules: unknown rule 'NOPE'"),
    ({"readmit_days": -1}, "screening.readmit_days: must not be negative"),
    ({"readmit_days": True}, "screening.readmit_days: must be a whole number"),
    ({"surge_min_fund": 1.5}, "screening.surge_min_fund: must be a whole number"),
    ({"surge_red_bps": 100}, "screening.surge_red_bps: must not be below surge_yellow_bps"),
    ([], "screening: must be a JSON object"),
])
def test_params_errors_name_the_key(data: Any, message: str) -> None:
    with pytest.raises(InputError) as err:
        ScreeningParams.from_mapping(data)
    assert str(err.value).startswith(message)
    assert "\n" not in str(err.value)


def test_params_defaults_and_round_trip() -> None:
    p = ScreeningParams.from_mapping({"readmit_days": 7, "rules": ["SURGE", "READMIT"]})
    assert (p.readmit_days, p.same_day_institutions, p.rules) == (7, 3, (Rule.READMIT, Rule.SURGE))
    assert ScreeningParams.from_mapping(p.document()) == p


# --------------------------------------------------------------------------- properties

INSTS = sorted(INST)
STATUSES = list(ClaimStatus)[1:]


@st.composite
def histories(draw: st.DrawFn) -> list[ClaimFacts[str]]:
    n = draw(st.integers(1, 9))
    out = []
    for i in range(n):
        d = day("03-01") + dt.timedelta(days=draw(st.integers(0, 40)))
        visit = draw(st.sampled_from(["OUTPATIENT", "INPATIENT", "PHARMACY"]))
        inst = draw(st.sampled_from(INSTS))
        lines = tuple(draw(st.lists(st.tuples(st.sampled_from(["XA01", "D1", "G1"]), st.integers(1, 20)),
                                    min_size=1, max_size=3)))
        common: dict[str, Any] = dict(person=draw(st.sampled_from(["P1", "P2"])), lines=lines,
                                      fund=draw(st.integers(0, 300_000)), status=draw(st.sampled_from(STATUSES)))
        if visit == "INPATIENT":
            out.append(stay(f"C{i}", d.isoformat(), (d + dt.timedelta(days=draw(st.integers(0, 6)))).isoformat(),
                            inst, **common))
        else:
            out.append(c(f"C{i}", d.isoformat(), inst, visit, **common))
    return out


FACTS: dict[str, Any] = dict(
    max_qty=MAX_QTY, restrictions={(HOME, "G1"): ItemRestriction(sex="F", min_level=3)},
    attributes={"P1": PersonAttributes(sex="M", birth_date=day("2000-03-10"))},
    filings={"P2": (Filing(440100, day("03-01"), day("03-20")),)})
LOW = ScreeningParams(readmit_days=5, same_day_institutions=2, over_supply_factor=1, surge_min_fund=0)


def identities(leads: list[Lead[str]]) -> list[tuple[Rule, frozenset[str]]]:
    return [x.identity() for x in leads]


@given(histories())
def test_leads_are_live_reported_once_and_blind_to_dead_claims(claims: list[ClaimFacts[str]]) -> None:
    leads = screen(ScreeningFacts(claims=tuple(claims), **FACTS), LOW)
    live = {x.ref for x in claims if x.live}
    assert all(set(x.claims) <= live and x.claims for x in leads)
    assert len(set(identities(leads))) == len(leads)
    fund = {x.ref: x.fund for x in claims}
    assert all(x.amount == sum(fund[k] for k in x.claims) for x in leads)
    only_live = screen(ScreeningFacts(claims=tuple(x for x in claims if x.live), **FACTS), LOW)
    assert identities(only_live) == identities(leads)


@given(histories(), histories())
def test_precheck_warnings_are_leads_of_history_and_candidate(history: list[ClaimFacts[str]],
                                                             more: list[ClaimFacts[str]]) -> None:
    candidate = ClaimFacts(**{**more[0].__dict__, "ref": "NEW", "name": "NEW"})
    facts = ScreeningFacts(claims=tuple(history), **FACTS)
    warnings = precheck_warnings(facts, candidate, LOW)
    everything = screen(facts.with_claim(candidate), LOW)
    expected = [x for x in everything if x.rule in PRECHECK_RULES and "NEW" in x.claims]
    assert identities(warnings) == identities(expected)
    assert warnings == expected
