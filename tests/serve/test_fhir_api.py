"""The FHIR reads (issue 16 §1, docs/fhir.md "Reads"), on both chains: a stored claim's
ClaimResponse as it stands now (settled, clawed back, held then reviewed), a person's Coverage,
the patient's data-use trail and consents as searchset Bundles; each read by exactly who may
read it, every other reader refused with an OperationOutcome (401, 403, 404, 400). Every
resource is parsed back by fhir.resources' R4B models."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from fhir.resources.R4B.auditevent import AuditEvent
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.claimresponse import ClaimResponse
from fhir.resources.R4B.consent import Consent
from fhir.resources.R4B.coverage import Coverage
from fhir.resources.R4B.operationoutcome import OperationOutcome
from test_fhir_claims import chain_claim, pseudonym_of
from worlds.rules import CQ
from yibao.chain import dev_account
from yibao.client.batches import stored_claim
from yibao.model.types import ClaimStatus
from yibao.serve.fhir_claims import parse_claim
from yibao.serve.fhir_reads import PERSON_STATUS_URL

if TYPE_CHECKING:
    from conftest import Service, ServeWorld, Trail


def refused(r: Any, status: int, code: str) -> str:
    """The one issue of an OperationOutcome answer: its code and status checked, its text returned."""
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/fhir+json")
    issue = OperationOutcome.model_validate_json(r.text).issue[0]
    assert issue.code == code and "\n" not in issue.diagnostics
    return str(issue.diagnostics)


def submit(w: ServeWorld, *invoices: str, person: bytes | None = None) -> list[Any]:
    """Claims of the hospital (``chain_claim``'s lines) for the person (or ``person``), sent in one transaction."""
    claims = []
    for invoice in invoices:
        doc = chain_claim(w.fhir, identifier=[{"value": invoice}])
        if person is not None:
            doc["patient"] = {"identifier": {"system": f"{w.fhir.namespace}:person", "value": "0x" + person.hex()}}
        claims.append(parse_claim(json.dumps(doc), pseudonym_of, w.fhir.namespace).claim)
    return w.ledger.acting_as(w.fhir.hospital).submit_claims(claims)


def totals(response: ClaimResponse) -> dict[str, int]:
    return {str(t.category.coding[0].code): int(t.amount.value * 100) for t in response.total}


# ---------------------------------------------------------------------- ClaimResponse/{id}


def test_a_claims_response_follows_its_status(fhir_service: Service) -> None:
    service = fhir_service
    w = service.w
    [result] = submit(w, "INV-1")
    cid = result.claim_id
    path = f"/fhir/ClaimResponse/0x{cid.hex()}"
    r = service.get(path, w.fhir.hospital)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/fhir+json")
    now = ClaimResponse.model_validate_json(r.text)
    assert (now.id, now.outcome, now.disposition, now.use) == (cid.hex(), "complete", "APPROVED", "claim")
    assert now.request.identifier.value == "0x" + cid.hex() and now.created.isoformat().endswith("+08:00")
    assert now.patient.identifier.value == "0x" + w.fhir.person.hex()
    assert now.requestor.identifier.value == w.fhir.provider
    assert totals(now) == {"submitted": result.billed, "eligible": result.eligible,
                           "deductible": result.deductible, "benefit": result.fund}
    assert [i.adjudication[0].amount.value for i in now.item] == [Decimal("251.00"), Decimal("40.00")]
    assert now.item[1].adjudication[1].reason.coding[0].code == "PRICE_CAPPED"  # the decision's line notes
    assert service.get(f"/fhir/ClaimResponse/{cid.hex()}", w.fhir.hospital).text == r.text  # without 0x

    regulator = w.ledger.acting_as(w.regulator)
    regulator.settle(w.fhir.hospital.address)
    settled = ClaimResponse.model_validate_json(service.get(path, w.fhir.hospital).text)
    assert (settled.outcome, settled.disposition) == ("complete", "SETTLED") and totals(settled) == totals(now)

    regulator.clawback(cid, "FRAUD")
    view = stored_claim(w.ledger, cid)
    assert view is not None and view.status is ClaimStatus.CLAWED_BACK
    clawed = ClaimResponse.model_validate_json(service.get(path, w.fhir.hospital).text)
    assert (clawed.outcome, clawed.disposition) == ("error", "CLAWED_BACK")
    assert totals(clawed) == {"submitted": result.billed, "eligible": 0, "deductible": 0, "benefit": 0}


def test_a_held_claim_is_queued_until_reviewed(fhir_service: Service) -> None:
    service = fhir_service
    w = service.w
    results = submit(w, "INV-1", "INV-2", "INV-3", "INV-4")  # the month's fourth visit is over the limit
    held = results[3]
    assert held.status is ClaimStatus.FLAGGED
    path = f"/fhir/ClaimResponse/{held.claim_id.hex()}"
    queued = ClaimResponse.model_validate_json(service.get(path, w.fhir.hospital).text)
    assert queued.outcome == "queued" and [n.text for n in queued.processNote] == ["VISIT_LIMIT"]
    w.ledger.acting_as(w.regulator).grant_role(w.ledger.reviewer_role(CQ), w.reader.address)
    w.ledger.acting_as(w.reader).review(held.claim_id, True)
    reviewed = ClaimResponse.model_validate_json(service.get(path, w.fhir.hospital).text)
    assert (reviewed.outcome, reviewed.disposition) == ("complete", "APPROVED")
    assert [n.text for n in reviewed.processNote] == ["VISIT_LIMIT"]


def test_who_reads_a_claims_response(fhir_service: Service) -> None:
    service = fhir_service
    w = service.w
    [home] = submit(w, "INV-1")
    [away] = submit(w, "INV-2", person=w.other_person)  # a person of the second region, at this hospital
    home_path, away_path = f"/fhir/ClaimResponse/{home.claim_id.hex()}", f"/fhir/ClaimResponse/{away.claim_id.hex()}"
    for reader in (w.fhir.hospital, w.patient, w.regulator):
        r = service.get(home_path, reader)
        assert r.status_code == 200, r.text
        ClaimResponse.model_validate_json(r.text)
    for reader in (w.other_regulator, w.other_hospital, w.reader):
        assert "not" in refused(service.get(home_path, reader), 403, "forbidden")
    assert service.get(away_path, w.other_regulator).status_code == 200  # the person's region
    assert service.get(away_path, w.regulator).status_code == 200  # the institution's region
    assert "is not" in refused(service.get(away_path, w.patient), 403, "forbidden")  # another patient's claim
    assert "no claim" in refused(service.get("/fhir/ClaimResponse/" + "ab" * 32, w.regulator), 404, "not-found")
    assert "64 hex" in refused(service.get("/fhir/ClaimResponse/0x12", w.regulator), 400, "invalid")
    assert "not signed in" in refused(service.get(home_path), 401, "login")


def test_a_claim_whose_submission_cannot_be_read_is_a_422(fhir_service: Service, monkeypatch: Any) -> None:
    service = fhir_service
    import yibao.serve.fhir_reads as reads

    w = service.w
    [result] = submit(w, "INV-1")
    monkeypatch.setattr(reads, "claim_details", lambda ledger, cid: {"claim_id": "0x" + cid.hex(), "lines": []})
    message = refused(service.get(f"/fhir/ClaimResponse/{result.claim_id.hex()}", w.fhir.hospital), 422,
                      "processing")
    assert "cannot be read from the chain" in message


# ---------------------------------------------------------------------- Coverage


def coverages(r: Any) -> list[Coverage]:
    assert r.status_code == 200, r.text
    bundle = Bundle.model_validate_json(r.text)
    assert bundle.type == "searchset" and bundle.total == len(bundle.entry or [])
    found = [Coverage.model_validate_json(e.resource.model_dump_json()) for e in bundle.entry or []]
    assert all(e.search.mode == "match" and e.fullUrl == f"urn:uuid:{c.id}"
               for e, c in zip(bundle.entry or [], found, strict=True))
    return found


def test_the_patient_reads_their_coverage(fhir_service: Service) -> None:
    service = fhir_service
    w = service.w
    [own] = coverages(service.get("/fhir/Coverage", w.patient))
    ns = w.fhir.namespace
    assert own.status == "active" and own.extension[0].url == PERSON_STATUS_URL
    assert own.extension[0].valueCode == "ACTIVE"
    assert (own.beneficiary.identifier.system, own.beneficiary.identifier.value) == (
        f"{ns}:person", "0x" + w.fhir.person.hex())
    assert own.payor[0].identifier.value == ns
    assert (own.period.start.isoformat(), own.period.end.isoformat()) == (
        f"{w.fhir.day.year}-01-01", f"{w.fhir.day.year}-12-31")
    assert [(c.type.coding[0].code, c.value) for c in own.class_fhir] == [("plan", "EMPLOYEE"), ("group", "500000")]
    assert own.class_fhir[1].name == "Chongqing"
    same = coverages(service.get("/fhir/Coverage", w.patient, patient="0x" + w.fhir.person.hex()))
    assert same == [own]
    assert "not" in refused(service.get("/fhir/Coverage", w.patient, patient="0x" + w.other_person.hex()),
                            403, "forbidden")


def test_who_reads_a_coverage(fhir_service: Service) -> None:
    service = fhir_service
    w = service.w
    person, other = "0x" + w.fhir.person.hex(), "0x" + w.other_person.hex()
    assert len(coverages(service.get("/fhir/Coverage", w.fhir.hospital, patient=person))) == 1
    [away] = coverages(service.get("/fhir/Coverage", w.fhir.hospital, patient=other))  # eligibility before billing
    assert [c.value for c in away.class_fhir] == ["RESIDENT", "440100"]
    assert len(coverages(service.get("/fhir/Coverage", w.regulator, patient=person))) == 1
    assert len(coverages(service.get("/fhir/Coverage", w.other_regulator, patient=other))) == 1
    assert "regulator of their region" in refused(service.get("/fhir/Coverage", w.other_regulator, patient=person),
                                                  403, "forbidden")
    nobody = "0x" + "11" * 32
    assert coverages(service.get("/fhir/Coverage", w.fhir.hospital, patient=nobody)) == []
    assert coverages(service.get("/fhir/Coverage", w.other_regulator, patient=nobody)) == []
    assert "no patient" in refused(service.get("/fhir/Coverage", w.reader, patient=person), 403, "forbidden")
    assert "patient" in refused(service.get("/fhir/Coverage", w.fhir.hospital), 400, "invalid")
    assert "64 hex" in refused(service.get("/fhir/Coverage", w.fhir.hospital, patient="0x12"), 400, "invalid")
    assert "not signed in" in refused(service.get("/fhir/Coverage", patient=person), 401, "login")


def test_a_suspended_or_ended_coverage_is_cancelled(fhir_service: Service) -> None:
    service = fhir_service
    w = service.w
    w.ledger.acting_as(dev_account(3)).suspend_person(w.fhir.person)
    [suspended] = coverages(service.get("/fhir/Coverage", w.patient))
    assert suspended.status == "cancelled" and suspended.extension[0].valueCode == "SUSPENDED"
    w.ledger.acting_as(dev_account(3)).reinstate_person(w.fhir.person)
    assert coverages(service.get("/fhir/Coverage", w.patient))[0].status == "active"
    year = w.fhir.day.year
    w.ledger.acting_as(dev_account(3)).update_person(w.fhir.person, "EMPLOYEE", dt.date(year, 1, 1),
                                                     dt.date(year, 1, 31))  # ended before the day of service
    [ended] = coverages(service.get("/fhir/Coverage", w.patient))
    assert ended.status == "cancelled" and ended.extension[0].valueCode == "ACTIVE"


# ---------------------------------------------------------------------- AuditEvent and Consent


def entries(r: Any, model: Any) -> list[Any]:
    assert r.status_code == 200, r.text
    bundle = Bundle.model_validate_json(r.text)
    assert bundle.type == "searchset" and bundle.total == len(bundle.entry or [])
    assert bundle.link[0].relation == "self"
    return [model.model_validate_json(e.resource.model_dump_json()) for e in bundle.entry or []]


def test_the_patient_reads_their_trail_and_consents(trail_world: Trail, fhir_service: Service) -> None:
    t, service = trail_world, fhir_service
    w = t.world
    [event] = entries(service.get("/fhir/AuditEvent", w.patient), AuditEvent)
    assert event.agent[0].who.identifier.value.endswith(w.reader.address)
    assert event.entity[0].what.identifier.value == str(t.record)
    assert event.entity[1].what.identifier.value == "0x" + w.fhir.person.hex()
    consents = entries(service.get("/fhir/Consent", w.patient), Consent)
    assert [(c.identifier[0].value, c.status) for c in consents] == [(str(t.active), "active"),
                                                                     (str(t.revoked), "inactive")]
    person = "0x" + w.fhir.person.hex()
    for path, model in (("/fhir/AuditEvent", AuditEvent), ("/fhir/Consent", Consent)):
        mine = service.get(path, w.patient, patient=person)
        assert [x.id for x in entries(mine, model)] == [x.id for x in entries(service.get(path, w.patient), model)]
        assert len(entries(service.get(path, w.regulator, patient=person), model)) >= 1
        assert "regulator of their region" in refused(service.get(path, w.other_regulator, patient=person),
                                                      403, "forbidden")
        assert "neither" in refused(service.get(path, w.fhir.hospital, patient=person), 403, "forbidden")
        assert "not" in refused(service.get(path, w.patient, patient="0x" + w.other_person.hex()), 403, "forbidden")
        assert entries(service.get(path, w.other_regulator, patient="0x" + w.other_person.hex()), model) == []
        assert "patient" in refused(service.get(path, w.regulator), 400, "invalid")
        assert "not signed in" in refused(service.get(path, patient=person), 401, "login")
    assert "门诊" not in service.get("/fhir/AuditEvent", w.patient).text  # no record content
