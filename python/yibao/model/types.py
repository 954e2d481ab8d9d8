"""Vocabulary of the reference model: enums with fixed numbers and frozen records.

The integer values of every enum are part of the contract ABI: the Solidity contracts
use the same numbers, so they must never change. Money is ``int`` fen, rates are
``int`` basis points (10000 = 100 %), dates are :class:`datetime.date`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from enum import IntEnum, IntFlag
from typing import TypeVar

from yibao.model.fastinit import direct_init

# ---------------------------------------------------------------------------
# Enums (values fixed: the contracts use the same numbers)
# ---------------------------------------------------------------------------


class Scheme(IntEnum):
    """Insurance scheme: 职工 (employee) or 居民 (resident)."""

    EMPLOYEE = 0
    RESIDENT = 1


class PersonStatus(IntEnum):
    """Status of an insured person; TERMINATED is final."""

    ACTIVE = 0
    SUSPENDED = 1
    TERMINATED = 2


class InstitutionStatus(IntEnum):
    """Status of a designated institution; REVOKED is final."""

    ACTIVE = 0
    SUSPENDED = 1
    REVOKED = 2


class Grade(IntEnum):
    """Credit grade of an institution (A best, E barred from claiming)."""

    A = 0
    B = 1
    C = 2
    D = 3
    E = 4


class VisitType(IntEnum):
    """Kind of visit a claim is for."""

    OUTPATIENT = 0
    INPATIENT = 1
    PHARMACY = 2


class Category(IntEnum):
    """Catalogue class: 甲类 (A), 乙类 (B), 丙类 (C)."""

    A = 0
    B = 1
    C = 2


class ClaimStatus(IntEnum):
    """Where a claim stands."""

    NONE = 0
    APPROVED = 1
    FLAGGED = 2
    REJECTED = 3
    APPEALED = 4
    SETTLED = 5
    CLAWED_BACK = 6


class Reason(IntEnum):
    """Why a claim was rejected (NONE when it was not)."""

    NONE = 0
    DUPLICATE = 1
    INSTITUTION_INACTIVE = 2
    NOT_ENROLLED = 3
    PATIENT_INACTIVE = 4
    FUTURE_SERVICE = 5
    NOT_COVERED = 6
    NO_POLICY = 7
    STALE_CLAIM = 8
    WAITING_PERIOD = 9
    OVERCLAIM = 10
    REVIEW_REJECTED = 11
    APPEAL_REJECTED = 12
    SUPERVISION = 13


class CaseStatus(IntEnum):
    """Where a supervision case stands (supervision.md §Lifecycle)."""

    OPEN = 1
    INVESTIGATING = 2
    NOTIFIED = 3
    CONTESTED = 4
    CLOSED = 5


class CaseOutcome(IntEnum):
    """How a closed supervision case ended (NONE while it is not closed)."""

    NONE = 0
    PENALIZED = 1
    DISMISSED = 2
    NO_VIOLATION = 3


class Purpose(IntEnum):
    """Why a record is read (IRecords): consents name TREATMENT, CLAIM_REVIEW or RESEARCH."""

    TREATMENT = 1
    CLAIM_REVIEW = 2
    SUPERVISION = 3
    EMERGENCY = 4
    PERSONAL = 5
    RESEARCH = 6


class AccessBasis(IntEnum):
    """What allows a served access: the patient, the custodian, a consent, an open case, an emergency."""

    SELF = 1
    CUSTODIAN = 2
    CONSENT = 3
    CASE = 4
    EMERGENCY = 5


class Feedback(IntEnum):
    """The patient's word on a claim of theirs (openIMIS's claim feedback); a dispute is an alert."""

    NONE = 0
    CONFIRMED = 1
    NOT_RECEIVED = 2
    NOT_AS_BILLED = 3


class CaseSource(IntEnum):
    """Where a supervision case came from; REFERRAL: another region's regulator."""

    LEAD = 0
    TIP = 1
    INSPECTION = 2
    REFERRAL = 3


class Flag(IntFlag):
    """Why a claim is held for a reviewer (bits; listed in this order)."""

    NONE = 0
    VISIT_LIMIT = 1
    REVIEW_THRESHOLD = 2
    INSTITUTION_GRADE = 4


