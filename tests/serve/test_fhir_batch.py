"""A batch of FHIR Claims (issue 16 §1, docs/fhir.md "Batches"): a Bundle of the hospital's
Claims pre-checked or submitted as one transaction and answered with a batch-response Bundle,
one entry per Claim in order; an unreadable entry answered 400 in its slot while the others go
together; a Bundle that cannot be taken (not a batch, too long, both uses, another provider's
Claim) refused whole with nothing sent."""

from __future__ import annotations

import copy
import datetime as dt
import json
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.claimresponse import ClaimResponse
from test_fhir_api import refused
from test_fhir_claims import NATIONAL_ID, NS, PSEUDONYM, chain_claim, fhir_claim, pseudonym_of
from yibao.client import claim_id_of
from yibao.client.batches import stored_claim
from yibao.client.history import claim_details
from yibao.client.types import ClaimResult, LineOutcome
from yibao.model.types import ClaimStatus, Flag, LineNote, Reason, VisitType
from yibao.serve.fhir_batch import MAX_ENTRIES, BatchEntry, batch_response, read_batch
from yibao.serve.fhir_claims import FhirInputError

if TYPE_CHECKING:
    from conftest import Service, ServeWorld


def entry(resource: Any, method: str = "POST", url: str = "Claim") -> dict[str, Any]:
    return {"resource": resource, "request": {"method": method, "url": url}}


def batch(*entries: Any, **change: Any) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "batch", "entry": list(entries), **change}


def read(doc: Any) -> list[BatchEntry]:
    return read_batch(doc if isinstance(doc, (str, bytes)) else json.dumps(doc), pseudonym_of, NS)


# ---------------------------------------------------------------------- reading a batch


def test_a_batch_is_read_entry_by_entry_exactly() -> None:
    second = fhir_claim(identifier=[{"value": "INV-2"}])
    second["item"][0]["unitPrice"]["value"] = 0.07
    got = read(batch(entry(fhir_claim()), entry(second)))
    assert [e.index for e in got] == [0, 1] and all(e.error is None for e in got)
    lines = [[(ln.code, ln.qty, ln.unit_price) for ln in e.claim.claim.lines] for e in got if e.claim]
    assert lines == [[("XA01", 2, 12550), ("XB02", 3, 3500)], [("XA01", 2, 7), ("XB02", 3, 3500)]]
    assert all(e.claim and e.claim.claim.person == PSEUDONYM for e in got)  # the national ID, turned at once
    exact = '{"resourceType":"Bundle","type":"batch","entry":[' + json.dumps(entry(fhir_claim())).replace(
        '"value": 125.5,', '"value": 125.50000000000000001,') + "]}"
    [wide] = read(exact)  # the JSON's decimal as written, never a float: refused as more than two decimals
    assert wide.error is not None and wide.error.path == "Bundle.entry[0].resource.item[0].unitPrice.value"


def _item(**change: Any) -> list[dict[str, Any]]:
    item = copy.deepcopy(fhir_claim()["item"][0])
    item.update(change)
    return [item]


@pytest.mark.parametrize(("bad", "path"), [
    ("a claim", "Bundle.entry[1]"),
    ({"request": {"method": "POST", "url": "Claim"}}, "Bundle.entry[1].resource"),
    (entry(fhir_claim(), method="PUT"), "Bundle.entry[1].request.method"),
    (entry(fhir_claim(), method="FETCH"), "Bundle.entry[1].request.method"),
    ({"resource": fhir_claim()}, "Bundle.entry[1].request.method"),
    (entry(fhir_claim(), url="Patient"), "Bundle.entry[1].request.url"),
    (entry({"resourceType": "Patient"}), "Bundle.entry[1].resource"),
    (entry(fhir_claim(status="draft")), "Bundle.entry[1].resource.status"),
    (entry(fhir_claim(item=_item(quantity={"value": 0}))), "Bundle.entry[1].resource.item[0].quantity.value"),
    (entry(fhir_claim(item=_item(productOrService={"coding": [{"system": f"{NS}:catalogue", "code": "X" * 33}]}))),
     "Bundle.entry[1].resource"),
    (entry({k: v for k, v in fhir_claim().items() if k != "patient"}), "Bundle.entry[1].resource.patient"),
])
def test_an_unreadable_entry_answers_in_its_slot(bad: Any, path: str) -> None:
    got = read(batch(entry(fhir_claim()), bad, entry(fhir_claim(identifier=[{"value": "INV-3"}]))))
    assert [e.claim is not None for e in got] == [True, False, True]
    error = got[1].error
    assert error is not None and error.path == path and str(error).startswith(path) and "\n" not in str(error)


