"""``yibao record …``: medical records kept by their custodian, encrypted, and served only
through the chain's permission (docs/rules/records.md) — key, put, get, verify, grant, revoke
(--rotate), emergency, show, consents, trail.

In a trial home every party's key is at hand, so ``record get`` plays both parts of a read: the
reader (``--as``) asks and signs, the custodian's key (found in the home by the record's
custodian address) checks the chain, serves and records the access. In a deployment the
custodian runs its part in its own system (``yibao.records.service.serve``)."""

from __future__ import annotations

import base64
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from yibao.cli.options import (
    ChainOptions, PseudonymOpt, account_ref, chain_options, claim_id_text, national_id_text, out,
    person_of, tx_fields, whole_number,
)
from yibao.errors import ContractError, InputError
from yibao.model.types import AccessBasis, Purpose

if TYPE_CHECKING:
    from yibao.client import Ledger
    from yibao.client.records import AccessRequest, ConsentInfo, RecordInfo
    from yibao.records.secrets import EncryptionSecrets
    from yibao.records.store import RecordStore
    from yibao.workspace import Workspace

record_app = typer.Typer(no_args_is_help=True, help="Medical records (授权访问): key, put, get, verify, grant, "
                                                    "revoke, emergency, show, consents, trail")

#: the largest record file `record put` takes
MAX_RECORD = 16 << 20


def record_number(text: str | int) -> int:
    return whole_number(text, 1, 2**64 - 1, "record id")


def consent_number(text: str | int) -> int:
    return whole_number(text, 1, 2**64 - 1, "consent id")


def case_number(text: str | int) -> int:
    return whole_number(text, 1, 2**64 - 1, "case id")


def purpose_name(text: str) -> str:
    t = text.strip().upper()
    if t not in Purpose.__members__:
        raise InputError(f"--purpose {text[:20]!r}: one of {', '.join(Purpose.__members__)}")
    return t


RecordArg = Annotated[int, typer.Argument(parser=record_number, metavar="RECORD", help="record id")]
PersonOpt = Annotated[str | None, typer.Option(
    "--person", "--id", parser=national_id_text, help="the person's national ID (hashed locally)")]
StoreOpt = Annotated[str | None, typer.Option(
    "--store", help="the custodian's store: a folder or a database URL (default: HOME/records/CUSTODIAN)")]
RelayOpt = Annotated[str | None, typer.Option(
    "--relay-as", parser=account_ref, help="send the signed request from this key (default: the signer itself)")]
PurposeOpt = Annotated[str | None, typer.Option(parser=purpose_name, help="why: " + ", ".join(Purpose.__members__))]


# ---------------------------------------------------------------------- helpers


def acting(ws: Workspace, ledger: Ledger, who: str, what: str) -> Ledger:
    """``ledger``'s deployment and chain, acting as the home's key ``who`` (named ``what`` in a
    refusal): one chain, so a trial home's journal is opened once."""
    from yibao.keys import check_signer, fund_on_dev_chain

    if who not in ws.keys() and not any(e.address.lower() == who.lower() for e in ws.keys().values()):
        raise InputError(f"{what} {who}: no key of this home; it acts from its own system")
    account = ws.account(who)
    check_signer(ledger.chain, account.address, who, what)
    fund_on_dev_chain(ledger.chain, account.address)
    return ledger.acting_as(account)


def store_of(ws: Workspace, custodian: str, where: str | None) -> RecordStore:
    from yibao.records.store import open_store

    return open_store(where or ws.home / "records" / custodian)


def secrets_of(ws: Workspace) -> EncryptionSecrets:
    from yibao.records.secrets import EncryptionSecrets

    return EncryptionSecrets(ws.home)


def relay(ws: Workspace, ledger: Ledger, relay_as: str | None) -> Ledger:
    """Who sends a signed request: ``--relay-as``, else the signer itself."""
    return acting(ws, ledger, relay_as, "--relay-as") if relay_as else ledger


def _read_file(path: Path) -> bytes:
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_RECORD + 1)
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    if len(data) > MAX_RECORD:
        raise InputError(f"{path}: larger than {MAX_RECORD >> 20} MiB")
    if not data:
        raise InputError(f"{path}: empty")
    return data


