"""The demo's planted fraud for screening (事后监管): each of screening.md's billing patterns
(:data:`PLANTED_RULES`: every rule but PATIENT_DISPUTE, which comes from a patient's feedback on
chain and which the demo's people do not give), several times, among the ordinary claims, and
the truth of what was planted.

:func:`plant` runs after the generator has planned the whole year (so the ordinary world is the
same with or without it), from its own ``random.Random`` of the seed. Every planted claim is
made to stay live (approved, or flagged and then approved by the reviewers' rule): people
covered all year with no filing, no death and no stay of their own, at most two other visits
in the planted month (the monthly visit limit), lines of listed class-A items at list price
(no overclaim, no low eligible share), never the grade-D hospital (every claim of it is
reviewed) and never the tag the auditors claw back. Each instance is recorded by the demo's
own claim references, the invoices (``INST-YYYYMMDD-serial``, unique per institution).

The off-chain facts screening reads are made here too: every person's sex and birth date, and
a few catalogue items' restrictions (限定支付). Organic bills of a sex-restricted item make
their patient a woman, so that item's leads are the planted ones.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from yibao.demo.world import INST_BY_KEY, LEVEL_PRICE, InstSpec, Planted, PersonSpec, PlannedClaim
from yibao.demo.world_rules import CQ, GZ, PRICE_FACTOR, YEAR
from yibao.model.screening import RULES, ItemRestriction, PersonAttributes, Rule
from yibao.model.types import ClaimLine, VisitType

if TYPE_CHECKING:  # the generator calls :func:`plant` with itself
    from yibao.demo.generator import Generator

PLANTED_TAG = "planted"
#: The rules whose patterns the demo plants: the billing patterns (not a patient's dispute).
PLANTED_RULES: tuple[Rule, ...] = tuple(r for r in RULES if r is not Rule.PATIENT_DISPUTE)
#: Restrictions of catalogue items (both regions, where the item is listed).
RESTRICTIONS: dict[str, ItemRestriction] = {
    "ZG04-1": ItemRestriction(sex="F"),  # 滋肾育胎丸
    "331102001": ItemRestriction(sex="F", min_age=15, max_age=50),  # 剖宫产术
    "XC08CA01-1": ItemRestriction(min_age=18),  # 氨氯地平片: adults
    "XC08CA01-2": ItemRestriction(min_age=18),
    "210400001": ItemRestriction(min_level=2),  # 磁共振平扫
    "XL01XA03-1": ItemRestriction(min_level=3),  # 注射用奥沙利铂
    "XL01XA03-2": ItemRestriction(min_level=3),
}
#: Institutions by region for planted care (never the grade-D hospital).
HOSPITALS = {CQ: ["CQ-YD1", "CQ-YZ", "CQ-SPB"], GZ: ["GZ-ZS1", "GZ-SY", "GZ-YX"]}
CLINICS = {CQ: ["CQ-SPB", "CQ-YD1", "CQ-HP"], GZ: ["GZ-YX", "GZ-ZS1", "GZ-SY"]}
#: The surging hospitals and the months of their surges (each after ≥ 3 months of history).
SURGES = [("CQ-SPB", 5), ("GZ-YX", 6), ("CQ-SPB", 10)]
DRUG = "XN02BE01-1"  # 对乙酰氨基酚片: listed, class A, max_qty 3 (广州 4)
CONSULT = "110200001"
#: At most this many other visits of the person in the planted month (limit 6 or 8).
OTHER_VISITS = 2
GAP_DAYS = 25  # two plants of one person at least this far apart


def month_days(m: int) -> tuple[dt.date, int]:
    """The first day of month ``m`` of the year and its number of days."""
    first = dt.date(YEAR, m, 1)
    return first, (dt.date(YEAR + (m == 12), m % 12 + 1, 1) - first).days


class Planter:
    """Plants the patterns into the generator's claims."""

    def __init__(self, g: Generator, people: list[PersonSpec]) -> None:
        self.g = g
        self.rng = random.Random(g.seed * 1_000_003 + 12)
        self.people = people
        self.n = 3 + g.n_claims // 5000
        self.instances: dict[Rule, list[frozenset[str]]] = {r: [] for r in Rule}
        stays = {c.person.idx for c in g.claims if c.visit == VisitType.INPATIENT}
        first = dt.date(YEAR - 1, 1, 1)
        self.pool = [p for p in people if p.death is None and not p.filings and p.coverage_from <= first
                     and p.lives_in == p.home and p.age >= 1 and p.idx not in stays]
        self.visits: Counter[tuple[int, int]] = Counter(
            (c.person.idx, c.service.month) for c in g.claims if c.visit != VisitType.INPATIENT)
        self.windows: dict[int, list[tuple[dt.date, dt.date]]] = defaultdict(list)
        self.women = {c.person.idx for c in g.claims for ln in c.lines
                      if (r := RESTRICTIONS.get(ln.code)) is not None and r.sex == "F"}

    # ---------------------------------------------------------------- parts
    def line(self, code: str, qty: int, inst: InstSpec) -> ClaimLine:
        """A line at the item's list price in the institution's region and level (under its cap)."""
        f = PRICE_FACTOR[inst.region] * LEVEL_PRICE[inst.level]
        return ClaimLine(code, max(1, qty), max(1, int(self.g.refs[code].price * f)))

    def visit_lines(self, inst: InstSpec, drug: str = DRUG, qty: int = 1) -> list[ClaimLine]:
        lines = [] if inst.level == 0 else [self.line(CONSULT, 1, inst)]
        return [*lines, self.line(drug, qty, inst)]

    def stay_lines(self, inst: InstSpec, los: int, surgery: bool = False) -> list[ClaimLine]:
        codes = [("110900001", los), ("120100003", los), ("110300001", los), ("121200001", los),
                 ("C0101", los), ("XB05XA03-1", 2 * los), ("250101001", 1), ("250301001", 1), ("250302001", 1)]
        if surgery:
            codes += [("331003001", 1), ("330100002", 1), ("220100001", 1)]
        return [self.line(c, q, inst) for c, q in codes]

    def claim(self, p: PersonSpec, key: str, day: dt.date, lines: list[ClaimLine],
              discharge: dt.date | None = None) -> PlannedClaim:
        inst = INST_BY_KEY[key]
        visit = VisitType.INPATIENT if discharge else VisitType.PHARMACY if inst.level == 0 else VisitType.OUTPATIENT
        c = PlannedClaim(key, self.g.invoice(inst, day), p, visit, day, lines, discharge or day, discharge)
        c.tag = PLANTED_TAG
        self.g.claims.append(c)
        if visit != VisitType.INPATIENT:
            self.visits[(p.idx, day.month)] += 1
        return c

    def visit(self, p: PersonSpec, key: str, day: dt.date, drug: str = DRUG, qty: int = 1) -> PlannedClaim:
        return self.claim(p, key, day, self.visit_lines(INST_BY_KEY[key], drug, qty))

    def stay(self, p: PersonSpec, key: str, day: dt.date, los: int, surgery: bool = False) -> PlannedClaim:
        return self.claim(p, key, day, self.stay_lines(INST_BY_KEY[key], los, surgery), day + dt.timedelta(days=los))

    def person(self, first: dt.date, last: dt.date,
               where: Callable[[PersonSpec], bool] = lambda p: True) -> PersonSpec | None:
        """A person of the pool free from ``first`` to ``last`` with at most
        :data:`OTHER_VISITS` visits in its months so far (a plant adds at most three: under the
        monthly limit), reserved for it; None when there is none."""
        order = list(self.pool)
        self.rng.shuffle(order)
        for p in order:
            if not where(p) or max(self.visits[(p.idx, m)] for m in (first.month, last.month)) > OTHER_VISITS:
                continue
            gap = dt.timedelta(days=GAP_DAYS)
            if any(a - gap <= last and first <= b + gap for a, b in self.windows[p.idx]):
                continue
            self.windows[p.idx].append((first, last))
            return p
        return None

    def day(self, months: Sequence[int] = range(2, 12)) -> dt.date:
        m = self.rng.choice(list(months))
        start, n = month_days(m)
        return start + dt.timedelta(days=self.rng.randrange(max(1, n - 12)))

    def record(self, rule: Rule, claims: Sequence[PlannedClaim]) -> None:
        self.instances[rule].append(frozenset(c.invoice for c in claims))

    # ---------------------------------------------------------------- the rules
    def readmit(self, i: int) -> None:
        d = self.day()
        los, gap = self.rng.randint(4, 7), self.rng.randint(2, 10)
        p = self.person(d, d + dt.timedelta(days=2 * los + gap + 1))
        if p is None:
            return
        first = self.rng.choice(HOSPITALS[p.home])
        other = [k for k in HOSPITALS[p.home] if k != first]
        second = first if i % 3 != 2 else self.rng.choice(other)  # one in three at another hospital
        s1 = self.stay(p, first, d, los)
        s2 = self.stay(p, second, d + dt.timedelta(days=los + gap), self.rng.randint(3, 6))
        self.record(Rule.READMIT, [s1, s2])

    def overlap(self, i: int) -> None:
        d = self.day()
        p = self.person(d, d + dt.timedelta(days=10))
        if p is None:
            return
        a, b = self.rng.sample(HOSPITALS[p.home], 2)
        s1 = self.stay(p, a, d, 6)
        s2 = self.stay(p, b, d + dt.timedelta(days=self.rng.randint(1, 4)), 5)
        self.record(Rule.OVERLAP_STAY, [s1, s2])

    def ghost_bed(self, i: int) -> None:
        d = self.day()
        p = self.person(d, d + dt.timedelta(days=8))
        if p is None:
            return
        a = self.rng.choice(HOSPITALS[p.home])
        b = self.rng.choice([k for k in CLINICS[p.home] if k != a])
        s = self.stay(p, a, d, 7)
        v = self.claim(p, b, d + dt.timedelta(days=self.rng.randint(2, 5)), self.visit_lines(INST_BY_KEY[b]))
        self.record(Rule.GHOST_BED, [s, v])

    def same_day(self, i: int) -> None:
        d = self.day()
        p = self.person(d, d)
        if p is None:
            return
        self.record(Rule.SAME_DAY_MULTI, [self.visit(p, k, d) for k in CLINICS[p.home]])

    def travel(self, i: int) -> None:
        d = self.day()
        p = self.person(d, d)
        if p is None:
            return
        home = self.rng.choice(CLINICS[p.home])
        away = self.rng.choice(HOSPITALS[p.other][:2])  # the other region's big hospitals, no filing
        self.record(Rule.IMPOSSIBLE_TRAVEL, [self.visit(p, k, d) for k in (home, away)])

    def dup_billing(self, i: int) -> None:
        d = self.day()
        p = self.person(d, d)
        if p is None:
            return
        k = self.rng.choice(CLINICS[p.home])
        inst = INST_BY_KEY[k]
        c1 = self.claim(p, k, d, self.visit_lines(inst))
        c2 = self.claim(p, k, d, self.visit_lines(inst, "XM01AE01-1"))  # 布洛芬: a pharmacy re-bills 对乙酰氨基酚
        if inst.level == 0:
            c2.lines.append(self.line(DRUG, 1, inst))
        self.record(Rule.DUP_BILLING, [c1, c2])

    def over_supply(self, i: int) -> None:
        d = self.day()
        p = self.person(d, d + dt.timedelta(days=10))
        if p is None:
            return
        max_qty = next(it.max_qty for it in self.g.items[p.home] if it.code == DRUG)
        qty = 3 * max_qty // 2 + 1  # two bills of it: more than three times the maximum quantity
        a, b = self.rng.sample(CLINICS[p.home], 2)
        c1 = self.visit(p, a, d, DRUG, qty)
        c2 = self.visit(p, b, d + dt.timedelta(days=self.rng.randint(3, 10)), DRUG, qty)
        self.record(Rule.OVER_SUPPLY, [c1, c2])

    def restricted(self, i: int) -> None:
        d = self.day()
        kind = i % 3
        if kind == 1:  # a child billed an adults' blood-pressure drug
            p = self.person(d, d, where=lambda q: YEAR - q.birth.year <= 16)
            if p is not None:
                k = self.rng.choice(HOSPITALS[p.home][:2])
                self.record(Rule.RESTRICTED_ITEM, [self.visit(p, k, d, "XC08CA01-1")])
                return
            kind = 2
        if kind == 0:  # a man billed a women's medicine, in 广州 (where it is listed)
            p = self.person(d, d, where=lambda q: q.home == GZ and q.idx % 2 == 1 and q.idx not in self.women)
            if p is not None:
                k = self.rng.choice(["GZ-ZS1", "GZ-SY"])
                self.record(Rule.RESTRICTED_ITEM, [self.visit(p, k, d, "ZG04-1")])
                return
        p = self.person(d, d)  # an MRI at a community clinic (level 1, needs 2)
        if p is not None:
            k = "CQ-SPB" if p.home == CQ else "GZ-YX"
            lines = [*self.visit_lines(INST_BY_KEY[k]), self.line("210400001", 1, INST_BY_KEY[k])]
            self.record(Rule.RESTRICTED_ITEM, [self.claim(p, k, d, lines)])

    def surge(self, key: str, month: int) -> None:
        """Admissions at ``key`` in ``month`` whose fund share is sure to be more than twice the
        most its last three months can have paid (their whole bills)."""
        inst = INST_BY_KEY[key]
        billed = sum(sum(ln.billed for ln in c.lines) for c in self.g.claims
                     if c.inst == key and month - 3 <= c.service.month < month)
        pol = [v for v in self.g.policies if v.region == inst.region]
        worst = min(v.ip_ratio_bps[inst.level] for v in pol), max(v.ip_deductible[inst.level] for v in pol)
        target = max(2_000_00, billed * 2 // 3 + 500_00)
        planted: list[PlannedClaim] = []
        fund = 0
        start, n = month_days(month)
        while fund < target:
            d = start + dt.timedelta(days=self.rng.randrange(n - 10))
            p = self.person(d, d + dt.timedelta(days=8), where=lambda q: q.home == inst.region)
            if p is None:
                break
            c = self.stay(p, key, d, self.rng.randint(5, 8), surgery=True)
            fund += (sum(ln.billed for ln in c.lines) - worst[1]) * worst[0] // 10_000
            planted.append(c)
        if planted:
            self.record(Rule.SURGE, planted)

    # ---------------------------------------------------------------- all of it
    def plant(self) -> None:
        steps = [self.readmit, self.overlap, self.ghost_bed, self.same_day, self.travel, self.dup_billing,
                 self.over_supply, self.restricted]
        for step in steps:
            for i in range(self.n):
                step(i)
        for key, month in SURGES[: max(2, self.n - 2)]:
            self.surge(key, month)

    def attributes(self) -> dict[bytes, PersonAttributes]:
        """Everyone's sex and birth date; women where an ordinary bill has a women's item, and
        the planted men (odd index) men."""
        out = {}
        for p in self.people:
            sex = "F" if p.idx in self.women or p.idx % 2 == 0 else "M"
            out[p.pid] = PersonAttributes(sex, p.birth)
        return out

    def restrictions(self) -> dict[tuple[int, str], ItemRestriction]:
        return {(reg, it.code): RESTRICTIONS[it.code] for reg in (CQ, GZ) for it in self.g.items[reg]
                if it.code in RESTRICTIONS}


def plant(g: Generator, people: list[PersonSpec]) -> Planted:
    """Plant every pattern into ``g.claims``; returns the truth and the off-chain facts."""
    pl = Planter(g, people)
    pl.plant()
    return Planted({r: list(v) for r, v in pl.instances.items()}, pl.attributes(), pl.restrictions())


__all__ = ["CLINICS", "DRUG", "HOSPITALS", "PLANTED_RULES", "PLANTED_TAG", "RESTRICTIONS", "SURGES", "Planter",
           "month_days", "plant"]
