"""The world of the after-the-decision chain tests (settlement, supervision): two regions with
a regulator, an operator and two reviewers each, one level-3 hospital in region A, a person of
each region, on a chain of its own whose clock starts on 2025-12-31."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from yibao.chain import Chain, dev_account
from yibao.chain.node import AnvilNode
from yibao.client import Enrolment, Ledger
from yibao.codec import WireLine, encode_claim, invoice_word
from yibao.errors import ContractError
from yibao.model.types import Scheme
from yibao.units import noon_cst, to_day

A, B = 500000, 440100
D0 = dt.date(2026, 3, 2)
MAX = 2**256 - 1

ADMIN, REG_A, REG_B, OP_A, OP_B, REV1, REV2, HOSP, STRANGER = (dev_account(i) for i in range(9))


def policy(day: dt.date) -> tuple:
    # op_deductible 0, op ratio 5000 at level 3, ip ratio 8000 at 3, caps large, review threshold 10,000
    return (to_day(day), 0, [0, 0, 0, 10_000], [5000, 5000, 5000, 5000], [0, 9000, 8500, 8000],
            1_000_000, 3_000_000, 0, 0, 2000, 0, 10_000, 90, 15)


@dataclass
class World:
    chain: Chain
    ledger: Ledger
    p_home: bytes
    p_away: bytes
    serial: int = 0

    def as_(self, acct) -> Ledger:
        return self.ledger.acting_as(acct)

    def claim(self, person: bytes, price: int, invoice: str | None = None) -> bytes:
        """An outpatient claim at HOSP (level 3, region A) for one line of XA01; returns its id."""
        self.serial += 1
        inv = invoice or f"INV-{self.serial}"
        self.as_(HOSP).transact("submitClaims", self.words(person, price, inv), gas=2_000_000)
        return self.claim_id(HOSP.address, inv)

    @staticmethod
    def words(person: bytes, price: int, invoice: str) -> list[bytes]:
        """The words of an outpatient claim on D0 for one line of XA01 at ``price``."""
        return encode_claim(invoice, person, 0, D0, [WireLine("XA01", 1, price)])

    def claim_id(self, institution: str, invoice: str) -> bytes:
        return bytes(self.ledger.call("claimIdOf", institution, invoice_word(invoice)))

    def status(self, cid: bytes) -> tuple[int, int, int]:
        v = self.ledger.call("claimInfo", cid)
        return v[1], v[2], v[11]  # status, reason, fund

    def fund(self, region: int) -> dict[str, int]:
        names = ("opening", "balance", "contributions", "settled", "clearing_in", "clearing_out", "recovered")
        return dict(zip(names, self.ledger.call("fundOf", region), strict=True))

    def assert_law(self) -> None:
        for region in (A, B):
            f = self.fund(region)
            assert f["balance"] == (f["opening"] + f["contributions"] - f["settled"] + f["clearing_in"]
                                    - f["clearing_out"] + f["recovered"]), (region, f)


def build_base(request: pytest.FixtureRequest) -> Iterator[World]:
    """A world of its own on a fresh chain whose clock starts on 2025-12-31 (so the module does
    not depend on how far other tests moved a shared node's clock)."""
    genesis = noon_cst(dt.date(2025, 12, 31))
    node = None
    if request.param == "embedded":
        chain = Chain.embedded(genesis_timestamp=genesis)
    else:
        node = AnvilNode(timestamp=genesis)
        request.addfinalizer(node.stop)
        chain = Chain.connect(node.url)
    snap = chain.snapshot()
    chain.set_clock(noon_cst(dt.date(2026, 1, 1)))
    ledger = Ledger.deploy(chain, ADMIN)
    for region, reg, op in ((A, REG_A, OP_A), (B, REG_B, OP_B)):
        ledger.add_region(region, str(region), 1_000_000)
        ledger.grant_role(ledger.regulator_role(region), reg.address)
        r = ledger.acting_as(reg)
        r.grant_role(ledger.operator_role(region), op.address)
        r.grant_role(ledger.reviewer_role(region), REV1.address)
        r.grant_role(ledger.reviewer_role(region), REV2.address)
        for scheme in (0, 1):
            r.transact("addPolicy", region, scheme, policy(dt.date(2026, 1, 1)))
        r.transact("setItems", region, [(b"XA01".ljust(32, b"\0"), 0, 0, False, 0, 0)])
    ledger.acting_as(REG_A).add_institution(HOSP.address, A, 3)
    p_home = hashlib.sha256(b"home").digest()
    p_away = hashlib.sha256(b"away").digest()
    ledger.acting_as(OP_A).enrol(Enrolment(p_home, A, Scheme.EMPLOYEE, dt.date(2026, 1, 1), dt.date(2026, 12, 31)))
    ledger.acting_as(OP_B).enrol(Enrolment(p_away, B, Scheme.EMPLOYEE, dt.date(2026, 1, 1), dt.date(2026, 12, 31)))
    chain.set_clock(noon_cst(D0))
    inner = chain.snapshot()
    yield World(chain, ledger, p_home, p_away)
    chain.revert(inner)
    chain.revert(snap)


def restored(base: World) -> Iterator[World]:
    snap = base.chain.snapshot()
    try:
        yield base
    finally:
        base.chain.revert(snap)


def refused(name: str, fn) -> ContractError:
    with pytest.raises(ContractError) as info:
        fn()
    assert info.value.name == name, info.value
    return info.value


__all__ = [
    "ADMIN",
    "D0",
    "HOSP",
    "MAX",
    "OP_A",
    "OP_B",
    "REG_A",
    "REG_B",
    "REV1",
    "REV2",
    "STRANGER",
    "A",
    "B",
    "World",
    "build_base",
    "policy",
    "refused",
    "restored",
]
