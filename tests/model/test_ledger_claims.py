"""Submitting claims to the ReferenceLedger: worked examples of adjudication.md §1–§8.

Every expected figure is computed by hand in the comment next to it (fen). The standard
world is described in ``modelworld``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest
from worlds.model_world import CQ, GZ, POLICY, START, D, World, key
from yibao.model.types import (
    Claim, ClaimLine, ClaimStatus, Decision, Filing, Flag, Grade, InstitutionStatus, LineNote, LineResult,
    PersonStatus, Reason, Scheme, VisitType, YearCounters
)

OP, IP, PH = VisitType.OUTPATIENT, VisitType.INPATIENT, VisitType.PHARMACY
MAR2 = D(2026, 3, 2)


def approved(d: Decision) -> None:
    assert (d.status, d.reason, d.flags) == (ClaimStatus.APPROVED, Reason.NONE, Flag.NONE)


def rejected(d: Decision, reason: Reason, billed: int) -> None:
    assert (d.status, d.reason) == (ClaimStatus.REJECTED, reason)
    assert (d.billed, d.eligible, d.deductible, d.fund, d.patient) == (billed, 0, 0, 0, billed)


# ---------------------------------------------------------------- worked examples


def test_outpatient_worked_example(w: World) -> None:
    d = w.claim(
        "INV1",
        [
            ("XA01", 2, 12550),  # A: 25100 eligible
            ("XB01", 1, 5000),  # B: 5000 × 9000 / 10000 = 4500
            ("XC01", 1, 1000),  # C: 0
            ("ZZ99", 1, 700),  # not in catalogue: 0
            ("XP01", 2, 5000),  # price cap 3000: 2 × 3000 = 6000
        ],
        day=MAR2,
    )
    approved(d)
    assert d.billed == 25100 + 5000 + 1000 + 700 + 10000 == 41800
    assert d.eligible == 25100 + 4500 + 6000 == 35600
    assert d.deductible == 10000  # min(35600, 10000 − 0)
    assert d.fund == 12800  # (35600 − 10000) × 5000 / 10000 (level 3)
    assert d.patient == 29000  # 41800 − 12800
    assert d.lines == (
        LineResult("XA01", 25100, 25100),
        LineResult("XB01", 5000, 4500),
        LineResult("XC01", 1000, 0, LineNote.CATEGORY_C),
        LineResult("ZZ99", 700, 0, LineNote.NOT_IN_CATALOGUE),
        LineResult("XP01", 10000, 6000, LineNote.PRICE_CAPPED),
    )
    lg = w.ledger
    assert lg.counters("P1", 2026) == YearCounters(10000, 12800, 12800)
    assert lg.visits("P1", 2026, 3) == 1
    assert lg.institution("H3").payable == 12800
    assert lg.claim(key("INV1")) == d


def test_annual_deductible_shared_by_claims(w: World) -> None:
    d1 = w.claim("A", [("XA01", 1, 6000)], day=MAR2)
    assert (d1.deductible, d1.fund, d1.patient) == (6000, 0, 6000)
    d2 = w.claim("B", [("XA01", 1, 10000)], day=D(2026, 3, 3), inst="H1")
    # d = min(10000, 10000 − 6000) = 4000; fund = 6000 × 7000 / 10000 = 4200 (level 1)
    assert (d2.deductible, d2.fund, d2.patient) == (4000, 4200, 5800)
    assert w.ledger.counters("P1", 2026) == YearCounters(10000, 4200, 4200)


def test_inpatient_worked_example(w: World) -> None:
    d = w.claim(
        "IP1",
        [("XI01", 1, 50000), ("XQ01", 5, 1000)],  # inpatient-only ok; qty 5 → 2: 2000
        day=MAR2,
        today=D(2026, 3, 6),
        inst="H1",
        visit=IP,
        discharge=D(2026, 3, 6),
    )
    approved(d)
    assert (d.billed, d.eligible) == (55000, 52000)
    assert d.deductible == 20000  # level-1 admission deductible
    assert d.fund == 28800  # (52000 − 20000) × 9000 / 10000
    assert d.patient == 26200
    assert d.lines[1] == LineResult("XQ01", 5000, 2000, LineNote.QTY_CAPPED)
    # inpatient: no visit, no annual outpatient deductible, no op fund
    assert w.ledger.counters("P1", 2026) == YearCounters(0, 28800, 0)
    assert w.ledger.visits("P1", 2026, 3) == 0


def test_pharmacy_claim_at_a_retail_pharmacy(w: World) -> None:
    d = w.claim("PH1", [("XA01", 1, 30000)], day=MAR2, inst="D0", visit=PH)
    # d = 10000; fund = 20000 × 5000 / 10000 (level 0)
    assert (d.status, d.deductible, d.fund, d.patient) == (ClaimStatus.APPROVED, 10000, 10000, 20000)
    assert w.ledger.visits("P1", 2026, 3) == 1


def test_cross_region_cut_without_filing(w: World) -> None:
    d = w.claim("G1", [("GA01", 1, 30000)], day=MAR2, inst="G2")
    # ratio 6000 − 1000 = 5000; fund = (30000 − 10000) × 5000 / 10000
    assert (d.deductible, d.fund) == (10000, 10000)


def test_cross_region_with_a_covering_filing_has_no_cut(w: World) -> None:
    w.ledger.filing("P1", Filing(GZ, D(2026, 3, 1), D(2026, 3, 31)), today=D(2026, 2, 1))
    d = w.claim("G1", [("GA01", 1, 30000)], day=MAR2, inst="G2")
    assert d.fund == 12000  # (30000 − 10000) × 6000 / 10000
    ip = w.claim(
        "G2",
        [("GA01", 10, 10000)],
        day=D(2026, 3, 31),
        today=D(2026, 4, 2),
        inst="G2",
        visit=IP,
        discharge=D(2026, 4, 2),
    )
    # filing covers the admission day 03-31: ratio 8500; d = 50000 (level 2)
    assert (ip.deductible, ip.fund) == (50000, 42500)
    late = w.claim("G3", [("GA01", 1, 10000)], day=D(2026, 4, 2), inst="G2")
    assert late.fund == 5000  # filing over: 10000 × 5000 / 10000


def test_treating_regions_catalogue_applies(w: World) -> None:
    d = w.claim("G1", [("XA01", 1, 1000)], day=MAR2, inst="G2")
    assert d.lines == (LineResult("XA01", 1000, 0, LineNote.NOT_IN_CATALOGUE),)
    assert (d.status, d.eligible, d.fund, d.patient) == (ClaimStatus.APPROVED, 0, 0, 1000)


# ---------------------------------------------------------------- §1 claim checks


def test_duplicate(w: World) -> None:
    first = w.claim("INV", [("XA01", 1, 30000)], day=MAR2)
    again = w.claim("INV", [("XA01", 1, 500)], day=D(2026, 3, 3))
    rejected(again, Reason.DUPLICATE, 500)
    assert again.lines == ()
    assert w.ledger.claim(key("INV")) == first  # stored claim untouched
    assert w.ledger.counters("P1", 2026) == YearCounters(10000, 10000, 10000)
    # the same invoice number at another institution is another claim
    approved(w.claim("INV", [("XA01", 1, 500)], day=D(2026, 3, 3), inst="H1"))


def test_a_rejected_claim_is_stored_so_its_invoice_is_a_duplicate(w: World) -> None:
    rejected(w.claim("X", [("XA01", 1, 100)], day=MAR2, person="NOBODY"), Reason.NOT_ENROLLED, 100)
    rejected(w.claim("X", [("XA01", 1, 100)], day=MAR2), Reason.DUPLICATE, 100)


@pytest.mark.parametrize(
    "change",
    [
        lambda w: w.ledger.institution_status("H3", InstitutionStatus.SUSPENDED, today=START),
        lambda w: w.ledger.institution_status("H3", InstitutionStatus.REVOKED, today=START),
        lambda w: w.ledger.set_grade("H3", Grade.E, today=START),
    ],
    ids=["suspended", "revoked", "grade-E"],
)
def test_institution_inactive(w: World, change: Callable[[World], None]) -> None:
    change(w)
    d = w.claim("I", [("XA01", 1, 100)], day=MAR2)
    rejected(d, Reason.INSTITUTION_INACTIVE, 100)
    assert d.lines == ()


def test_not_enrolled(w: World) -> None:
    rejected(w.claim("N", [("XA01", 2, 50)], day=MAR2, person="PX"), Reason.NOT_ENROLLED, 100)


def test_patient_inactive(w: World) -> None:
    w.ledger.person_status("P1", PersonStatus.SUSPENDED, today=START)
    rejected(w.claim("S", [("XA01", 1, 100)], day=MAR2), Reason.PATIENT_INACTIVE, 100)
    w.ledger.person_status("P1", PersonStatus.TERMINATED, today=MAR2)
    rejected(w.claim("T", [("XA01", 1, 100)], day=MAR2), Reason.PATIENT_INACTIVE, 100)


def test_future_service(w: World) -> None:
    d = w.claim("F", [("XA01", 1, 100)], day=D(2026, 3, 3), today=MAR2)
    rejected(d, Reason.FUTURE_SERVICE, 100)
    # an inpatient claim whose discharge is after today
    d = w.claim(
        "F2", [("XA01", 1, 100)], day=MAR2, today=D(2026, 3, 4), inst="H1", visit=IP,
        discharge=D(2026, 3, 5),
    )
    rejected(d, Reason.FUTURE_SERVICE, 100)
    # same day is fine
    approved(w.claim("F3", [("XA01", 1, 100)], day=D(2026, 3, 4)))


def test_not_covered(w: World) -> None:
    w.ledger.enrol("P3", CQ, Scheme.EMPLOYEE, D(2026, 2, 1), D(2026, 6, 30), today=START)
    rejected(w.claim("B", [("XA01", 1, 100)], day=D(2026, 1, 31), person="P3"),
             Reason.NOT_COVERED, 100)
    approved(w.claim("C", [("XA01", 1, 100)], day=D(2026, 6, 30), person="P3"))
    rejected(w.claim("A", [("XA01", 1, 100)], day=D(2026, 7, 1), person="P3"),
             Reason.NOT_COVERED, 100)


def test_no_policy(w: World) -> None:
    w.ledger.enrol("P5", CQ, Scheme.RESIDENT, START, D(2026, 12, 31), today=START)
    # P6 is covered before the first policy version takes effect
    w.ledger.enrol("P6", CQ, Scheme.EMPLOYEE, D(2025, 12, 1), D(2026, 12, 31), today=START)
    d = w.claim("E", [("XA01", 1, 100)], day=D(2025, 12, 15), today=D(2026, 1, 2), person="P6")
    rejected(d, Reason.NO_POLICY, 100)
    rejected(w.claim("R", [("XA01", 1, 100)], day=MAR2, person="P5"), Reason.NO_POLICY, 100)


def test_stale_claim(w: World) -> None:
    # 03-01 → 05-30 is 90 days (31 + 30 + 29): not stale; 05-31 is 91: stale
    approved(w.claim("OK", [("XA01", 1, 100)], day=D(2026, 3, 1), today=D(2026, 5, 30)))
    d = w.claim("OLD", [("XA01", 1, 100)], day=D(2026, 3, 1), today=D(2026, 5, 31))
    rejected(d, Reason.STALE_CLAIM, 100)


def test_waiting_period(w: World) -> None:
    resident = replace(POLICY, scheme=Scheme.RESIDENT, waiting_days=30)
    w.ledger.add_policy(resident, today=START)
    w.ledger.enrol("P2", CQ, Scheme.RESIDENT, START, D(2026, 12, 31), today=START)
    # coverage_from 01-01 + 30 days = 01-31
    d = w.claim("W", [("XA01", 1, 100)], day=D(2026, 1, 30), person="P2")
    rejected(d, Reason.WAITING_PERIOD, 100)
    approved(w.claim("W2", [("XA01", 1, 100)], day=D(2026, 1, 31), person="P2"))


def test_claim_checks_first_failure_wins(w: World) -> None:
    w.ledger.set_grade("H1", Grade.E, today=START)
    # inactive institution beats unknown person
    d = w.claim("1", [("XA01", 1, 1)], day=MAR2, inst="H1", person="PX")
    assert d.reason is Reason.INSTITUTION_INACTIVE
    # unknown person beats future service
    assert w.claim("2", [("XA01", 1, 1)], day=D(2026, 9, 9), today=MAR2, person="PX").reason is (
        Reason.NOT_ENROLLED
    )
    # future service beats not covered
    w.ledger.enrol("P3", CQ, Scheme.RESIDENT, D(2026, 6, 1), D(2026, 6, 30), today=MAR2)
    d = w.claim("3", [("XA01", 1, 1)], day=D(2026, 3, 3), today=MAR2, person="P3")
    assert d.reason is Reason.FUTURE_SERVICE
    # not covered beats no policy (P3 is RESIDENT: no policy)
    assert w.claim("4", [("XA01", 1, 1)], day=MAR2, person="P3").reason is Reason.NOT_COVERED
    # stale beats waiting period
    # a version starts no earlier than today (adjudication.md v1.1): from 03-02 on
    w.ledger.add_policy(replace(POLICY, scheme=Scheme.RESIDENT, waiting_days=200, effective_from=MAR2), today=MAR2)
    w.ledger.enrol("P4", CQ, Scheme.RESIDENT, START, D(2026, 12, 31), today=MAR2)
    d = w.claim("5", [("XA01", 1, 1)], day=D(2026, 3, 3), today=D(2026, 6, 5), person="P4")
    assert d.reason is Reason.STALE_CLAIM  # 94 days old, and inside the 200-day wait
    assert w.ledger.counters("P4", 2026) == YearCounters()


# ---------------------------------------------------------------- malformed claims


def _raw(w: World, **kw: object) -> Claim:
    base: dict[str, object] = {
        "institution": "H3",
        "invoice": "M",
        "person": "P1",
        "visit": OP,
        "service_date": MAR2,
        "lines": (ClaimLine("XA01", 1, 100),),
    }
    base.update(kw)
    return Claim(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("name", "fields"),
    [
        ("InstitutionUnknown", {"institution": "HX"}),
        ("ClaimWithoutLines", {"lines": ()}),
        ("ClaimLineQuantityZero", {"lines": (ClaimLine("XA01", 1, 1), ClaimLine("XA01", 0, 1))}),
        ("ClaimAmountTooLarge", {"lines": (ClaimLine("XA01", 1, 2**36),)}),
        # the total counts, not a single line: 2 × 2³⁵ = 2³⁶
        ("ClaimAmountTooLarge", {"lines": (ClaimLine("XA01", 1, 2**35), ClaimLine("XB01", 2, 2**34))}),
        ("VisitTypeInvalid", {"visit": 7}),
        ("DischargeNotInpatient", {"discharge": MAR2}),
        ("DischargeMissing", {"visit": IP}),
        ("DischargeBeforeAdmission", {"visit": IP, "discharge": D(2026, 3, 1)}),
        ("VisitTypeNotOffered", {"visit": IP, "discharge": MAR2, "institution": "D0"}),
    ],
)
def test_malformed_claims_are_refused_and_store_nothing(
    w: World, name: str, fields: dict[str, object]
) -> None:
    claim = _raw(w, **fields)
    w.refused(name, lambda: w.ledger.submit_claim(claim, today=MAR2))
    assert w.ledger.claim(claim.key) is None


@pytest.mark.parametrize(
    ("name", "fields"),
    [
        # a zero quantity is checked before the total
        ("ClaimLineQuantityZero", {"lines": (ClaimLine("XA01", 1, 2**36), ClaimLine("XA01", 0, 1))}),
        # the total is checked before the visit type and the discharge rules
        ("ClaimAmountTooLarge", {"lines": (ClaimLine("XA01", 2**20, 2**16),), "visit": 7}),
        ("ClaimAmountTooLarge", {"lines": (ClaimLine("XA01", 1, 2**36),), "discharge": MAR2}),
        ("ClaimAmountTooLarge", {"lines": (ClaimLine("XA01", 1, 2**36),), "visit": IP}),
        ("ClaimAmountTooLarge", {
            "lines": (ClaimLine("XA01", 1, 2**36),), "visit": IP, "discharge": MAR2, "institution": "D0"
        }),
    ],
)
def test_claim_amount_too_large_comes_after_quantity_zero_before_visit_type(
    w: World, name: str, fields: dict[str, object]
) -> None:
    claim = _raw(w, **fields)
    refusal = w.refused(name, lambda: w.ledger.submit_claim(claim, today=MAR2))
    if name == "ClaimAmountTooLarge":
        assert refusal.error_args == (claim.billed,)


def test_claim_amount_just_below_the_limit_is_decided(w: World) -> None:
    # 2³⁶ − 1 fen is well-formed: decided (the op cap bounds the fund share), stored
    d = w.claim("BIG", [("XA01", 1, 2**36 - 2), ("ZZ99", 1, 1)], day=MAR2)
    assert d.billed == 2**36 - 1 and d.status is not ClaimStatus.NONE
    assert d.patient + d.fund == d.billed
    assert w.ledger.claim(key("BIG")) == d


def test_malformed_resubmission_is_refused_before_duplicate(w: World) -> None:
    w.claim("M", [("XA01", 1, 100)], day=MAR2)
    claim = _raw(w, lines=())
    w.refused("ClaimWithoutLines", lambda: w.ledger.submit_claim(claim, today=MAR2))


# ---------------------------------------------------------------- §6 overclaim


def test_overclaim_rejects_and_counts_nothing(w: World) -> None:
    # E = 30100; fund = (30100 − 10000) × 5000 / 10000 = 10050
    d = w.claim("O", [("XA01", 1, 30000), ("XT01", 1, 100)], day=MAR2, claimed_fund=10051)
    rejected(d, Reason.OVERCLAIM, 30100)
    assert d.lines == (LineResult("XA01", 30000, 30000), LineResult("XT01", 100, 100))
    assert d.flags == Flag.NONE
    assert w.ledger.counters("P1", 2026) == YearCounters()
    assert w.ledger.visits("P1", 2026, 3) == 0
    assert w.ledger.last_service_day("P1", "XT01") is None
    ok = w.claim("O2", [("XA01", 1, 30000), ("XT01", 1, 100)], day=MAR2, claimed_fund=10050)
    assert (ok.status, ok.fund) == (ClaimStatus.APPROVED, 10050)


# ---------------------------------------------------------------- §7 flags


def test_visit_limit_flag(w: World) -> None:
    for i in range(3):
        approved(w.claim(f"V{i}", [("XA01", 1, 100)], day=D(2026, 3, 2 + i)))
    d = w.claim("V3", [("XA01", 1, 100)], day=D(2026, 3, 9))
    assert (d.status, d.flags) == (ClaimStatus.FLAGGED, Flag.VISIT_LIMIT)
    assert w.ledger.visits("P1", 2026, 3) == 4  # a flagged claim counts at once
    assert w.ledger.institution("H3").payable == 0  # not payable while flagged
    approved(w.claim("V4", [("XA01", 1, 100)], day=D(2026, 4, 1)))  # a new month


def test_review_threshold_flag(w: World) -> None:
    d = w.claim("T", [("XA01", 1, 200000)], day=MAR2, today=D(2026, 3, 3), inst="H1",
                visit=IP, discharge=D(2026, 3, 3))
    # (200000 − 20000) × 9000 / 10000 = 162000 > 100000
    assert (d.status, d.flags, d.fund, d.patient) == (
        ClaimStatus.FLAGGED, Flag.REVIEW_THRESHOLD, 162000, 38000
    )
    assert w.ledger.counters("P1", 2026) == YearCounters(0, 162000, 0)
    assert w.ledger.institution("H1").payable == 0


def test_institution_grade_flag_d_every_claim(w: World) -> None:
    w.ledger.set_grade("H3", Grade.D, today=START)
    d = w.claim("D", [("XA01", 1, 100)], day=MAR2)
    assert (d.status, d.flags, d.fund) == (ClaimStatus.FLAGGED, Flag.INSTITUTION_GRADE, 0)


def test_institution_grade_flag_c_above_half_threshold(w: World) -> None:
    w.ledger.set_grade("H3", Grade.C, today=START)
    # d = 10000; fund = 100000 × 5000 / 10000 = 50000 = floor(100000 / 2): not flagged
    d1 = w.claim("C1", [("XA01", 1, 110000)], day=MAR2)
    assert (d1.status, d1.fund) == (ClaimStatus.APPROVED, 50000)
    # fund = 100002 × 5000 / 10000 = 50001 > 50000: flagged
    d2 = w.claim("C2", [("XA01", 1, 100002)], day=D(2026, 3, 3))
    assert (d2.status, d2.flags, d2.fund) == (ClaimStatus.FLAGGED, Flag.INSTITUTION_GRADE, 50001)


def test_flags_in_order(w: World) -> None:
    w.ledger.set_grade("H3", Grade.D, today=START)
    for i in range(3):
        w.claim(f"V{i}", [("XA01", 1, 100)], day=D(2026, 3, 2 + i))
    # 4th visit; fund = 240000 × 5000 / 10000 = 120000 (deductible already used: 9700 left)
    d = w.claim("ALL", [("XA01", 1, 250000)], day=D(2026, 3, 9))
    assert d.deductible == 9700  # 10000 − 3 × 100
    assert d.fund == 120150  # (250000 − 9700) × 5000 / 10000
    assert d.flags == Flag.VISIT_LIMIT | Flag.REVIEW_THRESHOLD | Flag.INSTITUTION_GRADE


# ---------------------------------------------------------------- §8 counting


def test_interval_item_last_day_and_too_soon(w: World) -> None:
    approved(w.claim("T1", [("XT01", 1, 100)], day=MAR2))
    assert w.ledger.last_service_day("P1", "XT01") == MAR2
    d = w.claim("T2", [("XT01", 1, 100)], day=D(2026, 3, 8))  # 03-02 + 7 = 03-09
    assert d.lines == (LineResult("XT01", 100, 0, LineNote.TOO_SOON),)
    assert w.ledger.last_service_day("P1", "XT01") == MAR2  # not restarted
    d = w.claim("T3", [("XT01", 1, 100)], day=D(2026, 3, 9))
    assert d.lines == (LineResult("XT01", 100, 100),)
    assert w.ledger.last_service_day("P1", "XT01") == D(2026, 3, 9)


def test_rejected_claim_records_no_last_day(w: World) -> None:
    w.claim("X", [("XT01", 1, 100)], day=MAR2, person="PX")
    assert w.ledger.last_service_day("PX", "XT01") is None


def test_counters_belong_to_the_service_year(w: World) -> None:
    lg = w.ledger
    lg.enrol("P7", CQ, Scheme.EMPLOYEE, START, D(2027, 12, 31), today=START)
    w.claim("Y1", [("XA01", 1, 6000)], day=D(2026, 12, 30), person="P7")
    ip = w.claim("Y2", [("XA01", 1, 30000)], day=D(2026, 12, 31), today=D(2027, 1, 3),
                 person="P7", inst="H1", visit=IP, discharge=D(2027, 1, 3))
    assert ip.fund == 9000  # (30000 − 20000) × 9000 / 10000
    d = w.claim("Y3", [("XA01", 1, 6000)], day=D(2027, 1, 4), person="P7")
    assert d.deductible == 6000  # a fresh annual deductible
    assert lg.counters("P7", 2026) == YearCounters(6000, 9000, 0)
    assert lg.counters("P7", 2027) == YearCounters(6000, 0, 0)


def test_op_annual_cap_across_claims() -> None:
    w = World(replace(POLICY, op_annual_cap=15000))
    assert w.claim("1", [("XA01", 1, 30000)], day=MAR2).fund == 10000
    assert w.claim("2", [("XA01", 1, 30000)], day=D(2026, 3, 3)).fund == 5000  # 15000 − 10000
    d = w.claim("3", [("XA01", 1, 30000)], day=D(2026, 3, 4))
    assert (d.status, d.fund, d.patient) == (ClaimStatus.APPROVED, 0, 30000)
    assert w.ledger.counters("P1", 2026) == YearCounters(10000, 15000, 15000)


def test_annual_cap_across_visit_types() -> None:
    w = World(replace(POLICY, annual_cap=50000))
    ip = w.claim("1", [("XA01", 1, 100000)], day=MAR2, today=D(2026, 3, 3), inst="H1",
                 visit=IP, discharge=D(2026, 3, 3))
    assert ip.fund == 50000  # (100000 − 20000) × 9000 / 10000 = 72000, capped at 50000
    assert w.claim("2", [("XA01", 1, 30000)], day=D(2026, 3, 4)).fund == 0


def test_later_policy_version_applies_by_service_date(w: World) -> None:
    w.ledger.add_policy(
        replace(POLICY, effective_from=D(2026, 7, 1), op_deductible=5000), today=START
    )
    assert w.claim("J", [("XA01", 1, 8000)], day=MAR2).deductible == 8000
    # July: deductible 5000, already 8000 used → 0; fund = 10000 × 5000 / 10000
    d = w.claim("L", [("XA01", 1, 10000)], day=D(2026, 7, 1))
    assert (d.deductible, d.fund) == (0, 5000)
