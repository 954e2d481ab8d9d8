"""What the client sends and gets back: enrolments, claims, decisions and stored records.

Money is integer fen, dates :class:`datetime.date`; the bits on the wire are
:mod:`yibao.codec`'s business.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from web3 import Web3

from yibao import codec
from yibao.errors import ChainError
from yibao.model.screening import Lead
from yibao.model.types import (
    AlertKind, ClaimLine, ClaimStatus, Decision, Filing, Flag, Grade, InstitutionStatus, LineNote,
    LineResult, PersonStatus, Reason, Scheme, VisitType, YearCounters, VOID_STATUSES
)
from yibao.units import to_day

#: Gas given to a claim submission: a base plus a share per line, capped (never estimated).
GAS_PER_CLAIM = 400_000
GAS_PER_LINE = 150_000
GAS_CAP = 25_000_000


@dataclass(frozen=True)
class Precheck:
    """A pre-check's answer: the decision the contract would give now (no ``tx_hash``: nothing
    was sent) and the screening leads the claim would make with the live history, each
    naming the claim by its would-be id."""

    decision: ClaimResult
    warnings: tuple[Lead[str], ...]


class TxResult:
    """A mined transaction: gas used and decoded events, in log order. ``events`` may be given
    as the function that decodes them: they are decoded when first read (a caller that reads
    only the gas, like a bench sending thousands, pays nothing for them)."""

    __slots__ = ("_decode", "_events", "gas_used", "tx_hash")

    def __init__(self, gas_used: int, events: list[dict[str, Any]] | Callable[[], list[dict[str, Any]]],
                 tx_hash: str) -> None:
        self.gas_used, self.tx_hash = gas_used, tx_hash
        self._events: list[dict[str, Any]] | None = None if callable(events) else events
        self._decode = events if callable(events) else None

    @property
    def events(self) -> list[dict[str, Any]]:
        """The transaction's events, decoded, in log order."""
        if self._events is None:
            assert self._decode is not None
            self._events, self._decode = self._decode(), None
        return self._events

    def named(self, name: str) -> list[dict[str, Any]]:
        return [e["args"] for e in self.events if e["event"] == name]

    def __repr__(self) -> str:
        return f"TxResult(gas_used={self.gas_used}, events={self.events!r}, tx_hash={self.tx_hash!r})"


@dataclass(frozen=True)
class Institution:
    account: str
    region: int
    index: int
    level: int
    status: InstitutionStatus
    grade: Grade
    frozen: bool
    payable: int = 0
    pending_claims: int = 0
    paid: int = 0
    debt: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "account": self.account,
            "region": self.region,
            "index": self.index,
            "level": self.level,
            "status": self.status.name,
            "grade": self.grade.name,
            "frozen": self.frozen,
            "payable": self.payable,
            "pending_claims": self.pending_claims,
            "paid": self.paid,
            "debt": self.debt,
        }


def filing_json(f: Filing) -> dict[str, Any]:
    """A filing as the CLI prints it."""
    return {"region": f.region, "from": f.start.isoformat(), "to": f.end.isoformat()}


@dataclass(frozen=True)
class Person:
    pseudonym: bytes
    index: int
    region: int
    scheme: Scheme
    status: PersonStatus
    status_reason: int
    coverage_from: dt.date
    coverage_to: dt.date
    wallet: str | None
    filings: tuple[Filing, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "pseudonym": "0x" + self.pseudonym.hex(),
            "index": self.index,
            "region": self.region,
            "scheme": self.scheme.name,
            "status": self.status.name,
            "status_reason": self.status_reason,
            "coverage_from": self.coverage_from.isoformat(),
            "coverage_to": self.coverage_to.isoformat(),
            "wallet": self.wallet,
            "filings": [filing_json(f) for f in self.filings],
        }


@dataclass(frozen=True)
class Enrolment:
    """One person to enrol; ``person`` is the pseudonym, never the ID."""

    person: bytes
    region: int
    scheme: Scheme
    coverage_from: dt.date
    coverage_to: dt.date
    wallet: str | None = None

    def as_tuple(self) -> tuple[Any, ...]:
        return (
            self.person,
            self.region,
            int(self.scheme),
            to_day(self.coverage_from),
            to_day(self.coverage_to),
            Web3.to_checksum_address(self.wallet) if self.wallet else "0x" + "00" * 20,
        )



