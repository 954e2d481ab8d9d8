"""The reference model as an :class:`~yibao.simulate.engine.Engine`."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Sequence

from yibao.model.ledger import ReferenceLedger
from yibao.model.screening import ItemRestriction, Lead, PersonAttributes, ScreeningParams
from yibao.model.screening_rules import (
    ScreeningFacts, ledger_claim_facts, ledger_facts, precheck_warnings, screen
)
from yibao.model.types import (
    CaseSource, CatalogueItem, Claim, ClaimKey, Decision, Filing, FundState, Grade, InstitutionState,
    InstitutionStatus, PersonStatus, PolicyVersion, Reason, Scheme, SupervisionParams
)
from yibao.simulate.engine import CaseFacts, GasFigures, Sanctions


class ModelEngine:
    """:class:`Engine` over the Python reference model (:class:`ReferenceLedger`)."""

    def __init__(self, ledger: ReferenceLedger | None = None) -> None:
        """Wrap ``ledger`` (a fresh one by default)."""
        self.ledger = ledger if ledger is not None else ReferenceLedger()
        self._today = dt.date(1970, 1, 1)
        self.attributes: dict[str, PersonAttributes] = {}
        self.restrictions: dict[tuple[int, str], ItemRestriction] = {}

    def set_today(self, today: dt.date) -> None:
        """Move the clock (the ledger refuses to go backwards at the next action)."""
        self._today = today

    def add_region(self, code: int, name: str, opening_balance: int) -> None:
        """See :meth:`Engine.add_region`."""
        self.ledger.add_region(code, name, opening_balance, today=self._today)

    def add_policy(self, policy: PolicyVersion) -> None:
        """See :meth:`Engine.add_policy`."""
        self.ledger.add_policy(policy, today=self._today)

    def add_items(self, region: int, items: Sequence[CatalogueItem]) -> None:
        """See :meth:`Engine.add_items`."""
        self.ledger.add_items(region, items, today=self._today)

    def add_institution(self, institution: str, region: int, level: int, grade: Grade) -> None:
        """See :meth:`Engine.add_institution`."""
        self.ledger.add_institution(institution, region, level, grade, today=self._today)

    def add_reviewer(self, reviewer: str) -> None:
        """See :meth:`Engine.add_reviewer`."""
        self.ledger.add_reviewer(reviewer, self.ledger.regions(), today=self._today)

    def enrol(self, person: str, region: int, scheme: Scheme, coverage_from: dt.date, coverage_to: dt.date,
            filings: Sequence[Filing]) -> None:
        """See :meth:`Engine.enrol`."""
        self.ledger.enrol(
            person, region, scheme, coverage_from, coverage_to, today=self._today, filings=filings
        )

    def set_person_attributes(self, person: str, attributes: PersonAttributes) -> None:
        """See :meth:`Engine.set_person_attributes` (kept beside the ledger, off-chain)."""
        self.attributes[person] = attributes

    def set_item_restriction(self, region: int, code: str, restriction: ItemRestriction) -> None:
        """See :meth:`Engine.set_item_restriction` (kept beside the ledger, off-chain)."""
        self.restrictions[(region, code)] = restriction

    def facts(self) -> ScreeningFacts[ClaimKey]:
        """What screening reads of the model now."""
        return ledger_facts(self.ledger, self.attributes, self.restrictions)

    def precheck(self, claim: Claim, params: ScreeningParams) -> tuple[Decision, list[Lead[ClaimKey]]]:
        """See :meth:`Engine.precheck`: the claim is decided on a copy of the ledger, which is
        then dropped, so nothing changes."""
        trial = copy.deepcopy(self.ledger)
        decision = trial.submit_claim(claim, today=self._today)
        candidate = ledger_claim_facts(trial, claim.key)
        if candidate is None or decision.reason is Reason.DUPLICATE:  # the stored claim is another
            return decision, []
        return decision, precheck_warnings(self.facts(), candidate, params)

    def leads(self, params: ScreeningParams) -> list[Lead[ClaimKey]]:
        """See :meth:`Engine.leads`."""
        return screen(self.facts(), params)

    def submit_claim(self, claim: Claim) -> Decision:
        """See :meth:`Engine.submit_claim`."""
        return self.ledger.submit_claim(claim, today=self._today)

    def review(
        self, claim: ClaimKey, reviewer: str, approve: bool, reason: str, evidence: str
    ) -> None:
        """See :meth:`Engine.review`."""
        self.ledger.review(
            claim, reviewer, approve, today=self._today, reason=reason, evidence=evidence
        )

    def appeal(self, claim: ClaimKey) -> None:
        """See :meth:`Engine.appeal`."""
        self.ledger.appeal(claim, today=self._today)

    def settle(self, institution: str) -> None:
        """See :meth:`Engine.settle`."""
        self.ledger.settle(institution, today=self._today)

    def clear(self, from_region: int, to_region: int, amount: int | None) -> None:
        """See :meth:`Engine.clear`."""
        self.ledger.clear(from_region, to_region, today=self._today, amount=amount)

    def clawback(self, claim: ClaimKey, reason: str, evidence: str) -> None:
        """See :meth:`Engine.clawback`."""
        self.ledger.clawback(claim, today=self._today, reason=reason, evidence=evidence)

    def freeze(self, institution: str) -> None:
        """See :meth:`Engine.freeze`."""
        self.ledger.freeze(institution, today=self._today)

    def unfreeze(self, institution: str) -> None:
        """See :meth:`Engine.unfreeze`."""
        self.ledger.unfreeze(institution, today=self._today)

    def set_grade(self, institution: str, grade: Grade) -> None:
        """See :meth:`Engine.set_grade`."""
        self.ledger.set_grade(institution, grade, today=self._today)

    def contribution(self, person: str, amount: int) -> None:
        """See :meth:`Engine.contribution`."""
        self.ledger.contribution(person, amount, today=self._today)

    def person_status(self, person: str, status: PersonStatus, reason: int) -> None:
        """See :meth:`Engine.person_status`."""
        self.ledger.person_status(person, status, today=self._today, reason_code=reason)

    def institution_status(
        self, institution: str, status: InstitutionStatus, reason: int
    ) -> None:
        """See :meth:`Engine.institution_status`."""
        self.ledger.institution_status(
            institution, status, today=self._today, reason_code=reason
        )

    def filing(self, person: str, filing: Filing) -> None:
        """See :meth:`Engine.filing`."""
        self.ledger.filing(person, filing, today=self._today)

    # ------------------------------------------------------------------ supervision

    def set_supervision_params(self, region: int, params: SupervisionParams) -> None:
        """See :meth:`Engine.set_supervision_params`."""
        self.ledger.set_supervision_params(region, params, today=self._today)

    def open_case(self, institution: str, claims: Sequence[ClaimKey], source: CaseSource, evidence: str,
                  by_region: int | None) -> int:
        """See :meth:`Engine.open_case`."""
        return self.ledger.open_case(institution, claims, source, today=self._today, evidence=evidence,
                                     by_region=by_region)

    def add_finding(self, case: int, claims: Sequence[ClaimKey], code: str, evidence: str) -> None:
        """See :meth:`Engine.add_finding`."""
        self.ledger.add_finding(case, claims, code, today=self._today, evidence=evidence)

    def decide(self, case: int, article: int, fine_bps: int, suspend_days: int) -> None:
        """See :meth:`Engine.decide`."""
        self.ledger.decide(case, article, fine_bps, suspend_days, today=self._today)

    def contest(self, case: int, institution: str) -> None:
        """See :meth:`Engine.contest`."""
        self.ledger.contest(case, institution, today=self._today)

    def rule(self, case: int, reviewer: str, upheld: bool, fine_bps: int | None) -> None:
        """See :meth:`Engine.rule`."""
        self.ledger.rule(case, reviewer, upheld, today=self._today, fine_bps=fine_bps)

    def finalize(self, case: int) -> None:
        """See :meth:`Engine.finalize`."""
        self.ledger.finalize(case, today=self._today)

    def close_case(self, case: int) -> None:
        """See :meth:`Engine.close_case`."""
        self.ledger.close_case(case, today=self._today)

    def pay_fine(self, institution: str, amount: int, reference: str) -> None:
        """See :meth:`Engine.pay_fine`."""
        self.ledger.pay_fine(institution, amount, today=self._today, reference=reference)

    def case_state(self, case: int) -> CaseFacts:
        """See :meth:`Engine.case_state`."""
        view = self.ledger.case(case)
        assert view is not None, f"case {case} was never opened"
        return CaseFacts(view.status, view.outcome, view.found, view.decided_on is not None, view.loss, view.fine)

    def sanctions(self, institution: str, year: int) -> Sanctions:
        """See :meth:`Engine.sanctions`."""
        owed, paid, _ = self.ledger.fines(institution)
        return Sanctions(owed, paid, self.ledger.credit_score(institution, year))

    # ------------------------------------------------------------------ final state

    def claim_state(self, claim: ClaimKey) -> Decision | None:
        """See :meth:`Engine.claim_state`."""
        return self.ledger.claim(claim)

    def fund_state(self, region: int) -> FundState:
        """See :meth:`Engine.fund_state`."""
        return self.ledger.fund(region)

    def institution_state(self, institution: str) -> InstitutionState:
        """See :meth:`Engine.institution_state`."""
        return self.ledger.institution(institution)

    def gas(self) -> GasFigures | None:
        """The model spends no gas."""
        return None

    def close(self) -> None:
        """The model started nothing."""




__all__ = ["ModelEngine"]
