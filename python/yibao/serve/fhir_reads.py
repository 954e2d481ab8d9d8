"""The FHIR R4B reads (issue 16 §1, docs/fhir.md "Reads"): a stored claim's ``ClaimResponse`` as
it stands now, a person's ``Coverage``, and the patient's data-use trail (``AuditEvent``) and
consents (``Consent``), the last three as ``searchset`` Bundles.

Everything is read from the chain: the stored claim (``claimInfo``) with its submission's
transaction and events (:func:`yibao.client.history.claim_details`), the person
(``personInfo``), the records module's events. The event index is not used: a service may run
without one. The AuditEvents and Consents are :mod:`yibao.records.fhir`'s, as the CLI's
``--fhir`` prints them.

Who may read what is decided here from the signed-in :class:`~yibao.serve.viewer.Viewer`
(docs/fhir.md "Who reads what"): a refusal is :class:`Forbidden` (403), a claim that is not
stored :class:`NotFound` (404), a malformed id or pseudonym :class:`Refused` (400). The caller
holds the context's lock: these are chain calls.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.coverage import Coverage

from yibao.client.batches import stored_claim
from yibao.client.history import claim_details
from yibao.client.ledger import Ledger
from yibao.client.queries import event_args
from yibao.client.types import ClaimInput, ClaimResult, LineOutcome, Person
from yibao.errors import ContractError, InputError
from yibao.identity import parse_pseudonym
from yibao.model.types import ClaimLine, LineNote, PersonStatus, Scheme
from yibao.records.fhir import account_identifier, audit_events, consent, ledger_namespace
from yibao.serve.fhir_claims import FhirClaim, claim_response, ledger_identifier
from yibao.serve.viewer import Forbidden, NotFound, Refused, Viewer

COVERAGE_CLASS = "http://terminology.hl7.org/CodeSystem/coverage-class"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
RELATIONSHIP = "http://terminology.hl7.org/CodeSystem/subscriber-relationship"
PERSON_STATUS_URL = "urn:yibao:fhir:person-status"
"""The Coverage extension (``valueCode``) with the person's status on the ledger: ``ACTIVE``,
``SUSPENDED`` or ``TERMINATED`` (R4B Coverage has no status reason)."""
SCHEME_NAMES = {Scheme.EMPLOYEE: "职工基本医疗保险 (employee basic medical insurance)",
                Scheme.RESIDENT: "城乡居民基本医疗保险 (urban and rural resident basic medical insurance)"}


class Unreadable(Refused):
    """A stored claim whose submission the chain's logs do not give (422): it was not sent by a
    direct ``submitClaims`` call, or the node no longer has its logs."""

    status = 422
    code = "processing"


# ---------------------------------------------------------------------- parameters


def claim_ref(text: str) -> bytes:
    """A claim id as a path gives it: ``0x`` and 64 hex digits, or the 64 digits alone (a FHIR
    id is at most 64 characters, so the ClaimResponse's own id is the latter)."""
    t = text.strip()
    body = t[2:] if t[:2].lower() == "0x" else t
    if not re.fullmatch(r"[0-9a-fA-F]{64}", body):
        raise Refused("ClaimResponse.id: a claim id is 64 hex digits, with or without 0x",
                      expression="ClaimResponse.id")
    return bytes.fromhex(body)


def _patient(viewer: Viewer, patient: str | None) -> bytes:
    """The searched person: ``patient=`` (the pseudonym), else the signed-in patient's own."""
    if patient is None:
        if viewer.person is None:
            raise Refused("patient: the patient's pseudonym is required (patient=0x…)", expression="patient")
        return bytes.fromhex(viewer.person[2:])
    try:
        return parse_pseudonym(patient)
    except InputError as exc:
        raise Refused(f"patient: {exc}", expression="patient") from None


def _person(ledger: Ledger, pseudonym: bytes) -> Person | None:
    try:
        return ledger.person(pseudonym)
    except ContractError as exc:
        if exc.name != "PersonUnknown":
            raise
        return None


def _own(viewer: Viewer, pseudonym: bytes) -> bool:
    return viewer.person is not None and viewer.person.lower() == "0x" + pseudonym.hex()


def _may_see_person(viewer: Viewer, pseudonym: bytes, info: Person | None, what: str, *,
                    institutions: bool) -> None:
    """The patient themself, a regulator of the person's region (of any, when the pseudonym is
    enrolled nowhere: there is nothing to see) and, with ``institutions``, a designated
    institution may see ``what``; anyone else is :class:`Forbidden`."""
    if _own(viewer, pseudonym) or (institutions and viewer.institution_region is not None):
        return
    if viewer.regions and (info is None or info.region in viewer.regions):
        return
    who = "the patient, a regulator of their region" + (" or a designated institution" if institutions else "")
    raise Forbidden(f"{what} of 0x{pseudonym.hex()} is not {viewer.account}'s to read: only {who}")


# ---------------------------------------------------------------------- ClaimResponse, now


def _may_read_claim(ledger: Ledger, viewer: Viewer, claim_id: bytes, institution: str, person: bytes) -> None:
    if institution.lower() == viewer.account.lower() or _own(viewer, person):
        return
    if viewer.regions:
        if ledger.institution(institution).region in viewer.regions:
            return
        info = _person(ledger, person)
        if info is not None and info.region in viewer.regions:
            return
    raise Forbidden(f"claim 0x{claim_id.hex()} is not {viewer.account}'s to read: only its institution, its "
                    "patient and a regulator of the institution's or the patient's region")


def _notes(names: Sequence[str]) -> LineNote:
    notes = LineNote.NONE
    for name in names:
        notes |= LineNote[name]
    return notes


def claim_response_now(ledger: Ledger, viewer: Viewer, claim_id: bytes) -> str:
    """The ``ClaimResponse`` (JSON text) of the stored claim ``claim_id`` as it stands now: its
    current status (reviewed, appealed, settled, clawed back) in ``outcome``, ``disposition``,
    ``error`` and ``processNote``; the amounts the ledger keeps with it, per line as its
    decision gave them; ``created`` the submission's block time; ``id`` the claim id's 64 hex
    digits. Readable by the claim's institution, its patient and a regulator of either's region."""
    view = stored_claim(ledger, claim_id)
    if view is None:
        raise NotFound(f"no claim 0x{claim_id.hex()}", expression="ClaimResponse.id")
    details = claim_details(ledger, claim_id)
    institution, person_hex = details.get("institution"), details.get("person")
    if institution is None or person_hex is None:
        raise Unreadable(f"claim 0x{claim_id.hex()}: its submission cannot be read from the chain "
                         "(not a direct submitClaims call, or the node has no logs of it)")
    person = bytes.fromhex(str(person_hex)[2:])
    _may_read_claim(ledger, viewer, claim_id, str(institution), person)
    ns = ledger_namespace(ledger.chain.chain_id, ledger.address)
    rows = details["lines"]
    discharge = details.get("discharge")
    # the invoice number is stored only hashed (in the claim id); a response does not show it
    claim = ClaimInput("", person, view.visit, view.service_date,
                       [ClaimLine(str(r["code"]), int(r["qty"]), int(r["unit_price"])) for r in rows],
                       discharge=dt.date.fromisoformat(str(discharge)) if discharge else None)
    asked = FhirClaim(claim, False, account_identifier(ledger.chain.chain_id, str(institution))["value"],
                      {"system": f"{ns}:person", "value": "0x" + person.hex()}, claim_id.hex())
    outcomes = tuple(LineOutcome(int(r["eligible"]), _notes(r["notes"])) for r in rows if "eligible" in r)
    result = ClaimResult(claim_id, str(institution), view.member, view.visit, view.status, view.reason, view.flags,
                         view.billed, view.eligible, view.deductible, view.fund, outcomes, (), 0,
                         str(details.get("tx", "")))
    return claim_response(asked, result, namespace=ns, insurer=ledger_identifier(ns),
                          created=dt.datetime.fromisoformat(str(details["submitted"])), response_id=claim_id.hex())


# ---------------------------------------------------------------------- Coverage


def coverage(person: Person, *, ledger_address: str, chain_id: int, region_name: str,
             today: dt.date) -> dict[str, Any]:
    """A person's insurance as an R4B ``Coverage`` (JSON-ready): ``active`` while the person is
    ACTIVE on the ledger and the coverage has not ended (``period``), else ``cancelled``; the
    scheme as the ``plan`` class and the region (统筹区) as the ``group`` class; the ledger as
    ``payor``; the patient by pseudonym as ``beneficiary``."""
    ns = ledger_namespace(chain_id, ledger_address)
    pseudonym = "0x" + person.pseudonym.hex()
    in_force = person.status is PersonStatus.ACTIVE and today <= person.coverage_to

    def cls(code: str, display: str, value: str, name: str) -> dict[str, Any]:
        return {"type": {"coding": [{"system": COVERAGE_CLASS, "code": code, "display": display}]},
                "value": value, "name": name}

    doc = {
        "resourceType": "Coverage",
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{ns}:coverage:{pseudonym}")),
        "extension": [{"url": PERSON_STATUS_URL, "valueCode": person.status.name}],
        "status": "active" if in_force else "cancelled",
        "type": {"coding": [{"system": ACT_CODE, "code": "PUBLICPOL", "display": "public healthcare"}]},
        "beneficiary": {"type": "Patient", "identifier": {"system": f"{ns}:person", "value": pseudonym}},
        "relationship": {"coding": [{"system": RELATIONSHIP, "code": "self", "display": "Self"}]},
        "period": {"start": person.coverage_from.isoformat(), "end": person.coverage_to.isoformat()},
        "payor": [{"identifier": ledger_identifier(ns), "display": "yibao ledger"}],
        "class": [cls("plan", "Plan", person.scheme.name, SCHEME_NAMES[person.scheme]),
                  cls("group", "Group", str(person.region), region_name)],
    }
    return Coverage.model_validate(doc).model_dump(mode="json", exclude_none=True)


# ---------------------------------------------------------------------- searches


def searchset(resources: Sequence[Mapping[str, Any]], *, self_url: str, timestamp: dt.datetime) -> str:
    """A ``searchset`` Bundle (JSON text) of ``resources`` (each with a UUID ``id``, its entry's
    ``fullUrl`` ``urn:uuid:<id>``), every one a ``match``, ``total`` their count."""
    doc: dict[str, Any] = {"resourceType": "Bundle", "type": "searchset", "timestamp": timestamp.isoformat(),
                           "total": len(resources), "link": [{"relation": "self", "url": self_url}]}
    if resources:
        doc["entry"] = [{"fullUrl": f"urn:uuid:{r['id']}", "resource": dict(r), "search": {"mode": "match"}}
                        for r in resources]
    return Bundle.model_validate(doc).model_dump_json(exclude_none=True)


def coverage_search(ledger: Ledger, viewer: Viewer, patient: str | None, *, self_url: str,
                    now: dt.datetime) -> str:
    """``Coverage?patient=``: the person's Coverage (none when the pseudonym is enrolled
    nowhere), for the patient, a regulator of their region, or a designated institution."""
    if not viewer.roles:
        raise Forbidden(f"{viewer.account} is no patient, institution or regulator")
    pseudonym = _patient(viewer, patient)
    info = _person(ledger, pseudonym)
    _may_see_person(viewer, pseudonym, info, "the coverage", institutions=True)
    found = []
    if info is not None:
        found.append(coverage(info, ledger_address=ledger.address, chain_id=ledger.chain.chain_id,
                              region_name=str(ledger.region(info.region)["name"]), today=ledger.today()))
    return searchset(found, self_url=self_url, timestamp=now)


def _patients_own(ledger: Ledger, viewer: Viewer, patient: str | None, what: str) -> tuple[bytes, Person | None]:
    if viewer.person is None and not viewer.regions:
        raise Forbidden(f"{what} is read only by the patient and a regulator of their region, and {viewer.account} "
                        "is neither")
    pseudonym = _patient(viewer, patient)
    info = _person(ledger, pseudonym)
    _may_see_person(viewer, pseudonym, info, what, institutions=False)
    return pseudonym, info


def audit_event_search(ledger: Ledger, viewer: Viewer, patient: str | None, *, self_url: str,
                       now: dt.datetime) -> str:
    """``AuditEvent?patient=``: every served access to the person's records, oldest first
    (:func:`yibao.records.fhir.audit_events`), for the patient or a regulator of their region."""
    pseudonym, info = _patients_own(ledger, viewer, patient, "the data-use trail")
    return searchset(audit_events(ledger, pseudonym) if info is not None else [], self_url=self_url, timestamp=now)


def consent_search(ledger: Ledger, viewer: Viewer, patient: str | None, *, self_url: str,
                   now: dt.datetime) -> str:
    """``Consent?patient=``: every consent the person granted, as it stands now (revoked and
    expired ones ``inactive``; :func:`yibao.records.fhir.consent`), for the patient or a
    regulator of their region."""
    pseudonym, info = _patients_own(ledger, viewer, patient, "the consents")
    found = []
    if info is not None:
        for granted in event_args(ledger, "ConsentGranted", None, pseudonym):
            found.append(consent(ledger.consent_info(int(granted["consent"])), ledger_address=ledger.address,
                                 chain_id=ledger.chain.chain_id))
    return searchset(found, self_url=self_url, timestamp=now)


__all__ = [
    "PERSON_STATUS_URL",
    "SCHEME_NAMES",
    "Unreadable",
    "audit_event_search",
    "claim_ref",
    "claim_response_now",
    "consent_search",
    "coverage",
    "coverage_search",
    "searchset",
]
