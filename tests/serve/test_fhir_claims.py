"""FHIR R4B claims (issue 16 §1, docs/fhir.md "Claims"): a hospital's Claim read exactly (money
as exact decimals in CNY, the patient's national ID turned into the pseudonym and nowhere else),
every unreadable field refused naming its FHIR path with an OperationOutcome, and a decision
written as a ClaimResponse whose items and totals add up to the fen."""

from __future__ import annotations

import copy
import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from fhir.resources.R4B.claimresponse import ClaimResponse
from fhir.resources.R4B.operationoutcome import OperationOutcome
from yibao.client.types import ClaimResult, LineOutcome
from yibao.model.types import ClaimStatus, Flag, LineNote, Reason, VisitType
from yibao.serve.fhir_claims import (
    CLAIM_TYPE_SYSTEM, CLAIMED_FUND_URL, NATIONAL_ID_SYSTEM, FhirInputError, claim_response, money,
    operation_outcome, parse_claim, shares,
)

NS = "urn:ethereum:31337:0x5FC8d32690cc91D4c39d9d3abcBD16989F875707"
HOSPITAL = "urn:ethereum:31337:0x6bD59f26090CAC1A77FfDc565781CEFFA056f9cb"
NATIONAL_ID = "110101199003074274"
PSEUDONYM = bytes(range(32))


def pseudonym_of(national_id: str) -> bytes:
    assert national_id == NATIONAL_ID
    return PSEUDONYM


def fhir_claim(**change: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "resourceType": "Claim", "id": "c1", "status": "active",
        "type": {"coding": [{"system": CLAIM_TYPE_SYSTEM, "code": "professional"}]},
        "use": "claim", "created": "2026-03-02T10:00:00+08:00",
        "identifier": [{"system": "urn:hospital:invoice", "value": "INV-20260302-7"}],
        "patient": {"identifier": {"system": NATIONAL_ID_SYSTEM, "value": NATIONAL_ID}},
        "provider": {"identifier": {"system": "urn:ietf:rfc:3986", "value": HOSPITAL}},
        "priority": {"coding": [{"code": "normal"}]},
        "insurance": [{"sequence": 1, "focal": True, "coverage": {"display": "basic medical insurance"}}],
        "billablePeriod": {"start": "2026-03-02"},
        "item": [
            {"sequence": 1, "productOrService": {"coding": [{"system": f"{NS}:catalogue", "code": "XA01"}]},
             "quantity": {"value": 2}, "unitPrice": {"value": 125.50, "currency": "CNY"}},
            {"sequence": 2, "productOrService": {"coding": [{"system": f"{NS}:catalogue", "code": "XB02"}]},
             "quantity": {"value": 3}, "unitPrice": {"value": 35, "currency": "CNY"}},
        ],
    }
    doc.update(change)
    return doc


def parse(doc: dict[str, Any]) -> Any:
    return parse_claim(json.dumps(doc), pseudonym_of, NS)


def test_a_claim_is_read_exactly() -> None:
    got = parse(fhir_claim(extension=[{"url": CLAIMED_FUND_URL, "valueMoney": {"value": 153.07, "currency": "CNY"}}]))
    c = got.claim
    assert (c.invoice, c.person, c.visit, c.service_date, c.discharge) == (
        "INV-20260302-7", PSEUDONYM, VisitType.OUTPATIENT, dt.date(2026, 3, 2), None)
    assert [(ln.code, ln.qty, ln.unit_price) for ln in c.lines] == [("XA01", 2, 12550), ("XB02", 3, 3500)]
    assert c.claimed_fund == 15307 and not got.precheck and got.provider == HOSPITAL
    assert got.patient == {"system": f"{NS}:person", "value": "0x" + PSEUDONYM.hex()}  # never the national ID
    assert NATIONAL_ID not in repr(got)


def test_an_inpatient_claim_and_a_precheck() -> None:
    doc = fhir_claim(use="preauthorization", billablePeriod={"start": "2026-03-02", "end": "2026-03-09"},
                     type={"coding": [{"system": CLAIM_TYPE_SYSTEM, "code": "institutional"}]},
                     patient={"identifier": {"system": f"{NS}:person", "value": "0x" + PSEUDONYM.hex()}})
    got = parse(doc)
    assert got.precheck and got.claim.visit is VisitType.INPATIENT and got.claim.discharge == dt.date(2026, 3, 9)
    assert got.claim.person == PSEUDONYM


def _item(**change: Any) -> list[dict[str, Any]]:
    item = copy.deepcopy(fhir_claim()["item"][0])
    item.update(change)
    return [item]