class LineNote(IntFlag):
    """What happened to one claim line (bits; listed in this order)."""

    NONE = 0
    NOT_IN_CATALOGUE = 1
    CATEGORY_C = 2
    INPATIENT_ONLY = 4
    TOO_SOON = 8
    PRICE_CAPPED = 16
    QTY_CAPPED = 32


FLAG_ORDER: tuple[Flag, ...] = (Flag.VISIT_LIMIT, Flag.REVIEW_THRESHOLD, Flag.INSTITUTION_GRADE)
NOTE_ORDER: tuple[LineNote, ...] = (
    LineNote.NOT_IN_CATALOGUE,
    LineNote.CATEGORY_C,
    LineNote.INPATIENT_ONLY,
    LineNote.TOO_SOON,
    LineNote.PRICE_CAPPED,
    LineNote.QTY_CAPPED,
)


class AlertKind(IntEnum):
    """The ``kind`` of an ``Alert`` event (IClaims): a rejection or a flag that needs eyes."""

    DUPLICATE = 1
    OVERCLAIM = 2
    VISIT_LIMIT = 3
    REVIEW_THRESHOLD = 4
    INSTITUTION_GRADE = 5
    PATIENT_DISPUTE = 6  # the patient disputed the claim (IRecords.giveFeedback)
    EMERGENCY_ACCESS = 7  # an institution declared emergency access; the subject is the person (IRecords)


CLAIM_CHECK_REASONS = frozenset({
    Reason.DUPLICATE, Reason.INSTITUTION_INACTIVE, Reason.NOT_ENROLLED, Reason.PATIENT_INACTIVE,
    Reason.FUTURE_SERVICE, Reason.NOT_COVERED, Reason.NO_POLICY, Reason.STALE_CLAIM,
    Reason.WAITING_PERIOD,
})
"""Rejections decided before line evaluation (adjudication.md §1): such a claim has no lines."""

ALERT_REASONS = (Reason.DUPLICATE, Reason.OVERCLAIM)
"""Rejections that raise an alert (every flag raises one too)."""

VOID_STATUSES = frozenset({ClaimStatus.REJECTED, ClaimStatus.CLAWED_BACK})
"""Statuses whose claim shows eligible, deductible and fund as 0 (the patient pays what was
billed), whatever was computed before (docs/decisions.md)."""


def expected_balance(opening: int, contributions: int, settled: int, clearing_in: int,
                     clearing_out: int, recovered: int) -> int:
    """The fund law (adjudication.md): the balance a region's fund must have,
    ``opening + contributions − settled + clearing in − clearing out + recovered``."""
    return opening + contributions - settled + clearing_in - clearing_out + recovered


E = TypeVar("E", bound=IntEnum)


def parse_enum(cls: type[E], value: object, what: str) -> E:
    """``value`` as a member of ``cls``: a member, its name (any case) or its number.

    Anything else is an :class:`~yibao.errors.InputError` naming ``what`` and the choices.
    """
    from yibao.errors import InputError

    if isinstance(value, cls):
        return value
    if isinstance(value, str):
        try:
            return cls[value.strip().upper()]
        except KeyError:
            names = ", ".join(m.name for m in cls)
            raise InputError(f"{what} must be one of {names}, not {value!r}") from None
    try:
        return cls(int(value))  # type: ignore[call-overload]
    except (ValueError, TypeError):
        raise InputError(f"{what}: {value!r} is not valid") from None


def flag_names(flags: Flag) -> list[str]:
    """Names of the set bits of ``flags``, in flag order."""
    return [f.name or "" for f in FLAG_ORDER if flags & f]


def note_names(notes: LineNote) -> list[str]:
    """Names of the set bits of ``notes``, in note order."""
    return [n.name or "" for n in NOTE_ORDER if notes & n]


BPS = 10_000
"""Basis points in one whole (100 %)."""

LEVELS = (0, 1, 2, 3)
"""Institution levels: 0 = retail pharmacy, 1..3 = hospital level."""

#: Money totals on chain are 64-bit (fen); what would overflow one is refused, never cut.
MONEY_MAX = 2**64 - 1

