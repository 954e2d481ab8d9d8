"""The parties and records of the demo's synthetic world: eight institutions and where people
go for care, insured people, the claims institutions will submit, and :class:`World`, all of
it (built by :func:`yibao.demo.generator.build_world`).

Nothing here decides a claim: the world only says what institutions *submit* (and what the
regulator, reviewers and institutions will *do*); what the chain decides, pays and records is
read back from the chain by :mod:`yibao.demo.readback`.

National IDs are made up (valid GB 11643 check digits) and only their keyed pseudonyms go
on chain. Money is fen, rates basis points, dates CST calendar dates.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from dataclasses import dataclass, field

from yibao.demo.world_rules import CQ, GZ, YEAR
from yibao.identity import PseudonymKey, check_digit
from yibao.model.screening import ItemRestriction, PersonAttributes, Rule
from yibao.model.types import CatalogueItem, ClaimLine, Grade, PolicyVersion, Scheme, VisitType

# ------------------------------------------------------------------------------------ institutions


@dataclass(frozen=True)
class InstSpec:
    key: str
    name: str
    region: int
    level: int
    grade: Grade
    note: str


INSTITUTIONS = [
    InstSpec("CQ-YD1", "重庆医科大学附属第一医院", CQ, 3, Grade.A, "三级甲等综合医院"),
    InstSpec("CQ-YZ", "重庆市渝中区人民医院", CQ, 2, Grade.B, "二级医院; its billing system overstates the fund share"),
    InstSpec("CQ-SPB", "重庆市沙坪坝区社区卫生服务中心", CQ, 1, Grade.A, "社区卫生服务中心"),
    InstSpec("CQ-HP", "重庆和平药房", CQ, 0, Grade.A, "定点零售药店; its system re-sends invoices"),
    InstSpec("GZ-ZS1", "中山大学附属第一医院", GZ, 3, Grade.A, "三级甲等综合医院"),
    InstSpec("GZ-SY", "广州市第一人民医院", GZ, 3, Grade.B, "三级医院"),
    InstSpec("GZ-YX", "广州市越秀区社区卫生服务中心", GZ, 1, Grade.C, "社区卫生服务中心"),
    InstSpec("GZ-KH", "广州康华医院", GZ, 2, Grade.D, "民营二级医院; claims surge Aug–Oct (fake admissions)"),
]
INST_BY_KEY = {s.key: s for s in INSTITUTIONS}
OVERCLAIMER, PHARMACY, SURGE = "CQ-YZ", "CQ-HP", "GZ-KH"
#: Where people go, by treating region and visit type.
ROUTES: dict[tuple[int, VisitType], list[tuple[str, float]]] = {
    (CQ, VisitType.OUTPATIENT): [("CQ-YD1", 0.27), ("CQ-YZ", 0.25), ("CQ-SPB", 0.48)],
    (CQ, VisitType.PHARMACY): [("CQ-HP", 1.0)],
    (CQ, VisitType.INPATIENT): [("CQ-YD1", 0.45), ("CQ-YZ", 0.4), ("CQ-SPB", 0.15)],
    (GZ, VisitType.OUTPATIENT): [("GZ-ZS1", 0.23), ("GZ-SY", 0.23), ("GZ-YX", 0.49), ("GZ-KH", 0.05)],
    (GZ, VisitType.INPATIENT): [("GZ-ZS1", 0.4), ("GZ-SY", 0.4), ("GZ-KH", 0.1), ("GZ-YX", 0.10)],
}
LEVEL_PRICE = {0: 0.95, 1: 0.9, 2: 1.0, 3: 1.1}


def institution_key(seed: int, i: int) -> bytes:
    """The deterministic signing key of institution ``i`` (a valid secp256k1 secret)."""
    return hashlib.sha256(f"yibao-demo-{seed}-institution-{i}".encode()).digest()


# ------------------------------------------------------------------------------------ people


@dataclass
class PersonSpec:
    idx: int
    pid: bytes
    home: int
    scheme: Scheme
    birth: dt.date
    coverage_from: dt.date
    coverage_to: dt.date
    weight: float
    chronic: list[str]
    working: bool  # an employee who pays contributions (not retired)
    wage: int = 0
    filings: list[tuple[int, dt.date, dt.date]] = field(default_factory=list)
    lives_in: int = 0  # region of residence (the other region for 异地安置)
    death: dt.date | None = None

    @property
    def age(self) -> int:
        return YEAR - self.birth.year

    @property
    def other(self) -> int:
        return GZ if self.home == CQ else CQ

    def filed(self, region: int, day: dt.date) -> bool:
        return any(r == region and a <= day <= b for r, a, b in self.filings)

    def alive(self, day: dt.date) -> bool:
        return self.death is None or day < self.death


def synthetic_id(rng: random.Random, region: int, birth: dt.date) -> str:
    first17 = f"{region // 100:04d}{rng.randrange(1, 99):02d}{birth:%Y%m%d}{rng.randrange(0, 1000):03d}"
    return first17 + check_digit(first17)


# ------------------------------------------------------------------------------------ claims


@dataclass
class PlannedClaim:
    """What an institution submits (its invoice, lines and, maybe, its own fund figure)."""

    inst: str
    invoice: str
    person: PersonSpec
    visit: VisitType
    service: dt.date
    lines: list[ClaimLine]
    ready: dt.date  # the day the institution has it (discharge for inpatients)
    discharge: dt.date | None = None
    claimed_fund: int | None = None
    tag: str = "regular"  # the generator's own label: regular chronic abuse fraud unfiled filed dup misuse
    dup_of: PlannedClaim | None = None

    @property
    def documents(self) -> bytes:
        return hashlib.sha256(f"docs:{self.inst}:{self.invoice}".encode()).digest()


@dataclass
class Planted:
    """What :mod:`yibao.demo.planted` planted for screening: each rule's instances (the sets of
    invoices of the claims that make it), and the off-chain facts screening reads (people's sex
    and birth date by pseudonym, items' restrictions by region and code), which never go on chain."""

    instances: dict[Rule, list[frozenset[str]]] = field(default_factory=dict)
    attributes: dict[bytes, PersonAttributes] = field(default_factory=dict)
    restrictions: dict[tuple[int, str], ItemRestriction] = field(default_factory=dict)


@dataclass
class World:
    seed: int
    key: PseudonymKey
    people: list[PersonSpec]
    claims: list[PlannedClaim]
    items: dict[int, list[CatalogueItem]]
    names: dict[str, str]  # code → name (off chain, for the report)
    policies: list[PolicyVersion]
    planted: Planted = field(default_factory=Planted)


__all__ = [
    "INSTITUTIONS",
    "INST_BY_KEY",
    "LEVEL_PRICE",
    "OVERCLAIMER",
    "PHARMACY",
    "ROUTES",
    "SURGE",
    "InstSpec",
    "PersonSpec",
    "PlannedClaim",
    "Planted",
    "World",
    "institution_key",
    "synthetic_id",
]
