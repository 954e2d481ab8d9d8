"""A small, fixed registry world for the chain tests, and assertion helpers.

The world: two regions R (Beijing) and S (Shanghai); one account per role; an institution
in R; two people of R (P active with one filing to S, Q suspended). Every test of
``test_registry.py`` starts from it (it is built once per backend and the ``ledger``
fixture's snapshot/revert restores it after each test).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from eth_account.signers.local import LocalAccount
from eth_utils import keccak
from yibao.chain import dev_account as _dev_account
from yibao.client import Enrolment, Ledger
from yibao.errors import AccessDenied, ContractError
from yibao.identity import PseudonymKey, check_digit
from yibao.model.types import Grade, Scheme

R = 110000  # home region of the world's people and institution
S = 310000  # another region
T = 440300  # not registered in the world

#: Who plays which role (dev account numbers). Account 8 is the spare target of grants and
#: new institutions; account 9 is unused by the world.
ROLE_ACCOUNTS = {
    "admin": 0,
    "regulator": 1,  # regulator of R
    "regulator_other": 2,  # regulator of S
    "operator": 3,  # enrolment operator of R
    "operator_other": 4,  # enrolment operator of S
    "reviewer": 5,  # reviewer of R
    "institution": 6,  # an institution registered in R
    "stranger": 7,
}
TARGET = 8

#: keccak256("yibao.role.nobody"): the admin role of INSTITUTION_ROLE.
NOBODY_ROLE = keccak(text="yibao.role.nobody")
ADMIN_ROLE = bytes(32)

#: A fixed test key; the tests never need a secret one.
KEY = PseudonymKey(bytes(range(32)))


@functools.cache
def dev_account(i: int) -> LocalAccount:
    """``yibao.chain.dev_account``, cached (deriving an HD key is slow)."""
    return _dev_account(i)


def national_id(n: int, birth: str = "19900101", area: str = "110101") -> str:
    """A valid 18-character GB 11643 test ID, distinct for each ``n`` < 1000."""
    first17 = f"{area}{birth}{n:03d}"
    return first17 + check_digit(first17)


def pseudonym(n: int) -> bytes:
    return KEY.pseudonym(national_id(n))


def day(d: dt.date) -> int:
    return (d - dt.date(1970, 1, 1)).days


@dataclass
class World:
    admin: Ledger
    accounts: dict[str, LocalAccount]
    today: dt.date
    P: bytes
    Q: bytes
    p_filing: tuple[int, dt.date, dt.date]
    cov_from: dt.date
    cov_to: dt.date

    def as_role(self, role: str) -> Ledger:
        return self.admin.acting_as(self.accounts[role])

    def addr(self, role: str) -> str:
        return self.accounts[role].address

    @property
    def target(self) -> LocalAccount:
        return dev_account(TARGET)

    def enrolment(self, n: int, region: int = R, **kw: Any) -> Enrolment:
        """An enrolment of fresh person number ``n`` (>= 100 to stay clear of P and Q)."""
        args: dict[str, Any] = {
            "person": pseudonym(n),
            "region": region,
            "scheme": Scheme.EMPLOYEE,
            "coverage_from": self.cov_from,
            "coverage_to": self.cov_to,
        }
        args.update(kw)
        return Enrolment(**args)


def build_world(admin: Ledger) -> World:
    accounts = {role: dev_account(i) for role, i in ROLE_ACCOUNTS.items()}
    admin.add_region(R, "Beijing", 1_000_000)
    admin.add_region(S, "Shanghai", 2_000_000)
    admin.grant_role(admin.regulator_role(R), accounts["regulator"].address)
    admin.grant_role(admin.regulator_role(S), accounts["regulator_other"].address)
    reg = admin.acting_as(accounts["regulator"])
    reg.grant_role(admin.operator_role(R), accounts["operator"].address)
    reg.grant_role(admin.reviewer_role(R), accounts["reviewer"].address)
    reg.add_institution(accounts["institution"].address, R, 2, Grade.A)
    admin.acting_as(accounts["regulator_other"]).grant_role(
        admin.operator_role(S), accounts["operator_other"].address
    )
    today = admin.today()
    cov_from, cov_to = dt.date(today.year, 1, 1), dt.date(today.year, 12, 31)
    P, Q = pseudonym(1), pseudonym(2)
    op = admin.acting_as(accounts["operator"])
    op.enrol_batch([
        Enrolment(P, R, Scheme.EMPLOYEE, cov_from, cov_to),
        Enrolment(Q, R, Scheme.RESIDENT, cov_from, cov_to),
    ])
    op.suspend_person(Q, 1)
    p_filing = (S, today - dt.timedelta(days=10), today + dt.timedelta(days=100))
    op.add_filing(P, *p_filing)
    return World(admin, accounts, today, P, Q, p_filing, cov_from, cov_to)


# ---------------------------------------------------------------------- assertions


def denied(fn: Callable[[], Any], account: LocalAccount, needed: bytes) -> AccessDenied:
    """``fn()`` is refused by AccessControl for ``account`` lacking ``needed``."""
    with pytest.raises(AccessDenied) as ei:
        fn()
    err = ei.value
    assert err.name == "AccessControlUnauthorizedAccount"
    assert str(err.inputs["account"]).lower() == account.address.lower()
    assert bytes(err.inputs["neededRole"]) == bytes(needed)
    return err


def reverts(name: str, fn: Callable[[], Any], *args: Any) -> ContractError:
    """``fn()`` reverts with the custom error ``name`` (and these arguments, if given)."""
    with pytest.raises(ContractError) as ei:
        fn()
    err = ei.value
    assert err.name == name, f"expected {name}, got {err}"
    if args:
        assert tuple(_norm(a) for a in err.error_args) == tuple(_norm(a) for a in args), err
    return err


def _norm(v: Any) -> Any:
    if isinstance(v, str) and v.startswith("0x"):
        return v.lower()
    if isinstance(v, (bytes, bytearray)):
        return bytes(v)
    return v


def one(events: list[dict[str, Any]]) -> dict[str, Any]:
    """The only event of a kind, with addresses lower-cased for comparison."""
    assert len(events) == 1, events
    return {k: _norm(v) for k, v in events[0].items()}
