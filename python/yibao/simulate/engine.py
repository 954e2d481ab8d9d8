"""The engine protocol: what `yibao simulate` needs from a world, the model or the contracts.

An engine only carries out actions and reports raw facts (decisions, statuses, fund
figures); the runner (:mod:`yibao.simulate.runner`) makes every choice about the report.
Engines name things by the scenario file's own ids (``"H1"``, ``"P1"``, ``"R1"``) and
identify claims by :class:`~yibao.model.types.ClaimKey` (institution id + invoice number);
mapping them to accounts, pseudonyms and claim ids is the engine's business.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from yibao.model.screening import ItemRestriction, Lead, PersonAttributes, ScreeningParams
from yibao.model.types import (
    CaseOutcome, CaseSource, CaseStatus, CatalogueItem, Claim, ClaimKey, Decision, Filing, FundState, Grade,
    InstitutionState, InstitutionStatus, PersonStatus, PolicyVersion, Scheme, SupervisionParams
)


@dataclass(frozen=True)
class GasFigures:
    """Gas an engine spent: in all, and on claim submissions (``claims`` of them)."""

    total: int
    claims_total: int
    claims: int


@dataclass(frozen=True)
class CaseFacts:
    """A supervision case as an engine reads it: ``found`` the claims found in it (any order),
    ``decided`` whether a penalty was ever decided."""

    status: CaseStatus
    outcome: CaseOutcome
    found: tuple[ClaimKey, ...]
    decided: bool
    loss: int
    fine: int


@dataclass(frozen=True)
class Sanctions:
    """An institution's fines owed and paid (fen) and its credit score for one year."""

    fines_owed: int
    fines_paid: int
    score: int


