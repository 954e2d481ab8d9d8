"""The registry contracts (regions, institutions, people, filings, roles) through the client.

Every test runs on both backends (embedded EVM and anvil) from the same small world
(``registry_world.build_world``), built once per backend; the ``ledger`` fixture's
snapshot/revert puts it back after each test.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from worlds.fixtures import world_fixtures
from worlds.registry_world import (
    ADMIN_ROLE, NOBODY_ROLE, ROLE_ACCOUNTS, R, S, T, World, build_world, day, denied, dev_account, one,
    pseudonym, reverts
)
from web3 import Web3
from yibao.chain import artifacts
from yibao.client import Enrolment, Ledger
from yibao.units import noon_cst
from yibao.errors import AccessDenied, ContractError, InputError, KeyRefused
from yibao.model.types import Grade, InstitutionStatus, PersonStatus, Scheme

ZERO_ADDRESS = "0x" + "00" * 20
D = dt.timedelta


world_state, w = world_fixtures(build_world)


def role_admin(ledger: Ledger, role: bytes) -> bytes:
    return bytes(ledger.call("getRoleAdmin", role))


def enrolled(ledger: Ledger, *people: bytes) -> list[bool]:
    return [bool(b) for b in ledger.call("enrolled", list(people))]


# ====================================================================== the role matrix

#: Who may call what. Columns are the roles of ``registry_world.ROLE_ACCOUNTS``:
#: admin, regulator of R, regulator of S, operator of R, operator of S, reviewer of R,
#: an institution of R, a stranger. Every target (institution, person, role) is in R.
#: ``Y`` = allowed, ``-`` = refused with AccessControlUnauthorizedAccount.
MATRIX = """
                          adm  reg  reg2 op   op2  rev  inst anon
