"""Supervision cases, penalties, fines and credit (ISupervision; supervision.md)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from web3 import Web3

from yibao import codec
from yibao.client.base import LedgerCore
from yibao.client.types import TxResult
from yibao.errors import InputError
from yibao.model.types import CaseOutcome, CaseSource, CaseStatus, SupervisionParams
from yibao.units import from_day

ZERO = bytes(32)


def _hash(value: bytes, what: str) -> bytes:
    if not isinstance(value, bytes) or len(value) != 32:
        raise InputError(f"{what} travels as a 32-byte keyed hash (EvidenceKey.digest)")
    return value


@dataclass(frozen=True)
class CaseInfo:
    """A case as the chain holds it (``ISupervision.CaseView``); ``claims`` and ``found`` are
    counts here (the found claims themselves: :meth:`SupervisionCalls.case_found`)."""

    id: int
    institution: str
    status: CaseStatus
    outcome: CaseOutcome
    source: CaseSource
    article: int
    fine_bps: int
    suspend_days: int
    opened_on: dt.date
    decided_on: dt.date | None
    by_region: int
    contested: bool
    upheld: bool
    claims: int
    found: int
    findings: int
    loss: int
    fine: int

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "institution": self.institution, "status": self.status.name,
                "outcome": self.outcome.name, "source": self.source.name, "article": self.article or None,
                "fine_bps": self.fine_bps, "suspend_days": self.suspend_days,
                "opened_on": self.opened_on.isoformat(),
                "decided_on": self.decided_on.isoformat() if self.decided_on else None,
                "by_region": self.by_region, "contested": self.contested, "upheld": self.upheld,
                "claims": self.claims, "found": self.found, "findings": self.findings, "loss": self.loss,
                "fine": self.fine}


@dataclass(frozen=True)
class Fines:
    """An institution's fines owed and paid (fen), and the last day of its last suspension by a case."""

    owed: int
    paid: int
    suspended_until: dt.date | None


class SupervisionCalls(LedgerCore):
    """Cases from opening to close, fines, credit scores and the regions' supervision parameters."""

    def set_supervision_params(self, region: int, params: SupervisionParams) -> TxResult:
        """Set a region's parameters (its regulator); grade floors must fall strictly A → D."""
        return self.transact("setSupervisionParams", region, (
            params.contest_days, params.points_art38, params.points_art40, params.credit_base, params.floor_a,
            params.floor_b, params.floor_c, params.floor_d))

    def open_case(self, institution: str, claims: Sequence[bytes], source: CaseSource,
                  evidence: bytes = ZERO, *, by_region: int | None = None,
                  people: Sequence[bytes] = ()) -> tuple[int, TxResult]:
        """Open a case on ``claims`` of ``institution``: the new case's id and the transaction.
        ``by_region`` is the institution's region (looked up when None) or, for a REFERRAL,
        the referring region, with ``people`` naming each claim's person."""
        account = Web3.to_checksum_address(institution)
        region = int(self.call("institutionInfo", account)[1]) if by_region is None else by_region
        result = self.transact("openCase", account, list(claims), int(source), _hash(evidence, "evidence"), region,
                               list(people))
        (opened,) = result.named("CaseOpened")
        return int(opened["caseId"]), result

    def add_finding(self, case_id: int, claims: Sequence[bytes], code: str, evidence: bytes = ZERO) -> TxResult:
        """Record a finding: ``claims`` found, ``code`` a finding code (``READMIT``, ``PHANTOM`` …)."""
        return self.transact("addFinding", case_id, list(claims), codec.reason_word(code), _hash(evidence, "evidence"))

    def decide(self, case_id: int, article: int, fine_bps: int, suspend_days: int = 0) -> TxResult:
        return self.transact("decide", case_id, article, fine_bps, suspend_days)

    def contest(self, case_id: int) -> TxResult:
        return self.transact("contest", case_id)

    def rule(self, case_id: int, upheld: bool, fine_bps: int | None = None) -> TxResult:
        return self.transact("rule", case_id, upheld, fine_bps or 0)

    def finalize(self, case_id: int) -> TxResult:
        return self.transact("finalize", case_id)

    def close_case(self, case_id: int) -> TxResult:
        return self.transact("closeCase", case_id)

    def pay_fine(self, institution: str, amount: int, payment_ref: bytes = ZERO) -> TxResult:
        return self.transact("payFine", Web3.to_checksum_address(institution), amount,
                             _hash(payment_ref, "a payment reference"))

    # ---------------------------------------------------------------- reads

    def case_info(self, case_id: int) -> CaseInfo:
        v = self.call("caseInfo", case_id)
        return CaseInfo(int(v[0]), Web3.to_checksum_address(v[1]), CaseStatus(v[2]), CaseOutcome(v[3]),
                        CaseSource(v[4]), int(v[5]), int(v[6]), int(v[7]), from_day(int(v[8])),
                        from_day(int(v[9])) if v[9] else None, int(v[10]), bool(v[11]), bool(v[12]), int(v[13]),
                        int(v[14]), int(v[15]), int(v[16]), int(v[17]))

    def case_found(self, case_id: int) -> list[bytes]:
        return [bytes(c) for c in self.call("caseFound", case_id)]

    def case_of_claim(self, claim_id: bytes) -> int:
        return int(self.call("caseOfClaim", claim_id))

    def case_count(self) -> int:
        return int(self.call("caseCount"))

    def fines(self, institution: str) -> Fines:
        owed, paid, until = self.call("finesOf", Web3.to_checksum_address(institution))
        return Fines(int(owed), int(paid), from_day(int(until)) if until else None)

    def credit_score(self, institution: str, year: int) -> int:
        return int(self.call("creditOf", Web3.to_checksum_address(institution), year))

    def supervision_params(self, region: int) -> SupervisionParams:
        return SupervisionParams(*(int(v) for v in self.call("supervisionParams", region)))


__all__ = ["CaseInfo", "Fines", "SupervisionCalls"]
