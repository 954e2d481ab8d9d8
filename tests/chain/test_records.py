"""The patient's side on chain and off (docs/rules/records.md): a record kept by its custodian,
a consent granted and revoked by the patient's signature, a doctor, a regulator under a case
and an emergency reading it, the trail that shows exactly those reads, rotation, tampering and
swapping caught by name, the patient's feedback on a claim. Embedded chain and anvil."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from afterworld import D0, HOSP, OP_A, OP_B, REG_A, REG_B, STRANGER, World, refused, restored
from eth_account.signers.local import LocalAccount
from recordworld import DOCTOR, NOTE, PATIENT, build_records_base
from web3 import Web3
from yibao.chain import dev_account
from yibao.client import Ledger
from yibao.client.records import AccessRequest
from yibao.errors import RecordTampered
from yibao.model.types import AccessBasis, AlertKind, CaseSource, Feedback, Purpose
from yibao.records import service
from yibao.records.secrets import EncryptionSecrets
from yibao.records.store import FolderStore
from yibao.units import noon_cst

cs = Web3.to_checksum_address


@pytest.fixture(scope="module", params=["embedded", pytest.param("anvil", marks=pytest.mark.anvil)])
def base(request: pytest.FixtureRequest) -> Iterator[World]:
    yield from build_records_base(request)


@pytest.fixture
def w(base: World) -> Iterator[World]:
    yield from restored(base)


class Parties:
    """The world with a store, the home's encryption secrets and one record of the patient's."""

    def __init__(self, w: World, tmp: Path) -> None:
        self.w = w
        self.store = FolderStore(tmp / "store")
        self.secrets = EncryptionSecrets(tmp)
        self.hosp = w.as_(HOSP)
        self.record, self.digest, _ = service.put_record(self.hosp, self.store, self.secrets, w.p_home, NOTE)

    def read(self, reader: LocalAccount | Ledger, purpose: Purpose, basis: AccessBasis, basis_id: int = 0,
             claim_id: bytes = bytes(32), record: int | None = None) -> bytes:
        ledger = reader if isinstance(reader, Ledger) else self.w.as_(reader)
        request = AccessRequest(record or self.record, ledger.signer.address, purpose, basis, basis_id, claim_id)
        plain, _ = service.read_record(ledger, self.hosp, self.store, self.secrets, request)
        return plain

    def relayed_patient(self) -> Ledger:
        """The patient's key, its requests relayed by the operator (the app has no gas)."""
        service.ensure_encryption_key(self.w.as_(OP_A), self.secrets, PATIENT)
        return self.w.as_(OP_A)


@pytest.fixture
def p(w: World, tmp_path: Path) -> Parties:
    return Parties(w, tmp_path)


def test_a_consented_doctor_reads_then_revocation_stops_it_at_once(p: Parties) -> None:
    relay = p.relayed_patient()
    until = D0 + dt.timedelta(days=30)
    consent, tx = relay.grant_consent(PATIENT, p.w.p_home, DOCTOR.address, p.record, Purpose.TREATMENT, until)
    (g,) = tx.named("ConsentGranted")
    assert (g["person"], cs(g["grantee"]), cs(g["relayer"])) == (p.w.p_home, DOCTOR.address, OP_A.address)
    assert p.read(DOCTOR, Purpose.TREATMENT, AccessBasis.CONSENT, consent) == NOTE
    info = p.w.ledger.consent_info(consent)
    assert (info.active, info.record, info.not_after) == (True, p.record, until)
    relay.revoke_consent(PATIENT, consent)
    assert p.w.ledger.consent_info(consent).active is False
    before = p.w.ledger.access_count()
    refused("ConsentInactive", lambda: p.read(DOCTOR, Purpose.TREATMENT, AccessBasis.CONSENT, consent))
    assert p.w.ledger.access_count() == before  # nothing served, nothing recorded
    refused("ConsentInactive", lambda: relay.revoke_consent(PATIENT, consent))