addRegion                 Y    -    -    -    -    -    -    -
addInstitution            -    Y    -    -    -    -    -    -
setInstitutionStatus      -    Y    -    -    -    -    -    -
setInstitutionGrade       -    Y    -    -    -    -    -    -
enrol                     -    -    -    Y    -    -    -    -
enrolBatch                -    -    -    Y    -    -    -    -
updatePerson              -    -    -    Y    -    -    -    -
setPersonWallet           -    -    -    Y    -    -    -    -
suspendPerson             -    -    -    Y    -    -    -    -
reinstatePerson           -    -    -    Y    -    -    -    -
terminatePerson           -    -    -    Y    -    -    -    -
addFiling                 -    -    -    Y    -    -    -    -
cancelFiling              -    -    -    Y    -    -    -    -
grantRole(admin)          Y    -    -    -    -    -    -    -
grantRole(regulator)      Y    -    -    -    -    -    -    -
revokeRole(regulator)     Y    -    -    -    -    -    -    -
grantRole(operator)       -    Y    -    -    -    -    -    -
revokeRole(operator)      -    Y    -    -    -    -    -    -
grantRole(reviewer)       -    Y    -    -    -    -    -    -
revokeRole(reviewer)      -    Y    -    -    -    -    -    -
grantRole(institution)    -    -    -    -    -    -    -    -
revokeRole(institution)   -    -    -    -    -    -    -    -
grantRole(nobody)         -    -    -    -    -    -    -    -
"""
COLUMNS = {
    "adm": "admin", "reg": "regulator", "reg2": "regulator_other", "op": "operator",
    "op2": "operator_other", "rev": "reviewer", "inst": "institution", "anon": "stranger",
}


def _parse_matrix() -> list[tuple[str, str, bool]]:
    lines = [ln.split() for ln in MATRIX.strip().splitlines()]
    header, rows = lines[0], lines[1:]
    assert [COLUMNS[c] for c in header] == list(ROLE_ACCOUNTS)
    out = []
    for fn, *cells in rows:
        assert len(cells) == len(header), fn
        for col, cell in zip(header, cells, strict=True):
            assert cell in ("Y", "-"), (fn, cell)
            out.append((fn, COLUMNS[col], cell == "Y"))
    return out


@dataclass(frozen=True)
class Op:
    """One mutating call of the matrix: what to send, what to look at, what it should become."""

    act: Callable[[Ledger, World], Any]
    observe: Callable[[Ledger, World], Any]
    expected: Callable[[Ledger, World], Any]  # observe() after a successful call
    needed: Callable[[Ledger, World], bytes]  # the role a refusal names
    event: str


def _inst(w: World) -> str:
    return w.addr("institution")


def _grant(role: Callable[[Ledger], bytes], needed: Callable[[Ledger, World], bytes]) -> Op:
    return Op(
        act=lambda lg, w: lg.grant_role(role(lg), w.target.address),
        observe=lambda lg, w: lg.has_role(role(lg), w.target.address),
        expected=lambda lg, w: True,
        needed=needed,
        event="RoleGranted",
    )


def _revoke(role: Callable[[Ledger], bytes], holder: str,
            needed: Callable[[Ledger, World], bytes]) -> Op:
    return Op(
        act=lambda lg, w: lg.revoke_role(role(lg), w.addr(holder)),
        observe=lambda lg, w: lg.has_role(role(lg), w.addr(holder)),
        expected=lambda lg, w: False,
        needed=needed,
        event="RoleRevoked",
    )


def _admin(lg: Ledger, w: World) -> bytes:
    return ADMIN_ROLE


def _regulator(lg: Ledger, w: World) -> bytes:
    return lg.regulator_role(R)


def _operator(lg: Ledger, w: World) -> bytes:
    return lg.operator_role(R)


def _nobody(lg: Ledger, w: World) -> bytes:
    return NOBODY_ROLE


def _filings(lg: Ledger, w: World) -> tuple[Any, ...]:
    return tuple((f.region, f.start, f.end) for f in lg.person(w.P).filings)


_NEW_FILING = (S, dt.date(2099, 1, 1), dt.date(2099, 2, 1))

OPS: dict[str, Op] = {
    "addRegion": Op(
        act=lambda lg, w: lg.add_region(T, "Shenzhen", 5),
        observe=lambda lg, w: lg.region(T),
        expected=lambda lg, w: {"code": T, "exists": True, "opening_balance": 5, "name": "Shenzhen"},
        needed=_admin, event="RegionAdded",
    ),
    "addInstitution": Op(
        act=lambda lg, w: lg.add_institution(w.target.address, R, 1, Grade.B),
        observe=lambda lg, w: (lg.institution_count(),
                              lg.has_role(lg.institution_role(), w.target.address)),
        expected=lambda lg, w: (2, True),
        needed=_regulator, event="InstitutionAdded",
    ),
    "setInstitutionStatus": Op(
        act=lambda lg, w: lg.set_institution_status(_inst(w), InstitutionStatus.SUSPENDED, 3),
        observe=lambda lg, w: lg.institution(_inst(w)).status,
        expected=lambda lg, w: InstitutionStatus.SUSPENDED,
        needed=_regulator, event="InstitutionStatusChanged",
    ),
    "setInstitutionGrade": Op(
        act=lambda lg, w: lg.set_institution_grade(_inst(w), Grade.C),
        observe=lambda lg, w: lg.institution(_inst(w)).grade,
        expected=lambda lg, w: Grade.C,
        needed=_regulator, event="InstitutionGradeChanged",
    ),
    "enrol": Op(
        act=lambda lg, w: lg.enrol(w.enrolment(100)),
        observe=lambda lg, w: (lg.person_count(), enrolled(lg, pseudonym(100))),
        expected=lambda lg, w: (3, [True]),
        needed=_operator, event="PersonEnrolled",
    ),
    "enrolBatch": Op(
        act=lambda lg, w: lg.enrol_batch([w.enrolment(101), w.enrolment(102)]),
        observe=lambda lg, w: (lg.person_count(), enrolled(lg, pseudonym(101), pseudonym(102))),
        expected=lambda lg, w: (4, [True, True]),
        needed=_operator, event="PersonEnrolled",
    ),
    "updatePerson": Op(
        act=lambda lg, w: lg.update_person(w.P, Scheme.RESIDENT, w.cov_from, w.cov_to + D(365)),
        observe=lambda lg, w: (lg.person(w.P).scheme, lg.person(w.P).coverage_to),
        expected=lambda lg, w: (Scheme.RESIDENT, w.cov_to + D(365)),
        needed=_operator, event="PersonUpdated",
    ),
    "setPersonWallet": Op(
        act=lambda lg, w: lg.set_person_wallet(w.P, w.target.address),
        observe=lambda lg, w: lg.person(w.P).wallet,
        expected=lambda lg, w: w.target.address,
        needed=_operator, event="PersonWalletSet",
    ),
    "suspendPerson": Op(
        act=lambda lg, w: lg.suspend_person(w.P, 2),
        observe=lambda lg, w: lg.person(w.P).status,
        expected=lambda lg, w: PersonStatus.SUSPENDED,
        needed=_operator, event="PersonStatusChanged",
    ),
    "reinstatePerson": Op(
        act=lambda lg, w: lg.reinstate_person(w.Q, 2),
        observe=lambda lg, w: lg.person(w.Q).status,
        expected=lambda lg, w: PersonStatus.ACTIVE,
        needed=_operator, event="PersonStatusChanged",
    ),
    "terminatePerson": Op(
        act=lambda lg, w: lg.terminate_person(w.P, 2),
        observe=lambda lg, w: lg.person(w.P).status,
        expected=lambda lg, w: PersonStatus.TERMINATED,
        needed=_operator, event="PersonStatusChanged",
    ),
    "addFiling": Op(
        act=lambda lg, w: lg.add_filing(w.P, *_NEW_FILING),
        observe=_filings,
        expected=lambda lg, w: (w.p_filing, _NEW_FILING),
        needed=_operator, event="FilingAdded",
    ),
    "cancelFiling": Op(
        act=lambda lg, w: lg.cancel_filing(w.P, w.p_filing[0], w.p_filing[1]),
        observe=_filings,
        expected=lambda lg, w: (),
        needed=_operator, event="FilingRemoved",
    ),
    "grantRole(admin)": _grant(lambda lg: ADMIN_ROLE, _admin),
    "grantRole(regulator)": _grant(lambda lg: lg.regulator_role(R), _admin),
    "revokeRole(regulator)": _revoke(lambda lg: lg.regulator_role(R), "regulator", _admin),
    "grantRole(operator)": _grant(lambda lg: lg.operator_role(R), _regulator),
    "revokeRole(operator)": _revoke(lambda lg: lg.operator_role(R), "operator", _regulator),
    "grantRole(reviewer)": _grant(lambda lg: lg.reviewer_role(R), _regulator),
    "revokeRole(reviewer)": _revoke(lambda lg: lg.reviewer_role(R), "reviewer", _regulator),
    "grantRole(institution)": _grant(lambda lg: lg.institution_role(), _nobody),
    "revokeRole(institution)": _revoke(lambda lg: lg.institution_role(), "institution", _nobody),
    "grantRole(nobody)": _grant(lambda lg: NOBODY_ROLE, _nobody),
}


def test_matrix_covers_every_op_and_role() -> None:
    rows = _parse_matrix()
    assert {fn for fn, _, _ in rows} == set(OPS)
    assert len(rows) == len(OPS) * len(ROLE_ACCOUNTS)


@pytest.mark.parametrize(
    ("fn", "role", "allowed"),
    [pytest.param(*row, id=f"{row[0]}-{row[1]}-{'allowed' if row[2] else 'refused'}")
     for row in _parse_matrix()],
)
def test_access(w: World, fn: str, role: str, allowed: bool) -> None:
    op = OPS[fn]
    admin = w.admin
    before = op.observe(admin, w)
    assert before != op.expected(admin, w), "the world must not already be in the target state"
    actor = w.as_role(role)
    if allowed:
        result = op.act(actor, w)
        assert result.named(op.event), f"{fn} by {role} emitted no {op.event}"
        assert op.observe(admin, w) == op.expected(admin, w)
    else:
        denied(lambda: op.act(actor, w), w.accounts[role], op.needed(admin, w))
        assert op.observe(admin, w) == before


# ====================================================================== roles


def test_role_admins(w: World) -> None:
    lg = w.admin
    assert role_admin(lg, lg.regulator_role(R)) == ADMIN_ROLE
    assert role_admin(lg, lg.operator_role(R)) == lg.regulator_role(R)
    assert role_admin(lg, lg.reviewer_role(R)) == lg.regulator_role(R)
    assert role_admin(lg, lg.institution_role()) == NOBODY_ROLE
    # NOBODY administers itself, so not even the admin can hand it out (and with it the
    # institution role).
    assert role_admin(lg, NOBODY_ROLE) == NOBODY_ROLE
    assert role_admin(lg, ADMIN_ROLE) == ADMIN_ROLE
    # Regional roles are distinct per region and per kind.
    roles = {lg.regulator_role(R), lg.operator_role(R), lg.reviewer_role(R), lg.regulator_role(S),
             lg.operator_role(S), lg.reviewer_role(S), lg.institution_role(), ADMIN_ROLE}
    assert len(roles) == 8


def test_role_events_and_effect(w: World) -> None:
    reg = w.as_role("regulator")
    target = w.target
    res = reg.grant_role(w.admin.operator_role(R), target.address)
    assert one(res.named("RoleGranted")) == {
        "role": w.admin.operator_role(R), "account": target.address.lower(),
        "sender": w.addr("regulator").lower(),
    }
    w.admin.acting_as(target).enrol(w.enrolment(100))  # the new operator can enrol
    res = reg.revoke_role(w.admin.operator_role(R), target.address)
    assert one(res.named("RoleRevoked")) == {
        "role": w.admin.operator_role(R), "account": target.address.lower(),
        "sender": w.addr("regulator").lower(),
    }
    denied(lambda: w.admin.acting_as(target).enrol(w.enrolment(101)), target,
           w.admin.operator_role(R))
    assert enrolled(w.admin, pseudonym(100), pseudonym(101)) == [True, False]


def test_regulator_manages_only_its_own_region(w: World) -> None:
    reg = w.as_role("regulator")
    acct = dev_account(ROLE_ACCOUNTS["regulator"])
    target = w.target.address
    denied(lambda: reg.grant_role(w.admin.operator_role(S), target), acct, w.admin.regulator_role(S))
    denied(lambda: reg.grant_role(w.admin.reviewer_role(S), target), acct, w.admin.regulator_role(S))
    denied(lambda: reg.add_institution(target, S, 1), acct, w.admin.regulator_role(S))
    inst_s = dev_account(9).address
    w.as_role("regulator_other").add_institution(inst_s, S, 1)
    denied(lambda: reg.set_institution_status(inst_s, "SUSPENDED"), acct, w.admin.regulator_role(S))
    denied(lambda: reg.set_institution_grade(inst_s, "B"), acct, w.admin.regulator_role(S))
    assert w.admin.institution(inst_s).status == InstitutionStatus.ACTIVE
    assert w.admin.institution(inst_s).grade == Grade.A


def test_operator_acts_only_on_its_own_region(w: World) -> None:
    """An operator of S cannot enrol into R, nor touch R's people; a mixed batch fails."""
    op2 = w.as_role("operator_other")
    acct = w.accounts["operator_other"]
    need = w.admin.operator_role(R)
    denied(lambda: op2.enrol(w.enrolment(100, region=R)), acct, need)
    denied(lambda: op2.add_filing(w.P, S, dt.date(2099, 1, 1), dt.date(2099, 1, 2)), acct, need)
    denied(lambda: op2.cancel_filing(w.P, *w.p_filing[:2]), acct, need)
    # The S operator's own region works.
    op2.enrol(w.enrolment(101, region=S))
    assert w.admin.person(pseudonym(101)).region == S


