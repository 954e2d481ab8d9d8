"""The ledger's raw logs as rows of the index's tables (:mod:`yibao.index.schema`).

Logs are decoded in bulk without web3: the event's topic 0 picks its layout from the ABI of
``IYibaoLedger``, static fields are read straight from the 32-byte words (``int.from_bytes``),
and only dynamic ones (a region's name, ``ClaimLines.more``) go through eth-abi.

A claim's row joins its ``ClaimDecided`` (the decision word and packed line results, with
``ClaimLines`` for lines 7 onwards) with the claim as its ``submitClaims`` transaction sent
it (person, lines, discharge, invoice, documents; :func:`yibao.codec.decode_claims`), the
institution being the transaction's sender. A ``DUPLICATE`` decision makes no claim row
(the first claim of that id stays as it is); its ``Alert`` is stored like any other.
Lines are numbered from 1.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from eth_abi.abi import decode as abi_decode
from eth_utils.crypto import keccak
from sqlalchemy import Table

from yibao import codec
from yibao.chain import artifacts
from yibao.chain.abi import EventDecoder
from yibao.index import schema
from yibao.index.chainread import RawLog, checksum
from yibao.model.types import CLAIM_CHECK_REASONS, AlertKind, Reason

CLAIM_EPOCH_SHIFT = 91  #: contracts/libraries/Packed.sol CLAIM_EPOCH_SHIFT
CLAIM_EPOCH_MASK = 0xFFFF
SUBMIT_SELECTOR = keccak(text="submitClaims(bytes32[])")[:4]
ZERO32 = bytes(32)
_DAY0 = dt.date(1970, 1, 1).toordinal()

Row = dict[str, Any]


@dataclass(frozen=True)
class _Event:
    name: str
    indexed: tuple[tuple[str, str], ...]
    plain: tuple[tuple[str, str], ...]
    dynamic: bool


def _is_dynamic(typ: str) -> bool:
    return typ in ("string", "bytes") or typ.endswith("]") or typ.startswith("(")


def _abi_type(p: dict[str, Any]) -> str:
    """A parameter's type as eth-abi spells it (a struct as its components' tuple)."""
    typ = str(p["type"])
    if typ.startswith("tuple"):
        return "(" + ",".join(_abi_type(c) for c in p["components"]) + ")" + typ[len("tuple"):]
    return typ


@functools.cache
def event_layouts() -> dict[bytes, _Event]:
    """Topic 0 → the event's name and fields, from the ledger's ABI."""
    topic = EventDecoder(artifacts.ledger_abi()).topic
    out: dict[bytes, _Event] = {}
    for item in artifacts.ledger_abi():
        if item["type"] != "event":
            continue
        plain = tuple((p["name"], _abi_type(p)) for p in item["inputs"] if not p["indexed"])
        out[topic(item["name"])] = _Event(
            item["name"], tuple((p["name"], _abi_type(p)) for p in item["inputs"] if p["indexed"]), plain,
            any(_is_dynamic(t) for _, t in plain))
    return out


def topic_of(name: str) -> bytes:
    """The topic 0 of the ledger's event ``name``."""
    return next(t for t, e in event_layouts().items() if e.name == name)


def _word(typ: str, w: bytes) -> Any:
    if typ == "address":
        return checksum(w[12:])
    if typ == "bool":
        return w[31] != 0
    if typ.startswith("uint"):
        return int.from_bytes(w, "big")
    if typ.startswith("int"):
        return int.from_bytes(w, "big", signed=True)
    return bytes(w)


def decode(log: RawLog) -> tuple[str, dict[str, Any]] | None:
    """A raw log as (event name, arguments), or None for a log of no event of the ledger."""
    e = event_layouts().get(log.topics[0]) if log.topics else None
    if e is None:
        return None
    args = {name: _word(typ, t) for (name, typ), t in zip(e.indexed, log.topics[1:], strict=False)}
    if e.dynamic:
        values = abi_decode([t for _, t in e.plain], log.data)
        args.update({name: v for (name, _), v in zip(e.plain, values, strict=True)})
    else:
        d = log.data
        for i, (name, typ) in enumerate(e.plain):
            args[name] = _word(typ, d[32 * i:32 * i + 32])
    return e.name, args


