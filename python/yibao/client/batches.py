"""Batch work that can be rerun: enrol a list of people, submit a file of claims.

Both check every entry first and send nothing when one fails, and both read the chain before
they send, so a rerun after any failure (the node killed, the process killed, a dropped
connection) sends only what is not on chain yet:

- a person already enrolled with the same data is *skipped*; with other data it is an error;
- a claim already decided is found by its claim id (``claimInfo``) and reported with its
  stored status, never sent again, so a retry cannot produce a DUPLICATE.

Entries carry labels (``people.csv:4``, ``claims.jsonl:7``) that the errors name. Batches go
:data:`~yibao.client.base.PIPELINE` at a time, pipelined (:meth:`~yibao.chain.Chain.send_many`): a
failure leaves some of them mined, each whole, and the rerun reads them on chain.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from eth_abi.abi import decode as abi_decode
from eth_utils.abi import function_signature_to_4byte_selector

from yibao import codec
from yibao.chain import artifacts
from yibao.client import ClaimInput, ClaimView, Enrolment, Ledger, iter_chunks
from yibao.client.base import PIPELINE
from yibao.client.claims import claim_view
from yibao.errors import ContractError, InputError
from yibao.model.types import ClaimStatus, Flag, Reason, VisitType, flag_names

#: The most people one enrolment transaction takes (RegistryModule.MAX_BATCH).
MAX_ENROL_BATCH = 500
#: The most claims one submitClaims transaction takes (YibaoLedger.MAX_CLAIMS).
MAX_CLAIM_BATCH = 200
#: Claims per transaction by default.
CLAIM_BATCH = 50

Progress = Callable[[int], None]


def _labels(n: int, labels: Sequence[str] | None) -> Sequence[str]:
    if labels is None:
        return [f"entry {i + 1}" for i in range(n)]
    if len(labels) != n:
        raise ValueError("one label per entry")
    return labels


def _batch_size(n: int, top: int) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= top:
        raise InputError(f"--batch must be between 1 and {top}, not {n}")
    return n


# ---------------------------------------------------------------------- enrolment


@dataclass(frozen=True)
class EnrolmentReport:
    """What an enrolment run did: people enrolled now, people skipped (already on chain with
    the same data), and its transactions."""

    enrolled: list[Enrolment]
    skipped: list[Enrolment]
    transactions: int = 0
    gas_used: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"ok": True, "enrolled": len(self.enrolled), "skipped": len(self.skipped),
                "transactions": self.transactions, "gas_used": self.gas_used}


def enrol_resumable(ledger: Ledger, people: Sequence[Enrolment], labels: Sequence[str] | None = None,
                    batch_size: int = 200, progress: Progress | None = None) -> EnrolmentReport:
    """Enrol ``people`` in batches after :meth:`~yibao.client.Ledger.plan_enrolment`; those already enrolled with
    the same data are skipped (and counted in ``progress``), so a rerun resumes."""
    size = _batch_size(batch_size, MAX_ENROL_BATCH)
    fresh, skipped = ledger.plan_enrolment(people, labels)
    if progress and skipped:
        progress(len(skipped))
    gas = txs = 0
    for group in iter_chunks(list(iter_chunks(fresh, size)), PIPELINE):  # PIPELINE batches in flight
        for r in ledger.transact_all([ledger.enrol_request(batch) for batch in group]):
            gas += r.gas_used
            txs += 1
        if progress:
            progress(sum(len(batch) for batch in group))
    return EnrolmentReport(list(fresh), skipped, txs, gas)


# ---------------------------------------------------------------------- claims


@dataclass(frozen=True)
class ClaimOutcome:
    """A claim of the file as it stands on chain: decided now (``submitted``) or found there."""

    label: str
    invoice: str
    claim_id: bytes
    status: ClaimStatus
    reason: Reason
    flags: Flag
    billed: int
    fund: int
    submitted: bool

    def to_json(self) -> dict[str, Any]:
        return {"entry": self.label, "invoice": self.invoice, "claim_id": "0x" + self.claim_id.hex(),
                "status": self.status.name, "reason": self.reason.name, "flags": flag_names(self.flags),
                "billed": self.billed, "fund": self.fund, "submitted": self.submitted}


@dataclass
class ClaimReport:
    """A claim run: every claim's outcome in file order, and the transactions sent."""

    outcomes: list[ClaimOutcome] = field(default_factory=list)
    transactions: int = 0
    gas_used: int = 0

    def counts(self) -> dict[str, int]:
        """Claims per status, in the statuses' order."""
        c = Counter(o.status for o in self.outcomes)
        return {s.name: c[s] for s in ClaimStatus if c[s]}

    def to_json(self) -> dict[str, Any]:
        submitted = sum(o.submitted for o in self.outcomes)
        return {"ok": True, "claims": len(self.outcomes), "submitted": submitted,
                "already_on_chain": len(self.outcomes) - submitted, "transactions": self.transactions,
                "gas_used": self.gas_used, "statuses": self.counts(),
                "duplicates": sum(o.reason == Reason.DUPLICATE for o in self.outcomes),
                "decisions": [o.to_json() for o in self.outcomes]}