# ====================================================================== regions


def test_add_region(w: World) -> None:
    res = w.admin.add_region(T, "深圳 Shenzhen", 123_456)
    assert one(res.named("RegionAdded")) == {
        "region": T, "name": "深圳 Shenzhen", "openingBalance": 123_456,
    }
    assert w.admin.region(T) == {
        "code": T, "exists": True, "opening_balance": 123_456, "name": "深圳 Shenzhen",
    }
    # Adding the region makes its regulator the admin of its operators and reviewers.
    lg = w.admin
    assert role_admin(lg, lg.operator_role(T)) == lg.regulator_role(T)
    assert role_admin(lg, lg.reviewer_role(T)) == lg.regulator_role(T)
    changed = res.named("RoleAdminChanged")
    assert {bytes(e["role"]) for e in changed} == {lg.operator_role(T), lg.reviewer_role(T)}


def test_unknown_region_view(w: World) -> None:
    assert w.admin.region(T) == {"code": T, "exists": False, "opening_balance": 0, "name": ""}


@pytest.mark.parametrize("code", [0, 1, 99_999, 1_000_000, 2**32 - 1])
def test_region_code_invalid(w: World, code: int) -> None:
    reverts("RegionCodeInvalid", lambda: w.admin.add_region(code, "bad"), code)
    assert not w.admin.region(code)["exists"]


def test_region_code_boundaries_accepted(w: World) -> None:
    for code in (100_000, 999_999):
        w.admin.add_region(code, f"r{code}")
        assert w.admin.region(code)["exists"]


def test_duplicate_region(w: World) -> None:
    reverts("RegionExists", lambda: w.admin.add_region(R, "Other", 5), R)
    assert w.admin.region(R) == {"code": R, "exists": True, "opening_balance": 1_000_000,
                                 "name": "Beijing"}


def test_negative_opening_balance_refused_by_client(w: World) -> None:
    block = w.admin.chain.block_number()
    with pytest.raises(InputError):
        w.admin.add_region(T, "x", -1)
    assert w.admin.chain.block_number() == block


# ====================================================================== institutions


def test_add_institution(w: World) -> None:
    reg2 = w.as_role("regulator_other")
    target = w.target.address
    res = reg2.add_institution(target, S, 3, Grade.D)
    assert one(res.named("InstitutionAdded")) == {
        "account": target.lower(), "region": S, "level": 3, "grade": int(Grade.D), "index": 2,
    }
    assert one(res.named("RoleGranted"))["role"] == w.admin.institution_role()
    inst = w.admin.institution(target)
    assert (inst.account, inst.region, inst.index, inst.level, inst.status, inst.grade,
            inst.frozen) == (target, S, 2, 3, InstitutionStatus.ACTIVE, Grade.D, False)
    assert w.admin.has_role(w.admin.institution_role(), target)
    assert w.admin.institution_count() == 2
    # A retail pharmacy (level 0) is a valid institution too.
    reg2.add_institution(dev_account(9).address, S, 0, "E")
    assert w.admin.institution(dev_account(9).address).level == 0
    assert w.admin.institution(dev_account(9).address).index == 3


def test_add_institution_bad_input(w: World) -> None:
    reg = w.as_role("regulator")
    target = w.target.address
    reverts("InstitutionLevelInvalid", lambda: reg.add_institution(target, R, 4), 4)
    reverts("InstitutionLevelInvalid", lambda: reg.add_institution(target, R, 255), 255)
    # The client refuses a grade > E itself; the contract refuses it when sent raw.
    reverts("GradeInvalid", lambda: reg.transact("addInstitution", target, R, 1, 5), 5)
    reverts("AccountZero", lambda: reg.add_institution(ZERO_ADDRESS, R, 1))
    reverts("RegionUnknown", lambda: reg.add_institution(target, T, 1), T)
    inst = w.addr("institution")
    reverts("InstitutionExists", lambda: reg.add_institution(inst, R, 1), inst)
    # Registered in R, so it cannot be designated again in S either.
    reverts("InstitutionExists",
            lambda: w.as_role("regulator_other").add_institution(inst, S, 1), inst)
    assert w.admin.institution_count() == 1
    assert not w.admin.has_role(w.admin.institution_role(), target)
    reverts("InstitutionUnknown", lambda: w.admin.institution(target), target)


