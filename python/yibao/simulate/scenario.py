"""Scenario files (docs: shared/docs/scenario.md) as strict pydantic models.

A scenario is one JSON file describing a small world and a timeline of what happens in
it. :func:`load_scenario` reads and validates one; every problem becomes a one-line
:class:`~yibao.errors.ScenarioError` naming the key and the entry, for example
``timeline[3].claim.institution: unknown institution 'H9'``.

Validation covers: unknown keys, wrong types (strict: no ``"1"`` for ``1``, no ``1.0``,
no ``0`` for ``false``), dates exactly ``YYYY-MM-DD``, non-negative money, claim lines
within the chain's field widths (``qty`` ≤ 2³²−1, ``unit_price`` ≤ 2⁴⁰−1, ``claimed_fund``
≤ 2⁶³−1), ratios 0..10000, levels 0..3, region codes of 6 digits, unique ids, references
to unknown regions / institutions / people / reviewers / claims, and a timeline whose
``at`` days start at ``start`` and never go backwards. What the contracts decide or refuse (a zero
quantity, a claim without lines, a claim billing 2³⁶ fen or more, a discharge before
admission, ...) is left to the run.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Sequence
from typing import Annotated, Any, Literal, TypeAlias

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from yibao.errors import ScenarioError
from yibao.model.types import (
    CatalogueItem,
    Category,
    Claim,
    ClaimKey,
    ClaimLine,
    Filing,
    PolicyVersion,
    Scheme,
    VisitType,
)

_DAY_RE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _parse_day(value: object) -> object:
    """Accept a ``date`` or a string exactly ``YYYY-MM-DD`` naming a real day."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if not isinstance(value, str) or not _DAY_RE.fullmatch(value):
        raise ValueError("expected a date 'YYYY-MM-DD'")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError("not a calendar date") from None


def _short_code(value: object) -> object:
    """A review reason is stored as ``bytes32`` on chain: at most 32 bytes of UTF-8."""
    if isinstance(value, str) and len(value.encode()) > 32:
        raise ValueError("longer than 32 bytes")
    return value


def _item_code(value: object) -> object:
    """A catalogue code travels as ``bytes32``: 1 to 32 ASCII characters, no NUL."""
    if isinstance(value, str):
        if not value.isascii() or "\x00" in value or len(value) > 32:
            raise ValueError("must be 1 to 32 ASCII characters")
    return value


def _policy_day(value: object) -> object:
    """Policy dates are stored in 20 bits on chain (day numbers below 2**20: before 4840-11-26)."""
    if isinstance(value, dt.date) and (value - dt.date(1970, 1, 1)).days >= 2**20:
        raise ValueError("on or after 4840-11-26, beyond what a policy version can store")
    return value


Day: TypeAlias = Annotated[dt.date, BeforeValidator(_parse_day)]
Money: TypeAlias = Annotated[int, Field(ge=0)]
# On-chain widths of policy fields (contracts/libraries/Packed.sol); a value beyond is refused here
# with a message naming the field, instead of failing on chain.
PolicyDay: TypeAlias = Annotated[dt.date, BeforeValidator(_parse_day), AfterValidator(_policy_day)]
Money30: TypeAlias = Annotated[int, Field(ge=0, le=2**30 - 1)]
Money32: TypeAlias = Annotated[int, Field(ge=0, le=2**32 - 1)]
Money36: TypeAlias = Annotated[int, Field(ge=0, le=2**36 - 1)]
Days10: TypeAlias = Annotated[int, Field(ge=0, le=1023)]
Days16: TypeAlias = Annotated[int, Field(ge=0, le=65_535)]
VisitLimit: TypeAlias = Annotated[int, Field(ge=0, le=63)]
ItemCode: TypeAlias = Annotated[str, Field(min_length=1), BeforeValidator(_item_code)]
Count: TypeAlias = Annotated[int, Field(ge=0)]
Bps: TypeAlias = Annotated[int, Field(ge=0, le=10_000)]
Level: TypeAlias = Annotated[int, Field(ge=0, le=3)]
RegionCode: TypeAlias = Annotated[int, Field(ge=100_000, le=999_999)]
Name: TypeAlias = Annotated[str, Field(min_length=1)]
GradeName: TypeAlias = Literal["A", "B", "C", "D", "E"]
SchemeName: TypeAlias = Literal["EMPLOYEE", "RESIDENT"]

