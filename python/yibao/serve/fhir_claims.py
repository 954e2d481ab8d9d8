"""FHIR R4B claims for hospital systems (issue 16, docs/fhir.md "Claims"): a FHIR ``Claim`` read
into the claim an institution submits, and a decision written as its ``ClaimResponse``.

Both directions go through ``fhir.resources``' R4B models and JSON *text*: a FHIR decimal is
read exactly (``Decimal``, never a float) and written exactly (the model's JSON, not a Python
dump, which would turn it into a float). Money is CNY, converted exactly from and to integer fen;
an amount with more than two decimals, or in another currency, is refused naming its path.

A resource the library refuses, or that does not say what a claim needs, raises
:class:`FhirInputError`: one line naming the FHIR path (``Claim.item[2].quantity.value``), and
:func:`operation_outcome` gives the ``OperationOutcome`` an API answers with.

The patient is named by the ledger's pseudonym (``<ns>:person``, ``0x`` + 64 hex), or by the
national ID (system :data:`NATIONAL_ID_SYSTEM`), which the bureau's server turns into the
pseudonym with its key and never stores or sends on.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from fhir.resources.R4B.claim import Claim
from fhir.resources.R4B.operationoutcome import OperationOutcome
from pydantic import ValidationError

from yibao.client.types import ClaimInput, ClaimResult
from yibao.errors import InputError
from yibao.identity import parse_pseudonym
from yibao.model.types import (
    VOID_STATUSES, ClaimLine, ClaimStatus, LineNote, Reason, VisitType, flag_names, note_names,
)

NATIONAL_ID_SYSTEM = "urn:oid:2.16.156.10011.1.1"
"""The identifier system of the 居民身份证 number (China's resident identity card)."""
CLAIM_TYPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/claim-type"
ADJUDICATION_SYSTEM = "http://terminology.hl7.org/CodeSystem/adjudication"
VISIT_OF_TYPE = {"professional": VisitType.OUTPATIENT, "institutional": VisitType.INPATIENT,
                 "pharmacy": VisitType.PHARMACY}
"""Claim.type (HL7 claim-type) → our visit type: outpatient care is ``professional``, a stay
``institutional``, a pharmacy's ``pharmacy``."""
TYPE_OF_VISIT = {v: k for k, v in VISIT_OF_TYPE.items()}
CLAIMED_FUND_URL = "urn:yibao:fhir:claimed-fund"
"""The extension (Money) of a Claim holding the fund share the institution's own system computed."""
CURRENCY = "CNY"
_CENT = Decimal("0.01")


class FhirInputError(InputError):
    """A FHIR resource that cannot be read: ``path`` names the field (FHIRPath-like)."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


def outcome_text(code: str, message: str, expression: str | None = None) -> str:
    """An ``OperationOutcome`` (JSON text) of one ``error`` issue: its FHIR issue ``code``
    (``invalid``, ``login``, ``forbidden``, ``processing``…), the one-line ``message`` and the
    path of the field it is about, if any."""
    issue: dict[str, Any] = {"severity": "error", "code": code, "diagnostics": message}
    if expression is not None:
        issue["expression"] = [expression]
    outcome = OperationOutcome.model_validate({"resourceType": "OperationOutcome", "issue": [issue]})
    return outcome.model_dump_json(exclude_none=True)


def operation_outcome(error: FhirInputError) -> str:
    """The ``OperationOutcome`` (JSON text) of a refused resource: one ``error`` issue of code
    ``invalid`` whose ``expression`` is the field's path."""
    return outcome_text("invalid", str(error), error.path)


# ---------------------------------------------------------------------- money


def money(fen: int) -> dict[str, Any]:
    """Integer fen as a FHIR Money in CNY (an exact decimal of two places)."""
    return {"value": (Decimal(fen) * _CENT).quantize(_CENT), "currency": CURRENCY}


def fen_of(value: Any, currency: Any, path: str) -> int:
    """A FHIR Money's value in fen, exactly: CNY only, at most two decimals, not negative."""
    if currency not in (None, CURRENCY):
        raise FhirInputError(f"{path}.currency", f"must be {CURRENCY}, not {currency!r}")
    if not isinstance(value, Decimal):
        raise FhirInputError(f"{path}.value", "is required")
    try:
        fen = value * 100
        if fen != fen.to_integral_value():
            raise FhirInputError(f"{path}.value", f"{value} has more than two decimals (fen)")
    except InvalidOperation:
        raise FhirInputError(f"{path}.value", f"{value} is not an amount") from None
    if fen < 0:
        raise FhirInputError(f"{path}.value", "must not be negative")
    return int(fen)


# ---------------------------------------------------------------------- Claim → ClaimInput


@dataclass(frozen=True)
class FhirClaim:
    """What a FHIR Claim asks: the claim, whether it is only a pre-check (``use =
    preauthorization``), the provider's account as the Claim names it (``urn:ethereum:…``) and
    the patient identifier it gave (echoed in the response)."""

    claim: ClaimInput
    precheck: bool
    provider: str
    patient: dict[str, str]
    resource_id: str | None


def validation_error(exc: ValidationError, root: str) -> FhirInputError:
    """The library's refusal of a resource as a :class:`FhirInputError`: its first error, at the
    path pydantic gives under ``root`` (``Claim``, ``Bundle.entry[2]``)."""
    first = exc.errors()[0]
    path = root
    for p in first["loc"]:
        if p != "__root__":
            path += f"[{p}]" if isinstance(p, int) else f".{p}"
    return FhirInputError(path, first["msg"])


def ledger_identifier(namespace: str) -> dict[str, str]:
    """The ledger as a FHIR Identifier (a URI): a ClaimResponse's ``insurer``, a Coverage's ``payor``."""
    return {"system": "urn:ietf:rfc:3986", "value": namespace}


def parse_claim(text: str | bytes | Mapping[str, Any], pseudonym_of: Callable[[str], bytes],
                namespace: str) -> FhirClaim:
    """Read a FHIR R4B ``Claim``: JSON text, or a JSON document already parsed with its decimals
    as ``Decimal`` (``json.loads(..., parse_float=Decimal)``, as a Bundle's entries are).
    ``pseudonym_of`` turns a national ID into the pseudonym; ``namespace`` is the ledger's URN
    (``urn:ethereum:<chain>:<ledger>``), whose ``:person`` and ``:catalogue`` systems name
    pseudonyms and item codes."""
    try:
        if isinstance(text, Mapping):
            resource = Claim.model_validate(text)
        else:
            resource = Claim.model_validate_json(text)
    except ValidationError as exc:
        raise validation_error(exc, "Claim") from None
    if resource.status != "active":
        raise FhirInputError("Claim.status", f"must be active, not {resource.status!r}")
    visit = _visit(resource)
    start, end = _period(resource, visit)
    invoice = _invoice(resource)
    patient, person = _patient(resource, pseudonym_of, namespace)
    lines = [_line(resource, i, namespace) for i in range(len(resource.item or []))]
    if not lines:
        raise FhirInputError("Claim.item", "a claim needs at least one item")
    claimed = _claimed_fund(resource)
    provider = _provider(resource)
    claim = ClaimInput(invoice, person, visit, start, lines, discharge=end, claimed_fund=claimed)
    return FhirClaim(claim, resource.use == "preauthorization", provider, patient, resource.id)


def _visit(resource: Claim) -> VisitType:
    codes = [c.code for c in (resource.type.coding or []) if c.system == CLAIM_TYPE_SYSTEM]
    if len(codes) != 1 or codes[0] not in VISIT_OF_TYPE:
        raise FhirInputError("Claim.type", f"one coding of {CLAIM_TYPE_SYSTEM}: " + ", ".join(VISIT_OF_TYPE))
    return VISIT_OF_TYPE[str(codes[0])]


def _period(resource: Claim, visit: VisitType) -> tuple[dt.date, dt.date | None]:
    period = resource.billablePeriod
    if period is None or period.start is None:
        raise FhirInputError("Claim.billablePeriod.start", "the day of service (the admission) is required")
    start = _day(period.start)
    end = _day(period.end) if period.end is not None else None
    if visit is VisitType.INPATIENT:
        if end is None:
            raise FhirInputError("Claim.billablePeriod.end", "an institutional claim needs its discharge day")
        return start, end
    if end is not None and end != start:
        raise FhirInputError("Claim.billablePeriod.end", "only an institutional claim spans days")
    return start, None


def _day(value: Any) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def _invoice(resource: Claim) -> str:
    values = [i.value for i in (resource.identifier or []) if i.value]
    if not values:
        raise FhirInputError("Claim.identifier", "the institution's invoice number is required (identifier[0].value)")
    return str(values[0])


def _patient(resource: Claim, pseudonym_of: Callable[[str], bytes], namespace: str) -> tuple[dict[str, str], bytes]:
    ident = resource.patient.identifier
    if ident is None or not ident.value:
        raise FhirInputError("Claim.patient.identifier", "the patient is named by an identifier")
    system, value = str(ident.system or ""), str(ident.value)
    try:
        if system == NATIONAL_ID_SYSTEM:
            person = pseudonym_of(value)
            return {"system": f"{namespace}:person", "value": "0x" + person.hex()}, person
        if system == f"{namespace}:person":
            return {"system": system, "value": value}, parse_pseudonym(value)
    except InputError as exc:
        raise FhirInputError("Claim.patient.identifier.value", str(exc)) from None
    raise FhirInputError("Claim.patient.identifier.system", f"{NATIONAL_ID_SYSTEM} or {namespace}:person")


def _provider(resource: Claim) -> str:
    ident = resource.provider.identifier
    if ident is None or not ident.value:
        raise FhirInputError("Claim.provider.identifier", "the institution is named by its account identifier")
    return str(ident.value)


def _line(resource: Claim, i: int, namespace: str) -> ClaimLine:
    item = (resource.item or [])[i]
    path = f"Claim.item[{i}]"
    codes = [c.code for c in (item.productOrService.coding or []) if c.system == f"{namespace}:catalogue"]
    if len(codes) != 1 or not codes[0]:
        raise FhirInputError(f"{path}.productOrService", f"one coding of {namespace}:catalogue (the item code)")
    qty = item.quantity.value if item.quantity is not None else None
    if qty is None or qty != qty.to_integral_value() or qty < 1:
        raise FhirInputError(f"{path}.quantity.value", "a whole number of at least 1")
    if item.unitPrice is None:
        raise FhirInputError(f"{path}.unitPrice", "is required")
    price = fen_of(item.unitPrice.value, item.unitPrice.currency, f"{path}.unitPrice")
    return ClaimLine(str(codes[0]), int(qty), price)


def _claimed_fund(resource: Claim) -> int | None:
    found = [e for e in (resource.extension or []) if e.url == CLAIMED_FUND_URL]
    if not found:
        return None
    m = found[0].valueMoney
    if m is None:
        raise FhirInputError("Claim.extension.valueMoney", f"{CLAIMED_FUND_URL} holds a Money")
    return fen_of(m.value, m.currency, "Claim.extension.valueMoney")


# ---------------------------------------------------------------------- ClaimResult → ClaimResponse


def outcome_of(status: ClaimStatus) -> str:
    """ClaimResponse.outcome of a decision: ``complete`` (approved, settled), ``queued`` (held
    for a reviewer: flagged or appealed), ``error`` (rejected or clawed back)."""
    if status in (ClaimStatus.APPROVED, ClaimStatus.SETTLED):
        return "complete"
    if status in (ClaimStatus.FLAGGED, ClaimStatus.APPEALED):
        return "queued"
    return "error"


def shares(total: int, weights: Sequence[int]) -> list[int]:
    """``total`` split over the lines in proportion to ``weights`` (their eligible fen), in whole
    fen that add up to ``total`` exactly: floors first, then one fen each to the largest
    remainders (earlier lines first on a tie); all to nothing when no line is eligible."""
    whole = sum(weights)
    if whole == 0 or total == 0:
        return [0] * len(weights)
    floors = [total * w // whole for w in weights]
    rest = total - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (-(total * weights[i] % whole), i))
    for i in order[:rest]:
        floors[i] += 1
    return floors


def _adjudication(category: str, fen: int) -> dict[str, Any]:
    return {"category": {"coding": [{"system": ADJUDICATION_SYSTEM, "code": category}]}, "amount": money(fen)}


def fhir_json(doc: Any) -> str:
    """A resource built here (dicts, lists, text, integers, ``Decimal`` money) as compact JSON
    text, each ``Decimal`` written as the exact JSON number it is (never through a float).

    The resources this service writes are built by its own code in a fixed shape, and the tests
    parse every one of them with fhir.resources; the service does not validate them again on the
    way out, which was most of a batch's time (a 200-claim Bundle: about 0.8 s of 1.2 s)."""
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"), default=_exact)
    return _EXACT.sub(r"\1", text)


_MARK = secrets.token_hex(12)  # unguessable: no text a request brings can pass for a number
_EXACT = re.compile(f'"{_MARK}([-0-9.]+){_MARK}"')


def _exact(value: Any) -> str:
    if isinstance(value, Decimal) and value.is_finite():
        return f"{_MARK}{value:f}{_MARK}"
    raise TypeError(f"not JSON: {type(value).__name__}")


def claim_response(fhir_claim: FhirClaim, result: ClaimResult, *, namespace: str, insurer: dict[str, str],
                   created: dt.datetime, response_id: str | None = None) -> str:
    """The ``ClaimResponse`` (JSON text) of :func:`claim_response_doc`."""
    return fhir_json(claim_response_doc(fhir_claim, result, namespace=namespace, insurer=insurer, created=created,
                                        response_id=response_id))


def claim_response_doc(fhir_claim: FhirClaim, result: ClaimResult, *, namespace: str, insurer: dict[str, str],
                       created: dt.datetime, response_id: str | None = None) -> dict[str, Any]:
    """The ``ClaimResponse`` of ``result``, the decision of ``fhir_claim``: per item
    ``submitted`` (billed), ``eligible``, ``deductible`` and ``benefit`` (the fund's share; the
    claim's deductible and fund split over the lines by :func:`shares`), line notes as
    adjudication reasons; the same four in ``total``; flags in ``processNote``; a rejection's
    reason in ``error``. A rejected or clawed-back claim shows eligible, deductible and benefit
    as 0, as the ledger's views do. ``response_id`` is the resource's ``id``, for a response
    that is read back by it (``GET /fhir/ClaimResponse/{id}``)."""
    claim = fhir_claim.claim
    void = result.status in VOID_STATUSES
    eligible = [0 if void else ln.eligible for ln in result.lines] or [0] * len(claim.lines)
    deductible = shares(0 if void else result.deductible, eligible)
    fund = shares(0 if void else result.fund, eligible)
    items = []
    for i, line in enumerate(claim.lines):
        notes = result.lines[i].notes if i < len(result.lines) else LineNote.NONE
        adjudication = [_adjudication("submitted", line.qty * line.unit_price), _adjudication("eligible", eligible[i]),
                        _adjudication("deductible", deductible[i]), _adjudication("benefit", fund[i])]
        if notes != LineNote.NONE:
            adjudication[1]["reason"] = {"coding": [{"system": f"{namespace}:line-note", "code": name}
                                                    for name in note_names(notes)]}
        items.append({"itemSequence": i + 1, "adjudication": adjudication})
    doc: dict[str, Any] = {
        "resourceType": "ClaimResponse",
        "status": "active",
        "type": {"coding": [{"system": CLAIM_TYPE_SYSTEM, "code": TYPE_OF_VISIT[VisitType(claim.visit)]}]},
        "use": "preauthorization" if fhir_claim.precheck else "claim",
        "patient": {"identifier": fhir_claim.patient},
        "created": created.isoformat(),
        "insurer": {"identifier": insurer},
        "requestor": {"identifier": {"system": "urn:ietf:rfc:3986", "value": fhir_claim.provider}},
        "request": {"identifier": {"system": f"{namespace}:claim", "value": "0x" + result.claim_id.hex()}},
        "outcome": outcome_of(result.status),
        "disposition": " ".join([result.status.name] + ([] if result.reason is Reason.NONE else [result.reason.name])),
        "item": items,
        "total": [_adjudication("submitted", result.billed), _adjudication("eligible", sum(eligible)),
                  _adjudication("deductible", sum(deductible)), _adjudication("benefit", sum(fund))],
    }
    if response_id is not None:
        doc["id"] = response_id
    if fhir_claim.resource_id is not None:
        doc["identifier"] = [{"system": f"{namespace}:claim", "value": "0x" + result.claim_id.hex()}]
    flags = flag_names(result.flags)
    if flags:
        doc["processNote"] = [{"number": n + 1, "type": "display", "text": name} for n, name in enumerate(flags)]
    if result.reason is not Reason.NONE:
        doc["error"] = [{"code": {"coding": [{"system": f"{namespace}:reason", "code": result.reason.name}]}}]
    return doc


__all__ = [
    "ADJUDICATION_SYSTEM",
    "CLAIMED_FUND_URL",
    "CLAIM_TYPE_SYSTEM",
    "CURRENCY",
    "NATIONAL_ID_SYSTEM",
    "TYPE_OF_VISIT",
    "VISIT_OF_TYPE",
    "FhirClaim",
    "FhirInputError",
    "claim_response",
    "claim_response_doc",
    "fen_of",
    "fhir_json",
    "ledger_identifier",
    "money",
    "operation_outcome",
    "outcome_of",
    "outcome_text",
    "parse_claim",
    "shares",
    "validation_error",
]
