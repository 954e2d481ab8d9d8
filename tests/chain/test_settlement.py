"""After the decision, on chain: review and appeal, settlement, clearing, clawback, freeze,
contributions — worked examples with hand-computed fen, every refusal by name, every role,
and the fund law after every step. Runs on the embedded chain and on anvil."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from yibao.chain import Chain, dev_account
from yibao.codec import WireLine, encode_claim, invoice_word
from yibao.client import Enrolment, Ledger
from yibao.units import noon_cst, to_day
from yibao.errors import AccessDenied, ContractError
from yibao.model.types import Scheme
from yibao.chain.node import AnvilNode

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
        words = encode_claim(inv, person, 0, D0, [WireLine("XA01", 1, price)])
        self.as_(HOSP).transact("submitClaims", words, gas=2_000_000)
        return bytes(self.ledger.call("claimIdOf", HOSP.address, invoice_word(inv)))

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


@pytest.fixture(scope="module", params=["embedded", pytest.param("anvil", marks=pytest.mark.anvil)])
def base(request: pytest.FixtureRequest) -> Iterator[World]:
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


@pytest.fixture
def w(base: World) -> Iterator[World]:
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


def test_flagged_claim_review_approve_then_settle(w: World) -> None:
    cid = w.claim(w.p_home, 30_000)  # fund 15,000 > threshold 10,000 → FLAGGED
    assert w.status(cid) == (2, 0, 15_000)
    w.as_(REV1).transact("review", cid, True, b"OK".ljust(32, b"\0"), bytes(32))
    assert w.status(cid) == (1, 0, 15_000)
    assert w.ledger.institution(HOSP.address).payable == 15_000
    r = w.as_(REG_A).transact("settle", HOSP.address, b"PAY-1".ljust(32, b"\0"))
    (s,) = r.named("Settled")
    assert (s["payable_"], s["netted"], s["cash"], s["claims"]) == (15_000, 0, 15_000, 1)
    assert w.status(cid)[0] == 5  # SETTLED
    f = w.fund(A)
    assert (f["balance"], f["settled"]) == (1_000_000 - 15_000, 15_000)
    w.assert_law()
    refused("NothingToSettle", lambda: w.as_(REG_A).transact("settle", HOSP.address, bytes(32)))


def test_reject_appeal_and_a_different_reviewer_decides(w: World) -> None:
    cid = w.claim(w.p_home, 30_000)
    w.as_(REV1).transact("review", cid, False, bytes(32), bytes(32))
    assert w.status(cid)[:2] == (3, 11)  # REJECTED, REVIEW_REJECTED
    refused("ClaimNotOwned", lambda: w.as_(STRANGER).transact("appeal", cid))
    w.as_(HOSP).transact("appeal", cid)
    assert w.status(cid)[0] == 4  # APPEALED
    refused("AppealAlreadyFiled", lambda: w.as_(HOSP).transact("appeal", cid))
    refused("ReviewerConflict", lambda: w.as_(REV1).transact("review", cid, True, bytes(32), bytes(32)))
    w.as_(REV2).transact("review", cid, True, bytes(32), bytes(32))
    assert w.status(cid) == (1, 0, 15_000)
    refused("ClaimNotReviewable", lambda: w.as_(REV2).transact("review", cid, True, bytes(32), bytes(32)))


def test_appeal_rejected_is_final(w: World) -> None:
    cid = w.claim(w.p_home, 30_000)
    w.as_(REV1).transact("review", cid, False, bytes(32), bytes(32))
    w.as_(HOSP).transact("appeal", cid)
    w.as_(REV2).transact("review", cid, False, bytes(32), bytes(32))
    assert w.status(cid)[:2] == (3, 12)
    refused("AppealAlreadyFiled", lambda: w.as_(HOSP).transact("appeal", cid))


def test_appeal_window_closes_after_appeal_days(w: World) -> None:
    cid = w.claim(w.p_home, 30_000)
    w.as_(REV1).transact("review", cid, False, bytes(32), bytes(32))
    w.chain.set_clock(noon_cst(D0 + dt.timedelta(days=16)))
    err = refused("AppealWindowClosed", lambda: w.as_(HOSP).transact("appeal", cid))
    assert err.inputs["lastDay"] == to_day(D0) + 15


def test_counts_reversed_on_rejection_and_reapplied_on_appeal(w: World) -> None:
    cid = w.claim(w.p_home, 30_000)
    used = lambda: w.ledger.call("countersOf", w.p_home, 2026)[1]  # noqa: E731
    assert used() == 15_000
    w.as_(REV1).transact("review", cid, False, bytes(32), bytes(32))
    assert used() == 0
    w.as_(HOSP).transact("appeal", cid)
    w.as_(REV2).transact("review", cid, True, bytes(32), bytes(32))
    assert used() == 15_000


def test_settlement_refusals(w: World) -> None:
    w.claim(w.p_home, 8_000)  # fund 4,000: approved
    w.as_(REG_A).transact("setFrozen", HOSP.address, True)
    refused("InstitutionUnchanged", lambda: w.as_(REG_A).transact("setFrozen", HOSP.address, True))
    refused("InstitutionFrozen", lambda: w.as_(REG_A).transact("settle", HOSP.address, bytes(32)))
    w.as_(REG_A).transact("setFrozen", HOSP.address, False)
    for _ in range(249):  # 250 × 4,000 = the home person's whole op cap of 1,000,000
        w.claim(w.p_home, 8_000)
    w.claim(w.p_away, 8_000)  # + 2,400 → payable 1,002,400 > balance 1,000,000
    err = refused("FundInsufficient", lambda: w.as_(REG_A).transact("settle", HOSP.address, bytes(32)))
    assert (err.inputs["required"], err.inputs["balance"]) == (1_002_400, 1_000_000)
    w.assert_law()


def test_cross_region_debt_and_clearing(w: World) -> None:
    w.claim(w.p_away, 8_000)  # person of B at A without filing: ratio 5000 − 2000 → fund 2,400
    w.as_(REG_A).transact("settle", HOSP.address, bytes(32))
    assert w.ledger.call("owedBetween", B, A) == 2_400
    refused("NothingToClear", lambda: w.as_(REG_A).transact("clear", A, B, MAX))
    refused("ClearingExceedsDebt", lambda: w.as_(REG_B).transact("clear", B, A, 2_401))
    refused("AmountZero", lambda: w.as_(REG_B).transact("clear", B, A, 0))
    with pytest.raises(AccessDenied):
        w.as_(REG_A).transact("clear", B, A, MAX)
    w.as_(REG_B).transact("clear", B, A, 400)
    w.as_(REG_B).transact("clear", B, A, MAX)
    assert w.ledger.call("owedBetween", B, A) == 0
    fa, fb = w.fund(A), w.fund(B)
    assert (fa["clearing_in"], fb["clearing_out"]) == (2_400, 2_400)
    assert (fa["balance"], fb["balance"]) == (1_000_000, 1_000_000 - 2_400)
    w.assert_law()


def test_clawback_becomes_debt_netted_from_next_settlement(w: World) -> None:
    cid = w.claim(w.p_home, 8_000)  # fund 4,000
    refused("ClaimNotSettled", lambda: w.as_(REG_A).transact("clawback", cid, bytes(32), bytes(32)))
    w.as_(REG_A).transact("settle", HOSP.address, bytes(32))
    w.as_(REG_A).transact("clawback", cid, b"FRAUD".ljust(32, b"\0"), hashlib.sha256(b"ev").digest())
    assert w.status(cid)[0] == 6
    assert w.ledger.institution(HOSP.address).debt == 4_000
    assert w.ledger.call("countersOf", w.p_home, 2026)[1] == 0
    refused("ClaimNotSettled", lambda: w.as_(REG_A).transact("clawback", cid, bytes(32), bytes(32)))
    w.claim(w.p_home, 6_000)  # fund 3,000 → all netted
    r = w.as_(REG_A).transact("settle", HOSP.address, bytes(32))
    (s,) = r.named("Settled")
    assert (s["payable_"], s["netted"], s["cash"]) == (3_000, 3_000, 0)
    inst = w.ledger.institution(HOSP.address)
    assert (inst.debt, inst.paid) == (1_000, 4_000)
    assert w.fund(A)["recovered"] == 3_000
    w.assert_law()


def test_contributions_credit_the_home_fund(w: World) -> None:
    w.as_(OP_B).transact("contribute", w.p_away, 60_000)
    refused("AmountZero", lambda: w.as_(OP_B).transact("contribute", w.p_away, 0))
    with pytest.raises(AccessDenied):
        w.as_(OP_A).transact("contribute", w.p_away, 1)
    assert w.fund(B)["contributions"] == 60_000
    w.assert_law()


@pytest.mark.parametrize("who", [STRANGER, REV1, OP_A, HOSP, REG_B])
def test_only_the_regulator_settles_claws_back_and_freezes(w: World, who) -> None:
    cid = w.claim(w.p_home, 8_000)
    w.as_(REG_A).transact("settle", HOSP.address, bytes(32))
    w.claim(w.p_home, 8_000)
    for fn, args in (("settle", (HOSP.address, bytes(32))), ("clawback", (cid, bytes(32), bytes(32))),
                     ("setFrozen", (HOSP.address, True))):
        with pytest.raises(AccessDenied):
            w.as_(who).transact(fn, *args)


@pytest.mark.parametrize("who", [STRANGER, REG_A, OP_A, HOSP])
def test_only_reviewers_review(w: World, who) -> None:
    cid = w.claim(w.p_home, 30_000)
    with pytest.raises(AccessDenied):
        w.as_(who).transact("review", cid, True, bytes(32), bytes(32))
    assert w.status(cid)[0] == 2