@pytest.mark.parametrize(("change", "path"), [
    ({"status": "draft"}, "Claim.status"),
    ({"status": 5}, "Claim.status"),
    ({"item": []}, "Claim.item"),
    ({"type": {"coding": [{"system": CLAIM_TYPE_SYSTEM, "code": "oral"}]}}, "Claim.type"),
    ({"billablePeriod": {"end": "2026-03-02"}}, "Claim.billablePeriod.start"),
    ({"type": {"coding": [{"system": CLAIM_TYPE_SYSTEM, "code": "institutional"}]}}, "Claim.billablePeriod.end"),
    ({"billablePeriod": {"start": "2026-03-02", "end": "2026-03-04"}}, "Claim.billablePeriod.end"),
    ({"identifier": []}, "Claim.identifier"),
    ({"patient": {"identifier": {"system": "urn:other", "value": "x"}}}, "Claim.patient.identifier.system"),
    ({"patient": {"identifier": {"system": f"{NS}:person", "value": "0x12"}}}, "Claim.patient.identifier.value"),
    ({"item": _item(unitPrice={"value": 1.005, "currency": "CNY"})}, "Claim.item[0].unitPrice.value"),
    ({"item": _item(unitPrice={"value": 1, "currency": "USD"})}, "Claim.item[0].unitPrice.currency"),
    ({"item": _item(unitPrice={"value": -1, "currency": "CNY"})}, "Claim.item[0].unitPrice.value"),
    ({"item": _item(quantity={"value": 0})}, "Claim.item[0].quantity.value"),
    ({"item": _item(quantity={"value": 1.5})}, "Claim.item[0].quantity.value"),
    ({"item": _item(productOrService={"coding": [{"system": "urn:other", "code": "XA01"}]})},
     "Claim.item[0].productOrService"),
    ({"extension": [{"url": CLAIMED_FUND_URL, "valueMoney": {"value": 0.001, "currency": "CNY"}}]},
     "Claim.extension.valueMoney.value"),
])
def test_an_unreadable_claim_names_its_field(change: dict[str, Any], path: str) -> None:
    with pytest.raises(FhirInputError) as info:
        parse(fhir_claim(**change))
    assert info.value.path == path and str(info.value).startswith(path + ": ")
    assert "\n" not in str(info.value)
    outcome = OperationOutcome.model_validate_json(operation_outcome(info.value))
    assert outcome.issue[0].expression == [path] and outcome.issue[0].code == "invalid"


def test_a_claim_missing_what_fhir_requires_is_refused_by_the_library() -> None:
    doc = fhir_claim()
    del doc["patient"]
    with pytest.raises(FhirInputError, match=r"^Claim\.patient: "):
        parse(doc)


def _result(status: ClaimStatus, reason: Reason = Reason.NONE, flags: Flag = Flag.NONE,
            notes: tuple[LineNote, LineNote] = (LineNote.NONE, LineNote.NONE)) -> ClaimResult:
    return ClaimResult(bytes(31) + b"\x07", HOSPITAL, 3, VisitType.OUTPATIENT, status, reason, flags, 35600, 30000,
                       8000, 15307, (LineOutcome(25100, notes[0]), LineOutcome(4900, notes[1])), (), 90000)


def _response(result: ClaimResult, **change: Any) -> ClaimResponse:
    text = claim_response(parse(fhir_claim(**change)), result, namespace=NS,
                          insurer={"system": "urn:ietf:rfc:3986", "value": NS},
                          created=dt.datetime(2026, 3, 2, 10, 0, 1, tzinfo=dt.timezone(dt.timedelta(hours=8))))
    assert "e+" not in text and "E+" not in text
    return ClaimResponse.model_validate_json(text)


def _amounts(adjudication: Any) -> dict[str, Decimal]:
    return {str(a.category.coding[0].code): a.amount.value for a in adjudication}


def test_an_approved_claims_response_adds_up_to_the_fen() -> None:
    r = _response(_result(ClaimStatus.APPROVED, notes=(LineNote.PRICE_CAPPED, LineNote.NONE)))
    assert r.outcome == "complete" and r.use == "claim" and r.disposition == "APPROVED" and r.error is None
    lines = [_amounts(i.adjudication) for i in r.item]
    assert lines[0]["submitted"] == Decimal("251.00") and lines[1]["submitted"] == Decimal("105.00")
    assert [ln["eligible"] for ln in lines] == [Decimal("251.00"), Decimal("49.00")]
    total = _amounts(r.total)
    assert total == {"submitted": Decimal("356.00"), "eligible": Decimal("300.00"), "deductible": Decimal("80.00"),
                     "benefit": Decimal("153.07")}
    for key in ("eligible", "deductible", "benefit"):
        assert sum(ln[key] for ln in lines) == total[key], key
    assert r.item[0].adjudication[1].reason.coding[0].code == "PRICE_CAPPED"
    assert r.request.identifier.value == "0x" + (bytes(31) + b"\x07").hex()


def test_held_rejected_and_prechecked_responses() -> None:
    held = _response(_result(ClaimStatus.FLAGGED, flags=Flag.VISIT_LIMIT | Flag.REVIEW_THRESHOLD))
    assert held.outcome == "queued" and [n.text for n in held.processNote] == ["VISIT_LIMIT", "REVIEW_THRESHOLD"]
    rejected = _response(_result(ClaimStatus.REJECTED, Reason.NOT_COVERED))
    assert rejected.outcome == "error" and rejected.error[0].code.coding[0].code == "NOT_COVERED"
    assert rejected.disposition == "REJECTED NOT_COVERED"
    assert _amounts(rejected.total) == {"submitted": Decimal("356.00"), "eligible": Decimal("0.00"),
                                         "deductible": Decimal("0.00"), "benefit": Decimal("0.00")}
    pre = _response(_result(ClaimStatus.APPROVED), use="preauthorization")
    assert pre.use == "preauthorization"