#: A reason code (review, clawback, finding): 1–32 of ``A–Z``, ``0–9``, ``_`` (adjudication.md
#: v1.1, "After the decision"): nothing personal can be written into it.
REASON_CODE_RE = re.compile(r"[A-Z0-9_]{1,32}")


def is_reason_code(text: str) -> bool:
    """Whether ``text`` is a reason code as the rules page defines it."""
    return REASON_CODE_RE.fullmatch(text) is not None


MAX_CLAIM_AMOUNT = 2**36
"""A claim whose total billed Σ qty × unit_price reaches this (fen) is malformed
(``ClaimAmountTooLarge``): the contracts keep a claim's amounts in 36-bit fields."""

# ---------------------------------------------------------------------------
# Records
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PolicyVersion:
    """One version of the policy of a home region × scheme.

    ``op_ratio_bps`` is a 4-tuple indexed by institution level 0..3 (0 = pharmacy).
    ``ip_deductible`` and ``ip_ratio_bps`` are 4-tuples indexed by hospital level 1..3;
    index 0 is unused and must be 0 (a pharmacy offers no inpatient care). So
    ``policy.ip_ratio_bps[level]`` reads the ratio of a level-``level`` hospital.
    """

    region: int
    scheme: Scheme
    effective_from: dt.date
    op_deductible: int
    ip_deductible: tuple[int, int, int, int]
    op_ratio_bps: tuple[int, int, int, int]
    ip_ratio_bps: tuple[int, int, int, int]
    op_annual_cap: int
    annual_cap: int
    monthly_visit_limit: int
    class_b_self_pay_bps: int
    cross_region_cut_bps: int
    waiting_days: int
    review_threshold: int
    max_claim_age_days: int
    appeal_days: int

    def __post_init__(self) -> None:
        """Check the shape of the level tables (a programming error otherwise)."""
        for name in ("ip_deductible", "op_ratio_bps", "ip_ratio_bps"):
            if len(getattr(self, name)) != 4:
                raise ValueError(f"{name} must have 4 entries (levels 0..3)")
        if self.ip_deductible[0] != 0 or self.ip_ratio_bps[0] != 0:
            raise ValueError("ip_deductible[0] and ip_ratio_bps[0] are unused and must be 0")


@dataclass(frozen=True)
class CatalogueItem:
    """A catalogue item of one region. ``0`` means "none" for the three limits."""

    code: str
    category: Category
    price_cap: int = 0
    inpatient_only: bool = False
    max_qty: int = 0
    min_interval_days: int = 0


@dataclass(frozen=True)
class Filing:
    """A cross-region filing (异地就医备案); both dates inclusive."""

    region: int
    start: dt.date
    end: dt.date

    def covers(self, region: int, day: dt.date) -> bool:
        """True when this filing is for ``region`` and ``day`` lies within it."""
        return self.region == region and self.start <= day <= self.end


@direct_init
@dataclass(frozen=True)
class ClaimLine:
    """One billed line of a claim."""

    code: str
    qty: int
    unit_price: int

    @property
    def billed(self) -> int:
        """``qty × unit_price`` in fen."""
        return self.qty * self.unit_price


@direct_init
@dataclass(frozen=True)
class ClaimKey:
    """Identity of a claim: the institution and its invoice number (so a repeat is a duplicate)."""

    institution: str
    invoice: str


@direct_init
@dataclass(frozen=True)
class Claim:
    """A claim as the institution submits it.

    ``service_date`` is the admission date of an inpatient claim, which also carries
    ``discharge``. ``claimed_fund`` is what the institution's own system computed.
    """

    institution: str
    invoice: str
    person: str
    visit: VisitType
    service_date: dt.date
    lines: tuple[ClaimLine, ...]
    discharge: dt.date | None = None
    claimed_fund: int | None = None
    documents_hash: bytes = bytes(32)

    @property
    def key(self) -> ClaimKey:
        """The claim's identity."""
        return ClaimKey(self.institution, self.invoice)

    @property
    def billed(self) -> int:
        """Sum of the lines' billed amounts."""
        return sum(line.billed for line in self.lines)


@direct_init
@dataclass(frozen=True)
class LineResult:
    """How one line was evaluated."""

    code: str
    billed: int
    eligible: int
    notes: LineNote = LineNote.NONE


