"""``ReferenceLedger``: the whole 医保 world as an in-memory state machine.

The ledger is the executable form of adjudication.md and docs/decisions.md, written to
be read. It keeps regions and their funds, versioned policies, the catalogue of every
region, institutions, insured people, reviewers, claims and their history, the yearly
counters of every person, the last service day of interval-limited items, and what home
regions owe treating regions.

Conventions:

* every operation takes ``today`` (keyword-only); like the chain clock, it may not go
  backwards (``ValueError`` otherwise — a caller bug, not a refusal);
* a refused operation raises :class:`~yibao.model.errors.ModelRefusal` whose ``name`` is
  the contract's custom-error name, and changes nothing (all checks come before any
  change);
* a business rejection of a claim is not an exception: it is a :class:`Decision` with
  status REJECTED;
* after every operation the fund law holds for every region (checked, see
  :meth:`ReferenceLedger.check_fund_law`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from yibao.model import rules
from yibao.model.errors import FundLawBroken, ModelRefusal
from yibao.model.types import (
    BPS,
    LEVELS,
    MAX_CLAIM_AMOUNT,
    CatalogueItem,
    Claim,
    ClaimKey,
    ClaimStatus,
    Decision,
    Filing,
    Flag,
    FundState,
    Grade,
    InstitutionState,
    InstitutionStatus,
    LineResult,
    PersonState,
    PersonStatus,
    PolicyVersion,
    Reason,
    Scheme,
    Settlement,
    VisitType,
    YearCounters,
)

MAX_FILINGS = 8
"""A person holds at most this many filings at once."""

REGION_MIN, REGION_MAX = 100_000, 999_999
"""Region codes are 6-digit GB/T 2260 codes."""


@dataclass(frozen=True)
class ClaimEvent:
    """One entry of a claim's history."""

    day: dt.date
    action: str
    actor: str = ""
    detail: str = ""


@dataclass
class _Fund:
    opening: int
    balance: int
    contributions: int = 0
    settled: int = 0
    clearing_in: int = 0
    clearing_out: int = 0
    recovered: int = 0


@dataclass
class _Region:
    code: int
    name: str
    fund: _Fund


@dataclass
class _Institution:
    region: int
    level: int
    grade: Grade
    status: InstitutionStatus = InstitutionStatus.ACTIVE
    status_reason: int = 0
    frozen: bool = False
    payable: int = 0
    paid: int = 0
    debt: int = 0
    pending: list[ClaimKey] = field(default_factory=list)


@dataclass
class _Person:
    region: int
    scheme: Scheme
    coverage_from: dt.date
    coverage_to: dt.date
    status: PersonStatus = PersonStatus.ACTIVE
    status_reason: int = 0
    filings: list[Filing] = field(default_factory=list)


@dataclass
class _Counters:
    deductible_used: int = 0
    fund_used: int = 0
    op_fund_used: int = 0


@dataclass
class _ClaimRecord:
    """A stored claim. The amounts are the ones counted; display rules apply in ``_view``."""

    claim: Claim
    treating_region: int
    home_region: int | None
    status: ClaimStatus
    reason: Reason
    billed: int
    policy: PolicyVersion | None = None
    flags: Flag = Flag.NONE
    eligible: int = 0
    deductible: int = 0
    fund: int = 0
    lines: tuple[LineResult, ...] = ()
    rejected_by: str | None = None
    rejected_on: dt.date | None = None
    appealed: bool = False
    history: list[ClaimEvent] = field(default_factory=list)


def _refuse(name: str, *args: object) -> ModelRefusal:
    return ModelRefusal(name, args)


def _require_uint(name: str, value: int) -> None:
    """Amounts are unsigned on chain; a negative one is a caller bug."""
    if value < 0:
        raise ValueError(f"{name} must not be negative: {value}")


