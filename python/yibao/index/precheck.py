"""Pre-check warnings (事前提醒) for a claim as the ledger would decide it now.

:func:`warnings_for` turns a claim and its pre-checked decision into the index's
:class:`~yibao.index.screen.Candidate` and asks :func:`~yibao.index.screen.precheck_warnings`
which rules it would set off with the live history. A claim whose decision would not be live
(REJECTED, a DUPLICATE included) sets off nothing: only live claims are screened
(docs/decisions.md).
"""

from __future__ import annotations

from sqlalchemy.engine import Engine

from yibao.client.types import ClaimInput, ClaimResult
from yibao.index.screen import Candidate, precheck_warnings
from yibao.model.screening import Lead, ScreeningParams
from yibao.model.types import ClaimStatus, VisitType
from yibao.units import to_day

#: Decisions whose claim would be live (screening.md).
LIVE_DECISIONS = (ClaimStatus.APPROVED, ClaimStatus.FLAGGED)


def candidate_of(claim: ClaimInput, result: ClaimResult, label: str | None = None) -> Candidate:
    """The index's view of ``claim`` decided as ``result``."""
    return Candidate(
        claim_id="0x" + result.claim_id.hex(), institution=result.institution,
        person="0x" + bytes(claim.person).hex(), visit=VisitType(int(claim.visit)),
        service_day=to_day(claim.service_date),
        discharge_day=to_day(claim.discharge) if claim.discharge else None, fund=result.fund,
        lines=tuple((ln.code, ln.qty) for ln in claim.lines), label=label)


def warnings_for(engine: Engine, claim: ClaimInput, result: ClaimResult, params: ScreeningParams,
                 label: str | None = None) -> list[Lead[str]]:
    """The pre-check warnings of ``claim`` decided as ``result``, over the index at ``engine``."""
    if result.status not in LIVE_DECISIONS:
        return []
    with engine.connect() as conn:
        return precheck_warnings(conn, candidate_of(claim, result, label), params)


__all__ = ["LIVE_DECISIONS", "candidate_of", "warnings_for"]
