"""The patient's side in the index (records.md): a chain story — the operator binds the patient's
wallet, a hospital puts a record and rotates it, the patient grants a consent to a doctor who is
served the record, then revokes it, the doctor declares an emergency, the patient confirms one
claim and disputes another — fills ``records``, ``consents``, ``record_accesses``,
``emergencies`` and ``claim_feedback`` with exactly the chain's events, none of the sealed keys,
an EMERGENCY_ACCESS alert that names no claim, and screening's PATIENT_DISPUTE lead; and a reorg
rolls those rows back (a revocation mined above the fork un-revokes its consent). Each test runs
on SQLite and PostgreSQL and on both chains."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

import sqlalchemy as sa
from eth_account import Account
from eth_account.signers.local import LocalAccount
from ingest_checks import assert_claims_match_chain, assert_rows_match_events, count
from indexworld import IndexWorld, build
from worlds.fixtures import world_fixtures
from yibao.client import Ledger
from yibao.client.records import AccessRequest
from yibao.index import schema
from yibao.index.ingest import index_ledger
from yibao.index.screen import screen
from yibao.model.screening import Rule, ScreeningParams, Severity
from yibao.model.types import AccessBasis, AlertKind, Feedback, Purpose
from yibao.units import to_day

PATIENT: LocalAccount = Account.from_key(bytes.fromhex("6b" * 32))  # the patient's app: no gas
SEALED = (b"\xa1" * 80, b"\xa2" * 80, b"\xa3" * 80)  # a custodian's two sealed keys, the reader's one


def _small_world(admin: Ledger) -> IndexWorld:
    return build(admin, people=12)


world_state, world = world_fixtures(_small_world)


@dataclass
class Story:
    w: IndexWorld
    person: bytes
    record: int = 0
    consent: int = 0
    disputed: bytes = b""
    confirmed: bytes = b""

    @property
    def hosp(self) -> Ledger:
        return self.w.as_role("H1")

    @property
    def doctor(self) -> Ledger:
        return self.w.as_role("H2")

    @property
    def relay(self) -> Ledger:
        return self.w.as_role("operator")

    def claim_of_patient(self) -> bytes:
        n = len(self.w.people)
        self.w.invoices += (-(self.w.invoices + 1)) % n  # the next invoice falls to people[0]
        (cid,) = self.w.claims(1)
        return cid

    def begin(self) -> None:
        """The wallet, the encryption keys, a record (version 1) and a consent to the doctor."""
        self.relay.set_person_wallet(self.person, PATIENT.address)
        self.hosp.set_encryption_key(self.w.accounts["H1"], b"\x01" * 32)
        self.doctor.set_encryption_key(self.w.accounts["H2"], b"\x02" * 32)
        self.relay.set_encryption_key(PATIENT, b"\x03" * 32)
        self.record, _ = self.hosp.put_record(self.person, hashlib.sha256(b"v1").digest(), SEALED[0])
        self.consent, _ = self.relay.grant_consent(PATIENT, self.person, self.w.accounts["H2"].address, self.record,
                                                   Purpose.TREATMENT, dt.date(self.w.year, 12, 31))

    def go_on(self) -> None:
        """Rotation, a served read under the consent, revocation, an emergency, the feedback."""
        self.hosp.rotate_record(self.record, hashlib.sha256(b"v2").digest(), SEALED[1])
        ask = AccessRequest(self.record, self.w.accounts["H2"].address, Purpose.TREATMENT, AccessBasis.CONSENT,
                            self.consent)
        request, signature = self.doctor.sign_access(self.w.accounts["H2"], ask)
        self.hosp.serve_record(request, signature, SEALED[2])
        self.relay.revoke_consent(PATIENT, self.consent)
        self.doctor.declare_emergency(self.person, "ER_UNCONSCIOUS")
        self.disputed, self.confirmed = self.claim_of_patient(), self.claim_of_patient()
        self.relay.give_feedback(PATIENT, self.disputed, Feedback.NOT_RECEIVED)
        self.relay.give_feedback(PATIENT, self.confirmed, Feedback.CONFIRMED)


def _hex(raw: bytes) -> str:
    return "0x" + raw.hex()


def _all_text(conn: sa.Connection) -> str:
    """Every value of every table of the index, as text."""
    return "\n".join(repr(tuple(r)) for t in schema.metadata.sorted_tables for r in conn.execute(sa.select(t)))


def test_the_patients_story_fills_its_tables(world: IndexWorld, index_engine: sa.Engine) -> None:
    s = Story(world, world.people[0])
    s.begin()
    s.go_on()
    index_ledger(world.admin, index_engine)
    counts = assert_rows_match_events(index_engine, world.admin)
    assert all(counts[n] for n in ("RecordPut", "RecordRotated", "ConsentGranted", "ConsentRevoked",
                                   "EmergencyDeclared", "RecordServed", "ClaimFeedback"))
    assert_claims_match_chain(index_engine, world.admin)
    person, hosp, doctor = _hex(s.person), world.accounts["H1"].address, world.accounts["H2"].address
    today = to_day(world.admin.today())
    with index_engine.connect() as conn:
        r = schema.records.c
        assert conn.execute(sa.select(r.record, r.version, r.person, r.custodian, r.content_hash)
                            .order_by(r.version)).all() == [
            (s.record, 1, person, hosp, _hex(hashlib.sha256(b"v1").digest())),
            (s.record, 2, person, hosp, _hex(hashlib.sha256(b"v2").digest()))]
        k = schema.consents.c
        assert conn.execute(sa.select(k.consent_id, k.person, k.grantee, k.record, k.purpose, k.not_after_day,
                                      k.revoked_day, k.relayer)).all() == [
            (s.consent, person, doctor, s.record, Purpose.TREATMENT, to_day(dt.date(world.year, 12, 31)), today,
             world.accounts["operator"].address)]
        a = schema.record_accesses.c
        (access,) = conn.execute(sa.select(schema.record_accesses)).all()
        assert (access.record, access.person, access.reader, access.version, access.purpose, access.basis,
                access.basis_id) == (s.record, person, doctor, 2, Purpose.TREATMENT, AccessBasis.CONSENT, s.consent)
        stamp = conn.execute(sa.select(schema.blocks.c.timestamp).where(schema.blocks.c.number == access.block))
        assert access.time == stamp.scalar_one() > 0
        assert conn.execute(sa.select(a.access_id)).scalar_one() == 1
        e = schema.emergencies.c
        (em,) = conn.execute(sa.select(e.person, e.institution, e.reason, e.until)).all()
        assert em[:3] == (person, doctor, "ER_UNCONSCIOUS") and em[3] > access.time
        f = schema.claim_feedback.c
        assert sorted(conn.execute(sa.select(f.claim_id, f.person, f.code)).all()) == sorted([
            (_hex(s.disputed), person, Feedback.NOT_RECEIVED), (_hex(s.confirmed), person, Feedback.CONFIRMED)])
        # nothing secret: no sealed key, in any column of any table
        text = _all_text(conn)
        assert not any(key.hex() in text for key in SEALED)
        _check_alerts(conn, s, person)
        leads = screen(conn, ScreeningParams(rules=(Rule.PATIENT_DISPUTE,)))
    assert [(x.rule, x.severity, x.institution, x.person, x.claims) for x in leads] == [
        (Rule.PATIENT_DISPUTE, Severity.HIGH, hosp, person, (_hex(s.disputed),))]


def _check_alerts(conn: sa.Connection, s: Story, person: str) -> None:
    """The dispute's alert names its claim; the emergency's names the person and no claim, so a
    join of alerts to claims meets only real claims."""
    al = schema.alerts.c
    rows = conn.execute(sa.select(al.kind, al.claim_id, al.person)
                        .where(al.kind.in_([AlertKind.PATIENT_DISPUTE, AlertKind.EMERGENCY_ACCESS]))).all()
    assert sorted(rows) == [(AlertKind.PATIENT_DISPUTE, _hex(s.disputed), None),
                            (AlertKind.EMERGENCY_ACCESS, None, person)]
    joined = conn.execute(sa.select(al.kind).select_from(
        schema.alerts.join(schema.claims, schema.claims.c.claim_id == al.claim_id))).scalars().all()
    assert AlertKind.EMERGENCY_ACCESS not in joined and AlertKind.PATIENT_DISPUTE in joined
    assert count(conn, schema.alerts, al.claim_id.is_(None)) == 1


def test_a_reorg_rolls_the_patients_rows_back(world: IndexWorld, index_engine: sa.Engine) -> None:
    chain = world.admin.chain
    s = Story(world, world.people[0])
    s.begin()
    index_ledger(world.admin, index_engine)
    snap = chain.snapshot()
    s.go_on()
    before = index_ledger(world.admin, index_engine)
    with index_engine.connect() as conn:
        assert count(conn, schema.claim_feedback) == 2 and count(conn, schema.record_accesses) == 1
        assert count(conn, schema.consents, schema.consents.c.revoked_day.is_not(None)) == 1
    chain.revert(snap)
    for _ in range(12):  # other blocks at the same heights, and more
        chain.set_next_timestamp(chain.timestamp() + 60)
    world.claims(1)
    report = index_ledger(world.admin, index_engine)
    assert report.fork_block is not None and report.fork_block < before.last_block
    with index_engine.connect() as conn:
        assert count(conn, schema.records) == 1 and count(conn, schema.consents) == 1
        k = schema.consents.c
        assert conn.execute(sa.select(k.revoked_day, k.revoked_block)).one() == (None, None)
        for table in (schema.record_accesses, schema.emergencies, schema.claim_feedback):
            assert count(conn, table) == 0, table.name
        assert count(conn, schema.alerts, schema.alerts.c.kind.in_([6, 7])) == 0
        assert screen(conn, ScreeningParams(rules=(Rule.PATIENT_DISPUTE,))) == []
    assert_rows_match_events(index_engine, world.admin)
    assert_claims_match_chain(index_engine, world.admin)
