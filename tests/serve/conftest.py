"""A ledger with one region, its policy and catalogue, a level-3 hospital and one insured person,
on the day of service (both chains): what the FHIR tests submit claims to."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, replace

import pytest
from eth_account.signers.local import LocalAccount
from eth_utils import keccak
from worlds.rules import CATALOGUE_CQ, CQ, POLICY
from yibao.chain import dev_account
from yibao.client import Enrolment, Ledger
from yibao.model.types import Scheme
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
