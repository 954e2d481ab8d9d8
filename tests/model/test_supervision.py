"""Supervision cases, penalties and credit in the reference model, from supervision.md.

Each test quotes the sentence of supervision.md it holds. Figures by hand (fen), in the
standard world (``worlds.model_world``): P1 is from Chongqing; H3 is a level-3 hospital
there (outpatient ratio 5000 bps, inpatient deductible 100,000, inpatient ratio 8000 bps).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from functools import partial

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from worlds.model_world import D, World, key
from worlds.rules import CQ, GZ
from yibao.model import ModelRefusal
from yibao.model.types import (
    CaseOutcome, CaseSource, CaseStatus, CaseView, ClaimKey, ClaimStatus, Grade, InstitutionStatus, Reason,
    SupervisionParams, VisitType, YearCounters
)

LEAD, TIP, REFERRAL = CaseSource.LEAD, CaseSource.TIP, CaseSource.REFERRAL
A, B, C, E, F, R = (key(i) for i in ("A", "B", "C", "E", "F", "R"))
APR3, APR4 = D(2026, 4, 3), D(2026, 4, 4)
AFTER_WINDOW = D(2026, 4, 20)  # APR4 + 15 days + 1


@pytest.fixture
def mixed(w: World) -> World:
    """H3's claims: A, B SETTLED (fund 10000 each), C, E APPROVED (4000, 1000), F FLAGGED
    (160000), R REJECTED (OVERCLAIM). Today: APR3."""
    w.claim("A", [("XA01", 1, 30000)], day=D(2026, 3, 2))  # d 10000, fund 10000
    w.claim("B", [("XA01", 1, 20000)], day=D(2026, 3, 2))  # fund 10000
    assert w.ledger.settle("H3", today=D(2026, 3, 2)).cash == 20000
    assert w.claim("C", [("XA01", 1, 8000)], day=D(2026, 4, 1)).fund == 4000
    assert w.claim("E", [("XA01", 1, 2000)], day=D(2026, 4, 2)).fund == 1000
    f = w.claim("F", [("XA01", 1, 300000)], day=D(2026, 4, 1), today=D(2026, 4, 2),
                visit=VisitType.INPATIENT, discharge=D(2026, 4, 2))
    assert (f.status, f.fund) == (ClaimStatus.FLAGGED, 160000)  # (300000 − 100000) × 0.8
    r = w.claim("R", [("XA01", 1, 100)], day=APR3, claimed_fund=99999)
    assert (r.status, r.reason) == (ClaimStatus.REJECTED, Reason.OVERCLAIM)
    return w


def opened(w: World, claims: tuple[ClaimKey, ...] = (A, B, C, F, R), inst: str = "H3",
           today: dt.date = APR3) -> int:
    return w.ledger.open_case(inst, claims, LEAD, today=today, evidence="h0")


def decided(w: World, found: tuple[ClaimKey, ...] = (A, C, F), article: int = 38, bps: int = 15000,
            days: int = 0, today: dt.date = APR4) -> int:
    """A case on A, B, C, F, R whose finding names ``found``, decided on ``today``."""
    cid = opened(w, today=today)
    w.ledger.add_finding(cid, found, "PHANTOM", today=today, evidence="h1")
    w.ledger.decide(cid, article, bps, days, today=today)
    return cid


def view(w: World, cid: int) -> CaseView:
    v = w.ledger.case(cid)
    assert v is not None
    return v


def status(w: World, k: ClaimKey) -> tuple[ClaimStatus, Reason]:
    d = w.ledger.claim(k)
    assert d is not None
    return d.status, d.reason


# ---------------------------------------------------------------- lifecycle


def test_lifecycle_to_penalized(mixed: World) -> None:
    """"OPEN → INVESTIGATING → NOTIFIED → … → CLOSED with outcome PENALIZED"; ``id`` (new)."""
    w, lg = mixed, mixed.ledger
    cid = opened(w)
    assert cid == 1 and lg.cases() == (view(w, 1),)
    v = view(w, cid)
    assert (v.status, v.outcome, v.source, v.by_region, v.article, v.decided_on, v.claims, v.found,
            v.findings, v.loss, v.fine, v.opened_on) == (
        CaseStatus.OPEN, CaseOutcome.NONE, LEAD, CQ, 0, None, (A, B, C, F, R), (), 0, 0, 0, APR3)
    lg.add_finding(cid, (C, A), "READMIT", today=APR3)
    assert (view(w, cid).status, view(w, cid).found, view(w, cid).findings) == (
        CaseStatus.INVESTIGATING, (C, A), 1)
    assert lg.case_of_claim(A) == cid and lg.case_of_claim(B) == 0
    lg.decide(cid, 40, 20000, 0, today=APR4)
    v = view(w, cid)
    assert (v.status, v.article, v.fine_bps, v.decided_on, v.loss, v.fine) == (
        CaseStatus.NOTIFIED, 40, 20000, APR4, 14000, 28000)
    lg.finalize(cid, today=AFTER_WINDOW)
    v = view(w, cid)
    assert (v.status, v.outcome, v.contested, v.upheld) == (
        CaseStatus.CLOSED, CaseOutcome.PENALIZED, False, False)
    assert lg.fines("H3") == (28000, 0, None)
    assert opened(w, today=AFTER_WINDOW) == 2  # ids in opening order


def test_close_with_no_violation(mixed: World) -> None:
    """"OPEN | INVESTIGATING → CLOSED with outcome NO_VIOLATION"."""
    lg = mixed.ledger
    one, two = opened(mixed), opened(mixed)
    lg.add_finding(two, (A,), "PHANTOM", today=APR3)
    for cid in (one, two):
        lg.close_case(cid, today=APR3)
        assert (view(mixed, cid).status, view(mixed, cid).outcome) == (
            CaseStatus.CLOSED, CaseOutcome.NO_VIOLATION)
    assert status(mixed, A) == (ClaimStatus.SETTLED, Reason.NONE)
    mixed.refused("CaseStateInvalid", lambda: lg.close_case(one, today=APR3))
    mixed.refused("CaseUnknown", lambda: lg.close_case(9, today=APR3))
    cid = decided(mixed)
    err = mixed.refused("CaseStateInvalid", lambda: lg.close_case(cid, today=APR4))
    assert err.error_args == (cid, int(CaseStatus.NOTIFIED))


def test_contest_not_upheld_is_dismissed_and_executes_nothing(mixed: World) -> None:
    """"upheld: false closes it with outcome DISMISSED (nothing is executed; the case keeps the
    loss and fine it was decided with, as a record)"."""
    lg = mixed.ledger
    cid = decided(mixed)
    before = (lg.institution("H3"), lg.counters("P1", 2026), [status(mixed, k) for k in (A, C, F)])
    lg.contest(cid, "H3", today=D(2026, 4, 19))  # the last day: APR4 + 15
    assert (view(mixed, cid).status, view(mixed, cid).contested) == (CaseStatus.CONTESTED, True)
    lg.rule(cid, "R1", False, today=D(2026, 4, 21), fine_bps=99999)  # ignored
    v = view(mixed, cid)
    assert (v.status, v.outcome, v.loss, v.fine, v.fine_bps) == (
        CaseStatus.CLOSED, CaseOutcome.DISMISSED, 14000, 21000, 15000)
    assert (lg.institution("H3"), lg.counters("P1", 2026), [status(mixed, k) for k in (A, C, F)]) == before
    assert lg.fines("H3") == (0, 0, None) and lg.credit_score("H3", 2026) == 100


