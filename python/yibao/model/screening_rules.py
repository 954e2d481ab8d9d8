"""The ten screening rules of screening.md in plain Python, and pre-check warnings.

The input is a frozen :class:`ScreeningFacts`: the claims (with their current status and fund
share), every filing each person ever had, the off-chain person attributes, each region's
current catalogue limits, the item restrictions and the patients' feedback on their claims
(records.md: claim → :class:`~yibao.model.types.Feedback`). :func:`screen` finds the leads of the live
claims; :func:`precheck_warnings` the leads a candidate claim would make with the history.
:func:`ledger_facts` builds the facts of a :class:`~yibao.model.ledger.ReferenceLedger`.

Claims are named by a reference of any type ``K`` (a scenario name, a claim id, a
:class:`~yibao.model.types.ClaimKey`); each claim also carries ``name``, the text that orders
ties (screening.md: "then the scenario's claim name") and the claims inside a lead.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Generic, TypeAlias, TypeVar

from yibao.model.ledger import ReferenceLedger
from yibao.model.screening import (
    PRECHECK_RULES, K, ItemRestriction, Lead, PersonAttributes, Rule, ScreeningParams, Severity, age_on,
    province,
)
from yibao.model.types import BPS, ClaimKey, ClaimStatus, Feedback, Filing, VisitType

LIVE_STATUSES = frozenset({ClaimStatus.APPROVED, ClaimStatus.FLAGGED, ClaimStatus.SETTLED})
"""The statuses screening looks at (screening.md, "What is screened")."""

DISPUTES = frozenset({Feedback.NOT_RECEIVED, Feedback.NOT_AS_BILLED})
"""The feedback codes that dispute a claim (records.md), which PATIENT_DISPUTE reads."""


@dataclass(frozen=True)
class ClaimFacts(Generic[K]):
    """What screening knows of one claim. ``service_date`` is the admission of a stay,
    ``fund`` the fund share as the claim stands, ``lines`` the billed ``(code, qty)``."""

    ref: K
    name: str
    status: ClaimStatus
    person: str
    home: int
    institution: str
    region: int
    level: int
    visit: VisitType
    service_date: dt.date
    discharge: dt.date | None
    fund: int
    lines: tuple[tuple[str, int], ...]

    @property
    def live(self) -> bool:
        """Whether it is screened (APPROVED, FLAGGED or SETTLED)."""
        return self.status in LIVE_STATUSES

    @property
    def inpatient(self) -> bool:
        """Whether it is a stay."""
        return self.visit is VisitType.INPATIENT

    @property
    def end(self) -> dt.date:
        """The last day of a stay (the service date of a visit)."""
        return self.discharge if self.discharge is not None else self.service_date


@dataclass(frozen=True)
class ScreeningFacts(Generic[K]):
    """Everything the rules read. ``filings``: every filing a person ever had (expired ones
    still covered their days); ``max_qty``: ``(region, code)`` → the item's ``max_qty`` in the
    catalogue as it stands; ``restrictions``: ``(region, code)`` → its restriction;
    ``feedback``: a claim's reference → the feedback its patient gave on it (none: absent)."""

    claims: tuple[ClaimFacts[K], ...]
    filings: Mapping[str, tuple[Filing, ...]] = field(default_factory=dict)
    attributes: Mapping[str, PersonAttributes] = field(default_factory=dict)
    max_qty: Mapping[tuple[int, str], int] = field(default_factory=dict)
    restrictions: Mapping[tuple[int, str], ItemRestriction] = field(default_factory=dict)
    feedback: Mapping[K, Feedback] = field(default_factory=dict)

    def with_claim(self, claim: ClaimFacts[K]) -> ScreeningFacts[K]:
        """The same facts with one more claim."""
        return replace(self, claims=(*self.claims, claim))


G = TypeVar("G")

Found: TypeAlias = Iterator[tuple[Severity, str | None, str | None, list[ClaimFacts[K]]]]
"""What a rule yields: severity, institution, person, the claims of the lead."""


