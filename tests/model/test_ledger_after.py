"""After the decision: review, appeal, settlement, clearing, clawback, freeze, statuses,
filings, contributions, setup refusals and the fund law. Figures by hand (fen)."""

from __future__ import annotations

from dataclasses import replace
from functools import partial

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from worlds.model_world import CQ, GZ, POLICY, START, D, World, key
from yibao.errors import OperationRefused, YibaoError
from yibao.model import FundLawBroken, ModelRefusal
from yibao.model.types import (
    CatalogueItem, Category, ClaimStatus, Filing, Flag, FundState, Grade, InstitutionStatus, LineResult,
    PersonStatus, Reason, Scheme, VisitType, YearCounters
)

IP = VisitType.INPATIENT
MAR2 = D(2026, 3, 2)


def flagged_inpatient(w: World, invoice: str = "F", price: int = 200000) -> None:
    """H1 inpatient, admitted 03-02, discharged 03-03: fund (price − 20000) × 0.9."""
    d = w.claim(invoice, [("XA01", 1, price)], day=MAR2, today=D(2026, 3, 3), inst="H1",
                visit=IP, discharge=D(2026, 3, 3))
    assert d.status is ClaimStatus.FLAGGED


# ---------------------------------------------------------------- review


def test_review_approves_a_flagged_claim(w: World) -> None:
    flagged_inpatient(w)  # fund 162000
    d = w.ledger.review(key("F", "H1"), "R1", True, today=D(2026, 3, 5), reason="OK")
    assert (d.status, d.reason, d.flags, d.fund) == (
        ClaimStatus.APPROVED, Reason.NONE, Flag.REVIEW_THRESHOLD, 162000
    )
    assert w.ledger.institution("H1").payable == 162000
    assert w.ledger.counters("P1", 2026).fund_used == 162000  # counted once
    assert [e.action for e in w.ledger.claim_history(key("F", "H1"))] == [
        "submitted", "flagged", "approve", "approved"
    ]


def test_review_rejection_reverses_counts_but_not_last_days(w: World) -> None:
    for i in range(3):
        w.claim(f"V{i}", [("XA01", 1, 100)], day=D(2026, 3, 2 + i))
    d = w.claim("V3", [("XA01", 1, 100), ("XT01", 1, 200)], day=D(2026, 3, 9))
    assert d.flags == Flag.VISIT_LIMIT
    # deductible used 3 × 100 + 300 = 600; fund 0
    assert w.ledger.counters("P1", 2026) == YearCounters(600, 0, 0)
    d = w.ledger.review(key("V3"), "R2", False, today=D(2026, 3, 10), evidence="x-ray")
    assert (d.status, d.reason, d.flags) == (
        ClaimStatus.REJECTED, Reason.REVIEW_REJECTED, Flag.VISIT_LIMIT
    )
    assert (d.billed, d.eligible, d.deductible, d.fund, d.patient) == (300, 0, 0, 0, 300)
    assert d.lines == (LineResult("XA01", 100, 100), LineResult("XT01", 200, 200))
    assert w.ledger.counters("P1", 2026) == YearCounters(300, 0, 0)
    assert w.ledger.visits("P1", 2026, 3) == 3
    assert w.ledger.last_service_day("P1", "XT01") == D(2026, 3, 9)


def test_review_refusals(w: World) -> None:
    w.claim("A", [("XA01", 1, 100)], day=MAR2)
    w.refused("ClaimNotReviewable", lambda: w.ledger.review(key("A"), "R1", True, today=MAR2))
    w.refused("ClaimNotReviewable", lambda: w.ledger.review(key("ZZ"), "R1", True, today=MAR2))
    flagged_inpatient(w)
    # RG reviews Guangzhou only; RX is nobody
    for who in ("RG", "RX"):
        w.refused(
            "AccessControlUnauthorizedAccount",
            partial(w.ledger.review, key("F", "H1"), who, True, today=D(2026, 3, 3)),
        )
    w.ledger.review(key("F", "H1"), "R1", False, today=D(2026, 3, 4))
    w.refused("ClaimNotReviewable",
              lambda: w.ledger.review(key("F", "H1"), "R2", True, today=D(2026, 3, 4)))


# ---------------------------------------------------------------- appeal