def test_client_refuses_bad_enum_before_sending(w: World) -> None:
    reg = w.as_role("regulator")
    chain = w.admin.chain
    block = chain.block_number()
    for call in (
        lambda: reg.add_institution(w.target.address, R, 1, "F"),
        lambda: reg.add_institution(w.target.address, R, 1, 5),
        lambda: reg.set_institution_grade(w.addr("institution"), "F"),
        lambda: reg.set_institution_status(w.addr("institution"), "CLOSED"),
        lambda: reg.set_institution_status(w.addr("institution"), 3),
    ):
        with pytest.raises(InputError):
            call()
    assert chain.block_number() == block


def test_institution_status_transitions(w: World) -> None:
    reg = w.as_role("regulator")
    inst = w.addr("institution")
    role = w.admin.institution_role()

    def status() -> InstitutionStatus:
        return w.admin.institution(inst).status

    reverts("InstitutionUnchanged", lambda: reg.set_institution_status(inst, "ACTIVE"), inst)
    res = reg.set_institution_status(inst, "SUSPENDED", 4)
    assert one(res.named("InstitutionStatusChanged")) == {
        "account": inst.lower(), "from": 0, "to": 1, "reason": 4}
    assert status() == InstitutionStatus.SUSPENDED
    assert w.admin.has_role(role, inst)  # suspension keeps the role
    reverts("InstitutionUnchanged", lambda: reg.set_institution_status(inst, "SUSPENDED"), inst)
    res = reg.set_institution_status(inst, "ACTIVE", 5)
    assert one(res.named("InstitutionStatusChanged")) == {
        "account": inst.lower(), "from": 1, "to": 0, "reason": 5}
    reverts("InstitutionStatusInvalid",
            lambda: reg.transact("setInstitutionStatus", inst, 3, 0), 3)
    res = reg.set_institution_status(inst, "REVOKED", 9)
    assert one(res.named("InstitutionStatusChanged")) == {
        "account": inst.lower(), "from": 0, "to": 2, "reason": 9}
    assert one(res.named("RoleRevoked")) == {
        "role": role, "account": inst.lower(), "sender": w.addr("regulator").lower()}
    assert status() == InstitutionStatus.REVOKED
    assert not w.admin.has_role(role, inst)
    # REVOKED is final.
    for s in ("ACTIVE", "SUSPENDED", "REVOKED"):
        reverts("InstitutionRevoked", lambda s=s: reg.set_institution_status(inst, s), inst)
    reverts("InstitutionExists", lambda: reg.add_institution(inst, R, 1), inst)
    assert status() == InstitutionStatus.REVOKED


def test_suspended_institution_can_be_revoked(w: World) -> None:
    reg = w.as_role("regulator")
    inst = w.addr("institution")
    reg.set_institution_status(inst, "SUSPENDED")
    res = reg.set_institution_status(inst, "REVOKED", 1)
    assert one(res.named("InstitutionStatusChanged")) == {
        "account": inst.lower(), "from": 1, "to": 2, "reason": 1}
    assert not w.admin.has_role(w.admin.institution_role(), inst)


def test_institution_grade_changes(w: World) -> None:
    reg = w.as_role("regulator")
    inst = w.addr("institution")
    res = reg.set_institution_grade(inst, "B")
    assert one(res.named("InstitutionGradeChanged")) == {"account": inst.lower(), "from": 0, "to": 1}
    res = reg.set_institution_grade(inst, Grade.E)
    assert one(res.named("InstitutionGradeChanged")) == {"account": inst.lower(), "from": 1, "to": 4}
    reverts("InstitutionUnchanged", lambda: reg.set_institution_grade(inst, "E"), inst)
    reverts("GradeInvalid", lambda: reg.transact("setInstitutionGrade", inst, 5), 5)
    assert w.admin.institution(inst).grade == Grade.E
    reg.set_institution_grade(inst, "A")
    assert w.admin.institution(inst).grade == Grade.A
    assert w.admin.institution(inst).status == InstitutionStatus.ACTIVE


def test_unknown_institution(w: World) -> None:
    reg = w.as_role("regulator")
    t = w.target.address
    reverts("InstitutionUnknown", lambda: reg.set_institution_status(t, "SUSPENDED"), t)
    reverts("InstitutionUnknown", lambda: reg.set_institution_grade(t, "B"), t)


# ====================================================================== enrolment


def test_enrol_with_wallet(w: World) -> None:
    op = w.as_role("operator")
    wallet = dev_account(9).address
    e = w.enrolment(100, scheme=Scheme.RESIDENT, wallet=wallet)
    res = op.enrol(e)
    assert [ev["event"] for ev in res.events] == ["PersonEnrolled", "PersonWalletSet"]
    assert one(res.named("PersonEnrolled")) == {
        "person": e.person, "region": R, "scheme": 1, "coverageFrom": day(w.cov_from),
        "coverageTo": day(w.cov_to), "index": 3,
    }
    assert one(res.named("PersonWalletSet")) == {"person": e.person, "wallet": wallet.lower()}
    p = w.admin.person(e.person)
    assert (p.pseudonym, p.index, p.region, p.scheme, p.status, p.status_reason, p.coverage_from,
            p.coverage_to, p.wallet, p.filings) == (
        e.person, 3, R, Scheme.RESIDENT, PersonStatus.ACTIVE, 0, w.cov_from, w.cov_to, wallet, ())
    assert w.admin.person_count() == 3


def test_enrol_without_wallet(w: World) -> None:
    res = w.as_role("operator").enrol(w.enrolment(100))
    assert [ev["event"] for ev in res.events] == ["PersonEnrolled"]
    assert w.admin.person(pseudonym(100)).wallet is None


def test_enrol_bad_input(w: World) -> None:
    op = w.as_role("operator")
    zero = bytes(32)
    reverts("PseudonymInvalid", lambda: op.enrol(w.enrolment(100, person=zero)), zero)
    reverts("SchemeInvalid", lambda: op.enrol(w.enrolment(100, scheme=2)), 2)
    start, end = w.cov_from, w.cov_from - D(1)
    reverts("CoverageInvalid",
            lambda: op.enrol(w.enrolment(100, coverage_from=start, coverage_to=end)),
            day(start), day(end))
    reverts("PersonExists", lambda: op.enrol(w.enrolment(1)), w.P)  # person 1 is P
    assert w.admin.person_count() == 2
    assert enrolled(w.admin, pseudonym(100), zero) == [False, False]
    reverts("PersonUnknown", lambda: w.admin.person(pseudonym(100)), pseudonym(100))
    # One-day coverage (from == to) is valid.
    op.enrol(w.enrolment(100, coverage_from=start, coverage_to=start))
    assert w.admin.person(pseudonym(100)).coverage_to == start


