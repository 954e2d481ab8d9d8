"""The flows of the patient's side, each one party's part: the custodian registers and serves
records, a reader asks and opens, anyone verifies a file against the chain, the trail is read
from the chain's events.

A record is served only through ``serveRecord``: the reader's permission is checked by the
chain's own view first (so a party without it gets the named error and no bytes), then again
inside the transaction that records the access and publishes the data key sealed to the reader.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_account.signers.local import LocalAccount
from web3 import Web3

from yibao.chain.logs import block_time, read_logs
from yibao.client.ledger import Ledger
from yibao.client.records import AccessRequest, RecordInfo
from yibao.client.types import TxResult
from yibao.errors import ContractError, InputError, RecordTampered
from yibao.model.types import AccessBasis, Purpose
from yibao.records import crypto
from yibao.records.secrets import EncryptionSecrets
from yibao.records.store import RecordStore
from yibao.units import cst_time


@dataclass(frozen=True)
class Served:
    """What a custodian hands a reader: the envelope and the access that allowed it."""

    access: int
    record: RecordInfo
    envelope: bytes
    sealed_key: bytes
    tx: TxResult


def ensure_encryption_key(ledger: Ledger, secrets: EncryptionSecrets, account: LocalAccount) -> bytes:
    """The account's registered X25519 public key: made and registered now if it has none
    (sent by ``ledger``'s acting account, signed by ``account`` when that is another)."""
    registered = ledger.encryption_key_of(account.address)
    if secrets.has(account.address):
        public = secrets.public(account.address)
    elif registered != bytes(32):
        raise InputError(f"{account.address} registered an encryption key that this home does not hold")
    else:
        public = secrets.create(account.address)
    if registered != public:
        ledger.set_encryption_key(account, public)
    return public


def put_record(custodian: Ledger, store: RecordStore, secrets: EncryptionSecrets, person: bytes,
               plaintext: bytes) -> tuple[int, bytes, TxResult]:
    """Encrypt ``plaintext`` under a fresh data key, keep the envelope, register it on chain
    (the acting account is the custodian): the record id, its content hash and the transaction."""
    account = custodian.signer
    public = ensure_encryption_key(custodian, secrets, account)
    envelope, key = crypto.encrypt(plaintext, crypto.associated_data(person, account.address))
    digest = store.put(envelope)  # first: a record on chain always has its envelope
    try:
        record, tx = custodian.put_record(person, digest, crypto.seal(key, public))
    except BaseException:
        store.retire(digest)
        raise
    return record, digest, tx


def _data_key(custodian: Ledger, secrets: EncryptionSecrets, info: RecordInfo) -> bytes:
    sealed = custodian.custodian_key_of(info.id, info.version)
    return crypto.unseal(sealed, secrets.secret(info.custodian))


def _current_envelope(store: RecordStore, info: RecordInfo) -> bytes:
    envelope = store.get(info.content_hash)
    if crypto.content_hash(envelope) != info.content_hash:
        raise RecordTampered(f"record {info.id}: the custodian's envelope is not version {info.version} registered "
                             f"on chain (SHA-256 differs)")
    return envelope


def serve(custodian: Ledger, store: RecordStore, secrets: EncryptionSecrets, request: AccessRequest,
          signature: bytes) -> Served:
    """The custodian's part of a read: check the chain's permission, read the envelope, seal
    its data key to the reader's registered key and record the access on chain."""
    custodian.check_access(request)
    info = custodian.record_info(request.record)
    envelope = _current_envelope(store, info)
    key = _data_key(custodian, secrets, info)
    reader_key = custodian.encryption_key_of(request.reader)
    access, tx = custodian.serve_record(request, signature, crypto.seal(key, reader_key))
    (event,) = tx.named("RecordServed")
    return Served(access, info, envelope, bytes(event["sealedKey"]), tx)


def open_served(secrets: EncryptionSecrets, reader: str, served: Served) -> bytes:
    """The reader's part: the envelope must be the version the chain registered, then the data
    key sealed to the reader opens it."""
    info = served.record
    if crypto.content_hash(served.envelope) != info.content_hash:
        raise RecordTampered(f"record {info.id}: the envelope served is not the one registered on chain")
    key = crypto.unseal(served.sealed_key, secrets.secret(reader))
    return crypto.decrypt(served.envelope, key, crypto.associated_data(info.person, info.custodian),
                          f"record {info.id}")


def read_record(reader_ledger: Ledger, custodian: Ledger, store: RecordStore, secrets: EncryptionSecrets,
                request: AccessRequest) -> tuple[bytes, Served]:
    """A whole read, both parts: the reader (``reader_ledger``'s acting account) is checked,
    signs, is served by the custodian and opens the envelope. Nothing is served, and no
    access recorded, when the chain refuses."""
    reader = reader_ledger.signer
    asked = AccessRequest(request.record, reader.address, request.purpose, request.basis, request.basis_id,
                          request.claim_id)
    try:
        reader_ledger.check_access(asked)  # the named refusal before anyone signs or serves
    except ContractError as exc:
        if exc.name != "EncryptionKeyMissing":
            raise
        ensure_encryption_key(reader_ledger, secrets, reader)  # a first read: the key made, then checked again
        reader_ledger.check_access(asked)
    ensure_encryption_key(reader_ledger, secrets, reader)  # registered and held here: nothing sent
    signed, signature = reader_ledger.sign_access(reader, asked)
    served = serve(custodian, store, secrets, signed, signature)
    return open_served(secrets, reader.address, served), served


def rotate(custodian: Ledger, store: RecordStore, secrets: EncryptionSecrets, record: int) -> TxResult:
    """Re-encrypt a record under a new data key (the custodian): the new envelope kept, the
    version bumped on chain, the old envelope retired. Readers get the new key when next served."""
    info = custodian.record_info(record)
    if info.custodian != custodian.sender:
        raise InputError(f"record {record} is held by {info.custodian}; only its custodian rotates it")
    aad = crypto.associated_data(info.person, info.custodian)
    plaintext = crypto.decrypt(_current_envelope(store, info), _data_key(custodian, secrets, info), aad,
                               f"record {record}")
    envelope, key = crypto.encrypt(plaintext, aad)
    digest = store.put(envelope)
    try:
        tx = custodian.rotate_record(record, digest, crypto.seal(key, secrets.public(info.custodian)))
    except BaseException:
        store.retire(digest)
        raise
    store.retire(info.content_hash)
    return tx


def verify(ledger: Ledger, record: int, envelope: bytes) -> dict[str, Any]:
    """Hold a file to the chain: it must be the record's current envelope. A mismatch is
    :class:`RecordTampered` naming what the file is instead (another version, another record,
    nothing registered)."""
    info = ledger.record_info(record)
    digest = crypto.content_hash(envelope)
    if digest == info.content_hash:
        return {"record": record, "version": info.version, "content_hash": "0x" + digest.hex(), "verified": True}
    other, version = ledger.record_of_hash(digest)
    if other == record:
        what = f"version {version} of record {record}, retired (the current version is {info.version})"
    elif other:
        what = f"version {version} of record {other}, another record"
    else:
        what = "no record registered on chain"
    raise RecordTampered(f"record {record}: the file's SHA-256 0x{digest.hex()} is not the registered "
                         f"0x{info.content_hash.hex()}: it is {what}")


def trail(ledger: Ledger, person: bytes) -> list[dict[str, Any]]:
    """Every served access to the person's records, oldest first, from the chain's events; it
    must be as long as the chain's own count (``accessesOf``), or the read is refused."""
    topics = [ledger.event_topic("RecordServed"), None, None, person]
    rows = []
    for log in read_logs(ledger.chain, ledger.address, topics, ledger.manifest.block):
        e = ledger.decode_log(log.raw())
        if e is None:
            continue
        a = e["args"]
        ts = log.timestamp if log.timestamp is not None else block_time(ledger.chain, log.block)
        rows.append({"access": int(a["access"]), "record": int(a["record"]),
                     "reader": str(Web3.to_checksum_address(a["reader"])), "version": int(a["version"]),
                     "purpose": Purpose(a["purpose"]).name, "basis": AccessBasis(a["basis"]).name,
                     "basis_id": int(a["basisId"]) or None, "time": cst_time(ts), "block": log.block,
                     "tx": log.tx})
    counted = ledger.accesses_of(person)
    if counted != len(rows):
        raise RecordTampered(f"the trail read {len(rows)} served accesses but the chain counts {counted}")
    return rows


__all__ = ["Served", "ensure_encryption_key", "open_served", "put_record", "read_record", "rotate", "serve",
           "trail", "verify"]
