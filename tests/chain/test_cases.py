"""Supervision cases on chain (supervision.md): the loop from a case to money recovered with
hand-computed fen, every refusal by name with nothing changed, referrals, every role × every
case step, and finalize's gas independent of the institution's history. Runs on the embedded
chain and on anvil (the role matrix on the embedded chain only)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from afterworld import A, ADMIN, B, D0, HOSP, OP_A, REG_A, REG_B, REV1, REV2, STRANGER, World, build_base, refused
from afterworld import restored

from yibao.chain import dev_account
from yibao.client.supervision import CaseInfo
from yibao.errors import AccessDenied, ContractError
from yibao.model.types import CaseOutcome, CaseSource, CaseStatus, ClaimStatus, Grade, InstitutionStatus, Reason
from yibao.model.types import SupervisionParams
from yibao.units import noon_cst, to_day

HOSP2 = dev_account(9)
EVIDENCE = bytes.fromhex("ab" * 32)


@pytest.fixture(scope="module", params=["embedded", pytest.param("anvil", marks=pytest.mark.anvil)])
def base(request: pytest.FixtureRequest) -> Iterator[World]:
    yield from build_base(request)


@pytest.fixture
def w(base: World) -> Iterator[World]:
    yield from restored(base)


def regulator(w: World) -> Any:
    return w.as_(REG_A)


def later(w: World, days: int) -> None:
    w.chain.set_clock(noon_cst(D0 + dt.timedelta(days=days)))


def settled_approved_flagged(w: World) -> tuple[bytes, bytes, bytes]:
    """A SETTLED claim (fund 4,000), an APPROVED one (4,000, payable) and a FLAGGED one."""
    settled = w.claim(w.p_home, 8_000)
    regulator(w).settle(HOSP.address)
    return settled, w.claim(w.p_home, 8_000), w.claim(w.p_home, 30_000)


def opened(w: World, claims: list[bytes], source: CaseSource = CaseSource.LEAD) -> int:
    case_id, _ = regulator(w).open_case(HOSP.address, claims, source, EVIDENCE)
    return case_id


def decided(w: World, claims: list[bytes], article: int = 40, fine_bps: int = 30_000, suspend: int = 0) -> int:
    case_id = opened(w, claims)
    regulator(w).add_finding(case_id, claims, "PHANTOM", EVIDENCE)
    regulator(w).decide(case_id, article, fine_bps, suspend)
    return case_id


# ====================================================================== the loop


def test_a_case_from_opening_to_money_recovered(w: World) -> None:
    """supervision.md "What finalize executes": SETTLED → clawed back, APPROVED or FLAGGED →
    REJECTED with reason SUPERVISION, the fine owed, the suspension, the credit and grade."""
    settled, approved, flagged = settled_approved_flagged(w)
    other = w.claim(w.p_home, 2_000)
    case_id, r = regulator(w).open_case(HOSP.address, [settled, approved, flagged, other], CaseSource.LEAD, EVIDENCE)
    assert case_id == 1 and list(r.named("CaseOpened")[0]["claims"]) == [settled, approved, flagged, other]
    assert w.ledger.case_info(case_id).status is CaseStatus.OPEN
    r = regulator(w).add_finding(case_id, [settled, approved, flagged], "PHANTOM", EVIDENCE)
    assert r.named("CaseFinding")[0]["newlyFound"] == 3
    r = regulator(w).decide(case_id, 40, 30_000, 30)
    (d,) = r.named("CaseDecided")
    assert (d["loss"], d["fine"]) == (8_000, 24_000)  # the FLAGGED share was never payable: not in the loss
    before = w.ledger.institution(HOSP.address)
    assert (before.payable, before.pending_claims) == (5_000, 2)
    refused("FinalizeTooEarly", lambda: regulator(w).finalize(case_id))
    later(w, 16)
    r = regulator(w).finalize(case_id)
    assert [e["claimId"] for e in r.named("ClaimClawedBack")] == [settled]
    assert r.named("ClaimClawedBack")[0]["reason"].rstrip(b"\0") == b"SUPERVISION"
    assert [(e["claimId"], e["fromStatus"]) for e in r.named("CaseClaimRejected")] == [
        (approved, ClaimStatus.APPROVED), (flagged, ClaimStatus.FLAGGED)]
    assert w.status(settled)[0] == ClaimStatus.CLAWED_BACK
    assert w.status(approved)[:2] == (ClaimStatus.REJECTED, Reason.SUPERVISION)
    assert w.status(flagged)[:2] == (ClaimStatus.REJECTED, Reason.SUPERVISION)
    assert w.status(other)[0] == ClaimStatus.APPROVED  # listed, never found
    inst = w.ledger.institution(HOSP.address)
    assert (inst.debt, inst.payable, inst.pending_claims) == (4_000, 1_000, 1)
    assert inst.status is InstitutionStatus.SUSPENDED and inst.grade is Grade.C  # 100 − 30 = 70
    fines = w.ledger.fines(HOSP.address)
    assert (fines.owed, fines.paid, fines.suspended_until) == (24_000, 0, D0 + dt.timedelta(days=46))
    assert w.ledger.credit_score(HOSP.address, 2026) == 70 and w.ledger.credit_score(HOSP.address, 2027) == 100
    info = w.ledger.case_info(case_id)
    assert (info.status, info.outcome, info.found, info.findings) == (CaseStatus.CLOSED, CaseOutcome.PENALIZED, 3, 1)
    year = w.ledger.counters(w.p_home, 2026)
    assert year.fund_used == 1_000  # only the claim never found still counts
    w.assert_law()
    # a suspended institution's claims are rejected; fines are paid to the treasury
    w.serial += 1
    assert w.status(w.claim(w.p_home, 2_000))[:2] == (ClaimStatus.REJECTED, Reason.INSTITUTION_INACTIVE)
    refused("FineExceedsOwed", lambda: regulator(w).pay_fine(HOSP.address, 24_001))
    refused("AmountZero", lambda: regulator(w).pay_fine(HOSP.address, 0))
    funds = (w.fund(A), w.fund(B))
    regulator(w).pay_fine(HOSP.address, 10_000, EVIDENCE)
    assert (w.ledger.fines(HOSP.address).owed, w.ledger.fines(HOSP.address).paid) == (14_000, 10_000)
    assert (w.fund(A), w.fund(B)) == funds  # fines never enter a fund
    # reinstated by the regulator explicitly; the debt is netted from the next settlement
    regulator(w).transact("setInstitutionStatus", HOSP.address, int(InstitutionStatus.ACTIVE), 0)
    w.claim(w.p_home, 8_000)
    (s,) = regulator(w).settle(HOSP.address).named("Settled")
    assert (s["payable_"], s["netted"], s["cash"]) == (5_000, 4_000, 1_000)
    w.assert_law()


def test_a_contest_upheld_with_a_new_fine_is_finalized_at_once(w: World) -> None:
    settled, approved, _ = settled_approved_flagged(w)
    case_id = decided(w, [settled, approved], article=38, fine_bps=20_000)
    w.as_(HOSP).contest(case_id)
    assert w.ledger.case_info(case_id).status is CaseStatus.CONTESTED
    with pytest.raises(AccessDenied):  # the regulator who decided does not rule
        regulator(w).rule(case_id, True)
    (e,) = w.as_(REV1).rule(case_id, True, 15_000).named("CaseRuled")
    assert (e["upheld"], e["fineBps"], e["fine"]) == (True, 15_000, 12_000)  # 8,000 × 1.5
    refused("CaseAlreadyContested", lambda: w.as_(HOSP).contest(case_id))
    regulator(w).finalize(case_id)  # no wait after an upheld ruling
    assert w.ledger.fines(HOSP.address).owed == 12_000
    assert w.ledger.credit_score(HOSP.address, 2026) == 90 and w.ledger.institution(HOSP.address).grade is Grade.A
    w.assert_law()


def test_a_contest_not_upheld_dismisses_the_case_and_executes_nothing(w: World) -> None:
    settled, approved, _ = settled_approved_flagged(w)
    case_id = decided(w, [settled, approved], suspend=10)
    w.as_(HOSP).contest(case_id)
    w.as_(REV2).rule(case_id, False)
    info = w.ledger.case_info(case_id)
    assert (info.status, info.outcome, info.loss, info.fine) == (CaseStatus.CLOSED, CaseOutcome.DISMISSED, 8_000,
                                                                24_000)
    assert w.status(settled)[0] == ClaimStatus.SETTLED and w.status(approved)[0] == ClaimStatus.APPROVED
    inst = w.ledger.institution(HOSP.address)
    assert inst.status is InstitutionStatus.ACTIVE and inst.grade is Grade.A and inst.debt == 0
    assert w.ledger.fines(HOSP.address).owed == 0
    # the claims are free again: another case may find them
    again = opened(w, [settled])
    regulator(w).add_finding(again, [settled], "PHANTOM")


def test_a_case_closed_with_no_violation(w: World) -> None:
    cid = w.claim(w.p_home, 2_000)
    case_id = opened(w, [cid])
    regulator(w).add_finding(case_id, [cid], "READMIT")
    (e,) = regulator(w).close_case(case_id).named("CaseClosed")
    assert e["outcome"] == CaseOutcome.NO_VIOLATION
    refused("CaseStateInvalid", lambda: regulator(w).close_case(case_id))


def test_a_case_never_improves_a_grade_and_the_score_is_per_year(w: World) -> None:
    regulator(w).transact("setInstitutionGrade", HOSP.address, int(Grade.D))
    case_id = decided(w, [w.claim(w.p_home, 2_000)], article=38, fine_bps=10_000)
    later(w, 16)
    regulator(w).finalize(case_id)
    assert w.ledger.credit_score(HOSP.address, 2026) == 90
    assert w.ledger.institution(HOSP.address).grade is Grade.D  # the score's grade A is better: D stays
    regulator(w).transact("setInstitutionGrade", HOSP.address, int(Grade.A))  # the regulator still can


def test_params_set_by_the_region_shape_the_next_case(w: World) -> None:
    params = SupervisionParams(contest_days=3, points_art38=25, points_art40=60, credit_base=120, floor_a=110,
                               floor_b=100, floor_c=90, floor_d=50)
    regulator(w).set_supervision_params(A, params)
    assert w.ledger.supervision_params(A) == params and w.ledger.supervision_params(B) == SupervisionParams()
    case_id = decided(w, [w.claim(w.p_home, 2_000)], article=38, fine_bps=10_000)
    later(w, 4)
    regulator(w).finalize(case_id)
    assert w.ledger.credit_score(HOSP.address, 2026) == 95 and w.ledger.institution(HOSP.address).grade is Grade.C
    refused("GradeFloorsInvalid", lambda: regulator(w).set_supervision_params(A, SupervisionParams(floor_b=90)))


def test_a_referral_from_the_home_region(w: World) -> None:
    """"the regulator of another region, for claims of people from that region only"; that
    region's regulator then runs the case."""
    away, home = w.claim(w.p_away, 8_000), w.claim(w.p_home, 8_000)
    case_id, r = w.as_(REG_B).open_case(HOSP.address, [away], CaseSource.REFERRAL, EVIDENCE, by_region=B,
                                        people=[w.p_away])
    assert r.named("CaseOpened")[0]["byRegion"] == B and w.ledger.case_info(case_id).by_region == B
    with pytest.raises(AccessDenied):
        w.as_(REG_B).add_finding(case_id, [away], "PHANTOM")
    regulator(w).add_finding(case_id, [away], "PHANTOM")
    err = refused("ReferralOutsideRegion", lambda: w.as_(REG_B).open_case(
        HOSP.address, [home], CaseSource.REFERRAL, by_region=B, people=[w.p_home]))
    assert err.inputs["home"] == A and err.inputs["byRegion"] == B
    refused("ReferralOutsideRegion", lambda: w.as_(REG_B).open_case(
        HOSP.address, [away], CaseSource.REFERRAL, by_region=B, people=[w.p_home]))  # not the claim's person
    refused("ReferralPeopleMismatch", lambda: w.as_(REG_B).open_case(
        HOSP.address, [away], CaseSource.REFERRAL, by_region=B))
    refused("CaseSourceInvalid", lambda: w.as_(REG_B).open_case(HOSP.address, [away], CaseSource.LEAD, by_region=B))
    refused("CaseSourceInvalid", lambda: regulator(w).open_case(HOSP.address, [away], CaseSource.REFERRAL))
    assert w.ledger.case_count() == 1