def test_upheld_ruling_with_a_new_fine_may_be_finalized_at_once(mixed: World) -> None:
    """"upheld: true returns it to NOTIFIED, optionally with a new fine_bps within the article's
    bounds (fine recomputed on the same loss), and it may be finalized at once"."""
    lg = mixed.ledger
    cid = decided(mixed)
    lg.contest(cid, "H3", today=D(2026, 4, 5))
    lg.rule(cid, "R2", True, today=D(2026, 4, 6), fine_bps=10001)
    v = view(mixed, cid)
    assert (v.status, v.upheld, v.fine_bps, v.loss, v.fine) == (CaseStatus.NOTIFIED, True, 10001, 14000, 14001)
    mixed.refused("CaseAlreadyContested", lambda: lg.contest(cid, "H3", today=D(2026, 4, 6)))
    lg.finalize(cid, today=D(2026, 4, 6))
    assert view(mixed, cid).outcome is CaseOutcome.PENALIZED
    assert lg.fines("H3")[0] == 14001


def test_upheld_without_a_new_fine_keeps_the_fine(mixed: World) -> None:
    """"optionally with a new fine_bps" — none given (or 0): the decided fine stands."""
    lg = mixed.ledger
    cid = decided(mixed)
    lg.contest(cid, "H3", today=APR4)
    lg.rule(cid, "R1", True, today=APR4, fine_bps=0)
    assert (view(mixed, cid).fine_bps, view(mixed, cid).fine) == (15000, 21000)


