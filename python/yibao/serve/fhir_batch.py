"""A batch of FHIR R4B Claims (issue 16 §1, docs/fhir.md "Batches"): a ``Bundle`` of ``type =
batch`` whose entries are Claims read into the claims of one ``submitClaims`` transaction (or of
one pre-check), and the ``batch-response`` Bundle answering it, one entry per claim in order.

Two kinds of problem, told apart:

- the **Bundle** cannot be taken (not JSON, not a Bundle, not a batch, no entries, more than
  :data:`MAX_ENTRIES`, Claims of both uses): :func:`read_batch` raises a :class:`FhirInputError`
  and nothing is sent;
- an **entry** cannot be read (not a ``POST`` of a ``Claim``, a Claim :func:`parse_claim`
  refuses, a value too wide for the ledger's words): it is a :class:`BatchEntry` with its
  ``error``, answered ``400 Bad Request`` with an ``OperationOutcome`` in its slot, while the
  readable entries still go together.

The document is read with its decimals as ``Decimal`` (``json.loads(..., parse_float=Decimal)``)
and each entry's Claim validated from it, so money stays exact; the answer is the library's
JSON text.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from fhir.resources.R4B.bundle import Bundle, BundleEntry
from pydantic import ValidationError
from pydantic_core import from_json

from yibao.client.batches import MAX_CLAIM_BATCH
from yibao.client.types import ClaimResult
from yibao.errors import InputError
from yibao.model.types import Reason
from yibao.serve.fhir_claims import (
    FhirClaim, FhirInputError, claim_response_doc, fhir_json, ledger_identifier, operation_outcome, parse_claim,
    validation_error,
)

MAX_ENTRIES = MAX_CLAIM_BATCH
"""The most entries a batch takes: what one ``submitClaims`` transaction takes (the ledger's
``MAX_CLAIMS``), since a batch is one transaction."""


@dataclass(frozen=True)
class BatchEntry:
    """One entry of a batch, by its place (``index``, from 0): its Claim when it could be read,
    else why not."""

    index: int
    claim: FhirClaim | None
    error: FhirInputError | None = None

    @property
    def path(self) -> str:
        """Its FHIRPath in the request: ``Bundle.entry[3]``."""
        return f"Bundle.entry[{self.index}]"


def _document(text: str | bytes) -> dict[str, Any]:
    """The JSON object of ``text``, its decimals as ``Decimal``. pydantic-core's parser reads it
    first: it refuses what is not JSON (NaN too) and nesting deeper than 200 levels without
    recursing in Python; the json module then reads it with exact decimals. (The chain's
    libraries raise the interpreter's recursion limit so high that a deep document would
    overflow the C stack in the json module's scanner: see :mod:`yibao.inputs`.)"""
    try:
        from_json(text, allow_inf_nan=False)
        doc = json.loads(text, parse_float=Decimal)
    except ValueError as exc:  # pydantic-core's refusal, or the json module's (UnicodeDecodeError too)
        raise FhirInputError("Bundle", f"not JSON ({str(exc).splitlines()[0]})") from None
    if not isinstance(doc, dict):
        raise FhirInputError("Bundle", "a Bundle (a JSON object) is expected")
    return doc


def _code(value: Any) -> str:
    """A short code as the refusal may echo it; anything else unnamed (it may be personal data)."""
    if isinstance(value, str) and len(value) <= 40 and value.replace("-", "").isalpha():
        return repr(value)
    return "another value"


def read_batch(text: str | bytes, pseudonym_of: Callable[[str], bytes], namespace: str) -> list[BatchEntry]:
    """The entries of a batch ``Bundle`` (JSON text), each read as :func:`parse_claim` reads a
    Claim. A Bundle that cannot be taken as a whole raises :class:`FhirInputError`."""
    doc = _document(text)
    if doc.get("resourceType") != "Bundle":
        raise FhirInputError("Bundle.resourceType", f"must be Bundle, not {_code(doc.get('resourceType'))}")
    try:
        Bundle.model_validate({k: v for k, v in doc.items() if k != "entry"})
    except ValidationError as exc:
        raise validation_error(exc, "Bundle") from None
    if doc.get("type") != "batch":
        raise FhirInputError("Bundle.type", f"must be batch, not {_code(doc.get('type'))}: the ledger decides "
                                            "each claim on its own, so there is no all-or-nothing transaction")
    raw = doc.get("entry")
    if not isinstance(raw, list) or not raw:
        raise FhirInputError("Bundle.entry", "a batch of at least one Claim is expected")
    if len(raw) > MAX_ENTRIES:
        raise FhirInputError("Bundle.entry", f"{len(raw)} entries: one batch is one transaction of at most "
                                             f"{MAX_ENTRIES} claims")
    entries = [_entry(item, i, pseudonym_of, namespace) for i, item in enumerate(raw)]
    first = next((e.claim for e in entries if e.claim is not None), None)
    for e in entries:
        if e.claim is not None and first is not None and e.claim.precheck != first.precheck:
            raise FhirInputError(f"{e.path}.resource.use", f"{_use(e.claim)} in a batch of {_use(first)}: send "
                                 "the pre-checks and the submissions as two batches")
    return entries


def _use(claim: FhirClaim) -> str:
    return "preauthorization" if claim.precheck else "claim"


def _entry(item: Any, i: int, pseudonym_of: Callable[[str], bytes], namespace: str) -> BatchEntry:
    path = f"Bundle.entry[{i}]"
    try:
        if not isinstance(item, dict):
            raise FhirInputError(path, "an entry is a JSON object")
        try:
            BundleEntry.model_validate({k: v for k, v in item.items() if k != "resource"})
        except ValidationError as exc:
            raise validation_error(exc, path) from None
        request = item.get("request") or {}
        if request.get("method") != "POST":
            raise FhirInputError(f"{path}.request.method", "must be POST: a batch's entries are Claims to decide")
        if str(request.get("url", "")).strip("/") != "Claim":
            raise FhirInputError(f"{path}.request.url", "must be Claim")
        resource = item.get("resource")
        if not isinstance(resource, dict) or resource.get("resourceType") != "Claim":
            raise FhirInputError(f"{path}.resource", "a Claim is expected")
        try:
            claim = parse_claim(resource, pseudonym_of, namespace)
        except FhirInputError as exc:
            raise FhirInputError(f"{path}.resource{exc.path.removeprefix('Claim')}", exc.problem) from None
        try:
            claim.claim.as_words()  # what the ledger's words cannot hold would revert the whole batch
        except InputError as exc:
            raise FhirInputError(f"{path}.resource", str(exc)) from None
        return BatchEntry(i, claim)
    except FhirInputError as exc:
        return BatchEntry(i, None, exc)


def batch_response(entries: Sequence[BatchEntry], results: Sequence[ClaimResult], *, namespace: str,
                   created: dt.datetime) -> str:
    """The ``batch-response`` Bundle (JSON text): per entry in order, ``200 OK`` with the
    ``ClaimResponse`` of its decision (``results``: one per readable entry, in order), or
    ``400 Bad Request`` with the ``OperationOutcome`` of why it could not be read. A submitted
    claim's entry has its ``location``, ``ClaimResponse/<claim id>`` (a pre-check and a
    duplicate are stored nowhere, so theirs has none)."""
    decided = iter(results)
    out: list[dict[str, Any]] = []
    for e in entries:
        if e.claim is None:
            error = e.error or FhirInputError(e.path, "cannot be read")
            out.append({"response": {"status": "400 Bad Request", "outcome": json.loads(operation_outcome(error))}})
            continue
        result = next(decided)
        doc = claim_response_doc(e.claim, result, namespace=namespace, insurer=ledger_identifier(namespace),
                                 created=created)
        response = {"status": "200 OK"}
        if not e.claim.precheck and result.reason is not Reason.DUPLICATE:
            response["location"] = f"ClaimResponse/{result.claim_id.hex()}"
        out.append({"resource": doc, "response": response})
    if next(decided, None) is not None:
        raise ValueError("more decisions than readable entries")
    return fhir_json({"resourceType": "Bundle", "type": "batch-response", "timestamp": created.isoformat(),
                      "entry": out})


__all__ = ["MAX_ENTRIES", "BatchEntry", "batch_response", "read_batch"]