def test_enrol_unknown_region(w: World) -> None:
    """RegionUnknown on enrolment needs an operator of an unregistered region. Today the
    admin can grant one: until a region is added, its operator role is administered by the
    admin (DEFAULT_ADMIN_ROLE)."""
    w.admin.grant_role(w.admin.operator_role(T), w.target.address)
    op_t = w.admin.acting_as(w.target)
    reverts("RegionUnknown", lambda: op_t.enrol(w.enrolment(100, region=T)), T)
    reverts("RegionUnknown", lambda: op_t.enrol_batch([w.enrolment(100, region=T)]), T)
    assert w.admin.person_count() == 2


def test_coverage_boundaries(w: World) -> None:
    lg = w.admin
    assert not lg.is_covered(w.P, w.cov_from - D(1))
    assert lg.is_covered(w.P, w.cov_from)
    assert lg.is_covered(w.P, w.cov_to)
    assert not lg.is_covered(w.P, w.cov_to + D(1))
    assert not lg.is_covered(pseudonym(100), w.cov_from)  # not enrolled


def test_update_person(w: World) -> None:
    op = w.as_role("operator")
    new_from, new_to = w.cov_from + D(31), w.cov_to + D(365)
    res = op.update_person(w.P, "RESIDENT", new_from, new_to)
    assert one(res.named("PersonUpdated")) == {
        "person": w.P, "scheme": 1, "coverageFrom": day(new_from), "coverageTo": day(new_to)}
    p = w.admin.person(w.P)
    assert (p.scheme, p.coverage_from, p.coverage_to) == (Scheme.RESIDENT, new_from, new_to)
    assert not w.admin.is_covered(w.P, w.cov_from)
    assert w.admin.is_covered(w.P, new_to)
    reverts("CoverageInvalid", lambda: op.update_person(w.P, "EMPLOYEE", new_to, new_from),
            day(new_to), day(new_from))
    reverts("SchemeInvalid",
            lambda: op.transact("updatePerson", w.P, 2, day(new_from), day(new_to)), 2)
    reverts("PersonUnknown", lambda: op.update_person(pseudonym(100), "EMPLOYEE", new_from,
                                                      new_to), pseudonym(100))
    p2 = w.admin.person(w.P)
    assert (p2.scheme, p2.coverage_from, p2.coverage_to) == (Scheme.RESIDENT, new_from, new_to)


def test_person_wallet(w: World) -> None:
    op = w.as_role("operator")
    wallet = dev_account(9).address
    res = op.set_person_wallet(w.P, wallet)
    assert one(res.named("PersonWalletSet")) == {"person": w.P, "wallet": wallet.lower()}
    assert w.admin.person(w.P).wallet == wallet
    res = op.set_person_wallet(w.P, None)
    assert one(res.named("PersonWalletSet")) == {"person": w.P, "wallet": ZERO_ADDRESS}
    assert w.admin.person(w.P).wallet is None
    reverts("PersonUnknown", lambda: op.set_person_wallet(pseudonym(100), wallet),
            pseudonym(100))


def test_person_status_transitions(w: World) -> None:
    op = w.as_role("operator")
    P = w.P

    def state() -> tuple[PersonStatus, int]:
        p = w.admin.person(P)
        return p.status, p.status_reason

    reverts("PersonStatusTransitionInvalid", lambda: op.reinstate_person(P), P, 0, 0)
    res = op.suspend_person(P, 5)
    assert one(res.named("PersonStatusChanged")) == {"person": P, "from": 0, "to": 1, "reason": 5}
    assert state() == (PersonStatus.SUSPENDED, 5)
    reverts("PersonStatusTransitionInvalid", lambda: op.suspend_person(P), P, 1, 1)
    res = op.reinstate_person(P, 6)
    assert one(res.named("PersonStatusChanged")) == {"person": P, "from": 1, "to": 0, "reason": 6}
    assert state() == (PersonStatus.ACTIVE, 6)
    res = op.terminate_person(P, 7)
    assert one(res.named("PersonStatusChanged")) == {"person": P, "from": 0, "to": 2, "reason": 7}
    assert state() == (PersonStatus.TERMINATED, 7)
    # TERMINATED is final.
    reverts("PersonTerminated", lambda: op.suspend_person(P), P)
    reverts("PersonTerminated", lambda: op.reinstate_person(P), P)
    reverts("PersonTerminated", lambda: op.terminate_person(P, 8), P)
    reverts("PersonTerminated", lambda: op.update_person(P, "EMPLOYEE", w.cov_from, w.cov_to), P)
    reverts("PersonTerminated",
            lambda: op.add_filing(P, S, dt.date(2099, 1, 1), dt.date(2099, 1, 2)), P)
    assert state() == (PersonStatus.TERMINATED, 7)
    assert len(w.admin.person(P).filings) == 1


def test_suspended_person_can_be_terminated(w: World) -> None:
    res = w.as_role("operator").terminate_person(w.Q, 3)
    assert one(res.named("PersonStatusChanged")) == {"person": w.Q, "from": 1, "to": 2, "reason": 3}
    assert w.admin.person(w.Q).status == PersonStatus.TERMINATED


def test_unknown_person(w: World) -> None:
    op = w.as_role("operator")
    x = pseudonym(100)
    for call in (lambda: op.suspend_person(x), lambda: op.reinstate_person(x),
                 lambda: op.terminate_person(x),
                 lambda: op.add_filing(x, S, w.cov_from, w.cov_to),
                 lambda: op.cancel_filing(x, S, w.cov_from)):
        reverts("PersonUnknown", call, x)


# ====================================================================== batches


def test_enrol_batch(w: World) -> None:
    wallet = dev_account(9).address
    batch = [w.enrolment(100), w.enrolment(101, wallet=wallet, scheme=Scheme.RESIDENT),
             w.enrolment(102, region=R)]
    res = w.as_role("operator").enrol_batch(batch)
    enrolled_events = res.named("PersonEnrolled")
    assert [(bytes(e["person"]), e["index"]) for e in enrolled_events] == [
        (pseudonym(100), 3), (pseudonym(101), 4), (pseudonym(102), 5)]
    assert one(res.named("PersonWalletSet")) == {"person": pseudonym(101), "wallet": wallet.lower()}
    assert w.admin.person_count() == 5
    assert w.admin.person(pseudonym(101)).scheme == Scheme.RESIDENT