MAX_FILINGS = 8


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


# ---------------------------------------------------------------------------
# setup
# ---------------------------------------------------------------------------


class Region(_Model):
    """A region (统筹区) and its fund's opening balance in fen."""

    code: RegionCode
    name: str
    fund: Money


class IpMoney(_Model):
    """Inpatient amounts by hospital level 1..3 (keys ``"1"``, ``"2"``, ``"3"``)."""

    l1: Money32 = Field(alias="1")
    l2: Money32 = Field(alias="2")
    l3: Money32 = Field(alias="3")

    def table(self) -> tuple[int, int, int, int]:
        """As a 4-tuple indexed by level (index 0 unused, 0)."""
        return (0, self.l1, self.l2, self.l3)


class IpBps(_Model):
    """Inpatient ratios by hospital level 1..3."""

    l1: Bps = Field(alias="1")
    l2: Bps = Field(alias="2")
    l3: Bps = Field(alias="3")

    def table(self) -> tuple[int, int, int, int]:
        """As a 4-tuple indexed by level (index 0 unused, 0)."""
        return (0, self.l1, self.l2, self.l3)


class OpBps(_Model):
    """Outpatient/pharmacy ratios by level 0..3 (0 = retail pharmacy)."""

    l0: Bps = Field(alias="0")
    l1: Bps = Field(alias="1")
    l2: Bps = Field(alias="2")
    l3: Bps = Field(alias="3")

    def table(self) -> tuple[int, int, int, int]:
        """As a 4-tuple indexed by level."""
        return (self.l0, self.l1, self.l2, self.l3)


class Policy(_Model):
    """One policy version of a home region × scheme (see adjudication.md)."""

    region: RegionCode
    scheme: SchemeName
    effective_from: PolicyDay
    op_deductible: Money30
    ip_deductible: IpMoney
    op_ratio_bps: OpBps
    ip_ratio_bps: IpBps
    op_annual_cap: Money36
    annual_cap: Money36
    monthly_visit_limit: VisitLimit
    class_b_self_pay_bps: Bps
    cross_region_cut_bps: Bps
    waiting_days: Days10
    review_threshold: Money36
    max_claim_age_days: Days10
    appeal_days: Days16

    def to_model(self) -> PolicyVersion:
        """The reference model's record."""
        return PolicyVersion(
            region=self.region,
            scheme=Scheme[self.scheme],
            effective_from=self.effective_from,
            op_deductible=self.op_deductible,
            ip_deductible=self.ip_deductible.table(),
            op_ratio_bps=self.op_ratio_bps.table(),
            ip_ratio_bps=self.ip_ratio_bps.table(),
            op_annual_cap=self.op_annual_cap,
            annual_cap=self.annual_cap,
            monthly_visit_limit=self.monthly_visit_limit,
            class_b_self_pay_bps=self.class_b_self_pay_bps,
            cross_region_cut_bps=self.cross_region_cut_bps,
            waiting_days=self.waiting_days,
            review_threshold=self.review_threshold,
            max_claim_age_days=self.max_claim_age_days,
            appeal_days=self.appeal_days,
        )


class Item(_Model):
    """A catalogue item of a region; ``0`` means "none" for the three limits."""

    region: RegionCode
    code: ItemCode
    category: Literal["A", "B", "C"]
    price_cap: Annotated[int, Field(ge=0, le=2**64 - 1)] = 0
    inpatient_only: bool = False
    max_qty: Annotated[int, Field(ge=0, le=2**32 - 1)] = 0
    min_interval_days: Days16 = 0

    def to_model(self) -> CatalogueItem:
        """The reference model's record."""
        return CatalogueItem(
            code=self.code,
            category=Category[self.category],
            price_cap=self.price_cap,
            inpatient_only=self.inpatient_only,
            max_qty=self.max_qty,
            min_interval_days=self.min_interval_days,
        )


class Institution(_Model):
    """A designated institution: level 0 (retail pharmacy) or hospital level 1..3."""

    id: Name
    region: RegionCode
    level: Level
    grade: GradeName