def test_appeal_window_and_one_appeal(w: World) -> None:
    flagged_inpatient(w)
    k = key("F", "H1")
    w.ledger.review(k, "R1", False, today=D(2026, 3, 10))
    # last day: 03-10 + 15 = 03-25
    w.ledger.appeal(k, today=D(2026, 3, 25))
    assert w.ledger.claim(k).status is ClaimStatus.APPEALED  # type: ignore[union-attr]
    w.refused("AppealAlreadyFiled", lambda: w.ledger.appeal(k, today=D(2026, 3, 25)))
    w.refused("ReviewerConflict", lambda: w.ledger.review(k, "R1", True, today=D(2026, 3, 26)))
    d = w.ledger.review(k, "R2", True, today=D(2026, 3, 26))
    assert (d.status, d.reason, d.fund, d.deductible) == (
        ClaimStatus.APPROVED, Reason.NONE, 162000, 20000
    )
    assert w.ledger.institution("H1").payable == 162000
    assert w.ledger.counters("P1", 2026).fund_used == 162000
    w.refused("AppealAlreadyFiled", lambda: w.ledger.appeal(k, today=D(2026, 3, 27)))


def test_appeal_window_closed(w: World) -> None:
    flagged_inpatient(w)
    k = key("F", "H1")
    w.ledger.review(k, "R1", False, today=D(2026, 3, 10))
    w.refused("AppealWindowClosed", lambda: w.ledger.appeal(k, today=D(2026, 3, 26)))


def test_appeal_rejected_is_final(w: World) -> None:
    flagged_inpatient(w)
    k = key("F", "H1")
    w.ledger.review(k, "R1", False, today=D(2026, 3, 10))
    w.ledger.appeal(k, today=D(2026, 3, 11))
    d = w.ledger.review(k, "R2", False, today=D(2026, 3, 12))
    assert (d.status, d.reason, d.fund, d.patient) == (
        ClaimStatus.REJECTED, Reason.APPEAL_REJECTED, 0, 200000
    )
    assert w.ledger.counters("P1", 2026) == YearCounters()
    w.refused("ClaimNotReviewable", lambda: w.ledger.review(k, "R2", True, today=D(2026, 3, 12)))
    w.refused("AppealAlreadyFiled", lambda: w.ledger.appeal(k, today=D(2026, 3, 12)))


def test_claim_not_appealable(w: World) -> None:
    w.claim("OK", [("XA01", 1, 100)], day=MAR2)
    w.claim("OV", [("XA01", 1, 30000)], day=MAR2, claimed_fund=99999)
    flagged_inpatient(w)
    for k in (key("OK"), key("OV"), key("F", "H1"), key("NONE")):
        w.refused("ClaimNotAppealable", partial(w.ledger.appeal, k, today=D(2026, 3, 3)))


def test_appeal_approval_is_lowered_to_what_the_caps_leave() -> None:
    w = World(replace(POLICY, annual_cap=200000))
    flagged_inpatient(w)  # fund 162000, counted
    k = key("F", "H1")
    w.ledger.review(k, "R1", False, today=D(2026, 3, 4))  # reversed: fund used 0
    d2 = w.claim("I2", [("XA01", 1, 100000)], day=D(2026, 3, 4), today=D(2026, 3, 5),
                 inst="H1", visit=IP, discharge=D(2026, 3, 5))
    assert d2.fund == 72000  # (100000 − 20000) × 9000 / 10000
    w.ledger.appeal(k, today=D(2026, 3, 6))
    d = w.ledger.review(k, "R2", True, today=D(2026, 3, 7))
    # min(162000, 200000 − 72000) = 128000
    assert (d.status, d.fund, d.patient, d.deductible) == (
        ClaimStatus.APPROVED, 128000, 72000, 20000
    )
    assert w.ledger.counters("P1", 2026).fund_used == 200000
    assert w.ledger.institution("H1").payable == 72000 + 128000


# ---------------------------------------------------------------- settlement


def test_settlement_pays_every_approved_claim(w: World) -> None:
    w.claim("A", [("XA01", 1, 30000)], day=MAR2)  # d 10000, fund 10000
    w.claim("B", [("XA01", 1, 20000)], day=MAR2)  # fund 10000
    s = w.ledger.settle("H3", today=D(2026, 3, 31))
    assert (s.payable, s.netted, s.cash) == (20000, 0, 20000)
    assert s.claims == (key("A"), key("B"))
    assert w.ledger.fund(CQ) == FundState(9_980_000, 0, 20000, 0, 0, 0)
    i = w.ledger.institution("H3")
    assert (i.payable, i.paid, i.debt) == (0, 20000, 0)
    assert w.ledger.claim(key("A")).status is ClaimStatus.SETTLED  # type: ignore[union-attr]
    w.refused("NothingToSettle", lambda: w.ledger.settle("H3", today=D(2026, 3, 31)))


