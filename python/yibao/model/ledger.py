"""``ReferenceLedger``: the whole 医保 world as an in-memory state machine.

The ledger is the executable form of adjudication.md and docs/decisions.md, written to
be read. It keeps regions and their funds, versioned policies, the catalogue of every
region, institutions, insured people, reviewers, claims and their history, the yearly
counters of every person, the last service day of interval-limited items, what home
regions owe treating regions, and supervision cases, fines and credit scores
(supervision.md, :class:`~yibao.model.supervision.SupervisionRules`).

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

from yibao.model.types import (
    CatalogueItem, Claim, ClaimKey, Decision, Filing, FundState, InstitutionState, PersonState, PolicyVersion,
    Scheme, YearCounters
)

from yibao.model.supervision import SupervisionRules
from yibao.model.state import ClaimEvent, CounterRecord


class ReferenceLedger(SupervisionRules):
    """The reference model of the whole world (see the module docstring)."""

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
        return () if rec is None else rec.events()

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
        c = self._counters.get((person, year), CounterRecord())
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

    def claim_keys(self) -> tuple[ClaimKey, ...]:
        """The keys of every stored claim, in the order they were stored."""
        return tuple(self._claims)

    def submitted(self, key: ClaimKey) -> Claim | None:
        """A stored claim as its institution submitted it, or None."""
        rec = self._claims.get(key)
        return None if rec is None else rec.claim

    def people(self) -> tuple[str, ...]:
        """Enrolled people, in enrolment order."""
        return tuple(self._people)

    def filing_history(self, person: str) -> tuple[Filing, ...]:
        """Every filing ever added for a person, expired ones too (the chain drops those)."""
        return tuple(self._person(person).filed)

    def catalogue(self, region: int) -> dict[str, CatalogueItem]:
        """A region's catalogue as it stands, by item code (a copy)."""
        self._region(region)
        return dict(self._catalogue[region])

    def policy_versions(self, region: int, scheme: Scheme) -> tuple[PolicyVersion, ...]:
        """The policy versions of a region × scheme, oldest first."""
        return tuple(self._policies.get((region, scheme), ()))



__all__ = ["ClaimEvent", "ReferenceLedger"]
