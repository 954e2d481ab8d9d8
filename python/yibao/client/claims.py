"""The claim path's calls: submit claims and read their decisions (IClaims)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from yibao import codec
from yibao.chain.backend import TxRequest
from yibao.client.base import LedgerCore
from yibao.client.types import (
    GAS_CAP, GAS_PER_CLAIM, ClaimInput, ClaimResult, ClaimView, LineOutcome, Precheck, TxResult
)
from web3 import Web3

from yibao.errors import ChainError, InputError
from yibao.model.types import CLAIM_CHECK_REASONS, AlertKind, ClaimStatus, Flag, LineNote, Reason, VisitType
from yibao.model.screening import ScreeningParams
from yibao.units import from_day

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


class ClaimCalls(LedgerCore):
    """Claims of the acting institution, and stored claims."""

    def submit_claim(self, claim: ClaimInput) -> ClaimResult:
        """Submit and decide one claim of the acting institution."""
        return self.submit_claims([claim])[0]

    def submit_claims(self, claims: Sequence[ClaimInput]) -> list[ClaimResult]:
        """Submit claims in one transaction (``submitClaims`` of their words); each is decided
        on its own, a malformed one reverts them all."""
        words, gas = _submission(claims)
        tx = self.transact("submitClaims", words, gas=gas)
        return self._claim_results(tx, [len(c.lines) for c in claims], self.signer.address)

    def claims_request(self, claims: Sequence[ClaimInput]) -> TxRequest:
        """The ``submitClaims`` transaction of ``claims`` by the acting institution, to send
        with others (:meth:`transact_many`); :meth:`claim_results` reads its result."""
        words, gas = _submission(claims)
        return self.request("submitClaims", words, gas=gas)

    def claim_results(self, tx: TxResult, claims: Sequence[ClaimInput]) -> list[ClaimResult]:
        """The decisions of a mined :meth:`claims_request` of ``claims`` sent by the acting institution."""
        return self._claim_results(tx, [len(c.lines) for c in claims], self.signer.address)

    def submit_claim_batches(self, batches: Sequence[Sequence[ClaimInput]]) -> list[list[ClaimResult]]:
        """Submit each batch as one transaction, all pipelined (:meth:`Chain.send_many`); the
        first refused batch's error is raised once all were sent (the others stay mined)."""
        txs = self.transact_all([self.claims_request(b) for b in batches])
        return [self.claim_results(tx, b) for tx, b in zip(txs, batches, strict=True)]

    def precheck_claims(self, claims: Sequence[ClaimInput], institution: str | None = None) -> list[ClaimResult]:
        """The decisions the contract would give ``claims`` if ``institution`` (default: the
        acting account) submitted them now, with nothing recorded (事前提醒).

        The very ``submitClaims`` transaction a submission sends is run without being kept
        (:func:`yibao.chain.simulation.simulate`) and its events are decoded as a
        submission's are: the same bytes decide a pre-check and a submission. A malformed
        claim raises its error as a submission would. The results have no ``tx_hash``.
        """
        from yibao.chain.simulation import simulate

        sender = institution or self.sender
        if sender is None:
            raise InputError("a pre-check is made for an institution: act as it, or name it")
        words, gas = _submission(claims)
        sim = simulate(self.chain, sender, self.address, self._calldata("submitClaims", (words,)), gas)
        events = [e for e in (self.decode_log(log) for log in sim.logs) if e]
        return self._claim_results(TxResult(sim.gas_used, events, ""), [len(c.lines) for c in claims],
                                   Web3.to_checksum_address(sender))

    def precheck(self, claim: ClaimInput, *, index: Engine | None = None, params: ScreeningParams | None = None,
                 institution: str | None = None) -> Precheck:
        """A pre-check (事前提醒, screening.md): the decision the contract would give ``claim``
        now (:meth:`precheck_claims`) and, given the event ``index`` (a SQLAlchemy engine of
        :mod:`yibao.index`), the screening rules it would set off with the live history. The
        index is brought up to date from the chain first; the claim is recorded nowhere."""
        result = self.precheck_claims([claim], institution)[0]
        if index is None:
            return Precheck(result, ())
        from yibao.index.ingest import index_ledger
        from yibao.index.precheck import warnings_for

        index_ledger(self, index)  # type: ignore[arg-type]  # a Ledger: ClaimCalls is one of its parts
        found = warnings_for(index, claim, result, params or ScreeningParams())
        return Precheck(result, tuple(found))

    def _claim_results(self, tx: TxResult, line_counts: Sequence[int], institution: str) -> list[ClaimResult]:
        """Decisions in log order, one per submitted claim (``line_counts`` of them).

        A claim's events are ``ClaimDecided`` (the first six lines packed in ``lines``), then
        ``ClaimLines`` when it has more than six lines, then its ``Alert`` events, all with its
        claim id. The bits are :mod:`yibao.codec`'s business. A claim rejected before
        line evaluation (a claim check, DUPLICATE) has no lines.
        """
        decided: list[tuple[dict[str, Any], list[int], list[AlertKind]]] = []
        for e in tx.events:
            a = e["args"]
            if e["event"] == "ClaimDecided":
                decided.append((a, [int(a["lines"])], []))
                continue
            if e["event"] not in ("ClaimLines", "Alert"):
                continue
            if not decided or bytes(decided[-1][0]["claimId"]) != bytes(a["claimId"]):
                raise ChainError(f"a {e['event']} event without its claim decision before it")
            if e["event"] == "ClaimLines":
                decided[-1][1].extend(int(x) for x in a["more"])
            else:
                decided[-1][2].append(AlertKind(a["kind"]))
        if len(decided) != len(line_counts):
            raise ChainError(f"{len(decided)} claim decisions for {len(line_counts)} claims")
        out: list[ClaimResult] = []
        for (a, words, alerts), n in zip(decided, line_counts, strict=True):
            reason = Reason(codec.decision_reason(int(a["decision"])))
            evaluated = reason not in CLAIM_CHECK_REASONS
            if evaluated and len(words) != codec.line_words(n):
                raise ChainError(f"{len(words)} line words for a claim of {n} lines")
            d = codec.decode_decision(
                bytes(a["claimId"]), int(a["decision"]), words if evaluated else [], n)
            out.append(ClaimResult(
                claim_id=d.claim_id,
                institution=institution,  # the submitter (ClaimDecided has no topic for it)
                member=d.member,
                visit=_visit(d.visit),
                status=ClaimStatus(d.status),
                reason=reason,
                flags=Flag(d.flags),
                billed=d.billed,
                eligible=d.eligible,
                deductible=d.deductible,
                fund=d.fund,
                lines=tuple(LineOutcome(e, LineNote(notes)) for e, notes in d.lines),
                alerts=tuple(alerts),
                gas_used=tx.gas_used,
                tx_hash=tx.tx_hash,
            ))
        return out

    def claim(self, claim_id: bytes) -> ClaimView:
        """The stored claim (status NONE when there is none)."""
        return claim_view(self.call("claimInfo", claim_id))

    def claim_id(self, institution: str, invoice_number: str) -> bytes:
        """The id a claim of ``institution`` with this invoice number gets (computed locally)."""
        return codec.claim_id_of(institution, invoice_number)


def claim_view(values: Sequence[Any]) -> ClaimView:
    """A :class:`ClaimView` from ``claimInfo``'s decoded tuple."""
    (cid, status, reason, flags, visit, service_day, member, institution,
     billed, eligible, deductible, fund) = values
    return ClaimView(bytes(cid), ClaimStatus(status), Reason(reason), Flag(flags),
                     VisitType(visit), from_day(service_day), member, institution,
                     billed, eligible, deductible, fund)


def _visit(v: int) -> VisitType | int:
    """The visit type, or the raw number when the contract stored one it does not name."""
    try:
        return VisitType(v)
    except ValueError:
        return v



def _submission(claims: Sequence[ClaimInput]) -> tuple[list[bytes], int]:
    """The ``submitClaims`` words of ``claims`` and the gas to send them with."""
    return [w for c in claims for w in c.as_words()], min(GAS_CAP, sum(c.gas() for c in claims) or GAS_PER_CLAIM)


__all__ = ["ClaimCalls", "claim_view"]
