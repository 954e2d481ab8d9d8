"""A claim's story, read back from the chain: the stored claim and every event about it.

:func:`claim_details` is what ``yibao claim show`` prints: the stored claim (``claimInfo``)
with what only its submission tells (institution, person, lines, alerts) and its review data.
:func:`claim_history` is ``yibao claim history``: every step in chain order — submitted (with
its decision), alerts, reviewed, appealed, settled, clawed back, rejected by a supervision
case — each with its block time as
a CST date-time, its transaction hash and its sender.

Everything comes from logs of the ledger filtered by the claim id topic, plus the ``Settled``
events of the claim's institution (by institution topic): the settlement that paid a claim is
the first settlement of its institution after the claim's approval — the one whose ``epoch``
equals the number of that institution's settlements before the approval.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_typing import HexStr
from web3 import Web3

from yibao import codec
from yibao.chain.logs import read_logs
from yibao.client.ledger import Ledger
from yibao.units import cst_time, from_day
from yibao.errors import ContractError, InputError
from yibao.model.types import (
    CLAIM_CHECK_REASONS, AlertKind, ClaimStatus, Flag, LineNote, Reason, VisitType, flag_names, note_names
)

#: Events that carry a claim id as their first topic.
CLAIM_EVENTS = ("ClaimDecided", "ClaimLines", "Alert", "ClaimReviewed", "ClaimAppealed", "ClaimClawedBack",
                "CaseClaimRejected")


def parse_claim_id(text: str) -> bytes:
    """A claim id given as 0x and 64 hex digits."""
    t = text.strip()
    body = t[2:] if t[:2].lower() == "0x" else ""
    if len(body) != 64:
        raise InputError(f"claim id {text!r} must be 0x followed by 64 hex digits")
    try:
        return bytes.fromhex(body)
    except ValueError:
        raise InputError(f"claim id {text!r} is not hexadecimal") from None


def require_claim(ledger: Ledger, claim_id: bytes) -> Any:
    """The stored claim (:class:`~yibao.client.ClaimView`), or ``InputError("no claim 0x…")``."""
    try:
        view = ledger.claim(claim_id)
    except ContractError as exc:
        if exc.name == "ClaimUnknown":
            raise InputError(f"no claim 0x{claim_id.hex()}") from None
        raise
    if view.status == ClaimStatus.NONE:
        raise InputError(f"no claim 0x{claim_id.hex()}")
    return view


# ---------------------------------------------------------------------- raw logs


@dataclass(frozen=True)
class _Log:
    block: int
    index: int
    tx: str
    event: str
    args: dict[str, Any]


class _Reader:
    """Logs of one ledger, decoded, with block times and senders cached."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.w3 = ledger.chain.w3
        self._times: dict[int, int] = {}
        self._txs: dict[str, Any] = {}

    def logs(self, topics: list[Any]) -> list[_Log]:
        # yibao.chain.logs: linear in the history on the embedded chain (eth-tester's get_logs is not)
        wanted = [None if t is None else bytes.fromhex(t[2:]) for t in topics]
        out = []
        for log in read_logs(self.ledger.chain, self.ledger.address, wanted, self.ledger.manifest.block):
            e = self.ledger.decode_log(log.raw())
            if e is None:
                continue
            if log.timestamp is not None:
                self._times[log.block] = log.timestamp
            out.append(_Log(log.block, log.index, log.tx, e["event"], e["args"]))
        return out

    def time(self, block: int) -> int:
        if block not in self._times:
            self._times[block] = int(self.w3.eth.get_block(block)["timestamp"])
        return self._times[block]

    def tx(self, tx_hash: str) -> Any:
        if tx_hash not in self._txs:
            self._txs[tx_hash] = self.w3.eth.get_transaction(HexStr(tx_hash))
        return self._txs[tx_hash]

    def sender(self, tx_hash: str) -> str:
        return str(Web3.to_checksum_address(self.tx(tx_hash)["from"]))

    def step(self, log: _Log, step: str, **fields: Any) -> dict[str, Any]:
        ts = self.time(log.block)
        return {"step": step, "time": cst_time(ts), "timestamp": ts, "block": log.block,
                "log_index": log.index, "tx": log.tx, "by": self.sender(log.tx), **fields}

    def submitted_claim(self, tx_hash: str, institution: str, claim_id: bytes) -> codec.WireClaim | None:
        """The claim as its ``submitClaims`` transaction sent it (None if the call was not direct)."""
        t = self.tx(tx_hash)
        try:
            fn, params = self.ledger.decode_input(t["input"])
        except Exception:  # noqa: BLE001 - not a direct submitClaims call
            return None
        if fn != "submitClaims":
            return None
        try:
            claims = codec.decode_claims([bytes(w) for w in params["words"]])
        except ValueError:
            return None
        for c in claims:
            if codec.claim_id(institution, c.invoice) == claim_id:
                return c
        return None