# ---------------------------------------------------------------- open_case


def test_open_case_refusals(mixed: World) -> None:
    """"each a claim of that institution, in any status"; REFERRAL only from another region."""
    w, lg = mixed, mixed.ledger
    op = partial(lg.open_case, today=APR3)
    many = tuple(key(f"N{i}") for i in range(201))
    for claims, args in (((), (0, 200)), (many, (201, 200))):
        assert w.refused("CaseClaimsInvalid", partial(op, "H3", claims, LEAD)).error_args == args
    w.refused("InstitutionUnknown", partial(op, "HX", (A,), LEAD))
    assert w.refused("CaseSourceInvalid", partial(op, "H3", (A,), REFERRAL)).error_args == (3, CQ, CQ)
    assert w.refused("CaseSourceInvalid", partial(op, "H3", (A,), TIP, by_region=GZ)).error_args == (1, GZ, CQ)
    w.refused("CaseSourceInvalid", partial(op, "H3", (A,), REFERRAL, by_region=CQ))
    w.refused("RegionUnknown", partial(op, "H3", (A,), REFERRAL, by_region=310000))
    w.refused("ClaimUnknown", partial(op, "H3", (A, key("ZZ")), LEAD))
    w.claim("H", [("XA01", 1, 100)], day=APR3, inst="H1")
    assert w.refused("ClaimOfOtherInstitution", partial(op, "H3", (A, key("H", "H1")), LEAD)).error_args == (
        key("H", "H1"), "H3")
    w.refused("ClaimListedTwice", partial(op, "H3", (A, B, A), LEAD))
    assert lg.cases() == ()
    assert opened(w, (R,)) == 1  # any status: a rejected claim too


def test_referral_for_people_of_the_referring_region(mixed: World) -> None:
    """"with source REFERRAL, the regulator of another region, for claims of people from that
    region only"."""
    w, lg = mixed, mixed.ledger
    w.claim("G1", [("GA01", 1, 30000)], day=APR3, inst="G2")  # P1 (Chongqing) treated in Guangzhou
    cid = lg.open_case("G2", (key("G1", "G2"),), REFERRAL, today=APR3, by_region=CQ)
    v = view(w, cid)
    assert (v.source, v.by_region, v.institution) == (REFERRAL, CQ, "G2")
    lg.add_finding(cid, (key("G1", "G2"),), "PHANTOM", today=APR3)
    # P1's H3 claims referred by Guangzhou: P1 is not from Guangzhou
    err = w.refused("ReferralOutsideRegion",
                    partial(lg.open_case, "H3", (A,), REFERRAL, today=APR3, by_region=GZ))
    assert err.error_args == (A, "P1", CQ, GZ)
    w.claim("X", [("XA01", 1, 100)], day=APR3, person="PX")  # not enrolled: no home region
    err = w.refused("ReferralOutsideRegion",
                    partial(lg.open_case, "H3", (key("X"),), REFERRAL, today=APR3, by_region=GZ))
    assert err.error_args == (key("X"), "PX", 0, GZ)


# ---------------------------------------------------------------- findings


def test_finding_refusals(mixed: World) -> None:
    """"each live: APPROVED, FLAGGED or SETTLED, and not found in another case that is not
    CLOSED"; "Any other step on a case … is refused with a named error and changes nothing"."""
    w, lg = mixed, mixed.ledger
    cid = opened(w)
    find = partial(lg.add_finding, today=APR3)
    w.refused("CaseUnknown", partial(find, 7, (A,), "PHANTOM"))
    for bad in ("", "free text", "X" * 33):
        w.refused("ReasonInvalid", partial(find, cid, (A,), bad))
    w.refused("CaseClaimsInvalid", partial(find, cid, (), "PHANTOM"))
    w.refused("CaseClaimsInvalid", partial(find, cid, (A,) * 201, "PHANTOM"))
    assert w.refused("ClaimNotInCase", partial(find, cid, (A, E), "PHANTOM")).error_args == (cid, E)
    assert w.refused("ClaimNotLive", partial(find, cid, (A, R), "PHANTOM")).error_args == (
        R, int(ClaimStatus.REJECTED))
    assert view(w, cid).findings == 0
    find(cid, (A,), "PHANTOM")
    lg.decide(cid, 38, 10000, 0, today=APR3)
    w.refused("CaseStateInvalid", partial(find, cid, (B,), "PHANTOM"))


