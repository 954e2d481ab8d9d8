"""Scenario files (the format: docs/rules/scenario.md) as strict pydantic models.

A scenario is one JSON file describing a small world and a timeline of what happens in
it. :func:`load_scenario` reads and validates one; every problem becomes a one-line
:class:`~yibao.errors.ScenarioError` naming the key and the entry, for example
``timeline[3].claim.institution: unknown institution 'H9'``.

Validation covers: unknown keys, wrong types (strict: no ``"1"`` for ``1``, no ``1.0``,
no ``0`` for ``false``), dates exactly ``YYYY-MM-DD``, non-negative money, claim lines
within the chain's field widths (``qty`` ≤ 2³²−1, ``unit_price`` ≤ 2⁴⁰−1, ``claimed_fund``
≤ 2⁶³−1), ratios 0..10000, levels 0..3, region codes of 6 digits, unique ids, references
to unknown regions / institutions / people / reviewers / claims / cases, the supervision
parameters (16-bit integers, grade floors falling strictly), and a timeline whose
``at`` days start at ``start`` and never go backwards. What the contracts decide or refuse (a zero
quantity, a claim without lines, a claim billing 2³⁶ fen or more, a discharge before
admission, ...) is left to the run.
"""


from __future__ import annotations

import os
from typing import Annotated, Any, Literal, TypeAlias, get_args

from pydantic import Field, InstanceOf, ValidationError, model_validator

from yibao import codec, inputs
from yibao.errors import InputError, ScenarioError
from yibao.io.schema import (
    Day,
    FilingIn,
    GradeName,
    Institution,
    Item,
    ItemCode,
    Model,
    Money,
    Name,
    Person,
    Policy,
    Region,
    RegionCode,
    ShortCode,
    one_line,
)
from yibao.model.screening import ScreeningParams
from yibao.model.types import Claim, ClaimKey, ClaimLine, SupervisionParams, VisitType
from yibao.simulate.references import CASE_STEP_KINDS, check_references

# ---------------------------------------------------------------------------
# timeline
# ---------------------------------------------------------------------------

MAX_QTY = codec.U32
"""Largest line quantity a scenario may give (``uint32`` on chain)."""
MAX_UNIT_PRICE = 2**40 - 1
"""Largest line unit price in fen a scenario may give (``uint40`` on chain)."""
MAX_CLAIMED_FUND = 2**63 - 1
"""Largest ``claimed_fund`` in fen a scenario may give (``uint64``, kept signed-safe)."""
MAX_FINE_PAYMENT = 2**64 - 1
"""Largest ``pay_fine`` amount in fen a scenario may give (fines are ``uint64`` on chain)."""

U8: TypeAlias = Annotated[int, Field(ge=0, le=codec.U8)]
U16: TypeAlias = Annotated[int, Field(ge=0, le=codec.U16)]


class LineIn(Model):
    """One claim line (a zero quantity or a too large total is left for the contracts)."""

    code: ItemCode
    qty: Annotated[int, Field(ge=0, le=MAX_QTY)]
    unit_price: Annotated[int, Field(ge=0, le=MAX_UNIT_PRICE)]


class ClaimIn(Model):
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


class ReviewIn(Model):
    """A reviewer decides a FLAGGED claim, or an APPEALED one."""

    claim: Name
    reviewer: Name
    decision: Literal["approve", "reject"]
    reason: ShortCode = ""
    evidence: str = ""


class ClaimRef(Model):
    """A step about one claim (appeal)."""

    claim: Name


class ClawbackIn(Model):
    """A regulator claws a settled claim back, with an optional reason code and evidence."""

    claim: Name
    reason: ShortCode = ""
    evidence: str = ""


class InstitutionRef(Model):
    """A step about one institution (settle, freeze, unfreeze)."""

    institution: Name


class ClearIn(Model):
    """A home region pays what it owes a treating region (all of it by default)."""

    from_: RegionCode = Field(alias="from")
    to: RegionCode
    amount: Annotated[int, Field(ge=1)] | None = None


