"""A synthetic city for 基金测算 (fund projection): a year of a city's claims, for the model or a chain.

:func:`make_city` builds the city in memory (a million claims would be hundreds of MB of JSON):
a city and its neighbour (two 统筹区 with their funds), their policies (employee and resident
schemes), one catalogue, designated institutions with fixed price lists, insured people (some
living in the other region, filed there), their contributions, a year of claims spread over the
months with a winter peak (outpatient, pharmacy, inpatient; a few invoices sent twice), a monthly
settlement of every institution and a quarterly clearing between the regions. Everything is
drawn from one ``random.Random(seed)`` in a fixed order, prices in integer arithmetic: the same
arguments give the same city.

The world (regions, policies, catalogue, institutions, people) and the non-claim steps are
validated as a scenario file is; the claims are made directly as the model's
:class:`~yibao.model.types.Claim` (:class:`~yibao.simulate.runner.ClaimStep`), since validating a
million claim entries would take longer than playing them. :func:`city_document` writes the whole
city as a scenario document, which validates (a test holds it) and plays to the same figures.
"""

from __future__ import annotations

import datetime as dt
import random
from bisect import bisect
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

from pydantic import TypeAdapter

from yibao.memory import no_collection
from yibao.model.types import Claim, ClaimLine, VisitType
from yibao.simulate.runner import ClaimStep, LeanStep
from yibao.simulate.scenario import Scenario, Step, parse_scenario

YEAR = 2026
CITY, NEIGHBOUR = 500000, 510100
REGION_NAMES = {CITY: "重庆市", NEIGHBOUR: "成都市"}
CITY_SHARE = 0.85
"""The share of the people insured in the city (the rest: the neighbour)."""
START = dt.date(YEAR, 1, 1)
YEAR_END = dt.date(YEAR, 12, 31)
SEASON = (1.2, 0.8, 1.0, 0.95, 0.95, 0.9, 0.95, 0.95, 0.95, 1.0, 1.05, 1.25)
"""Claims by service month, relative (winter peaks)."""
LEVEL_PRICE_BPS = (9500, 9000, 10000, 11500)
"""Price factor by institution level (0 = pharmacy), bps of an item's reference price."""
LEVEL_MIX = {VisitType.OUTPATIENT: ((1, 2, 3), (55, 30, 15)), VisitType.INPATIENT: ((1, 2, 3), (15, 45, 40)),
             VisitType.PHARMACY: ((0,), (1,))}
"""Where people go, by visit: institution levels and their weights."""
OPENING_PER_PERSON = 1_000_00
"""Each fund's opening reserve per insured person of its region (fen)."""
EMPLOYEE_RATE_BPS = 700
"""The employer's contribution to the pooled fund (统筹基金), bps of the wage, paid quarterly."""
RESIDENT_PREMIUM = 1_100_00
"""A resident's yearly premium with the government subsidy (fen), paid once in January–February."""

# (op_deductible, ip_deductible by level 1..3, op_ratio by level 0..3, ip_ratio by level 1..3, op_annual_cap,
#  annual_cap, monthly_visit_limit, class_b_self_pay_bps, cross_region_cut_bps, waiting_days, review_threshold)
_TERMS: dict[tuple[int, str], tuple[Any, ...]] = {
    (CITY, "EMPLOYEE"): (80_000, (20_000, 50_000, 80_000), (5000, 7000, 6000, 5000), (9000, 8700, 8500),
                         350_000, 40_000_000, 8, 1000, 1000, 0, 2_000_000),
    (CITY, "RESIDENT"): (10_000, (20_000, 50_000, 100_000), (5000, 6000, 5000, 4000), (8500, 7000, 5500),
                         80_000, 20_000_000, 6, 1500, 1000, 90, 1_500_000),
    (NEIGHBOUR, "EMPLOYEE"): (70_000, (30_000, 60_000, 90_000), (5000, 7000, 6000, 5500), (9200, 9000, 8800),
                              400_000, 50_000_000, 8, 1000, 1500, 0, 2_500_000),
    (NEIGHBOUR, "RESIDENT"): (5_000, (30_000, 60_000, 100_000), (5000, 6000, 5500, 5000), (8500, 7500, 6500),
                              60_000, 25_000_000, 6, 1500, 1500, 90, 1_500_000),
}