def _bad_entry(kind: str, w: World) -> Enrolment:
    if kind == "zero pseudonym":
        return w.enrolment(102, person=bytes(32))
    if kind == "duplicate in batch":
        return w.enrolment(100)
    if kind == "already enrolled":
        return w.enrolment(1)
    if kind == "coverage":
        return w.enrolment(102, coverage_to=w.cov_from - D(1))
    if kind == "scheme":
        return w.enrolment(102, scheme=2)
    if kind == "other region":
        return w.enrolment(102, region=S)
    raise AssertionError(kind)


@pytest.mark.parametrize(("kind", "error"), [
    ("zero pseudonym", "PseudonymInvalid"),
    ("duplicate in batch", "PersonExists"),
    ("already enrolled", "PersonExists"),
    ("coverage", "CoverageInvalid"),
    ("scheme", "SchemeInvalid"),
    ("other region", "AccessControlUnauthorizedAccount"),
])
def test_enrol_batch_all_or_nothing(w: World, kind: str, error: str) -> None:
    batch = [w.enrolment(100), w.enrolment(101), _bad_entry(kind, w)]
    with pytest.raises(ContractError) as ei:
        w.as_role("operator").enrol_batch(batch)
    assert ei.value.name == error
    assert w.admin.person_count() == 2
    assert enrolled(w.admin, pseudonym(100), pseudonym(101), pseudonym(102)) == [False] * 3


def test_enrol_batch_size(w: World) -> None:
    op = w.as_role("operator")
    reverts("BatchSizeInvalid", lambda: op.enrol_batch([]), 0, 500)
    big = [w.enrolment(0, person=Web3.keccak(i.to_bytes(4, "big"))) for i in range(501)]
    reverts("BatchSizeInvalid", lambda: op.enrol_batch(big), 501, 500)
    assert w.admin.person_count() == 2


def test_enrol_batch_of_500(w: World) -> None:
    big = [w.enrolment(0, person=Web3.keccak(i.to_bytes(4, "big"))) for i in range(500)]
    w.as_role("operator").enrol_batch(big)
    assert w.admin.person_count() == 502


def test_enrol_many_refuses_duplicate_before_sending(w: World) -> None:
    block = w.admin.chain.block_number()
    people = [w.enrolment(100), w.enrolment(101), w.enrolment(100)]
    with pytest.raises(InputError, match=r"entry 3: the same person as entry 1"):
        w.as_role("operator").enrol_many(people)
    assert w.admin.chain.block_number() == block
    assert w.admin.person_count() == 2


def test_enrol_many_refuses_a_wallet_of_two_people_before_sending(w: World) -> None:
    """A wallet is one person's (records.md): twice in the list, or bound on chain already."""
    block = w.admin.chain.block_number()
    wallet = "0x" + "ab" * 20
    people = [w.enrolment(100, wallet=wallet), w.enrolment(101), w.enrolment(102, wallet=wallet)]
    with pytest.raises(InputError, match=r"entry 3: the same wallet as entry 1"):
        w.as_role("operator").enrol_many(people)
    w.as_role("operator").enrol_many(people[:1])
    with pytest.raises(InputError, match=r"entry 2: wallet 0x(ab){20} is bound to person 0x"):
        w.as_role("operator").enrol_many(people[1:])
    assert w.admin.chain.block_number() == block + 1


def test_enrol_many_refuses_a_person_enrolled_with_other_data_before_sending(w: World) -> None:
    block = w.admin.chain.block_number()
    stored = w.admin.person(pseudonym(2))  # Q
    other = w.enrolment(2, region=stored.region, scheme=stored.scheme, coverage_from=stored.coverage_from,
                        coverage_to=stored.coverage_to + dt.timedelta(days=1))
    people = [w.enrolment(100), w.enrolment(101), w.enrolment(102), other]
    with pytest.raises(InputError,
                       match=r"entry 4: person 0x.*already enrolled with other data \(coverage_to [-0-9]+ on chain\)$"):
        w.as_role("operator").enrol_many(people, batch_size=2)
    assert w.admin.chain.block_number() == block
    assert enrolled(w.admin, pseudonym(100), pseudonym(101)) == [False, False]


def test_enrol_many_skips_people_enrolled_with_the_same_data_so_a_rerun_resumes(w: World) -> None:
    op = w.as_role("operator")
    op.enrol_many([w.enrolment(100), w.enrolment(101)])
    seen: list[int] = []
    results = op.enrol_many([w.enrolment(100 + i) for i in range(4)], progress=seen.append)
    assert [int(e["index"]) for r in results for e in r.named("PersonEnrolled")] == [5, 6]
    assert seen == [2]
    block = w.admin.chain.block_number()
    assert op.enrol_many([w.enrolment(100 + i) for i in range(4)]) == []  # nothing left to send
    assert w.admin.chain.block_number() == block and w.admin.person_count() == 6


def test_enrol_many_refuses_a_region_whose_operator_the_signer_is_not(w: World) -> None:
    with pytest.raises(InputError, match=r"entry 1: 0x[0-9a-fA-F]{40} lacks the role operator of"):
        w.as_role("reviewer").enrol_many([w.enrolment(100)])


def test_enrol_many_in_batches(w: World) -> None:
    seen: list[int] = []
    people = [w.enrolment(100 + i) for i in range(5)]
    results = w.as_role("operator").enrol_many(people, batch_size=2, progress=seen.append)
    assert len(results) == 3
    assert seen == [2, 2, 1]
    indexes = [e["index"] for r in results for e in r.named("PersonEnrolled")]
    assert indexes == [3, 4, 5, 6, 7]
    assert w.admin.person_count() == 7


# ====================================================================== filings


def test_add_filing_and_boundaries(w: World) -> None:
    op = w.as_role("operator")
    x = pseudonym(100)
    op.enrol(w.enrolment(100))
    start, end = dt.date(2030, 3, 1), dt.date(2030, 3, 31)
    res = op.add_filing(x, S, start, end)
    assert one(res.named("FilingAdded")) == {
        "person": x, "region": S, "from": day(start), "to": day(end)}
    assert [(f.region, f.start, f.end) for f in w.admin.person(x).filings] == [(S, start, end)]
    lg = w.admin
    assert not lg.has_filing(x, S, start - D(1))
    assert lg.has_filing(x, S, start)
    assert lg.has_filing(x, S, end)
    assert not lg.has_filing(x, S, end + D(1))
    assert not lg.has_filing(x, R, start)  # another region
    assert not lg.has_filing(pseudonym(101), S, start)  # not enrolled
    # A one-day filing (from == to) is valid.
    op.add_filing(x, S, end + D(10), end + D(10))
    assert lg.has_filing(x, S, end + D(10))
    assert not lg.has_filing(x, S, end + D(9))