def test_zero_fund_claims_wait_for_a_settlement_that_pays(w: World) -> None:
    w.claim("Z", [("XA01", 1, 5000)], day=MAR2)  # all deductible: fund 0
    w.refused("NothingToSettle", lambda: w.ledger.settle("H3", today=MAR2))
    assert w.ledger.claim(key("Z")).status is ClaimStatus.APPROVED  # type: ignore[union-attr]
    w.claim("P", [("XA01", 1, 25000)], day=MAR2)  # d 5000, fund 10000
    assert w.ledger.settle("H3", today=MAR2).claims == (key("Z"), key("P"))
    assert w.ledger.claim(key("Z")).status is ClaimStatus.SETTLED  # type: ignore[union-attr]


def test_fund_insufficient_changes_nothing() -> None:
    w = World(funds=(5000, 5_000_000))
    w.claim("A", [("XA01", 1, 30000)], day=MAR2)  # fund 10000
    w.refused("FundInsufficient", lambda: w.ledger.settle("H3", today=MAR2))
    w.ledger.contribution("P1", 5000, today=MAR2)
    assert w.ledger.fund(CQ) == FundState(10000, 5000, 0, 0, 0, 0)
    w.ledger.settle("H3", today=MAR2)
    assert w.ledger.fund(CQ) == FundState(0, 5000, 10000, 0, 0, 0)


def test_frozen_institution_is_not_paid(w: World) -> None:
    w.claim("A", [("XA01", 1, 30000)], day=MAR2)
    w.ledger.freeze("H3", today=MAR2)
    w.refused("InstitutionUnchanged", lambda: w.ledger.freeze("H3", today=MAR2))
    w.refused("InstitutionFrozen", lambda: w.ledger.settle("H3", today=MAR2))
    assert w.claim("B", [("XA01", 1, 100)], day=MAR2).status is ClaimStatus.APPROVED
    w.ledger.unfreeze("H3", today=MAR2)
    w.refused("InstitutionUnchanged", lambda: w.ledger.unfreeze("H3", today=MAR2))
    assert w.ledger.settle("H3", today=MAR2).cash == 10050  # 10000 + 100 × 0.5


def test_clawback_debt_is_netted_from_later_settlements(w: World) -> None:
    lg = w.ledger
    w.claim("A", [("XA01", 1, 30000)], day=MAR2)  # d 10000, fund 10000
    lg.settle("H3", today=MAR2)
    assert lg.clawback(key("A"), today=D(2026, 3, 3)) == 10000
    d = lg.claim(key("A"))
    assert d is not None
    assert (d.status, d.reason, d.eligible, d.deductible, d.fund, d.patient) == (
        ClaimStatus.CLAWED_BACK, Reason.NONE, 0, 0, 0, 30000
    )
    assert lg.counters("P1", 2026) == YearCounters()  # reversed
    assert lg.visits("P1", 2026, 3) == 0
    assert lg.institution("H3").debt == 10000
    w.refused("ClaimNotSettled", lambda: lg.clawback(key("A"), today=D(2026, 3, 3)))
    # d = 10000 again (reversed), fund = 8000 × 0.5 = 4000: all netted, no cash
    w.claim("B", [("XA01", 1, 18000)], day=D(2026, 3, 4))
    s = lg.settle("H3", today=D(2026, 3, 4))
    assert (s.payable, s.netted, s.cash) == (4000, 4000, 0)
    # fund = 30000 × 0.5 = 15000: 6000 netted, 9000 paid
    w.claim("C", [("XA01", 1, 30000)], day=D(2026, 3, 5))
    s = lg.settle("H3", today=D(2026, 3, 5))
    assert (s.payable, s.netted, s.cash) == (15000, 6000, 9000)
    i = lg.institution("H3")
    assert (i.payable, i.paid, i.debt) == (0, 19000, 0)
    # 10,000,000 − 29000 settled + 10000 recovered
    assert lg.fund(CQ) == FundState(9_981_000, 0, 29000, 0, 0, 10000)