def test_finding_again_changes_nothing(mixed: World) -> None:
    """"finding a claim again in the same case changes nothing" (found keeps first-found order)."""
    lg = mixed.ledger
    cid = opened(mixed)
    lg.add_finding(cid, (F, A, F), "PHANTOM", today=APR3)
    lg.add_finding(cid, (A, B, F), "READMIT", today=APR3)
    v = view(mixed, cid)
    assert (v.found, v.findings) == ((F, A, B), 2)
    lg.clawback(A, today=APR3)  # no longer live, but found already: skipped, not refused
    lg.add_finding(cid, (A,), "READMIT", today=APR3)
    assert view(mixed, cid).found == (F, A, B)


def test_a_claim_found_in_a_closed_case_may_be_found_again(mixed: World) -> None:
    """"not found in another case that is not CLOSED"."""
    w, lg = mixed, mixed.ledger
    one, two = opened(w), opened(w)
    lg.add_finding(one, (A, C), "PHANTOM", today=APR3)
    err = w.refused("ClaimAlreadyFound", partial(lg.add_finding, two, (B, C), "PHANTOM", today=APR3))
    assert err.error_args == (C, one)
    lg.decide(one, 38, 10000, 0, today=APR3)  # NOTIFIED is not CLOSED
    w.refused("ClaimAlreadyFound", partial(lg.add_finding, two, (C,), "PHANTOM", today=APR3))
    lg.contest(one, "H3", today=APR3)
    lg.rule(one, "R1", False, today=APR3)  # DISMISSED: closed
    lg.add_finding(two, (B, C), "PHANTOM", today=APR3)
    assert view(w, two).found == (B, C) and lg.case_of_claim(C) == two


# ---------------------------------------------------------------- decide


def test_decide_refusals(mixed: World) -> None:
    """"Art. 38 needs 10000 ≤ fine_bps ≤ 20000, Art. 40 20000 ≤ fine_bps ≤ 50000"; "Needs at
    least one finding"."""
    w, lg = mixed, mixed.ledger
    cid = opened(w)
    dec = partial(lg.decide, today=APR3)
    w.refused("CaseUnknown", partial(dec, 5, 38, 10000, 0))
    w.refused("CaseHasNoFinding", partial(dec, cid, 38, 10000, 0))
    lg.add_finding(cid, (A,), "PHANTOM", today=APR3)
    w.refused("ArticleInvalid", partial(dec, cid, 39, 10000, 0))
    for article, bps, low, high in ((38, 9999, 10000, 20000), (38, 20001, 10000, 20000),
                                    (40, 19999, 20000, 50000), (40, 50001, 20000, 50000)):
        err = w.refused("FineBpsOutOfBounds", partial(dec, cid, article, bps, 0))
        assert err.error_args == (article, bps, low, high)
    assert view(w, cid).status is CaseStatus.INVESTIGATING
    dec(cid, 40, 50000, 0)
    assert view(w, cid).fine == 50000  # 10000 × 5
    w.refused("CaseStateInvalid", partial(dec, cid, 40, 50000, 0))
    two = opened(w, (B,))
    lg.add_finding(two, (B,), "PHANTOM", today=APR3)
    dec(two, 38, 20000, 0)  # the bounds are inclusive
    three = opened(w, (C,))
    lg.add_finding(three, (C,), "PHANTOM", today=APR3)
    dec(three, 40, 20000, 0)


def test_loss_counts_approved_and_settled_found_claims_only(mixed: World) -> None:
    """"loss = Σ fund of the found claims that are APPROVED or SETTLED now (… a FLAGGED claim was
    never payable and adds nothing); fine = ⌊loss × fine_bps / 10000⌋"."""
    lg = mixed.ledger
    cid = opened(mixed)
    lg.add_finding(cid, (A, B, C, F), "PHANTOM", today=APR3)
    lg.clawback(B, today=APR3)  # found, then no longer live: adds nothing
    lg.decide(cid, 38, 12345, 0, today=APR3)
    v = view(mixed, cid)
    assert (v.loss, v.fine) == (14000, 17283)  # 10000 + 4000; 14000 × 1.2345 = 17283.0
    only_flagged = opened(mixed, (F,), inst="H3")
    lg.contest(cid, "H3", today=APR3)
    lg.rule(cid, "R1", False, today=APR3)  # closed: F may be found again
    lg.add_finding(only_flagged, (F,), "PHANTOM", today=APR3)
    lg.decide(only_flagged, 38, 10000, 0, today=APR3)
    assert (view(mixed, only_flagged).loss, view(mixed, only_flagged).fine) == (0, 0)