def test_a_consent_ends_after_its_last_day_and_fits_only_its_grant(p: Parties) -> None:
    relay = p.relayed_patient()
    every, _ = relay.grant_consent(PATIENT, p.w.p_home, DOCTOR.address, None, Purpose.CLAIM_REVIEW,
                                   D0 + dt.timedelta(days=2))
    second, _, _ = service.put_record(p.hosp, p.store, p.secrets, p.w.p_home, b"later record")
    assert p.read(DOCTOR, Purpose.CLAIM_REVIEW, AccessBasis.CONSENT, every, record=second) == b"later record"
    refused("ConsentMismatch", lambda: p.read(DOCTOR, Purpose.TREATMENT, AccessBasis.CONSENT, every))
    refused("ConsentMismatch", lambda: p.read(REG_A, Purpose.CLAIM_REVIEW, AccessBasis.CONSENT, every))
    p.w.chain.set_next_timestamp(noon_cst(D0 + dt.timedelta(days=3)))  # views see the day too
    assert p.w.ledger.consent_info(every).active is False
    refused("ConsentInactive", lambda: p.read(DOCTOR, Purpose.CLAIM_REVIEW, AccessBasis.CONSENT, every))


def test_a_regulator_reads_under_an_open_case_naming_the_persons_claim(p: Parties) -> None:
    mine, other = p.w.claim(p.w.p_home, 2_000), p.w.claim(p.w.p_away, 2_000)
    case_id, _ = p.w.as_(REG_A).open_case(HOSP.address, [mine, other], CaseSource.LEAD, b"\x01" * 32)
    assert p.read(REG_A, Purpose.SUPERVISION, AccessBasis.CASE, case_id, mine) == NOTE
    refused("CaseBasisInvalid", lambda: p.read(REG_A, Purpose.SUPERVISION, AccessBasis.CASE, case_id, other))
    refused("CaseBasisInvalid", lambda: p.read(REG_B, Purpose.SUPERVISION, AccessBasis.CASE, case_id, mine))
    refused("BasisInvalid", lambda: p.read(REG_A, Purpose.TREATMENT, AccessBasis.CASE, case_id, mine))
    p.w.as_(REG_A).add_finding(case_id, [mine], "PHANTOM", b"\x02" * 32)
    p.w.as_(REG_A).close_case(case_id)  # no violation: the case closes
    refused("CaseBasisInvalid", lambda: p.read(REG_A, Purpose.SUPERVISION, AccessBasis.CASE, case_id, mine))


def test_emergency_access_is_time_boxed_logged_and_alerted(p: Parties) -> None:
    doctor = p.w.as_(DOCTOR)
    refused("EmergencyNotDeclared", lambda: p.read(doctor, Purpose.EMERGENCY, AccessBasis.EMERGENCY))
    tx = doctor.declare_emergency(p.w.p_home, "ER_UNCONSCIOUS")
    (alert,) = tx.named("Alert")
    assert (alert["claimId"], alert["kind"], cs(alert["institution"])) == (p.w.p_home, AlertKind.EMERGENCY_ACCESS,
                                                                       DOCTOR.address)
    assert p.read(doctor, Purpose.EMERGENCY, AccessBasis.EMERGENCY) == NOTE
    p.w.chain.set_next_timestamp(p.w.chain.timestamp() + 24 * 3600)
    refused("EmergencyNotDeclared", lambda: p.read(doctor, Purpose.EMERGENCY, AccessBasis.EMERGENCY))
    refused("InstitutionUnknown", lambda: p.w.as_(STRANGER).declare_emergency(p.w.p_home, "ER"))


def test_the_trail_is_every_served_access_and_nothing_else(p: Parties) -> None:
    relay = p.relayed_patient()
    consent, _ = relay.grant_consent(PATIENT, p.w.p_home, DOCTOR.address, p.record, Purpose.TREATMENT,
                                     D0 + dt.timedelta(days=9))
    p.read(DOCTOR, Purpose.TREATMENT, AccessBasis.CONSENT, consent)
    p.read(HOSP, Purpose.TREATMENT, AccessBasis.CUSTODIAN)
    refused("ConsentMismatch", lambda: p.read(REG_A, Purpose.TREATMENT, AccessBasis.CONSENT, consent))
    refused("ReaderMismatch", lambda: p.read(DOCTOR, Purpose.PERSONAL, AccessBasis.SELF))
    p.w.chain.set_clock(p.w.chain.timestamp() + 60)
    patient = Ledger.open(p.w.chain, p.w.ledger.manifest)  # the patient's app: a key, no gas, no sender
    request = AccessRequest(p.record, PATIENT.address, Purpose.PERSONAL, AccessBasis.SELF)
    signed, signature = patient.sign_access(PATIENT, request)
    served = service.serve(p.hosp, p.store, p.secrets, signed, signature)
    assert service.open_served(p.secrets, PATIENT.address, served) == NOTE
    rows = service.trail(p.w.ledger, p.w.p_home)
    assert [(r["reader"], r["basis"], r["purpose"]) for r in rows] == [
        (DOCTOR.address, "CONSENT", "TREATMENT"), (HOSP.address, "CUSTODIAN", "TREATMENT"),
        (PATIENT.address, "SELF", "PERSONAL")]
    assert service.trail(p.w.ledger, p.w.p_away) == []


