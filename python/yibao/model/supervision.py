"""Supervision in the reference model: cases, penalties, fines and credit (监管闭环).

The executable form of supervision.md: a case is opened on claims of one institution, its
findings name some of them, the regulator decides the penalty, the institution may contest
it once (a reviewer rules), and finalizing executes it: found claims still live are clawed
back or rejected with reason SUPERVISION, the fine is owed (to the treasury, never to a
fund), the institution is suspended and loses credit points for the year, its grade never
better than before. Regulators are not modelled: every step a regulator takes is simply
allowed; the reviewer of a ruling and the institution of a contest are checked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from yibao.model.types import (
    BPS, CaseOutcome, CaseSource, CaseStatus, CaseView, ClaimKey, ClaimStatus, Grade, InstitutionStatus,
    Reason, SupervisionParams, is_reason_code
)

from yibao.model.settlement import SettlementRules
from yibao.model.state import refuse, require_uint

CASE_CLAIMS_LIMIT = 200
"""A case is opened on 1 to this many claims; a finding names 1 to this many."""

FINE_BOUNDS: dict[int, tuple[int, int]] = {38: (10_000, 20_000), 40: (20_000, 50_000)}
"""``fine_bps`` bounds (inclusive) by article."""

LIVE = (ClaimStatus.APPROVED, ClaimStatus.FLAGGED, ClaimStatus.SETTLED)
"""Claim statuses a finding may name and finalizing executes."""

OPEN_STATES = (CaseStatus.OPEN, CaseStatus.INVESTIGATING)


@dataclass
class CaseRecord:
    """A stored supervision case."""

    id: int
    institution: str
    source: CaseSource
    by_region: int
    opened_on: dt.date
    claims: tuple[ClaimKey, ...]
    evidence: str = ""
    status: CaseStatus = CaseStatus.OPEN
    outcome: CaseOutcome = CaseOutcome.NONE
    article: int = 0
    fine_bps: int = 0
    suspend_days: int = 0
    decided_on: dt.date | None = None
    contested: bool = False
    upheld: bool = False
    found: list[ClaimKey] = field(default_factory=list)
    findings: int = 0
    loss: int = 0
    fine: int = 0

    def view(self) -> CaseView:
        """The case as a frozen view."""
        return CaseView(
            self.id, self.institution, self.status, self.outcome, self.source, self.by_region,
            self.article, self.fine_bps, self.suspend_days, self.opened_on, self.decided_on,
            self.contested, self.upheld, self.claims, tuple(self.found), self.findings, self.loss,
            self.fine,
        )


@dataclass
class FineRecord:
    """An institution's fines and its last suspension by a case."""

    owed: int = 0
    paid: int = 0
    suspended_until: dt.date | None = None


