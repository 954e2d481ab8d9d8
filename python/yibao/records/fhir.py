"""FHIR R4B views of the patient's side (docs/fhir.md): each served access of the data-use
trail as an ``AuditEvent``, each consent as a ``Consent``, and a ``collection`` Bundle of them.

Every resource is built as a plain document and then validated by ``fhir.resources``' own R4B
models (``model_validate``); what is returned is that model's JSON-ready dump. A document the
library refuses is a one-line :class:`~yibao.errors.InputError`, never a pydantic traceback.

Nothing of a record's content is in a resource, and no national ID: the patient is named by
the pseudonym (the ledger's ``bytes32``), an account by its address, a record by its id and
version on the ledger.

**Identifiers.** Every ledger object is named under the ledger's own URN,
``urn:ethereum:<chain id>:<ledger address>`` (:func:`ledger_namespace`): a record is the
identifier ``{system: <ns>:record, value: "1"}``, and likewise ``:person`` (value: the
pseudonym, ``0x`` + 64 hex), ``:consent``, ``:case`` and ``:access``. An account (reader,
custodian, grantee, the ledger itself) is ``{system: urn:ietf:rfc:3986, value:
urn:ethereum:<chain id>:<checksummed address>}`` — the same account as CAIP-10's
``eip155:<chain id>:<address>``. A transaction is ``{system: urn:ethereum:<chain id>:tx,
value: <0x hash>}``. Resource ids are UUID 5 of those names, so the same access or consent is
the same resource in every export.
"""

from __future__ import annotations

import datetime as dt
import html
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from fhir.resources.R4B.auditevent import AuditEvent
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.consent import Consent
from pydantic import ValidationError
from web3 import Web3

from yibao.client.ledger import Ledger
from yibao.client.records import ConsentInfo
from yibao.errors import InputError
from yibao.model.types import AccessBasis, Purpose
from yibao.records.service import trail

# ----------------------------------------------------------------------------- the mapping
#
# our purpose      HL7 v3 PurposeOfUse (v3-ActReason)  why this one
# TREATMENT        TREAT     treatment               reading a record to provide care
# CLAIM_REVIEW     CLMATTCH  claim attachment        clinical evidence read in support of a claim
#                                                    for payment (a child of HPAYMT, payment)
# SUPERVISION      HCOMPL    health compliance       the fund regulator's case on an institution
#                                                    (a child of HOPERAT; FRAUD is narrower)
# EMERGENCY        ETREAT    Emergency Treatment     care for an emergent condition, no consent
# PERSONAL         PATRQT    patient requested       the patient reads their own record
# RESEARCH         HRESCH    healthcare research     a consent for research
PURPOSE_OF_USE: dict[str, tuple[str, str]] = {
    "TREATMENT": ("TREAT", "treatment"),
    "CLAIM_REVIEW": ("CLMATTCH", "claim attachment"),
    "SUPERVISION": ("HCOMPL", "health compliance"),
    "EMERGENCY": ("ETREAT", "Emergency Treatment"),
    "PERSONAL": ("PATRQT", "patient requested"),
    "RESEARCH": ("HRESCH", "healthcare research"),
}
ACT_REASON = "http://terminology.hl7.org/CodeSystem/v3-ActReason"
URI = "urn:ietf:rfc:3986"
DCM = "http://dicom.nema.org/resources/ontology/DCM"
# AuditEvent.type is bound (extensible) to "Audit Event ID": FHIR's own ``rest`` (a RESTful
# FHIR operation, which a served record is not) and DICOM's event ids. DCM 110110 "Patient
# Record" is the event "a patient record was created, read, updated or deleted" — with action
# R, a read — so it is the type; 110106 "Export" would say the data left a system on media.
# AuditEvent.subtype ("Audit Event Sub-Type") includes the FHIR restful-interaction codes:
# ``read`` says which of the four it was.
EVENT_TYPE = {"system": DCM, "code": "110110", "display": "Patient Record"}
EVENT_SUBTYPE = {"system": "http://hl7.org/fhir/restful-interaction", "code": "read", "display": "read"}
# agent.type ("Participation Role Type", DICOM): the reader is where the data went, the custodian
# where it came from (as in DICOM's own audit messages).
READER_TYPE = {"system": DCM, "code": "110152", "display": "Destination Role ID"}
CUSTODIAN_TYPE = {"system": DCM, "code": "110153", "display": "Source Role ID"}
# source.type (security-source-type): the ledger decides the access and keeps its log.
SOURCE_TYPE = {"system": "http://terminology.hl7.org/CodeSystem/security-source-type", "code": "6",
               "display": "Security Server"}