@direct_init
@dataclass(frozen=True)
class Decision:
    """A claim's outcome as it stands.

    For REJECTED and CLAWED_BACK claims ``eligible``, ``deductible`` and ``fund`` are 0
    and ``patient == billed``; a claim rejected by a claim check has no ``lines``.
    """

    status: ClaimStatus
    reason: Reason
    flags: Flag
    billed: int
    eligible: int
    deductible: int
    fund: int
    patient: int
    lines: tuple[LineResult, ...] = field(default=())


@dataclass(frozen=True)
class FundState:
    """A region's fund account (all fen)."""

    balance: int
    contributions: int
    settled: int
    clearing_in: int
    clearing_out: int
    recovered: int


@dataclass(frozen=True)
class InstitutionState:
    """A snapshot of an institution."""

    region: int
    level: int
    status: InstitutionStatus
    grade: Grade
    frozen: bool
    payable: int
    paid: int
    debt: int


@dataclass(frozen=True)
class PersonState:
    """A snapshot of an insured person."""

    region: int
    scheme: Scheme
    coverage_from: dt.date
    coverage_to: dt.date
    status: PersonStatus
    filings: tuple[Filing, ...]


@dataclass(frozen=True)
class YearCounters:
    """A person's counters for one calendar year (fen)."""

    deductible_used: int = 0
    fund_used: int = 0
    op_fund_used: int = 0


@dataclass(frozen=True)
class Settlement:
    """What one settlement did: claims paid, the amount covered, netted and paid in cash."""

    claims: tuple[ClaimKey, ...]
    payable: int
    netted: int
    cash: int


@dataclass(frozen=True)
class SupervisionParams:
    """A region's supervision parameters (supervision.md §Parameters; defaults in brackets
    there). A score ≥ ``floor_a`` is grade A, … ≥ ``floor_d`` D, below ``floor_d`` E."""

    contest_days: int = 15
    points_art38: int = 10
    points_art40: int = 30
    credit_base: int = 100
    floor_a: int = 90
    floor_b: int = 80
    floor_c: int = 70
    floor_d: int = 60

    def grade_of(self, score: int) -> Grade:
        """The grade of a credit score under these floors."""
        for floor, grade in ((self.floor_a, Grade.A), (self.floor_b, Grade.B),
                             (self.floor_c, Grade.C), (self.floor_d, Grade.D)):
            if score >= floor:
                return grade
        return Grade.E


@dataclass(frozen=True)
class CaseView:
    """A supervision case as it stands. ``article`` is 0 and ``decided_on`` None until the
    case is decided; ``claims`` are the claims it was opened on, ``found`` those of them
    found in a finding, in the order first found; ``findings`` counts the findings."""

    id: int
    institution: str
    status: CaseStatus
    outcome: CaseOutcome
    source: CaseSource
    by_region: int
    article: int
    fine_bps: int
    suspend_days: int
    opened_on: dt.date
    decided_on: dt.date | None
    contested: bool
    upheld: bool
    claims: tuple[ClaimKey, ...]
    found: tuple[ClaimKey, ...]
    findings: int
    loss: int
    fine: int


__all__ = [
    "ALERT_REASONS",
    "BPS",
    "CLAIM_CHECK_REASONS",
    "FLAG_ORDER",
    "LEVELS",
    "MAX_CLAIM_AMOUNT",
    "MONEY_MAX",
    "NOTE_ORDER",
    "REASON_CODE_RE",
    "VOID_STATUSES",
    "AccessBasis",
    "AlertKind",
    "CaseOutcome",
    "CaseSource",
    "CaseStatus",
    "CaseView",
    "CatalogueItem",
    "Category",
    "Claim",
    "ClaimKey",
    "ClaimLine",
    "ClaimStatus",
    "Decision",
    "Feedback",
    "Filing",
    "Flag",
    "FundState",
    "Grade",
    "InstitutionState",
    "InstitutionStatus",
    "LineNote",
    "LineResult",
    "PersonState",
    "PersonStatus",
    "PolicyVersion",
    "Purpose",
    "Reason",
    "Scheme",
    "Settlement",
    "SupervisionParams",
    "VisitType",
    "YearCounters",
    "expected_balance",
    "flag_names",
    "is_reason_code",
    "note_names",
    "parse_enum",
]