def test_fine_is_floored(w: World) -> None:
    """"fine = ⌊loss × fine_bps / 10000⌋"."""
    w.claim("A", [("XA01", 1, 30000)], day=APR3)  # d 10000, fund 10000
    assert w.claim("B", [("XA01", 1, 14)], day=APR3).fund == 7
    cid = w.ledger.open_case("H3", (A, B), LEAD, today=APR3)
    w.ledger.add_finding(cid, (A, B), "PHANTOM", today=APR3)
    w.ledger.decide(cid, 38, 13333, 0, today=APR3)
    assert (view(w, cid).loss, view(w, cid).fine) == (10007, 13342)  # 10007 × 1.3333 = 13342.33


# ---------------------------------------------------------------- contest and ruling


def test_contest_refusals(mixed: World) -> None:
    """"contest | the institution | Once per case, while NOTIFIED and today − decided_on ≤
    contest_days"."""
    w, lg = mixed, mixed.ledger
    cid = decided(w)
    w.refused("CaseUnknown", partial(lg.contest, 9, "H3", today=APR4))
    assert w.refused("CaseNotOwned", partial(lg.contest, cid, "H1", today=APR4)).error_args == (cid, "H1")
    err = w.refused("ContestWindowClosed", partial(lg.contest, cid, "H3", today=AFTER_WINDOW))
    assert err.error_args == (cid, D(2026, 4, 19), AFTER_WINDOW)
    lg.close_case(opened(w, today=AFTER_WINDOW), today=AFTER_WINDOW)
    w.refused("CaseStateInvalid", partial(lg.contest, 2, "H3", today=AFTER_WINDOW))
    w.refused("CaseStateInvalid", partial(lg.contest, opened(w, today=AFTER_WINDOW), "H3", today=AFTER_WINDOW))


def test_contest_days_are_the_regions(mixed: World) -> None:
    """"Parameters (per region, set by its regulator …)": `contest_days`."""
    lg = mixed.ledger
    lg.set_supervision_params(CQ, SupervisionParams(contest_days=3), today=APR3)
    cid = decided(mixed)
    mixed.refused("ContestWindowClosed", partial(lg.contest, cid, "H3", today=D(2026, 4, 8)))
    lg.contest(cid, "H3", today=D(2026, 4, 7))


def test_ruling_refusals(mixed: World) -> None:
    """"ruling | a reviewer of the institution's region (not a regulator: separation of duties)
    | On a CONTESTED case"; a new fine_bps "within the article's bounds"."""
    w, lg = mixed, mixed.ledger
    cid = decided(w)
    w.refused("CaseUnknown", partial(lg.rule, 9, "R1", True, today=APR4))
    for who in ("RG", "RX"):  # RG reviews Guangzhou only
        w.refused("AccessControlUnauthorizedAccount", partial(lg.rule, cid, who, True, today=APR4))
    w.refused("CaseStateInvalid", partial(lg.rule, cid, "R1", True, today=APR4))
    lg.contest(cid, "H3", today=APR4)
    err = w.refused("FineBpsOutOfBounds", partial(lg.rule, cid, "R1", True, today=APR4, fine_bps=20001))
    assert err.error_args == (38, 20001, 10000, 20000)
    assert view(w, cid).status is CaseStatus.CONTESTED


# ---------------------------------------------------------------- finalize


def test_finalize_refusals(mixed: World) -> None:
    """"finalize | On a NOTIFIED case once today − decided_on > contest_days or after an upheld
    ruling"."""
    w, lg = mixed, mixed.ledger
    cid = decided(w)
    w.refused("CaseUnknown", partial(lg.finalize, 9, today=APR4))
    err = w.refused("FinalizeTooEarly", partial(lg.finalize, cid, today=D(2026, 4, 19)))
    assert err.error_args == (cid, AFTER_WINDOW, D(2026, 4, 19))
    lg.contest(cid, "H3", today=D(2026, 4, 19))
    w.refused("CaseStateInvalid", partial(lg.finalize, cid, today=AFTER_WINDOW))
    w.refused("CaseStateInvalid", partial(lg.finalize, opened(w, today=AFTER_WINDOW), today=AFTER_WINDOW))
    lg.rule(cid, "R1", True, today=AFTER_WINDOW)
    lg.finalize(cid, today=AFTER_WINDOW)
    w.refused("CaseStateInvalid", partial(lg.finalize, cid, today=AFTER_WINDOW))


