"""A ledger with one region, its policy and catalogue, a level-3 hospital and one insured person,
on the day of service (both chains): what the FHIR tests submit claims to (``fhir_world``); the
same with the service's other readers, a patient's wallet, a second region and its regulator
(``serve_world``); and with a patient's-side trail of consents and a served read (``trail_world``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct
from eth_account.signers.local import LocalAccount
from eth_utils import keccak
from fastapi.testclient import TestClient
from worlds.rules import CATALOGUE_CQ, CQ, GZ, POLICY
from yibao.chain import dev_account
from yibao.client import Enrolment, Ledger
from yibao.model.types import Scheme
from yibao.serve.app import create_app
from yibao.serve.context import ServeContext
from yibao.units import noon_cst


@dataclass(frozen=True)
class FhirWorld:
    ledger: Ledger
    hospital: LocalAccount
    person: bytes
    day: dt.date

    @property
    def namespace(self) -> str:
        return f"urn:ethereum:{self.ledger.chain.chain_id}:{self.ledger.address}"

    @property
    def provider(self) -> str:
        return f"urn:ethereum:{self.ledger.chain.chain_id}:{self.hospital.address}"


@pytest.fixture
def fhir_world(ledger: Ledger) -> Iterator[FhirWorld]:
    year = ledger.today().year + 1
    chain = ledger.chain
    chain.set_clock(noon_cst(dt.date(year, 1, 1)))
    regulator, operator, hospital = dev_account(1), dev_account(3), dev_account(7)
    ledger.add_region(CQ, "Chongqing", 10_000_000)
    ledger.grant_role(ledger.regulator_role(CQ), regulator.address)
    reg = ledger.acting_as(regulator)
    reg.grant_role(ledger.operator_role(CQ), operator.address)
    reg.add_policy(replace(POLICY, effective_from=dt.date(year, 1, 1)))
    reg.set_items(CQ, CATALOGUE_CQ)
    reg.add_institution(hospital.address, CQ, 3)
    person = keccak(text="fhir-patient")
    ledger.acting_as(operator).enrol(Enrolment(person, CQ, Scheme.EMPLOYEE, dt.date(year, 1, 1), dt.date(year, 12, 31)))
    day = dt.date(year, 3, 2)
    chain.set_clock(noon_cst(day))
    yield FhirWorld(ledger, hospital, person, day)


# ---------------------------------------------------------------------- the service's readers (issue 16 §1)

PATIENT: LocalAccount = Account.from_key(bytes.fromhex("5a" * 32))  # the person's wallet: no gas, signs in
OTHER_REGULATOR = dev_account(2)  # the regulator of a second region
OTHER_HOSPITAL = dev_account(9)  # another designated institution of the first region
READER = dev_account(8)  # an account the patient lets read a record (any account may be a grantee)


@dataclass(frozen=True)
class ServeWorld:
    """:class:`FhirWorld` with the readers of issue 16: the person's wallet bound (``patient``),
    the first region's regulator, a second region with its regulator and one person
    (``other_person``), another hospital of the first region, and an account of no role
    (``reader``: the patient's grantee in :func:`trail_world`)."""

    fhir: FhirWorld
    patient: LocalAccount
    regulator: LocalAccount
    other_regulator: LocalAccount
    other_hospital: LocalAccount
    other_person: bytes
    reader: LocalAccount = READER

    @property
    def ledger(self) -> Ledger:
        return self.fhir.ledger


@pytest.fixture
def serve_world(fhir_world: FhirWorld) -> ServeWorld:
    ledger, year = fhir_world.ledger, fhir_world.day.year
    regulator, operator = dev_account(1), dev_account(3)
    ledger.acting_as(operator).set_person_wallet(fhir_world.person, PATIENT.address)
    ledger.acting_as(regulator).add_institution(OTHER_HOSPITAL.address, CQ, 2)
    ledger.add_region(GZ, "Guangzhou", 10_000_000)
    ledger.grant_role(ledger.regulator_role(GZ), OTHER_REGULATOR.address)
    gz = ledger.acting_as(OTHER_REGULATOR)  # its operator: dev account 4
    gz.grant_role(ledger.operator_role(GZ), dev_account(4).address)
    other = keccak(text="fhir-patient-gz")
    ledger.acting_as(dev_account(4)).enrol(Enrolment(other, GZ, Scheme.RESIDENT, dt.date(year, 1, 1),
                                                     dt.date(year, 12, 31)))
    return ServeWorld(fhir_world, PATIENT, regulator, OTHER_REGULATOR, OTHER_HOSPITAL, other)


@dataclass(frozen=True)
class Trail:
    """What the patient's side holds in :func:`trail_world`: one record of the hospital's, the
    patient's consent to ``READER`` (revoked: ``revoked``; still active: ``active``) and one
    served read under the active one."""

    world: ServeWorld
    record: int
    active: int
    revoked: int


@pytest.fixture
def trail_world(serve_world: ServeWorld, tmp_path: Path) -> Trail:
    from yibao.client.records import AccessRequest
    from yibao.model.types import AccessBasis, Purpose
    from yibao.records import service
    from yibao.records.secrets import EncryptionSecrets
    from yibao.records.store import FolderStore

    w = serve_world
    ledger, day = w.ledger, w.fhir.day
    store, secrets = FolderStore(tmp_path / "store"), EncryptionSecrets(tmp_path)
    hospital = ledger.acting_as(w.fhir.hospital)
    record, _, _ = service.put_record(hospital, store, secrets, w.fhir.person, "门诊病历".encode())
    relay = ledger.acting_as(dev_account(3))
    active, _ = relay.grant_consent(w.patient, w.fhir.person, READER.address, record, Purpose.TREATMENT,
                                    day + dt.timedelta(days=30))
    revoked, _ = relay.grant_consent(w.patient, w.fhir.person, READER.address, None, Purpose.CLAIM_REVIEW,
                                     day + dt.timedelta(days=60))
    relay.revoke_consent(w.patient, revoked)
    request = AccessRequest(record, READER.address, Purpose.TREATMENT, AccessBasis.CONSENT, active, bytes(32))
    service.read_record(ledger.acting_as(READER), hospital, store, secrets, request)
    return Trail(w, record, active, revoked)


class Service:
    """The application over a :class:`ServeWorld`, holding the hospitals' keys, and a session per reader."""

    def __init__(self, w: ServeWorld) -> None:
        self.w = w
        keys = {a.address: a for a in (w.fhir.hospital, w.other_hospital)}
        self.ctx = ServeContext(w.ledger, keys.get, lambda national_id: w.fhir.person,
                                now=lambda: dt.datetime(2026, 12, 3, 8, 0, tzinfo=dt.UTC))
        self.client = TestClient(create_app(self.ctx))
        self._tokens: dict[str, str] = {}

    def headers(self, account: Any) -> dict[str, str]:
        if account.address not in self._tokens:
            msg = self.client.get("/auth/challenge", params={"address": account.address}).json()["message"]
            sig = Account.sign_message(encode_defunct(text=msg), account.key).signature.hex()
            r = self.client.post("/auth/session", json={"message": msg, "signature": "0x" + sig.removeprefix("0x")})
            assert r.status_code == 200, r.text
            self.client.cookies.clear()  # the bearer token only: a request without one is not signed in
            self._tokens[account.address] = r.json()["token"]
        return {"Authorization": f"Bearer {self._tokens[account.address]}"}

    def get(self, path: str, account: Any = None, **params: str) -> Any:
        return self.client.get(path, params=params, headers=self.headers(account) if account else {})


@pytest.fixture
def fhir_service(serve_world: ServeWorld) -> Service:
    return Service(serve_world)


from served_world import demo_run, served, served_db  # noqa: E402,F401  (the JSON API's world, tests/serve/served_world.py)