class FilingIn(_Model):
    """A cross-region filing (dates inclusive)."""

    region: RegionCode
    from_: Day = Field(alias="from")
    to: Day

    @model_validator(mode="after")
    def _ordered(self) -> FilingIn:
        if self.to < self.from_:
            raise ValueError("'to' is before 'from'")
        return self

    def to_model(self) -> Filing:
        """The reference model's record."""
        return Filing(self.region, self.from_, self.to)


class Person(_Model):
    """An insured person, known by the file's own id."""

    id: Name
    region: RegionCode
    scheme: SchemeName
    coverage_from: Day
    coverage_to: Day
    filings: list[FilingIn] = Field(default_factory=list, max_length=MAX_FILINGS)

    @model_validator(mode="after")
    def _ordered(self) -> Person:
        if self.coverage_to < self.coverage_from:
            raise ValueError("coverage_to is before coverage_from")
        return self


# ---------------------------------------------------------------------------
# timeline
# ---------------------------------------------------------------------------


MAX_QTY = 2**32 - 1
"""Largest line quantity a scenario may give (``uint32`` on chain)."""
MAX_UNIT_PRICE = 2**40 - 1
"""Largest line unit price in fen a scenario may give (``uint40`` on chain)."""
MAX_CLAIMED_FUND = 2**63 - 1
"""Largest ``claimed_fund`` in fen a scenario may give (``uint64``, kept signed-safe)."""


class LineIn(_Model):
    """One claim line (a zero quantity or a too large total is left for the contracts)."""

    code: ItemCode
    qty: Annotated[int, Field(ge=0, le=MAX_QTY)]
    unit_price: Annotated[int, Field(ge=0, le=MAX_UNIT_PRICE)]


class ClaimIn(_Model):
    """A claim submitted by an institution; ``invoice`` defaults to ``id``."""

    id: Name
    institution: Name
    person: Name
    visit: Literal["OUTPATIENT", "INPATIENT", "PHARMACY"]
    date: Day
    discharge: Day | None = None
    lines: list[LineIn] = Field(max_length=255)
    claimed_fund: Annotated[int, Field(ge=0, le=MAX_CLAIMED_FUND)] | None = None
    invoice: Name | None = None

    @property
    def invoice_number(self) -> str:
        """The institution's invoice number (the claim id by default)."""
        return self.invoice if self.invoice is not None else self.id

    @property
    def key(self) -> ClaimKey:
        """The claim's identity: institution and invoice."""
        return ClaimKey(self.institution, self.invoice_number)

    def to_model(self) -> Claim:
        """The reference model's record."""
        return Claim(
            institution=self.institution,
            invoice=self.invoice_number,
            person=self.person,
            visit=VisitType[self.visit],
            service_date=self.date,
            lines=tuple(ClaimLine(x.code, x.qty, x.unit_price) for x in self.lines),
            discharge=self.discharge,
            claimed_fund=self.claimed_fund,
        )


class ReviewIn(_Model):
    """A reviewer decides a FLAGGED claim, or an APPEALED one."""

    claim: Name
    reviewer: Name
    decision: Literal["approve", "reject"]
    reason: Annotated[str, BeforeValidator(_short_code)] = ""
    evidence: str = ""


class ClaimRef(_Model):
    """A step about one claim (appeal, clawback)."""

    claim: Name


class InstitutionRef(_Model):
    """A step about one institution (settle, freeze, unfreeze)."""

    institution: Name


class ClearIn(_Model):
    """A home region pays what it owes a treating region (all of it by default)."""

    from_: RegionCode = Field(alias="from")
    to: RegionCode
    amount: Annotated[int, Field(ge=1)] | None = None


class SetGradeIn(_Model):
    """A new credit grade for an institution."""

    institution: Name
    grade: GradeName


class ContributionIn(_Model):
    """A contribution (缴费) credited to the person's home-region fund."""

    person: Name
    amount: Money


class PersonStatusIn(_Model):
    """A person's status change with an optional reason code (0..255)."""

    person: Name
    status: Literal["ACTIVE", "SUSPENDED", "TERMINATED"]
    reason: Annotated[int, Field(ge=0, le=255)] = 0


class InstitutionStatusIn(_Model):
    """An institution's status change with an optional reason code (0..255)."""

    institution: Name
    status: Literal["ACTIVE", "SUSPENDED", "REVOKED"]
    reason: Annotated[int, Field(ge=0, le=255)] = 0