def test_tampered_and_swapped_envelopes_fail_by_name(p: Parties) -> None:
    other, other_digest, _ = service.put_record(p.hosp, p.store, p.secrets, p.w.p_home, b"another record")
    envelope = p.store.get(p.digest)
    assert service.verify(p.w.ledger, p.record, envelope)["verified"] is True
    bad = envelope[:-1] + bytes([envelope[-1] ^ 1])
    with pytest.raises(RecordTampered, match="no record registered"):
        service.verify(p.w.ledger, p.record, bad)
    with pytest.raises(RecordTampered, match=f"version 1 of record {other}, another record"):
        service.verify(p.w.ledger, p.record, p.store.get(other_digest))
    (p.store.folder / f"{p.digest.hex()}.rec").write_bytes(p.store.get(other_digest))  # swapped in the store
    before = p.w.ledger.access_count()
    with pytest.raises(RecordTampered, match="not version 1 registered"):
        p.read(HOSP, Purpose.TREATMENT, AccessBasis.CUSTODIAN)
    assert p.w.ledger.access_count() == before


def test_rotation_retires_the_old_envelope(p: Parties) -> None:
    old = p.store.get(p.digest)
    tx = service.rotate(p.hosp, p.store, p.secrets, p.record)
    (r,) = tx.named("RecordRotated")
    assert r["version"] == 2
    with pytest.raises(RecordTampered, match=f"version 1 of record {p.record}, retired"):
        service.verify(p.w.ledger, p.record, old)
    assert not (p.store.folder / f"{p.digest.hex()}.rec").exists()
    assert p.read(HOSP, Purpose.TREATMENT, AccessBasis.CUSTODIAN) == NOTE
    assert p.w.ledger.record_of_hash(p.digest) == (p.record, 1)
    refused("NotCustodian", lambda: p.w.as_(DOCTOR).rotate_record(p.record, b"\x09" * 32, b"\x00" * 80))


def test_the_patient_disputes_a_claim_once_and_the_regulator_is_alerted(p: Parties) -> None:
    claim = p.w.claim(p.w.p_home, 2_000)
    away = p.w.claim(p.w.p_away, 2_000)
    relay = p.relayed_patient()
    refused("NotPatient", lambda: relay.give_feedback(PATIENT, away, Feedback.NOT_RECEIVED))
    refused("NotPatient", lambda: relay.give_feedback(STRANGER, claim, Feedback.NOT_RECEIVED))
    tx = relay.give_feedback(PATIENT, claim, Feedback.NOT_AS_BILLED)
    (alert,) = tx.named("Alert")
    assert (alert["claimId"], alert["kind"]) == (claim, AlertKind.PATIENT_DISPUTE)
    assert cs(alert["institution"]) == HOSP.address
    assert p.w.ledger.feedback_of(claim) is Feedback.NOT_AS_BILLED
    refused("FeedbackInvalid", lambda: relay.give_feedback(PATIENT, claim, Feedback.CONFIRMED))
    refused("ClaimUnknown", lambda: relay.give_feedback(PATIENT, b"\x07" * 32, Feedback.CONFIRMED))


def test_signatures_are_the_signers_and_wallets_belong_to_one_person(p: Parties) -> None:
    relay = p.relayed_patient()
    refused("SignatureInvalid", lambda: relay.grant_consent(STRANGER, p.w.p_home, DOCTOR.address, p.record,
                                                            Purpose.TREATMENT, D0))
    refused("ConsentInvalid", lambda: relay.grant_consent(PATIENT, p.w.p_home, PATIENT.address, p.record,
                                                          Purpose.TREATMENT, D0))
    refused("PurposeInvalid", lambda: relay.grant_consent(PATIENT, p.w.p_home, DOCTOR.address, p.record,
                                                          Purpose.SUPERVISION, D0))
    refused("NotPatient", lambda: relay.grant_consent(PATIENT, p.w.p_away, DOCTOR.address, None,
                                                      Purpose.TREATMENT, D0))
    refused("WalletBound", lambda: p.w.as_(OP_B).set_person_wallet(p.w.p_away, PATIENT.address))
    assert p.w.ledger.person_of_wallet(PATIENT.address) == p.w.p_home
    p.w.as_(OP_A).set_person_wallet(p.w.p_home, None)
    assert p.w.ledger.person_of_wallet(PATIENT.address) is None
    refused("NotPatient", lambda: relay.grant_consent(PATIENT, p.w.p_home, DOCTOR.address, None,
                                                      Purpose.TREATMENT, D0))


