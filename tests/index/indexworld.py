"""A small world for the index tests, on the ``ledger`` fixture's chain: one region with a
policy and a catalogue, two institutions, a reviewer, and people; claims submitted in batches."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils import keccak
from worlds.rules import CATALOGUE_CQ, CQ, POLICY
from yibao.chain import dev_account
from yibao.client import ClaimInput, Enrolment, Ledger
from yibao.model.types import ClaimLine, Grade, Scheme, VisitType
from yibao.units import noon_cst

INSTITUTIONS = ("H1", "H2")


def inst_key(name: str) -> LocalAccount:
    acct: LocalAccount = Account.from_key(keccak(text=f"yibao.tests.index:{name}"))
    return acct


@dataclass
class IndexWorld:
    admin: Ledger
    year: int
    accounts: dict[str, LocalAccount]
    people: list[bytes] = field(default_factory=list)
    invoices: int = 0

    def at(self, d: dt.date) -> None:
        chain = self.admin.chain
        chain.set_next_timestamp(max(noon_cst(d), chain.timestamp() + 1))

    def as_role(self, role: str) -> Ledger:
        return self.admin.acting_as(self.accounts[role])

    def claims(self, n: int, inst: str = "H1", day: dt.date | None = None, batch: int = 100,
               big_every: int = 0) -> list[bytes]:
        """Submit ``n`` claims (one to three lines each) in batches; every ``big_every``-th one
        bills above the review threshold (FLAGGED). Returns the claim ids."""
        from yibao.client import claim_id_of

        service = day or dt.date(self.year, 3, 1)
        ids: list[bytes] = []
        inputs = []
        for i in range(n):
            self.invoices += 1
            person = self.people[self.invoices % len(self.people)]
            price = 400_000 if big_every and i % big_every == 0 else 20_000 + 10 * (i % 7)
            lines = [ClaimLine("XA01", 1, price), ClaimLine("XB01", 2, 500), ClaimLine("XC01", 1, 300)][:1 + i % 3]
            inv = f"INV{self.invoices:07d}"
            inputs.append(ClaimInput(inv, person, VisitType.OUTPATIENT, service, tuple(lines)))
            ids.append(claim_id_of(self.accounts[inst].address, inv))
        led = self.as_role(inst)
        for s in range(0, n, batch):
            led.submit_claims(inputs[s:s + batch])
        return ids


def build(admin: Ledger, people: int = 40) -> IndexWorld:
    """The world, in the year after the chain's clock."""
    year = admin.today().year + 1
    accounts = {"regulator": dev_account(1), "operator": dev_account(3), "reviewer": dev_account(5)}
    accounts.update({name: inst_key(name) for name in INSTITUTIONS})
    w = IndexWorld(admin, year, accounts)
    w.at(dt.date(year, 1, 1))
    admin.add_region(CQ, "Chongqing", 10**12)
    admin.grant_role(admin.regulator_role(CQ), accounts["regulator"].address)
    reg = w.as_role("regulator")
    reg.grant_role(admin.operator_role(CQ), accounts["operator"].address)
    reg.grant_role(admin.reviewer_role(CQ), accounts["reviewer"].address)
    from dataclasses import replace

    reg.add_policy(replace(POLICY, effective_from=dt.date(year, 1, 1), monthly_visit_limit=0,
                           max_claim_age_days=365, op_annual_cap=10**10, annual_cap=10**10))
    reg.set_items(CQ, CATALOGUE_CQ)
    for name in INSTITUTIONS:
        admin.chain.fund(accounts[name].address)
        reg.add_institution(accounts[name].address, CQ, 3, Grade.A)
    w.people = [keccak(text=f"index person {i}") for i in range(people)]
    w.as_role("operator").enrol_batch([Enrolment(p, CQ, Scheme.EMPLOYEE, dt.date(year, 1, 1), dt.date(year, 12, 31))
                                       for p in w.people])
    w.at(dt.date(year, 3, 2))
    return w


__all__ = ["INSTITUTIONS", "IndexWorld", "build", "inst_key"]