def _hex(raw: bytes) -> str:
    return "0x" + raw.hex()


def _hex_or_none(raw: bytes) -> str | None:
    return None if raw == ZERO32 else "0x" + raw.hex()


def _reason(raw: bytes) -> str | None:
    return codec.decode_reason(raw) or None


@functools.lru_cache(maxsize=8192)
def day_parts(day: int) -> tuple[int, int, int]:
    """(month number year × 12 + month − 1, year, month × 100 + day) of a day number."""
    d = dt.date.fromordinal(_DAY0 + day)
    return d.year * 12 + d.month - 1, d.year, d.month * 100 + d.day


def submitted_claims(data: bytes) -> list[codec.WireClaim] | None:
    """The claims a ``submitClaims`` transaction's input carries, in order (None if the input
    is not a direct call of ``submitClaims``, or does not decode)."""
    if data[:4] != SUBMIT_SELECTOR or len(data) < 68:
        return None
    n = int.from_bytes(data[36:68], "big")
    body = data[68:68 + 32 * n]
    if len(body) != 32 * n:
        return None
    try:
        return codec.decode_claims([body[i:i + 32] for i in range(0, len(body), 32)])
    except ValueError:  # truncated words
        return None


def match_claims(sender: str, claims: list[codec.WireClaim] | None, ids: list[bytes]) -> dict[bytes, codec.WireClaim]:
    """The submitted claims by the ids of the transaction's ``ClaimDecided`` logs: the contract
    decides them in order, one log each (a duplicate too), so when the counts agree the k-th log
    is the k-th claim; else each claim's id is computed (:func:`yibao.codec.claim_id`)."""
    if not claims:
        return {}
    if len(claims) == len(ids):
        return dict(zip(ids, claims, strict=True))
    out: dict[bytes, codec.WireClaim] = {}
    for c in claims:
        try:
            out[codec.claim_id(sender, c.invoice)] = c
        except ValueError:  # a malformed invoice word (InputError)
            continue
    return out


# ---------------------------------------------------------------------- rows of one chunk


@dataclass
class Rows:
    """The rows of a chunk of blocks, by table, in chain order."""

    tables: dict[Table, list[Row]] = field(default_factory=dict)
    touched: set[str] = field(default_factory=set)  #: claims reviewed, appealed or clawed back
    settled: list[tuple[str, int]] = field(default_factory=list)  #: (institution, epoch)
    rotated: list[Row] = field(default_factory=list)  #: records' new versions (person, custodian from version 1)
    revoked: list[Row] = field(default_factory=list)  #: consents revoked: consent_id, revoked_day, revoked_block
    unread: int = 0  #: claims whose submission could not be read (not a direct submitClaims call)

    def add(self, table: Table, row: Row) -> None:
        self.tables.setdefault(table, []).append(row)

    def count(self) -> int:
        return sum(len(v) for v in self.tables.values()) + len(self.rotated) + len(self.revoked)