def test_finalize_executes_each_found_claim_still_live(mixed: World) -> None:
    """"SETTLED → clawed back … (counts reversed, the fund share becomes the institution's debt,
    netted from later settlements); APPROVED or FLAGGED → REJECTED with reason SUPERVISION, its
    counts reversed and (if APPROVED) its fund share no longer payable. A found claim that is no
    longer live is skipped"."""
    w, lg = mixed, mixed.ledger
    cid = decided(w, found=(A, B, C, F))
    lg.clawback(B, today=D(2026, 4, 5))  # no longer live
    assert (lg.institution("H3").payable, lg.institution("H3").debt) == (5000, 10000)
    assert lg.counters("P1", 2026) == YearCounters(10000, 175000, 15000)
    b_history = lg.claim_history(B)
    fund_before = lg.fund(CQ)
    lg.finalize(cid, today=AFTER_WINDOW)
    assert status(w, A) == (ClaimStatus.CLAWED_BACK, Reason.NONE)
    assert status(w, B) == (ClaimStatus.CLAWED_BACK, Reason.NONE) and lg.claim_history(B) == b_history
    assert status(w, C) == status(w, F) == (ClaimStatus.REJECTED, Reason.SUPERVISION)
    assert status(w, E) == (ClaimStatus.APPROVED, Reason.NONE)
    i = lg.institution("H3")
    assert (i.payable, i.debt, i.paid) == (1000, 20000, 20000)  # −4000 payable, +10000 debt
    assert lg.counters("P1", 2026) == YearCounters(0, 1000, 1000)  # E's only
    assert (lg.visits("P1", 2026, 3), lg.visits("P1", 2026, 4)) == (0, 1)
    assert lg.fund(CQ) == fund_before
    for k, action in ((A, "clawed_back"), (C, "rejected"), (F, "rejected")):
        last = lg.claim_history(k)[-1]
        assert (last.day, last.action) == (AFTER_WINDOW, action) and "SUPERVISION" in last.detail
    s = lg.settle("H3", today=AFTER_WINDOW)  # E's 1000 netted from the debt
    assert (s.claims, s.payable, s.netted, s.cash) == ((E,), 1000, 1000, 0)
    assert lg.institution("H3").debt == 19000
    lg.check_fund_law()


def test_fines_never_enter_the_fund_law(mixed: World) -> None:
    """"Fines are paid to the treasury, not to the insurance fund: they do not enter the fund
    law"; pay_fine: "0 < amount ≤ fines owed (owed goes down, paid goes up)"."""
    w, lg = mixed, mixed.ledger
    cid = decided(w, found=(C,))  # loss 4000, fine 6000
    lg.finalize(cid, today=AFTER_WINDOW)
    funds = (lg.fund(CQ), lg.fund(GZ))
    assert lg.fines("H3") == (6000, 0, None)
    w.refused("InstitutionUnknown", partial(lg.pay_fine, "HX", 1, today=AFTER_WINDOW))
    for bad in (0, -1):
        w.refused("AmountZero", partial(lg.pay_fine, "H3", bad, today=AFTER_WINDOW))
    err = w.refused("FineExceedsOwed", partial(lg.pay_fine, "H3", 6001, today=AFTER_WINDOW))
    assert err.error_args == ("H3", 6001, 6000)
    lg.pay_fine("H3", 2500, today=AFTER_WINDOW, reference="pay-1")
    assert lg.fines("H3") == (3500, 2500, None)
    lg.pay_fine("H3", 3500, today=AFTER_WINDOW)
    assert lg.fines("H3") == (0, 6000, None) and (lg.fund(CQ), lg.fund(GZ)) == funds
    w.refused("FineExceedsOwed", partial(lg.pay_fine, "H1", 1, today=AFTER_WINDOW))
    lg.check_fund_law()


def test_suspension(mixed: World) -> None:
    """"suspend_days > 0: the institution's status becomes SUSPENDED (its claims are then
    rejected INSTITUTION_INACTIVE) and suspended_until = today + suspend_days is recorded"."""
    w, lg = mixed, mixed.ledger
    cid = decided(w, days=30)
    lg.finalize(cid, today=AFTER_WINDOW)
    assert lg.institution("H3").status is InstitutionStatus.SUSPENDED
    assert lg.fines("H3")[2] == D(2026, 5, 20)
    d = w.claim("S", [("XA01", 1, 100)], day=AFTER_WINDOW)
    assert (d.status, d.reason) == (ClaimStatus.REJECTED, Reason.INSTITUTION_INACTIVE)
    lg.institution_status("H3", InstitutionStatus.ACTIVE, today=AFTER_WINDOW)  # reinstated explicitly
    assert w.claim("T", [("XA01", 1, 100)], day=AFTER_WINDOW).status is ClaimStatus.APPROVED