class SetGradeIn(Model):
    """A new credit grade for an institution."""

    institution: Name
    grade: GradeName


class ContributionIn(Model):
    """A contribution (缴费) credited to the person's home-region fund."""

    person: Name
    amount: Money


class PersonStatusIn(Model):
    """A person's status change with an optional reason code (0..255)."""

    person: Name
    status: Literal["ACTIVE", "SUSPENDED", "TERMINATED"]
    reason: Annotated[int, Field(ge=0, le=255)] = 0


class InstitutionStatusIn(Model):
    """An institution's status change with an optional reason code (0..255)."""

    institution: Name
    status: Literal["ACTIVE", "SUSPENDED", "REVOKED"]
    reason: Annotated[int, Field(ge=0, le=255)] = 0


class FilingStepIn(FilingIn):
    """A new cross-region filing for a person."""

    person: Name


# supervision (docs/rules/supervision.md) ----------------------------------------------


class OpenCaseIn(Model):
    """A regulator opens a case named ``id`` on claims of one institution; ``by_region`` is
    the referring region of a REFERRAL (the institution's own region when absent)."""

    id: Name
    institution: Name
    claims: list[Name]
    source: Literal["LEAD", "TIP", "INSPECTION", "REFERRAL"]
    evidence: str = ""
    by_region: RegionCode | None = None


class FindingIn(Model):
    """A finding on an open case: some of its claims, a finding code, evidence."""

    case: Name
    claims: list[Name]
    code: ShortCode
    evidence: str = ""


class DecideIn(Model):
    """The regulator's penalty decision on a case (``article`` 38 or 40: the run decides)."""

    case: Name
    article: U8
    fine_bps: U16
    suspend_days: U16


class CaseRef(Model):
    """A step about one case (contest, finalize, close)."""

    case: Name


class RulingIn(Model):
    """A reviewer rules on a contested case, optionally with a new ``fine_bps``."""

    case: Name
    reviewer: Name
    upheld: bool
    fine_bps: U16 | None = None


class PayFineIn(Model):
    """A payment of an institution's fines (to the treasury), with a payment reference."""

    institution: Name
    amount: Annotated[int, Field(ge=0, le=MAX_FINE_PAYMENT)]
    reference: str = ""


class GradeFloorsIn(Model):
    """The lowest score of each grade (below ``D``: E); they must fall strictly."""

    A: U16 = 90
    B: U16 = 80
    C: U16 = 70
    D: U16 = 60

    @model_validator(mode="after")
    def _falling(self) -> GradeFloorsIn:
        if not self.A > self.B > self.C > self.D:
            raise ValueError(
                f"grade floors must fall strictly from A to D (got A {self.A}, B {self.B}, C {self.C}, D {self.D})"
            )
        return self


class SupervisionIn(Model):
    """The supervision parameters (supervision.md §Parameters) given to every region."""

    contest_days: U16 = 15
    points_art38: U16 = 10
    points_art40: U16 = 30
    credit_base: U16 = 100
    grades: GradeFloorsIn = GradeFloorsIn()

    def to_model(self) -> SupervisionParams:
        """The reference model's record."""
        g = self.grades
        return SupervisionParams(self.contest_days, self.points_art38, self.points_art40, self.credit_base,
                                 g.A, g.B, g.C, g.D)


StepKind: TypeAlias = Literal[
    "claim", "review", "appeal", "settle", "clear", "clawback", "freeze", "unfreeze", "set_grade",
    "contribution", "person_status", "institution_status", "filing", "precheck",
    "open_case", "finding", "decide", "contest", "ruling", "finalize", "close", "pay_fine",
]
STEP_KINDS: tuple[StepKind, ...] = get_args(StepKind)