def test_clawback_only_of_settled_claims(w: World) -> None:
    w.claim("A", [("XA01", 1, 30000)], day=MAR2)
    w.refused("ClaimNotSettled", lambda: w.ledger.clawback(key("A"), today=MAR2))
    w.refused("ClaimNotSettled", lambda: w.ledger.clawback(key("Q"), today=MAR2))
    w.ledger.freeze("H3", today=MAR2)
    w.ledger.unfreeze("H3", today=MAR2)
    w.ledger.settle("H3", today=MAR2)
    w.ledger.freeze("H3", today=MAR2)
    assert w.ledger.clawback(key("A"), today=MAR2) == 10000  # frozen: still clawed back


# ---------------------------------------------------------------- cross-region


def cross_region_settled(w: World) -> None:
    w.claim("G1", [("GA01", 1, 30000)], day=MAR2, inst="G2")  # cut: fund 10000
    w.claim("G2", [("GA01", 1, 20000)], day=MAR2, inst="G2")  # d 0: fund 10000
    s = w.ledger.settle("G2", today=MAR2)
    assert s.cash == 20000


def test_cross_region_settlement_books_a_debt_and_clear_pays_it(w: World) -> None:
    lg = w.ledger
    cross_region_settled(w)
    assert lg.fund(GZ) == FundState(4_980_000, 0, 20000, 0, 0, 0)  # treating region pays
    assert lg.owed(CQ, GZ) == 20000
    assert lg.owed(GZ, CQ) == 0
    w.refused("ClearingExceedsDebt", lambda: lg.clear(CQ, GZ, today=MAR2, amount=20001))
    w.refused("AmountZero", lambda: lg.clear(CQ, GZ, today=MAR2, amount=0))
    w.refused("NothingToClear", lambda: lg.clear(GZ, CQ, today=MAR2))
    w.refused("RegionUnknown", lambda: lg.clear(CQ, 310000, today=MAR2))
    assert lg.clear(CQ, GZ, today=MAR2, amount=5000) == 5000
    assert lg.owed(CQ, GZ) == 15000
    assert lg.clear(CQ, GZ, today=MAR2) == 15000
    assert lg.fund(CQ) == FundState(9_980_000, 0, 0, 0, 20000, 0)
    assert lg.fund(GZ) == FundState(5_000_000, 0, 20000, 20000, 0, 0)
    w.refused("NothingToClear", lambda: lg.clear(CQ, GZ, today=MAR2))


def test_clear_needs_the_payers_fund() -> None:
    w = World(funds=(10000, 5_000_000))
    cross_region_settled(w)
    w.refused("FundInsufficient", lambda: w.ledger.clear(CQ, GZ, today=MAR2))
    assert w.ledger.clear(CQ, GZ, today=MAR2, amount=10000) == 10000


def test_clawback_takes_the_share_off_the_cross_region_debt(w: World) -> None:
    """adjudication.md v1.1: the home region never pays for a clawed-back claim."""
    cross_region_settled(w)
    w.ledger.clawback(key("G1", "G2"), today=MAR2, reason="UPCODING", evidence="audit-1")
    assert w.ledger.owed(CQ, GZ) == 10000
    assert w.ledger.owed(GZ, CQ) == 0
    assert w.ledger.institution("G2").debt == 10000


def test_clawback_after_clearing_books_a_debt_back_to_the_home_region(w: World) -> None:
    lg = w.ledger
    cross_region_settled(w)
    assert lg.clear(CQ, GZ, today=MAR2, amount=15000) == 15000  # 5000 still owed
    lg.clawback(key("G1", "G2"), today=MAR2)  # share 10000: 5000 off the debt, 5000 owed back
    assert (lg.owed(CQ, GZ), lg.owed(GZ, CQ)) == (0, 5000)
    assert lg.clear(GZ, CQ, today=MAR2) == 5000
    # net: CQ paid GZ 15000 and got 5000 back = the one share not clawed back
    assert lg.fund(CQ).clearing_out - lg.fund(CQ).clearing_in == 10000
    w.refused("ReasonInvalid", lambda: lg.clawback(key("G2", "G2"), today=MAR2, reason="free text"))


# ---------------------------------------------------------------- statuses and filings


