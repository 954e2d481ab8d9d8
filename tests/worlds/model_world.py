"""A small standard world for the reference-model tests.

Regions 500000 (Chongqing, fund 10,000,000 fen) and 440100 (Guangzhou, 5,000,000 fen).
Policy 500000 × EMPLOYEE from 2026-01-01 (``POLICY``): op deductible 10,000; inpatient
deductible 20,000 / 50,000 / 100,000 by level; op ratios 5000/7000/6000/5000 by level
0..3; inpatient ratios 9000/8500/8000; op cap 500,000; annual cap 1,000,000; 3 visits a
month; class-B self-pay 1000 bps; cross-region cut 1000 bps; no waiting; review threshold
100,000; claims older than 90 days stale; 15 appeal days.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from yibao.model import ModelRefusal, ReferenceLedger
from yibao.model.types import Claim, ClaimKey, ClaimLine, Decision, Grade, PolicyVersion, Scheme, VisitType

from worlds.rules import CATALOGUE_CQ, CATALOGUE_GZ, CQ, GZ, POLICY, START

D = dt.date

class World:
    """The standard world plus helpers to submit claims and check refusals."""

    def __init__(
        self, policy: PolicyVersion = POLICY, funds: tuple[int, int] = (10_000_000, 5_000_000)
    ) -> None:
        self.ledger = ReferenceLedger()
        lg = self.ledger
        lg.add_region(CQ, "Chongqing", funds[0], today=START)
        lg.add_region(GZ, "Guangzhou", funds[1], today=START)
        lg.add_policy(policy, today=START)
        lg.add_items(CQ, CATALOGUE_CQ, today=START)
        lg.add_items(GZ, CATALOGUE_GZ, today=START)
        lg.add_institution("H3", CQ, 3, Grade.A, today=START)
        lg.add_institution("H1", CQ, 1, Grade.A, today=START)
        lg.add_institution("D0", CQ, 0, Grade.A, today=START)
        lg.add_institution("G2", GZ, 2, Grade.A, today=START)
        lg.add_reviewer("R1", (CQ, GZ), today=START)
        lg.add_reviewer("R2", (CQ, GZ), today=START)
        lg.add_reviewer("RG", (GZ,), today=START)
        lg.enrol("P1", CQ, Scheme.EMPLOYEE, START, D(2026, 12, 31), today=START)

    def claim(self, invoice: str, lines: list[tuple[str, int, int]], *, day: dt.date,
            today: dt.date | None = None, inst: str = "H3", person: str = "P1",
            visit: VisitType = VisitType.OUTPATIENT, discharge: dt.date | None = None,
            claimed_fund: int | None = None) -> Decision:
        """Submit a claim on ``today`` (default: the service day)."""
        c = Claim(
            institution=inst,
            invoice=invoice,
            person=person,
            visit=visit,
            service_date=day,
            lines=tuple(ClaimLine(*x) for x in lines),
            discharge=discharge,
            claimed_fund=claimed_fund,
        )
        return self.ledger.submit_claim(c, today=today or day)

    def refused(self, name: str, action: Callable[[], object]) -> ModelRefusal:
        """Run ``action``, expect refusal ``name`` and an unchanged ledger."""
        before = snapshot(self.ledger)
        with pytest.raises(ModelRefusal) as info:
            action()
        assert info.value.name == name
        assert snapshot(self.ledger) == before
        return info.value


def snapshot(ledger: ReferenceLedger) -> dict[str, Any]:
    """A deep copy of all ledger state (dataclasses compare by value)."""
    return copy.deepcopy(vars(ledger))


def key(invoice: str, inst: str = "H3") -> ClaimKey:
    """The key of a claim of ``inst``."""
    return ClaimKey(inst, invoice)