ENTITY_TYPE = "http://terminology.hl7.org/CodeSystem/audit-entity-type"  # 1 Person, 2 System Object
OBJECT_ROLE = "http://terminology.hl7.org/CodeSystem/object-role"  # 1 Patient, 3 Report
LIFECYCLE_USE = {"system": "http://terminology.hl7.org/CodeSystem/dicom-audit-lifecycle", "code": "6",
                 "display": "Access / Use"}
CONSENT_SCOPE = {"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy",
                 "display": "Privacy Consent"}
CONSENT_CATEGORY = {"system": "http://loinc.org", "code": "59284-0", "display": "Patient Consent"}
CONSENT_RULE = {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "OPTIN", "display": "opt-in"}
CONSENT_ACTION = {"system": "http://terminology.hl7.org/CodeSystem/consentaction", "code": "access",
                  "display": "Access"}
GRANTEE_ROLE = {"system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "code": "IRCP",
                "display": "information recipient"}
#: Consent extension: the day the patient revoked it (R4B Consent has no note)
REVOKED_ON = "urn:yibao:fhir:StructureDefinition:consent-revoked-on"
TRAIL_KEYS = ("access", "record", "reader", "version", "purpose", "basis", "basis_id", "time", "block", "tx")


# ----------------------------------------------------------------------------- names


def ledger_namespace(chain_id: int, ledger_address: str) -> str:
    """``urn:ethereum:<chain id>:<ledger address>``: the prefix of every ledger object's system."""
    return f"urn:ethereum:{int(chain_id)}:{_checksum(ledger_address, 'the ledger address')}"


def account_identifier(chain_id: int, address: str) -> dict[str, str]:
    """An account on the chain as a FHIR Identifier (a URI)."""
    return {"system": URI, "value": f"urn:ethereum:{int(chain_id)}:{_checksum(address, 'an account')}"}


def purpose_of_use(purpose: str) -> dict[str, Any]:
    """Our purpose's name as an HL7 v3 PurposeOfUse CodeableConcept (``InputError`` if unknown)."""
    if purpose not in PURPOSE_OF_USE:
        raise InputError(f"purpose {purpose!r} has no FHIR PurposeOfUse: one of {', '.join(PURPOSE_OF_USE)}")
    code, display = PURPOSE_OF_USE[purpose]
    return {"coding": [{"system": ACT_REASON, "code": code, "display": display}], "text": purpose}


def _checksum(address: str, what: str) -> str:
    if not isinstance(address, str) or not Web3.is_address(address):
        raise InputError(f"{what} {address!r} is not an 0x address")
    return str(Web3.to_checksum_address(address))


def _pseudonym(person: bytes | str) -> str:
    raw = person if isinstance(person, bytes) else _hex_bytes(person, "a person")
    if len(raw) != 32:
        raise InputError("a person is a 32-byte pseudonym")
    return "0x" + raw.hex()


def _hex_bytes(text: str, what: str) -> bytes:
    try:
        return bytes.fromhex(text.removeprefix("0x"))
    except (ValueError, AttributeError):
        raise InputError(f"{what} {text!r} is not 0x hex") from None