class ReferenceLedger:
    """The reference model of the whole world (see the module docstring)."""

    def __init__(self) -> None:
        """Create an empty world with the clock unset."""
        self._today: dt.date | None = None
        self._regions: dict[int, _Region] = {}
        self._policies: dict[tuple[int, Scheme], list[PolicyVersion]] = {}
        self._catalogue: dict[int, dict[str, CatalogueItem]] = {}
        self._institutions: dict[str, _Institution] = {}
        self._people: dict[str, _Person] = {}
        self._reviewers: dict[str, set[int]] = {}
        self._claims: dict[ClaimKey, _ClaimRecord] = {}
        self._counters: dict[tuple[str, int], _Counters] = {}
        self._visits: dict[tuple[str, int, int], int] = {}
        self._last_day: dict[str, dict[str, dt.date]] = {}
        self._owed: dict[tuple[int, int], int] = {}

    # ------------------------------------------------------------------
    # clock and lookups
    # ------------------------------------------------------------------

    def _tick(self, today: dt.date) -> None:
        if self._today is not None and today < self._today:
            raise ValueError(f"the clock only moves forward: {today} < {self._today}")
        self._today = today

    def _region(self, code: int) -> _Region:
        region = self._regions.get(code)
        if region is None:
            raise _refuse("RegionUnknown", code)
        return region

    def _institution(self, institution: str) -> _Institution:
        inst = self._institutions.get(institution)
        if inst is None:
            raise _refuse("InstitutionUnknown", institution)
        return inst

    def _person(self, person: str) -> _Person:
        p = self._people.get(person)
        if p is None:
            raise _refuse("PersonUnknown", person)
        return p

    def _year(self, person: str, year: int) -> _Counters:
        return self._counters.setdefault((person, year), _Counters())

    # ------------------------------------------------------------------
    # setup: regions, policies, catalogue, institutions, reviewers, people
    # ------------------------------------------------------------------

    def add_region(self, code: int, name: str, opening_balance: int, *, today: dt.date) -> None:
        """Register a region (统筹区) and open its fund with ``opening_balance`` fen."""
        _require_uint("opening_balance", opening_balance)
        if not REGION_MIN <= code <= REGION_MAX:
            raise _refuse("RegionCodeInvalid", code)
        if code in self._regions:
            raise _refuse("RegionExists", code)
        self._tick(today)
        self._regions[code] = _Region(code, name, _Fund(opening_balance, opening_balance))
        self._catalogue[code] = {}
        self.check_fund_law()

    def add_policy(self, policy: PolicyVersion, *, today: dt.date) -> None:
        """Add a policy version; versions of a region × scheme must come in date order."""
        self._region(policy.region)
        bps = (
            *policy.op_ratio_bps,
            *policy.ip_ratio_bps,
            policy.class_b_self_pay_bps,
            policy.cross_region_cut_bps,
        )
        if any(not 0 <= r <= BPS for r in bps):
            raise _refuse("BpsOutOfRange")
        versions = self._policies.get((policy.region, policy.scheme), [])
        if versions and policy.effective_from <= versions[-1].effective_from:
            raise _refuse("PolicyVersionNotAfterLatest", policy.effective_from)
        self._tick(today)
        self._policies.setdefault((policy.region, policy.scheme), []).append(policy)

    def add_item(self, region: int, item: CatalogueItem, *, today: dt.date) -> None:
        """Add or replace a catalogue item of ``region``."""
        self.add_items(region, (item,), today=today)

    def add_items(self, region: int, items: Iterable[CatalogueItem], *, today: dt.date) -> None:
        """Add or replace several catalogue items of ``region`` (a later code replaces)."""
        self._region(region)
        items = tuple(items)
        self._tick(today)
        for item in items:
            self._catalogue[region][item.code] = item

    def add_institution(
        self, institution: str, region: int, level: int, grade: Grade, *, today: dt.date
    ) -> None:
        """Register an institution (ACTIVE, not frozen) of ``level`` 0 (pharmacy) to 3."""
        self._region(region)
        if level not in LEVELS:
            raise _refuse("InstitutionLevelInvalid", level)
        if institution in self._institutions:
            raise _refuse("InstitutionExists", institution)
        self._tick(today)
        self._institutions[institution] = _Institution(region, level, grade)

    def add_reviewer(self, reviewer: str, regions: Iterable[int], *, today: dt.date) -> None:
        """Make ``reviewer`` a reviewer of each of ``regions``."""
        codes = tuple(regions)
        for code in codes:
            self._region(code)
        self._tick(today)
        self._reviewers.setdefault(reviewer, set()).update(codes)

    def enrol(
        self,
        person: str,
        region: int,
        scheme: Scheme,
        coverage_from: dt.date,
        coverage_to: dt.date,
        *,
        today: dt.date,
        filings: Iterable[Filing] = (),
    ) -> None:
        """Enrol a person (ACTIVE) in ``region``'s ``scheme``, with optional filings."""
        self._region(region)
        if coverage_from > coverage_to:
            raise _refuse("CoverageInvalid", coverage_from, coverage_to)
        if person in self._people:
            raise _refuse("PersonExists", person)
        kept: list[Filing] = []
        for f in filings:
            kept = self._filings_after_adding(person, region, kept, f, today)
        self._tick(today)
        self._people[person] = _Person(region, scheme, coverage_from, coverage_to, filings=kept)

    def _filings_after_adding(
        self, person: str, home: int, current: list[Filing], filing: Filing, today: dt.date
    ) -> list[Filing]:
        """The filing list after adding ``filing`` (expired ones dropped first), or refuse.

        Refusals, in order: ``RegionUnknown``, ``FilingInvalid`` (end before start, or the
        home region), ``FilingLimitReached`` (8 unexpired filings held).
        """
        self._region(filing.region)
        if filing.start > filing.end or filing.region == home:
            raise _refuse("FilingInvalid", filing.region, filing.start, filing.end)
        kept = [f for f in current if f.end >= today]
        if len(kept) >= MAX_FILINGS:
            raise _refuse("FilingLimitReached", person, MAX_FILINGS)
        return [*kept, filing]

    # ------------------------------------------------------------------
    # claims
    # ------------------------------------------------------------------

    def _check_malformed(self, claim: Claim, inst: _Institution) -> None:
        """Reject malformed input with a named error (nothing is recorded)."""
        if not claim.lines:
            raise _refuse("ClaimWithoutLines")
        for index, line in enumerate(claim.lines):
            if line.qty == 0:
                raise _refuse("ClaimLineQuantityZero", index)
            _require_uint("qty", line.qty)
            _require_uint("unit_price", line.unit_price)
        billed = claim.billed
        if billed >= MAX_CLAIM_AMOUNT:
            raise _refuse("ClaimAmountTooLarge", billed)
        if claim.claimed_fund is not None:
            _require_uint("claimed_fund", claim.claimed_fund)
        if not isinstance(claim.visit, VisitType):
            raise _refuse("VisitTypeInvalid", claim.visit)
        if claim.visit is VisitType.INPATIENT:
            if claim.discharge is None:
                raise _refuse("DischargeMissing")
            if claim.discharge < claim.service_date:
                raise _refuse("DischargeBeforeAdmission", claim.service_date, claim.discharge)
            if inst.level == 0:
                raise _refuse("VisitTypeNotOffered", claim.visit)
        elif claim.discharge is not None:
            raise _refuse("DischargeNotInpatient")

    def _claim_check(
        self, claim: Claim, inst: _Institution, today: dt.date
    ) -> tuple[Reason, PolicyVersion | None]:
        """§1 claim checks after DUPLICATE, in order; the first that fails is returned."""
        if inst.status is not InstitutionStatus.ACTIVE or inst.grade is Grade.E:
            return Reason.INSTITUTION_INACTIVE, None
        person = self._people.get(claim.person)
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
        if day < person.coverage_from + dt.timedelta(days=policy.waiting_days):
            return Reason.WAITING_PERIOD, policy
        return Reason.NONE, policy

    def submit_claim(self, claim: Claim, *, today: dt.date) -> Decision:
        """Adjudicate a claim (adjudication.md §1–§8) and return the decision.

        Malformed input and an unknown institution are refused (``ModelRefusal``).
        A DUPLICATE is decided and returned but does not touch the stored claim.
        """
        inst = self._institution(claim.institution)
        self._check_malformed(claim, inst)
        self._tick(today)
        billed = claim.billed
        key = claim.key
        if key in self._claims:
            return Decision(
                ClaimStatus.REJECTED, Reason.DUPLICATE, Flag.NONE, billed, 0, 0, 0, billed
            )
        person = self._people.get(claim.person)
        reason, policy = self._claim_check(claim, inst, today)
        rec = _ClaimRecord(
            claim=claim,
            treating_region=inst.region,
            home_region=person.region if person is not None else None,
            status=ClaimStatus.REJECTED,
            reason=reason,
            billed=billed,
            policy=policy,
        )
        rec.history.append(ClaimEvent(today, "submitted", claim.institution))
        if reason is not Reason.NONE or person is None or policy is None:
            self._claims[key] = rec
            rec.history.append(ClaimEvent(today, "rejected", detail=reason.name))
            return self._view(rec)

        day = claim.service_date
        counters = self._year(claim.person, day.year)
        last_days = self._last_day.get(claim.person, {})
        lines, new_last_days = rules.evaluate_lines(
            claim.lines,
            self._catalogue[inst.region],
            claim.visit,
            day,
            last_days,
            policy.class_b_self_pay_bps,
        )
        eligible = sum(line.eligible for line in lines)
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
        self._claims[key] = rec
        if rules.is_overclaim(claim.claimed_fund, fund):
            rec.reason = Reason.OVERCLAIM
            rec.history.append(ClaimEvent(today, "rejected", detail=Reason.OVERCLAIM.name))
            return self._view(rec)

        visits_before = self._visits.get((claim.person, day.year, day.month), 0)
        rec.flags = rules.flags(claim.visit, policy, fund, inst.grade, visits_before)
        self._count(rec, +1)
        self._last_day.setdefault(claim.person, {}).update(new_last_days)
        if rec.flags:
            rec.status = ClaimStatus.FLAGGED
            rec.history.append(ClaimEvent(today, "flagged", detail=str(int(rec.flags))))
        else:
            self._approve(rec, today)
        return self._view(rec)

    def _count(self, rec: _ClaimRecord, sign: int) -> None:
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

    def _approve(self, rec: _ClaimRecord, today: dt.date, actor: str = "") -> None:
        """Make a claim APPROVED and its fund share payable to its institution."""
        rec.status = ClaimStatus.APPROVED
        rec.reason = Reason.NONE
        inst = self._institutions[rec.claim.institution]
        inst.payable += rec.fund
        inst.pending.append(rec.claim.key)
        rec.history.append(ClaimEvent(today, "approved", actor))

    @staticmethod
    def _view(rec: _ClaimRecord) -> Decision:
        """The claim as it stands (REJECTED / CLAWED_BACK show amounts as 0)."""
        if rec.status in (ClaimStatus.REJECTED, ClaimStatus.CLAWED_BACK):
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

    def review(
        self,
        key: ClaimKey,
        reviewer: str,
        approve: bool,
        *,
        today: dt.date,
        reason: str = "",
        evidence: str = "",
    ) -> Decision:
        """A reviewer decides a FLAGGED claim, or an APPEALED claim (final).

        Refusals, in order: ``ClaimNotReviewable`` (not FLAGGED or APPEALED, or unknown),
        ``AccessControlUnauthorizedAccount`` (not a reviewer of the treating region),
        ``ReviewerConflict`` (deciding an appeal of one's own rejection).
        """
        rec = self._claims.get(key)
        if rec is None or rec.status not in (ClaimStatus.FLAGGED, ClaimStatus.APPEALED):
            raise _refuse("ClaimNotReviewable", key)
        if rec.treating_region not in self._reviewers.get(reviewer, set()):
            raise _refuse("AccessControlUnauthorizedAccount", reviewer)
        appeal = rec.status is ClaimStatus.APPEALED
        if appeal and reviewer == rec.rejected_by:
            raise _refuse("ReviewerConflict", reviewer)
        self._tick(today)
        detail = f"reason={reason} evidence={evidence}"
        rec.history.append(
            ClaimEvent(today, "approve" if approve else "reject", reviewer, detail)
        )
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
            raise _refuse("ClaimNotAppealable", key)
        if rec.appealed:
            raise _refuse("AppealAlreadyFiled", key)
        if rec.status is not ClaimStatus.REJECTED or rec.reason is not Reason.REVIEW_REJECTED:
            raise _refuse("ClaimNotAppealable", key)
        assert rec.policy is not None and rec.rejected_on is not None
        if today > rec.rejected_on + dt.timedelta(days=rec.policy.appeal_days):
            raise _refuse("AppealWindowClosed", key)
        self._tick(today)
        rec.status = ClaimStatus.APPEALED
        rec.appealed = True
        rec.history.append(ClaimEvent(today, "appealed", key.institution))

    # ------------------------------------------------------------------
    # money: settlement, clearing, clawback, contributions
    # ------------------------------------------------------------------

    def settle(self, institution: str, *, today: dt.date) -> Settlement:
        """Pay an institution every approved, unsettled fund share (就医地垫付).

        ``netted = min(debt, payable)`` is recovered from the institution's debt; the
        cash ``payable − netted`` leaves the institution's region's fund. Each settled
        fund share of a person from another region becomes owed by the home region.
        Refusals, in order: ``InstitutionFrozen``, ``NothingToSettle`` (payable is 0),
        ``FundInsufficient``.
        """
        inst = self._institution(institution)
        if inst.frozen:
            raise _refuse("InstitutionFrozen", institution)
        if inst.payable == 0:
            raise _refuse("NothingToSettle", institution)
        netted = min(inst.debt, inst.payable)
        cash = inst.payable - netted
        fund = self._regions[inst.region].fund
        if fund.balance < cash:
            raise _refuse("FundInsufficient", inst.region, cash, fund.balance)
        self._tick(today)
        keys = tuple(inst.pending)
        for key in keys:
            rec = self._claims[key]
            rec.status = ClaimStatus.SETTLED
            rec.history.append(ClaimEvent(today, "settled"))
            home = rec.home_region
            if home is not None and home != inst.region and rec.fund > 0:
                owed = (home, inst.region)
                self._owed[owed] = self._owed.get(owed, 0) + rec.fund
        payable = inst.payable
        fund.balance -= cash
        fund.settled += payable
        fund.recovered += netted
        inst.paid += cash
        inst.debt -= netted
        inst.payable = 0
        inst.pending = []
        self.check_fund_law()
        return Settlement(keys, payable, netted, cash)

    def clear(
        self, from_region: int, to_region: int, *, today: dt.date, amount: int | None = None
    ) -> int:
        """The home region ``from_region`` pays what it owes ``to_region`` (异地清算).

        ``amount`` defaults to everything owed. Refusals, in order: ``RegionUnknown``,
        ``NothingToClear``, ``AmountZero``, ``ClearingExceedsDebt``, ``FundInsufficient``.
        Returns the amount cleared.
        """
        payer = self._region(from_region).fund
        payee = self._region(to_region).fund
        owed = self._owed.get((from_region, to_region), 0)
        if owed == 0:
            raise _refuse("NothingToClear", from_region, to_region)
        pay = owed if amount is None else amount
        if pay <= 0:
            raise _refuse("AmountZero")
        if pay > owed:
            raise _refuse("ClearingExceedsDebt", pay, owed)
        if payer.balance < pay:
            raise _refuse("FundInsufficient", from_region, pay, payer.balance)
        self._tick(today)
        self._owed[(from_region, to_region)] = owed - pay
        payer.balance -= pay
        payer.clearing_out += pay
        payee.balance += pay
        payee.clearing_in += pay
        self.check_fund_law()
        return pay

    def clawback(self, key: ClaimKey, *, today: dt.date) -> int:
        """Claw back a SETTLED claim (追回): counts reversed, fund share becomes debt.

        Refused ``ClaimNotSettled`` for any other claim. Cross-region debts already
        booked stay. Returns the amount added to the institution's debt.
        """
        rec = self._claims.get(key)
        if rec is None or rec.status is not ClaimStatus.SETTLED:
            raise _refuse("ClaimNotSettled", key)
        self._tick(today)
        self._count(rec, -1)
        rec.status = ClaimStatus.CLAWED_BACK
        rec.history.append(ClaimEvent(today, "clawed_back"))
        self._institutions[key.institution].debt += rec.fund
        self.check_fund_law()
        return rec.fund

    def contribution(self, person: str, amount: int, *, today: dt.date) -> None:
        """Credit a contribution (缴费) to the person's home-region fund; amount > 0."""
        p = self._person(person)
        if amount <= 0:
            raise _refuse("AmountZero")
        self._tick(today)
        fund = self._regions[p.region].fund
        fund.balance += amount
        fund.contributions += amount
        self.check_fund_law()

    # ------------------------------------------------------------------
    # supervision and enrolment changes
    # ------------------------------------------------------------------

    def freeze(self, institution: str, *, today: dt.date) -> None:
        """Freeze an institution's payouts (already frozen: ``InstitutionUnchanged``)."""
        inst = self._institution(institution)
        if inst.frozen:
            raise _refuse("InstitutionUnchanged", institution)
        self._tick(today)
        inst.frozen = True

    def unfreeze(self, institution: str, *, today: dt.date) -> None:
        """Lift a freeze (not frozen: ``InstitutionUnchanged``)."""
        inst = self._institution(institution)
        if not inst.frozen:
            raise _refuse("InstitutionUnchanged", institution)
        self._tick(today)
        inst.frozen = False

    def set_grade(self, institution: str, grade: Grade, *, today: dt.date) -> None:
        """Set an institution's credit grade (the same grade: ``InstitutionUnchanged``)."""
        inst = self._institution(institution)
        if inst.grade is grade:
            raise _refuse("InstitutionUnchanged", institution)
        self._tick(today)
        inst.grade = grade

    def person_status(
        self, person: str, status: PersonStatus, *, today: dt.date, reason_code: int = 0
    ) -> None:
        """Suspend (from ACTIVE), reinstate (from SUSPENDED) or terminate a person.

        Refusals: ``PersonTerminated`` (TERMINATED is final),
        ``PersonStatusTransitionInvalid`` (setting the current status again).
        """
        p = self._person(person)
        if p.status is PersonStatus.TERMINATED:
            raise _refuse("PersonTerminated", person)
        if p.status is status:
            raise _refuse("PersonStatusTransitionInvalid", person, int(p.status), int(status))
        self._tick(today)
        p.status = status
        p.status_reason = reason_code

    def institution_status(
        self,
        institution: str,
        status: InstitutionStatus,
        *,
        today: dt.date,
        reason_code: int = 0,
    ) -> None:
        """Change an institution's status.

        Refusals: ``InstitutionRevoked`` (REVOKED is final), ``InstitutionUnchanged``
        (setting the current status again).
        """
        inst = self._institution(institution)
        if inst.status is InstitutionStatus.REVOKED:
            raise _refuse("InstitutionRevoked", institution)
        if inst.status is status:
            raise _refuse("InstitutionUnchanged", institution)
        self._tick(today)
        inst.status = status
        inst.status_reason = reason_code

    def filing(self, person: str, filing: Filing, *, today: dt.date) -> None:
        """Add a cross-region filing (expired filings are dropped first; at most 8 held).

        Refusals, in order: ``PersonUnknown``, ``PersonTerminated``, ``RegionUnknown``,
        ``FilingInvalid``, ``FilingLimitReached``.
        """
        p = self._person(person)
        if p.status is PersonStatus.TERMINATED:
            raise _refuse("PersonTerminated", person)
        kept = self._filings_after_adding(person, p.region, p.filings, filing, today)
        self._tick(today)
        p.filings = kept

    # ------------------------------------------------------------------
    # reading state
    # ------------------------------------------------------------------

    @property
    def today(self) -> dt.date | None:
        """The last day an operation happened on (None before the first)."""
        return self._today

    def regions(self) -> tuple[int, ...]:
        """Registered region codes, in registration order."""
        return tuple(self._regions)

    def claim(self, key: ClaimKey) -> Decision | None:
        """The stored claim as it stands, or None."""
        rec = self._claims.get(key)
        return None if rec is None else self._view(rec)

    def claim_history(self, key: ClaimKey) -> tuple[ClaimEvent, ...]:
        """The history of a stored claim (empty when unknown)."""
        rec = self._claims.get(key)
        return () if rec is None else tuple(rec.history)

    def fund(self, region: int) -> FundState:
        """A region's fund account."""
        f = self._region(region).fund
        return FundState(
            f.balance, f.contributions, f.settled, f.clearing_in, f.clearing_out, f.recovered
        )

    def opening_balance(self, region: int) -> int:
        """A region's opening fund balance."""
        return self._region(region).fund.opening

    def institution(self, institution: str) -> InstitutionState:
        """An institution's state."""
        i = self._institution(institution)
        return InstitutionState(
            i.region, i.level, i.status, i.grade, i.frozen, i.payable, i.paid, i.debt
        )

    def person(self, person: str) -> PersonState:
        """A person's state."""
        p = self._person(person)
        return PersonState(
            p.region, p.scheme, p.coverage_from, p.coverage_to, p.status, tuple(p.filings)
        )

    def counters(self, person: str, year: int) -> YearCounters:
        """A person's counters for a calendar year."""
        c = self._counters.get((person, year), _Counters())
        return YearCounters(c.deductible_used, c.fund_used, c.op_fund_used)

    def visits(self, person: str, year: int, month: int) -> int:
        """Outpatient/pharmacy claims counted for a person in a calendar month."""
        return self._visits.get((person, year, month), 0)

    def last_service_day(self, person: str, code: str) -> dt.date | None:
        """The last day an interval-limited item was eligible for a person."""
        return self._last_day.get(person, {}).get(code)

    def owed(self, home: int, treating: int) -> int:
        """What ``home``'s fund owes ``treating``'s fund for cross-region care."""
        return self._owed.get((home, treating), 0)

    def policy_versions(self, region: int, scheme: Scheme) -> tuple[PolicyVersion, ...]:
        """The policy versions of a region × scheme, oldest first."""
        return tuple(self._policies.get((region, scheme), ()))

    def check_fund_law(self) -> None:
        """Raise :class:`FundLawBroken` unless, for every region,
        ``balance = opening + contributions − settled + clearing_in − clearing_out
        + recovered`` and the balance is not negative."""
        for code, region in self._regions.items():
            f = region.fund
            expected = (
                f.opening
                + f.contributions
                - f.settled
                + f.clearing_in
                - f.clearing_out
                + f.recovered
            )
            if f.balance != expected or f.balance < 0:
                raise FundLawBroken(f"region {code}: balance {f.balance} != {expected}")
