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

import dataclasses
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

from yibao.errors import OperationRefused
from yibao.memory import no_collection
from yibao.model.screening import Lead, lead_document, sort_leads
from yibao.model.types import (
    CaseOutcome, CaseSource, CatalogueItem, Claim, ClaimKey, Decision, FundState, Grade,
    InstitutionState, InstitutionStatus, PersonStatus, Reason, Scheme, CLAIM_CHECK_REASONS, ALERT_REASONS,
    VOID_STATUSES, flag_names, note_names
)
from yibao.simulate.scenario import CASE_STEP_KINDS, ClaimIn, OpenCaseIn, Scenario, Step
from yibao.simulate.engine import CaseFacts, Engine, Sanctions


def claim_document(decision: Decision) -> dict[str, Any]:
    """A claim's entry in the output document (scenario.md, docs/decisions.md).

    REJECTED and CLAWED_BACK claims show eligible, deductible and fund as 0 and
    ``patient == billed``; a claim rejected by a claim check shows no lines.
    """
    void = decision.status in VOID_STATUSES
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
    return dataclasses.asdict(f)


def _institution_document(i: InstitutionState, sanctions: Sanctions | None) -> dict[str, Any]:
    """An institution's entry; with supervision (``sanctions`` given) also its status, fines and
    credit score (supervision.md §In a scenario)."""
    doc: dict[str, Any] = {
        "payable": i.payable,
        "paid": i.paid,
        "debt": i.debt,
        "frozen": i.frozen,
        "grade": i.grade.name,
    }
    if sanctions is not None:
        doc.update(status=i.status.name, fines_owed=sanctions.fines_owed, fines_paid=sanctions.fines_paid,
                   score=sanctions.score)
    return doc


def case_document(case: CaseFacts, names: dict[ClaimKey, str]) -> dict[str, Any]:
    """A case's entry: ``outcome`` null until it is closed, ``found`` the scenario's claim ids
    sorted, ``loss`` and ``fine`` 0 for a case never decided."""
    return {
        "status": case.status.name,
        "outcome": None if case.outcome is CaseOutcome.NONE else case.outcome.name,
        "found": sorted(names[k] for k in case.found),
        "loss": case.loss if case.decided else 0,
        "fine": case.fine if case.decided else 0,
    }


def last_day(scenario: Scenario) -> dt.date:
    """The timeline's last day (``start`` for an empty timeline): the year of the credit scores."""
    return scenario.timeline[-1].at if scenario.timeline else scenario.start


def setup_day(scenario: Scenario) -> dt.date:
    """The day the set-up is played: ``start``, or the first policy version's
    ``effective_from`` if that is earlier. A policy version never starts before the chain's
    today (adjudication.md v1.1), so a world whose rules were already in force before
    ``start`` is set up on the day they came into force (docs/decisions.md)."""
    return min([scenario.start, *(p.effective_from for p in scenario.policies)])


def setup_world(scenario: Scenario, engine: Engine) -> None:
    """Play the setup sections, in file order, on the set-up day (:func:`setup_day`)."""
    engine.set_today(setup_day(scenario))
    for region in scenario.regions:
        engine.add_region(region.code, region.name, region.fund)
    if scenario.supervision is not None:
        params = scenario.supervision.to_model()
        for region in scenario.regions:
            engine.set_supervision_params(region.code, params)
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
    _setup_screening(scenario, engine)


def _setup_screening(scenario: Scenario, engine: Engine) -> None:
    """The off-chain facts of screening: person attributes and item restrictions, each only
    where the scenario gives one (an engine without them plays other scenarios)."""
    for person in scenario.people:
        attributes = person.attributes()
        if attributes.sex is not None or attributes.birth_date is not None:
            engine.set_person_attributes(person.id, attributes)
    for item in scenario.catalogue:
        restriction = item.restriction()
        if not restriction.empty:
            engine.set_item_restriction(item.region, item.code, restriction)