def test_add_filing_bad_input(w: World) -> None:
    op = w.as_role("operator")
    a, b = dt.date(2030, 3, 1), dt.date(2030, 2, 28)
    reverts("FilingInvalid", lambda: op.add_filing(w.P, S, a, b), S, day(a), day(b))
    reverts("FilingInvalid", lambda: op.add_filing(w.P, R, b, a), R, day(b), day(a))  # home
    reverts("RegionUnknown", lambda: op.add_filing(w.P, T, b, a), T)
    reverts("RegionUnknown", lambda: op.add_filing(w.P, 0, b, a), 0)
    assert [(f.region, f.start, f.end) for f in w.admin.person(w.P).filings] == [w.p_filing]


def test_cancel_filing(w: World) -> None:
    op = w.as_role("operator")
    P = w.P
    f1 = (S, dt.date(2030, 1, 1), dt.date(2030, 1, 31))
    f2 = (S, dt.date(2030, 6, 1), dt.date(2030, 6, 30))
    op.add_filing(P, *f1)
    op.add_filing(P, *f2)
    # Wrong start date or region: unknown.
    reverts("FilingUnknown", lambda: op.cancel_filing(P, S, f1[1] + D(1)), P, S, day(f1[1]) + 1)
    reverts("FilingUnknown", lambda: op.cancel_filing(P, R, f1[1]), P, R, day(f1[1]))
    res = op.cancel_filing(P, S, f1[1])
    assert one(res.named("FilingRemoved")) == {
        "person": P, "region": S, "from": day(f1[1]), "to": day(f1[2]), "expired": False}
    assert {(f.region, f.start, f.end) for f in w.admin.person(P).filings} == {w.p_filing, f2}
    assert not w.admin.has_filing(P, S, f1[1])
    assert w.admin.has_filing(P, S, f2[1])
    reverts("FilingUnknown", lambda: op.cancel_filing(P, S, f1[1]), P, S, day(f1[1]))
    op.cancel_filing(P, *w.p_filing[:2])
    op.cancel_filing(P, *f2[:2])
    assert w.admin.person(P).filings == ()


def test_past_filing_is_dropped_on_next_add(w: World) -> None:
    op = w.as_role("operator")
    t = w.admin.today()
    # Ended yesterday: expired as soon as it is added (and before P's world filing starts).
    past = (S, t - D(30), t - D(1))
    op.add_filing(w.P, *past)
    assert w.admin.has_filing(w.P, S, t - D(20))  # answers for its own dates until dropped
    new = (S, t + D(200), t + D(210))
    res = op.add_filing(w.P, *new)
    assert [e["event"] for e in res.events] == ["FilingRemoved", "FilingAdded"]
    assert one(res.named("FilingRemoved")) == {
        "person": w.P, "region": S, "from": day(past[1]), "to": day(past[2]), "expired": True}
    assert [(f.region, f.start, f.end) for f in w.admin.person(w.P).filings] == [w.p_filing, new]
    assert not w.admin.has_filing(w.P, S, t - D(20))


def test_filing_limit_and_expired_filings_dropped(w: World) -> None:
    """At most 8 unexpired filings; adding drops those whose end date is before today
    (chain time), keeping the order of the rest."""
    op = w.as_role("operator")
    chain = w.admin.chain
    x = pseudonym(100)
    op.enrol(w.enrolment(100))
    t = w.admin.today()
    fa, fb, fc = [(S, t + D(10 * i), t + D(10 * i + 5)) for i in (1, 2, 3)]
    e1 = (S, t - D(3), t)  # ends today
    e2 = (S, t, t + D(1))
    k = (S, t + D(2), t + D(2))  # one day, two days ahead
    initial = [fa, e1, fb, e2, fc, k]
    for f in initial:
        op.add_filing(x, *f)

    def filings() -> list[tuple[int, dt.date, dt.date]]:
        return [(f.region, f.start, f.end) for f in w.admin.person(x).filings]

    assert filings() == initial  # a filing ending today is not expired
    chain.set_next_timestamp(noon_cst(t + D(2)))  # two days later: e1 and e2 have expired
    fd = (S, t + D(50), t + D(55))
    res = op.add_filing(x, *fd)
    assert w.admin.today() == t + D(2)
    assert [e["event"] for e in res.events] == ["FilingRemoved", "FilingRemoved", "FilingAdded"]
    assert [{k: (bytes(v) if isinstance(v, bytes) else v) for k, v in e.items()}
            for e in res.named("FilingRemoved")] == [
        {"person": x, "region": S, "from": day(f[1]), "to": day(f[2]), "expired": True}
        for f in (e1, e2)
    ]
    kept = [fa, fb, fc, k, fd]  # k ends on the new today: kept
    assert filings() == kept
    more = [(S, t + D(100 + 10 * i), t + D(101 + 10 * i)) for i in range(3)]
    for f in more:
        op.add_filing(x, *f)
    full = kept + more
    assert filings() == full
    reverts("FilingLimitReached", lambda: op.add_filing(x, S, t + D(300), t + D(301)), x, 8)
    assert filings() == full
    # Cancelling one makes room again.
    op.cancel_filing(x, *fa[:2])
    op.add_filing(x, S, t + D(300), t + D(301))
    assert len(filings()) == 8


# ====================================================================== deployment, modules


def test_two_deployments_are_independent(w: World) -> None:
    first = w.admin
    second = Ledger.deploy(first.chain)
    assert second.address != first.address
    assert second.manifest.modules["RegistryModule"] != first.manifest.modules["RegistryModule"]
    assert not second.region(R)["exists"]
    assert second.person_count() == 0 and second.institution_count() == 0
    assert not second.has_role(second.regulator_role(R), w.addr("regulator"))
    assert second.has_role(ADMIN_ROLE, dev_account(0).address)
    second.add_region(R, "Second Beijing", 7)
    second.grant_role(second.regulator_role(R), dev_account(9).address)
    assert first.region(R)["name"] == "Beijing"
    assert not first.has_role(first.regulator_role(R), dev_account(9).address)
    first.add_region(T, "only in first")
    assert not second.region(T)["exists"]


def _module_calls(w: World) -> dict[str, list[Any]]:
    e = w.enrolment(100).as_tuple()
    inst, P = w.addr("institution"), w.P
    return {
        "addRegion": [T, "x", 0],
        "addInstitution": [w.target.address, R, 1, 0],
        "setInstitutionStatus": [inst, 1, 0],
        "setInstitutionGrade": [inst, 1],
        "enrol": [e],
        "enrolBatch": [[e]],
        "updatePerson": [P, 0, 1, 2],
        "setPersonWallet": [P, w.target.address],
        "suspendPerson": [P, 0],
        "reinstatePerson": [P, 0],
        "terminatePerson": [P, 0],
        "addFiling": [P, S, 1, 2],
        "cancelFiling": [P, S, 1],
    }