def test_suspension_of_a_suspended_or_revoked_institution(mixed: World) -> None:
    """A SUSPENDED institution stays SUSPENDED, a REVOKED one REVOKED (REVOKED is final)."""
    lg = mixed.ledger
    one, two = decided(mixed, days=5), decided(mixed, found=(B,), days=10)
    lg.institution_status("H3", InstitutionStatus.SUSPENDED, today=APR4)
    lg.finalize(one, today=AFTER_WINDOW)
    assert lg.institution("H3").status is InstitutionStatus.SUSPENDED
    lg.institution_status("H3", InstitutionStatus.REVOKED, today=AFTER_WINDOW)
    lg.finalize(two, today=AFTER_WINDOW)
    assert lg.institution("H3").status is InstitutionStatus.REVOKED
    assert lg.fines("H3")[2] == D(2026, 4, 30)


def test_no_suspension_without_days(mixed: World) -> None:
    """"suspend_days … (0 = none)"."""
    lg = mixed.ledger
    lg.finalize(decided(mixed), today=AFTER_WINDOW)
    assert lg.institution("H3").status is InstitutionStatus.ACTIVE and lg.fines("H3")[2] is None


# ---------------------------------------------------------------- credit


def test_credit_score_per_calendar_year(mixed: World) -> None:
    """"the institution's score for the calendar year of today starts at credit_base and loses
    points_art38 or points_art40. The grade becomes the worse of the current grade and the grade
    of the score"."""
    w, lg = mixed, mixed.ledger
    assert lg.credit_score("H3", 2026) == 100
    lg.finalize(decided(w), today=AFTER_WINDOW)
    assert (lg.credit_score("H3", 2026), lg.institution("H3").grade) == (90, Grade.A)
    lg.finalize(decided(w, found=(B,), article=40, bps=20000, today=AFTER_WINDOW), today=D(2026, 5, 6))
    assert (lg.credit_score("H3", 2026), lg.institution("H3").grade) == (60, Grade.D)
    assert lg.credit_score("H3", 2027) == 100 and lg.credit_score("H1", 2026) == 100
    w.refused("InstitutionUnknown", lambda: lg.credit_score("HX", 2026))


def test_a_case_never_improves_a_grade(mixed: World) -> None:
    """"A case never improves a grade; set_grade by the regulator still can"."""
    lg = mixed.ledger
    lg.set_grade("H3", Grade.C, today=APR3)
    lg.finalize(decided(mixed), today=AFTER_WINDOW)  # score 90 is grade A
    assert (lg.credit_score("H3", 2026), lg.institution("H3").grade) == (90, Grade.C)
    lg.set_grade("H3", Grade.A, today=AFTER_WINDOW)
    assert lg.institution("H3").grade is Grade.A


def test_scores_start_at_the_regions_credit_base_and_may_go_below_zero(mixed: World) -> None:
    """"starts at credit_base and loses points_art38 or points_art40" (below D's floor: E)."""
    lg = mixed.ledger
    params = SupervisionParams(points_art40=70, credit_base=50)
    lg.set_supervision_params(CQ, params, today=APR3)
    assert lg.supervision_params(CQ) == params and lg.supervision_params(GZ) == SupervisionParams()
    assert lg.credit_score("H3", 2026) == 50
    lg.finalize(decided(mixed, article=40, bps=20000), today=AFTER_WINDOW)
    assert (lg.credit_score("H3", 2026), lg.institution("H3").grade) == (-20, Grade.E)
    # grade E: the institution's claims are rejected INSTITUTION_INACTIVE
    d = mixed.claim("S", [("XA01", 1, 100)], day=AFTER_WINDOW)
    assert d.reason is Reason.INSTITUTION_INACTIVE