def test_an_unreadable_national_id_is_not_echoed() -> None:
    def refuse(national_id: str) -> bytes:
        from yibao.errors import InputError

        raise InputError("national ID check digit does not match (GB 11643)")

    doc = batch(entry(fhir_claim()))
    [got] = read_batch(json.dumps(doc), refuse, NS)
    assert got.error is not None and got.error.path == "Bundle.entry[0].resource.patient.identifier.value"
    assert NATIONAL_ID not in str(got.error)


@pytest.mark.parametrize(("doc", "path"), [
    (b"{not json", "Bundle"),
    (b"\xff\xfe{", "Bundle"),
    ('{"resourceType": "Bundle", "type": "batch", "entry": [], "total": NaN}', "Bundle"),
    ("[" * 100_000, "Bundle"),
    ("[]", "Bundle"),
    (fhir_claim(), "Bundle.resourceType"),
    (batch(entry(fhir_claim()), type="transaction"), "Bundle.type"),
    (batch(entry(fhir_claim()), type=None), "Bundle.type"),
    (batch(entry(fhir_claim()), id="not an id!"), "Bundle.id"),
    (batch(), "Bundle.entry"),
    ({"resourceType": "Bundle", "type": "batch"}, "Bundle.entry"),
    (batch(*[entry(fhir_claim(identifier=[{"value": f"INV-{i}"}])) for i in range(MAX_ENTRIES + 1)]),
     "Bundle.entry"),
    (batch(entry(fhir_claim()), entry(fhir_claim(use="preauthorization"))), "Bundle.entry[1].resource.use"),
])
def test_a_bundle_that_cannot_be_taken_is_refused_whole(doc: Any, path: str) -> None:
    with pytest.raises(FhirInputError) as info:
        read(doc)
    assert info.value.path == path and "\n" not in str(info.value)


def test_a_batch_response_has_one_entry_per_claim_in_order() -> None:
    entries = read(batch(entry(fhir_claim()), entry({"resourceType": "Patient"}),
                         entry(fhir_claim(identifier=[{"value": "INV-3"}]))))

    def result(cid: int, reason: Reason = Reason.NONE) -> ClaimResult:
        status = ClaimStatus.REJECTED if reason else ClaimStatus.APPROVED
        return ClaimResult(bytes(31) + bytes([cid]), "0x0", 1, VisitType.OUTPATIENT, status, reason, Flag.NONE,
                           35600, 30000, 8000, 15307, (LineOutcome(25100, LineNote.NONE),
                                                       LineOutcome(4900, LineNote.NONE)), (), 90000)

    text = batch_response(entries, [result(1), result(3, Reason.DUPLICATE)], namespace=NS,
                          created=dt.datetime(2026, 3, 2, 4, tzinfo=dt.UTC))
    bundle = Bundle.model_validate_json(text)
    assert bundle.type == "batch-response" and len(bundle.entry) == 3
    first, unreadable, duplicate = bundle.entry
    assert first.response.status == "200 OK"
    assert first.response.location == "ClaimResponse/" + (bytes(31) + b"\x01").hex()
    response = ClaimResponse.model_validate_json(first.resource.model_dump_json())
    assert response.total[3].amount.value == Decimal("153.07")
    assert unreadable.resource is None and unreadable.response.status == "400 Bad Request"
    assert unreadable.response.outcome.issue[0].expression == ["Bundle.entry[1].resource"]
    assert duplicate.response.location is None  # the duplicate is not what is stored under its id
    assert '"value":153.07' in text  # exact decimals in the text
    with pytest.raises(StopIteration):
        batch_response(entries, [result(1)], namespace=NS, created=dt.datetime(2026, 3, 2, tzinfo=dt.UTC))


# ---------------------------------------------------------------------- through the service, both chains


def claims(w: ServeWorld, *invoices: str, **change: Any) -> list[dict[str, Any]]:
    return [entry(chain_claim(w.fhir, identifier=[{"value": invoice}], **change)) for invoice in invoices]


def post(service: Service, doc: Any, account: Any = None) -> Any:
    body = doc if isinstance(doc, (str, bytes)) else json.dumps(doc)
    return service.client.post("/fhir", content=body, headers=service.headers(account) if account else {})


def answered(r: Any) -> list[Any]:
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/fhir+json")
    bundle = Bundle.model_validate_json(r.text)
    assert bundle.type == "batch-response"
    return list(bundle.entry)