class FilingStepIn(_Model):
    """A new cross-region filing for a person."""

    person: Name
    region: RegionCode
    from_: Day = Field(alias="from")
    to: Day

    @model_validator(mode="after")
    def _ordered(self) -> FilingStepIn:
        if self.to < self.from_:
            raise ValueError("'to' is before 'from'")
        return self

    def to_model(self) -> Filing:
        """The reference model's record."""
        return Filing(self.region, self.from_, self.to)


StepKind: TypeAlias = Literal[
    "claim",
    "review",
    "appeal",
    "settle",
    "clear",
    "clawback",
    "freeze",
    "unfreeze",
    "set_grade",
    "contribution",
    "person_status",
    "institution_status",
    "filing",
]
STEP_KINDS: tuple[StepKind, ...] = (
    "claim",
    "review",
    "appeal",
    "settle",
    "clear",
    "clawback",
    "freeze",
    "unfreeze",
    "set_grade",
    "contribution",
    "person_status",
    "institution_status",
    "filing",
)


class Step(_Model):
    """One timeline entry: ``at`` plus exactly one step kind."""

    at: Day
    claim: ClaimIn | None = None
    review: ReviewIn | None = None
    appeal: ClaimRef | None = None
    settle: InstitutionRef | None = None
    clear: ClearIn | None = None
    clawback: ClaimRef | None = None
    freeze: InstitutionRef | None = None
    unfreeze: InstitutionRef | None = None
    set_grade: SetGradeIn | None = None
    contribution: ContributionIn | None = None
    person_status: PersonStatusIn | None = None
    institution_status: InstitutionStatusIn | None = None
    filing: FilingStepIn | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Step:
        given = [k for k in STEP_KINDS if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(f"a step needs exactly one of {', '.join(STEP_KINDS)}")
        return self

    @property
    def kind(self) -> StepKind:
        """Which kind of step this is."""
        for k in STEP_KINDS:
            if getattr(self, k) is not None:
                return k
        raise AssertionError("validated step without a kind")  # pragma: no cover


class Scenario(_Model):
    """A whole scenario file."""

    start: Day
    regions: list[Region]
    policies: list[Policy] = Field(default_factory=list)
    catalogue: list[Item] = Field(default_factory=list)
    institutions: list[Institution] = Field(default_factory=list)
    reviewers: list[Name] = Field(default_factory=list)
    people: list[Person] = Field(default_factory=list)
    timeline: list[Step] = Field(default_factory=list)

    @model_validator(mode="after")
    def _references(self) -> Scenario:
        problem = _check_references(self)
        if problem is not None:
            raise ValueError(problem)
        return self


# ---------------------------------------------------------------------------
# cross-reference checks
# ---------------------------------------------------------------------------


def _check_references(s: Scenario) -> str | None:
    """The first cross-reference problem as ``path: message``, or None."""
    regions: set[int] = set()
    for i, r in enumerate(s.regions):
        if r.code in regions:
            return f"regions[{i}].code: duplicate region {r.code}"
        regions.add(r.code)

    def region(path: str, code: int) -> str | None:
        return None if code in regions else f"{path}: unknown region {code}"

    latest: dict[tuple[int, str], dt.date] = {}
    for i, p in enumerate(s.policies):
        if (e := region(f"policies[{i}].region", p.region)) is not None:
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
        if (e := region(f"catalogue[{i}].region", item.region)) is not None:
            return e
        if (item.region, item.code) in codes:
            return f"catalogue[{i}].code: duplicate item '{item.code}' in region {item.region}"
        codes.add((item.region, item.code))

    institutions: set[str] = set()
    for i, inst in enumerate(s.institutions):
        if inst.id in institutions:
            return f"institutions[{i}].id: duplicate institution '{inst.id}'"
        if (e := region(f"institutions[{i}].region", inst.region)) is not None:
            return e
        institutions.add(inst.id)

    reviewers: set[str] = set()
    for i, rev in enumerate(s.reviewers):
        if rev in reviewers:
            return f"reviewers[{i}]: duplicate reviewer '{rev}'"
        reviewers.add(rev)

    people: dict[str, int] = {}
    for i, person in enumerate(s.people):
        if person.id in people:
            return f"people[{i}].id: duplicate person '{person.id}'"
        if (e := region(f"people[{i}].region", person.region)) is not None:
            return e
        for j, f in enumerate(person.filings):
            if (e := region(f"people[{i}].filings[{j}].region", f.region)) is not None:
                return e
            if f.region == person.region:
                return f"people[{i}].filings[{j}].region: {f.region} is the person's home region"
        people[person.id] = person.region

    def known(
        path: str, what: str, value: str, names: set[str] | dict[str, int]
    ) -> str | None:
        return None if value in names else f"{path}: unknown {what} '{value}'"

    claims: set[str] = set()
    previous = s.start
    for i, step in enumerate(s.timeline):
        at = f"timeline[{i}]"
        if step.at < s.start:
            return f"{at}.at: {step.at.isoformat()} is before start {s.start.isoformat()}"
        if step.at < previous:
            return f"{at}.at: {step.at.isoformat()} is before the previous step's {previous}"
        previous = step.at
        kind = step.kind
        path = f"{at}.{kind}"
        checks: list[str | None] = []
        if step.claim is not None:
            c = step.claim
            if c.id in claims:
                return f"{path}.id: duplicate claim '{c.id}'"
            checks += [
                known(f"{path}.institution", "institution", c.institution, institutions),
                known(f"{path}.person", "person", c.person, people),
            ]
            claims.add(c.id)
        elif step.review is not None:
            checks += [
                known(f"{path}.claim", "claim", step.review.claim, claims),
                known(f"{path}.reviewer", "reviewer", step.review.reviewer, reviewers),
            ]
        elif step.appeal is not None or step.clawback is not None:
            ref = step.appeal or step.clawback
            assert ref is not None
            checks.append(known(f"{path}.claim", "claim", ref.claim, claims))
        elif step.clear is not None:
            checks += [
                region(f"{path}.from", step.clear.from_),
                region(f"{path}.to", step.clear.to),
            ]
        elif step.contribution is not None:
            checks.append(known(f"{path}.person", "person", step.contribution.person, people))
        elif step.person_status is not None:
            checks.append(known(f"{path}.person", "person", step.person_status.person, people))
        elif step.filing is not None:
            fl = step.filing
            checks += [
                known(f"{path}.person", "person", fl.person, people),
                region(f"{path}.region", fl.region),
            ]
            if people.get(fl.person) == fl.region:
                checks.append(f"{path}.region: {fl.region} is the person's home region")
        else:
            target = (
                step.settle
                or step.freeze
                or step.unfreeze
                or step.set_grade
                or step.institution_status
            )
            assert target is not None
            checks.append(
                known(f"{path}.institution", "institution", target.institution, institutions)
            )
        for problem in checks:
            if problem is not None:
                return problem
    return None


# ---------------------------------------------------------------------------
# loading
# ---------------------------------------------------------------------------


def _path(loc: Sequence[int | str]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


def _format(error: ValidationError) -> str:
    """One line for the first problem pydantic found."""
    first = error.errors(include_url=False)[0]
    where = _path(first["loc"])
    kind = first["type"]
    msg = str(first["msg"])
    if kind == "extra_forbidden":
        msg = "unknown key"
    elif kind == "missing":
        msg = "missing key"
    else:
        msg = msg.removeprefix("Value error, ")
        value: Any = first.get("input")
        scalar = isinstance(value, str | int | float | bool) or value is None
        if scalar and (kind != "value_error" or where):
            msg += f" (got {json.dumps(value, ensure_ascii=False)})"
    if not where or (kind == "value_error" and not first["loc"]):
        return msg
    extra = len(error.errors()) - 1
    suffix = f" (and {extra} more problem{'s' if extra > 1 else ''})" if extra else ""
    return f"{where}: {msg}{suffix}"


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ScenarioError(f"duplicate key '{key}'")
        out[key] = value
    return out


def parse_scenario(data: object) -> Scenario:
    """Validate an already-decoded JSON document; raises :class:`ScenarioError`."""
    if not isinstance(data, dict):
        raise ScenarioError("a scenario must be a JSON object")
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(_format(exc)) from None


def load_scenario(path: str | os.PathLike[str]) -> Scenario:
    """Read and validate a scenario file; raises :class:`ScenarioError` (one line)."""
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"cannot read {os.fspath(path)}: {exc}") from None
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicate_keys)
    except json.JSONDecodeError as exc:
        raise ScenarioError(
            f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    return parse_scenario(data)