def city_policies() -> list[dict[str, Any]]:
    """The city's policy versions (from 1 January), as scenario entries."""
    out = []
    for (region, scheme), t in _TERMS.items():
        out.append({
            "region": region, "scheme": scheme, "effective_from": START, "op_deductible": t[0],
            "ip_deductible": {"1": t[1][0], "2": t[1][1], "3": t[1][2]},
            "op_ratio_bps": {"0": t[2][0], "1": t[2][1], "2": t[2][2], "3": t[2][3]},
            "ip_ratio_bps": {"1": t[3][0], "2": t[3][1], "3": t[3][2]},
            "op_annual_cap": t[4], "annual_cap": t[5], "monthly_visit_limit": t[6], "class_b_self_pay_bps": t[7],
            "cross_region_cut_bps": t[8], "waiting_days": t[9], "review_threshold": t[10],
            "max_claim_age_days": 90, "appeal_days": 15,
        })
    return out


@dataclass(frozen=True)
class _Item:
    code: str
    kind: str  # consult, drug, test, bed, surgery, material
    category: str
    price: int  # the reference price (fen)
    price_cap: int = 0
    inpatient_only: bool = False
    max_qty: int = 0
    min_interval_days: int = 0


def _catalogue(rng: random.Random) -> list[_Item]:
    """One catalogue (both regions list it): consultations, drugs, tests, bed days, surgeries,
    materials, with price caps, quantity caps and intervals on some."""
    items = [_Item(f"CONS{lv}", "consult", "A", p, price_cap=p + p // 10)
             for lv, p in ((1, 1500), (2, 2500), (3, 5000))]
    for i in range(1, 241):
        category = rng.choices("ABC", (60, 35, 5))[0]
        items.append(_Item(f"D{i:03d}", "drug", category, int(rng.lognormvariate(7.8, 0.9)) + 100,
                           max_qty=rng.choice((0, 0, 0, 10, 30))))
    for i in range(1, 41):
        price = int(rng.lognormvariate(9.0, 0.8)) + 500
        items.append(_Item(f"T{i:02d}", "test", rng.choices("AB", (70, 30))[0], price, price_cap=price * 11 // 10,
                           min_interval_days=rng.choice((0, 0, 0, 7, 30))))
    items += [_Item(f"BED{lv}", "bed", "A", p, price_cap=p, inpatient_only=True)
              for lv, p in ((1, 4000), (2, 6000), (3, 9000))]
    for i in range(1, 31):
        items.append(_Item(f"OP{i:02d}", "surgery", "B", int(rng.lognormvariate(12.0, 0.7)) + 50_000,
                           inpatient_only=True))
    for i in range(1, 31):
        items.append(_Item(f"M{i:02d}", "material", rng.choices("BC", (70, 30))[0],
                           int(rng.lognormvariate(9.5, 1.0)) + 1000))
    return items


@dataclass
class _Inst:
    id: str
    region: int
    level: int
    factor_bps: int
    prices: dict[str, int]


@dataclass
class _Person:
    id: str
    region: int
    lives_in: int
    chronic: _Item | None


_Draft = tuple[dt.date, int, int, "dict[str, Any] | ClaimStep"]
"""A step before sorting: its day, its order within the day (contributions, claims, settlements,
clearings), its serial number, and the step (a scenario entry, or a claim step)."""


class _City:
    """The draws of one city, in a fixed order: catalogue, institutions, people, claims, steps."""

    def __init__(self, people: int, claims: int, seed: int) -> None:
        self.rng = random.Random(seed)
        self.n_people, self.n_claims = people, claims
        self.items = _catalogue(self.rng)
        self.by_kind: dict[str, list[_Item]] = {}
        for item in self.items:
            self.by_kind.setdefault(item.kind, []).append(item)
        self.drugs_ab = [i for i in self.by_kind["drug"] if i.category != "C"]
        self.insts: list[_Inst] = []
        self.where: dict[tuple[int, int], list[_Inst]] = {}
        self.people: list[_Person] = []
        self.drafts: list[_Draft] = []
        self.known_lines: dict[tuple[str, int, int], ClaimLine] = {}
        days = [START + dt.timedelta(days=d) for d in range((YEAR_END - START).days + 1)]
        self.days, self.day_weights = days, list(accumulate(SEASON[d.month - 1] for d in days))

    def add(self, at: dt.date, order: int, step: dict[str, Any] | ClaimStep) -> None:
        self.drafts.append((at, order, len(self.drafts), step))

    def institutions(self) -> list[dict[str, Any]]:
        """One designated institution per 1,500 people (at least 16; each region has one of each
        level), with a grade and a price factor."""
        rng = self.rng
        out = []
        for i in range(max(16, self.n_people // 1500)):
            if i < 8:
                region, level = (CITY, NEIGHBOUR)[i // 4], i % 4
            else:
                region = CITY if rng.random() < CITY_SHARE else NEIGHBOUR
                level = rng.choice((0, 0, 0, 1, 1, 1, 2, 2, 3))
            inst = _Inst(f"H{i + 1:04d}", region, level, rng.randint(9500, 11000), {})
            grade = rng.choices("ABCD", (60, 30, 7, 3))[0]
            self.insts.append(inst)
            self.where.setdefault((region, level), []).append(inst)
            out.append({"id": inst.id, "region": region, "level": level, "grade": grade})
        return out

    def price(self, inst: _Inst, item: _Item) -> int:
        """The institution's list price of an item (fixed for the year)."""
        price = inst.prices.get(item.code)
        if price is None:
            price = max(1, item.price * LEVEL_PRICE_BPS[inst.level] * inst.factor_bps // 100_000_000)
            inst.prices[item.code] = price
        return price

    def persons(self) -> list[dict[str, Any]]:
        """The insured people and their contributions (the steps of the year)."""
        rng = self.rng
        out = []
        for i in range(self.n_people):
            region = CITY if rng.random() < CITY_SHARE else NEIGHBOUR
            other = NEIGHBOUR if region == CITY else CITY
            age = int(rng.triangular(0, 95, 45))
            employee = 18 <= age <= 65 and rng.random() < 0.55
            pid = f"P{i + 1:07d}"
            entry: dict[str, Any] = {"id": pid, "region": region, "scheme": "EMPLOYEE" if employee else "RESIDENT",
                                     "coverage_from": dt.date(rng.randrange(2000, YEAR), 1, 1), "coverage_to": YEAR_END}
            if not employee and rng.random() < 0.04:  # joined this year: the waiting period applies
                entry["coverage_from"] = dt.date(YEAR, rng.randrange(1, 8), 1)
            lives_in = region
            if rng.random() < (0.08 if age >= 60 else 0.02):  # 异地安置: lives and is filed in the other region
                lives_in = other
                entry["filings"] = [{"region": other, "from": START, "to": YEAR_END}]
            chronic = rng.choice(self.drugs_ab) if rng.random() < (0.05 if age < 45 else 0.3) else None
            self.people.append(_Person(pid, region, lives_in, chronic))
            out.append(entry)
            if employee:
                wage = min(30_000_00, max(4_000_00, 7_000_00 * rng.randint(5_000, 20_000) // 10_000))
                for month in (1, 4, 7, 10):
                    self.add(dt.date(YEAR, month, 15), 0, {"contribution": {
                        "person": pid, "amount": wage * 3 * EMPLOYEE_RATE_BPS // 10_000}})
            else:
                self.add(START + dt.timedelta(days=rng.randrange(59)), 0,
                         {"contribution": {"person": pid, "amount": RESIDENT_PREMIUM}})
        return out

    def randint(self, low: int, high: int) -> int:
        """An integer in ``[low, high]`` from one uniform draw (``random.randint`` costs four times as
        much, and a city draws tens of millions)."""
        return low + int(self.rng.random() * (high - low + 1))

    def pick(self, items: list[_Item] | list[_Inst]) -> Any:
        """One of ``items``, uniformly, from one draw."""
        return items[int(self.rng.random() * len(items))]

    def lines(self, person: _Person, inst: _Inst, visit: VisitType, stay: int) -> tuple[ClaimLine, ...]:
        """The bill of one visit at ``inst`` (``stay`` days for an inpatient one)."""
        draw, randint, pick, kinds, price = self.rng.random, self.randint, self.pick, self.by_kind, self.price
        drugs = [pick(self.drugs_ab if draw() < 0.9 else kinds["drug"]) for _ in range(randint(1, 3))]
        if person.chronic is not None and draw() < 0.6:
            drugs[0] = person.chronic
        if visit is VisitType.PHARMACY:
            return tuple(self.line(d, randint(1, 4), price(inst, d)) for d in drugs)
        out: list[tuple[_Item, int]]
        if visit is VisitType.OUTPATIENT:
            out = [(kinds["consult"][inst.level - 1], 1), *((d, randint(1, 3)) for d in drugs)]
            if draw() < 0.3:
                out.append((pick(kinds["test"]), 1))
        else:
            out = [(kinds["bed"][inst.level - 1], stay)]
            if draw() < 0.4:
                out.append((pick(kinds["surgery"]), 1))
            out += [(d, randint(2, 12)) for d in drugs]
            out += [(pick(kinds["material"]), randint(1, 5)) for _ in range(randint(1, 3))]
            out += [(pick(kinds["test"]), 1) for _ in range(randint(1, 2))]
        return tuple(self.line(item, qty, price(inst, item)) for item, qty in out)

    def line(self, item: _Item, qty: int, price: int) -> ClaimLine:
        """The claim line of ``qty`` × ``item`` at ``price``: one shared object for each (a city bills
        the same items at its list prices, and a million claims would otherwise hold four million)."""
        key = (item.code, qty, price)
        line = self.known_lines.get(key)
        if line is None:
            line = self.known_lines[key] = ClaimLine(item.code, qty, price)
        return line

    def claims(self) -> None:
        """The year's claims: who (by a weight per person), where, when, what; a few sent twice."""
        rng, draw, randint, pick = self.rng, self.rng.random, self.randint, self.pick
        weights = list(accumulate(rng.randint(1, 100) ** 2 for _ in self.people))
        who = rng.choices(self.people, cum_weights=weights, k=self.n_claims)
        days, day_weights = self.days, self.day_weights
        day_total = day_weights[-1]
        sent: list[ClaimStep] = []
        for n, person in enumerate(who, start=1):
            claim_id = f"C{n:07d}"
            if sent and draw() < 0.002:  # the institution's system sends an invoice again, days later
                again = sent[rng.randrange(max(0, len(sent) - 5000), len(sent))]
                at = again.at + dt.timedelta(days=randint(1, 10))
                self.add(at, 1, ClaimStep(at, claim_id, again.claim))
                continue
            r = draw()
            visit = VisitType.INPATIENT if r < 0.04 else VisitType.PHARMACY if r < 0.30 else VisitType.OUTPATIENT
            region = person.lives_in if draw() < 0.98 else (CITY if person.lives_in == NEIGHBOUR else NEIGHBOUR)
            levels, level_weights = LEVEL_MIX[visit]
            inst = pick(self.where[(region, rng.choices(levels, level_weights)[0])])
            day = days[min(bisect(day_weights, draw() * day_total), len(days) - 1)]
            stay = randint(2, 12) if visit is VisitType.INPATIENT else 0
            discharge = day + dt.timedelta(days=stay) if stay else None
            ready = (discharge or day) + dt.timedelta(days=randint(0, 5 if stay else 3))
            claim = Claim(inst.id, claim_id, person.id, visit, day, self.lines(person, inst, visit, stay), discharge)
            step = ClaimStep(ready, claim_id, claim)
            self.add(ready, 1, step)
            sent.append(step)

    def money(self) -> None:
        """Every institution settled monthly (the 5th of the next month) and once more on 25
        January, after the last claim of the year is in; the regions cleared quarterly (each way,
        the 20th of the next month; the last on 31 January)."""
        days = [dt.date(YEAR + month // 13, (month - 1) % 12 + 1, 5) for month in range(2, 14)]
        for at in [*days, dt.date(YEAR + 1, 1, 25)]:
            for inst in self.insts:
                self.add(at, 2, {"settle": {"institution": inst.id}})
        for at in (dt.date(YEAR, 4, 20), dt.date(YEAR, 7, 20), dt.date(YEAR, 10, 20), dt.date(YEAR + 1, 1, 31)):
            self.add(at, 3, {"clear": {"from": CITY, "to": NEIGHBOUR}})
            self.add(at, 3, {"clear": {"from": NEIGHBOUR, "to": CITY}})


@dataclass(frozen=True)
class City:
    """A generated city: its world as a scenario (no timeline) and its year of steps, in order."""

    scenario: Scenario
    steps: list[LeanStep]
    people: int
    claims: int
    seed: int

    @property
    def institutions(self) -> int:
        """How many designated institutions it has."""
        return len(self.scenario.institutions)


_STEPS = TypeAdapter(list[Step])


def make_city(people: int = 100_000, claims: int = 1_000_000, seed: int = 7) -> City:
    """The seeded city (module docstring): ``people`` insured people and exactly ``claims`` claim
    steps over the year. Raises :class:`ValueError` for fewer than one person or negative claims."""
    if people < 1 or claims < 0:
        raise ValueError(f"a city needs people and no negative claims (people {people}, claims {claims})")
    with no_collection():  # a million claims stay alive: collections would walk them all again and again
        return _make(people, claims, seed)


def _make(people: int, claims: int, seed: int) -> City:
    city = _City(people, claims, seed)
    catalogue = [{"region": region, "code": i.code, "category": i.category, "price_cap": i.price_cap,
                  "inpatient_only": i.inpatient_only, "max_qty": i.max_qty, "min_interval_days": i.min_interval_days}
                 for region in REGION_NAMES for i in city.items]
    institutions = city.institutions()
    persons = city.persons()
    city.claims()
    city.money()
    city.drafts.sort(key=lambda d: d[:3])
    opening = dict.fromkeys(REGION_NAMES, 0)
    for p in city.people:
        opening[p.region] += OPENING_PER_PERSON
    world = parse_scenario({
        "start": START,
        "regions": [{"code": code, "name": name, "fund": opening[code]} for code, name in REGION_NAMES.items()],
        "policies": city_policies(), "catalogue": catalogue, "institutions": institutions,
        "reviewers": ["R1"], "people": persons,
    })
    entries = [{"at": at, **step} for at, _, _, step in city.drafts if not isinstance(step, ClaimStep)]
    parsed = iter(_STEPS.validate_python(entries))
    steps: list[LeanStep] = [step if isinstance(step, ClaimStep) else next(parsed) for _, _, _, step in city.drafts]
    return City(world, steps, people, claims, seed)


def _claim_entry(step: ClaimStep) -> dict[str, Any]:
    c = step.claim
    entry: dict[str, Any] = {"id": step.id, "institution": c.institution, "person": c.person, "visit": c.visit.name,
                             "date": c.service_date.isoformat(),
                             "lines": [{"code": x.code, "qty": x.qty, "unit_price": x.unit_price} for x in c.lines]}
    if c.discharge is not None:
        entry["discharge"] = c.discharge.isoformat()
    if c.invoice != step.id:
        entry["invoice"] = c.invoice
    return entry


def city_document(city: City) -> dict[str, Any]:
    """The whole city as a scenario document (JSON values): its world and its timeline, claims
    included (what ``yibao simulate FILE`` reads)."""
    doc: dict[str, Any] = city.scenario.model_dump(mode="json", by_alias=True, exclude_none=True,
                                                   exclude={"timeline", "screening"})
    timeline = []
    for step in city.steps:
        if isinstance(step, ClaimStep):
            timeline.append({"at": step.at.isoformat(), "claim": _claim_entry(step)})
        else:
            timeline.append(step.model_dump(mode="json", by_alias=True, exclude_none=True))
    doc["timeline"] = timeline
    return doc


__all__ = [
    "CITY",
    "LEVEL_MIX",
    "LEVEL_PRICE_BPS",
    "NEIGHBOUR",
    "REGION_NAMES",
    "City",
    "city_document",
    "city_policies",
    "make_city",
]