def _action(step: Step, engine: Engine, keys: dict[str, ClaimKey]) -> Callable[[], object]:
    """The engine call a non-claim step makes (claims are handled by the runner)."""
    kind, body = step.kind, getattr(step, step.kind)
    claim_steps: dict[str, Callable[[ClaimKey], None]] = {"appeal": engine.appeal}
    institution_steps: dict[str, Callable[[str], None]] = {
        "settle": engine.settle, "freeze": engine.freeze, "unfreeze": engine.unfreeze}
    if kind in claim_steps:
        key = keys[body.claim]
        return lambda: claim_steps[kind](key)
    if kind in institution_steps:
        return lambda: institution_steps[kind](body.institution)
    if step.review is not None:
        r = step.review
        return lambda: engine.review(keys[r.claim], r.reviewer, r.decision == "approve", r.reason, r.evidence)
    if step.clawback is not None:
        cb = step.clawback
        return lambda: engine.clawback(keys[cb.claim], cb.reason, cb.evidence)
    if step.clear is not None:
        c = step.clear
        return lambda: engine.clear(c.from_, c.to, c.amount)
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
        return lambda: engine.institution_status(st.institution, InstitutionStatus[st.status], st.reason)
    if step.filing is not None:
        fl = step.filing
        return lambda: engine.filing(fl.person, fl.to_model())
    raise AssertionError(f"unhandled step kind {step.kind}")  # pragma: no cover


def _case_action(step: Step, engine: Engine, keys: dict[str, ClaimKey], case: int) -> Callable[[], object]:
    """The engine call of a supervision step on an opened case (``case``: its engine id)."""
    if step.finding is not None:
        f = step.finding
        return lambda: engine.add_finding(case, [keys[c] for c in f.claims], f.code, f.evidence)
    if step.decide is not None:
        d = step.decide
        return lambda: engine.decide(case, d.article, d.fine_bps, d.suspend_days)
    if step.ruling is not None:
        r = step.ruling
        return lambda: engine.rule(case, r.reviewer, r.upheld, r.fine_bps)
    if step.finalize is not None:
        return lambda: engine.finalize(case)
    if step.close is not None:
        return lambda: engine.close_case(case)
    raise AssertionError(f"unhandled case step {step.kind}")  # pragma: no cover


class _Play:
    """The runner's record of the timeline: claim keys, what was submitted, alerts, pre-checks."""

    def __init__(self, scenario: Scenario, engine: Engine) -> None:
        self.scenario, self.engine = scenario, engine
        self.keys: dict[str, ClaimKey] = {}
        # scenario claim id → the DUPLICATE decision it got, or None: read its final state
        self.submitted: dict[str, Decision | None] = {}
        self.names: dict[ClaimKey, str] = {}  # stored claim → its scenario id
        self.alerts: list[dict[str, str]] = []
        self.prechecks: dict[str, Any] = {}
        self.cases: dict[str, tuple[int, str]] = {}  # opened case → (engine id, institution)

    def step(self, step: Step) -> None:
        """Play one step (a refusal propagates)."""
        if step.claim is not None:
            self.claim(step.claim)
        elif step.precheck is not None:
            self.precheck(step.precheck)
        elif step.kind in CASE_STEP_KINDS:
            self.case_step(step)
        else:
            _action(step, self.engine, self.keys)()

    def case_step(self, step: Step) -> None:
        """A supervision step. A step on a case whose ``open_case`` was refused is refused here,
        ``CaseUnknown``, without asking the engine (no engine ever knew the case)."""
        if step.open_case is not None:
            self.open_case(step.open_case)
            return
        if step.pay_fine is not None:
            p = step.pay_fine
            self.engine.pay_fine(p.institution, p.amount, p.reference)
            return
        name = getattr(step, step.kind).case
        if name not in self.cases:
            raise OperationRefused("CaseUnknown", (name,))
        case, institution = self.cases[name]
        if step.contest is not None:
            self.engine.contest(case, institution)
        else:
            _case_action(step, self.engine, self.keys, case)()

    def open_case(self, o: OpenCaseIn) -> None:
        claims = [self.keys[c] for c in o.claims]
        case = self.engine.open_case(o.institution, claims, CaseSource[o.source], o.evidence, o.by_region)
        self.cases[o.id] = (case, o.institution)

    def case_documents(self) -> dict[str, Any]:
        """Every opened case, in opening order."""
        return {name: case_document(self.engine.case_state(case), self.names)
                for name, (case, _) in self.cases.items()}

    def claim(self, c: ClaimIn) -> None:
        self.keys[c.id] = c.key
        decision = self.engine.submit_claim(c.to_model())
        duplicate = decision.reason is Reason.DUPLICATE
        self.submitted[c.id] = decision if duplicate else None
        if not duplicate:
            self.names.setdefault(c.key, c.id)
        self.alerts += [{"kind": kind, "claim": c.id} for kind in _alerts(decision)]

    def precheck(self, c: ClaimIn) -> None:
        decision, warnings = self.engine.precheck(c.to_model(), self.scenario.screening)
        named = self.named(warnings, {c.key: c.id})
        self.prechecks[c.id] = {**claim_document(decision), "warnings": named}

    def named(self, leads: list[Lead[ClaimKey]], extra: dict[ClaimKey, str] | None = None) -> list[dict[str, Any]]:
        """Leads as the output prints them: claims by the scenario's ids, sorted."""
        names = {**self.names, **(extra or {})}
        out = [Lead(x.rule, x.severity, x.institution, x.person, tuple(names[k] for k in x.claims), x.amount)
               for x in leads]
        return [lead_document(x) for x in sort_leads(out)]

    def claims(self) -> dict[str, Any]:
        claims: dict[str, Any] = {}
        for claim_id, duplicate in self.submitted.items():
            final = duplicate if duplicate is not None else self.engine.claim_state(self.keys[claim_id])
            if final is not None:
                claims[claim_id] = claim_document(final)
        return claims