def _id(ns: str, kind: str, number: int) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{ns}:{kind}:{number}"))


def _ident(ns: str, kind: str, value: object) -> dict[str, str]:
    return {"system": f"{ns}:{kind}", "value": str(value)}


def _coding(system: str, code: str, display: str) -> dict[str, str]:
    return {"system": system, "code": code, "display": display}


def _validated(model: type[AuditEvent] | type[Consent] | type[Bundle], doc: dict[str, Any],
               what: str) -> dict[str, Any]:
    """The document through the library's R4B model, dumped JSON-ready; a refusal in one line."""
    try:
        return model.model_validate(doc).model_dump(mode="json", exclude_none=True)
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or model.__name__
        raise InputError(f"{what} is not a valid FHIR R4B {model.__name__} ({e.error_count()} problem(s); "
                         f"{where}: {first.get('msg', 'invalid')})") from None


# ----------------------------------------------------------------------------- AuditEvent


def _trail_row(row: Mapping[str, Any]) -> dict[str, Any]:
    missing = [k for k in TRAIL_KEYS if k not in row]
    if missing:
        raise InputError(f"a trail row lacks {', '.join(missing)}")
    r = dict(row)
    for key in ("access", "record", "version", "block"):
        if isinstance(r[key], bool) or not isinstance(r[key], int) or r[key] < 0:
            raise InputError(f"trail row {key} {r[key]!r} is not a number")
    if r["basis"] not in AccessBasis.__members__:
        raise InputError(f"basis {r['basis']!r} is not one of {', '.join(AccessBasis.__members__)}")
    if r["purpose"] not in Purpose.__members__:
        raise InputError(f"purpose {r['purpose']!r} is not one of {', '.join(Purpose.__members__)}")
    try:
        when = dt.datetime.fromisoformat(str(r["time"]))
    except ValueError:
        raise InputError(f"trail row time {r['time']!r} is not an ISO date-time") from None
    if when.tzinfo is None:
        raise InputError(f"trail row time {r['time']!r} has no UTC offset")
    r["time"] = when.isoformat(timespec="seconds")
    tx = str(r["tx"])
    if not tx.startswith("0x") or len(_hex_bytes(tx, "trail row tx")) != 32:
        raise InputError(f"trail row tx {tx!r} is not an 0x transaction hash")
    return r


def basis_policy(ns: str, basis: str, basis_id: int | None) -> str:
    """The URI of what allowed an access: ``<ns>:basis:CONSENT:3``, ``<ns>:basis:CUSTODIAN``."""
    return f"{ns}:basis:{basis}" + (f":{basis_id}" if basis_id else "")


def _detail(kind: str, value: object) -> dict[str, str]:
    return {"type": kind, "valueString": str(value)}


def _entities(r: dict[str, Any], ns: str, chain_id: int, pseudonym: str) -> list[dict[str, Any]]:
    basis = [_detail("basis", r["basis"])] + ([_detail("basis_id", r["basis_id"])] if r["basis_id"] else [])
    entities: list[dict[str, Any]] = [
        {"what": {"identifier": _ident(ns, "record", r["record"]),
                  "display": f"record {r['record']} version {r['version']}"},
         "type": _coding(ENTITY_TYPE, "2", "System Object"), "role": _coding(OBJECT_ROLE, "3", "Report"),
         "lifecycle": LIFECYCLE_USE, "name": f"record {r['record']}",
         "detail": [_detail("version", r["version"]), *basis]},
        {"what": {"type": "Patient", "identifier": _ident(ns, "person", pseudonym)},
         "type": _coding(ENTITY_TYPE, "1", "Person"), "role": _coding(OBJECT_ROLE, "1", "Patient")},
    ]
    if r["basis"] in ("CONSENT", "CASE") and r["basis_id"]:
        kind = r["basis"].lower()
        entities.append({"what": {"identifier": _ident(ns, kind, r["basis_id"])},
                         "type": _coding(ENTITY_TYPE, "2", "System Object"),
                         "description": f"the {kind} that allowed the access"})
    entities.append({"what": {"identifier": {"system": f"urn:ethereum:{chain_id}:tx", "value": r["tx"]}},
                     "type": _coding(ENTITY_TYPE, "2", "System Object"), "name": "RecordServed",
                     "description": "the ledger transaction that recorded the access",
                     "detail": [_detail("access", r["access"]), _detail("block", r["block"]),
                                _detail("tx", r["tx"])]})
    return entities