def _outcomes(packed: list[int], n: int) -> list[tuple[int, int]]:
    out = []
    for i in range(n):
        v = (packed[i // codec.LINE_RESULTS_PER_WORD] >> (codec.LINE_RESULT_BITS * (i % codec.LINE_RESULTS_PER_WORD))) \
            & _LINE_MASK
        out.append((v >> codec.LINE_ELIGIBLE_SHIFT, v & codec.LINE_NOTES_MASK))
    return out


_LINE_MASK = (1 << codec.LINE_RESULT_BITS) - 1
_CHECK_REASONS = frozenset(int(r) for r in CLAIM_CHECK_REASONS)
_AMOUNT = codec.AMOUNT_MASK


def _claim(rows: Rows, log: RawLog, cid: bytes, word: int, packed: list[int], sender: str,
           wire: codec.WireClaim | None) -> None:
    reason = (word >> codec.CLAIM_REASON_SHIFT) & codec.CLAIM_REASON_MASK
    if reason == Reason.DUPLICATE:
        return
    claim_id = "0x" + cid.hex()
    day = (word >> codec.CLAIM_DAY_SHIFT) & codec.CLAIM_DAY_MASK
    month, year, mmdd = day_parts(day)
    status, fund = word & codec.CLAIM_STATUS_MASK, (word >> codec.CLAIM_FUND_SHIFT) & _AMOUNT
    row = {
        "claim_id": claim_id, "institution": sender, "person": _hex(wire.person) if wire else _hex(ZERO32),
        "invoice": None, "label": None, "visit": (word >> codec.CLAIM_VISIT_SHIFT) & codec.CLAIM_VISIT_MASK,
        "service_day": day, "discharge_day": None, "service_month": month, "service_year": year,
        "service_mmdd": mmdd, "documents": None, "claimed_fund": None,
        "decided_status": status, "decided_reason": reason,
        "flags": (word >> codec.CLAIM_FLAGS_SHIFT) & codec.CLAIM_FLAGS_MASK,
        "billed": (word >> codec.CLAIM_BILLED_SHIFT) & _AMOUNT,
        "eligible": (word >> codec.CLAIM_ELIGIBLE_SHIFT) & _AMOUNT,
        "deductible": (word >> codec.CLAIM_DEDUCTIBLE_SHIFT) & _AMOUNT, "decided_fund": fund,
        "status": status, "reason": reason, "fund": fund, "epoch": (word >> CLAIM_EPOCH_SHIFT) & CLAIM_EPOCH_MASK,
        "block": log.block, "log_index": log.index, "tx": log.tx,
    }
    rows.add(schema.claims, row)
    if wire is None:
        rows.unread += 1
        return
    if wire.invoice[31] == 0:
        row["invoice"] = wire.invoice.rstrip(b"\0").decode("utf-8", "replace")
    row["discharge_day"] = wire.discharge_day or None
    row["documents"] = _hex_or_none(wire.documents)
    row["claimed_fund"] = wire.claimed_fund
    outcomes = _outcomes(packed, len(wire.lines)) if reason not in _CHECK_REASONS else []
    lines = rows.tables.setdefault(schema.claim_lines, [])
    for i, ln in enumerate(wire.lines):
        eligible, notes = outcomes[i] if i < len(outcomes) else (0, 0)
        lines.append({"claim_id": claim_id, "line_no": i + 1, "code": ln.code, "qty": ln.qty,
                      "unit_price": ln.unit_price, "billed": ln.qty * ln.unit_price, "eligible": eligible,
                      "notes": notes})


def _at(log: RawLog) -> Row:
    return {"block": log.block, "log_index": log.index}


def _simple(table: Table, make: Callable[[dict[str, Any]], Row], with_index: bool = True,
            with_tx: bool = False) -> Callable[[Rows, RawLog, dict[str, Any]], None]:
    def handle(rows: Rows, log: RawLog, a: dict[str, Any]) -> None:
        row = make(a)
        row.update(_at(log) if with_index else {"block": log.block})
        if with_tx:
            row["tx"] = log.tx
        rows.add(table, row)
    return handle


def _institution_change(kind: str) -> Callable[[dict[str, Any]], Row]:
    return lambda a: {"account": a["account"], "kind": kind, "from_value": a["from"], "to_value": a["to"],
                      "reason": a.get("reason")}


def _person_change(a: dict[str, Any], kind: str) -> Row:
    row: Row = {"pseudonym": _hex(a["person"]), "kind": kind, "scheme": None, "coverage_from_day": None,
                "coverage_to_day": None, "from_status": None, "to_status": None, "reason": None, "wallet": None}
    if kind == "update":
        row.update(scheme=a["scheme"], coverage_from_day=a["coverageFrom"], coverage_to_day=a["coverageTo"])
    elif kind == "status":
        row.update(from_status=a["from"], to_status=a["to"], reason=a["reason"])
    else:
        row["wallet"] = a["wallet"]
    return row


def _filing(removed: bool) -> Callable[[dict[str, Any]], Row]:
    return lambda a: {"pseudonym": _hex(a["person"]), "region": a["region"], "from_day": a["from"],
                      "to_day": a["to"], "removed": removed, "expired": bool(a.get("expired", False))}


def _item(a: dict[str, Any]) -> Row:
    return {"region": a["region"], "code": codec.decode_code(a["code"]), "removed": False,
            "category": a["category"], "price_cap": a["priceCap"], "inpatient_only": a["inpatientOnly"],
            "max_qty": a["maxQty"], "min_interval_days": a["minIntervalDays"]}


def _item_removed(a: dict[str, Any]) -> Row:
    return {"region": a["region"], "code": codec.decode_code(a["code"]), "removed": True, "category": None,
            "price_cap": None, "inpatient_only": None, "max_qty": None, "min_interval_days": None}


def _cross(kind: str) -> Callable[[dict[str, Any]], Row]:
    if kind == "cleared":
        return lambda a: {"kind": kind, "home": a["from"], "treating": a["to"], "amount": a["amount"],
                          "owed": a["stillOwed"]}
    return lambda a: {"kind": kind, "home": a["home"], "treating": a["treating"], "amount": a["amount"],
                      "owed": a["owed"]}


def _review(rows: Rows, log: RawLog, a: dict[str, Any]) -> None:
    rows.touched.add(_hex(a["claimId"]))
    rows.add(schema.reviews, {"claim_id": _hex(a["claimId"]), "reviewer": a["reviewer"], "approved": a["approved"],
                              "appeal": a["appeal"], "reason": _reason(a["reason"]),
                              "evidence": _hex_or_none(a["evidence"]), "fund": a["fund"], **_at(log), "tx": log.tx})


def _appeal(rows: Rows, log: RawLog, a: dict[str, Any]) -> None:
    rows.touched.add(_hex(a["claimId"]))
    rows.add(schema.appeals, {"claim_id": _hex(a["claimId"]), "institution": a["institution"], **_at(log),
                              "tx": log.tx})


def _clawback(rows: Rows, log: RawLog, a: dict[str, Any]) -> None:
    rows.touched.add(_hex(a["claimId"]))
    rows.add(schema.clawbacks, {"claim_id": _hex(a["claimId"]), "institution": a["institution"],
                                "amount": a["amount"], "reason": _reason(a["reason"]),
                                "evidence": _hex_or_none(a["evidence"]), **_at(log), "tx": log.tx})


def _settled(rows: Rows, log: RawLog, a: dict[str, Any]) -> None:
    rows.settled.append((a["institution"], a["epoch"]))
    rows.add(schema.settlements, {
        "institution": a["institution"], "region": a["region"], "epoch": a["epoch"], "payable": a["payable_"],
        "netted": a["netted"], "cash": a["cash"], "claims": a["claims"], "from_day": a["fromDay"],
        "to_day": a["toDay"], "payment_ref": _hex_or_none(a["paymentRef"]), **_at(log), "tx": log.tx})


Handler = Callable[[Rows, RawLog, dict[str, Any]], None]
"""A row maker: the rows of one decoded log."""


def _case_opened(rows: Rows, log: RawLog, a: dict[str, Any]) -> None:
    case_id = int(a["caseId"])
    rows.add(schema.cases, {"case_id": case_id, "institution": a["institution"], "opened_by": a["by"],
                            "source": a["source"], "by_region": a["byRegion"], "evidence": _hex_or_none(a["evidence"]),
                            "claim_count": len(a["claims"]), **_at(log), "tx": log.tx})
    for claim in a["claims"]:
        rows.add(schema.case_claims, {"case_id": case_id, "claim_id": _hex(claim)})


def _case_finding(rows: Rows, log: RawLog, a: dict[str, Any]) -> None:
    case_id = int(a["caseId"])
    _case_step(rows, log, case_id, "finding", actor=a["by"], code=_reason(a["code"]),
               evidence=_hex_or_none(a["evidence"]), amount=a["newlyFound"])
    for claim in a["claims"]:
        rows.add(schema.case_found, {"case_id": case_id, "claim_id": _hex(claim), **_at(log)})


def _case_rejected(rows: Rows, log: RawLog, a: dict[str, Any]) -> None:
    rows.touched.add(_hex(a["claimId"]))
    _case_step(rows, log, int(a["caseId"]), "claim_rejected", claim_id=_hex(a["claimId"]), amount=a["fund"],
               value=a["fromStatus"])


_STEP_COLUMNS = ("actor", "institution", "code", "evidence", "claim_id", "article", "fine_bps", "suspend_days",
                 "upheld", "outcome", "year", "amount", "fine", "value")


def _case_step(rows: Rows, log: RawLog, case_id: int, kind: str, **fields: Any) -> None:
    row: Row = dict.fromkeys(_STEP_COLUMNS)
    row.update(fields)
    rows.add(schema.case_steps, {"case_id": case_id, "kind": kind, **row, **_at(log), "tx": log.tx})


def _step(kind: str, make: Callable[[dict[str, Any]], dict[str, Any]]) -> Handler:
    return lambda rows, log, a: _case_step(rows, log, int(a["caseId"]), kind, **make(a))


def _params(a: dict[str, Any]) -> Row:
    p = a["params"]
    names = ("contest_days", "points_art38", "points_art40", "credit_base", "floor_a", "floor_b", "floor_c",
             "floor_d")
    return {"region": a["region"], **dict(zip(names, p, strict=True))}


SUPERVISION_HANDLERS: dict[str, Handler] = {
    "SupervisionParamsSet": _simple(schema.supervision_params, _params),
    "CaseOpened": _case_opened,
    "CaseFinding": _case_finding,
    "CaseDecided": _step("decided", lambda a: {"actor": a["by"], "article": a["article"], "fine_bps": a["fineBps"],
                                               "suspend_days": a["suspendDays"], "amount": a["loss"],
                                               "fine": a["fine"]}),
    "CaseContested": _step("contested", lambda a: {"actor": a["institution"]}),
    "CaseRuled": _step("ruled", lambda a: {"actor": a["reviewer"], "upheld": a["upheld"], "fine_bps": a["fineBps"],
                                           "fine": a["fine"]}),
    "CaseClaimRejected": _case_rejected,
    "FineOwed": _step("fine_owed", lambda a: {"institution": a["institution"], "amount": a["amount"],
                                              "value": a["owed"]}),
    "InstitutionSuspended": _step("suspended", lambda a: {"institution": a["institution"], "value": a["until"]}),
    "CreditScoreChanged": _step("credit", lambda a: {"institution": a["institution"], "year": a["year"],
                                                     "value": a["score"]}),
    "CaseClosed": _step("closed", lambda a: {"actor": a["by"], "outcome": a["outcome"]}),
    "FinePaid": _simple(schema.fine_payments, lambda a: {
        "institution": a["institution"], "actor": a["by"], "amount": a["amount"], "owed": a["owed"],
        "payment_ref": _hex_or_none(a["paymentRef"])}, with_tx=True),
}
"""The supervision module's events (cases, fines, parameters)."""


def _alert(rows: Rows, log: RawLog, a: dict[str, Any]) -> None:
    """An ``Alert``; one about a person (EMERGENCY_ACCESS: its claimId is the pseudonym) has no claim."""
    subject = _hex(a["claimId"])
    person = int(a["kind"]) == AlertKind.EMERGENCY_ACCESS
    rows.add(schema.alerts, {"claim_id": None if person else subject, "kind": a["kind"],
                             "institution": a["institution"], "person": subject if person else None, **_at(log)})


def _record_put(rows: Rows, log: RawLog, a: dict[str, Any]) -> None:
    rows.add(schema.records, {"record": a["record"], "version": 1, "person": _hex(a["person"]),
                              "custodian": a["custodian"], "content_hash": _hex(a["contentHash"]), **_at(log),
                              "tx": log.tx})


def _record_rotated(rows: Rows, log: RawLog, a: dict[str, Any]) -> None:
    rows.rotated.append({"record": a["record"], "version": a["version"], "content_hash": _hex(a["contentHash"]),
                         **_at(log), "tx": log.tx})


def _consent_revoked(rows: Rows, log: RawLog, a: dict[str, Any]) -> None:
    rows.revoked.append({"consent_id": a["consent"], "revoked_day": a["on"], "revoked_block": log.block})


def _served(rows: Rows, log: RawLog, a: dict[str, Any]) -> None:
    """A ``RecordServed`` (a dynamic event: eth-abi gives its ``reader`` in lower case)."""
    rows.add(schema.record_accesses, {
        "access_id": a["access"], "record": a["record"], "person": _hex(a["person"]), "reader": checksum(a["reader"]),
        "version": a["version"], "purpose": a["purpose"], "basis": a["basis"], "basis_id": a["basisId"],
        **_at(log), "tx": log.tx, "time": 0})  # the block's time: set when the chunk is inserted


RECORDS_HANDLERS: dict[str, Handler] = {
    "RecordPut": _record_put,
    "RecordRotated": _record_rotated,
    "ConsentGranted": _simple(schema.consents, lambda a: {
        "consent_id": a["consent"], "person": _hex(a["person"]), "grantee": a["grantee"],
        "record": a["record"] or None, "purpose": a["purpose"], "not_after_day": a["notAfter"],
        "relayer": a["relayer"], "revoked_day": None, "revoked_block": None}, with_tx=True),
    "ConsentRevoked": _consent_revoked,
    "EmergencyDeclared": _simple(schema.emergencies, lambda a: {
        "person": _hex(a["person"]), "institution": a["institution"], "until": a["until"],
        "reason": _reason(a["reason"])}, with_tx=True),
    "RecordServed": _served,
    "ClaimFeedback": _simple(schema.claim_feedback, lambda a: {
        "claim_id": _hex(a["claimId"]), "person": _hex(a["person"]), "code": a["code"],
        "relayer": a["relayer"]}, with_tx=True),
}
"""The records module's events (records.md). The sealed data keys (``custodianKey``,
``sealedKey``) are never stored: the index holds nothing secret."""


HANDLERS: dict[str, Callable[[Rows, RawLog, dict[str, Any]], None]] = {
    "RegionAdded": _simple(schema.regions, lambda a: {"code": a["region"], "name": a["name"],
                                                      "opening": a["openingBalance"]}, with_index=False),
    "InstitutionAdded": _simple(schema.institutions, lambda a: {
        "account": a["account"], "idx": a["index"], "region": a["region"], "level": a["level"],
        "grade": a["grade"]}, with_index=False),
    "InstitutionStatusChanged": _simple(schema.institution_changes, _institution_change("status")),
    "InstitutionGradeChanged": _simple(schema.institution_changes, _institution_change("grade")),
    "PersonEnrolled": _simple(schema.people, lambda a: {
        "pseudonym": _hex(a["person"]), "idx": a["index"], "region": a["region"], "scheme": a["scheme"],
        "coverage_from_day": a["coverageFrom"], "coverage_to_day": a["coverageTo"]}, with_index=False),
    "PersonUpdated": _simple(schema.person_changes, lambda a: _person_change(a, "update")),
    "PersonStatusChanged": _simple(schema.person_changes, lambda a: _person_change(a, "status")),
    "PersonWalletSet": _simple(schema.person_changes, lambda a: _person_change(a, "wallet")),
    "FilingAdded": _simple(schema.filings, _filing(False)),
    "FilingRemoved": _simple(schema.filings, _filing(True)),
    "PolicyVersionAdded": _simple(schema.policies, lambda a: {
        "region": a["region"], "scheme": a["scheme"], "idx": a["index"], "effective_from_day": a["effectiveFrom"]},
        with_index=False),
    "CatalogueItemSet": _simple(schema.catalogue, _item),
    "CatalogueItemRemoved": _simple(schema.catalogue, _item_removed),
    "Alert": _alert,
    "ClaimReviewed": _review,
    "ClaimAppealed": _appeal,
    "ClaimClawedBack": _clawback,
    "Settled": _settled,
    "CrossRegionOwed": _simple(schema.cross_region, _cross("owed")),
    "CrossRegionReduced": _simple(schema.cross_region, _cross("reduced")),
    "Cleared": _simple(schema.cross_region, _cross("cleared")),
    "ContributionRecorded": _simple(schema.contributions, lambda a: {
        "pseudonym": _hex(a["person"]), "region": a["region"], "amount": a["amount"]}),
    "InstitutionFreezeChanged": _simple(schema.freezes, lambda a: {"institution": a["institution"],
                                                                   "frozen": a["frozen"]}),
    **SUPERVISION_HANDLERS,
    **RECORDS_HANDLERS,
}
"""Each stored event's row maker (role and module events are not stored)."""


def _decode_fast(log: RawLog) -> tuple[str, dict[str, Any]] | None:
    """:func:`decode`, with the layout of ``ClaimDecided`` (most of the logs) inlined."""
    if log.topics[0] != _decided_topic():
        return decode(log)
    args: dict[str, Any] = {"claimId": log.topics[1], "decision": int.from_bytes(log.data[:32], "big"),
                            "lines": int.from_bytes(log.data[32:64], "big")}
    return "ClaimDecided", args


def to_rows(logs: list[RawLog], txs: dict[str, tuple[str, bytes]]) -> Rows:
    """The rows of ``logs`` (in chain order); ``txs`` holds each ClaimDecided transaction's
    sender and input."""
    rows = Rows()
    decoded = [(log, _decode_fast(log)) for log in logs if log.topics]
    more: dict[tuple[str, bytes], list[int]] = {}
    decided: dict[str, list[bytes]] = {}
    for log, d in decoded:
        if d is not None and d[0] == "ClaimLines":
            more.setdefault((log.tx, d[1]["claimId"]), []).extend(int(w) for w in d[1]["more"])
        elif d is not None and d[0] == "ClaimDecided":
            decided.setdefault(log.tx, []).append(d[1]["claimId"])
    wires = {tx: match_claims(txs[tx][0], submitted_claims(txs[tx][1]), ids) for tx, ids in decided.items()}
    for log, d in decoded:
        if d is None:
            continue
        name, args = d
        if name == "ClaimDecided":
            cid = args["claimId"]
            _claim(rows, log, cid, args["decision"], [args["lines"], *more.get((log.tx, cid), ())], txs[log.tx][0],
                   wires[log.tx].get(cid))
            continue
        handler = HANDLERS.get(name)
        if handler is not None:
            handler(rows, log, args)
    return rows


def is_decision(log: RawLog) -> bool:
    """Whether a log is a ``ClaimDecided`` (its transaction's input is needed)."""
    return bool(log.topics) and log.topics[0] == _decided_topic()


@functools.cache
def _decided_topic() -> bytes:
    return topic_of("ClaimDecided")


__all__ = [
    "CLAIM_EPOCH_MASK",
    "CLAIM_EPOCH_SHIFT",
    "HANDLERS",
    "RECORDS_HANDLERS",
    "SUPERVISION_HANDLERS",
    "Handler",
    "Row",
    "Rows",
    "day_parts",
    "decode",
    "event_layouts",
    "is_decision",
    "match_claims",
    "submitted_claims",
    "to_rows",
    "topic_of",
]