@dataclass(frozen=True)
class ClaimInput:
    """One claim as the institution (the acting account) submits it.

    ``person`` is the pseudonym; ``invoice`` the institution's invoice number (hashed before
    it is sent); ``service_date`` the admission date of an inpatient claim, which also has
    ``discharge``. ``visit`` may be a raw int (the contract refuses values above 2).
    """

    invoice: str
    person: bytes
    visit: VisitType | int
    service_date: dt.date
    lines: Sequence[ClaimLine]
    discharge: dt.date | None = None
    claimed_fund: int | None = None
    documents: bytes = bytes(32)

    def as_words(self) -> list[bytes]:
        """The claim's words on the wire (:mod:`yibao.codec`): a header of four words and
        two per line. Widths are checked here (InputError); what the contract refuses with a
        named error (no lines, a zero quantity, a bad visit type...) is sent as it is."""
        for i, ln in enumerate(self.lines):
            codec.encode_code(ln.code)
            codec.check_uint(ln.qty, codec.U32, f"line {i + 1} qty")
            codec.check_uint(ln.unit_price, codec.U64, f"line {i + 1} unit_price")
        if self.claimed_fund is not None:
            codec.check_uint(self.claimed_fund, codec.U64, "claimed_fund")
        return codec.encode_claim(
            self.invoice, bytes(self.person), codec.check_uint(int(self.visit), codec.U8, "visit"),
            self.service_date, [codec.WireLine(ln.code, ln.qty, ln.unit_price) for ln in self.lines],
            self.discharge, self.claimed_fund, bytes(self.documents),
        )

    def gas(self) -> int:
        return min(GAS_CAP, GAS_PER_CLAIM + GAS_PER_LINE * len(self.lines))


@dataclass(frozen=True)
class LineOutcome:
    """How the contract evaluated one line: eligible fen and notes."""

    eligible: int
    notes: LineNote


@dataclass(frozen=True)
class ClaimResult:
    """A claim decision, decoded from the ``ClaimDecided`` event and its ``Alert`` events.

    ``gas_used`` is the gas of the whole transaction (shared by a batch's claims).
    """

    claim_id: bytes
    institution: str
    member: int  # the person's enrolment index (0 when unknown, and on a DUPLICATE decision)
    visit: VisitType | int
    status: ClaimStatus
    reason: Reason
    flags: Flag
    billed: int
    eligible: int
    deductible: int
    fund: int
    lines: tuple[LineOutcome, ...]
    alerts: tuple[AlertKind, ...]
    gas_used: int
    tx_hash: str = ""

    @property
    def patient(self) -> int:
        return self.billed - self.fund

    def decision(self, lines: Sequence[ClaimLine]) -> Decision:
        """The model's :class:`Decision`, line codes and billed amounts taken from ``lines``."""
        return to_decision(self.status, self.reason, self.flags, self.billed, self.eligible,
                           self.deductible, self.fund, line_results(lines, self.lines))


def to_decision(status: ClaimStatus, reason: Reason, flags: Flag, billed: int, eligible: int,
                deductible: int, fund: int, lines: tuple[LineResult, ...]) -> Decision:
    """A model :class:`Decision` from chain figures. The contract keeps what it computed for
    an OVERCLAIM rejection; the model's type shows a REJECTED or CLAWED_BACK claim's
    eligible, deductible and fund as 0 (patient = billed), so they are zeroed here."""
    if status in VOID_STATUSES:
        eligible = deductible = fund = 0
    return Decision(status, reason, flags, billed, eligible, deductible, fund, billed - fund, lines)


def line_results(lines: Sequence[ClaimLine], outcomes: Sequence[LineOutcome]) -> tuple[LineResult, ...]:
    """Input lines joined with the contract's per-line outcomes (none for a claim check)."""
    if not outcomes:
        return ()
    if len(outcomes) != len(lines):
        raise ChainError(f"the decision has {len(outcomes)} line results for {len(lines)} lines")
    return tuple(
        LineResult(ln.code, ln.qty * ln.unit_price, o.eligible, o.notes)
        for ln, o in zip(lines, outcomes, strict=True)
    )


@dataclass(frozen=True)
class ClaimView:
    """A stored claim (``claimInfo``); ``status`` NONE when there is none."""

    claim_id: bytes
    status: ClaimStatus
    reason: Reason
    flags: Flag
    visit: VisitType
    service_date: dt.date
    member: int
    institution: int
    billed: int
    eligible: int
    deductible: int
    fund: int

    @property
    def patient(self) -> int:
        return self.billed - self.fund


@dataclass(frozen=True)
class Counters:
    """A person's counters of one calendar year (fen), and visits per month (index 0 = January)."""

    deductible_used: int
    fund_used: int
    op_fund_used: int
    visits: tuple[int, ...]

    def year(self) -> YearCounters:
        return YearCounters(self.deductible_used, self.fund_used, self.op_fund_used)



__all__ = [
    "GAS_CAP",
    "GAS_PER_CLAIM",
    "GAS_PER_LINE",
    "ClaimInput",
    "ClaimResult",
    "ClaimView",
    "Counters",
    "Enrolment",
    "Institution",
    "LineOutcome",
    "Person",
    "Precheck",
    "TxResult",
    "filing_json",
    "line_results",
    "to_decision",
]