def audit_event(row: Mapping[str, Any], *, ledger_address: str, chain_id: int, person: bytes | str,
                custodian: str) -> dict[str, Any]:
    """One served access of the trail (a row of :func:`yibao.records.service.trail`) as an R4B
    AuditEvent: the reader and the record's custodian as agents, the record, the patient (by
    pseudonym), the basis and the ledger transaction as entities, the ledger as the observer."""
    r = _trail_row(row)
    ns = ledger_namespace(chain_id, ledger_address)
    purpose = purpose_of_use(r["purpose"])
    reader = {"type": {"coding": [READER_TYPE]}, "who": {"identifier": account_identifier(chain_id, r["reader"])},
              "requestor": True, "policy": [basis_policy(ns, r["basis"], r["basis_id"])],
              "purposeOfUse": [purpose]}
    keeper = {"type": {"coding": [CUSTODIAN_TYPE]}, "who": {"identifier": account_identifier(chain_id, custodian)},
              "requestor": False}
    doc = {"resourceType": "AuditEvent", "id": _id(ns, "access", r["access"]),
           "type": EVENT_TYPE, "subtype": [EVENT_SUBTYPE], "action": "R", "recorded": r["time"],
           "outcome": "0", "purposeOfEvent": [purpose], "agent": [reader, keeper],
           "source": {"site": f"chain {int(chain_id)}", "type": [SOURCE_TYPE],
                      "observer": {"identifier": account_identifier(chain_id, ledger_address),
                                   "display": "yibao ledger"}},
           "entity": _entities(r, ns, int(chain_id), _pseudonym(person))}
    return _validated(AuditEvent, doc, f"access {r['access']}")


def audit_events(ledger: Ledger, person: bytes, rows: Iterable[Mapping[str, Any]] | None = None) -> list[
        dict[str, Any]]:
    """The person's whole trail as AuditEvents (``rows``: the trail, read now when not given);
    each record's custodian read from the chain once."""
    if rows is None:
        rows = trail(ledger, person)
    custodians: dict[int, str] = {}
    out = []
    for row in rows:
        record = int(row["record"])
        if record not in custodians:
            custodians[record] = ledger.record_info(record).custodian
        out.append(audit_event(row, ledger_address=ledger.address, chain_id=ledger.chain.chain_id, person=person,
                               custodian=custodians[record]))
    return out


# ----------------------------------------------------------------------------- Consent


def _consent_info(info: ConsentInfo | Mapping[str, Any]) -> ConsentInfo:
    """A :class:`ConsentInfo`, or its ``to_json()`` (what ``consents_of`` lists), checked."""
    if isinstance(info, ConsentInfo):
        return info
    missing = [k for k in ("id", "person", "grantee", "purpose", "granted_on", "not_after", "active") if k not in info]
    if missing:
        raise InputError(f"a consent lacks {', '.join(missing)}")
    if info["purpose"] not in Purpose.__members__:
        raise InputError(f"consent purpose {info['purpose']!r} is not one of {', '.join(Purpose.__members__)}")
    revoked, record = info.get("revoked_on"), info.get("record")
    try:
        return ConsentInfo(int(info["id"]), _hex_bytes(str(info["person"]), "the consent's person"),
                           str(info["grantee"]), int(record) if record else None, Purpose[str(info["purpose"])],
                           dt.date.fromisoformat(str(info["granted_on"])),
                           dt.date.fromisoformat(str(info["not_after"])),
                           dt.date.fromisoformat(str(revoked)) if revoked else None, bool(info["active"]))
    except (TypeError, ValueError) as e:
        raise InputError(f"consent {info['id']!r} is malformed: {e}") from None


