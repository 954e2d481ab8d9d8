"""The FHIR views from hand-made rows, no chain: every purpose has its PurposeOfUse, a row or a
consent the mapping cannot take is a one-line InputError (never a pydantic traceback), and a
document the library refuses is one too."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import pytest
from fhir.resources.R4B.auditevent import AuditEvent
from fhir.resources.R4B.consent import Consent
from pydantic import ValidationError

from yibao.client.records import ConsentInfo
from yibao.errors import InputError
from yibao.model.types import Purpose
from yibao.records import fhir

LEDGER = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
READER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
HOSPITAL = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"
PERSON = hashlib.sha256(b"home").digest()
ROW = {"access": 4, "record": 2, "reader": READER, "version": 3, "purpose": "EMERGENCY", "basis": "EMERGENCY",
       "basis_id": None, "time": "2026-03-02T12:01:00+08:00", "block": 41, "tx": "0x" + "ab" * 32}
WHERE = {"ledger_address": LEDGER, "chain_id": 31337}


def event(**changes: Any) -> dict[str, Any]:
    return fhir.audit_event({**ROW, **changes}, **WHERE, person=PERSON, custodian=HOSPITAL)


def refusal(fn: Any) -> str:
    with pytest.raises(InputError) as info:
        fn()
    assert not isinstance(info.value, ValidationError) and info.value.__cause__ is None
    message = str(info.value)
    assert message and "\n" not in message
    return message


def test_every_purpose_has_a_purpose_of_use() -> None:
    assert set(fhir.PURPOSE_OF_USE) == set(Purpose.__members__)
    codes = {p: fhir.purpose_of_use(p)["coding"][0]["code"] for p in Purpose.__members__}
    assert codes == {"TREATMENT": "TREAT", "CLAIM_REVIEW": "CLMATTCH", "SUPERVISION": "HCOMPL",
                     "EMERGENCY": "ETREAT", "PERSONAL": "PATRQT", "RESEARCH": "HRESCH"}


def test_an_emergency_read_without_a_basis_id() -> None:
    parsed = AuditEvent.model_validate(event())
    assert [c.code for c in parsed.purposeOfEvent[0].coding] == ["ETREAT"]
    assert parsed.agent[0].policy == [f"urn:ethereum:31337:{LEDGER}:basis:EMERGENCY"]
    assert [e.name for e in parsed.entity] == ["record 2", None, "RecordServed"]  # no basis entity
    assert parsed.recorded.isoformat() == ROW["time"]


def test_a_bad_purpose_is_one_line() -> None:
    assert "purpose 'MARKETING'" in refusal(lambda: event(purpose="MARKETING"))
    assert "purpose 'X'" in refusal(lambda: fhir.purpose_of_use("X"))


@pytest.mark.parametrize(("changes", "says"), [
    ({"basis": "FRIEND"}, "basis 'FRIEND'"),
    ({"time": "yesterday"}, "not an ISO date-time"),
    ({"time": "2026-03-02T12:01:00"}, "no UTC offset"),
    ({"reader": "0x1234"}, "not an 0x address"),
    ({"tx": "0xabc"}, "tx '0xabc' is not 0x hex"),
    ({"tx": "0x" + "ab" * 20}, "not an 0x transaction hash"),
    ({"record": "two"}, "record 'two'"),
])
def test_a_bad_row_is_one_line(changes: dict[str, Any], says: str) -> None:
    assert says in refusal(lambda: event(**changes))


def test_a_row_missing_a_key_names_it() -> None:
    row = {k: v for k, v in ROW.items() if k != "tx"}
    assert "lacks tx" in refusal(lambda: fhir.audit_event(row, **WHERE, person=PERSON, custodian=HOSPITAL))
    assert "pseudonym" in refusal(lambda: fhir.audit_event(ROW, **WHERE, person=b"short", custodian=HOSPITAL))


def test_a_consent_from_its_json_or_its_info() -> None:
    info = ConsentInfo(7, PERSON, READER, None, Purpose.RESEARCH, dt.date(2026, 3, 2), dt.date(2027, 3, 1), None,
                       True)
    doc = fhir.consent(info, **WHERE)
    assert fhir.consent(info.to_json(), **WHERE) == doc
    parsed = Consent.model_validate(doc)
    assert (parsed.status, parsed.provision.period.end.isoformat()) == ("active", "2027-03-01")
    assert [c.code for c in parsed.provision.purpose] == ["HRESCH"] and parsed.provision.data is None
    assert "purpose" in refusal(lambda: fhir.consent({**info.to_json(), "purpose": "SUPERVISE"}, **WHERE))
    assert "granted_on" in refusal(lambda: fhir.consent({k: v for k, v in info.to_json().items()
                                                         if k != "granted_on"}, **WHERE))


def test_what_the_library_refuses_is_one_line_too() -> None:
    message = refusal(lambda: fhir.bundle([{"resourceType": "AuditEvent", "recorded": "not a time"}]))
    assert "not a valid FHIR R4B Bundle" in message
