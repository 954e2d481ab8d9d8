"""The reference model's state: the records it keeps and their lookups (no rules here)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from yibao.model.fastinit import direct_init
from yibao.model.errors import FundLawBroken, ModelRefusal
from yibao.model.rules import LineKey
from yibao.model.types import (
    expected_balance, CatalogueItem, Claim, ClaimKey, ClaimStatus, Filing, Flag, Grade, InstitutionStatus,
    LineResult, PersonStatus, PolicyVersion, Reason, Scheme
)

MAX_FILINGS = 8
"""A person holds at most this many filings at once."""

REGION_MIN, REGION_MAX = 100_000, 999_999
"""Region codes are 6-digit GB/T 2260 codes."""




@direct_init
@dataclass(frozen=True)
class ClaimEvent:
    """One entry of a claim's history."""

    day: dt.date
    action: str
    actor: str = ""
    detail: str = ""


@dataclass
class FundAccount:
    opening: int
    balance: int
    contributions: int = 0
    settled: int = 0
    clearing_in: int = 0
    clearing_out: int = 0
    recovered: int = 0


@dataclass
class RegionRecord:
    code: int
    name: str
    fund: FundAccount


@dataclass
class InstitutionRecord:
    region: int
    level: int
    grade: Grade
    status: InstitutionStatus = InstitutionStatus.ACTIVE
    status_reason: int = 0
    frozen: bool = False
    payable: int = 0
    paid: int = 0
    debt: int = 0
    pending: list[ClaimKey] = field(default_factory=list)


@dataclass
class PersonRecord:
    region: int
    scheme: Scheme
    coverage_from: dt.date
    coverage_to: dt.date
    status: PersonStatus = PersonStatus.ACTIVE
    status_reason: int = 0
    filings: list[Filing] = field(default_factory=list)
    filed: list[Filing] = field(default_factory=list)
    """Every filing ever added (expired ones too: they still covered their days); ``filings``
    holds the unexpired ones the chain keeps."""


@dataclass
class CounterRecord:
    deductible_used: int = 0
    fund_used: int = 0
    op_fund_used: int = 0


@dataclass(slots=True)
class ClaimRecord:
    """A stored claim. The amounts are the ones counted; display rules apply in ``_view``.
    ``history`` holds its events as plain tuples (a city keeps millions): :meth:`events` gives
    them as :class:`ClaimEvent`."""

    claim: Claim
    treating_region: int
    home_region: int | None
    status: ClaimStatus
    reason: Reason
    billed: int
    policy: PolicyVersion | None = None
    flags: Flag = Flag.NONE
    eligible: int = 0
    deductible: int = 0
    fund: int = 0
    lines: tuple[LineResult, ...] = ()
    rejected_by: str | None = None
    rejected_on: dt.date | None = None
    appealed: bool = False
    history: list[tuple[dt.date, str, str, str]] = field(default_factory=list)

    def log(self, day: dt.date, action: str, actor: str = "", detail: str = "") -> None:
        """Add an event to the claim's history."""
        self.history.append((day, action, actor, detail))

    def events(self) -> tuple[ClaimEvent, ...]:
        """The claim's history, oldest first."""
        return tuple(ClaimEvent(*e) for e in self.history)


def refuse(name: str, *args: object) -> ModelRefusal:
    return ModelRefusal(name, args)


def require_uint(name: str, value: int) -> None:
    """Amounts are unsigned on chain; a negative one is a caller bug."""
    if value < 0:
        raise ValueError(f"{name} must not be negative: {value}")



class LedgerState:
    """The state of the whole world and its clock; the rules live in the subclasses."""

    def __init__(self) -> None:
        """Create an empty world with the clock unset."""
        self._today: dt.date | None = None
        self._regions: dict[int, RegionRecord] = {}
        self._policies: dict[tuple[int, Scheme], list[PolicyVersion]] = {}
        self._catalogue: dict[int, dict[str, CatalogueItem]] = {}
        self._institutions: dict[str, InstitutionRecord] = {}
        self._people: dict[str, PersonRecord] = {}
        self._reviewers: dict[str, set[int]] = {}
        self._claims: dict[ClaimKey, ClaimRecord] = {}
        self._counters: dict[tuple[str, int], CounterRecord] = {}
        self._visits: dict[tuple[str, int, int], int] = {}
        self._last_day: dict[str, dict[str, dt.date]] = {}
        self._owed: dict[tuple[int, int], int] = {}
        # region → the results of its lines of items without an interval (rules.evaluate_lines's
        # memo), dropped whenever the region's catalogue changes
        self._line_memo: dict[int, dict[LineKey, LineResult]] = {}

    # ------------------------------------------------------------------
    # clock and lookups
    # ------------------------------------------------------------------

    def _tick(self, today: dt.date) -> None:
        if self._today is not None and today < self._today:
            raise ValueError(f"the clock only moves forward: {today} < {self._today}")
        self._today = today

    def _region(self, code: int) -> RegionRecord:
        region = self._regions.get(code)
        if region is None:
            raise refuse("RegionUnknown", code)
        return region

    def _institution(self, institution: str) -> InstitutionRecord:
        inst = self._institutions.get(institution)
        if inst is None:
            raise refuse("InstitutionUnknown", institution)
        return inst

    def _person(self, person: str) -> PersonRecord:
        p = self._people.get(person)
        if p is None:
            raise refuse("PersonUnknown", person)
        return p

    def _year(self, person: str, year: int) -> CounterRecord:
        counters = self._counters.get((person, year))
        if counters is None:
            counters = self._counters[(person, year)] = CounterRecord()
        return counters

    def check_fund_law(self) -> None:
        """Raise :class:`FundLawBroken` unless, for every region, the balance is what the fund
        law says (:func:`~yibao.model.types.expected_balance`) and not negative."""
        for code, region in self._regions.items():
            f = region.fund
            expected = expected_balance(f.opening, f.contributions, f.settled, f.clearing_in,
                                        f.clearing_out, f.recovered)
            if f.balance != expected or f.balance < 0:
                raise FundLawBroken(f"region {code}: balance {f.balance} != {expected}")



__all__ = [
    "MAX_FILINGS",
    "REGION_MAX",
    "REGION_MIN",
    "ClaimEvent",
    "ClaimRecord",
    "CounterRecord",
    "FundAccount",
    "InstitutionRecord",
    "LedgerState",
    "PersonRecord",
    "RegionRecord",
    "refuse",
    "require_uint",
]
