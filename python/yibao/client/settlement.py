"""After the decision: review, appeal, settlement, clearing, clawback and funds (ISettlement)."""

from __future__ import annotations

from collections.abc import Sequence

from web3 import Web3

from yibao import codec
from yibao.chain.backend import TxRequest
from yibao.client.base import PIPELINE, LedgerCore, iter_chunks
from yibao.client.types import Counters, TxResult
from yibao.errors import InputError


ZERO = bytes(32)
#: Contributions of one ``contributeMany`` transaction (the contract takes 1..500).
CONTRIBUTION_BATCH = 500
_GAS_PER_CONTRIBUTION = 30_000
GAS_CAP_CONTRIBUTIONS = 50_000_000


def _digest(value: bytes) -> bytes:
    if not isinstance(value, bytes) or len(value) != 32:
        raise InputError("evidence and payment references travel as 32-byte keyed hashes (EvidenceKey.digest)")
    return value


class SettlementCalls(LedgerCore):
    """Reviews, appeals, settlements, clearing, clawbacks, freezes, contributions and funds."""

    def review(self, claim_id: bytes, approve: bool, reason: str = "", evidence: bytes = ZERO) -> TxResult:
        """A reviewer decides a FLAGGED claim or an APPEALED one. ``reason`` is a code (1–32 of
        ``A–Z``, ``0–9``, ``_``; :func:`yibao.codec.reason_word`); ``evidence`` the 32-byte keyed
        hash of the evidence (:meth:`yibao.evidence.EvidenceKey.digest`), never the text."""
        return self.transact("review", claim_id, approve, codec.reason_word(reason), _digest(evidence))

    def review_request(self, claim_id: bytes, approve: bool, reason: str = "", evidence: bytes = ZERO) -> TxRequest:
        """The transaction of :meth:`review`, to send with others (:meth:`transact_many`)."""
        return self.request("review", claim_id, approve, codec.reason_word(reason), _digest(evidence))

    def appeal(self, claim_id: bytes) -> TxResult:
        """The claim's institution appeals a reviewer's rejection."""
        return self.transact("appeal", claim_id)

    def settle(self, institution: str, payment_ref: bytes = ZERO) -> TxResult:
        """Pay an institution its approved, unsettled fund shares; ``payment_ref`` is the keyed
        hash of the off-chain payment order (as ``evidence`` in :meth:`review`)."""
        return self.transact("settle", Web3.to_checksum_address(institution), _digest(payment_ref))

    def clear(self, from_region: int, to_region: int, amount: int | None = None) -> TxResult:
        """``from_region`` pays ``to_region`` what it owes (all of it by default)."""
        return self.transact("clear", from_region, to_region, (1 << 256) - 1 if amount is None else amount)

    def clawback(self, claim_id: bytes, reason: str = "", evidence: bytes = ZERO) -> TxResult:
        """Claw a settled claim back (reason and evidence as in :meth:`review`)."""
        return self.transact("clawback", claim_id, codec.reason_word(reason), _digest(evidence))

    def clawback_request(self, claim_id: bytes, reason: str = "", evidence: bytes = ZERO) -> TxRequest:
        """The transaction of :meth:`clawback`, to send with others (:meth:`transact_many`)."""
        return self.request("clawback", claim_id, codec.reason_word(reason), _digest(evidence))

    def set_frozen(self, institution: str, frozen: bool) -> TxResult:
        return self.transact("setFrozen", Web3.to_checksum_address(institution), frozen)

    def contribute(self, person: bytes, amount: int) -> TxResult:
        """Credit ``amount`` fen (1..2⁶⁴−1; the fund's totals are 64-bit) to the person's
        home-region fund."""
        codec.check_uint(amount, codec.U64, "contribution amount")
        return self.transact("contribute", person, amount)

    def contribute_many(self, contributions: Sequence[tuple[bytes, int]]) -> list[TxResult]:
        """Credit ``(person, fen)`` contributions in order, :data:`CONTRIBUTION_BATCH` to a
        ``contributeMany`` transaction (each exactly as :meth:`contribute`), pipelined. The
        amounts are checked before anything is sent; a refused batch raises once all were sent
        (the batches before it and after it stay mined)."""
        for person, amount in contributions:
            codec.check_uint(amount, codec.U64, "contribution amount")
            if amount == 0:
                raise InputError(f"contribution amount for 0x{bytes(person).hex()} is 0")
        batches = list(iter_chunks(list(contributions), CONTRIBUTION_BATCH))
        out: list[TxResult] = []
        for group in iter_chunks(batches, PIPELINE):
            out += self.transact_all([self.contributions_request(b) for b in group])
        return out

    def contributions_request(self, batch: Sequence[tuple[bytes, int]]) -> TxRequest:
        """The ``contributeMany`` transaction of ``batch`` (1..500 ``(person, fen)``), to send
        with others (:meth:`transact_many`)."""
        return self.request("contributeMany", [(bytes(p), a) for p, a in batch],
                            gas=min(GAS_CAP_CONTRIBUTIONS, 100_000 + _GAS_PER_CONTRIBUTION * len(batch)))

    def fund(self, region: int) -> dict[str, int]:
        """A region's fund: opening, balance, contributions, settled, clearing in/out, recovered."""
        names = ("opening", "balance", "contributions", "settled", "clearing_in", "clearing_out", "recovered")
        return dict(zip(names, (int(v) for v in self.call("fundOf", region)), strict=True))

    def owed(self, home: int, treating: int) -> int:
        """What ``home``'s fund owes ``treating``'s fund for settled cross-region care."""
        return int(self.call("owedBetween", home, treating))

    def counters(self, person: bytes, year: int) -> Counters:
        d, f, op, visits = self.call("countersOf", person, year)
        return Counters(int(d), int(f), int(op), tuple(int(v) for v in visits))


__all__ = ["CONTRIBUTION_BATCH", "GAS_CAP_CONTRIBUTIONS", "SettlementCalls"]