def test_money_is_exact_at_the_largest_amounts() -> None:
    assert money(2**63 - 1)["value"] == Decimal("92233720368547758.07")
    assert money(1)["value"] == Decimal("0.01")


@given(st.integers(0, 10**12), st.lists(st.integers(0, 10**9), min_size=1, max_size=30))
def test_shares_add_up_and_follow_the_weights(total: int, weights: list[int]) -> None:
    got = shares(total, weights)
    whole = sum(weights)
    if whole == 0:
        assert got == [0] * len(weights)
        return
    assert sum(got) == total
    for share, w in zip(got, weights, strict=True):
        assert abs(share * whole - total * w) < whole  # within one fen of the exact proportion


# ---------------------------------------------------------------------- through the ledger, both chains


def chain_claim(w: Any, **change: Any) -> dict[str, Any]:
    """A FHIR claim of ``w``'s hospital for its person on its day: 2 × XA01 at 125.50, 1 × XP01 at
    40.00 (capped at 30.00)."""
    ns = w.namespace
    fields: dict[str, Any] = {
        "patient": {"identifier": {"system": f"{ns}:person", "value": "0x" + w.person.hex()}},
        "provider": {"identifier": {"system": "urn:ietf:rfc:3986", "value": w.provider}},
        "billablePeriod": {"start": w.day.isoformat()},
        "item": [{"sequence": 1, "productOrService": {"coding": [{"system": f"{ns}:catalogue", "code": "XA01"}]},
                  "quantity": {"value": 2}, "unitPrice": {"value": 125.5, "currency": "CNY"}},
                 {"sequence": 2, "productOrService": {"coding": [{"system": f"{ns}:catalogue", "code": "XP01"}]},
                  "quantity": {"value": 1}, "unitPrice": {"value": 40, "currency": "CNY"}}]}
    return fhir_claim(**{**fields, **change})


def test_a_fhir_claim_prechecked_then_submitted_on_chain(fhir_world: Any) -> None:
    from yibao.client import claim_id_of

    ledger, hospital, year = fhir_world.ledger, fhir_world.hospital, fhir_world.day.year
    ns = fhir_world.namespace
    doc = chain_claim(fhir_world)
    insurer = {"system": "urn:ietf:rfc:3986", "value": ns}
    created = dt.datetime(year, 3, 2, 12, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    institution = ledger.acting_as(hospital)

    pre = parse_claim(json.dumps(fhir_claim(**{**doc, "use": "preauthorization"})), pseudonym_of, ns)
    assert pre.precheck
    [decided] = institution.precheck_claims([pre.claim])
    pre_response = ClaimResponse.model_validate_json(
        claim_response(pre, decided, namespace=ns, insurer=insurer, created=created))
    assert pre_response.use == "preauthorization" and pre_response.outcome == "complete"
    cid = claim_id_of(hospital.address, "INV-20260302-7")
    from yibao.client.batches import stored_claim

    assert stored_claim(ledger, cid) is None  # a pre-check records nothing

    sent = parse_claim(json.dumps(doc), pseudonym_of, ns)
    [result] = institution.submit_claims([sent.claim])
    response = ClaimResponse.model_validate_json(
        claim_response(sent, result, namespace=ns, insurer=insurer, created=created))
    total = _amounts(response.total)
    fen = {k: int(v * 100) for k, v in total.items()}
    assert fen == {"submitted": result.billed, "eligible": result.eligible, "deductible": result.deductible,
                   "benefit": result.fund}
    assert (result.billed, result.eligible) == (2 * 12550 + 4000, 2 * 12550 + 3000)  # XP01 capped at 30.00
    assert response.item[1].adjudication[1].reason.coding[0].code == "PRICE_CAPPED"
    assert response.outcome == "complete" and response.request.identifier.value == "0x" + cid.hex()
    assert _amounts(pre_response.total) == total  # the pre-check's answer was the submission's


def test_fhir_json_writes_money_as_the_exact_decimal() -> None:
    from yibao.serve.fhir_claims import fhir_json

    doc = {"a": money(12_345), "b": [money(0), money(7)], "c": {"d": Decimal("-0.50")}, "t": "中文\u00001.5\u0000"}
    text = fhir_json(doc)
    assert '"value":123.45' in text and '"value":0.00' in text and '"value":0.07' in text and '"d":-0.50' in text
    assert json.loads(text, parse_float=Decimal)["a"]["value"] == Decimal("123.45")
    assert json.loads(text)["t"] == "中文\u00001.5\u0000"  # a text stays text, whatever it holds
    with pytest.raises(TypeError):
        fhir_json({"x": Decimal("NaN")})
    with pytest.raises(TypeError):
        fhir_json({"x": 1.5j})