def test_supervision_params_refusals_and_grades(w: World) -> None:
    """"grade floors A [90], B [80], C [70], D [60] (below D's floor: E)"."""
    p = SupervisionParams()
    assert [p.grade_of(s) for s in (100, 90, 89, 80, 79, 70, 69, 60, 59, -5)] == [
        Grade.A, Grade.A, Grade.B, Grade.B, Grade.C, Grade.C, Grade.D, Grade.D, Grade.E, Grade.E]
    lg = w.ledger
    w.refused("RegionUnknown", partial(lg.set_supervision_params, 310000, p, today=APR3))
    w.refused("RegionUnknown", partial(lg.supervision_params, 310000))
    for bad in (replace(p, floor_b=90), replace(p, floor_d=70), replace(p, floor_a=59)):
        err = w.refused("GradeFloorsInvalid", partial(lg.set_supervision_params, CQ, bad, today=APR3))
        assert err.error_args == (bad.floor_a, bad.floor_b, bad.floor_c, bad.floor_d)
    lg.set_supervision_params(CQ, replace(p, floor_a=95, floor_d=1), today=APR3)
    assert lg.supervision_params(CQ).grade_of(94) is Grade.B


def test_reads_of_an_unknown_case_or_institution(w: World) -> None:
    """"unknown case" reads as None; fines of an unknown institution are refused."""
    assert w.ledger.case(1) is None and w.ledger.cases() == ()
    assert w.ledger.fines("H3") == (0, 0, None)
    w.refused("InstitutionUnknown", lambda: w.ledger.fines("HX"))


# ---------------------------------------------------------------- fund law


STEPS = st.lists(
    st.tuples(st.sampled_from(["claim", "settle", "advance", "advance", "advance", "contest", "rule", "close",
                               "pay"]), st.integers(0, 60_000)),
    min_size=15, max_size=40,
)


def advance(w: World, cid: int, x: int, day: dt.date) -> dt.date:
    """The next natural step of a case: a finding, a decision, or finalizing after the window."""
    lg = w.ledger
    v = lg.case(cid)
    assert v is not None
    if v.status in (CaseStatus.OPEN, CaseStatus.INVESTIGATING) and (v.findings == 0 or x % 3 == 0):
        lg.add_finding(cid, v.claims[x % len(v.claims):], "PHANTOM", today=day)
    elif v.status is CaseStatus.INVESTIGATING:
        lg.decide(cid, 38 if x % 2 else 40, 20000, x % 5, today=day)
    elif v.status is CaseStatus.NOTIFIED:
        day += dt.timedelta(days=0 if v.upheld else 16)
        lg.finalize(cid, today=day)
    return day


@settings(max_examples=40, deadline=None)
@given(steps=STEPS)
def test_fund_law_and_counters_after_every_supervision_step(steps: list[tuple[str, int]]) -> None:
    """"Fund law: Unchanged: recoveries from clawed-back claims enter it as before; fines do not";
    a refused step changes nothing (every refusal is a ModelRefusal)."""
    w = World(funds=(200_000, 100_000))
    lg = w.ledger
    day = D(2026, 3, 2)
    for i, price in enumerate((30000, 20000, 8000)):
        w.claim(f"S{i}", [("XA01", 1, price)], day=day)
    lg.settle("H3", today=day)
    w.claim("F", [("XA01", 1, 300000)], day=day, visit=VisitType.INPATIENT, discharge=day)
    for invoices in (("S0", "S1", "F"), ("S1", "S2"), ("S2", "F", "S0")):
        lg.open_case("H3", [key(i) for i in invoices], LEAD, today=day)
    for n, (op, x) in enumerate(steps, start=1):
        day += dt.timedelta(days=x % 3)
        cid = x % 3 + 1
        try:
            if op == "claim":
                w.claim(f"I{n}", [("XA01", 1, x)], day=day)
            elif op == "settle":
                lg.settle("H3", today=day)
            elif op == "advance":
                day = advance(w, cid, x, day)
            elif op == "contest":
                lg.contest(cid, "H3", today=day)
            elif op == "rule":
                lg.rule(cid, "R1", x % 2 == 0, today=day)
            elif op == "close":
                lg.close_case(cid, today=day)
            else:
                lg.pay_fine("H3", x % 1000 + 1, today=day)
        except ModelRefusal:
            pass
        lg.check_fund_law()
        c = lg.counters("P1", 2026)
        assert c.fund_used >= 0 and c.op_fund_used >= 0 and c.deductible_used >= 0
        owed, paid, _ = lg.fines("H3")
        assert owed >= 0 and paid >= 0
        inst = lg.institution("H3")
        assert inst.payable == sum(
            d.fund for k in lg.claim_keys() if (d := lg.claim(k)) and d.status is ClaimStatus.APPROVED
        )
