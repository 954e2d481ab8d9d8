"""The generator of the demo's world: insured people, the lines of their bills and a year of
claims with planted misbehaviour, all drawn from one ``random.Random(seed)`` in a fixed order,
so the same seed gives the same world on every machine.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random

from yibao.demo.planted import plant
from yibao.demo.catalogue import SURGERIES, UNLISTED, catalogue, item_names, national_list
from yibao.demo.world import (
    INST_BY_KEY, INSTITUTIONS, LEVEL_PRICE, OVERCLAIMER, PHARMACY, ROUTES, SURGE, InstSpec, PersonSpec,
    PlannedClaim, World, synthetic_id
)
from yibao.demo.world_rules import (
    CQ, DEC31, EMPLOYEE_SHARE, GZ, JAN1, PEOPLE_SHARE, PRICE_FACTOR, WAGE_FLOOR_CAP, WAGE_MEDIAN, YEAR,
    policies
)
from yibao.identity import PseudonymKey
from yibao.model.types import ClaimLine, Scheme, VisitType

SEASON = [1.2, 0.8, 1.0, 0.95, 0.95, 0.9, 0.95, 0.95, 0.95, 1.0, 1.05, 1.25]
MONTH_DAYS = [
    (dt.date(YEAR, m, 1), (dt.date(YEAR + (m == 12), m % 12 + 1, 1) - dt.date(YEAR, m, 1)).days) for m in range(1, 13)
]
UNLISTED_PRICE = {c: p for c, _, p in UNLISTED}


class Generator:
    """The world's draws: people first, then the claims of the year (:meth:`plan`)."""

    def __init__(self, seed: int, n_people: int, n_claims: int) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        self.n_people = max(20, n_people)
        self.n_claims = max(100, n_claims)
        self.refs = {r.code: r for r in national_list()}
        self.items = {CQ: catalogue(CQ), GZ: catalogue(GZ)}
        self.listed = {reg: {it.code for it in items} for reg, items in self.items.items()}
        self.by_kind: dict[tuple[int, str], list[str]] = {}
        for reg in (CQ, GZ):
            for it in self.items[reg]:
                self.by_kind.setdefault((reg, self.refs[it.code].kind), []).append(it.code)
        self.serial: dict[str, int] = {s.key: 0 for s in INSTITUTIONS}
        self.policies = policies()
        self.claims: list[PlannedClaim] = []

    # ---------------------------------------------------------------- helpers
    def day_in_year(self, lo: dt.date = JAN1, hi: dt.date = DEC31) -> dt.date:
        rng = self.rng
        while True:
            m = rng.choices(range(12), weights=SEASON)[0]
            first, n = MONTH_DAYS[m]
            d = first + dt.timedelta(days=rng.randrange(n))
            if lo <= d <= hi:
                return d

    def pick(self, region: int, kind: str) -> str:
        return self.rng.choice(self.by_kind[(region, kind)])

    def price(self, code: str, inst: InstSpec) -> int:
        ref = self.refs[code].price if code in self.refs else UNLISTED_PRICE[code]
        f = PRICE_FACTOR[inst.region] * LEVEL_PRICE[inst.level] * self.rng.uniform(0.92, 1.12)
        if inst.key == SURGE:
            f *= 1.2
        return max(1, int(ref * f))

    def line(self, code: str, qty: int, inst: InstSpec) -> ClaimLine:
        return ClaimLine(code, max(1, qty), self.price(code, inst))

    def route(self, region: int, visit: VisitType) -> InstSpec:
        if region == GZ and visit == VisitType.PHARMACY:
            visit = VisitType.OUTPATIENT  # 广州 has no designated pharmacy here: drugs from clinics
        opts = ROUTES[(region, visit)]
        key = self.rng.choices([k for k, _ in opts], weights=[w for _, w in opts])[0]
        return INST_BY_KEY[key]

    def invoice(self, inst: InstSpec, day: dt.date) -> str:
        self.serial[inst.key] += 1
        return f"{inst.key}-{day:%Y%m%d}-{self.serial[inst.key]:06d}"

    # ---------------------------------------------------------------- people
    def people(self, key: PseudonymKey) -> list[PersonSpec]:
        rng = self.rng
        out = []
        for i in range(self.n_people):
            home = CQ if rng.random() < PEOPLE_SHARE[CQ] else GZ
            age = min(95, max(0, int(rng.triangular(0, 95, 45))))
            birth = dt.date(YEAR - age, 1, 1) + dt.timedelta(days=rng.randrange(365))
            pid = key.pseudonym(synthetic_id(rng, home, birth))
            adult = 18 <= age <= 75
            employee = adult and rng.random() < EMPLOYEE_SHARE[home] * (1.15 if age < 60 else 0.8)
            scheme = Scheme.EMPLOYEE if employee else Scheme.RESIDENT
            working = employee and age < 60
            wage = 0
            if working:
                lo, hi = WAGE_FLOOR_CAP[home]
                wage = min(hi, max(lo, int(WAGE_MEDIAN[home] * rng.lognormvariate(0, 0.45))))
            chronic_p = 0.03 if age < 40 else 0.15 if age < 60 else 0.38
            chronic: list[str] = []
            if rng.random() < chronic_p:
                chronic = rng.sample(self.by_kind[(home, "chronic")], rng.choice([1, 1, 2]))
            weight = 1.3 if age < 7 else 0.55 if age < 40 else 0.9 if age < 60 else 1.6 if age < 75 else 2.2
            weight *= rng.lognormvariate(0, 0.5)
            if rng.random() < 0.04 and scheme == Scheme.RESIDENT and age > 0:
                cf = dt.date(YEAR, rng.randrange(2, 8), 1)  # joined mid-year: waiting period applies
            else:
                cf = dt.date(max(1998, YEAR - 1 - rng.randrange(0, 20)), 1, 1)
                if age < 1:
                    cf = dt.date(YEAR - 1, 1, 1)
            p = PersonSpec(i, pid, home, scheme, birth, cf, DEC31, weight, chronic, working, wage, lives_in=home)
            r = rng.random()
            if r < (0.10 if age >= 60 else 0.025):
                # 异地安置 / 长期居住: lives in the other region, filed there for the year (or from mid-year)
                start = JAN1 if rng.random() < 0.7 else dt.date(YEAR, rng.randrange(2, 7), 1)
                p.filings.append((p.other, start, DEC31))
                p.lives_in = p.other
            elif r < (0.10 if age >= 60 else 0.025) + 0.015:
                # 转诊备案: a referral to the other region for a planned admission
                start = self.day_in_year(JAN1, dt.date(YEAR, 11, 15))
                p.filings.append((p.other, start, start + dt.timedelta(days=rng.randrange(30, 61))))
            out.append(p)
        deaths = max(1, round(0.003 * self.n_people))
        for p in rng.sample([q for q in out if q.age >= 70 and not q.filings] or out, deaths):
            p.death = dt.date(YEAR, rng.randrange(4, 10), rng.randrange(1, 28))
        return out

    # ---------------------------------------------------------------- lines
    def outpatient_lines(
        self, p: PersonSpec, inst: InstSpec, day: dt.date, drugs_only: bool = False
    ) -> list[ClaimLine]:
        rng, reg = self.rng, inst.region
        lines: list[ClaimLine] = []
        if not drugs_only:
            consult = {
                1: "110200001",
                2: rng.choice(["110200001", "110200002"]),
                3: rng.choice(["110200002", "110200003", "110200003"]),
            }[inst.level]
            if rng.random() < 0.04 and inst.level >= 2:
                consult = "110200009"  # 特需门诊 (class C)
            lines.append(self.line(consult, 1, inst))
            if rng.random() < 0.5:
                exams = self.by_kind[(reg, "lab")] + (
                    self.by_kind[(reg, "imaging")] if inst.level >= 2 else ["210102001", "220100001", "310701001"]
                )
                for code in rng.sample(exams, rng.choice([1, 1, 2, 3])):
                    lines.append(self.line(code, 1, inst))
            if rng.random() < 0.12:
                lines.append(self.line(self.pick(reg, "therapy"), rng.choice([1, 1, 2]), inst))
        n = rng.choice([1, 1, 2, 2, 3])
        for _ in range(n):
            if p.chronic and rng.random() < 0.45:
                code = rng.choice(p.chronic)
            else:
                code = self.pick(reg, rng.choice(["acute", "acute", "tcm_acute"]))
            qty = rng.choice([1, 1, 2, 2, 3]) if rng.random() > 0.08 else rng.randrange(4, 7)
            lines.append(self.line(code, qty, inst))
        if rng.random() < 0.10 and not drugs_only:
            lines.append(self.line("121200001", 1, inst))
            lines.append(self.line("C0101", 1, inst))
            if rng.random() < 0.3:  # an inpatient-only antibiotic on an outpatient bill: INPATIENT_ONLY
                lines.append(self.line("XJ01DD04-1", 2, inst))
        if rng.random() < 0.05:
            lines.append(self.line(rng.choice(["ZX01", "ZX03", "XC10AA05-9"]), 1, inst))
        if rng.random() < 0.03:
            lines.append(self.line(rng.choice(UNLISTED)[0], 1, inst))
        return lines

    def pharmacy_lines(self, p: PersonSpec, inst: InstSpec) -> list[ClaimLine]:
        rng, reg = self.rng, inst.region
        lines = []
        for _ in range(rng.choice([1, 1, 2, 3])):
            kind = rng.choice(["acute", "acute", "tcm_acute", "tcm_chronic"])
            code = rng.choice(p.chronic) if p.chronic and rng.random() < 0.5 else self.pick(reg, kind)
            lines.append(self.line(code, rng.choice([1, 1, 2, 3]), inst))
        if rng.random() < 0.08:
            lines.append(self.line(rng.choice(["ZX01", "ZX02", "ZX03"]), rng.choice([1, 2]), inst))
        return lines

    def refill_lines(self, p: PersonSpec, inst: InstSpec) -> list[ClaimLine]:
        rng = self.rng
        lines = []
        if inst.level > 0:
            lines.append(self.line("110200001", 1, inst))
        for code in p.chronic:
            lines.append(self.line(code, rng.choice([1, 2, 2, 3]) if rng.random() > 0.05 else 5, inst))
            if "A10A" in code and rng.random() < 0.6:
                lines.append(self.line("C0401", rng.choice([30, 60]), inst))
        if inst.level > 0 and rng.random() < 0.15:
            lines.append(self.line(rng.choice(["250304001", "250305001", "250303001"]), 1, inst))
        return lines

    def inpatient_lines(self, p: PersonSpec, inst: InstSpec, fake: bool = False) -> tuple[list[ClaimLine], int]:
        rng, reg, lv = self.rng, inst.region, inst.level
        los = rng.randint(*{1: (3, 7), 2: (4, 10), 3: (5, 13)}[lv])
        surgery = None
        chemo = not fake and lv == 3 and rng.random() < 0.12 and p.age >= 30
        if not fake and not chemo and rng.random() < {1: 0.06, 2: 0.4, 3: 0.55}[lv]:
            options = [s for s, (_, _, _, low) in SURGERIES.items() if low <= lv]
            if p.age < 16 or p.age > 45:
                options = [s for s in options if s != "331102001"]
            surgery = rng.choice(options)
            los += SURGERIES[surgery][2]
        if fake:
            los = rng.randint(4, 7)
        if chemo:
            los = rng.randint(3, 5)
        lines = [
            self.line("110900001", los, inst),
            self.line("120100002" if (surgery or lv == 3) and not fake else "120100003", los, inst),
            self.line("110300001", los, inst),
            self.line("121200001", los * (1 if fake else 2), inst),
            self.line("C0101", los, inst),
            self.line("XB05XA03-1", 2 * los, inst),
            self.line("XB05BA03-1", los, inst),
        ]
        labs = ["250101001", "250301001", "250302001", "250303002", "250501001"]
        for code in labs + (["250401001", "250901001"] if surgery else []):
            lines.append(
                self.line(
                    code, rng.choice([1, 2, 3]) if code in ("250101001", "250303002") else rng.choice([1, 2]), inst
                )
            )
        if fake:
            lines.append(self.line("XJ01DD04-1", los, inst))
            lines.append(self.line("340100001", 1, inst))
            return lines, los
        for code in rng.sample(
            ["210102001", "220100001", "310701001", "210300001", "220600001", "210300002", "210400001"][
                : 5 if lv < 3 else 7
            ],
            rng.choice([2, 2, 3, 4]),
        ):
            lines.append(self.line(code, 1, inst))
        if lv >= 2 and (surgery or rng.random() < 0.5):
            lines.append(self.line("311000001", rng.randint(max(1, los // 2), los), inst))
            lines.append(self.line("310603002", rng.randint(1, los), inst))
        injections = [c for c in self.by_kind[(reg, "inj")] if "L01" not in c and "A04" not in c]
        for code in rng.sample(injections, rng.choice([2, 3, 3, 4])):
            lines.append(self.line(code, rng.randint(los, 3 * los), inst))
        if chemo:
            lines.append(self.line("XL01XA03-1", rng.randint(1, 3), inst))
            lines.append(self.line("XA04AA01-1", rng.randint(2, 6), inst))
            lines.append(self.line("250701001", 1, inst))
        if rng.random() < 0.5:
            lines.append(self.line(self.pick(reg, "acute"), rng.choice([1, 2]), inst))
        if p.chronic:
            lines.append(self.line(p.chronic[0], 1, inst))
        if surgery:
            anaes, implant, _, _ = SURGERIES[surgery]
            lines.append(self.line(surgery, 1, inst))
            lines.append(self.line(anaes, 1, inst))
            lines.append(self.line("XN01AX10-1", rng.randint(2, 5), inst))
            lines.append(self.line("C0102", 1, inst))
            lines.append(self.line("C0302", 1, inst))
            if implant:
                lines.append(self.line(implant, 1 if implant != "C0201" else rng.choice([1, 1, 2]), inst))
            if rng.random() < 0.3:
                lines.append(self.line("330100009", 1, inst))
            if rng.random() < 0.1:
                lines.append(self.line("XB05AA01-1", rng.randint(2, 6), inst))
        if lv == 3 and rng.random() < 0.06:
            lines.append(self.line("110900002", rng.randint(1, 3), inst))
        if rng.random() < 0.04 and lv >= 2:
            lines.append(self.line("110900009", rng.randint(1, los), inst))
        if rng.random() < 0.06:
            lines.append(self.line(rng.choice(UNLISTED)[0], rng.randint(1, los), inst))
        return lines, los

    # ---------------------------------------------------------------- claims
    def add(self, p: PersonSpec, inst: InstSpec, visit: VisitType, day: dt.date, tag: str,
            lines: list[ClaimLine] | None = None) -> PlannedClaim | None:
        rng = self.rng
        discharge = None
        if visit == VisitType.INPATIENT:
            lines, los = self.inpatient_lines(p, inst, fake=tag == "fraud")
            discharge = day + dt.timedelta(days=los)
            if discharge > DEC31:
                return None
        elif lines is None:
            if visit == VisitType.PHARMACY:
                lines = self.pharmacy_lines(p, inst)
            else:
                lines = self.outpatient_lines(p, inst, day)
        c = PlannedClaim(inst.key, self.invoice(inst, day), p, visit, day, lines, discharge or day, discharge)
        c.tag = tag
        if inst.key == OVERCLAIMER and rng.random() < 0.15:
            # its billing system applies the ratio to the whole bill plus 5 points: more than the chain allows
            pol = [v for v in self.policies if v.region == p.home and v.scheme == p.scheme]
            ratio = max((v.ip_ratio_bps if visit == VisitType.INPATIENT else v.op_ratio_bps)[inst.level] for v in pol)
            c.claimed_fund = sum(ln.billed for ln in lines) * min(10000, ratio + 500) // 10000
        self.claims.append(c)
        return c

    def where_treated(self, p: PersonSpec, day: dt.date) -> int:
        if p.lives_in != p.home and p.filed(p.lives_in, day):
            return p.lives_in if self.rng.random() < 0.92 else p.home
        return p.home


    def plan(self, people: list[PersonSpec]) -> None:
        """The year's claims, step by step: planted misbehaviour first, then the ordinary care
        that fills the requested number, then the re-sent invoices."""
        alive = [p for p in people if p.age >= 0]
        self.plan_fraud(alive)
        self.plan_abuse(alive)
        self.plan_unfiled(alive)
        self.plan_filed(alive)
        self.plan_misuse(alive)
        self.plan_refills(alive)
        self.plan_regular(alive)
        self.plan_duplicates()

    def plan_fraud(self, alive: list[PersonSpec]) -> None:
        """Fake admissions and visits at the surge institution, Aug–Oct (fraud found after payment)."""
        rng = self.rng
        n_fraud = max(3, round(0.02 * self.n_claims))
        gz_people = [p for p in alive if p.home == GZ and p.death is None] or alive
        kh = INST_BY_KEY[SURGE]
        for _ in range(n_fraud):
            p = rng.choice(gz_people)
            day = self.day_in_year(dt.date(YEAR, 8, 1), dt.date(YEAR, 10, 31))
            if rng.random() < 0.55:
                self.add(p, kh, VisitType.INPATIENT, day, "fraud")
            else:
                codes = [("110200001", 1), ("340100001", 2), ("340200001", 1), ("340100002", 1)]
                lines = [self.line(code, qty, kh) for code, qty in codes]
                self.add(p, kh, VisitType.OUTPATIENT, day, "fraud", lines)

    def plan_abuse(self, alive: list[PersonSpec]) -> None:
        """People who exceed the monthly visit limit (医保卡套刷 / 过度就医), two or three months each."""
        rng = self.rng
        abusers = rng.sample(
            [p for p in alive if p.death is None and p.coverage_from <= JAN1], max(1, round(0.012 * len(alive)))
        )
        for p in abusers:
            limit = 8 if p.scheme == Scheme.EMPLOYEE else 6
            for m in rng.sample(range(12), rng.choice([2, 3])):
                first, ndays = MONTH_DAYS[m]
                for _ in range(limit + rng.randint(1, 4)):
                    day = first + dt.timedelta(days=rng.randrange(ndays))
                    visit = VisitType.PHARMACY if p.home == CQ and rng.random() < 0.7 else VisitType.OUTPATIENT
                    inst = self.route(p.home, visit)
                    if inst.level == 0:
                        self.add(p, inst, VisitType.PHARMACY, day, "abuse")
                    else:
                        lines = self.outpatient_lines(p, inst, day, drugs_only=rng.random() < 0.5)
                        self.add(p, inst, VisitType.OUTPATIENT, day, "abuse", lines)

    def plan_unfiled(self, alive: list[PersonSpec]) -> None:
        """Care in the other region without a filing (travel, 未备案异地就医)."""
        rng = self.rng
        for _ in range(max(2, round(0.02 * self.n_claims))):
            p = rng.choice(alive)
            day = self.day_in_year()
            if p.filed(p.other, day) or not p.alive(day) or day < p.coverage_from:
                continue
            visit = VisitType.INPATIENT if rng.random() < 0.12 else VisitType.OUTPATIENT
            inst = self.route(p.other, visit)
            if visit == VisitType.OUTPATIENT and inst.level < 2:
                inst = INST_BY_KEY["CQ-YD1" if p.other == CQ else "GZ-ZS1"]
            self.add(p, inst, visit, day, "unfiled")

    def plan_filed(self, alive: list[PersonSpec]) -> None:
        """Referrals with a filing: the planned admission in the filed region."""
        for p in alive:
            for region, a, b in p.filings:
                if p.lives_in == p.home and p.alive(b):
                    inst = INST_BY_KEY["CQ-YD1" if region == CQ else "GZ-ZS1"]
                    self.add(p, inst, VisitType.INPATIENT, a + dt.timedelta(days=self.rng.randrange(0, 10)), "filed")
                    self.add(p, inst, VisitType.OUTPATIENT, a, "filed")

    def plan_misuse(self, alive: list[PersonSpec]) -> None:
        """A dead person's card used at a pharmacy after the death was registered (冒用)."""
        for p in alive:
            if p.death is not None:
                day = min(DEC31, p.death + dt.timedelta(days=self.rng.randrange(12, 40)))
                self.add(p, self.route(p.home, VisitType.PHARMACY), VisitType.PHARMACY, day, "misuse")

    def plan_refills(self, alive: list[PersonSpec]) -> None:
        """Chronic patients' monthly refills (长处方, ~every 30 days; some too early)."""
        rng = self.rng
        budget = self.n_claims - len(self.claims)
        chronic = [p for p in alive if p.chronic]
        refill_budget = int(budget * 0.25)
        rng.shuffle(chronic)
        used = 0
        for p in chronic:
            if used >= refill_budget:
                break
            day = dt.date(YEAR, 1, 1) + dt.timedelta(days=rng.randrange(0, 25))
            while day <= DEC31 and used < refill_budget:
                if p.alive(day) and day >= p.coverage_from:
                    region = self.where_treated(p, day)
                    visit = VisitType.PHARMACY if region == CQ and rng.random() < 0.6 else VisitType.OUTPATIENT
                    inst = self.route(region, visit)
                    if visit == VisitType.OUTPATIENT and inst.level >= 2 and rng.random() < 0.7:
                        inst = INST_BY_KEY["CQ-SPB" if region == CQ else "GZ-YX"]
                    if inst.level == 0:
                        visit = VisitType.PHARMACY
                    self.add(p, inst, visit, day, "chronic", self.refill_lines(p, inst))
                    used += 1
                day += dt.timedelta(days=rng.randint(15, 36) if rng.random() < 0.08 else rng.randint(26, 34))

    def plan_regular(self, alive: list[PersonSpec]) -> None:
        """Everything else: ordinary care, weighted by age and health."""
        rng, n = self.rng, self.n_claims
        weights = [p.weight for p in alive]
        while len(self.claims) < n - max(2, round(0.005 * n)):
            p = rng.choices(alive, weights=weights)[0]
            day = self.day_in_year(max(JAN1, p.coverage_from))
            if not p.alive(day):
                continue
            region = self.where_treated(p, day)
            r = rng.random()
            ip = 0.018 * (2.2 if p.age >= 65 else 1.0)
            visit = (
                VisitType.INPATIENT
                if r < ip
                else VisitType.PHARMACY
                if r < ip + (0.38 if region == CQ else 0.22)
                else VisitType.OUTPATIENT
            )
            inst = self.route(region, visit)
            if inst.level == 0 and visit != VisitType.PHARMACY:
                visit = VisitType.PHARMACY
            if region == GZ and visit == VisitType.PHARMACY:
                lines = self.outpatient_lines(p, inst, day, drugs_only=True)
                self.add(p, inst, VisitType.OUTPATIENT, day, "regular", lines)
            else:
                self.add(p, inst, visit, day, "regular")

    def plan_duplicates(self) -> None:
        """Duplicate invoices: re-sent by the institution's system a few days later."""
        rng = self.rng
        originals = [
            c
            for c in self.claims
            if c.inst in (PHARMACY, "CQ-SPB", "GZ-YX", "GZ-SY") and c.tag in ("regular", "chronic")
        ]
        for c in rng.sample(originals, min(len(originals), self.n_claims - len(self.claims))):
            ready = c.ready + dt.timedelta(days=rng.randint(3, 12))
            dup = PlannedClaim(
                c.inst, c.invoice, c.person, c.visit, c.service, list(c.lines), ready, c.discharge, c.claimed_fund,
                "dup", c,
            )
            self.claims.append(dup)


def build_world(seed: int, people: int, claims: int) -> World:
    """The seeded world: ``people`` insured people (at least 20) and about ``claims`` claims
    (at least 100) over the year, and screening's planted patterns (:mod:`yibao.demo.planted`)."""
    g = Generator(seed, people, claims)
    key = PseudonymKey(hashlib.sha256(f"yibao-demo-{seed}-pseudonym-key".encode()).digest())
    ppl = g.people(key)
    g.plan(ppl)
    planted = plant(g, ppl)
    return World(seed, key, ppl, g.claims, g.items, item_names(), g.policies, planted)


__all__ = ["MONTH_DAYS", "SEASON", "UNLISTED_PRICE", "Generator", "build_world"]
