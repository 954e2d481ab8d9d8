"""The patient's side of the demo's year (its last day): a few insured people get a wallet bound
to them, so they can sign in to the service and see their own claims, payments and data-use
trail (``yibao demo --serve``).

For each of :data:`PATIENTS` people (those with the most claims, half from each region): the
operator binds a wallet (its key derived from the seed, :func:`patient_key`); the institution
that treated them last keeps an encrypted record of theirs (envelopes in ``records/`` of the
output folder, the X25519 secrets in ``record-keys/``); the patient consents that another
institution of the region reads it for treatment, and that institution reads it once (a
``RecordServed`` on the trail); the patient confirms their latest claim. Every transaction is
counted under the gas kind ``records``; none of it decides a claim.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eth_account import Account
from eth_account.signers.local import LocalAccount

from yibao.client.records import AccessRequest
from yibao.model.types import AccessBasis, Feedback, Purpose
from yibao.records import service
from yibao.records.secrets import EncryptionSecrets
from yibao.records.store import FolderStore

if TYPE_CHECKING:
    from yibao.client import Ledger
    from yibao.demo.supervision import CasePlayer

PATIENTS = 4
CONSENT_DAYS = 90


def patient_key(seed: int, i: int) -> bytes:
    """The deterministic wallet key of the demo's patient ``i`` (a valid secp256k1 secret)."""
    return hashlib.sha256(f"yibao-demo-{seed}-patient-{i}".encode()).digest()


def _chosen(pl: CasePlayer) -> list[tuple[bytes, int]]:
    """The people with the most claims, half from each region (ties by pseudonym)."""
    counts = Counter((rec.planned.person.pid, rec.home) for rec in pl.recs.values())
    out: list[tuple[bytes, int]] = []
    regions = sorted({home for _, home in counts})
    for region in regions:
        mine = sorted(((n, pid) for (pid, home), n in counts.items() if home == region), key=lambda x: (-x[0], x[1]))
        out += [(pid, region) for _, pid in mine[:PATIENTS // max(1, len(regions))]]
    return out


def _key(pl: CasePlayer, relay: Ledger, secrets: EncryptionSecrets, account: LocalAccount) -> None:
    """Register ``account``'s X25519 key (made here) unless it has one, relayed by ``relay``."""
    if relay.encryption_key_of(account.address) == bytes(32):
        pl.tx("records", relay.set_encryption_key(account, secrets.create(account.address)))


def play_patients(pl: CasePlayer, out_dir: Path) -> dict[str, Any]:
    """The patient's side (module docstring); what was done, for the report and the service."""
    store, secrets = FolderStore(out_dir / "records"), EncryptionSecrets(out_dir / "record-keys")
    today = pl.ledger.today()
    wallets: list[LocalAccount] = []
    rows: list[dict[str, Any]] = []
    for i, (pid, home) in enumerate(_chosen(pl)):
        wallet: LocalAccount = Account.from_key(patient_key(pl.world.seed, i))
        relay = pl.as_(pl.operator[home])
        pl.tx("records", relay.set_person_wallet(pid, wallet.address))
        recs = sorted((r for r in pl.recs.values() if r.planned.person.pid == pid),
                      key=lambda r: (r.planned.service, r.planned.invoice))
        last = recs[-1]
        custodian_acct = pl.inst_acct[last.inst]
        doctor_key = next(k for k, region in sorted(pl.inst_region.items()) if region == home and k != last.inst)
        doctor_acct = pl.inst_acct[doctor_key]
        for acct in (custodian_acct, doctor_acct, wallet):
            _key(pl, relay, secrets, acct)
        note = json.dumps({"resourceType": "Composition", "status": "final", "title": "出院小结 discharge summary",
                           "date": last.planned.service.isoformat()}, ensure_ascii=False).encode()
        custodian = pl.as_(custodian_acct)
        record, _, tx = service.put_record(custodian, store, secrets, pid, note)
        pl.tx("records", tx)
        consent, tx = relay.grant_consent(wallet, pid, doctor_acct.address, record, Purpose.TREATMENT,
                                          today + dt.timedelta(days=CONSENT_DAYS))
        pl.tx("records", tx)
        request = AccessRequest(record, doctor_acct.address, Purpose.TREATMENT, AccessBasis.CONSENT, consent)
        _, served = service.read_record(pl.as_(doctor_acct), custodian, store, secrets, request)
        pl.tx("records", served.tx)
        pl.tx("records", relay.give_feedback(wallet, last.res.claim_id, Feedback.CONFIRMED))
        wallets.append(wallet)
        rows.append({"pseudonym": "0x" + pid.hex(), "region": home, "wallet": wallet.address, "record": record,
                     "custodian": custodian_acct.address, "consent": consent, "reader": doctor_acct.address,
                     "access": served.access, "confirmed": "0x" + last.res.claim_id.hex()})
    pl.patient_wallets = wallets
    return {"patients": rows}


__all__ = ["CONSENT_DAYS", "PATIENTS", "patient_key", "play_patients"]