# ====================================================================== refusals: named, nothing changed


def unchanged(w: World, case_id: int, step: Callable[[], object], name: str) -> ContractError:
    before: CaseInfo = w.ledger.case_info(case_id)
    count = w.ledger.case_count()
    found = w.ledger.case_found(case_id)
    err = refused(name, step)
    assert w.ledger.case_info(case_id) == before and w.ledger.case_count() == count
    assert w.ledger.case_found(case_id) == found
    return err


def test_every_refusal_of_a_case_step_by_name(w: World) -> None:
    settled, approved, flagged = settled_approved_flagged(w)
    reg = regulator(w)
    rejected = w.claim(w.p_home, 30_000)
    w.as_(REV1).review(rejected, False, "NO_RECORD")
    refused("CaseClaimsInvalid", lambda: reg.open_case(HOSP.address, [], CaseSource.LEAD))
    refused("CaseClaimsInvalid", lambda: reg.open_case(HOSP.address, [settled] * 201, CaseSource.LEAD))
    refused("ClaimListedTwice", lambda: reg.open_case(HOSP.address, [settled, approved, settled], CaseSource.TIP))
    refused("ClaimUnknown", lambda: reg.open_case(HOSP.address, [bytes(31) + b"\1"], CaseSource.TIP))
    refused("InstitutionUnknown", lambda: reg.open_case(STRANGER.address, [settled], CaseSource.TIP))
    refused("CaseSourceInvalid", lambda: reg.transact("openCase", HOSP.address, [settled], 4, bytes(32), A, []))
    reg.add_institution(HOSP2.address, A, 3)
    w.chain.fund(HOSP2.address)
    w.as_(HOSP2).transact("submitClaims", w.words(w.p_home, 2_000, "H2-1"), gas=2_000_000)
    theirs = w.claim_id(HOSP2.address, "H2-1")
    refused("ClaimOfOtherInstitution", lambda: reg.open_case(HOSP.address, [settled, theirs], CaseSource.TIP))
    assert w.ledger.case_count() == 0
    case_id = opened(w, [settled, approved, flagged, rejected])
    refused("CaseUnknown", lambda: reg.add_finding(case_id + 1, [settled], "PHANTOM"))
    unchanged(w, case_id, lambda: reg.add_finding(case_id, [settled], ""), "ReasonInvalid")
    unchanged(w, case_id, lambda: reg.transact("addFinding", case_id, [settled], b"phantom".ljust(32, b"\0"),
                                               EVIDENCE), "ReasonInvalid")
    unchanged(w, case_id, lambda: reg.add_finding(case_id, [], "PHANTOM"), "CaseClaimsInvalid")
    unchanged(w, case_id, lambda: reg.add_finding(case_id, [settled, theirs], "PHANTOM"), "ClaimNotInCase")
    err = unchanged(w, case_id, lambda: reg.add_finding(case_id, [settled, rejected], "PHANTOM"), "ClaimNotLive")
    assert err.inputs["status"] == ClaimStatus.REJECTED
    unchanged(w, case_id, lambda: reg.decide(case_id, 40, 20_000, 0), "CaseHasNoFinding")
    unchanged(w, case_id, lambda: w.as_(HOSP).contest(case_id), "CaseStateInvalid")
    unchanged(w, case_id, lambda: reg.finalize(case_id), "CaseStateInvalid")
    unchanged(w, case_id, lambda: w.as_(REV1).rule(case_id, True), "CaseStateInvalid")
    reg.add_finding(case_id, [settled, approved, settled], "PHANTOM")  # a claim twice: found once
    assert w.ledger.case_found(case_id) == [settled, approved]
    other = opened(w, [approved, flagged])
    err = unchanged(w, other, lambda: reg.add_finding(other, [flagged, approved], "PHANTOM"), "ClaimAlreadyFound")
    assert err.inputs["otherCase"] == case_id
    for article, bps in ((38, 9_999), (38, 20_001), (40, 19_999), (40, 50_001)):
        err = unchanged(w, case_id, lambda a=article, b=bps: reg.decide(case_id, a, b, 0), "FineBpsOutOfBounds")
        assert (err.inputs["min"], err.inputs["max"]) == ((10_000, 20_000) if article == 38 else (20_000, 50_000))
    unchanged(w, case_id, lambda: reg.decide(case_id, 39, 20_000, 0), "ArticleInvalid")
    reg.decide(case_id, 38, 10_000, 0)
    unchanged(w, case_id, lambda: reg.add_finding(case_id, [flagged], "PHANTOM"), "CaseStateInvalid")
    unchanged(w, case_id, lambda: reg.close_case(case_id), "CaseStateInvalid")
    unchanged(w, case_id, lambda: w.as_(HOSP2).contest(case_id), "CaseNotOwned")
    err = unchanged(w, case_id, lambda: reg.finalize(case_id), "FinalizeTooEarly")
    assert err.inputs["firstDay"] == to_day(D0) + 16
    later(w, 16)
    err = unchanged(w, case_id, lambda: w.as_(HOSP).contest(case_id), "ContestWindowClosed")
    assert (err.inputs["lastDay"], err.inputs["today"]) == (to_day(D0) + 15, to_day(D0) + 16)
    unchanged(w, case_id, lambda: w.as_(REV1).rule(case_id, False), "CaseStateInvalid")
    reg.finalize(case_id)
    unchanged(w, case_id, lambda: reg.finalize(case_id), "CaseStateInvalid")


