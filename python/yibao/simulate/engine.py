"""The engine-neutral scenario runner behind ``yibao simulate``.

:func:`run_scenario` plays a :class:`~yibao.simulate.scenario.Scenario` through an
:class:`Engine` and builds the output document of scenario.md. An engine only carries
out actions and reports raw facts (decisions, statuses, fund figures); every choice
about the report (what a rejected claim shows, alert order, key order) is made here,
so the reference model (:class:`ModelEngine`) and the contracts produce byte-identical
JSON for the same scenario.

Engines name things by the scenario file's own ids (``"H1"``, ``"P1"``, ``"R1"``) and
identify claims by :class:`~yibao.model.types.ClaimKey` (institution id + invoice
number); mapping them to accounts, pseudonyms and claim ids is the engine's business.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from yibao.errors import OperationRefused
from yibao.model.ledger import ReferenceLedger
from yibao.model.types import (
    CatalogueItem,
    Claim,
    ClaimKey,
    ClaimStatus,
    Decision,
    Filing,
    FundState,
    Grade,
    InstitutionState,
    InstitutionStatus,
    PersonStatus,
    PolicyVersion,
    Reason,
    Scheme,
    CLAIM_CHECK_REASONS,
    ALERT_REASONS,
    flag_names,
    note_names,
)
from yibao.simulate.scenario import Scenario, Step

@dataclass(frozen=True)
class GasFigures:
    """Gas an engine spent: in all, and on claim submissions (``claims`` of them)."""

    total: int
    claims_total: int
    claims: int


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

    def enrol(
        self,
        person: str,
        region: int,
        scheme: Scheme,
        coverage_from: dt.date,
        coverage_to: dt.date,
        filings: Sequence[Filing],
    ) -> None:
        """Enrol an ACTIVE person with their cross-region filings."""

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

    def clawback(self, claim: ClaimKey) -> None:
        """Claw back a settled claim."""

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


class ModelEngine:
    """:class:`Engine` over the Python reference model (:class:`ReferenceLedger`)."""

    def __init__(self, ledger: ReferenceLedger | None = None) -> None:
        """Wrap ``ledger`` (a fresh one by default)."""
        self.ledger = ledger if ledger is not None else ReferenceLedger()
        self._today = dt.date(1970, 1, 1)

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

    def enrol(
        self,
        person: str,
        region: int,
        scheme: Scheme,
        coverage_from: dt.date,
        coverage_to: dt.date,
        filings: Sequence[Filing],
    ) -> None:
        """See :meth:`Engine.enrol`."""
        self.ledger.enrol(
            person, region, scheme, coverage_from, coverage_to, today=self._today, filings=filings
        )

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

    def clawback(self, claim: ClaimKey) -> None:
        """See :meth:`Engine.clawback`."""
        self.ledger.clawback(claim, today=self._today)

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


# ---------------------------------------------------------------------------
# the runner
# ---------------------------------------------------------------------------


def claim_document(decision: Decision) -> dict[str, Any]:
    """A claim's entry in the output document (scenario.md, docs/decisions.md).

    REJECTED and CLAWED_BACK claims show eligible, deductible and fund as 0 and
    ``patient == billed``; a claim rejected by a claim check shows no lines.
    """
    void = decision.status in (ClaimStatus.REJECTED, ClaimStatus.CLAWED_BACK)
    fund = 0 if void else decision.fund
    lines = [] if decision.reason in CLAIM_CHECK_REASONS else decision.lines
    return {
        "status": decision.status.name,
        "reason": None if decision.reason is Reason.NONE else decision.reason.name,
        "flags": flag_names(decision.flags),
        "billed": decision.billed,
        "eligible": 0 if void else decision.eligible,
        "deductible": 0 if void else decision.deductible,
        "fund": fund,
        "patient": decision.billed - fund,
        "lines": [
            {"code": line.code, "eligible": line.eligible, "notes": note_names(line.notes)}
            for line in lines
        ],
    }


def _alerts(decision: Decision) -> list[str]:
    """Alert kinds a decision raises, in order: rejection first, then flags in flag order."""
    kinds = [decision.reason.name] if decision.reason in ALERT_REASONS else []
    return kinds + flag_names(decision.flags)


def _fund_document(f: FundState) -> dict[str, int]:
    return {
        "balance": f.balance,
        "contributions": f.contributions,
        "settled": f.settled,
        "clearing_in": f.clearing_in,
        "clearing_out": f.clearing_out,
        "recovered": f.recovered,
    }


def _institution_document(i: InstitutionState) -> dict[str, Any]:
    return {
        "payable": i.payable,
        "paid": i.paid,
        "debt": i.debt,
        "frozen": i.frozen,
        "grade": i.grade.name,
    }


def _setup(scenario: Scenario, engine: Engine) -> None:
    """Play the setup sections, in file order, on the ``start`` day."""
    engine.set_today(scenario.start)
    for region in scenario.regions:
        engine.add_region(region.code, region.name, region.fund)
    for policy in scenario.policies:
        engine.add_policy(policy.to_model())
    by_region: dict[int, list[CatalogueItem]] = {}
    for item in scenario.catalogue:
        by_region.setdefault(item.region, []).append(item.to_model())
    for code, items in by_region.items():
        engine.add_items(code, items)
    for inst in scenario.institutions:
        engine.add_institution(inst.id, inst.region, inst.level, Grade[inst.grade])
    for reviewer in scenario.reviewers:
        engine.add_reviewer(reviewer)
    for person in scenario.people:
        engine.enrol(
            person.id,
            person.region,
            Scheme[person.scheme],
            person.coverage_from,
            person.coverage_to,
            [f.to_model() for f in person.filings],
        )


def _action(step: Step, engine: Engine, keys: dict[str, ClaimKey]) -> Callable[[], object]:
    """The engine call a non-claim step makes (claims are handled by the runner)."""
    if step.review is not None:
        r = step.review
        return lambda: engine.review(
            keys[r.claim], r.reviewer, r.decision == "approve", r.reason, r.evidence
        )
    if step.appeal is not None:
        key = keys[step.appeal.claim]
        return lambda: engine.appeal(key)
    if step.clawback is not None:
        key = keys[step.clawback.claim]
        return lambda: engine.clawback(key)
    if step.settle is not None:
        name = step.settle.institution
        return lambda: engine.settle(name)
    if step.clear is not None:
        c = step.clear
        return lambda: engine.clear(c.from_, c.to, c.amount)
    if step.freeze is not None:
        name = step.freeze.institution
        return lambda: engine.freeze(name)
    if step.unfreeze is not None:
        name = step.unfreeze.institution
        return lambda: engine.unfreeze(name)
    if step.set_grade is not None:
        g = step.set_grade
        return lambda: engine.set_grade(g.institution, Grade[g.grade])
    if step.contribution is not None:
        ct = step.contribution
        return lambda: engine.contribution(ct.person, ct.amount)
    if step.person_status is not None:
        ps = step.person_status
        return lambda: engine.person_status(ps.person, PersonStatus[ps.status], ps.reason)
    if step.institution_status is not None:
        st = step.institution_status
        return lambda: engine.institution_status(
            st.institution, InstitutionStatus[st.status], st.reason
        )
    if step.filing is not None:
        fl = step.filing
        return lambda: engine.filing(fl.person, fl.to_model())
    raise AssertionError(f"unhandled step kind {step.kind}")  # pragma: no cover


def run_scenario(scenario: Scenario, engine: Engine) -> dict[str, Any]:
    """Play ``scenario`` through ``engine`` and return the output document of scenario.md.

    The setup is played at ``start`` (a refusal there is raised: a valid scenario sets
    up cleanly); then each timeline step at its ``at`` day. A refused step is reported
    ``ok: false`` with the error's name and the run goes on. ``gas`` appears only when
    the engine reports gas.
    """
    _setup(scenario, engine)
    keys: dict[str, ClaimKey] = {}
    # scenario claim id → the DUPLICATE decision it got, or None: read its final state
    submitted: dict[str, Decision | None] = {}
    steps: list[dict[str, Any]] = []
    alerts: list[dict[str, str]] = []
    for step in scenario.timeline:
        engine.set_today(step.at)
        error: str | None = None
        try:
            if step.claim is not None:
                c = step.claim
                keys[c.id] = c.key
                decision = engine.submit_claim(c.to_model())
                submitted[c.id] = decision if decision.reason is Reason.DUPLICATE else None
                alerts += [{"kind": kind, "claim": c.id} for kind in _alerts(decision)]
            else:
                _action(step, engine, keys)()
        except OperationRefused as refusal:
            error = refusal.name
        steps.append(
            {"at": step.at.isoformat(), "kind": step.kind, "ok": error is None, "error": error}
        )

    claims: dict[str, Any] = {}
    for claim_id, duplicate in submitted.items():
        final = duplicate if duplicate is not None else engine.claim_state(keys[claim_id])
        if final is not None:
            claims[claim_id] = claim_document(final)
    document: dict[str, Any] = {
        "claims": claims,
        "steps": steps,
        "funds": {str(r.code): _fund_document(engine.fund_state(r.code)) for r in scenario.regions},
        "institutions": {
            i.id: _institution_document(engine.institution_state(i.id))
            for i in scenario.institutions
        },
        "alerts": alerts,
    }
    gas = engine.gas()
    if gas is not None:
        mean = gas.claims_total // gas.claims if gas.claims else 0
        document["gas"] = {"total": gas.total, "per_claim_mean": mean}
    return document