def _month(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def _groups(claims: Iterable[ClaimFacts[K]],
            key: Callable[[ClaimFacts[K]], G]) -> dict[G, list[ClaimFacts[K]]]:
    out: dict[G, list[ClaimFacts[K]]] = {}
    for c in claims:
        out.setdefault(key(c), []).append(c)
    return out


def _visits(claims: Iterable[ClaimFacts[K]]) -> list[ClaimFacts[K]]:
    return [c for c in claims if not c.inpatient]


def _stays(claims: Iterable[ClaimFacts[K]]) -> list[ClaimFacts[K]]:
    return [c for c in claims if c.inpatient]


def _readmit(live: list[ClaimFacts[K]], facts: ScreeningFacts[K], p: ScreeningParams) -> Found[K]:
    for stays in _groups(_stays(live), lambda c: c.person).values():
        stays.sort(key=lambda c: (c.service_date, c.end, c.name))
        for s1, s2 in itertools.pairwise(stays):
            gap = (s2.service_date - s1.end).days
            same = s1.institution == s2.institution
            if (0 if same else 1) <= gap <= p.readmit_days:
                yield (Severity.HIGH if same else Severity.MEDIUM), s2.institution, s2.person, [s1, s2]


def _overlap_stay(live: list[ClaimFacts[K]], facts: ScreeningFacts[K], p: ScreeningParams) -> Found[K]:
    for stays in _groups(_stays(live), lambda c: c.person).values():
        for i, s1 in enumerate(stays):
            for s2 in stays[i + 1:]:
                if (s1.institution != s2.institution and s2.service_date < s1.end
                        and s1.service_date < s2.end):
                    yield Severity.HIGH, None, s1.person, [s1, s2]


def _ghost_bed(live: list[ClaimFacts[K]], facts: ScreeningFacts[K], p: ScreeningParams) -> Found[K]:
    for claims in _groups(live, lambda c: c.person).values():
        for stay in _stays(claims):
            for visit in _visits(claims):
                if (visit.institution != stay.institution
                        and stay.service_date < visit.service_date < stay.end):
                    yield Severity.MEDIUM, stay.institution, stay.person, [stay, visit]


def _same_day_multi(live: list[ClaimFacts[K]], facts: ScreeningFacts[K], p: ScreeningParams) -> Found[K]:
    for claims in _groups(_visits(live), lambda c: (c.person, c.service_date)).values():
        if len({c.institution for c in claims}) >= p.same_day_institutions:
            yield Severity.MEDIUM, None, claims[0].person, claims


def _unfiled(c: ClaimFacts[K], facts: ScreeningFacts[K]) -> bool:
    """Treated outside the home region with no filing for the treating region that day."""
    filings = facts.filings.get(c.person, ())
    return c.region != c.home and not any(f.covers(c.region, c.service_date) for f in filings)


def _impossible_travel(live: list[ClaimFacts[K]], facts: ScreeningFacts[K],
                       p: ScreeningParams) -> Found[K]:
    for claims in _groups(live, lambda c: (c.person, c.service_date)).values():
        if (len({province(c.region) for c in claims}) >= 2
                and any(_unfiled(c, facts) for c in claims)):
            yield Severity.MEDIUM, None, claims[0].person, claims


def _codes(c: ClaimFacts[K]) -> set[str]:
    return {code for code, _ in c.lines}


def _dup_billing(live: list[ClaimFacts[K]], facts: ScreeningFacts[K], p: ScreeningParams) -> Found[K]:
    for claims in _groups(live, lambda c: (c.person, c.institution, c.service_date)).values():
        for code in sorted(set().union(*(_codes(c) for c in claims))):
            billing = [c for c in claims if code in _codes(c)]
            if len(billing) >= 2:
                yield Severity.HIGH, billing[0].institution, billing[0].person, billing


def _over_supply(live: list[ClaimFacts[K]], facts: ScreeningFacts[K], p: ScreeningParams) -> Found[K]:
    for claims in _groups(live, lambda c: (c.person, c.home, _month(c.service_date))).values():
        home = claims[0].home
        for code in sorted(set().union(*(_codes(c) for c in claims))):
            limit = facts.max_qty.get((home, code), 0)
            if limit <= 0:
                continue
            qty = sum(q for c in claims for k, q in c.lines if k == code)
            if qty > p.over_supply_factor * limit:
                yield Severity.MEDIUM, None, claims[0].person, [c for c in claims if code in _codes(c)]


def broken_restrictions(c: ClaimFacts[K], facts: ScreeningFacts[K]) -> list[tuple[str, str]]:
    """The ``(code, what)`` a claim breaks (``what``: ``sex``, ``age`` or ``min_level``), read
    from the treating region's restrictions; an unknown attribute breaks nothing."""
    attrs = facts.attributes.get(c.person, PersonAttributes())
    age = age_on(attrs.birth_date, c.service_date) if attrs.birth_date is not None else None
    out: list[tuple[str, str]] = []
    for code, _ in c.lines:
        r = facts.restrictions.get((c.region, code))
        if r is None:
            continue
        if r.sex is not None and attrs.sex is not None and attrs.sex != r.sex:
            out.append((code, "sex"))
        if age is not None and ((r.min_age is not None and age < r.min_age)
                                or (r.max_age is not None and age > r.max_age)):
            out.append((code, "age"))
        if r.min_level is not None and c.level < r.min_level:
            out.append((code, "min_level"))
    return out


def _restricted_item(live: list[ClaimFacts[K]], facts: ScreeningFacts[K],
                     p: ScreeningParams) -> Found[K]:
    for c in live:
        broken = broken_restrictions(c, facts)
        if broken:
            severity = Severity.HIGH if any(w == "min_level" for _, w in broken) else Severity.MEDIUM
            yield severity, c.institution, c.person, [c]


def _surge(live: list[ClaimFacts[K]], facts: ScreeningFacts[K], p: ScreeningParams) -> Found[K]:
    for claims in _groups(live, lambda c: c.institution).values():
        by_month = _groups(claims, lambda c: _month(c.service_date))
        fund = {m: sum(c.fund for c in cs) for m, cs in by_month.items()}
        first = min(fund)
        for t, in_month in by_month.items():
            if first > t - 3:
                continue
            m_t = fund[t]
            baseline = sum(fund.get(t - k, 0) for k in (1, 2, 3)) // 3
            if m_t >= p.surge_min_fund and m_t * BPS > baseline * p.surge_yellow_bps:
                red = m_t * BPS > baseline * p.surge_red_bps
                yield (Severity.HIGH if red else Severity.MEDIUM), in_month[0].institution, None, in_month


def _patient_dispute(live: list[ClaimFacts[K]], facts: ScreeningFacts[K], p: ScreeningParams) -> Found[K]:
    for c in live:
        if facts.feedback.get(c.ref) in DISPUTES:
            yield Severity.HIGH, c.institution, c.person, [c]


RULE_FINDERS: dict[Rule, Callable[[list[ClaimFacts[K]], ScreeningFacts[K], ScreeningParams], Found[K]]] = {
    Rule.READMIT: _readmit,
    Rule.OVERLAP_STAY: _overlap_stay,
    Rule.GHOST_BED: _ghost_bed,
    Rule.SAME_DAY_MULTI: _same_day_multi,
    Rule.IMPOSSIBLE_TRAVEL: _impossible_travel,
    Rule.DUP_BILLING: _dup_billing,
    Rule.OVER_SUPPLY: _over_supply,
    Rule.RESTRICTED_ITEM: _restricted_item,
    Rule.SURGE: _surge,
    Rule.PATIENT_DISPUTE: _patient_dispute,
}
"""Each rule's finder (all of screening.md's table)."""


def _run(facts: ScreeningFacts[K], params: ScreeningParams, rules: Iterable[Rule]) -> list[Lead[K]]:
    live = [c for c in facts.claims if c.live]
    leads: dict[tuple[Rule, frozenset[K]], Lead[K]] = {}
    for rule in rules:
        for severity, institution, person, claims in RULE_FINDERS[rule](live, facts, params):
            ordered = sorted({c.ref: c for c in claims}.values(), key=lambda c: c.name)
            lead = Lead(rule, severity, institution, person, tuple(c.ref for c in ordered),
                        sum(c.fund for c in ordered))
            leads.setdefault(lead.identity(), lead)
    return list(leads.values())


def screen(facts: ScreeningFacts[K], params: ScreeningParams) -> list[Lead[K]]:
    """The leads of the live claims under ``params.rules``, each once (same rule and same set
    of claims is one lead), in rule order; ``amount`` is the Σ fund share of its claims."""
    return _run(facts, params, params.rules)


def precheck_warnings(facts: ScreeningFacts[K], candidate: ClaimFacts[K],
                      params: ScreeningParams) -> list[Lead[K]]:
    """The leads of :data:`PRECHECK_RULES` (those among ``params.rules``) over the history
    ``facts`` plus ``candidate`` that include the candidate. A candidate that would not be live
    (its decision is REJECTED) has none."""
    if not candidate.live:
        return []
    rules = [r for r in PRECHECK_RULES if r in params.rules]
    return [lead for lead in _run(facts.with_claim(candidate), params, rules)
            if candidate.ref in lead.claims]


def claim_name(key: ClaimKey) -> str:
    """The model's ordering name of a claim: its invoice (the scenario's claim name unless
    the scenario gave another invoice), then its institution. The separator, U+001F, sorts
    below every printable character (and, unlike NUL, PostgreSQL text can hold it): the chain
    engine gives the index the same names as claim labels."""
    return f"{key.invoice}\x1f{key.institution}"


def ledger_claim_facts(ledger: ReferenceLedger, key: ClaimKey) -> ClaimFacts[ClaimKey] | None:
    """The facts of one stored claim, or None (unknown, or its person is not enrolled)."""
    claim, decision = ledger.submitted(key), ledger.claim(key)
    if claim is None or decision is None or claim.person not in ledger.people():
        return None
    inst = ledger.institution(claim.institution)
    return ClaimFacts(
        ref=key, name=claim_name(key), status=decision.status, person=claim.person,
        home=ledger.person(claim.person).region, institution=claim.institution, region=inst.region,
        level=inst.level, visit=claim.visit, service_date=claim.service_date,
        discharge=claim.discharge, fund=decision.fund,
        lines=tuple((line.code, line.qty) for line in claim.lines),
    )


def ledger_facts(ledger: ReferenceLedger, attributes: Mapping[str, PersonAttributes] | None = None,
                 restrictions: Mapping[tuple[int, str], ItemRestriction] | None = None,
                 feedback: Mapping[ClaimKey, Feedback] | None = None) -> ScreeningFacts[ClaimKey]:
    """The facts of every claim a :class:`ReferenceLedger` stores, with its people's filing
    history and the catalogue as it stands, plus the off-chain attributes and restrictions and
    the patients' feedback on claims (the reference ledger keeps none: it is given)."""
    claims = [ledger_claim_facts(ledger, key) for key in ledger.claim_keys()]
    max_qty = {(region, code): item.max_qty for region in ledger.regions()
               for code, item in ledger.catalogue(region).items()}
    return ScreeningFacts(
        claims=tuple(c for c in claims if c is not None),
        filings={p: ledger.filing_history(p) for p in ledger.people()},
        attributes=dict(attributes or {}),
        max_qty=max_qty,
        restrictions=dict(restrictions or {}),
        feedback=dict(feedback or {}),
    )


__all__ = [
    "DISPUTES",
    "LIVE_STATUSES",
    "RULE_FINDERS",
    "ClaimFacts",
    "Found",
    "ScreeningFacts",
    "broken_restrictions",
    "claim_name",
    "ledger_claim_facts",
    "ledger_facts",
    "precheck_warnings",
    "screen",
]
