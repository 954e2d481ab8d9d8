"""The world of the patient's-side chain tests (records.md): the after-the-decision world with a
second hospital of region A as the patient's doctor and the patient's wallet bound."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from afterworld import OP_A, REG_A, A, World, build_base
from eth_account import Account
from eth_account.signers.local import LocalAccount

from yibao.chain import dev_account

DOCTOR = dev_account(9)  # another hospital of region A: the treating doctor
PATIENT: LocalAccount = Account.from_key(bytes.fromhex("5a" * 32))  # the 医保电子凭证 app's key: no gas
NOTE = "门诊病历: 2026-03-02 急性支气管炎, 阿莫西林 0.25 g tid × 5 天".encode()


def build_records_base(request: pytest.FixtureRequest) -> Iterator[World]:
    """:func:`afterworld.build_base` with the doctor registered and the patient's wallet bound."""
    for w in build_base(request):
        w.as_(REG_A).add_institution(DOCTOR.address, A, 2)
        w.as_(OP_A).set_person_wallet(w.p_home, PATIENT.address)
        w.chain.set_clock(w.chain.timestamp() + 60)
        yield w


__all__ = ["DOCTOR", "NOTE", "PATIENT", "build_records_base"]
