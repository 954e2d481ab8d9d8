"""Cross-reference checks of a scenario: ids unique, references known, the timeline in order.

Claims and cases are known from the step that defines them on (a claim step, an ``open_case``
step, whether or not the run then refuses it).

:func:`check_references` returns the first problem as ``path: message`` (e.g.
``timeline[3].claim.institution: unknown institution 'H9'``), or None.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from yibao.simulate.scenario import Scenario, Step

CASE_STEP_KINDS = frozenset({"open_case", "finding", "decide", "contest", "ruling", "finalize", "close", "pay_fine"})
"""The supervision steps (the same set as :data:`yibao.simulate.scenario.CASE_STEP_KINDS`, which
imports this module)."""

class _Known:
    """The ids declared in a scenario's setup, and the claims seen so far in its timeline."""

    def __init__(self) -> None:
        self.regions: set[int] = set()
        self.institutions: set[str] = set()
        self.reviewers: set[str] = set()
        self.people: dict[str, int] = {}  # id -> home region
        self.claims: set[str] = set()
        self.prechecks: set[str] = set()
        self.cases: set[str] = set()

    def region(self, path: str, code: int) -> str | None:
        return None if code in self.regions else f"{path}: unknown region {code}"


def _known(path: str, what: str, value: str, names: set[str] | dict[str, int]) -> str | None:
    return None if value in names else f"{path}: unknown {what} '{value}'"


def _first(problems: Iterable[str | None]) -> str | None:
    return next((p for p in problems if p is not None), None)


def _check_rule_base(s: Scenario, k: _Known) -> str | None:
    """Regions unique; policies in date order per region × scheme; catalogue codes unique."""
    for i, r in enumerate(s.regions):
        if r.code in k.regions:
            return f"regions[{i}].code: duplicate region {r.code}"
        k.regions.add(r.code)
    latest: dict[tuple[int, str], dt.date] = {}
    for i, p in enumerate(s.policies):
        if (e := k.region(f"policies[{i}].region", p.region)) is not None:
            return e
        prev = latest.get((p.region, p.scheme))
        if prev is not None and p.effective_from <= prev:
            return (
                f"policies[{i}].effective_from: not after the previous version "
                f"{prev.isoformat()} of {p.region} {p.scheme}"
            )
        latest[(p.region, p.scheme)] = p.effective_from
    codes: set[tuple[int, str]] = set()
    for i, item in enumerate(s.catalogue):
        if (e := k.region(f"catalogue[{i}].region", item.region)) is not None:
            return e
        if (item.region, item.code) in codes:
            return f"catalogue[{i}].code: duplicate item '{item.code}' in region {item.region}"
        codes.add((item.region, item.code))
    return None


def _check_parties(s: Scenario, k: _Known) -> str | None:
    """Institutions, reviewers and people unique, in known regions; filings away from home."""
    for i, inst in enumerate(s.institutions):
        if inst.id in k.institutions:
            return f"institutions[{i}].id: duplicate institution '{inst.id}'"
        if (e := k.region(f"institutions[{i}].region", inst.region)) is not None:
            return e
        k.institutions.add(inst.id)
    for i, rev in enumerate(s.reviewers):
        if rev in k.reviewers:
            return f"reviewers[{i}]: duplicate reviewer '{rev}'"
        k.reviewers.add(rev)
    for i, person in enumerate(s.people):
        if person.id in k.people:
            return f"people[{i}].id: duplicate person '{person.id}'"
        if (e := k.region(f"people[{i}].region", person.region)) is not None:
            return e
        for j, f in enumerate(person.filings):
            if (e := k.region(f"people[{i}].filings[{j}].region", f.region)) is not None:
                return e
            if f.region == person.region:
                return f"people[{i}].filings[{j}].region: {f.region} is the person's home region"
        k.people[person.id] = person.region
    return None


