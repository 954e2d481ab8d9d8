"""Seeded random scenario worlds for the differential test (contracts against the model).

:func:`random_world` returns a scenario *document* — the JSON-shaped ``dict`` that
:func:`yibao.simulate.scenario.parse_scenario` accepts (docs/rules/scenario.md) — built only from
``random.Random`` instances seeded from ``seed``: the same arguments give the same
document on every machine and every run (no global randomness, no wall clock, no set
iteration).

The world is small on purpose, with small money figures, so that every rule of
adjudication.md actually fires: 2–3 regions; EMPLOYEE and RESIDENT policies (sometimes a
second, mid-year version; sometimes none for a region × scheme) whose deductibles, caps,
visit limits, waiting periods and claim ages are hit; a catalogue per region of ~15 items
(classes A/B/C, price caps, maximum quantities, minimum intervals, inpatient-only items;
codes shared between regions with different terms); institutions of levels 0–3 and grades
A–E; people with coverage windows, filings, status changes; claims of every visit type
with dates in the past (some stale or before any policy), on the day, or in the future,
duplicate invoices, ``claimed_fund`` around the billed amount, and lines with codes the
treating region does not list.

Nothing is computed here: the generator never asks the model what a claim decides. With
``after=True`` it adds reviews, appeals, settlements, clearings, clawbacks, freezes and
contributions chosen by rough guesses (a grade-D institution, a large bill, a busy month
suggest a flagged claim), then a closing round (contributions, a settlement of every
institution, clearing between every two regions), so that many succeed and some are
refused. At 200 claims nearly every seed (about 97 %) has each of review, appeal, settle,
clear and clawback both succeed and be refused; tests/differential/test_worlds.py pins
seeds 0–19.

Streams: the world and its claims come from ``Random(seed)``; the post-decision steps
(``after``), the malformed claims (``malformed_rate``) and the supervision cases (``cases``,
on with ``after`` by default: :mod:`worlds.cases`) come from their own streams, so the same seed
gives the same claims whatever those options are, and the same other steps with or without cases.
"""

from __future__ import annotations

import datetime as dt
import heapq
import json
import os
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from worlds.cases import CaseSteps

__all__ = ["MALFORMED_KINDS", "random_world", "random_world_file"]

REGION_POOL: tuple[tuple[int, str], ...] = (
    (500000, "Chongqing"),
    (440100, "Guangzhou"),
    (510100, "Chengdu"),
    (310000, "Shanghai"),
    (110000, "Beijing"),
    (330100, "Hangzhou"),
)
NATIONAL_CODES: tuple[str, ...] = tuple(f"N{i:02d}" for i in range(1, 23))
"""Item codes that every region may list (with its own terms): 医保 codes are national."""
UNKNOWN_CODES: tuple[str, ...] = ("ZZ01", "ZZ02", "ZZ03")
"""Codes no catalogue lists."""
REVIEWERS: tuple[str, str] = ("R1", "R2")
GRADES = ("A", "B", "C", "D", "E")
PRICE_STEPS: tuple[int, ...] = (
    125, 200, 300, 500, 800, 1200, 2000, 3000, 5000, 8000, 12_000, 20_000, 30_000, 40_000
)

MAX_CLAIM_AMOUNT = 2**36
"""A claim billing this much or more is malformed (``ClaimAmountTooLarge``)."""
MALFORMED_KINDS: tuple[str, ...] = (
    "ClaimWithoutLines",
    "ClaimLineQuantityZero",
    "ClaimAmountTooLarge",
    "DischargeNotInpatient",
    "DischargeMissing",
    "DischargeBeforeAdmission",
    "VisitTypeNotOffered",
)
"""The malformed claims a scenario file can express (an unknown visit type it cannot)."""

_Step = dict[str, Any]
_Action = Callable[..., None]


def _iso(day: dt.date) -> str:
    return day.isoformat()


def _days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


@dataclass
class _Policy:
    doc: dict[str, Any]
    effective_from: dt.date


@dataclass
class _Inst:
    id: str
    region: int
    level: int
    grade: str
    status: str = "ACTIVE"
    frozen: bool = False
    claims: list[str] = field(default_factory=list)


@dataclass
class _Person:
    id: str
    region: int
    scheme: str
    coverage_from: dt.date
    coverage_to: dt.date
    favourites: list[str]
    status: str = "ACTIVE"
    filings: list[tuple[int, dt.date, dt.date]] = field(default_factory=list)


@dataclass
class _ClaimInfo:
    """What the generator knows (or guesses) about a claim it wrote."""

    id: str
    institution: str
    person: str
    at: dt.date
    guess: str  # "approved", "flagged", "rejected", "malformed"
    cross: bool


