"""Claims in the reference model: the decision (adjudication.md §1–§8), review and appeal."""

from __future__ import annotations

import datetime as dt

from yibao.model import rules
from yibao.model.types import (
    MAX_CLAIM_AMOUNT, Claim, ClaimKey, ClaimStatus, Decision, Flag, Grade, InstitutionStatus, PersonStatus,
    PolicyVersion, Reason, VisitType, VOID_STATUSES, is_reason_code
)

from yibao.model.registry import RegistryRules
from yibao.model.state import (
    ClaimRecord, InstitutionRecord, PersonRecord, refuse, require_uint
)

_NO_DAYS: dict[str, dt.date] = {}
"""The last service days of a person without any (never written)."""
_MEMO_LIMIT = 1_000_000
"""A region's line memo is started afresh when it holds this many results (memory stays bounded)."""


class ClaimRules(RegistryRules):
    """Claims in the reference model: the decision (adjudication.md §1–§8), review and appeal."""


    def _check_malformed(self, claim: Claim, inst: InstitutionRecord) -> int:
        """Reject malformed input with a named error (nothing is recorded); return the billed total."""
        if not claim.lines:
            raise refuse("ClaimWithoutLines")
        billed = 0
        for index, line in enumerate(claim.lines):
            qty, price = line.qty, line.unit_price
            if qty <= 0 or price < 0:
                if qty == 0:
                    raise refuse("ClaimLineQuantityZero", index)
                require_uint("qty", qty)
                require_uint("unit_price", price)
            billed += qty * price
        if billed >= MAX_CLAIM_AMOUNT:
            raise refuse("ClaimAmountTooLarge", billed)
        if claim.claimed_fund is not None:
            require_uint("claimed_fund", claim.claimed_fund)
        visit = claim.visit
        if visit is VisitType.INPATIENT:
            if claim.discharge is None:
                raise refuse("DischargeMissing")
            if claim.discharge < claim.service_date:
                raise refuse("DischargeBeforeAdmission", claim.service_date, claim.discharge)
            if inst.level == 0:
                raise refuse("VisitTypeNotOffered", claim.visit)
        elif not isinstance(visit, VisitType):
            raise refuse("VisitTypeInvalid", claim.visit)
        elif claim.discharge is not None:
            raise refuse("DischargeNotInpatient")
        return billed

    def _claim_check(
        self, claim: Claim, inst: InstitutionRecord, person: PersonRecord | None, today: dt.date
    ) -> tuple[Reason, PolicyVersion | None]:
        """§1 claim checks after DUPLICATE, in order; the first that fails is returned."""
        if inst.status is not InstitutionStatus.ACTIVE or inst.grade is Grade.E:
            return Reason.INSTITUTION_INACTIVE, None
        if person is None:
            return Reason.NOT_ENROLLED, None
        if person.status is not PersonStatus.ACTIVE:
            return Reason.PATIENT_INACTIVE, None
        day = claim.service_date
        if day > today or (claim.discharge is not None and claim.discharge > today):
            return Reason.FUTURE_SERVICE, None
        if not person.coverage_from <= day <= person.coverage_to:
            return Reason.NOT_COVERED, None
        policy = rules.select_policy(self._policies.get((person.region, person.scheme), ()), day)
        if policy is None:
            return Reason.NO_POLICY, None
        if (today - day).days > policy.max_claim_age_days:
            return Reason.STALE_CLAIM, policy
        if (day - person.coverage_from).days < policy.waiting_days:
            return Reason.WAITING_PERIOD, policy
        return Reason.NONE, policy

    def submit_claim(self, claim: Claim, *, today: dt.date) -> Decision:
        """Adjudicate a claim (adjudication.md §1–§8) and return the decision.

        Malformed input and an unknown institution are refused (``ModelRefusal``).
        A DUPLICATE is decided and returned but does not touch the stored claim.
        """
        inst = self._institution(claim.institution)
        billed = self._check_malformed(claim, inst)
        self._tick(today)
        key = ClaimKey(claim.institution, claim.invoice)
        if key in self._claims:
            return Decision(
                ClaimStatus.REJECTED, Reason.DUPLICATE, Flag.NONE, billed, 0, 0, 0, billed
            )
        person = self._people.get(claim.person)
        reason, policy = self._claim_check(claim, inst, person, today)
        rec = ClaimRecord(claim, inst.region, person.region if person is not None else None,
                          ClaimStatus.REJECTED, reason, billed, policy)
        rec.log(today, "submitted", claim.institution)
        self._claims[key] = rec
        if reason is not Reason.NONE or person is None or policy is None:
            rec.log(today, "rejected", detail=reason.name)
            return self._view(rec)
        self._decide(rec, key, inst, person, policy, today)
        return self._view(rec)

    def _decide(self, rec: ClaimRecord, key: ClaimKey, inst: InstitutionRecord, person: PersonRecord,
                policy: PolicyVersion, today: dt.date) -> None:
        """§2–§8 for a claim that passed the claim checks: its lines and money, then OVERCLAIM,
        its flags, its counts, and FLAGGED or APPROVED."""
        claim = rec.claim
        day = claim.service_date
        counters = self._year(claim.person, day.year)
        memo = self._line_memo.get(inst.region)
        if memo is None or len(memo) >= _MEMO_LIMIT:
            memo = self._line_memo[inst.region] = {}
        lines, new_last_days = rules.evaluate_lines(
            claim.lines,
            self._catalogue[inst.region],
            claim.visit,
            day,
            self._last_day.get(claim.person, _NO_DAYS),
            policy.class_b_self_pay_bps,
            memo,
        )
        eligible = 0
        for line in lines:
            eligible += line.eligible
        deductible = rules.deductible(
            claim.visit, eligible, policy, inst.level, counters.deductible_used
        )
        cut = inst.region != person.region and not rules.filing_covers(
            person.filings, inst.region, day
        )
        ratio = rules.ratio_bps(claim.visit, policy, inst.level, cut)
        fund = rules.fund_share(
            claim.visit,
            eligible,
            deductible,
            ratio,
            policy,
            counters.op_fund_used,
            counters.fund_used,
        )
        rec.lines, rec.eligible, rec.deductible, rec.fund = lines, eligible, deductible, fund
        if rules.is_overclaim(claim.claimed_fund, fund):
            rec.reason = Reason.OVERCLAIM
            rec.log(today, "rejected", detail=Reason.OVERCLAIM.name)
            return
        visits_before = self._visits.get((claim.person, day.year, day.month), 0)
        rec.flags = rules.flags(claim.visit, policy, fund, inst.grade, visits_before)
        self._count(rec, +1)
        if new_last_days:
            self._last_day.setdefault(claim.person, {}).update(new_last_days)
        if rec.flags:
            rec.status = ClaimStatus.FLAGGED
            rec.log(today, "flagged", detail=str(int(rec.flags)))
        else:
            self._approve(rec, today, inst=inst, key=key)

    def _count(self, rec: ClaimRecord, sign: int) -> None:
        """Apply (+1) or reverse (−1) a claim's own counts (§8)."""
        claim = rec.claim
        day = claim.service_date
        counters = self._year(claim.person, day.year)
        counters.fund_used += sign * rec.fund
        if rules.is_outpatient(claim.visit):
            counters.deductible_used += sign * rec.deductible
            counters.op_fund_used += sign * rec.fund
            month = (claim.person, day.year, day.month)
            self._visits[month] = self._visits.get(month, 0) + sign

    def _approve(self, rec: ClaimRecord, today: dt.date, actor: str = "", *,
                 inst: InstitutionRecord | None = None, key: ClaimKey | None = None) -> None:
        """Make a claim APPROVED and its fund share payable to its institution (``inst`` and
        the claim's ``key``, when the caller has them at hand)."""
        rec.status = ClaimStatus.APPROVED
        rec.reason = Reason.NONE
        if inst is None:
            inst = self._institutions[rec.claim.institution]
        inst.payable += rec.fund
        inst.pending.append(rec.claim.key if key is None else key)
        rec.log(today, "approved", actor)

    @staticmethod
    def _view(rec: ClaimRecord) -> Decision:
        """The claim as it stands (REJECTED / CLAWED_BACK show amounts as 0)."""
        if rec.status in VOID_STATUSES:
            return Decision(
                rec.status, rec.reason, rec.flags, rec.billed, 0, 0, 0, rec.billed, rec.lines
            )
        return Decision(
            rec.status,
            rec.reason,
            rec.flags,
            rec.billed,
            rec.eligible,
            rec.deductible,
            rec.fund,
            rec.billed - rec.fund,
            rec.lines,
        )

    # ------------------------------------------------------------------
    # after the decision: review, appeal
    # ------------------------------------------------------------------

    def review(self, key: ClaimKey, reviewer: str, approve: bool, *, today: dt.date, reason: str = "",
            evidence: str = "") -> Decision:
        """A reviewer decides a FLAGGED claim, or an APPEALED claim (final).

        Refusals, in order: ``ReasonInvalid`` (``reason`` is not a code), ``ClaimNotReviewable``
        (not FLAGGED or APPEALED, or unknown),
        ``AccessControlUnauthorizedAccount`` (not a reviewer of the treating region),
        ``ReviewerConflict`` (deciding an appeal of one's own rejection).
        """
        if reason and not is_reason_code(reason):
            raise refuse("ReasonInvalid", reason)
        rec = self._claims.get(key)
        if rec is None or rec.status not in (ClaimStatus.FLAGGED, ClaimStatus.APPEALED):
            raise refuse("ClaimNotReviewable", key)
        if rec.treating_region not in self._reviewers.get(reviewer, set()):
            raise refuse("AccessControlUnauthorizedAccount", reviewer)
        appeal = rec.status is ClaimStatus.APPEALED
        if appeal and reviewer == rec.rejected_by:
            raise refuse("ReviewerConflict", reviewer)
        self._tick(today)
        detail = f"reason={reason} evidence={evidence}"
        rec.log(today, "approve" if approve else "reject", reviewer, detail)
        if not appeal:
            if approve:
                self._approve(rec, today, reviewer)
            else:
                self._count(rec, -1)
                rec.status = ClaimStatus.REJECTED
                rec.reason = Reason.REVIEW_REJECTED
                rec.rejected_by = reviewer
                rec.rejected_on = today
        elif approve:
            policy = rec.policy
            assert policy is not None  # a REVIEW_REJECTED claim passed the claim checks
            counters = self._year(rec.claim.person, rec.claim.service_date.year)
            rec.fund = rules.cap_fund(
                rec.fund, rec.claim.visit, policy, counters.op_fund_used, counters.fund_used
            )
            self._count(rec, +1)
            self._approve(rec, today, reviewer)
        else:
            rec.status = ClaimStatus.REJECTED
            rec.reason = Reason.APPEAL_REJECTED
        self.check_fund_law()
        return self._view(rec)

    def appeal(self, key: ClaimKey, *, today: dt.date) -> None:
        """The claim's institution appeals a reviewer's rejection.

        Refusals, in order: ``ClaimNotAppealable`` (unknown claim), ``AppealAlreadyFiled``
        (the claim was appealed before), ``ClaimNotAppealable`` (not REJECTED with
        REVIEW_REJECTED), ``AppealWindowClosed`` (``today > rejected_on + appeal_days``).
        """
        rec = self._claims.get(key)
        if rec is None:
            raise refuse("ClaimNotAppealable", key)
        if rec.appealed:
            raise refuse("AppealAlreadyFiled", key)
        if rec.status is not ClaimStatus.REJECTED or rec.reason is not Reason.REVIEW_REJECTED:
            raise refuse("ClaimNotAppealable", key)
        assert rec.policy is not None and rec.rejected_on is not None
        if today > rec.rejected_on + dt.timedelta(days=rec.policy.appeal_days):
            raise refuse("AppealWindowClosed", key)
        self._tick(today)
        rec.status = ClaimStatus.APPEALED
        rec.appealed = True
        rec.log(today, "appealed", key.institution)


__all__ = ["ClaimRules"]