def test_person_status_transitions(w: World) -> None:
    lg = w.ledger
    w.refused("PersonStatusTransitionInvalid",
              lambda: lg.person_status("P1", PersonStatus.ACTIVE, today=START))
    lg.person_status("P1", PersonStatus.SUSPENDED, today=START, reason_code=2)
    w.refused("PersonStatusTransitionInvalid",
              lambda: lg.person_status("P1", PersonStatus.SUSPENDED, today=START))
    lg.person_status("P1", PersonStatus.ACTIVE, today=START)
    lg.person_status("P1", PersonStatus.TERMINATED, today=START)
    for s in PersonStatus:
        w.refused("PersonTerminated", partial(lg.person_status, "P1", s, today=START))
    w.refused("PersonTerminated",
              lambda: lg.filing("P1", Filing(GZ, START, START), today=START))
    w.refused("PersonUnknown", lambda: lg.person_status("PX", PersonStatus.ACTIVE, today=START))


def test_institution_status_and_grade(w: World) -> None:
    lg = w.ledger
    w.refused("InstitutionUnchanged",
              lambda: lg.institution_status("H3", InstitutionStatus.ACTIVE, today=START))
    lg.institution_status("H3", InstitutionStatus.SUSPENDED, today=START, reason_code=9)
    lg.institution_status("H3", InstitutionStatus.ACTIVE, today=START)
    lg.institution_status("H3", InstitutionStatus.REVOKED, today=START)
    w.refused("InstitutionRevoked",
              lambda: lg.institution_status("H3", InstitutionStatus.ACTIVE, today=START))
    w.refused("InstitutionUnchanged", lambda: lg.set_grade("H1", Grade.A, today=START))
    lg.set_grade("H1", Grade.C, today=START)
    assert lg.institution("H1").grade is Grade.C
    w.refused("InstitutionUnknown", lambda: lg.freeze("HX", today=START))


def test_filings(w: World) -> None:
    lg = w.ledger
    w.refused("FilingInvalid", lambda: lg.filing("P1", Filing(CQ, START, START), today=START))
    w.refused("FilingInvalid",
              lambda: lg.filing("P1", Filing(GZ, D(2026, 2, 1), D(2026, 1, 31)), today=START))
    w.refused("RegionUnknown",
              lambda: lg.filing("P1", Filing(310000, START, START), today=START))
    for i in range(8):
        lg.filing("P1", Filing(GZ, D(2026, 1, 1 + i), D(2026, 3, 31)), today=START)
    w.refused("FilingLimitReached",
              lambda: lg.filing("P1", Filing(GZ, START, START), today=D(2026, 3, 31)))
    # on 04-01 the eight filings have ended, but a claim for 03-31 may still come (stale
    # after 90 days): they stay until 06-29 and are dropped on 06-30
    w.refused("FilingLimitReached",
              lambda: lg.filing("P1", Filing(GZ, D(2026, 4, 1), D(2026, 4, 30)), today=D(2026, 6, 29)))
    lg.filing("P1", Filing(GZ, D(2026, 7, 1), D(2026, 7, 30)), today=D(2026, 6, 30))
    assert lg.person("P1").filings == (Filing(GZ, D(2026, 7, 1), D(2026, 7, 30)),)


def test_contribution(w: World) -> None:
    w.ledger.enrol("Q", GZ, Scheme.RESIDENT, START, D(2026, 12, 31), today=START)
    w.ledger.contribution("Q", 60000, today=START)
    assert w.ledger.fund(GZ) == FundState(5_060_000, 60000, 0, 0, 0, 0)
    w.refused("AmountZero", lambda: w.ledger.contribution("Q", 0, today=START))
    w.refused("AmountTooLarge", lambda: w.ledger.contribution("Q", 2**64 - 5_060_000, today=START))
    w.ledger.contribution("Q", 2**64 - 1 - 5_060_000, today=START)  # exactly what the totals hold
    w.refused("PersonUnknown", lambda: w.ledger.contribution("QQ", 1, today=START))