def _hex(b: Any) -> str | None:
    raw = bytes(b)
    return None if raw == bytes(len(raw)) else "0x" + raw.hex()


def _enum_name(cls: Any, v: int) -> str:
    try:
        return str(cls(v).name)
    except ValueError:
        return str(v)


# ---------------------------------------------------------------------- the decision


def _decision(log: _Log, institution: str, more: list[int], alerts: list[str],
              wire: codec.WireClaim | None) -> dict[str, Any]:
    """A ``ClaimDecided`` event (and its ``ClaimLines``) as a dictionary; lines joined with
    the submitted lines when the submission could be read."""
    a = log.args
    n = len(wire.lines) if wire else 0
    words = [int(a["lines"]), *more]
    reason = codec.decision_reason(int(a["decision"]))
    evaluated = reason not in CLAIM_CHECK_REASONS
    d = codec.decode_decision(bytes(a["claimId"]), int(a["decision"]), words if evaluated else [], n)
    lines = []
    if wire:
        outcomes = list(d.lines)
        for i, ln in enumerate(wire.lines):
            row: dict[str, Any] = {"code": ln.code, "qty": ln.qty, "unit_price": ln.unit_price,
                                   "billed": ln.qty * ln.unit_price}
            if i < len(outcomes):
                row["eligible"] = outcomes[i][0]
                row["notes"] = note_names(LineNote(outcomes[i][1]))
            lines.append(row)
    doc: dict[str, Any] = {
        "claim_id": "0x" + d.claim_id.hex(),
        "institution": institution,
        "status": _enum_name(ClaimStatus, d.status),
        "reason": _enum_name(Reason, reason),
        "flags": flag_names(Flag(d.flags)),
        "visit": _enum_name(VisitType, d.visit),
        "member": d.member,
        "billed": d.billed,
        "eligible": d.eligible,
        "deductible": d.deductible,
        "fund": d.fund,
        "patient": d.billed - d.fund,
    }
    if wire:
        doc.update({
            "person": "0x" + wire.person.hex(),
            "service_date": from_day(wire.service_day).isoformat(),
            "discharge": from_day(wire.discharge_day).isoformat() if wire.discharge_day else None,
            "claimed_fund": wire.claimed_fund,
            "documents": _hex(wire.documents),
        })
    doc["lines"] = lines
    doc["alerts"] = alerts
    return doc


# ---------------------------------------------------------------------- public


def claim_history(ledger: Ledger, claim_id: bytes) -> list[dict[str, Any]]:
    """Every step of a claim, in chain order (``InputError("no claim 0x…")`` if there is none).

    Steps: ``submitted`` (with the decision: status, reason, flags, amounts, lines, alerts),
    ``alert`` (one per alert), ``reviewed``, ``appealed``, ``settled`` (the settlement of its
    institution that paid it) and ``clawed_back``; each has ``time`` (CST), ``timestamp``,
    ``block``, ``tx`` and ``by`` (the transaction's sender).
    """
    require_claim(ledger, claim_id)
    r = _Reader(ledger)
    logs = [x for x in r.logs([None, "0x" + claim_id.hex()]) if x.event in CLAIM_EVENTS]
    steps: list[dict[str, Any]] = []
    institution: str | None = None
    approved_at: tuple[int, int] | None = None
    clawed_at: tuple[int, int] | None = None
    decided = [x for x in logs if x.event == "ClaimDecided"]
    for i, log in enumerate(logs):
        a = log.args
        if log.event == "ClaimDecided":
            institution = r.sender(log.tx)  # the submitting institution
            more = [int(w) for x in logs[i + 1:] if x.event == "ClaimLines" and x.tx == log.tx
                    for w in x.args["more"]]
            alerts = [AlertKind(x.args["kind"]).name for x in logs[i + 1:]
                      if x.event == "Alert" and x.tx == log.tx]
            wire = r.submitted_claim(log.tx, institution, claim_id)
            dec = _decision(log, institution, more, alerts, wire)
            steps.append(r.step(log, "submitted", **dec))
            if dec["status"] == "APPROVED":
                approved_at = (log.block, log.index)
        elif log.event == "Alert":
            steps.append(r.step(log, "alert", kind=_enum_name(AlertKind, int(a["kind"]))))
        elif log.event == "ClaimReviewed":
            steps.append(r.step(
                log, "reviewed", reviewer=Web3.to_checksum_address(a["reviewer"]),
                decision="approve" if a["approved"] else "reject", appeal=bool(a["appeal"]),
                reason=codec.decode_reason(a["reason"]), evidence=_hex(a["evidence"]), fund=int(a["fund"])))
            if a["approved"]:
                approved_at = (log.block, log.index)
        elif log.event == "ClaimAppealed":
            steps.append(r.step(log, "appealed", institution=Web3.to_checksum_address(a["institution"])))
        elif log.event == "ClaimClawedBack":
            clawed_at = (log.block, log.index)
            reason = codec.decode_reason(a["reason"])
            case = {"case": int.from_bytes(bytes(a["evidence"]), "big")} if reason == "SUPERVISION" else {}
            steps.append(r.step(
                log, "clawed_back", institution=Web3.to_checksum_address(a["institution"]),
                amount=int(a["amount"]), reason=reason, evidence=_hex(a["evidence"]), **case))
        elif log.event == "CaseClaimRejected":
            steps.append(r.step(log, "rejected_by_case", case=int(a["caseId"]), reason="SUPERVISION",
                                from_status=_enum_name(ClaimStatus, int(a["fromStatus"])), fund=int(a["fund"])))
    if not decided:  # the claim exists but its submission is not in the logs (pruned node?)
        return steps
    if institution is not None and approved_at is not None:
        settled = _settlement_after(r, institution, approved_at)
        if settled is not None and (clawed_at is None or (settled.block, settled.index) < clawed_at):
            a = settled.args
            steps.append(r.step(
                settled, "settled", institution=institution, region=int(a["region"]), epoch=int(a["epoch"]),
                payable=int(a["payable_"]), netted=int(a["netted"]), cash=int(a["cash"]),
                claims=int(a["claims"]), from_day=from_day(int(a["fromDay"])).isoformat(),
                to_day=from_day(int(a["toDay"])).isoformat(), payment_ref=_hex(a["paymentRef"])))
    steps.sort(key=lambda s: (s["block"], s["log_index"]))
    return steps


