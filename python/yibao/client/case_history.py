"""A supervision case's story, read back from the chain's events (``yibao case show``).

:func:`case_story` gives the case as it stands (``caseInfo``), the claims found in it, and
every step in chain order: opened (by whom, on which claims, with which evidence hash),
each finding, the decision, the contest and its ruling, and the close; for a finalized case
also what finalizing executed, from the logs of that transaction: each claim clawed back or
rejected, the fine owed, the suspension, the credit score and the grade. Each step has its
block time (CST), block, transaction hash and sender.
"""

from __future__ import annotations

from typing import Any

from web3 import Web3

from yibao import codec
from yibao.chain.logs import read_logs
from yibao.client.ledger import Ledger
from yibao.errors import ContractError, InputError
from yibao.model.types import CaseOutcome, ClaimStatus, Grade, InstitutionStatus
from yibao.units import cst_time, from_day

#: The case's own events (its id the first indexed argument).
CASE_EVENTS = ("CaseOpened", "CaseFinding", "CaseDecided", "CaseContested", "CaseRuled", "CaseClosed")
#: What a finalize emits besides them.
FINALIZE_EVENTS = ("ClaimClawedBack", "CaseClaimRejected", "FineOwed", "InstitutionSuspended",
                   "CreditScoreChanged", "InstitutionStatusChanged", "InstitutionGradeChanged",
                   "CrossRegionReduced", "CrossRegionOwed")


def _hex(raw: Any) -> str | None:
    b = bytes(raw)
    return None if b == bytes(len(b)) else "0x" + b.hex()


def _address(value: Any) -> str:
    return str(Web3.to_checksum_address(value))


def _fields(event: str, a: dict[str, Any]) -> dict[str, Any]:
    """The fields a step shows, by event."""
    if event == "CaseOpened":
        return {"institution": _address(a["institution"]), "source": int(a["source"]), "by_region": int(a["byRegion"]),
                "evidence": _hex(a["evidence"]), "claims": ["0x" + bytes(c).hex() for c in a["claims"]]}
    if event == "CaseFinding":
        return {"code": codec.decode_reason(a["code"]), "evidence": _hex(a["evidence"]),
                "claims": ["0x" + bytes(c).hex() for c in a["claims"]], "newly_found": int(a["newlyFound"])}
    if event == "CaseDecided":
        return {"article": int(a["article"]), "fine_bps": int(a["fineBps"]), "suspend_days": int(a["suspendDays"]),
                "loss": int(a["loss"]), "fine": int(a["fine"])}
    if event == "CaseRuled":
        return {"upheld": bool(a["upheld"]), "fine_bps": int(a["fineBps"]), "fine": int(a["fine"])}
    if event == "CaseClosed":
        return {"outcome": CaseOutcome(int(a["outcome"])).name}
    if event == "ClaimClawedBack":
        return {"claim_id": "0x" + bytes(a["claimId"]).hex(), "amount": int(a["amount"]),
                "reason": codec.decode_reason(a["reason"])}
    if event == "CaseClaimRejected":
        return {"claim_id": "0x" + bytes(a["claimId"]).hex(), "from_status": ClaimStatus(int(a["fromStatus"])).name,
                "fund": int(a["fund"])}
    if event == "FineOwed":
        return {"amount": int(a["amount"]), "owed": int(a["owed"])}
    if event == "InstitutionSuspended":
        return {"until": from_day(int(a["until"])).isoformat()}
    if event == "CreditScoreChanged":
        return {"year": int(a["year"]), "score": int(a["score"])}
    if event == "InstitutionStatusChanged":
        return {"from": InstitutionStatus(int(a["from"])).name, "to": InstitutionStatus(int(a["to"])).name}
    if event == "InstitutionGradeChanged":
        return {"from": Grade(int(a["from"])).name, "to": Grade(int(a["to"])).name}
    return {k: int(v) if isinstance(v, int) else v for k, v in a.items()}


STEP_NAMES = {"CaseOpened": "opened", "CaseFinding": "finding", "CaseDecided": "decided", "CaseContested": "contested",
              "CaseRuled": "ruled", "CaseClosed": "closed", "ClaimClawedBack": "claim_clawed_back",
              "CaseClaimRejected": "claim_rejected", "FineOwed": "fine_owed", "InstitutionSuspended": "suspended",
              "CreditScoreChanged": "credit", "InstitutionStatusChanged": "status", "InstitutionGradeChanged": "grade",
              "CrossRegionReduced": "cross_region_reduced", "CrossRegionOwed": "cross_region_owed"}
"""Each event's step name in the story."""


def case_story(ledger: Ledger, case_id: int) -> dict[str, Any]:
    """The case, its found claims and its steps (``InputError("no case N")`` if there is none)."""
    try:
        info = ledger.case_info(case_id)
    except ContractError as exc:
        if exc.name == "CaseUnknown":
            raise InputError(f"no case {case_id}") from None
        raise
    topic = "0x" + case_id.to_bytes(32, "big").hex()
    chain, start = ledger.chain, int(ledger.manifest.block)
    logs = [*read_logs(chain, ledger.address, [None, bytes.fromhex(topic[2:])], start),
            *read_logs(chain, ledger.address, [None, None, bytes.fromhex(topic[2:])], start)]
    steps: list[tuple[int, int, dict[str, Any]]] = []
    finalize: tuple[int, str] | None = None
    times: dict[int, int] = {}

    def add(log: Any, event: str, args: dict[str, Any]) -> None:
        if log.timestamp is not None:
            times[log.block] = log.timestamp
        ts = times.get(log.block)
        if ts is None:
            ts = times[log.block] = int(chain.w3.eth.get_block(log.block)["timestamp"])
        sender = chain.w3.eth.get_transaction(log.tx)["from"]
        steps.append((log.block, log.index, {"step": STEP_NAMES[event], "time": cst_time(ts), "block": log.block,
                                             "tx": log.tx, "by": _address(sender), **_fields(event, args)}))

    seen: set[tuple[int, int]] = set()
    for log in logs:
        e = ledger.decode_log(log.raw())
        if e is None or (log.block, log.index) in seen:
            continue
        if e["event"] in CASE_EVENTS or (e["event"] in FINALIZE_EVENTS and e["event"] != "ClaimClawedBack"):
            seen.add((log.block, log.index))
            add(log, e["event"], e["args"])
            if e["event"] == "CaseClosed" and int(e["args"]["outcome"]) == CaseOutcome.PENALIZED:
                finalize = (log.block, log.tx)
    if finalize is not None:  # what finalizing executed that does not name the case
        block, tx = finalize
        for log in read_logs(chain, ledger.address, [], block, block):
            e = ledger.decode_log(log.raw())
            if e is not None and log.tx == tx and (log.block, log.index) not in seen and e["event"] in FINALIZE_EVENTS:
                seen.add((log.block, log.index))
                add(log, e["event"], e["args"])
    steps.sort(key=lambda s: (s[0], s[1]))
    return {"case": info.to_json(), "found": ["0x" + c.hex() for c in ledger.case_found(case_id)],
            "steps": [s for _, _, s in steps]}


__all__ = ["CASE_EVENTS", "FINALIZE_EVENTS", "STEP_NAMES", "case_story"]
