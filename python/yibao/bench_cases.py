"""``yibao bench --cases``: the gas of every supervision case step (supervision.md).

On the bench's world (:mod:`yibao.bench`), its first 50 people past their deductible, for
cases on 1, 10 and 50 of the hospital's settled claims: open, finding, decide and finalize
(Art. 40 with a suspension: every found claim clawed back, the fine owed, the suspension,
credit and grade); on 10 approved, unsettled
claims a finalize that rejects them instead; and the steps whose cost has no size: contest, an
upheld ruling, close, paying a fine. Each figure is a receipt's ``gasUsed``. Between sizes the
hospital is reinstated and its grade set back to A (two Art. 40 cases take its score below D's
floor, and a grade-E institution's claims are refused).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from yibao.bench import BenchWorld, build_world
from yibao.chain.backend import Chain, dev_account
from yibao.codec import invoice_word
from yibao.model.types import CaseSource, Grade, InstitutionStatus
from yibao.units import noon_cst

SIZES = (1, 10, 50)
EVIDENCE = bytes.fromhex("ab" * 32)
#: A progress callback: (stage, done, total).
Note = Callable[[str, int, int], None]


def _quiet(_stage: str, _done: int, _total: int) -> None:
    pass


class _Cases:
    def __init__(self, w: BenchWorld) -> None:
        self.w = w
        self.reviewer = dev_account(3)
        w.ledger.grant_role(w.ledger.reviewer_role(500000), self.reviewer.address)
        assert w.hospital.sender is not None
        self.hospital: str = w.hospital.sender
        self.day = dt.date(2026, 3, 1)

    def claims(self, n: int) -> list[bytes]:
        w = self.w
        words = [word for k in range(n) for word in w.claim(w.people[k % len(w.people)])]
        w.hospital.transact("submitClaims", words, gas=min(55_000_000, 200_000 + 150_000 * n))
        return [bytes(w.ledger.call("claimIdOf", self.hospital, invoice_word(f"INV-{s}")))
                for s in range(w.serial - n + 1, w.serial + 1)]

    def later(self, days: int) -> None:
        self.day += dt.timedelta(days=days)
        self.w.chain.set_clock(noon_cst(self.day))

    def restore(self) -> None:
        reg = self.w.ledger
        if reg.institution(self.hospital).status is not InstitutionStatus.ACTIVE:
            reg.set_institution_status(self.hospital, InstitutionStatus.ACTIVE, 0)
        if reg.institution(self.hospital).grade is not Grade.A:
            reg.set_institution_grade(self.hospital, Grade.A)


def run_cases(chain: Chain, note: Note = _quiet) -> dict[str, Any]:
    """The gas of each case step (see the module docstring)."""
    w = build_world(chain, 100)
    c = _Cases(w)
    reg = w.ledger
    for _ in range(4):  # the deductibles of the people the cases' claims are of used up: fund shares to pay
        c.claims(max(SIZES))
    reg.settle(c.hospital)
    rows: list[dict[str, Any]] = []
    fixed: dict[str, int] = {}
    for k, n in enumerate(SIZES):
        note("case steps", k, len(SIZES) + 1)
        claims = c.claims(n)
        reg.settle(c.hospital)
        case_id, opened = reg.open_case(c.hospital, claims, CaseSource.LEAD, EVIDENCE)
        finding = reg.add_finding(case_id, claims, "PHANTOM", EVIDENCE)
        decided = reg.decide(case_id, 40, 30_000, 10)
        if n == 1:
            fixed["contest"] = w.hospital.contest(case_id).gas_used
            fixed["ruling (upheld)"] = reg.acting_as(c.reviewer).rule(case_id, True).gas_used
        else:
            c.later(16)
        final = reg.finalize(case_id)
        rows.append({"claims": n, "open": opened.gas_used, "finding": finding.gas_used, "decide": decided.gas_used,
                     "finalize": final.gas_used, "clawed_back": len(final.named("ClaimClawedBack"))})
        c.restore()
    note("case steps", len(SIZES), len(SIZES) + 1)
    approved = c.claims(10)
    case_id, _ = reg.open_case(c.hospital, approved, CaseSource.TIP, EVIDENCE)
    reg.add_finding(case_id, approved, "PHANTOM", EVIDENCE)
    reg.decide(case_id, 38, 10_000, 0)
    c.later(16)
    rejected = reg.finalize(case_id)
    fixed["finalize (10 approved claims rejected)"] = rejected.gas_used
    other, _ = reg.open_case(c.hospital, c.claims(1), CaseSource.TIP, EVIDENCE)
    fixed["close (no violation)"] = reg.close_case(other).gas_used
    fixed["pay a fine"] = reg.pay_fine(c.hospital, 1_000, EVIDENCE).gas_used
    note("case steps", len(SIZES) + 1, len(SIZES) + 1)
    return {"chain": chain.describe(), "sizes": rows, "steps": fixed,
            "rejected": len(rejected.named("CaseClaimRejected"))}


__all__ = ["SIZES", "run_cases"]