def _settlement_after(r: _Reader, institution: str, at: tuple[int, int]) -> _Log | None:
    """The settlement that paid a claim approved at log position ``at``: the institution's
    first ``Settled`` after it, whose epoch is the count of its settlements before it."""
    topic = "0x" + r.ledger.event_topic("Settled").hex()
    inst_topic = "0x" + bytes(12).hex() + institution[2:].lower()
    settled = [x for x in r.logs([topic, inst_topic]) if x.event == "Settled"]
    before = sum(1 for x in settled if (x.block, x.index) < at)
    for x in settled:
        if (x.block, x.index) > at and int(x.args["epoch"]) == before:
            return x
    return None


def claim_details(ledger: Ledger, claim_id: bytes) -> dict[str, Any]:
    """The stored claim with its institution, person, lines, alerts and review data."""
    view = require_claim(ledger, claim_id)
    r = _Reader(ledger)
    logs = [x for x in r.logs([None, "0x" + claim_id.hex()])
            if x.event in ("ClaimDecided", "ClaimLines", "Alert")]
    doc: dict[str, Any] = {
        "claim_id": "0x" + claim_id.hex(),
        "status": view.status.name,
        "reason": view.reason.name,
        "flags": flag_names(view.flags),
        "visit": view.visit.name,
        "service_date": view.service_date.isoformat(),
        "member": view.member,
        "billed": view.billed,
        "eligible": view.eligible,
        "deductible": view.deductible,
        "fund": view.fund,
        "patient": view.patient,
    }
    decided = next((x for x in logs if x.event == "ClaimDecided"), None)
    if decided is not None:
        institution = r.sender(decided.tx)
        more = [int(w) for x in logs if x.event == "ClaimLines" and x.tx == decided.tx for w in x.args["more"]]
        alerts = [_enum_name(AlertKind, int(x.args["kind"])) for x in logs
                  if x.event == "Alert" and x.tx == decided.tx]
        first = _decision(decided, institution, more, alerts, r.submitted_claim(decided.tx, institution, claim_id))
        doc["institution"] = institution
        for k in ("person", "discharge", "claimed_fund", "documents"):
            if k in first:
                doc[k] = first[k]
        documents = bytes.fromhex(str(doc.get("documents") or "0x")[2:])
        record, version = ledger.record_of_hash(documents) if any(documents) else (0, 0)
        if record:  # the billed document is a registered record (IRecords.recordOfHash)
            doc["documents_record"] = {"record": record, "version": version}
        doc["submitted"] = cst_time(r.time(decided.block))
        doc["tx"] = decided.tx
        doc["lines"] = first["lines"]
        doc["alerts"] = alerts
    rejected_by, rejected_on, appealed = ledger.call("reviewOf", claim_id)
    if int(rejected_by, 16) if isinstance(rejected_by, str) else int.from_bytes(bytes(rejected_by), "big"):
        doc["review"] = {"rejected_by": Web3.to_checksum_address(rejected_by),
                         "rejected_on": from_day(int(rejected_on)).isoformat(), "appealed": bool(appealed)}
    return doc


__all__ = [
    "CLAIM_EVENTS",
    "claim_details",
    "claim_history",
    "parse_claim_id",
    "require_claim",
]