class Engine(Protocol):
    """What :func:`run_scenario` needs from a world: the model or the contracts.

    Every action happens on the day last given to :meth:`set_today`. An action the
    engine refuses raises :class:`~yibao.errors.OperationRefused` (``ModelRefusal`` or
    the decoded contract error) whose ``name`` is the contract's custom-error name, and
    changes nothing. Any other exception is a failure and stops the run.
    """

    def set_today(self, today: dt.date) -> None:
        """Move the clock to ``today`` (never backwards)."""

    # setup, played at the scenario's ``start`` --------------------------------

    def add_region(self, code: int, name: str, opening_balance: int) -> None:
        """Register a region and open its fund."""

    def add_policy(self, policy: PolicyVersion) -> None:
        """Add a policy version (versions of a region × scheme in date order)."""

    def add_items(self, region: int, items: Sequence[CatalogueItem]) -> None:
        """Add catalogue items to a region's catalogue."""

    def add_institution(self, institution: str, region: int, level: int, grade: Grade) -> None:
        """Register an ACTIVE institution."""

    def add_reviewer(self, reviewer: str) -> None:
        """Make ``reviewer`` a reviewer of every region added so far."""

    def enrol(self, person: str, region: int, scheme: Scheme, coverage_from: dt.date, coverage_to: dt.date,
            filings: Sequence[Filing]) -> None:
        """Enrol an ACTIVE person with their cross-region filings."""

    def set_person_attributes(self, person: str, attributes: PersonAttributes) -> None:
        """Give a person's off-chain attributes (sex, birth date): screening only, never on chain."""

    def set_item_restriction(self, region: int, code: str, restriction: ItemRestriction) -> None:
        """Give a catalogue item's payment restriction (off-chain, screening only)."""

    # timeline steps -------------------------------------------------------------

    def submit_claim(self, claim: Claim) -> Decision:
        """Submit a claim as its institution; return the decision as made."""
        ...

    def review(
        self, claim: ClaimKey, reviewer: str, approve: bool, reason: str, evidence: str
    ) -> None:
        """A reviewer decides a FLAGGED or APPEALED claim."""

    def appeal(self, claim: ClaimKey) -> None:
        """The claim's institution appeals a reviewer's rejection."""

    def settle(self, institution: str) -> None:
        """Settle an institution's approved fund shares."""

    def clear(self, from_region: int, to_region: int, amount: int | None) -> None:
        """A home region pays what it owes a treating region (all when ``amount`` is None)."""

    def clawback(self, claim: ClaimKey, reason: str, evidence: str) -> None:
        """Claw back a settled claim (``reason`` a code, ``evidence`` hashed on chain)."""

    def freeze(self, institution: str) -> None:
        """Freeze an institution's payouts."""

    def unfreeze(self, institution: str) -> None:
        """Lift a freeze."""

    def set_grade(self, institution: str, grade: Grade) -> None:
        """Set an institution's credit grade."""

    def contribution(self, person: str, amount: int) -> None:
        """Credit a contribution to the person's home-region fund."""

    def person_status(self, person: str, status: PersonStatus, reason: int) -> None:
        """Change a person's status (with a reason code)."""

    def institution_status(
        self, institution: str, status: InstitutionStatus, reason: int
    ) -> None:
        """Change an institution's status (with a reason code)."""

    def filing(self, person: str, filing: Filing) -> None:
        """Add a cross-region filing for a person."""

    def precheck(self, claim: Claim, params: ScreeningParams) -> tuple[Decision, list[Lead[ClaimKey]]]:
        """Pre-check a claim (screening.md): the decision it would get if submitted now and the
        leads of the pre-check rules it would make with the live history (the candidate named
        by its own key). Nothing is recorded; a malformed claim is refused as
        :meth:`submit_claim` would refuse it."""
        ...

    def leads(self, params: ScreeningParams) -> list[Lead[ClaimKey]]:
        """Screen the live claims now (screening.md): institutions and people as the
        scenario's ids, claims by key."""
        ...

    # supervision (supervision.md) ------------------------------------------------------
    # Cases are named by the id :meth:`open_case` returned (1, 2, … in opening order).

    def set_supervision_params(self, region: int, params: SupervisionParams) -> None:
        """Set a region's supervision parameters (its regulator)."""

    def open_case(self, institution: str, claims: Sequence[ClaimKey], source: CaseSource, evidence: str,
                  by_region: int | None) -> int:
        """Open a case as the regulator of the institution's region (of ``by_region`` when given);
        return its id."""
        ...

    def add_finding(self, case: int, claims: Sequence[ClaimKey], code: str, evidence: str) -> None:
        """Record a finding on a case (the regulator)."""

    def decide(self, case: int, article: int, fine_bps: int, suspend_days: int) -> None:
        """Decide a case's penalty (the regulator)."""

    def contest(self, case: int, institution: str) -> None:
        """``institution`` (the case's) contests the decision."""

    def rule(self, case: int, reviewer: str, upheld: bool, fine_bps: int | None) -> None:
        """A reviewer rules on a contested case."""

    def finalize(self, case: int) -> None:
        """Execute a decided case (the regulator)."""

    def close_case(self, case: int) -> None:
        """Close an open case with no violation (the regulator)."""

    def pay_fine(self, institution: str, amount: int, reference: str) -> None:
        """Record a payment of an institution's fines (the regulator)."""

    def case_state(self, case: int) -> CaseFacts:
        """A case opened earlier, as it stands now."""
        ...

    def sanctions(self, institution: str, year: int) -> Sanctions:
        """An institution's fines now and its credit score for ``year``."""
        ...

    # final state ------------------------------------------------------------------

    def claim_state(self, claim: ClaimKey) -> Decision | None:
        """The stored claim as it stands now (None if none is stored)."""
        ...

    def fund_state(self, region: int) -> FundState:
        """A region's fund account now."""
        ...

    def institution_state(self, institution: str) -> InstitutionState:
        """An institution now."""
        ...

    def gas(self) -> GasFigures | None:
        """Gas spent so far, or None for an engine without gas (the model)."""
        ...

    def close(self) -> None:
        """Release what the engine started (a fast engine's anvils); nothing for the model."""
        ...



__all__ = ["CaseFacts", "Engine", "GasFigures", "Sanctions"]
