"""Setup and status changes of the reference model: regions, rules, institutions, people, filings."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from yibao.model.types import (
    BPS, LEVELS, CatalogueItem, Filing, Grade, InstitutionStatus, PersonStatus, PolicyVersion, Scheme
)

from yibao.model.rules import select_policy
from yibao.model.state import (
    MAX_FILINGS, REGION_MAX, REGION_MIN, FundAccount, InstitutionRecord, LedgerState, PersonRecord,
    RegionRecord, refuse, require_uint
)


class RegistryRules(LedgerState):
    """Setup and status changes of the reference model: regions, rules, institutions, people, filings."""


    def add_region(self, code: int, name: str, opening_balance: int, *, today: dt.date) -> None:
        """Register a region (统筹区) and open its fund with ``opening_balance`` fen."""
        require_uint("opening_balance", opening_balance)
        if not REGION_MIN <= code <= REGION_MAX:
            raise refuse("RegionCodeInvalid", code)
        if code in self._regions:
            raise refuse("RegionExists", code)
        self._tick(today)
        self._regions[code] = RegionRecord(code, name, FundAccount(opening_balance, opening_balance))
        self._catalogue[code] = {}
        self.check_fund_law()

    def add_policy(self, policy: PolicyVersion, *, today: dt.date) -> None:
        """Add a policy version. It must start no earlier than ``today`` (rules are never
        changed for days already past, adjudication.md v1.1) and after the latest version of
        its region × scheme. Refusals, in order: ``RegionUnknown``, ``PolicyBackdated``,
        ``PolicyVersionNotAfterLatest``, ``BpsOutOfRange``."""
        self._region(policy.region)
        if policy.effective_from < today:
            raise refuse("PolicyBackdated", policy.region, int(policy.scheme), policy.effective_from, today)
        versions = self._policies.get((policy.region, policy.scheme), [])
        if versions and policy.effective_from <= versions[-1].effective_from:
            raise refuse("PolicyVersionNotAfterLatest", policy.effective_from)
        bps = (
            *policy.op_ratio_bps,
            *policy.ip_ratio_bps,
            policy.class_b_self_pay_bps,
            policy.cross_region_cut_bps,
        )
        if any(not 0 <= r <= BPS for r in bps):
            raise refuse("BpsOutOfRange")
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
        self._line_memo.pop(region, None)

    def add_institution(
        self, institution: str, region: int, level: int, grade: Grade, *, today: dt.date
    ) -> None:
        """Register an institution (ACTIVE, not frozen) of ``level`` 0 (pharmacy) to 3."""
        self._region(region)
        if level not in LEVELS:
            raise refuse("InstitutionLevelInvalid", level)
        if institution in self._institutions:
            raise refuse("InstitutionExists", institution)
        self._tick(today)
        self._institutions[institution] = InstitutionRecord(region, level, grade)

    def add_reviewer(self, reviewer: str, regions: Iterable[int], *, today: dt.date) -> None:
        """Make ``reviewer`` a reviewer of each of ``regions``."""
        codes = tuple(regions)
        for code in codes:
            self._region(code)
        self._tick(today)
        self._reviewers.setdefault(reviewer, set()).update(codes)

    def enrol(self, person: str, region: int, scheme: Scheme, coverage_from: dt.date, coverage_to: dt.date, *,
            today: dt.date, filings: Iterable[Filing] = ()) -> None:
        """Enrol a person (ACTIVE) in ``region``'s ``scheme``, with optional filings."""
        self._region(region)
        if coverage_from > coverage_to:
            raise refuse("CoverageInvalid", coverage_from, coverage_to)
        if person in self._people:
            raise refuse("PersonExists", person)
        given = tuple(filings)
        kept: list[Filing] = []
        for f in given:
            kept = self._filings_after_adding(person, region, scheme, kept, f, today)
        self._tick(today)
        self._people[person] = PersonRecord(region, scheme, coverage_from, coverage_to, filings=kept,
                                            filed=list(given))

    def _filings_after_adding(
        self, person: str, home: int, scheme: Scheme, current: list[Filing], filing: Filing, today: dt.date
    ) -> list[Filing]:
        """The filing list after adding ``filing`` (expired ones dropped first), or refuse.

        A filing expires once no claim can use it: after ``end + max_claim_age_days`` of the
        policy version in force on ``end`` (just after ``end`` when none is). Refusals, in
        order: ``RegionUnknown``, ``FilingInvalid`` (end before start, or the home region),
        ``FilingLimitReached`` (8 unexpired filings held).
        """
        self._region(filing.region)
        if filing.start > filing.end or filing.region == home:
            raise refuse("FilingInvalid", filing.region, filing.start, filing.end)
        kept = [f for f in current if self._last_claimable(home, scheme, f.end) >= today]
        if len(kept) >= MAX_FILINGS:
            raise refuse("FilingLimitReached", person, MAX_FILINGS)
        return [*kept, filing]



    def _last_claimable(self, home: int, scheme: Scheme, day: dt.date) -> dt.date:
        """The last day a claim for service on ``day`` may be submitted (not stale)."""
        version = select_policy(self._policies.get((home, scheme), ()), day)
        return day + dt.timedelta(days=version.max_claim_age_days if version else 0)

    def freeze(self, institution: str, *, today: dt.date) -> None:
        """Freeze an institution's payouts (already frozen: ``InstitutionUnchanged``)."""
        inst = self._institution(institution)
        if inst.frozen:
            raise refuse("InstitutionUnchanged", institution)
        self._tick(today)
        inst.frozen = True

    def unfreeze(self, institution: str, *, today: dt.date) -> None:
        """Lift a freeze (not frozen: ``InstitutionUnchanged``)."""
        inst = self._institution(institution)
        if not inst.frozen:
            raise refuse("InstitutionUnchanged", institution)
        self._tick(today)
        inst.frozen = False

    def set_grade(self, institution: str, grade: Grade, *, today: dt.date) -> None:
        """Set an institution's credit grade (the same grade: ``InstitutionUnchanged``)."""
        inst = self._institution(institution)
        if inst.grade is grade:
            raise refuse("InstitutionUnchanged", institution)
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
            raise refuse("PersonTerminated", person)
        if p.status is status:
            raise refuse("PersonStatusTransitionInvalid", person, int(p.status), int(status))
        self._tick(today)
        p.status = status
        p.status_reason = reason_code

    def institution_status(self, institution: str, status: InstitutionStatus, *, today: dt.date,
            reason_code: int = 0) -> None:
        """Change an institution's status.

        Refusals: ``InstitutionRevoked`` (REVOKED is final), ``InstitutionUnchanged``
        (setting the current status again).
        """
        inst = self._institution(institution)
        if inst.status is InstitutionStatus.REVOKED:
            raise refuse("InstitutionRevoked", institution)
        if inst.status is status:
            raise refuse("InstitutionUnchanged", institution)
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
            raise refuse("PersonTerminated", person)
        kept = self._filings_after_adding(person, p.region, p.scheme, p.filings, filing, today)
        self._tick(today)
        p.filings = kept
        p.filed.append(filing)


__all__ = ["RegistryRules"]