def test_the_contest_window_includes_its_last_day(w: World) -> None:
    case_id = decided(w, [w.claim(w.p_home, 2_000)])
    later(w, 15)
    w.as_(HOSP).contest(case_id)
    assert w.ledger.case_info(case_id).contested


# ====================================================================== every role × every step

ROLES = {"admin": ADMIN, "regulator A": REG_A, "regulator B": REG_B, "operator A": OP_A, "reviewer 1": REV1,
         "hospital": HOSP, "stranger": STRANGER}
#: step → who may take it (the hospital and its claims are in A; reviewer 1 reviews in A and B).
STEPS = {
    "setSupervisionParams": {"regulator A"},
    "openCase": {"regulator A"},
    "addFinding": {"regulator A"},
    "decide": {"regulator A"},
    "contest": {"hospital"},
    "rule": {"reviewer 1"},
    "finalize": {"regulator A"},
    "closeCase": {"regulator A"},
    "payFine": {"regulator A"},
}


def _ready(w: World, step: str) -> tuple[Any, ...]:
    """The state a step needs, and its arguments."""
    cid = w.claim(w.p_home, 8_000)
    if step == "setSupervisionParams":
        return (A, tuple(vars(SupervisionParams()).values()))
    if step == "openCase":
        return (HOSP.address, [cid], int(CaseSource.TIP), EVIDENCE, A, [])
    if step in ("addFinding", "closeCase"):
        case_id = opened(w, [cid])
        return (case_id, [cid], b"PHANTOM".ljust(32, b"\0"), EVIDENCE) if step == "addFinding" else (case_id,)
    case_id = opened(w, [cid])
    regulator(w).add_finding(case_id, [cid], "PHANTOM")
    if step == "decide":
        return (case_id, 40, 20_000, 0)
    regulator(w).decide(case_id, 40, 20_000, 0)
    if step == "contest":
        return (case_id,)
    if step == "rule":
        w.as_(HOSP).contest(case_id)
        return (case_id, True, 0)
    later(w, 16)
    if step == "finalize":
        return (case_id,)
    regulator(w).finalize(case_id)
    return (HOSP.address, 1_000, EVIDENCE)