def test_module_refuses_direct_calls(w: World) -> None:
    chain = w.admin.chain
    module = w.admin.manifest.modules["RegistryModule"]
    contract = chain.w3.eth.contract(address=module, abi=artifacts.ledger_abi())
    calls = _module_calls(w)
    assert set(calls) == {k for k in OPS if "Role" not in k}
    for fn, args in calls.items():
        data = bytes.fromhex(contract.encode_abi(fn, args=args)[2:])
        with pytest.raises(ContractError) as ei:
            chain.send(dev_account(0), module, data)
        assert ei.value.name == "ModuleCalledDirectly", fn
    # The ledger itself is untouched.
    assert not w.admin.region(T)["exists"]
    assert w.admin.person(w.P).status == PersonStatus.ACTIVE


def test_initialize_runs_only_in_the_ledgers_constructor(w: World) -> None:
    """The role set-up is not routed through the ledger, refused on the module itself, and
    refused in any later delegatecall context (the ledger has code by then)."""
    chain = w.admin.chain
    stranger = dev_account(9)
    abi = chain.w3.eth.contract(abi=artifacts.ledger_abi())
    data = bytes.fromhex(abi.encode_abi("initialize", args=[stranger.address])[2:])
    reverts("FunctionUnknown", lambda: chain.send(stranger, w.admin.address, data), data[:4])
    module = w.admin.manifest.modules["RegistryModule"]
    reverts("ModuleCalledDirectly", lambda: chain.send(stranger, module, data))
    assert not w.admin.has_role(ADMIN_ROLE, stranger.address)
    assert w.admin.has_role(ADMIN_ROLE, w.admin.signer.address)


def test_ledger_needs_a_module_serving_the_roles(w: World) -> None:
    """Deploying the ledger without the module that serves AccessControl fails by name."""
    from yibao.chain.deployment import _create

    chain, admin = w.admin.chain, dev_account(0)
    others = [a for n, a in w.admin.manifest.modules.items() if n != "RegistryModule"]
    grant = Web3.keccak(text="grantRole(bytes32,address)")[:4]
    reverts("ModuleInvalid", lambda: _create(chain, admin, artifacts.LEDGER, [admin.address, others]),
            "0x" + "00" * 20, grant)


def test_unknown_selector(w: World) -> None:
    reverts("FunctionUnknown", lambda: w.admin.chain.call(w.admin.address, b"\xde\xad\xbe\xef",
                                      sender=w.admin.signer.address),
            b"\xde\xad\xbe\xef")


def test_refusal_is_access_denied_and_permission_error(w: World) -> None:
    """The client raises one exception type for a missing role, on both backends."""
    with pytest.raises(PermissionError) as ei:
        w.as_role("stranger").add_region(T, "x")
    assert isinstance(ei.value, AccessDenied)
    assert ei.value.name == "AccessControlUnauthorizedAccount"
    assert ei.value.error_args[1] == ADMIN_ROLE



# ====================================================================== separation of duties
# issue 10 §2: today a regulator could make a hospital a reviewer, and the hospital then
# approved its own flagged claim.


@pytest.mark.parametrize(("granter", "role"), [
    ("regulator", lambda lg: lg.reviewer_role(R)),
    ("regulator", lambda lg: lg.operator_role(R)),
    ("admin", lambda lg: lg.regulator_role(R)),
    ("admin", lambda lg: lg.regulator_role(S)),
    ("admin", lambda lg: bytes(32)),  # DEFAULT_ADMIN_ROLE
])
def test_an_institution_holds_no_staff_role(w: World, granter: str, role: Callable[[Ledger], bytes]) -> None:
    lg = w.as_role(granter)
    err = reverts("RoleConflict", lambda: lg.grant_role(role(lg), w.addr("institution")))
    assert bytes(err.inputs["role"]) == role(lg)
    assert not lg.has_role(role(lg), w.addr("institution"))


@pytest.mark.parametrize("staff", ["admin", "regulator", "regulator_other", "operator", "reviewer"])
def test_staff_cannot_be_registered_as_an_institution(w: World, staff: str) -> None:
    reg = w.as_role("regulator")
    reverts("InstitutionIsStaff", lambda: reg.add_institution(w.addr(staff), R, 2, Grade.A), w.addr(staff))


def test_staff_who_gave_up_every_role_can_become_an_institution(w: World) -> None:
    reg = w.as_role("regulator")
    reg.revoke_role(w.admin.reviewer_role(R), w.addr("reviewer"))
    reg.add_institution(w.addr("reviewer"), R, 2, Grade.A)
    reverts("RoleConflict", lambda: reg.grant_role(w.admin.reviewer_role(R), w.addr("reviewer")))


@pytest.mark.parametrize(("who", "role"), [
    ("regulator", lambda lg: lg.reviewer_role(R)),
    ("regulator", lambda lg: lg.operator_role(R)),
    ("admin", lambda lg: lg.regulator_role(R)),
    ("admin", lambda lg: bytes(32)),
])
def test_nobody_grants_a_role_to_themselves(w: World, who: str, role: Callable[[Ledger], bytes]) -> None:
    lg = w.as_role(who)
    had = lg.has_role(role(lg), w.addr(who))
    reverts("RoleSelfGrant", lambda: lg.grant_role(role(lg), w.addr(who)), w.addr(who), role(lg))
    assert lg.has_role(role(lg), w.addr(who)) == had


def test_a_client_opened_without_a_key_is_read_only(w: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """A client without an account sends calls with no sender (never a dev key's) and refuses
    to sign anything."""
    chain = w.admin.chain
    reader = Ledger.open(chain, w.admin.manifest)
    senders: list[str | None] = []
    real = type(chain).call

    def spy(self: Any, to: str, data: bytes, sender: str | None = None, block: Any = "latest") -> bytes:
        senders.append(sender)
        return real(self, to, data, sender, block)

    monkeypatch.setattr(type(chain), "call", spy)
    assert R in reader.region_codes() and reader.sender is None
    assert senders and set(senders) == {None}
    block = chain.block_number()
    with pytest.raises(KeyRefused, match="read-only"):
        reader.add_region(T, "x")
    with pytest.raises(KeyRefused, match="read-only"):
        reader.enrol_many([w.enrolment(100)])
    assert chain.block_number() == block
    assert reader.acting_as(w.accounts["admin"]).sender == w.addr("admin")


def test_deploy_without_a_deployer_is_refused_off_a_dev_chain() -> None:
    class Production:
        kind, chain_id = "rpc", 8888

    with pytest.raises(KeyRefused, match="needs a deployer account on chain id 8888"):
        Ledger.deploy(Production())  # type: ignore[arg-type]