def _claims_known(path: str, claims: list[str], k: _Known) -> str | None:
    return _first(_known(f"{path}[{j}]", "claim", c, k.claims) for j, c in enumerate(claims))


def _check_case_step(step: Step, path: str, k: _Known) -> str | None:
    """The references of a supervision step (an opened case's id is recorded as seen)."""
    if step.open_case is not None:
        o = step.open_case
        if o.id in k.cases:
            return f"{path}.id: duplicate case '{o.id}'"
        k.cases.add(o.id)
        by_region = None if o.by_region is None else k.region(f"{path}.by_region", o.by_region)
        return _first([
            _known(f"{path}.institution", "institution", o.institution, k.institutions),
            _claims_known(f"{path}.claims", o.claims, k), by_region,
        ])
    if step.pay_fine is not None:
        return _known(f"{path}.institution", "institution", step.pay_fine.institution, k.institutions)
    ref = step.finding or step.decide or step.contest or step.ruling or step.finalize or step.close
    assert ref is not None
    case = _known(f"{path}.case", "case", ref.case, k.cases)
    if step.finding is not None:
        return case or _claims_known(f"{path}.claims", step.finding.claims, k)
    if step.ruling is not None:
        return case or _known(f"{path}.reviewer", "reviewer", step.ruling.reviewer, k.reviewers)
    return case


def _check_step(step: Step, path: str, k: _Known) -> str | None:
    """The references of one timeline step (a claim's id is recorded as seen)."""
    if step.kind in CASE_STEP_KINDS:
        return _check_case_step(step, path, k)
    c = step.claim or step.precheck
    if c is not None:
        if c.id in k.claims:
            return f"{path}.id: duplicate claim '{c.id}'"
        if c.id in k.prechecks:
            return f"{path}.id: '{c.id}' is already a precheck id"
        (k.claims if step.claim is not None else k.prechecks).add(c.id)
        return _first([
            _known(f"{path}.institution", "institution", c.institution, k.institutions),
            _known(f"{path}.person", "person", c.person, k.people),
        ])
    if step.review is not None:
        return _first([
            _known(f"{path}.claim", "claim", step.review.claim, k.claims),
            _known(f"{path}.reviewer", "reviewer", step.review.reviewer, k.reviewers),
        ])
    ref = step.appeal or step.clawback
    if ref is not None:
        return _known(f"{path}.claim", "claim", ref.claim, k.claims)
    if step.clear is not None:
        return _first([k.region(f"{path}.from", step.clear.from_), k.region(f"{path}.to", step.clear.to)])
    person = step.contribution or step.person_status
    if person is not None:
        return _known(f"{path}.person", "person", person.person, k.people)
    if step.filing is not None:
        fl = step.filing
        at_home = k.people.get(fl.person) == fl.region
        home = f"{path}.region: {fl.region} is the person's home region" if at_home else None
        return _first([_known(f"{path}.person", "person", fl.person, k.people),
                       k.region(f"{path}.region", fl.region), home])
    target = step.settle or step.freeze or step.unfreeze or step.set_grade or step.institution_status
    assert target is not None
    return _known(f"{path}.institution", "institution", target.institution, k.institutions)


def check_references(s: Scenario) -> str | None:
    """The first cross-reference problem as ``path: message``, or None."""
    k = _Known()
    problem = _check_rule_base(s, k) or _check_parties(s, k)
    if problem is not None:
        return problem
    previous = s.start
    for i, step in enumerate(s.timeline):
        at = f"timeline[{i}]"
        if step.at < s.start:
            return f"{at}.at: {step.at.isoformat()} is before start {s.start.isoformat()}"
        if step.at < previous:
            return f"{at}.at: {step.at.isoformat()} is before the previous step's {previous}"
        previous = step.at
        if (problem := _check_step(step, f"{at}.{step.kind}", k)) is not None:
            return problem
    return None


__all__ = ["CASE_STEP_KINDS", "check_references"]