def run_scenario(scenario: Scenario, engine: Engine,
                 progress: Callable[[int, int], None] | None = None, *, screen: bool = False) -> dict[str, Any]:
    """Play ``scenario`` through ``engine`` and return the output document of scenario.md.

    The setup is played at ``start`` (a refusal there is raised: a valid scenario sets
    up cleanly); then each timeline step at its ``at`` day. A refused step is reported
    ``ok: false`` with the error's name and the run goes on. ``gas`` appears only when
    the engine reports gas. ``progress(done, total)``, when given, is called after each
    timeline step (it changes nothing in the document). ``prechecks`` appears when the
    scenario has precheck steps; with ``screen``, ``leads`` holds what screening finds at
    the end of the timeline (screening.md). A scenario that uses supervision
    (:attr:`Scenario.uses_supervision`) gets ``cases`` and, per institution, its status, fines
    and credit score for the year of :func:`last_day` (supervision.md).
    """
    setup_world(scenario, engine)
    play = _Play(scenario, engine)
    steps: list[dict[str, Any]] = []
    for step in scenario.timeline:
        engine.set_today(step.at)
        error: str | None = None
        try:
            play.step(step)
        except OperationRefused as refusal:
            error = refusal.name
        steps.append(
            {"at": step.at.isoformat(), "kind": step.kind, "ok": error is None, "error": error}
        )
        if progress is not None:
            progress(len(steps), len(scenario.timeline))

    year = last_day(scenario).year
    sanctions = {i.id: engine.sanctions(i.id, year) for i in scenario.institutions} if scenario.uses_supervision else {}
    document: dict[str, Any] = {
        "claims": play.claims(),
        "steps": steps,
        "funds": {str(r.code): _fund_document(engine.fund_state(r.code)) for r in scenario.regions},
        "institutions": {
            i.id: _institution_document(engine.institution_state(i.id), sanctions.get(i.id))
            for i in scenario.institutions
        },
        "alerts": play.alerts,
    }
    if any(step.precheck is not None for step in scenario.timeline):
        document["prechecks"] = play.prechecks
    if scenario.uses_supervision:
        document["cases"] = play.case_documents()
    if screen:
        document["leads"] = play.named(engine.leads(scenario.screening))
    gas = engine.gas()
    if gas is not None:
        mean = gas.claims_total // gas.claims if gas.claims else 0
        document["gas"] = {"total": gas.total, "per_claim_mean": mean}
    return document


# ---------------------------------------------------------------------- a lean play (基金测算 at city scale)

LEAN_PROGRESS_EVERY = 10_000
""":func:`play_lean` reports progress after every this many steps (and after the last)."""