def _narrative(c: ConsentInfo) -> dict[str, str]:
    scope = f"record {c.record}" if c.record else "every record of the patient's"
    state = "active" if c.active else (f"revoked on {c.revoked_on.isoformat()}" if c.revoked_on else "inactive")
    text = (f"Consent {c.id}: {c.grantee} may read {scope} for {c.purpose.name}, granted "
            f"{c.granted_on.isoformat()}, last day {c.not_after.isoformat()}; {state}.")
    return {"status": "generated", "div": f'<div xmlns="http://www.w3.org/1999/xhtml">{html.escape(text)}</div>'}


def consent(info: ConsentInfo | Mapping[str, Any], *, ledger_address: str, chain_id: int) -> dict[str, Any]:
    """A consent (a :class:`ConsentInfo` or its JSON) as an R4B Consent: ``active`` or
    ``inactive`` (revoked or past its last day; the revocation day in the narrative and an
    extension), a permit for the grantee to access the record (or, with no ``data``, every
    record of the patient's) for the purpose from the day granted to ``not_after``."""
    c = _consent_info(info)
    ns = ledger_namespace(chain_id, ledger_address)
    code, display = PURPOSE_OF_USE[c.purpose.name]
    patient = {"type": "Patient", "identifier": _ident(ns, "person", _pseudonym(c.person))}
    provision: dict[str, Any] = {
        "type": "permit",
        "period": {"start": c.granted_on.isoformat(), "end": c.not_after.isoformat()},
        "actor": [{"role": {"coding": [GRANTEE_ROLE]},
                   "reference": {"identifier": account_identifier(chain_id, c.grantee)}}],
        "action": [{"coding": [CONSENT_ACTION]}],
        "purpose": [_coding(ACT_REASON, code, display)],
    }
    if c.record:
        provision["data"] = [{"meaning": "instance",
                              "reference": {"identifier": _ident(ns, "record", c.record),
                                            "display": f"record {c.record}"}}]
    doc: dict[str, Any] = {
        "resourceType": "Consent", "id": _id(ns, "consent", c.id), "text": _narrative(c),
        "identifier": [_ident(ns, "consent", c.id)], "status": "active" if c.active else "inactive",
        "scope": {"coding": [CONSENT_SCOPE]}, "category": [{"coding": [CONSENT_CATEGORY]}],
        "patient": patient, "dateTime": c.granted_on.isoformat(), "performer": [patient],
        "policyRule": {"coding": [CONSENT_RULE]}, "provision": provision,
    }
    if c.revoked_on:
        doc["extension"] = [{"url": REVOKED_ON, "valueDate": c.revoked_on.isoformat()}]
    return _validated(Consent, doc, f"consent {c.id}")


# ----------------------------------------------------------------------------- Bundle


def bundle(resources: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The resources (as the functions above return them) as a ``collection`` Bundle, each
    entry's ``fullUrl`` the ``urn:uuid:`` of its id."""
    entries = []
    for resource in resources:
        entry: dict[str, Any] = {"resource": dict(resource)}
        rid = resource.get("id")
        if isinstance(rid, str):
            try:
                entry["fullUrl"] = f"urn:uuid:{uuid.UUID(rid)}"
            except ValueError:
                pass
        entries.append(entry)
    return _validated(Bundle, {"resourceType": "Bundle", "type": "collection", "entry": entries}, "the bundle")


__all__ = [
    "PURPOSE_OF_USE", "account_identifier", "audit_event", "audit_events", "basis_policy", "bundle", "consent",
    "ledger_namespace", "purpose_of_use",
]