# ---------------------------------------------------------------------- keys and records


@record_app.command("key")
@chain_options()
def record_key(opts: ChainOptions, relay_as: RelayOpt = None) -> None:
    """Make the signer's X25519 encryption key (kept in the home) and register it on chain."""
    from yibao.records.service import ensure_encryption_key

    ws, ledger = opts.open()
    public = ensure_encryption_key(relay(ws, ledger, relay_as), secrets_of(ws), ledger.signer)
    doc = {"ok": True, "action": "record key", "account": ledger.signer.address, "public_key": "0x" + public.hex()}
    opts.emit(doc, lambda: out.print(f"[green]✓[/] encryption key of {ledger.signer.address}: 0x{public.hex()}"))


@record_app.command("put")
@chain_options()
def record_put(
    opts: ChainOptions,
    file: Annotated[Path, typer.Argument(help="the record (any bytes; kept encrypted, never on chain)")],
    national_id: PersonOpt = None,
    pseudonym: PseudonymOpt = None,
    store: StoreOpt = None,
) -> None:
    """Encrypt a record under a fresh data key, keep it in the custodian's store and register
    its hash on chain (the signer is the custodian institution)."""
    from yibao.records.service import put_record

    data = _read_file(file)
    ws, ledger = opts.open()
    person = person_of(ws, national_id, pseudonym)
    record, digest, result = put_record(ledger, store_of(ws, ledger.signer.address, store), secrets_of(ws), person,
                                        data)
    doc = {"ok": True, "action": "record put", "record": record, "content_hash": "0x" + digest.hex(),
           "custodian": ledger.signer.address, **tx_fields(result)}
    opts.emit(doc, lambda: out.print(f"[green]✓[/] record {record} (0x{digest.hex()[:16]}…) kept by "
                                     f"{ledger.signer.address} (gas {result.gas_used:,})"))


def _consent_for(ledger: Ledger, info: RecordInfo, reader: str, purpose: Purpose | None) -> ConsentInfo | None:
    """The reader's first active consent that covers the record (and ``purpose`` when given)."""
    from yibao.client.queries import event_args

    for a in event_args(ledger, "ConsentGranted", None, info.person, bytes(12) + bytes.fromhex(reader[2:])):
        c = ledger.consent_info(int(a["consent"]))
        if c.active and c.record in (None, info.id) and (purpose is None or c.purpose is purpose):
            return c
    return None


def _case_claim(ledger: Ledger, case_id: int, info: RecordInfo) -> bytes:
    """A claim of the case whose person is the record's (the case basis names one)."""
    from yibao.client.history import claim_details
    from yibao.client.queries import event_args

    person = info.person
    for a in event_args(ledger, "CaseOpened", case_id.to_bytes(32, "big")):
        for claim in a["claims"]:
            if claim_details(ledger, bytes(claim)).get("person") == "0x" + person.hex():
                return bytes(claim)
    raise InputError(f"case {case_id} has no claim of record {info.id}'s person")


def access_request(ledger: Ledger, info: RecordInfo, purpose: str | None, case: int | None, claim: str | None,
                   consent: int | None, emergency: bool) -> AccessRequest:
    """What the signer asks for: the basis given, or the one that fits (custodian, patient, a consent)."""
    from yibao.client.records import AccessRequest

    record = info.id
    reader = ledger.signer.address
    want = Purpose[purpose] if purpose else None
    if sum((case is not None, consent is not None, emergency)) > 1:
        raise InputError("give at most one of --case, --consent and --emergency")
    if case is not None:
        cid = bytes.fromhex(claim[2:]) if claim else _case_claim(ledger, case, info)
        return AccessRequest(record, reader, Purpose.SUPERVISION, AccessBasis.CASE, case, cid)
    if emergency:
        return AccessRequest(record, reader, Purpose.EMERGENCY, AccessBasis.EMERGENCY)
    if consent is not None:
        c = ledger.consent_info(consent)
        return AccessRequest(record, reader, want or c.purpose, AccessBasis.CONSENT, consent)
    if info.custodian == reader:
        return AccessRequest(record, reader, want or Purpose.TREATMENT, AccessBasis.CUSTODIAN)
    if ledger.person_of_wallet(reader) == info.person:
        return AccessRequest(record, reader, Purpose.PERSONAL, AccessBasis.SELF)
    found = _consent_for(ledger, info, reader, want)
    if found is None:
        raise InputError(f"{reader} holds no active consent for record {record}"
                         + (f" for {want.name}" if want else "") + "; a regulator gives --case N")
    return AccessRequest(record, reader, want or found.purpose, AccessBasis.CONSENT, found.id)