@dataclass(frozen=True, slots=True)
class ClaimStep:
    """A claim step of a lean play, already the model's :class:`~yibao.model.types.Claim`: its day,
    its scenario id and the claim (a generated city makes these directly: a million validated
    :class:`ClaimIn` would take longer than playing them)."""

    at: dt.date
    id: str
    claim: Claim


LeanStep: TypeAlias = "Step | ClaimStep"
"""A step of a lean play: a scenario step, or a claim step already in the model's terms."""


def lean_steps(scenario: Scenario) -> list[LeanStep]:
    """The scenario's timeline with each claim step as a :class:`ClaimStep`."""
    return [step if step.claim is None else ClaimStep(step.at, step.claim.id, step.claim.to_model())
            for step in scenario.timeline]


@dataclass(frozen=True, slots=True)
class LeanClaim:
    """A claim of a lean run: its scenario id, the claim that first gave that id, and its final
    decision as the output document would show it (the DUPLICATE decision of a rejected repeat,
    else the stored claim as it stands at the end)."""

    id: str
    claim: Claim
    decision: Decision


@dataclass(frozen=True)
class LeanRun:
    """What :func:`play_lean` keeps of a run: the document's figures without its per-claim entries."""

    claims: list[LeanClaim]
    """One per claim id that has a final state, in the order of the document's ``claims``."""
    steps: int
    refused: dict[str, int]
    """Refused steps by error name (ordered by first refusal)."""
    funds: dict[str, FundState]
    """Each region's fund at the end, by region code as text (the document's ``funds``)."""


def play_lean(scenario: Scenario, engine: Engine, progress: Callable[[int, int], None] | None = None, *,
              steps: Sequence[LeanStep] | None = None) -> LeanRun:
    """Play ``scenario`` as :func:`run_scenario` does (the same set-up, the same steps on the same
    days, the same final states), keeping only what a summary needs: no per-claim document, no
    alerts, no per-step entries (a city's year is a million claims). ``steps`` replaces the
    scenario's timeline when given (:func:`lean_steps` of it by default): a caller that plays one
    timeline twice converts it once. ``progress(done, total)`` is called every
    :data:`LEAN_PROGRESS_EVERY` steps and after the last.
    """
    timeline = lean_steps(scenario) if steps is None else steps
    with no_collection():  # the model keeps every claim alive: collections would walk them all, again and again
        return _play_lean(scenario, engine, progress, timeline)


def _play_lean(scenario: Scenario, engine: Engine, progress: Callable[[int, int], None] | None,
               timeline: Sequence[LeanStep]) -> LeanRun:
    setup_world(scenario, engine)
    play = _Play(scenario, engine)
    keys, submitted, names = play.keys, play.submitted, play.names
    first: dict[str, Claim] = {}
    refused: dict[str, int] = {}
    total = len(timeline)
    today: dt.date | None = None
    duplicate = Reason.DUPLICATE
    for index, step in enumerate(timeline, start=1):
        if step.at != today:
            today = step.at
            engine.set_today(today)
        try:
            if isinstance(step, ClaimStep):
                claim = step.claim
                key = keys[step.id] = claim.key
                first.setdefault(step.id, claim)
                decision = engine.submit_claim(claim)
                if decision.reason is duplicate:
                    submitted[step.id] = decision
                else:
                    submitted[step.id] = None
                    names.setdefault(key, step.id)
            else:
                play.step(step)
        except OperationRefused as refusal:
            refused[refusal.name] = refused.get(refusal.name, 0) + 1
        if progress is not None and (index % LEAN_PROGRESS_EVERY == 0 or index == total):
            progress(index, total)
    finals: list[LeanClaim] = []
    for claim_id, repeat in submitted.items():
        final = repeat if repeat is not None else engine.claim_state(keys[claim_id])
        if final is not None:
            finals.append(LeanClaim(claim_id, first[claim_id], final))
    funds = {str(r.code): engine.fund_state(r.code) for r in scenario.regions}
    return LeanRun(finals, total, refused, funds)


__all__ = [
    "LEAN_PROGRESS_EVERY",
    "ClaimStep",
    "LeanClaim",
    "LeanRun",
    "LeanStep",
    "case_document",
    "claim_document",
    "last_day",
    "lean_steps",
    "play_lean",
    "run_scenario",
    "setup_day",
    "setup_world",
]
