"""``yibao bench --records``: the gas of every step of the patient's side (docs/rules/records.md),
and the time of a whole served read.

On the bench's world (:mod:`yibao.bench`) with a second hospital as the patient's doctor and the
patient's wallet bound (its requests relayed by the operator): registering encryption keys
(sent and relayed), a record put, consents for one record and for all, a read served under a
consent, under a case and in an emergency, an emergency declared, a revocation, a rotation and a
dispute. Each figure is a receipt's ``gasUsed``; ``read_ms`` is the median wall time of a whole
read (check, sign, serve, open) over ``samples`` reads.
"""

from __future__ import annotations

import datetime as dt
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from eth_account import Account

from yibao.bench import REGION, build_world
from yibao.chain.backend import Chain, dev_account
from yibao.client.records import AccessRequest
from yibao.codec import invoice_word
from yibao.model.types import AccessBasis, CaseSource, Feedback, Purpose
from yibao.records import service
from yibao.records.secrets import EncryptionSecrets
from yibao.records.store import FolderStore

RECORD = ("门诊病历: 急性支气管炎, 阿莫西林胶囊 0.25 g tid × 5 天. " * 40).encode()  # about 3 KB
#: A progress callback: (stage, done, total).
Note = Callable[[str, int, int], None]


def _quiet(_stage: str, _done: int, _total: int) -> None:
    pass


def run_records(chain: Chain, note: Note = _quiet, samples: int = 10) -> dict[str, Any]:
    """The gas of each step and the time of a read (see the module docstring)."""
    w = build_world(chain, 20)
    reg, hospital = w.ledger, w.hospital
    doctor_account, patient = dev_account(8), Account.from_key(bytes.fromhex("5a" * 32))
    reg.add_institution(doctor_account.address, REGION, 2)
    operator = reg.acting_as(dev_account(0))
    person = w.people[0]
    operator.set_person_wallet(person, patient.address)
    doctor = reg.acting_as(doctor_account)
    gas: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="yibao-bench-records-") as folder:
        store, secrets = FolderStore(Path(folder) / "store"), EncryptionSecrets(Path(folder))
        note("record steps", 0, 3)
        gas["register an encryption key"] = doctor.set_encryption_key(
            doctor_account, secrets.create(doctor_account.address)).gas_used
        gas["register an encryption key (relayed)"] = operator.set_encryption_key(
            patient, secrets.create(patient.address)).gas_used
        record, _, put = service.put_record(hospital, store, secrets, person, RECORD)
        gas["put a record"] = put.gas_used
        until = dt.date(2026, 12, 31)
        consent, granted = operator.grant_consent(patient, person, doctor_account.address, record, Purpose.TREATMENT,
                                                  until)
        gas["grant a consent (one record)"] = granted.gas_used
        gas["grant a consent (every record)"] = operator.grant_consent(
            patient, person, doctor_account.address, None, Purpose.CLAIM_REVIEW, until)[1].gas_used
        note("record steps", 1, 3)
        request = AccessRequest(record, doctor_account.address, Purpose.TREATMENT, AccessBasis.CONSENT, consent)
        times = []
        for _ in range(samples):
            began = time.perf_counter()
            _, served = service.read_record(doctor, hospital, store, secrets, request)
            times.append((time.perf_counter() - began) * 1000)
        gas["serve a read (consent)"] = served.tx.gas_used
        hospital.transact("submitClaims", w.claim(person), gas=1_000_000)
        claim = bytes(reg.call("claimIdOf", hospital.signer.address, invoice_word(f"INV-{w.serial}")))
        case_id, _ = reg.open_case(hospital.signer.address, [claim], CaseSource.TIP, bytes(32))
        service.ensure_encryption_key(reg, secrets, reg.signer)
        _, by_case = service.read_record(reg, hospital, store, secrets, AccessRequest(
            record, reg.signer.address, Purpose.SUPERVISION, AccessBasis.CASE, case_id, claim))
        gas["serve a read (case)"] = by_case.tx.gas_used
        gas["declare an emergency"] = doctor.declare_emergency(person, "ER_UNCONSCIOUS").gas_used
        _, urgent = service.read_record(doctor, hospital, store, secrets, AccessRequest(
            record, doctor_account.address, Purpose.EMERGENCY, AccessBasis.EMERGENCY))
        gas["serve a read (emergency)"] = urgent.tx.gas_used
        note("record steps", 2, 3)
        gas["revoke a consent"] = operator.revoke_consent(patient, consent).gas_used
        gas["rotate a record"] = service.rotate(hospital, store, secrets, record).gas_used
        gas["dispute a claim (an alert)"] = operator.give_feedback(patient, claim, Feedback.NOT_RECEIVED).gas_used
        note("record steps", 3, 3)
    return {"chain": chain.describe(), "gas": gas, "record_bytes": len(RECORD), "samples": samples,
            "read_ms": round(statistics.median(times), 1)}


__all__ = ["RECORD", "run_records"]
