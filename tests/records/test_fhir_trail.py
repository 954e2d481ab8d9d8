"""The FHIR R4B views of a whole patient's-side story on chain (embedded and anvil): a record
kept by its hospital, the patient grants a doctor one record and a reviewer every record, the
doctor reads, a regulator reads under an open case, the patient revokes the doctor's consent.
The trail becomes AuditEvents and the consents Consents that the library parses back, with the
right codes, identifiers and states — and no record text and no national ID anywhere."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from afterworld import D0, HOSP, OP_A, REG_A, World, restored
from eth_account.signers.local import LocalAccount
from fhir.resources.R4B.auditevent import AuditEvent
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.consent import Consent
from recordworld import DOCTOR, NOTE, PATIENT, build_records_base
from yibao.chain import dev_account
from yibao.cli.consents import consents_of
from yibao.client.records import AccessRequest
from yibao.model.types import AccessBasis, CaseSource, Purpose
from yibao.records import fhir, service
from yibao.records.secrets import EncryptionSecrets
from yibao.records.store import FolderStore

REVIEWER = dev_account(8)  # STRANGER in afterworld: any account may be a grantee
NATIONAL_ID = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")


@pytest.fixture(scope="module", params=["embedded", pytest.param("anvil", marks=pytest.mark.anvil)])
def base(request: pytest.FixtureRequest) -> Iterator[World]:
    yield from build_records_base(request)


@pytest.fixture
def w(base: World) -> Iterator[World]:
    yield from restored(base)


class Story:
    """The story told once per test: what happened, and the FHIR resources of it."""

    def __init__(self, w: World, tmp: Path) -> None:
        self.w = w
        store, secrets = FolderStore(tmp / "store"), EncryptionSecrets(tmp)
        hosp = w.as_(HOSP)
        self.record, _, _ = service.put_record(hosp, store, secrets, w.p_home, NOTE)
        relay = w.as_(OP_A)
        service.ensure_encryption_key(relay, secrets, PATIENT)
        self.until = D0 + dt.timedelta(days=30)
        self.doctor_consent, _ = relay.grant_consent(PATIENT, w.p_home, DOCTOR.address, self.record,
                                                     Purpose.TREATMENT, self.until)
        self.review_consent, _ = relay.grant_consent(PATIENT, w.p_home, REVIEWER.address, None,
                                                     Purpose.CLAIM_REVIEW, D0 + dt.timedelta(days=60))

        def read(reader: LocalAccount, purpose: Purpose, basis: AccessBasis, basis_id: int,
                 claim_id: bytes = bytes(32)) -> None:
            request = AccessRequest(self.record, reader.address, purpose, basis, basis_id, claim_id)
            plain, _ = service.read_record(w.as_(reader), hosp, store, secrets, request)
            assert plain == NOTE

        read(DOCTOR, Purpose.TREATMENT, AccessBasis.CONSENT, self.doctor_consent)
        self.claim = w.claim(w.p_home, 2_000)
        self.case, _ = w.as_(REG_A).open_case(HOSP.address, [self.claim], CaseSource.LEAD, b"\x01" * 32)
        read(REG_A, Purpose.SUPERVISION, AccessBasis.CASE, self.case, self.claim)
        relay.revoke_consent(PATIENT, self.doctor_consent)
        self.ledger = w.ledger
        self.chain_id = w.chain.chain_id
        self.trail = service.trail(w.ledger, w.p_home)
        self.events = fhir.audit_events(w.ledger, w.p_home)
        self.consents = [fhir.consent(c, ledger_address=w.ledger.address, chain_id=self.chain_id)
                         for c in consents_of(w.ledger, w.p_home)]
        self.bundle = fhir.bundle([*self.events, *self.consents])

    def account(self, address: str) -> str:
        return f"urn:ietf:rfc:3986|urn:ethereum:{self.chain_id}:{address}"

    def system(self, kind: str) -> str:
        return f"urn:ethereum:{self.chain_id}:{self.ledger.address}:{kind}"


@pytest.fixture
def story(w: World, tmp_path: Path) -> Story:
    return Story(w, tmp_path)


def _ident(identifier: Any) -> str:
    return f"{identifier.system}|{identifier.value}"


def test_the_trail_becomes_audit_events_that_parse_back(story: Story) -> None:
    assert [(r["reader"], r["basis"]) for r in story.trail] == [(DOCTOR.address, "CONSENT"), (REG_A.address, "CASE")]
    parsed = [AuditEvent.model_validate(e) for e in story.events]
    for event, row, purpose, basis in zip(parsed, story.trail, ("TREAT", "HCOMPL"),
                                          (f"CONSENT:{story.doctor_consent}", f"CASE:{story.case}"), strict=True):
        assert event.recorded.isoformat() == row["time"] and row["time"].endswith("+08:00")
        assert (event.type.code, event.action, event.outcome) == ("110110", "R", "0")
        assert [c.code for c in event.purposeOfEvent[0].coding] == [purpose]
        reader, custodian = event.agent
        assert (_ident(reader.who.identifier), reader.requestor) == (story.account(row["reader"]), True)
        assert [c.code for c in reader.purposeOfUse[0].coding] == [purpose]
        assert reader.policy == [f"{story.system('basis')}:{basis}"]
        assert (_ident(custodian.who.identifier), custodian.requestor) == (story.account(HOSP.address), False)
        assert _ident(event.source.observer.identifier) == story.account(story.ledger.address)
        record, patient, allowed, served = event.entity
        assert _ident(record.what.identifier) == f"{story.system('record')}|{story.record}"
        assert {d.type: d.valueString for d in record.detail}["version"] == "1"
        assert _ident(patient.what.identifier) == f"{story.system('person')}|0x{story.w.p_home.hex()}"
        assert allowed.what.identifier.value == basis.split(":")[1]
        assert allowed.what.identifier.system == story.system(basis.split(":")[0].lower())
        assert served.what.identifier.value == row["tx"]
        details = {d.type: d.valueString for d in served.detail}
        assert (details["block"], details["access"], details["tx"]) == (str(row["block"]), str(row["access"]),
                                                                         row["tx"])


def test_the_consents_become_consents_active_and_revoked(story: Story) -> None:
    by_id = {int(c.identifier[0].value): c for c in (Consent.model_validate(x) for x in story.consents)}
    doctor, review = by_id[story.doctor_consent], by_id[story.review_consent]
    assert (doctor.status, review.status) == ("inactive", "active")
    assert doctor.extension[0].valueDate == D0  # revoked the day it was granted, on chain's today
    assert "revoked on 2026-03-02" in doctor.text.div
    assert review.extension is None and "; active." in review.text.div
    assert (doctor.provision.type, doctor.provision.period.end.isoformat()) == ("permit", story.until.isoformat())
    assert review.provision.period.end.isoformat() == (D0 + dt.timedelta(days=60)).isoformat()
    assert [c.code for c in doctor.provision.purpose] == ["TREAT"]
    assert [c.code for c in review.provision.purpose] == ["CLMATTCH"]
    assert _ident(doctor.provision.actor[0].reference.identifier) == story.account(DOCTOR.address)
    assert _ident(review.provision.actor[0].reference.identifier) == story.account(REVIEWER.address)
    assert _ident(doctor.provision.data[0].reference.identifier) == f"{story.system('record')}|{story.record}"
    assert review.provision.data is None  # every record of the patient's
    assert doctor.scope.coding[0].code == "patient-privacy"
    assert _ident(doctor.patient.identifier) == f"{story.system('person')}|0x{story.w.p_home.hex()}"
    # the ConsentInfo itself gives the same resource as its JSON (what consents_of lists)
    info = story.ledger.consent_info(story.doctor_consent)
    assert fhir.consent(info, ledger_address=story.ledger.address, chain_id=story.chain_id) in story.consents


def test_the_bundle_holds_them_all_and_nothing_private(story: Story) -> None:
    parsed = Bundle.model_validate(story.bundle)
    assert parsed.type == "collection"
    assert [e.resource.get_resource_type() for e in parsed.entry] == ["AuditEvent"] * 2 + ["Consent"] * 2
    assert all(e.fullUrl == f"urn:uuid:{e.resource.id}" for e in parsed.entry)
    text = json.dumps(story.bundle, ensure_ascii=False)
    assert not NATIONAL_ID.search(text)
    note = NOTE.decode()
    for piece in (note, "急性支气管炎", "阿莫西林", NOTE.hex()):
        assert piece not in text
    # the same story exports the same resources (ids are UUID 5 of the ledger's names)
    assert fhir.audit_events(story.ledger, story.w.p_home, story.trail) == story.events
