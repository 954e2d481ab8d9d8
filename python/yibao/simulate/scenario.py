"""Scenario files (the format: docs/rules/scenario.md) as strict pydantic models.

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
from yibao.model.types import Claim, ClaimKey, ClaimLine, VisitType
from yibao.simulate.references import check_references

# ---------------------------------------------------------------------------
# timeline
# ---------------------------------------------------------------------------

MAX_QTY = codec.U32
"""Largest line quantity a scenario may give (``uint32`` on chain)."""
MAX_UNIT_PRICE = 2**40 - 1
"""Largest line unit price in fen a scenario may give (``uint40`` on chain)."""
MAX_CLAIMED_FUND = 2**63 - 1
"""Largest ``claimed_fund`` in fen a scenario may give (``uint64``, kept signed-safe)."""


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


StepKind: TypeAlias = Literal[
    "claim", "review", "appeal", "settle", "clear", "clawback", "freeze", "unfreeze", "set_grade",
    "contribution", "person_status", "institution_status", "filing", "precheck",
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
    "MAX_CLAIMED_FUND",
    "MAX_QTY",
    "MAX_UNIT_PRICE",
    "STEP_KINDS",
    "ClaimIn",
    "ClaimRef",
    "ClawbackIn",
    "ClearIn",
    "ContributionIn",
    "FilingStepIn",
    "InstitutionRef",
    "InstitutionStatusIn",
    "LineIn",
    "PersonStatusIn",
    "ReviewIn",
    "Scenario",
    "SetGradeIn",
    "Step",
    "StepKind",
    "load_scenario",
    "parse_scenario",
]
