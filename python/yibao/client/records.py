"""The patient's side on chain (IRecords): encryption keys, records, consents, emergency
declarations, served accesses and the patient's feedback on claims.

Requests a patient or a reader makes are EIP-712 signatures (:mod:`yibao.records.signing`)
that this client relays as its acting account, so the signer needs no gas."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from eth_account.signers.local import LocalAccount
from web3 import Web3

from yibao import codec
from yibao.client.base import LedgerCore
from yibao.client.types import TxResult
from yibao.errors import InputError
from yibao.model.types import AccessBasis, Feedback, Purpose
from yibao.records.signing import sign
from yibao.units import from_day, to_day

ZERO = bytes(32)
#: how long a signed request stays valid (seconds after the chain's time)
SIGNATURE_SECONDS = 3600


@dataclass(frozen=True)
class RecordInfo:
    """A record as the chain holds it (``IRecords.RecordView``)."""

    id: int
    person: bytes
    custodian: str
    version: int
    created_on: dt.date
    updated_on: dt.date
    content_hash: bytes

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "person": "0x" + self.person.hex(), "custodian": self.custodian,
                "version": self.version, "created_on": self.created_on.isoformat(),
                "updated_on": self.updated_on.isoformat(), "content_hash": "0x" + self.content_hash.hex()}


@dataclass(frozen=True)
class ConsentInfo:
    """A consent (``IRecords.ConsentView``); ``record`` None: every record of the person."""

    id: int
    person: bytes
    grantee: str
    record: int | None
    purpose: Purpose
    granted_on: dt.date
    not_after: dt.date
    revoked_on: dt.date | None
    active: bool

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "person": "0x" + self.person.hex(), "grantee": self.grantee, "record": self.record,
                "scope": "RECORD" if self.record else "ALL", "purpose": self.purpose.name,
                "granted_on": self.granted_on.isoformat(), "not_after": self.not_after.isoformat(),
                "revoked_on": self.revoked_on.isoformat() if self.revoked_on else None, "active": self.active}


@dataclass(frozen=True)
class AccessRequest:
    """What a reader asks a custodian for, and signs (EIP-712 ``Access``)."""

    record: int
    reader: str
    purpose: Purpose
    basis: AccessBasis
    basis_id: int = 0
    claim_id: bytes = ZERO
    nonce: int = 0
    deadline: int = 0

    def message(self) -> dict[str, Any]:
        return {"record": self.record, "reader": self.reader, "purpose": int(self.purpose),
                "basis": int(self.basis), "basisId": self.basis_id, "claimId": self.claim_id, "nonce": self.nonce,
                "deadline": self.deadline}

    def as_tuple(self) -> tuple[Any, ...]:
        return (self.record, self.reader, int(self.purpose), int(self.basis), self.basis_id, self.claim_id,
                self.nonce, self.deadline)


def _checksum(account: str) -> str:
    return str(Web3.to_checksum_address(account))


class RecordCalls(LedgerCore):
    """Records, consent and the trail; signed requests relayed by the acting account."""

    def _signed(self, signer: LocalAccount, kind: str, message: dict[str, Any]) -> bytes:
        return sign(signer, kind, message, self.chain.chain_id, self.address)

    def deadline(self) -> int:
        """The deadline a new signed request carries: an hour after the time it will be mined."""
        return self.chain.next_timestamp() + SIGNATURE_SECONDS

    def set_encryption_key(self, account: LocalAccount, public_key: bytes) -> TxResult:
        """Register ``account``'s X25519 public key: sent by the account itself when it is the
        acting one, else signed by it and relayed."""
        if len(public_key) != 32:
            raise InputError("an encryption key is a 32-byte X25519 public key")
        if self.sender == account.address:
            return self.transact("setEncryptionKey", account.address, public_key, 0, b"")
        deadline = self.deadline()
        message = {"account": account.address, "publicKey": public_key, "nonce": self.nonce_of(account.address),
                   "deadline": deadline}
        return self.transact("setEncryptionKey", account.address, public_key, deadline,
                             self._signed(account, "SetKey", message))

    def put_record(self, person: bytes, content_hash: bytes, custodian_key: bytes) -> tuple[int, TxResult]:
        """Register a record the acting institution holds; the new record's id."""
        result = self.transact("putRecord", person, content_hash, custodian_key)
        return int(result.named("RecordPut")[0]["record"]), result

    def rotate_record(self, record: int, content_hash: bytes, custodian_key: bytes) -> TxResult:
        return self.transact("rotateRecord", record, content_hash, custodian_key)

    def grant_consent(self, patient: LocalAccount, person: bytes, grantee: str, record: int | None,
                      purpose: Purpose, not_after: dt.date) -> tuple[int, TxResult]:
        """A consent signed by the patient's wallet (``record`` None: all of the person's records)."""
        deadline = self.deadline()
        grant = {"person": person, "grantee": _checksum(grantee), "record": record or 0, "purpose": int(purpose),
                 "notAfter": to_day(not_after), "nonce": self.nonce_of(patient.address), "deadline": deadline}
        result = self.transact("grantConsent", tuple(grant.values()), self._signed(patient, "Grant", grant))
        return int(result.named("ConsentGranted")[0]["consent"]), result

    def revoke_consent(self, patient: LocalAccount, consent: int) -> TxResult:
        deadline = self.deadline()
        message = {"consent": consent, "nonce": self.nonce_of(patient.address), "deadline": deadline}
        return self.transact("revokeConsent", consent, deadline, self._signed(patient, "Revoke", message))

    def declare_emergency(self, person: bytes, reason: str) -> TxResult:
        """The acting institution declares an emergency for ``person`` (24 hours; an alert)."""
        return self.transact("declareEmergency", person, codec.reason_word(reason))

    def sign_access(self, reader: LocalAccount, request: AccessRequest) -> tuple[AccessRequest, bytes]:
        """The request with the reader's nonce and a deadline, and the reader's signature of it."""
        full = AccessRequest(request.record, reader.address, request.purpose, request.basis, request.basis_id,
                             request.claim_id, self.nonce_of(reader.address), self.deadline())
        return full, self._signed(reader, "Access", full.message())

    def serve_record(self, request: AccessRequest, signature: bytes, sealed_key: bytes) -> tuple[int, TxResult]:
        """The acting custodian records the access (checked on chain) and publishes the sealed key."""
        result = self.transact("serveRecord", request.as_tuple(), signature, sealed_key)
        return int(result.named("RecordServed")[0]["access"]), result

    def give_feedback(self, patient: LocalAccount, claim_id: bytes, code: Feedback) -> TxResult:
        nonce = self.nonce_of(patient.address)
        deadline = self.deadline()
        message = {"claimId": claim_id, "code": int(code), "nonce": nonce, "deadline": deadline}
        return self.transact("giveFeedback", claim_id, int(code), nonce, deadline,
                             self._signed(patient, "Feedback", message))

    # ---------------------------------------------------------------- reads

    def check_access(self, request: AccessRequest) -> int:
        """The record's current version if the reader may be served it now; else the named error."""
        return int(self.call("checkAccess", request.record, _checksum(request.reader), int(request.purpose),
                             int(request.basis), request.basis_id, request.claim_id))

    def record_info(self, record: int) -> RecordInfo:
        v = self.call("recordInfo", record)
        return RecordInfo(int(v[0]), bytes(v[1]), _checksum(v[2]), int(v[3]), from_day(int(v[4])),
                          from_day(int(v[5])), bytes(v[6]))

    def record_of_hash(self, content_hash: bytes) -> tuple[int, int]:
        record, version = self.call("recordOfHash", content_hash)
        return int(record), int(version)

    def custodian_key_of(self, record: int, version: int) -> bytes:
        return bytes(self.call("custodianKeyOf", record, version))

    def record_count(self) -> int:
        return int(self.call("recordCount"))

    def consent_info(self, consent: int) -> ConsentInfo:
        v = self.call("consentInfo", consent)
        return ConsentInfo(int(v[0]), bytes(v[1]), _checksum(v[2]), int(v[3]) or None, Purpose(v[4]),
                           from_day(int(v[5])), from_day(int(v[6])), from_day(int(v[7])) if v[7] else None,
                           bool(v[8]))

    def consent_count(self) -> int:
        return int(self.call("consentCount"))

    def encryption_key_of(self, account: str) -> bytes:
        return bytes(self.call("encryptionKeyOf", _checksum(account)))

    def person_of_wallet(self, wallet: str) -> bytes | None:
        person = bytes(self.call("personOfWallet", _checksum(wallet)))
        return None if person == ZERO else person

    def emergency_until(self, person: bytes, institution: str) -> int:
        return int(self.call("emergencyUntil", person, _checksum(institution)))

    def access_count(self) -> int:
        return int(self.call("accessCount"))

    def accesses_of(self, person: bytes) -> int:
        return int(self.call("accessesOf", person))

    def feedback_of(self, claim_id: bytes) -> Feedback:
        return Feedback(int(self.call("feedbackOf", claim_id)))

    def nonce_of(self, signer: str) -> int:
        return int(self.call("nonces", _checksum(signer)))


__all__ = ["SIGNATURE_SECONDS", "AccessRequest", "ConsentInfo", "RecordCalls", "RecordInfo"]
