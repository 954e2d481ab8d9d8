"""The service's first endpoints (issue 16): sign-in with Ethereum, then a hospital's FHIR Claim
pre-checked (nothing recorded) and submitted, answered with its ClaimResponse; every refusal a
clear HTTP error (a JSON body on /auth, an OperationOutcome on /fhir) with nothing changed."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct
from fastapi.testclient import TestClient
from fhir.resources.R4B.claimresponse import ClaimResponse
from fhir.resources.R4B.operationoutcome import OperationOutcome
from test_fhir_claims import chain_claim
from yibao.chain import dev_account
from yibao.client import claim_id_of
from yibao.client.batches import stored_claim
from yibao.serve.app import create_app
from yibao.serve.context import ServeContext


class Clock:
    def __init__(self) -> None:
        self.t = dt.datetime(2026, 12, 3, 8, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.t


@pytest.fixture
def service(fhir_world: Any) -> tuple[TestClient, Any, Clock]:
    clock = Clock()
    keys = {fhir_world.hospital.address: fhir_world.hospital}
    ctx = ServeContext(fhir_world.ledger, keys.get, lambda national_id: fhir_world.person, now=clock)
    return TestClient(create_app(ctx)), fhir_world, clock


def sign_in(client: TestClient, account: Any, *, signer: Any = None) -> Any:
    msg = client.get("/auth/challenge", params={"address": account.address}).json()["message"]
    sig = Account.sign_message(encode_defunct(text=msg), (signer or account).key).signature.hex()
    return client.post("/auth/session", json={"message": msg, "signature": "0x" + sig.removeprefix("0x")})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_hospital_signs_in_prechecks_and_submits(service: tuple[TestClient, Any, Clock]) -> None:
    client, w, _ = service
    r = sign_in(client, w.hospital)
    assert r.status_code == 200 and r.json()["account"] == w.hospital.address
    token = r.json()["token"]
    cid = claim_id_of(w.hospital.address, "INV-20260302-7")

    pre = client.post("/fhir/Claim", content=json.dumps(chain_claim(w, use="preauthorization")),
                      headers=bearer(token))
    assert pre.status_code == 200 and pre.headers["content-type"].startswith("application/fhir+json")
    assert ClaimResponse.model_validate_json(pre.text).use == "preauthorization"
    assert stored_claim(w.ledger, cid) is None

    sent = client.post("/fhir/Claim", content=json.dumps(chain_claim(w)), headers=bearer(token))
    assert sent.status_code == 200, sent.text
    response = ClaimResponse.model_validate_json(sent.text)
    assert response.outcome == "complete" and response.request.identifier.value == "0x" + cid.hex()
    assert stored_claim(w.ledger, cid) is not None
    again = client.post("/fhir/Claim", content=json.dumps(chain_claim(w)), headers=bearer(token))
    assert ClaimResponse.model_validate_json(again.text).error[0].code.coding[0].code == "DUPLICATE"


def _outcome(r: Any, status: int, code: str) -> str:
    assert r.status_code == status, r.text
    issue = OperationOutcome.model_validate_json(r.text).issue[0]
    assert issue.code == code and "\n" not in issue.diagnostics
    return str(issue.diagnostics)


def test_fhir_refusals_change_nothing(service: tuple[TestClient, Any, Clock]) -> None:
    client, w, clock = service
    cid = claim_id_of(w.hospital.address, "INV-20260302-7")
    body = json.dumps(chain_claim(w))
    assert "not signed in" in _outcome(client.post("/fhir/Claim", content=body), 401, "login")
    assert "not signed in" in _outcome(client.post("/fhir/Claim", content=body, headers=bearer("forged")), 401, "login")
    token = sign_in(client, w.hospital).json()["token"]
    bad = chain_claim(w, status="draft")
    assert _outcome(client.post("/fhir/Claim", content=json.dumps(bad), headers=bearer(token)), 400,
                    "invalid").startswith("Claim.status: ")
    assert "Claim" in _outcome(client.post("/fhir/Claim", content=b"{not json", headers=bearer(token)), 400, "invalid")
    other = dev_account(9)
    other_token = sign_in(client, other).json()["token"]
    assert "not the signed-in" in _outcome(client.post("/fhir/Claim", content=body, headers=bearer(other_token)),
                                           403, "forbidden")
    other_urn = f"urn:ethereum:{w.ledger.chain.chain_id}:{other.address}"
    as_other = chain_claim(w, provider={"identifier": {"system": "urn:ietf:rfc:3986", "value": other_urn}})
    assert "holds no key" in _outcome(client.post("/fhir/Claim", content=json.dumps(as_other),
                                                  headers=bearer(other_token)), 403, "forbidden")
    clock.t += dt.timedelta(hours=8)  # the session's lifetime
    assert "expired" in _outcome(client.post("/fhir/Claim", content=body, headers=bearer(token)), 401, "login")
    assert stored_claim(w.ledger, cid) is None


def test_a_ledger_refusal_is_an_operation_outcome(service: tuple[TestClient, Any, Clock]) -> None:
    client, w, _ = service
    token = sign_in(client, w.hospital).json()["token"]
    ns = w.namespace
    unknown = chain_claim(w, item=[{"sequence": 1, "productOrService": {
        "coding": [{"system": f"{ns}:catalogue", "code": "X" * 33}]}, "quantity": {"value": 1},
        "unitPrice": {"value": 1, "currency": "CNY"}}])
    r = client.post("/fhir/Claim", content=json.dumps(unknown), headers=bearer(token))
    assert r.status_code in (400, 422) and OperationOutcome.model_validate_json(r.text).issue


def test_sign_in_refusals(service: tuple[TestClient, Any, Clock]) -> None:
    client, w, clock = service
    r = client.get("/auth/challenge", params={"address": "0x12"})
    assert r.status_code == 400 and r.json()["error"] == "InputError"
    forged = sign_in(client, w.hospital, signer=dev_account(8))
    assert forged.status_code == 401 and "signed by" in forged.json()["message"]
    msg = client.get("/auth/challenge", params={"address": w.hospital.address}).json()["message"]
    sig = "0x" + Account.sign_message(encode_defunct(text=msg), w.hospital.key).signature.hex().removeprefix("0x")
    clock.t += dt.timedelta(minutes=10)
    late = client.post("/auth/session", json={"message": msg, "signature": sig})
    assert late.status_code == 401 and "expired" in late.json()["message"]
    clock.t -= dt.timedelta(minutes=10)
    replay = client.post("/auth/session", json={"message": msg, "signature": sig})  # its nonce was used
    assert replay.status_code == 401 and "not a nonce this server gave" in replay.json()["message"]
    assert client.post("/auth/session", json={"message": 5}).status_code == 400


def test_an_unknown_patient_is_the_ledgers_decision(service: tuple[TestClient, Any, Clock]) -> None:
    """adjudication.md decides a claim for nobody enrolled: REJECTED, NOT_ENROLLED. The service
    answers that decision (outcome ``error``, the reason in ``error.code``), it does not hide it
    behind an HTTP error; the pre-check says the same and records nothing."""
    client, w, _ = service
    token = sign_in(client, w.hospital).json()["token"]
    nobody = {"identifier": {"system": f"{w.namespace}:person", "value": "0x" + "ab" * 32}}
    for use in ("preauthorization", "claim"):
        r = client.post("/fhir/Claim", content=json.dumps(chain_claim(w, patient=nobody, use=use)),
                        headers=bearer(token))
        assert r.status_code == 200, r.text
        response = ClaimResponse.model_validate_json(r.text)
        assert response.outcome == "error" and response.error[0].code.coding[0].code == "NOT_ENROLLED"


def test_a_body_over_the_limit_is_413_and_read_no_further(service: tuple[TestClient, Any, Clock]) -> None:
    from yibao.serve.app import BODY_LIMIT

    client, w, _ = service
    token = sign_in(client, w.hospital).json()["token"]
    big = b"{" + b" " * BODY_LIMIT + b"}"
    r = client.post("/fhir", content=big, headers=bearer(token))
    assert r.status_code == 413 and OperationOutcome.model_validate_json(r.text).issue[0].code == "too-costly"

    def streamed() -> Any:  # no Content-Length: counted as it comes
        for _ in range(BODY_LIMIT // 65_536 + 2):
            yield b" " * 65_536

    r = client.post("/fhir/Claim", content=streamed(), headers=bearer(token))
    assert r.status_code == 413
    r = client.post("/auth/session", content=big, headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and r.json()["error"] == "TooLarge"