# ====================================================================== every role × every step

ROLES = {"admin": dev_account(0), "regulator A": REG_A, "regulator B": REG_B, "operator A": OP_A, "hospital": HOSP,
         "doctor": DOCTOR, "stranger": STRANGER, "patient": PATIENT}
#: step → (who may send it, or sign it where the step is a signed request; the error anyone else meets)
STEPS = {
    "setEncryptionKey (the doctor's, unsigned)": ({"doctor"}, "SignatureInvalid"),
    "putRecord": ({"hospital", "doctor"}, "InstitutionUnknown"),
    "rotateRecord": ({"hospital"}, "NotCustodian"),
    "grantConsent (signer)": ({"patient"}, "SignatureInvalid"),
    "revokeConsent (signer)": ({"patient"}, "SignatureInvalid"),
    "giveFeedback (signer)": ({"patient"}, "NotPatient"),
    "declareEmergency": ({"hospital", "doctor"}, "InstitutionUnknown"),
    "serveRecord (sender)": ({"hospital"}, "NotCustodian"),
}


def _attempt(p: Parties, step: str, who: LocalAccount) -> None:
    """Take ``step`` as ``who`` (its sender, or its signer relayed by the operator)."""
    relay = p.w.as_(OP_A)
    if step.startswith("setEncryptionKey"):
        p.w.as_(who).transact("setEncryptionKey", DOCTOR.address, b"\x01" * 32, 2**63, b"")
    elif step == "putRecord":
        p.w.as_(who).put_record(p.w.p_home, bytes([7]) * 32, b"\x00" * 80)
    elif step == "rotateRecord":
        p.w.as_(who).rotate_record(p.record, bytes([8]) * 32, b"\x00" * 80)
    elif step.startswith("grantConsent"):
        relay.grant_consent(who, p.w.p_home, DOCTOR.address, p.record, Purpose.TREATMENT, D0)
    elif step.startswith("revokeConsent"):
        relay.revoke_consent(who, 1)
    elif step.startswith("giveFeedback"):
        relay.give_feedback(who, p.claim, Feedback.CONFIRMED)
    elif step == "declareEmergency":
        p.w.as_(who).declare_emergency(p.w.p_home, "ER")
    else:
        request = AccessRequest(p.record, PATIENT.address, Purpose.PERSONAL, AccessBasis.SELF)
        signed, signature = p.w.ledger.sign_access(PATIENT, request)
        p.w.as_(who).serve_record(signed, signature, b"\x00" * 80)


def test_every_role_at_every_step(p: Parties) -> None:
    """Each step of IRecords taken by each role (as sender, or as the signer of a relayed
    request): allowed exactly for those the rules name, refused by name for everyone else."""
    if p.w.chain.kind != "embedded":
        pytest.skip("the role matrix runs on the embedded chain (the steps are the same bytes on anvil)")
    for acct in (DOCTOR,):
        service.ensure_encryption_key(p.w.as_(acct), p.secrets, acct)
    p.relayed_patient()
    p.relayed_patient().grant_consent(PATIENT, p.w.p_home, DOCTOR.address, p.record, Purpose.TREATMENT, D0)
    p.claim = p.w.claim(p.w.p_home, 2_000)
    for acct in ROLES.values():
        p.w.chain.fund(acct.address)
    for step, (allowed, error) in STEPS.items():
        for who, acct in ROLES.items():
            snap = p.w.chain.snapshot()
            try:
                if who in allowed:
                    _attempt(p, step, acct)
                else:
                    refused(error, lambda s=step, a=acct: _attempt(p, s, a))
            except AssertionError as exc:
                raise AssertionError(f"{step} by {who}: {exc}") from None
            finally:
                p.w.chain.revert(snap)