def test_a_hospital_prechecks_then_submits_a_batch_in_one_transaction(fhir_service: Service) -> None:
    service = fhir_service
    w = service.w
    hospital = w.fhir.hospital
    good = claims(w, "INV-1", "INV-2", use="preauthorization")
    unreadable = entry(chain_claim(w.fhir, identifier=[{"value": "INV-X"}], use="preauthorization",
                                   billablePeriod={}))
    ids = [claim_id_of(hospital.address, f"INV-{n}") for n in (1, 2)]
    pre = answered(post(service, batch(good[0], unreadable, good[1]), hospital))
    assert [e.response.status for e in pre] == ["200 OK", "400 Bad Request", "200 OK"]
    assert pre[1].response.outcome.issue[0].expression == ["Bundle.entry[1].resource.billablePeriod.start"]
    assert [ClaimResponse.model_validate_json(e.resource.model_dump_json()).use for e in (pre[0], pre[2])] == [
        "preauthorization"] * 2
    assert all(e.response.location is None for e in pre)
    assert [stored_claim(w.ledger, cid) for cid in ids] == [None, None]  # a pre-check records nothing

    sent = answered(post(service, batch(*claims(w, "INV-1", "INV-2")), hospital))
    responses = [ClaimResponse.model_validate_json(e.resource.model_dump_json()) for e in sent]
    assert [r.request.identifier.value for r in responses] == ["0x" + cid.hex() for cid in ids]
    assert [r.outcome for r in responses] == ["complete", "complete"]
    assert [e.response.location for e in sent] == [f"ClaimResponse/{cid.hex()}" for cid in ids]
    txs = {claim_details(w.ledger, cid)["tx"] for cid in ids}
    assert len(txs) == 1  # one transaction
    pre_totals = [ClaimResponse.model_validate_json(e.resource.model_dump_json()).total for e in (pre[0], pre[2])]
    assert [r.total for r in responses] == pre_totals  # the pre-check's answer was the submission's
    read_back = service.get(f"/fhir/{sent[0].response.location}", hospital)
    assert ClaimResponse.model_validate_json(read_back.text).disposition == "APPROVED"

    again = answered(post(service, batch(*claims(w, "INV-1", "INV-3")), hospital))
    first = ClaimResponse.model_validate_json(again[0].resource.model_dump_json())
    assert first.error[0].code.coding[0].code == "DUPLICATE" and again[0].response.location is None
    assert again[1].response.location is not None


def test_a_batch_of_only_unreadable_entries_sends_nothing(fhir_service: Service) -> None:
    service = fhir_service
    w = service.w
    before = w.ledger.chain.w3.eth.block_number
    got = answered(post(service, batch(entry({"resourceType": "Patient"})), w.fhir.hospital))
    assert [e.response.status for e in got] == ["400 Bad Request"]
    assert w.ledger.chain.w3.eth.block_number == before


def test_batch_refusals_send_nothing(fhir_service: Service) -> None:
    service = fhir_service
    w = service.w
    hospital = w.fhir.hospital
    ids = [claim_id_of(hospital.address, f"INV-{n}") for n in (1, 2)]
    two = claims(w, "INV-1", "INV-2")
    assert "not signed in" in refused(post(service, batch(*two)), 401, "login")
    other = f"urn:ethereum:{w.ledger.chain.chain_id}:{w.other_hospital.address}"
    theirs = entry(chain_claim(w.fhir, identifier=[{"value": "INV-9"}],
                               provider={"identifier": {"system": "urn:ietf:rfc:3986", "value": other}}))
    message = refused(post(service, batch(two[0], theirs, two[1]), hospital), 403, "forbidden")
    assert message.startswith("Bundle.entry[1].resource.provider is") and "not the signed-in" in message
    assert "not the signed-in" in refused(post(service, batch(*two), w.regulator), 403, "forbidden")
    reader = f"urn:ethereum:{w.ledger.chain.chain_id}:{w.reader.address}"
    as_reader = claims(w, "INV-1", provider={"identifier": {"system": "urn:ietf:rfc:3986", "value": reader}})
    assert "holds no key" in refused(post(service, batch(*as_reader), w.reader), 403, "forbidden")
    mixed = batch(two[0], *claims(w, "INV-2", use="preauthorization"))
    assert "two batches" in refused(post(service, mixed, hospital), 400, "invalid")
    assert "must be batch" in refused(post(service, batch(*two, type="transaction"), hospital), 400, "invalid")
    assert "200 claims" in refused(post(service, batch(*claims(w, *[f"I{i}" for i in range(201)])), hospital),
                                   400, "invalid")
    assert "not JSON" in refused(post(service, b"{", hospital), 400, "invalid")
    assert [stored_claim(w.ledger, cid) for cid in ids] == [None, None]


def test_a_batch_the_ledger_refuses_is_refused_whole(fhir_service: Service) -> None:
    service = fhir_service
    w = service.w
    hospital = w.fhir.hospital
    mine = f"urn:ethereum:{w.ledger.chain.chain_id}:{w.regulator.address}"
    as_regulator = claims(w, "INV-1", provider={"identifier": {"system": "urn:ietf:rfc:3986", "value": mine}})
    service.ctx.signer_of = {hospital.address: hospital, w.regulator.address: w.regulator}.get
    assert refused(post(service, batch(*as_regulator), w.regulator), 422, "processing")  # no institution
    assert stored_claim(w.ledger, claim_id_of(w.regulator.address, "INV-1")) is None