def _abi_type(p: dict[str, Any]) -> str:
    t: str = p["type"]
    if t.startswith("tuple"):
        return "(" + ",".join(_abi_type(c) for c in p["components"]) + ")" + t[5:]
    return t


def _claim_info_types() -> list[str]:
    item = next(x for x in artifacts.ledger_abi() if x.get("type") == "function" and x["name"] == "claimInfo")
    return [_abi_type(o) for o in item["outputs"]]


def stored_claims(ledger: Ledger, claim_ids: Sequence[bytes]) -> list[ClaimView | None]:
    """The claims stored under ``claim_ids`` (None where there is none), read in JSON-RPC
    batches on a node: thousands of ids cost a few round trips, not one each."""
    selector = function_signature_to_4byte_selector("claimInfo(bytes32)")
    types = _claim_info_types()
    out: list[ClaimView | None] = []
    for raw in ledger.chain.call_many(ledger.address, [selector + cid for cid in claim_ids], ledger.sender):
        if isinstance(raw, ContractError) and raw.name == "ClaimUnknown":
            out.append(None)
            continue
        if isinstance(raw, Exception):
            raise raw
        view = claim_view(abi_decode(types, raw)[0])
        out.append(None if view.status == ClaimStatus.NONE else view)
    return out


def stored_claim(ledger: Ledger, claim_id: bytes) -> ClaimView | None:
    """The claim stored under ``claim_id``, or None when there is none."""
    return stored_claims(ledger, [claim_id])[0]


def check_claims(ledger: Ledger, claims: Sequence[ClaimInput], labels: Sequence[str] | None = None) -> list[bytes]:
    """Check claims of the acting institution before any is sent; return their claim ids.
    Refused (one :class:`InputError` naming the entry): an acting account that is no
    registered institution, an inpatient claim from a pharmacy, two claims with one id."""
    names = _labels(len(claims), labels)
    signer = ledger.signer.address
    try:
        level = ledger.institution(signer).level
    except ContractError as exc:
        if exc.name != "InstitutionUnknown":
            raise
        raise InputError(f"{signer} is not a registered institution; claims are submitted as one "
                         "(--institution-as NAME)") from None
    ids: dict[bytes, str] = {}
    for label, c in zip(names, claims, strict=True):
        if level == 0 and c.visit == VisitType.INPATIENT:
            raise InputError(f"{label}: visit: a pharmacy (level 0) offers no INPATIENT care")
        cid = codec.claim_id_of(signer, c.invoice)
        if cid in ids:
            raise InputError(f"{label}: invoice: {c.invoice!r} has the same claim id as {ids[cid]}")
        ids[cid] = label
    return list(ids)


def submit_resumable(ledger: Ledger, claims: Sequence[ClaimInput], labels: Sequence[str] | None = None,
                     batch_size: int = CLAIM_BATCH, progress: Progress | None = None) -> ClaimReport:
    """Submit claims of the acting institution in batches of ``batch_size``, after
    :func:`check_claims`. A claim whose id is already stored is reported with its stored
    status and not sent, so rerunning after a failure submits exactly what is missing."""
    size = _batch_size(batch_size, MAX_CLAIM_BATCH)
    names = _labels(len(claims), labels)
    ids = check_claims(ledger, claims, names)
    found: dict[int, ClaimOutcome] = {}
    todo: list[int] = []
    for i, (cid, v) in enumerate(zip(ids, stored_claims(ledger, ids), strict=True)):
        if v is None:
            todo.append(i)
        else:
            found[i] = ClaimOutcome(names[i], claims[i].invoice, cid, v.status, v.reason, v.flags, v.billed,
                                    v.fund, submitted=False)
    if progress and found:
        progress(len(found))
    report = ClaimReport()
    for group in iter_chunks(list(iter_chunks(todo, size)), PIPELINE):  # PIPELINE batches in flight
        decided = ledger.submit_claim_batches([[claims[i] for i in batch] for batch in group])
        for batch, results in zip(group, decided, strict=True):
            report.transactions += 1
            report.gas_used += results[0].gas_used if results else 0
            for i, r in zip(batch, results, strict=True):
                found[i] = ClaimOutcome(names[i], claims[i].invoice, r.claim_id, r.status, r.reason, r.flags,
                                        r.billed, r.fund, submitted=True)
        if progress:
            progress(sum(len(batch) for batch in group))
    report.outcomes = [found[i] for i in range(len(claims))]
    return report


__all__ = [
    "CLAIM_BATCH",
    "MAX_CLAIM_BATCH",
    "MAX_ENROL_BATCH",
    "ClaimOutcome",
    "ClaimReport",
    "EnrolmentReport",
    "check_claims",
    "enrol_resumable",
    "stored_claim",
    "stored_claims",
    "submit_resumable",
]