class _Builder:
    def __init__(self, seed: int, claims: int, people: int, after: bool, malformed_rate: float,
            start: dt.date | None, cases: bool = False) -> None:
        if claims < 0 or people < 1:
            raise ValueError("claims must be ≥ 0 and people ≥ 1")
        if not 0.0 <= malformed_rate <= 1.0:
            raise ValueError("malformed_rate must be within 0..1")
        self.rng = random.Random(seed)
        self.after_rng = random.Random(f"yibao-worlds/after/{seed}")
        self.bad_rng = random.Random(f"yibao-worlds/malformed/{seed}")
        self.n_claims = claims
        self.n_people = people
        self.after = after
        self.malformed_rate = malformed_rate
        offset = self.rng.randint(0, 150)  # drawn whatever ``start`` is: same world
        self.start = start if start is not None else dt.date(2026, 1, 1) + _days(offset)
        self.span = self.rng.randint(120, 400) + claims // 4
        self.end = self.start + _days(self.span)

        self.regions: list[tuple[int, str, int]] = []
        self.policies: dict[tuple[int, str], list[_Policy]] = {}
        self.catalogue: dict[int, dict[str, dict[str, Any]]] = {}
        self.price: dict[str, int] = {}
        self.insts: list[_Inst] = []
        self.people: list[_Person] = []
        self.person_weights: list[int] = []

        self.timeline: list[_Step] = []
        self.pending: list[tuple[dt.date, int, _Action, tuple[Any, ...]]] = []
        self.case_pending: list[tuple[dt.date, int, _Action, tuple[Any, ...]]] = []
        self.seq = 0
        self.claims: list[_ClaimInfo] = []
        self.claim_by_id: dict[str, _ClaimInfo] = {}
        self.visits: dict[tuple[str, int, int], int] = {}
        self.invoice_seq = 0
        self.invoices: dict[str, str] = {}
        self.cases = CaseSteps(self, seed, REVIEWERS) if cases else None

    # ------------------------------------------------------------------ setup

    def build(self) -> dict[str, Any]:
        self._regions()
        self._catalogue()
        self._policies()
        self._institutions()
        self._people()
        self._timeline()
        return {
            "start": _iso(self.start),
            "regions": [{"code": c, "name": n, "fund": f} for c, n, f in self.regions],
            "policies": [p.doc for versions in self.policies.values() for p in versions],
            "catalogue": [
                item for items in self.catalogue.values() for item in items.values()
            ],
            "institutions": [
                {"id": i.id, "region": i.region, "level": i.level, "grade": i.grade}
                for i in self.initial_insts
            ],
            "reviewers": list(REVIEWERS),
            "people": self.people_docs,
            "timeline": self.timeline,
        }

    def _regions(self) -> None:
        rng = self.rng
        chosen = rng.sample(REGION_POOL, rng.choice((2, 3, 3)))
        for i, (code, name) in enumerate(chosen):
            # one region may start with a small fund, so that settlements and clearings
            # can fail FundInsufficient until contributions arrive
            small = i > 0 and rng.random() < 0.4
            fund = rng.randint(0, 60_000) if small else rng.randint(5_000_000, 50_000_000)
            self.regions.append((code, name, fund))

    def _catalogue(self) -> None:
        rng = self.rng
        for code in NATIONAL_CODES:
            self.price[code] = self._typical_price()
        for r_index, (region, _, _) in enumerate(self.regions):
            codes = sorted(rng.sample(NATIONAL_CODES, 13))
            local = [f"L{r_index + 1}{k}" for k in range(1, 3)]
            for code in local:
                self.price[code] = self._typical_price()
            items: dict[str, dict[str, Any]] = {}
            for code in codes + local:
                items[code] = self._item(region, code)
            # every feature at least once per region
            keys = list(items)
            items[rng.choice(keys)]["category"] = "C"
            items[rng.choice(keys)]["inpatient_only"] = True
            capped = rng.choice(keys)
            items[capped]["price_cap"] = max(100, self.price_of(capped) // 2)
            items[rng.choice(keys)]["max_qty"] = rng.randint(1, 3)
            for _ in range(2):
                items[rng.choice(keys)]["min_interval_days"] = rng.choice((7, 14, 30))
            self.catalogue[region] = items

    def _typical_price(self) -> int:
        """A typical unit price for an item code: roughly log-uniform 1–500 yuan (integers
        only, so that no platform's floating-point library can change a world)."""
        step = self.rng.choice(PRICE_STEPS)
        return self.rng.randint(step * 8 // 10, step * 12 // 10)

    def price_of(self, code: str) -> int:
        return self.price.get(code, 1000)

    def _item(self, region: int, code: str) -> dict[str, Any]:
        rng = self.rng
        item: dict[str, Any] = {
            "region": region,
            "code": code,
            "category": rng.choices(("A", "B", "C"), (45, 37, 18))[0],
        }
        # the optional terms are sometimes left out (defaults 0 / false), sometimes given
        cap = self.price_of(code) * rng.randint(60, 130) // 100 if rng.random() < 0.35 else 0
        terms: dict[str, Any] = {
            "price_cap": cap,
            "inpatient_only": rng.random() < 0.12,
            "max_qty": rng.randint(1, 5) if rng.random() < 0.3 else 0,
            "min_interval_days": rng.choice((3, 7, 14, 30)) if rng.random() < 0.25 else 0,
        }
        for key, value in terms.items():
            if value or rng.random() < 0.5:
                item[key] = value
        return item

    def _policy_doc(self, region: int, scheme: str, effective_from: dt.date) -> dict[str, Any]:
        rng = self.rng
        ip1 = rng.randint(0, 3000)
        ip2 = ip1 + rng.randint(0, 3000)
        ip3 = ip2 + rng.randint(0, 4000)

        def op_ratio() -> int:
            if rng.random() < 0.1:  # the edges: nothing, less than a cross-region cut, all
                return rng.choice((0, 1000, 2000, 10_000))
            return 500 * rng.randint(6, 18)

        def ip_ratio() -> int:
            return 10_000 if rng.random() < 0.05 else 500 * rng.randint(12, 19)

        return {
            "region": region,
            "scheme": scheme,
            "effective_from": _iso(effective_from),
            "op_deductible": 0 if rng.random() < 0.15 else rng.randint(1, 2000),
            "ip_deductible": {"1": ip1, "2": ip2, "3": ip3},
            "op_ratio_bps": {str(level): op_ratio() for level in range(4)},
            "ip_ratio_bps": {str(level): ip_ratio() for level in range(1, 4)},
            "op_annual_cap": 0 if rng.random() < 0.03 else rng.randint(5000, 50_000),
            "annual_cap": rng.randint(20_000, 200_000),
            "monthly_visit_limit": rng.randint(0, 4),
            "class_b_self_pay_bps": rng.randint(0, 3000),
            "cross_region_cut_bps": rng.randint(0, 3000),
            "waiting_days": 0 if rng.random() < 0.25 else rng.randint(1, 30),
            "review_threshold": rng.randint(2000, 25_000),
            "max_claim_age_days": rng.randint(10, 60),
            "appeal_days": rng.randint(3, 20),
        }

    def _policies(self) -> None:
        rng = self.rng
        for region, _, _ in self.regions:
            for scheme in ("EMPLOYEE", "RESIDENT"):
                if rng.random() < 0.06:  # no policy at all: NO_POLICY for these people
                    continue
                first = self.start - _days(rng.randint(0, 90))
                versions = [_Policy(self._policy_doc(region, scheme, first), first)]
                if rng.random() < 0.5:  # a mid-year version that changes some terms
                    later = self.start + _days(rng.randint(20, max(21, self.span - 20)))
                    doc = dict(versions[0].doc)
                    fresh = self._policy_doc(region, scheme, later)
                    for key in rng.sample(sorted(fresh), rng.randint(2, 6)):
                        doc[key] = fresh[key]
                    doc["effective_from"] = _iso(later)
                    versions.append(_Policy(doc, later))
                self.policies[(region, scheme)] = versions

    def _institutions(self) -> None:
        rng = self.rng
        n_h = n_d = 0
        for region, _, _ in self.regions:
            levels = [0] + [rng.randint(1, 3) for _ in range(rng.randint(1, 3))]
            if rng.random() < 0.3:
                levels.append(0)
            for level in levels:
                if level == 0:
                    n_d += 1
                    name = f"D{n_d}"
                else:
                    n_h += 1
                    name = f"H{n_h}"
                grade = rng.choices(GRADES, (32, 30, 18, 15, 3))[0]
                self.insts.append(_Inst(name, region, level, grade))
        self.initial_insts = [_Inst(i.id, i.region, i.level, i.grade) for i in self.insts]
        self.inst_by_id = {i.id: i for i in self.insts}

    def _people(self) -> None:
        rng = self.rng
        codes = [c for c, _, _ in self.regions]
        docs: list[dict[str, Any]] = []
        for n in range(1, self.n_people + 1):
            region = rng.choices(codes, [3] + [2] * (len(codes) - 1))[0]
            scheme = "EMPLOYEE" if rng.random() < 0.6 else "RESIDENT"
            shape = rng.random()
            if shape < 0.8:  # covered throughout (sometimes only just enrolled)
                c_from = self.start - _days(rng.randint(0, 400))
                c_to = self.end + _days(rng.randint(30, 400))
            elif shape < 0.9:  # joins during the run: NOT_COVERED, then WAITING_PERIOD
                c_from = self.start + _days(rng.randint(0, self.span // 2))
                c_to = self.end + _days(rng.randint(30, 400))
            else:  # leaves during the run
                c_from = self.start - _days(rng.randint(0, 400))
                c_to = self.start + _days(rng.randint(self.span // 4, self.span))
            favourites = rng.sample(NATIONAL_CODES, 3)
            person = _Person(f"P{n}", region, scheme, c_from, c_to, favourites)
            doc: dict[str, Any] = {
                "id": person.id,
                "region": region,
                "scheme": scheme,
                "coverage_from": _iso(c_from),
                "coverage_to": _iso(c_to),
            }
            others = [c for c in codes if c != region]
            if rng.random() < 0.3:
                filings = []
                for _ in range(rng.randint(1, 2)):
                    f_from = self.start + _days(rng.randint(-60, self.span))
                    f_to = f_from + _days(rng.randint(0, 180))
                    f_region = rng.choice(others)
                    filings.append({"region": f_region, "from": _iso(f_from), "to": _iso(f_to)})
                    person.filings.append((f_region, f_from, f_to))
                doc["filings"] = filings
            elif rng.random() < 0.2:
                doc["filings"] = []
            docs.append(doc)
            self.people.append(person)
            # a few people visit often: visit limits, caps and intervals get hit
            self.person_weights.append(10 + 600 // n)
        order = list(range(self.n_people))
        rng.shuffle(order)  # frequent visitors are not always P1, P2, ...
        self.person_weights = [self.person_weights[i] for i in order]
        self.people_docs = docs
        self.person_by_id = {p.id: p for p in self.people}

    # ------------------------------------------------------------------ timeline

    def _schedule(self, day: dt.date, action: _Action, *args: Any) -> None:
        """Call ``action(day, *args)`` when the timeline reaches ``day`` (values bound now)."""
        self.seq += 1
        heapq.heappush(self.pending, (day, self.seq, action, args))

    def _schedule_case(self, day: dt.date, action: _Action, *args: Any) -> None:
        """:meth:`_schedule` for a case step (a heap of its own: see :meth:`_flush_core`)."""
        self.seq += 1
        heapq.heappush(self.case_pending, (day, self.seq, action, args))

    def _flush(self, until: dt.date | None) -> None:
        """Play what is due by ``until`` (everything when None), both heaps in (day, order)."""
        while True:
            due = [h for h in (self.pending, self.case_pending) if h and (until is None or h[0][0] <= until)]
            if not due:
                return
            heap = min(due, key=lambda h: (h[0][0], h[0][1]))
            day, _, action, args = heapq.heappop(heap)
            action(day, *args)

    def _flush_core(self) -> None:
        """Play every pending step that is not a case step, and the case steps due by then: the
        timeline then ends where it would without cases (the closing round starts from there)."""
        while self.pending:
            self._flush(self.pending[0][0])

    def _emit(self, day: dt.date, kind: str, body: dict[str, Any]) -> None:
        if self.timeline:
            last = dt.date.fromisoformat(self.timeline[-1]["at"])
            assert day >= last, "timeline out of order"
        self.timeline.append({"at": _iso(day), kind: body})

    def _timeline(self) -> None:
        rng = self.rng
        offsets = sorted(rng.randint(0, self.span) for _ in range(self.n_claims))
        if offsets:
            offsets[0] = 0
        previous: _Person | None = None
        for n, offset in enumerate(offsets, start=1):
            day = self.start + _days(offset)
            self._flush(day)
            if rng.random() < 0.08:
                self._registry_step(day)
            joined = [p for p in self.people if 0 <= (day - p.coverage_from).days < 30]
            if previous is not None and rng.random() < 0.2:
                person = previous  # back again soon: visit limits, TOO_SOON
            elif joined and rng.random() < 0.1:
                person = rng.choice(joined)  # just enrolled: WAITING_PERIOD
            else:
                person = rng.choices(self.people, self.person_weights)[0]
            previous = person
            self._claim(day, f"C{n}", person)
        self._flush_core()
        if self.after:
            self._closing()
        self._flush(None)

    def _closing(self) -> None:
        """Year-end: contributions, settle every institution, clear between every two regions."""
        rng = self.after_rng
        last = dt.date.fromisoformat(self.timeline[-1]["at"]) if self.timeline else self.start
        day = last + _days(rng.randint(1, 5))
        for code, _, _ in self.regions:
            members = [p for p in self.people if p.region == code]
            if members:
                body = {"person": rng.choice(members).id, "amount": rng.randint(50_000, 500_000)}
                self._schedule(day, self._emit, "contribution", body)
        for inst in self.insts:
            if not inst.frozen or rng.random() < 0.5:
                self._schedule(day, self._settle, inst)
        day += _days(rng.randint(1, 5))
        codes = [c for c, _, _ in self.regions]
        for home in codes:
            for treating in codes:
                if home != treating:
                    self._schedule(day, self._clear, home, treating, None)
        self._flush(None)

    # registry steps ----------------------------------------------------------------

    def _registry_step(self, day: dt.date) -> None:
        rng = self.rng
        kind = rng.choices(
            ("set_grade", "institution_status", "person_status", "filing"), (25, 18, 30, 27)
        )[0]
        if kind == "set_grade":
            inst = rng.choice(self.insts)
            grade = rng.choices(GRADES, (25, 25, 20, 22, 6))[0]
            if grade == inst.grade and rng.random() < 0.85:
                grade = rng.choice([g for g in GRADES if g != inst.grade])
            self._set_grade(day, inst, grade)
            if grade == "E" and rng.random() < 0.8:
                back = rng.choice(("A", "B", "C", "D"))
                self._schedule(
                    day + _days(rng.randint(3, 40)), self._set_grade, inst, back
                )
        elif kind == "institution_status":
            inst = rng.choice(self.insts)
            if inst.status == "ACTIVE":
                status = "REVOKED" if rng.random() < 0.08 else "SUSPENDED"
            elif inst.status == "SUSPENDED":
                status = "ACTIVE"
            else:
                status = rng.choice(("ACTIVE", "SUSPENDED"))  # refused: REVOKED is final
            self._institution_status(day, inst, status)
            if status == "SUSPENDED" and rng.random() < 0.85:
                self._schedule(
                    day + _days(rng.randint(3, 40)),
                    self._institution_status, inst, "ACTIVE", "SUSPENDED",
                )
        elif kind == "person_status":
            person = rng.choice(self.people)
            if person.status == "ACTIVE":
                status = "TERMINATED" if rng.random() < 0.12 else "SUSPENDED"
            elif person.status == "SUSPENDED":
                status = rng.choice(("ACTIVE", "ACTIVE", "TERMINATED", "SUSPENDED"))
            else:
                status = "ACTIVE"  # refused: TERMINATED is final
            self._person_status(day, person, status)
            if status == "SUSPENDED" and rng.random() < 0.85:
                self._schedule(
                    day + _days(rng.randint(3, 40)),
                    self._person_status, person, "ACTIVE", "SUSPENDED",
                )
        else:
            person = rng.choice(self.people)
            others = [c for c, _, _ in self.regions if c != person.region]
            region = rng.choice(others)
            f_from = day + _days(rng.randint(-10, 10))
            f_to = f_from + _days(rng.randint(0, 120))
            self._emit(
                day,
                "filing",
                {"person": person.id, "region": region, "from": _iso(f_from), "to": _iso(f_to)},
            )
            if person.status != "TERMINATED":
                kept = [f for f in person.filings if f[2] >= day]
                if len(kept) < 8:
                    person.filings = [*kept, (region, f_from, f_to)]

    def _set_grade(self, day: dt.date, inst: _Inst, grade: str) -> None:
        self._emit(day, "set_grade", {"institution": inst.id, "grade": grade})
        inst.grade = grade

    def _institution_status(self, day: dt.date, inst: _Inst, status: str, only_from: str | None = None) -> None:
        self._status_step(day, "institution_status", "institution", inst, status, only_from, "REVOKED")

    def _person_status(self, day: dt.date, person: _Person, status: str, only_from: str | None = None) -> None:
        self._status_step(day, "person_status", "person", person, status, only_from, "TERMINATED")

    def _status_step(self, day: dt.date, kind: str, key: str, who: _Inst | _Person, status: str,
                     only_from: str | None, final: str) -> None:
        """A status change of ``who`` (skipped unless it is ``only_from``); ``final`` is never left."""
        if only_from is not None and who.status != only_from:
            return
        body: dict[str, Any] = {key: who.id, "status": status}
        if self.rng.random() < 0.3:
            body["reason"] = self.rng.randint(0, 255)
        self._emit(day, kind, body)
        if who.status != final and who.status != status:
            who.status = status

    # claims --------------------------------------------------------------------------

    def _claim(self, at: dt.date, claim_id: str, person: _Person) -> None:
        rng = self.rng
        home = [i for i in self.insts if i.region == person.region]
        if not home or rng.random() < 0.2:
            inst = rng.choice([i for i in self.insts if i.region != person.region] or self.insts)
        else:
            inst = rng.choice(home)
        if inst.level == 0:
            visit = "PHARMACY" if rng.random() < 0.85 else "OUTPATIENT"
        else:
            visit = "INPATIENT" if rng.random() < 0.35 else "OUTPATIENT"

        when = rng.random()
        discharge: dt.date | None = None
        if visit == "INPATIENT":
            if when < 0.84:
                discharge = at - _days(rng.choice((0, 0, 0, 1, 2, 3)))
                date = discharge - _days(rng.randint(0, 12))
            elif when < 0.91:  # an old admission: maybe stale, maybe before any policy
                date = at - _days(rng.randint(6, 130))
                discharge = date + _days(rng.randint(0, 10))
            elif when < 0.96:  # not discharged yet
                date = at - _days(rng.randint(0, 5))
                discharge = at + _days(rng.randint(1, 10))
            else:  # admission in the future
                date = at + _days(rng.randint(1, 10))
                discharge = date + _days(rng.randint(0, 10))
        elif when < 0.86:
            date = at - _days(rng.choice((0, 0, 0, 0, 1, 2, 3, 5)))
        elif when < 0.94:
            date = at - _days(rng.randint(6, 130))
        else:
            date = at + _days(rng.randint(1, 20))

        lines = self._lines(inst, person, visit)
        body: dict[str, Any] = {
            "id": claim_id,
            "institution": inst.id,
            "person": person.id,
            "visit": visit,
            "date": _iso(date),
        }
        if discharge is not None:
            body["discharge"] = _iso(discharge)
        body["lines"] = lines
        billed = sum(line["qty"] * line["unit_price"] for line in lines)
        if rng.random() < 0.2:  # around the billed amount; above the fund share → OVERCLAIM
            low, high = rng.choices(
                ((0, 0), (0, billed // 20), (billed // 20, billed // 3), (billed // 3, billed),
                 (billed, billed), (billed + 1, billed + 1000)),
                (15, 30, 20, 20, 10, 5),
            )[0]
            body["claimed_fund"] = rng.randint(low, high)
        duplicate: _ClaimInfo | None = None
        dup_roll = rng.random()
        if dup_roll < 0.035 and self.claims:
            duplicate = rng.choice(self.claims)
            origin = self.inst_by_id[duplicate.institution]
            body["institution"] = origin.id
            body["invoice"] = self._invoice_of(duplicate.id)
            if origin.level == 0 and visit == "INPATIENT":  # keep it well-formed
                body["visit"] = "PHARMACY"
                del body["discharge"]
            elif origin.level > 0 and visit == "PHARMACY":  # pharmacy claims: level 0 only
                body["visit"] = "OUTPATIENT"
            inst = origin
        elif dup_roll < 0.12:
            self.invoice_seq += 1
            body["invoice"] = f"INV-{self.invoice_seq}"
        elif dup_roll < 0.14:
            # an invoice number another institution already used: a different claim id
            body["invoice"] = f"INV-{max(1, self.invoice_seq)}"

        malformed = self._malform(body) if self.malformed_rate > 0 else False
        self.invoices[claim_id] = body.get("invoice", claim_id)
        guess = "malformed" if malformed else self._guess(body, inst, person, at, duplicate)
        cross = inst.region != person.region
        info = _ClaimInfo(claim_id, body["institution"], person.id, at, guess, cross)
        self._emit(at, "claim", body)
        if not malformed:
            self.claims.append(info)
            self.claim_by_id[claim_id] = info
            self.inst_by_id[info.institution].claims.append(claim_id)
        if self.after:
            self._after_claim(at, info)
        if self.cases is not None and not malformed:
            self.cases.after_claim(at, info)

    def _invoice_of(self, claim_id: str) -> str:
        return self.invoices[claim_id]

    def _lines(self, inst: _Inst, person: _Person, visit: str) -> list[dict[str, Any]]:
        rng = self.rng
        listed = list(self.catalogue[inst.region])
        favourites = [c for c in person.favourites if c in self.catalogue[inst.region]]
        lines: list[dict[str, Any]] = []
        for _ in range(rng.choices((1, 2, 3, 4, 5), (30, 30, 20, 12, 8))[0]):
            roll = rng.random()
            if lines and roll < 0.06:
                code = lines[-1]["code"]  # the same item twice in one claim
            elif roll < 0.11:
                code = rng.choice(UNKNOWN_CODES)
            elif roll < 0.17:
                code = rng.choice([c for c in NATIONAL_CODES if c not in listed] or UNKNOWN_CODES)
            elif favourites and roll < 0.55:
                code = rng.choice(favourites)
            else:
                code = rng.choice(listed)
            q_roll = rng.random()
            qty = 1 if q_roll < 0.6 else rng.randint(2, 4) if q_roll < 0.85 else rng.randint(5, 20)
            price = self.price_of(code) * rng.randint(50, 160) // 100
            lines.append({"code": code, "qty": qty, "unit_price": min(50_000, max(100, price))})
        return lines

    def _policy_for(self, person: _Person, day: dt.date) -> dict[str, Any] | None:
        best: dict[str, Any] | None = None
        for version in self.policies.get((person.region, person.scheme), []):
            if version.effective_from <= day:
                best = version.doc
        return best

    def _guess(self, body: dict[str, Any], inst: _Inst, person: _Person, at: dt.date,
            duplicate: _ClaimInfo | None) -> str:
        """A rough guess of the decision (only used to choose post-decision steps)."""
        billed = sum(line["qty"] * line["unit_price"] for line in body["lines"])
        date = dt.date.fromisoformat(body["date"])
        discharge = body.get("discharge")
        policy = self._policy_for(person, date)
        if (
            duplicate is not None
            or inst.status != "ACTIVE"
            or inst.grade == "E"
            or person.status != "ACTIVE"
            or date > at
            or (discharge is not None and dt.date.fromisoformat(discharge) > at)
            or not person.coverage_from <= date <= person.coverage_to
            or policy is None
            or (at - date).days > policy["max_claim_age_days"]
            or date < person.coverage_from + _days(policy["waiting_days"])
            or body.get("claimed_fund", 0) > billed // 10
        ):
            return "rejected"
        month = (person.id, date.year, date.month)
        limit = policy["monthly_visit_limit"]
        outpatient = body["visit"] != "INPATIENT"
        if outpatient:
            self.visits[month] = self.visits.get(month, 0) + 1
        threshold = policy["review_threshold"]
        if (
            inst.grade == "D"
            or billed > (6 if outpatient else 3) * threshold
            or (outpatient and 0 < limit < self.visits[month])
        ):
            return "flagged"
        return "approved"

    def _malform(self, body: dict[str, Any]) -> bool:
        """Turn the claim malformed with probability ``malformed_rate`` (own stream).

        Also, as often as a quarter of that, bill exactly 2³⁶ − 1 fen: the largest
        well-formed claim.
        """
        rng = self.bad_rng
        roll = rng.random()
        if roll >= self.malformed_rate:
            if roll < self.malformed_rate * 1.25:
                code = body["lines"][0]["code"]
                body["lines"] = [
                    {"code": code, "qty": 1, "unit_price": MAX_CLAIM_AMOUNT - 2},
                    {"code": rng.choice(UNKNOWN_CODES), "qty": 1, "unit_price": 1},
                ]
                body.pop("claimed_fund", None)
            return False
        kind = rng.choice(MALFORMED_KINDS)
        lines: list[dict[str, Any]] = body["lines"]
        date = dt.date.fromisoformat(body["date"])
        hospitals = [i for i in self.insts if i.level > 0]
        pharmacies = [i for i in self.insts if i.level == 0]
        if kind == "ClaimWithoutLines":
            body["lines"] = []
        elif kind == "ClaimLineQuantityZero":
            lines[rng.randrange(len(lines))]["qty"] = 0
            if rng.random() < 0.3:  # a zero quantity is reported before a too large total
                lines.append({"code": "ZZ01", "qty": 2**20, "unit_price": 2**17})
        elif kind == "ClaimAmountTooLarge":
            pick = rng.random()
            if pick < 0.3:  # exactly the limit
                rest = self._billed(lines[1:])
                lines[0].update(qty=1, unit_price=MAX_CLAIM_AMOUNT - rest)
            elif pick < 0.6:  # one huge line
                qty = rng.randint(2**10, 2**31)
                price = MAX_CLAIM_AMOUNT // qty + rng.randint(1, 1000)
                lines.append({"code": lines[0]["code"], "qty": qty, "unit_price": price})
            else:  # the total, not any single line, is too large
                for line in lines:
                    line.update(qty=1, unit_price=MAX_CLAIM_AMOUNT // len(lines))
                lines[0]["unit_price"] += MAX_CLAIM_AMOUNT - self._billed(lines) + rng.randint(0, 9)
        elif kind == "DischargeNotInpatient":
            if body["visit"] == "INPATIENT":
                body["visit"] = "OUTPATIENT"
            body["discharge"] = _iso(date + _days(rng.randint(0, 3)))
        elif kind == "DischargeMissing":
            self._to_inpatient(body, hospitals)
            body.pop("discharge", None)
        elif kind == "DischargeBeforeAdmission":
            self._to_inpatient(body, hospitals)
            body["discharge"] = _iso(date - _days(rng.randint(1, 5)))
        else:  # VisitTypeNotOffered: an inpatient claim from a retail pharmacy
            body["institution"] = rng.choice(pharmacies).id
            body["visit"] = "INPATIENT"
            body["discharge"] = _iso(date + _days(rng.randint(0, 5)))
        return True

    @staticmethod
    def _billed(lines: list[dict[str, Any]]) -> int:
        return sum(int(line["qty"]) * int(line["unit_price"]) for line in lines)

    def _to_inpatient(self, body: dict[str, Any], hospitals: list[_Inst]) -> None:
        if self.inst_by_id[body["institution"]].level == 0:
            body["institution"] = self.bad_rng.choice(hospitals).id
        body["visit"] = "INPATIENT"

    # post-decision steps (after=True) -------------------------------------------------

    def _after_claim(self, at: dt.date, info: _ClaimInfo) -> None:
        rng = self.after_rng
        if info.guess == "flagged" and rng.random() < 0.8:
            reviewer = rng.choice(REVIEWERS)
            approve = rng.random() < 0.5
            self._schedule(
                at + _days(rng.randint(0, 6)),
                self._review, info.id, reviewer, approve,
            )
        if self.claims and rng.random() < 0.03:  # a review of some claim: mostly refused
            other = rng.choice(self.claims)
            reviewer = rng.choice(REVIEWERS)
            approve = rng.random() < 0.5
            self._schedule(
                at + _days(rng.randint(0, 3)), self._review, other.id, reviewer, approve
            )
        if rng.random() < 0.1:
            inst = self.inst_by_id[info.institution]
            self._schedule(at + _days(rng.randint(0, 10)), self._settle, inst)
        if rng.random() < 0.02:
            inst = rng.choice(self.insts)
            self._schedule(at, self._settle, inst)
        if rng.random() < 0.025:
            inst = rng.choice(self.insts)
            self._schedule(at, self._freeze, inst)
        if rng.random() < 0.04:
            if info.cross and rng.random() < 0.6:
                pair = (
                    self.person_by_id[info.person].region,
                    self.inst_by_id[info.institution].region,
                )
            else:
                a, b = rng.sample([c for c, _, _ in self.regions], 2)
                pair = (a, b)
            amount = None if rng.random() < 0.75 else rng.randint(1, 30_000)
            self._schedule(
                at + _days(rng.randint(0, 20)), self._clear, pair[0], pair[1], amount
            )
        if rng.random() < 0.035:
            person = rng.choice(self.people)
            amount = 0 if rng.random() < 0.1 else rng.randint(1000, 200_000)
            self._schedule(
                at, self._emit, "contribution", {"person": person.id, "amount": amount}
            )
        if self.claims and rng.random() < 0.02:  # a clawback of some claim: often refused
            other = rng.choice(self.claims)
            self._schedule(at + _days(rng.randint(0, 5)), self._clawback, other.id)

    def _review(self, day: dt.date, claim_id: str, reviewer: str, approve: bool) -> None:
        rng = self.after_rng
        body: dict[str, Any] = {
            "claim": claim_id,
            "reviewer": reviewer,
            "decision": "approve" if approve else "reject",
        }
        if rng.random() < 0.3:
            body["reason"] = rng.choice(("NO_RECORD", "UPCODING", "OK", "OVERTREATMENT_2"))
        if rng.random() < 0.2:
            body["evidence"] = f"ward log {rng.randint(1, 999)}"
        self._emit(day, "review", body)
        info = self.claim_by_id.get(claim_id)
        if info is None or info.guess != "flagged":
            return
        if approve:
            info.guess = "approved"
            return
        info.guess = "rejected"
        if rng.random() < 0.85:
            person = self.person_by_id[info.person]
            window = 15
            policy = self._policy_for(person, info.at)
            if policy is not None:
                window = int(policy["appeal_days"])
            self._schedule(
                # mostly within the window, sometimes too late (AppealWindowClosed)
                day + _days(rng.randint(0, window) if rng.random() < 0.85 else window + 1),
                self._appeal, claim_id, reviewer,
            )
            if rng.random() < 0.15:
                self._schedule(
                    day + _days(rng.randint(window // 2, window + 10)),
                    self._emit, "appeal", {"claim": claim_id},
                )

    def _appeal(self, day: dt.date, claim_id: str, rejected_by: str) -> None:
        rng = self.after_rng
        self._emit(day, "appeal", {"claim": claim_id})
        other = REVIEWERS[1] if rejected_by == REVIEWERS[0] else REVIEWERS[0]
        if rng.random() < 0.1:  # left undecided: APPEALED at the end
            return
        approve = rng.random() < 0.5
        when = day + _days(rng.randint(0, 6))
        if rng.random() < 0.15:  # the rejecting reviewer may not decide: ReviewerConflict
            self._schedule(when, self._review, claim_id, rejected_by, approve)
            when += _days(rng.randint(0, 3))
        self._schedule(when, self._review, claim_id, other, approve)

    def _settle(self, day: dt.date, inst: _Inst) -> None:
        rng = self.after_rng
        self._emit(day, "settle", {"institution": inst.id})
        if inst.claims and rng.random() < 0.35:
            likely = [c for c in inst.claims if self.claim_by_id[c].guess == "approved"]
            target = rng.choice(likely if likely and rng.random() < 0.8 else inst.claims)
            self._schedule(day + _days(rng.randint(0, 20)), self._clawback, target)
        cross = [self.claim_by_id[c] for c in inst.claims[-10:] if self.claim_by_id[c].cross]
        if cross and rng.random() < 0.4:
            home = self.person_by_id[rng.choice(cross).person].region
            amount = None if rng.random() < 0.8 else rng.randint(1, 20_000)
            self._schedule(
                day + _days(rng.randint(0, 15)), self._clear, home, inst.region, amount
            )

    def _freeze(self, day: dt.date, inst: _Inst) -> None:
        rng = self.after_rng
        self._emit(day, "freeze", {"institution": inst.id})
        inst.frozen = True
        roll = rng.random()
        if roll < 0.1:  # frozen twice: InstitutionUnchanged
            again = {"institution": inst.id}
            self._schedule(day + _days(rng.randint(0, 3)), self._emit, "freeze", again)
        if roll < 0.85:
            self._schedule(day + _days(rng.randint(2, 25)), self._unfreeze, inst)
        if rng.random() < 0.5:  # a settlement while frozen: InstitutionFrozen
            self._schedule(day + _days(rng.randint(0, 2)), self._settle, inst)

    def _unfreeze(self, day: dt.date, inst: _Inst) -> None:
        self._emit(day, "unfreeze", {"institution": inst.id})
        inst.frozen = False

    def _clear(self, day: dt.date, from_region: int, to_region: int, amount: int | None) -> None:
        body: dict[str, Any] = {"from": from_region, "to": to_region}
        if amount is not None:
            body["amount"] = amount
        self._emit(day, "clear", body)

    def _clawback(self, day: dt.date, claim_id: str) -> None:
        # a clawback carries a reason code and evidence like a review (scenario.md)
        self._emit(day, "clawback", {"claim": claim_id, "reason": "AUDIT_FINDING", "evidence": f"audit {claim_id}"})


def random_world(seed: int, claims: int = 200, *, people: int = 30, after: bool = False,
        malformed_rate: float = 0.0, start: dt.date | None = None, cases: bool | None = None) -> dict[str, Any]:
    """A random scenario document, the same for the same arguments.

    ``claims`` claim steps over ``people`` insured people, with registry steps (grades,
    statuses, filings) among them. ``after=True`` mixes in reviews, appeals,
    settlements, clearings, clawbacks, freezes/unfreezes and contributions (some of
    which the rules refuse). ``malformed_rate`` is the share of claims made malformed
    (each refused with one of :data:`MALFORMED_KINDS`); at 0 (the default) every claim
    is well-formed, so no claim step is refused. ``start`` moves the world to another
    first day (default: a day in the first half of 2026 drawn from ``seed``); the
    claims stay the same, relative to it. ``cases`` (default: as ``after``) mixes in
    supervision cases (:mod:`worlds.cases`) from a stream of their own: the other steps stay
    the same.
    """
    with_cases = after if cases is None else cases
    return _Builder(seed, claims, people, after, malformed_rate, start, with_cases).build()


def random_world_file(seed: int, path: str | os.PathLike[str], claims: int = 200, *, people: int = 30,
        after: bool = False, malformed_rate: float = 0.0, start: dt.date | None = None,
        cases: bool | None = None) -> Path:
    """Write :func:`random_world` as a JSON scenario file at ``path``; returns the path."""
    doc = random_world(
        seed, claims, people=people, after=after, malformed_rate=malformed_rate, start=start, cases=cases
    )
    out = Path(path)
    out.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return out


if __name__ == "__main__":  # pragma: no cover - a quick look: python -m worlds SEED
    import sys

    print(json.dumps(random_world(int(sys.argv[1]) if len(sys.argv) > 1 else 0), indent=1))