class SupervisionRules(SettlementRules):
    """Supervision cases, penalties, fines and credit (supervision.md)."""

    def __init__(self) -> None:
        """Create an empty world with no cases."""
        super().__init__()
        self._cases: dict[int, CaseRecord] = {}
        self._case_of_claim: dict[ClaimKey, int] = {}
        self._supervision: dict[int, SupervisionParams] = {}
        self._fines: dict[str, FineRecord] = {}
        self._credit: dict[tuple[str, int], int] = {}

    # ------------------------------------------------------------------
    # lookups
    # ------------------------------------------------------------------

    def _params_of(self, region: int) -> SupervisionParams:
        return self._supervision.get(region, SupervisionParams())

    def _case(self, case_id: int) -> CaseRecord:
        rec = self._cases.get(case_id)
        if rec is None:
            raise refuse("CaseUnknown", case_id)
        return rec

    def _case_in(self, case_id: int, states: tuple[CaseStatus, ...]) -> CaseRecord:
        rec = self._case(case_id)
        if rec.status not in states:
            raise refuse("CaseStateInvalid", case_id, int(rec.status))
        return rec

    @staticmethod
    def _check_fine_bps(article: int, fine_bps: int) -> None:
        low, high = FINE_BOUNDS[article]
        if not low <= fine_bps <= high:
            raise refuse("FineBpsOutOfBounds", article, fine_bps, low, high)

    @staticmethod
    def _check_count(claims: Sequence[ClaimKey]) -> None:
        if not 0 < len(claims) <= CASE_CLAIMS_LIMIT:
            raise refuse("CaseClaimsInvalid", len(claims), CASE_CLAIMS_LIMIT)

    # ------------------------------------------------------------------
    # parameters
    # ------------------------------------------------------------------

    def set_supervision_params(self, region: int, params: SupervisionParams, *, today: dt.date) -> None:
        """Set a region's supervision parameters (its regulator).

        Refusals, in order: ``RegionUnknown``, ``GradeFloorsInvalid`` (the floors do not fall
        strictly from A to D).
        """
        self._region(region)
        for name in ("contest_days", "points_art38", "points_art40", "credit_base"):
            require_uint(name, getattr(params, name))
        floors = (params.floor_a, params.floor_b, params.floor_c, params.floor_d)
        if not floors[0] > floors[1] > floors[2] > floors[3]:
            raise refuse("GradeFloorsInvalid", *floors)
        self._tick(today)
        self._supervision[region] = params

    # ------------------------------------------------------------------
    # the case lifecycle
    # ------------------------------------------------------------------

    def open_case(self, institution: str, claims: Sequence[ClaimKey], source: CaseSource, *, today: dt.date,
            evidence: str = "", by_region: int | None = None) -> int:
        """Open a case (OPEN) on claims of ``institution``, in any status; returns its id (1, 2, …).

        ``by_region`` is the opening regulator's region: the institution's own (the default)
        or, with source REFERRAL only, another region, whose people the claims must be.
        Refusals, in order: ``CaseClaimsInvalid`` (0 or more than 200 claims),
        ``InstitutionUnknown``, ``CaseSourceInvalid``, ``RegionUnknown`` (the referring
        region), then per claim in order ``ClaimUnknown``, ``ClaimOfOtherInstitution``,
        ``ClaimListedTwice`` and, for a referral, ``ReferralOutsideRegion``.
        """
        keys = tuple(claims)
        self._check_count(keys)
        region = self._institution(institution).region
        by = region if by_region is None else by_region
        if source not in tuple(CaseSource) or (source == CaseSource.REFERRAL) != (by != region):
            raise refuse("CaseSourceInvalid", int(source), by, region)
        self._region(by)
        seen: set[ClaimKey] = set()
        for key in keys:
            rec = self._claims.get(key)
            if rec is None:
                raise refuse("ClaimUnknown", key)
            if key.institution != institution:
                raise refuse("ClaimOfOtherInstitution", key, institution)
            if key in seen:
                raise refuse("ClaimListedTwice", key)
            seen.add(key)
            if source == CaseSource.REFERRAL:
                person = rec.claim.person
                p = self._people.get(person)
                home = 0 if p is None else p.region
                if home != by:
                    raise refuse("ReferralOutsideRegion", key, person, home, by)
        self._tick(today)
        case_id = len(self._cases) + 1
        self._cases[case_id] = CaseRecord(
            case_id, institution, CaseSource(source), by, today, keys, evidence
        )
        return case_id

    def add_finding(self, case_id: int, claims: Sequence[ClaimKey], code: str, *, today: dt.date,
            evidence: str = "") -> None:
        """Record a finding on an OPEN or INVESTIGATING case (it becomes INVESTIGATING).

        Each claim must be the case's; one already found in this case is skipped, any other
        must be live and not found in another case that is not CLOSED. Refusals, in order:
        ``CaseUnknown``, ``CaseStateInvalid``, ``ReasonInvalid`` (``code`` is not a code),
        ``CaseClaimsInvalid`` (0 or more than 200 claims), then per claim in order
        ``ClaimNotInCase``, ``ClaimNotLive``, ``ClaimAlreadyFound``.
        """
        case = self._case_in(case_id, OPEN_STATES)
        if not is_reason_code(code):
            raise refuse("ReasonInvalid", code)
        keys = tuple(claims)
        self._check_count(keys)
        new: list[ClaimKey] = []
        for key in keys:
            if key not in case.claims:
                raise refuse("ClaimNotInCase", case_id, key)
            if key in case.found or key in new:
                continue
            status = self._claims[key].status
            if status not in LIVE:
                raise refuse("ClaimNotLive", key, int(status))
            other = self._case_of_claim.get(key)
            if other is not None and self._cases[other].status is not CaseStatus.CLOSED:
                raise refuse("ClaimAlreadyFound", key, other)
            new.append(key)
        self._tick(today)
        case.status = CaseStatus.INVESTIGATING
        case.findings += 1
        case.found.extend(new)
        for key in new:
            self._case_of_claim[key] = case_id

    def decide(self, case_id: int, article: int, fine_bps: int, suspend_days: int, *, today: dt.date) -> None:
        """Decide the penalty of a case with a finding: NOTIFIED, decided today.

        ``loss`` is the fund share of the found claims APPROVED or SETTLED now (a FLAGGED one
        was never payable), ``fine = ⌊loss × fine_bps / 10000⌋``. Refusals, in order:
        ``CaseUnknown``, ``CaseStateInvalid``, ``CaseHasNoFinding``, ``ArticleInvalid``
        (not 38 or 40), ``FineBpsOutOfBounds``.
        """
        case = self._case_in(case_id, OPEN_STATES)
        if case.findings == 0:
            raise refuse("CaseHasNoFinding", case_id)
        if article not in FINE_BOUNDS:
            raise refuse("ArticleInvalid", article)
        self._check_fine_bps(article, fine_bps)
        require_uint("suspend_days", suspend_days)
        self._tick(today)
        paid_or_payable = (ClaimStatus.APPROVED, ClaimStatus.SETTLED)
        loss = sum(self._claims[k].fund for k in case.found if self._claims[k].status in paid_or_payable)
        case.status = CaseStatus.NOTIFIED
        case.article, case.fine_bps, case.suspend_days = article, fine_bps, suspend_days
        case.decided_on = today
        case.loss, case.fine = loss, loss * fine_bps // BPS

    def _last_contest_day(self, case: CaseRecord) -> dt.date:
        """The last day the case's decision may be contested (decided_on + contest_days)."""
        assert case.decided_on is not None  # NOTIFIED cases are decided
        days = self._params_of(self._institutions[case.institution].region).contest_days
        return case.decided_on + dt.timedelta(days=days)

    def contest(self, case_id: int, institution: str, *, today: dt.date) -> None:
        """The case's institution contests the decision (once, within contest_days): CONTESTED.

        Refusals, in order: ``CaseUnknown``, ``CaseNotOwned``, ``CaseStateInvalid`` (not
        NOTIFIED), ``CaseAlreadyContested``, ``ContestWindowClosed``.
        """
        case = self._case(case_id)
        if institution != case.institution:
            raise refuse("CaseNotOwned", case_id, institution)
        self._case_in(case_id, (CaseStatus.NOTIFIED,))
        if case.contested:
            raise refuse("CaseAlreadyContested", case_id)
        last = self._last_contest_day(case)
        if today > last:
            raise refuse("ContestWindowClosed", case_id, last, today)
        self._tick(today)
        case.status = CaseStatus.CONTESTED
        case.contested = True

    def rule(self, case_id: int, reviewer: str, upheld: bool, *, today: dt.date, fine_bps: int | None = None) -> None:
        """A reviewer of the institution's region rules on a contested case.

        Not upheld: CLOSED, DISMISSED, nothing executed (loss and fine kept; ``fine_bps``
        ignored). Upheld: NOTIFIED again and final at once, with the fine recomputed on the
        same loss when a new ``fine_bps`` (not None or 0) is given. Refusals, in order:
        ``CaseUnknown``, ``AccessControlUnauthorizedAccount``, ``CaseStateInvalid`` (not
        CONTESTED), ``FineBpsOutOfBounds``.
        """
        case = self._case(case_id)
        if self._institutions[case.institution].region not in self._reviewers.get(reviewer, set()):
            raise refuse("AccessControlUnauthorizedAccount", reviewer)
        self._case_in(case_id, (CaseStatus.CONTESTED,))
        new_bps = fine_bps if upheld and fine_bps else None
        if new_bps is not None:
            self._check_fine_bps(case.article, new_bps)
        self._tick(today)
        if not upheld:
            case.status, case.outcome = CaseStatus.CLOSED, CaseOutcome.DISMISSED
            return
        case.status, case.upheld = CaseStatus.NOTIFIED, True
        if new_bps is not None:
            case.fine_bps, case.fine = new_bps, case.loss * new_bps // BPS

    def finalize(self, case_id: int, *, today: dt.date) -> None:
        """Execute a decided case (supervision.md §What finalize executes): CLOSED, PENALIZED.

        Found claims still live are clawed back (SETTLED, as :meth:`clawback` with reason
        SUPERVISION) or rejected with reason SUPERVISION, counts reversed (APPROVED: no longer
        payable); the fine is owed; ``suspend_days > 0`` suspends an ACTIVE institution until
        ``today + suspend_days``; the score of today's year loses the article's points and the
        grade becomes the worse of the current one and the score's. Refusals, in order:
        ``CaseUnknown``, ``CaseStateInvalid`` (not NOTIFIED), ``FinalizeTooEarly`` (not upheld
        and ``today ≤ decided_on + contest_days``).
        """
        case = self._case_in(case_id, (CaseStatus.NOTIFIED,))
        last = self._last_contest_day(case)
        if not case.upheld and today <= last:
            raise refuse("FinalizeTooEarly", case_id, last + dt.timedelta(days=1), today)
        self._tick(today)
        for key in case.found:
            self._execute_claim(case_id, key, today)
        self._penalize(case, today)
        case.status, case.outcome = CaseStatus.CLOSED, CaseOutcome.PENALIZED
        self.check_fund_law()

    def _execute_claim(self, case_id: int, key: ClaimKey, today: dt.date) -> None:
        """Claw back (SETTLED) or reject (APPROVED, FLAGGED) one found claim; skip any other."""
        rec = self._claims[key]
        if rec.status is ClaimStatus.SETTLED:
            self.clawback(key, today=today, reason=Reason.SUPERVISION.name, evidence=f"case={case_id}")
            return
        if rec.status not in (ClaimStatus.APPROVED, ClaimStatus.FLAGGED):
            return
        if rec.status is ClaimStatus.APPROVED:
            inst = self._institutions[key.institution]
            inst.payable -= rec.fund
            inst.pending.remove(key)
        self._count(rec, -1)
        rec.status = ClaimStatus.REJECTED
        rec.reason = Reason.SUPERVISION
        rec.log(today, "rejected", detail=f"{Reason.SUPERVISION.name} case={case_id}")

    def _penalize(self, case: CaseRecord, today: dt.date) -> None:
        """The fine, the suspension and the credit points of a finalized case."""
        inst = self._institutions[case.institution]
        params = self._params_of(inst.region)
        fines = self._fines.setdefault(case.institution, FineRecord())
        fines.owed += case.fine
        if case.suspend_days > 0:
            fines.suspended_until = today + dt.timedelta(days=case.suspend_days)
            if inst.status is InstitutionStatus.ACTIVE:
                inst.status = InstitutionStatus.SUSPENDED
        points = params.points_art38 if case.article == 38 else params.points_art40
        year = (case.institution, today.year)
        score = self._credit.get(year, params.credit_base) - points
        self._credit[year] = score
        inst.grade = Grade(max(inst.grade, params.grade_of(score)))

    def close_case(self, case_id: int, *, today: dt.date) -> None:
        """Close an OPEN or INVESTIGATING case with no violation.

        Refusals, in order: ``CaseUnknown``, ``CaseStateInvalid``.
        """
        case = self._case_in(case_id, OPEN_STATES)
        self._tick(today)
        case.status, case.outcome = CaseStatus.CLOSED, CaseOutcome.NO_VIOLATION

    def pay_fine(self, institution: str, amount: int, *, today: dt.date, reference: str = "") -> None:
        """Record a payment of an institution's fines (to the treasury: no fund changes).

        Refusals, in order: ``InstitutionUnknown``, ``AmountZero`` (``amount ≤ 0``),
        ``FineExceedsOwed``.
        """
        self._institution(institution)
        if amount <= 0:
            raise refuse("AmountZero")
        owed = self._fines.get(institution, FineRecord()).owed
        if amount > owed:
            raise refuse("FineExceedsOwed", institution, amount, owed)
        self._tick(today)
        fines = self._fines[institution]
        fines.owed -= amount
        fines.paid += amount
        self.check_fund_law()

    # ------------------------------------------------------------------
    # reading state
    # ------------------------------------------------------------------

    def case(self, case_id: int) -> CaseView | None:
        """A case as it stands, or None."""
        rec = self._cases.get(case_id)
        return None if rec is None else rec.view()

    def cases(self) -> tuple[CaseView, ...]:
        """Every case, by id."""
        return tuple(rec.view() for rec in self._cases.values())

    def case_of_claim(self, key: ClaimKey) -> int:
        """The last case that found the claim (0: none)."""
        return self._case_of_claim.get(key, 0)

    def fines(self, institution: str) -> tuple[int, int, dt.date | None]:
        """An institution's fines owed and paid, and the day its last suspension by a case runs to."""
        self._institution(institution)
        f = self._fines.get(institution, FineRecord())
        return f.owed, f.paid, f.suspended_until

    def credit_score(self, institution: str, year: int) -> int:
        """An institution's credit score for a calendar year (its region's credit_base if no
        case touched that year)."""
        inst = self._institution(institution)
        return self._credit.get((institution, year), self._params_of(inst.region).credit_base)

    def supervision_params(self, region: int) -> SupervisionParams:
        """A region's supervision parameters (the defaults until set)."""
        self._region(region)
        return self._params_of(region)


__all__ = ["CASE_CLAIMS_LIMIT", "FINE_BOUNDS", "CaseRecord", "FineRecord", "SupervisionRules"]