class Step(Model):
    """One timeline entry: ``at`` plus exactly one step kind."""

    at: Day
    claim: ClaimIn | None = None
    review: ReviewIn | None = None
    appeal: ClaimRef | None = None
    settle: InstitutionRef | None = None
    clear: ClearIn | None = None
    clawback: ClawbackIn | None = None
    freeze: InstitutionRef | None = None
    unfreeze: InstitutionRef | None = None
    set_grade: SetGradeIn | None = None
    contribution: ContributionIn | None = None
    person_status: PersonStatusIn | None = None
    institution_status: InstitutionStatusIn | None = None
    filing: FilingStepIn | None = None
    precheck: ClaimIn | None = None
    """A pre-check (screening.md): a claim as it would be submitted, with its own ``id``;
    nothing is recorded."""
    open_case: OpenCaseIn | None = None
    finding: FindingIn | None = None
    decide: DecideIn | None = None
    contest: CaseRef | None = None
    ruling: RulingIn | None = None
    finalize: CaseRef | None = None
    close: CaseRef | None = None
    pay_fine: PayFineIn | None = None

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


class Scenario(Model):
    """A whole scenario file. ``screening`` holds the rule parameters of screening.md (read by
    :meth:`ScreeningParams.from_mapping`; the defaults when absent)."""

    start: Day
    regions: list[Region]
    policies: list[Policy] = Field(default_factory=list)
    catalogue: list[Item] = Field(default_factory=list)
    institutions: list[Institution] = Field(default_factory=list)
    reviewers: list[Name] = Field(default_factory=list)
    people: list[Person] = Field(default_factory=list)
    timeline: list[Step] = Field(default_factory=list)
    screening: InstanceOf[ScreeningParams] = ScreeningParams()
    supervision: SupervisionIn | None = None
    """The supervision parameters given to every region at set-up (none: the defaults)."""

    @property
    def uses_supervision(self) -> bool:
        """Whether the scenario gives ``supervision`` or has a supervision step: then its output
        has ``cases`` and the institutions' sanctions (docs/rules/scenario.md)."""
        return self.supervision is not None or any(s.kind in CASE_STEP_KINDS for s in self.timeline)

    @model_validator(mode="before")
    @classmethod
    def _screening(cls, data: Any) -> Any:
        """``screening`` parsed by :meth:`ScreeningParams.from_mapping` (its error is the line)."""
        if isinstance(data, dict) and "screening" in data:
            try:
                params = ScreeningParams.from_mapping(data["screening"], where="screening")
            except InputError as exc:
                raise ValueError(str(exc)) from None
            data = {**data, "screening": params}
        return data

    @model_validator(mode="after")
    def _references(self) -> Scenario:
        problem = check_references(self)
        if problem is not None:
            raise ValueError(problem)
        return self


# ---------------------------------------------------------------------------
# cross-reference checks
# ---------------------------------------------------------------------------




# ---------------------------------------------------------------------------
# loading
# ---------------------------------------------------------------------------


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
        raise ScenarioError(one_line(exc)) from None


def load_scenario(path: str | os.PathLike[str]) -> Scenario:
    """Read and validate a scenario file; raises :class:`ScenarioError` (one line)."""
    try:
        text = inputs.read_text(os.fspath(path))
    except InputError as exc:
        raise ScenarioError(str(exc)) from None
    data = inputs.loads(text, error=ScenarioError, object_pairs_hook=_no_duplicate_keys)
    return parse_scenario(data)


__all__ = [
    "CASE_STEP_KINDS",
    "MAX_CLAIMED_FUND",
    "MAX_FINE_PAYMENT",
    "MAX_QTY",
    "MAX_UNIT_PRICE",
    "STEP_KINDS",
    "U8",
    "U16",
    "CaseRef",
    "ClaimIn",
    "ClaimRef",
    "ClawbackIn",
    "ClearIn",
    "ContributionIn",
    "DecideIn",
    "FilingStepIn",
    "FindingIn",
    "GradeFloorsIn",
    "InstitutionRef",
    "InstitutionStatusIn",
    "LineIn",
    "OpenCaseIn",
    "PayFineIn",
    "PersonStatusIn",
    "ReviewIn",
    "RulingIn",
    "Scenario",
    "SetGradeIn",
    "Step",
    "StepKind",
    "SupervisionIn",
    "load_scenario",
    "parse_scenario",
]