@record_app.command("get")
@chain_options()
def record_get(
    opts: ChainOptions,
    record: RecordArg,
    purpose: PurposeOpt = None,
    case: Annotated[int | None, typer.Option(parser=case_number, help="an open case (a regulator)")] = None,
    claim: Annotated[str | None, typer.Option(parser=claim_id_text, help="with --case: the case's claim")] = None,
    consent: Annotated[int | None, typer.Option(parser=consent_number, help="the consent that allows it")] = None,
    emergency: Annotated[bool, typer.Option("--emergency", help="under the reader's emergency declaration")] = False,
    out_file: Annotated[Path | None, typer.Option("--out", help="write the record here")] = None,
    store: StoreOpt = None,
) -> None:
    """Be served a record: the chain checks the permission, the custodian serves it, the access
    goes into the patient's trail. Without permission: the named refusal and no bytes."""
    from yibao.records.service import read_record

    ws, ledger = opts.open()
    info = ledger.record_info(record)
    request = access_request(ledger, info, purpose, case, claim, consent, emergency)
    try:
        ledger.check_access(request)  # refused here, by name, before any key of the custodian is touched
    except ContractError as exc:
        if exc.name != "EncryptionKeyMissing":  # a first read makes the reader's key (read_record)
            raise
    custodian = acting(ws, ledger, info.custodian, "the custodian")
    plain, served = read_record(ledger, custodian, store_of(ws, info.custodian, store), secrets_of(ws), request)
    if out_file is not None:
        out_file.write_bytes(plain)
    doc: dict[str, Any] = {"ok": True, "action": "record get", "record": record, "version": info.version,
                           "access": served.access, "basis": request.basis.name, "purpose": request.purpose.name,
                           "bytes": len(plain), **tx_fields(served.tx)}
    try:
        doc["text"] = plain.decode("utf-8")
    except UnicodeDecodeError:
        doc["base64"] = base64.b64encode(plain).decode()

    def human() -> None:
        if out_file is None and "text" in doc:
            sys.stdout.write(doc["text"] + ("" if doc["text"].endswith("\n") else "\n"))
        err = typer.echo
        err(f"✓ record {record} v{info.version} served: access {served.access} ({request.basis.name}, "
            f"{request.purpose.name})", err=True)

    opts.emit(doc, human)


@record_app.command("verify")
@chain_options(signer=None)
def record_verify(opts: ChainOptions, record: RecordArg,
                  file: Annotated[Path, typer.Argument(help="the envelope (ciphertext) to hold to the chain")]) -> None:
    """Hold an envelope to the chain: it must be the record's current version (else, by name, what it is)."""
    from yibao.records.service import verify

    data = _read_file(file)
    _, ledger = opts.open()
    doc = {"ok": True, "action": "record verify", **verify(ledger, record, data)}
    opts.emit(doc, lambda: out.print(f"[green]✓[/] {file} is record {record} version {doc['version']}"))


@record_app.command("show")
@chain_options(signer=None)
def record_show(opts: ChainOptions, record: RecordArg) -> None:
    """A record as the chain holds it: person (pseudonym), custodian, version, hash."""
    _, ledger = opts.open()
    doc = ledger.record_info(record).to_json()
    opts.emit(doc, lambda: out.print(f"record {record}: v{doc['version']} of {doc['person']} kept by "
                                     f"{doc['custodian']}, {doc['content_hash']}"))


__all__ = ["MAX_RECORD", "PersonOpt", "PurposeOpt", "RecordArg", "RelayOpt", "StoreOpt", "access_request", "acting",
           "consent_number", "purpose_name", "record_app", "record_number", "relay", "secrets_of", "store_of"]