@pytest.mark.parametrize("who", sorted(ROLES))
@pytest.mark.parametrize("step", sorted(STEPS))
def test_case_step_role_matrix(w: World, step: str, who: str) -> None:
    if w.chain.kind != "embedded":
        pytest.skip("the role matrix runs on the embedded chain (the steps are the same bytes on anvil)")
    args = _ready(w, step)
    actor = w.as_(ROLES[who])
    if who in STEPS[step]:
        actor.transact(step, *args)
        return
    with pytest.raises(ContractError) as info:
        actor.transact(step, *args)
    expected = "CaseNotOwned" if step == "contest" else "AccessControlUnauthorizedAccount"
    assert info.value.name == expected


# ====================================================================== gas


def test_finalize_gas_grows_with_found_claims_not_with_history(w: World) -> None:
    """Gas per finalize "must not grow with the institution's claim history; it grows with the
    number of found claims only"."""
    def finalize_gas(found: int) -> int:
        claims = [w.claim(w.p_home, 2_000) for _ in range(found)]
        case_id = decided(w, claims, article=38, fine_bps=10_000)
        w.as_(HOSP).contest(case_id)
        w.as_(REV1).rule(case_id, True)
        return regulator(w).finalize(case_id).gas_used

    regulator(w).set_supervision_params(A, SupervisionParams(points_art38=0))  # the same grade branch each time
    w.claim(w.p_home, 2_000)  # never found: the person's year counters never fall back to zero (a refund)
    finalize_gas(1)  # the first case of the year sets its credit slot and the institution's fines
    small = finalize_gas(2)
    for _ in range(4):
        for _ in range(10):
            w.claim(w.p_home, 2_000)
        regulator(w).settle(HOSP.address)
    assert finalize_gas(2) == small
    more = finalize_gas(4)
    assert more > small
    assert finalize_gas(4) == more