def test_setup_refusals(w: World) -> None:
    lg = w.ledger
    w.refused("RegionCodeInvalid", lambda: lg.add_region(99999, "x", 0, today=START))
    w.refused("RegionCodeInvalid", lambda: lg.add_region(1_000_000, "x", 0, today=START))
    w.refused("RegionExists", lambda: lg.add_region(CQ, "x", 0, today=START))
    w.refused("RegionUnknown", lambda: lg.add_institution("N", 310000, 1, Grade.A, today=START))
    w.refused("InstitutionLevelInvalid", lambda: lg.add_institution("N", CQ, 4, Grade.A,
                                                                    today=START))
    w.refused("InstitutionExists", lambda: lg.add_institution("H3", CQ, 1, Grade.A, today=START))
    w.refused("PersonExists",
              lambda: lg.enrol("P1", CQ, Scheme.EMPLOYEE, START, START, today=START))
    w.refused("CoverageInvalid",
              lambda: lg.enrol("P9", CQ, Scheme.EMPLOYEE, D(2026, 2, 1), START, today=START))
    w.refused("PolicyVersionNotAfterLatest", lambda: lg.add_policy(POLICY, today=START))
    w.refused("BpsOutOfRange", lambda: lg.add_policy(
        replace(POLICY, effective_from=D(2027, 1, 1), class_b_self_pay_bps=10001), today=START))
    w.refused("RegionUnknown", lambda: lg.add_items(310000, [CatalogueItem("X", Category.A)],
                                                    today=START))
    w.refused("RegionUnknown", lambda: lg.add_reviewer("R9", [310000], today=START))


def test_refusals_are_yibao_errors() -> None:
    err = ModelRefusal("NothingToSettle", ("H3",))
    assert isinstance(err, OperationRefused) and isinstance(err, YibaoError)
    assert (err.name, err.error_args, str(err)) == ("NothingToSettle", ("H3",), "NothingToSettle('H3')")


def test_clock_never_goes_backwards(w: World) -> None:
    w.claim("A", [("XA01", 1, 100)], day=MAR2)
    with pytest.raises(ValueError, match="forward"):
        w.ledger.freeze("H3", today=START)


# ---------------------------------------------------------------- fund law


def law_holds(w: World) -> None:
    lg = w.ledger
    for region in lg.regions():
        f = lg.fund(region)
        assert f.balance == (
            lg.opening_balance(region) + f.contributions - f.settled + f.clearing_in
            - f.clearing_out + f.recovered
        )
        assert f.balance >= 0


def test_fund_law_check_detects_tampering(w: World) -> None:
    w.ledger.check_fund_law()
    w.ledger._regions[CQ].fund.balance += 1
    with pytest.raises(FundLawBroken, match="500000"):
        w.ledger.check_fund_law()


OPS = st.lists(
    st.tuples(
        st.sampled_from(
            ["claim", "ip", "gz", "settle", "settle_gz", "clawback", "clear", "give",
             "review_ok", "review_no"]
        ),
        st.integers(1, 400_000),
    ),
    max_size=30,
)


@settings(max_examples=60, deadline=None)
@given(ops=OPS)
def test_fund_law_after_every_operation(ops: list[tuple[str, int]]) -> None:
    w = World(funds=(300_000, 100_000))
    lg = w.ledger
    day = MAR2
    for n, (op, amount) in enumerate(ops, start=1):
        inv = f"I{n}"
        try:
            if op == "claim":
                w.claim(inv, [("XA01", 1, amount)], day=day)
            elif op == "ip":
                w.claim(inv, [("XA01", 1, amount)], day=day, inst="H1", visit=IP, discharge=day)
            elif op == "gz":
                w.claim(inv, [("GA01", 1, amount)], day=day, inst="G2")
            elif op == "settle":
                lg.settle("H3" if amount % 2 else "H1", today=day)
            elif op == "settle_gz":
                lg.settle("G2", today=day)
            elif op == "clawback":
                lg.clawback(key(f"I{amount % max(n, 1)}", "H3"), today=day)
            elif op == "clear":
                lg.clear(CQ, GZ, today=day, amount=None if amount % 2 else amount % 5000 + 1)
            elif op == "give":
                lg.contribution("P1", amount, today=day)
            else:
                k = key(f"I{amount % max(n, 1)}", "H1")
                lg.review(k, "R1", op == "review_ok", today=day)
        except ModelRefusal:
            pass
        law_holds(w)
        counters = lg.counters("P1", 2026)
        assert 0 <= counters.fund_used <= POLICY.annual_cap
        assert 0 <= counters.op_fund_used <= POLICY.op_annual_cap
